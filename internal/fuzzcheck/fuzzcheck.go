// Package fuzzcheck holds the checks shmfs's fuzzers run: the native
// go test -fuzz targets in fuzz_test.go and the go-fuzz harnesses under
// fuzz/ call the same functions, so both fuzzers have the same oracle.
//
// Each check takes one fuzzer input and returns nil when shmfs behaved,
// an error that describes the first difference otherwise, or an error
// matching ErrSkip for an input it does not run (too long, say). Every
// check removes every object it creates, whatever the outcome.
//
//   - Ops: an operation sequence on a *shmfs.File and an *os.File opened
//     the same way on the same content (shmfstest.Compare).
//   - Names: a name given to an FS on a scratch directory and to an
//     os.Root on its twin, which must agree (the io/fs methods refusing what
//     is not fs.ValidPath with fs.ErrInvalid) and keep everything inside the
//     namespace, and to the package-level functions, which must refuse
//     what is not a POSIX name with fs.ErrInvalid.
//   - FSInput (FSRun): an operation sequence on an FS and on an os.Root over
//     twin directories, compared call by call and tree by tree.
//   - Segment: an operation sequence on a System V segment against Fixed,
//     an in-memory model of a fixed-size file.
package fuzzcheck

import (
	"errors"
	"fmt"
)

// ErrSkip is what a check returns for an input it does not run; the
// fuzzers should not keep such an input.
var ErrSkip = errors.New("fuzzcheck: input skipped")

func skipf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSkip}, args...)...)
}
