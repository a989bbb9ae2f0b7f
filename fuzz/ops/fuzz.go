//go:build gofuzz

package ops

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shmfs/shmfs/internal/fuzzcheck"
)

// disk is the directory on a disk file system an input may choose (see
// fuzzcheck.Ops); fuzz/gofuzz.sh removes it when go-fuzz stops.
var disk = filepath.Join(os.TempDir(), fmt.Sprintf("shmfs-gofuzz-ops-%d", os.Getpid()))

// Fuzz runs fuzzcheck.Ops, as FuzzOps does, and panics on a difference.
func Fuzz(data []byte) int {
	if err := os.MkdirAll(disk, 0700); err != nil {
		panic(err)
	}
	err := fuzzcheck.Ops(data, "", disk)
	switch {
	case errors.Is(err, fuzzcheck.ErrSkip):
		return -1
	case err != nil:
		panic(err)
	}
	return 0
}
