// Package ops is the go-fuzz harness of the FuzzOps check: an operation
// sequence on a *shmfs.File and an *os.File opened alike on the same
// content in /dev/shm must give the same results. Build it with
// fuzz/gofuzz.sh ops (the harness itself is behind the gofuzz build tag).
package ops
