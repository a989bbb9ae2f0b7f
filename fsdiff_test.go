//go:build linux

package shmfs_test

import (
	"math/rand/v2"
	"os"
	"testing"

	fc "github.com/shmfs/shmfs/internal/fuzzcheck"
)

// The FS differential (internal/fuzzcheck's FSRun): the same operations on
// a *shmfs.FS and on an *os.Root over twin directories (fuzzcheck.FSFixture:
// files, directories, a FIFO, links in the root, out of it, absolute,
// dangling, a loop) give the same error classes, error types and paths,
// results and, every few operations, the same trees (types, modes, owners,
// sizes, contents, link targets); nothing outside either root changes.

// fsBases are the directories the twins are made in: on tmpfs (/dev/shm)
// and on a disk file system.
func fsBases(t *testing.T) map[string]string {
	s := scratch(t, "")
	shm := s.Path("fsdiff")
	if err := os.Mkdir(shm, 0700); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"shm": shm, "disk": t.TempDir()}
}

func TestFSDifferentialTable(t *testing.T) {
	for base, dir := range fsBases(t) {
		for _, c := range fc.FSTable {
			t.Run(base+"/"+c.Name, func(t *testing.T) {
				if err := fc.FSRun(dir, c.Ops, 1); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestFSDifferentialRandom runs seeded random sequences (fuzzcheck.RandomFS):
// a few hundred operations each, on names that mostly exist or can be made,
// with hostile ones and random bytes mixed in.
func TestFSDifferentialRandom(t *testing.T) {
	seeds, n := 8, 300
	if testing.Short() {
		seeds = 2
	}
	for base, dir := range fsBases(t) {
		for seed := range seeds {
			ops := fc.RandomFS(rand.New(rand.NewPCG(uint64(seed), 14)), n)
			if err := fc.FSRun(dir, ops, 5); err != nil {
				t.Errorf("%s, seed %d: %v", base, seed, err)
			}
		}
	}
}
