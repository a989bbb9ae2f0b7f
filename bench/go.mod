module github.com/shmfs/shmfs/bench

go 1.26.0

require github.com/shmfs/shmfs v0.0.0

require (
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
	golang.org/x/sys v0.41.0 // indirect
)

replace github.com/shmfs/shmfs => ../
