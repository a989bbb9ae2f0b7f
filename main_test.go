//go:build linux

package shmfs_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/shmfs/shmfs/testing/shmfstest"
)

// children are the functions a re-executed test binary can run as a peer
// process (see shmfstest.Command).
var children = map[string]func(args []string) error{}

func TestMain(m *testing.M) {
	shmfstest.RunChild(children)
	code := m.Run()
	// Nothing this process named may be left in /dev/shm.
	if s, err := shmfstest.NewScratch(""); err == nil {
		s.Prefix = fmt.Sprintf("shmfstest-%d-", os.Getpid())
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
