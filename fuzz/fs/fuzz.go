//go:build gofuzz

package fs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shmfs/shmfs/internal/fuzzcheck"
)

// disk holds this process's twin trees on a disk file system (each input
// removes its own; /dev/shm ones too). go-fuzz gives a harness no hook to
// remove disk itself when it stops: fuzz/gofuzz.sh does.
var disk = filepath.Join(os.TempDir(), fmt.Sprintf("shmfs-gofuzz-fs-%d", os.Getpid()))

// Fuzz runs fuzzcheck.FSInput, as FuzzFS does, and panics on a difference.
func Fuzz(data []byte) int {
	if err := os.MkdirAll(disk, 0700); err != nil {
		panic(err)
	}
	err := fuzzcheck.FSInput(disk, "/dev/shm", data)
	switch {
	case errors.Is(err, fuzzcheck.ErrSkip):
		return -1
	case err != nil:
		panic(err)
	}
	return 0
}
