package shmfstest

// errnoClass: Plan 9 has no errnos.
func errnoClass(err error) (string, bool) { return "", false }
