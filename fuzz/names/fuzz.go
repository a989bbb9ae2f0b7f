//go:build gofuzz

package names

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/shmfs/shmfs/internal/fuzzcheck"
)

// base holds this process's scratch trees (one at a time, each removed by
// the check). go-fuzz gives a harness no hook to remove base itself when it
// stops: fuzz/gofuzz.sh does.
var base = filepath.Join(os.TempDir(), fmt.Sprintf("shmfs-gofuzz-names-%d", os.Getpid()))

// Fuzz runs fuzzcheck.NamesInput, as FuzzNames does, and panics on a
// difference.
func Fuzz(data []byte) int {
	if err := os.MkdirAll(base, 0700); err != nil {
		panic(err)
	}
	err := fuzzcheck.NamesInput(base, data)
	switch {
	case errors.Is(err, fuzzcheck.ErrSkip):
		return -1
	case err != nil:
		panic(err)
	}
	return 0
}
