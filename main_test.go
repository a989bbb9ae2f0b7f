//go:build linux

package shmfs_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/shmfs/shmfs/testing/shmfstest"
)

// children are the functions a re-executed test binary can run as a peer
// process (shmfstest.Command(name, args...)), all of them registered here;
// each body sits beside the tests that start it.
var children = map[string]func(args []string) error{
	"writer":              childWriter,            // crossproc_test.go
	"grower":              childGrower,            // crossproc_test.go
	"reader":              childReader,            // crossproc_test.go (private_test.go too)
	"memfd-echo":          childMemfdEcho,         // fdpass_test.go
	"memfd-attack":        childMemfdAttack,       // memfd_test.go
	"memfd-truncate":      childMemfdTruncate,     // memfd_test.go
	"memfd-hold":          childMemfdHold,         // memfd_test.go
	"sysv-peer":           childSysvPeer,          // sysv_test.go
	"sysv-perm":           childSysvPerm,          // sysv_test.go
	"core-truncate":       childCoreTruncate,      // core_test.go (copy_test.go, view_test.go, coord_test.go too)
	"core-peer":           childCorePeer,          // core_test.go
	"core-rlimit-grow":    childCoreRlimitGrow,    // core_test.go
	"core-segment-noroom": childCoreSegmentNoroom, // core_test.go
	"coord-lock-hold":     childCoordLockHold,     // coord_test.go
	"coord-add":           childCoordAdd,          // coord_test.go
	"ring-produce":        childRingProduce,       // coord_test.go
	"coord-wake":          childCoordWake,         // coord_test.go
	"bench-pong":          childBenchPong,         // bench_coord_test.go
	"bench-echo":          childBenchEcho,         // bench_coord_test.go
	"publisher":           childPublisher,         // publish_test.go
}

func TestMain(m *testing.M) {
	shmfstest.RunChild(children)
	code := m.Run()
	// Nothing this process named may be left in /dev/shm: the tests' names
	// start with shmfstest-PID- (shmfstest.Scratch), the Examples' with
	// shmfs-example-PID-.
	for _, prefix := range []string{"shmfstest-%d-", "shmfs-example-%d-"} {
		s, err := shmfstest.NewScratch("")
		if err != nil {
			break
		}
		s.Prefix = fmt.Sprintf(prefix, os.Getpid())
		if left, _ := s.List(); len(left) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: tests left objects in /dev/shm: %v\n", left)
			s.Cleanup()
			code = 1
		}
	}
	os.Exit(code)
}

// scratch returns a Scratch in dir ("" = /dev/shm) removed when t ends.
func scratch(t testing.TB, dir string) *shmfstest.Scratch {
	t.Helper()
	s, err := shmfstest.NewScratch(dir)
	if err != nil {
		t.Skipf("no scratch namespace: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Cleanup(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return s
}
