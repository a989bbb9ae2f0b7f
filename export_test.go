package shmfs

// Faults returns how many memory faults the fault guard has turned into
// errors (or redone through pread/pwrite) in this process.
func Faults() int64 { return faults.Load() }
