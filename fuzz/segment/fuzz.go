//go:build gofuzz

package segment

import (
	"errors"

	"github.com/shmfs/shmfs/internal/fuzzcheck"
)

// Fuzz runs fuzzcheck.Segment, as FuzzSegment does, and panics on a
// difference.
func Fuzz(data []byte) int {
	err := fuzzcheck.Segment(data)
	switch {
	case errors.Is(err, fuzzcheck.ErrSkip):
		return -1
	case err != nil:
		panic(err)
	}
	return 0
}
