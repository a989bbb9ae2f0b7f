//go:build race && !amd64 && !arm64

package memword

// FaultSafe reports whether a fault inside these operations (a peer
// truncated the object under the mapping) is recovered by a deferred
// recover under debug.SetPanicOnFault(true). It is false here: this is a
// race build on a GOARCH without assembly stubs, so the operations are
// sync/atomic's, which run inside the race runtime's C code, where a fault
// kills the process.
const FaultSafe = false
