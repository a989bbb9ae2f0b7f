module github.com/shmfs/shmfs/bench

go 1.26.0

require (
	github.com/shmfs/shmfs v0.0.0
	golang.org/x/exp v0.0.0-20261113113407-e3970619a1a4
	golang.org/x/perf v0.0.0-20250813145418-2f7363a06fe1
)

require (
	github.com/aclements/go-moremath v0.0.0-20210112150236-f10218a38794 // indirect
	golang.org/x/sys v0.41.0 // indirect
)

tool golang.org/x/perf/cmd/benchstat

replace github.com/shmfs/shmfs => ../
