//go:build !race || amd64 || arm64

package memword

// FaultSafe reports whether a fault inside these operations (a peer
// truncated the object under the mapping) is recovered by a deferred
// recover under debug.SetPanicOnFault(true). It is false only in race
// builds on GOARCHes that have no assembly here, where the operations run
// inside the race runtime's C code.
const FaultSafe = true
