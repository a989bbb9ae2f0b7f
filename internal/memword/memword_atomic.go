//go:build !((race || memword_asm) && (amd64 || arm64))

package memword

import "sync/atomic"

// asmPath reports whether the operations are this package's assembly.
const asmPath = false

// Load32 atomically loads *p.
func Load32(p *uint32) uint32 { return atomic.LoadUint32(p) }

// Store32 atomically stores v into *p.
func Store32(p *uint32, v uint32) { atomic.StoreUint32(p, v) }

// Add32 atomically adds delta to *p and returns the new value.
func Add32(p *uint32, delta uint32) (new uint32) { return atomic.AddUint32(p, delta) }

// Cas32 atomically replaces *p with new if *p is old, and reports whether
// it did.
func Cas32(p *uint32, old, new uint32) (swapped bool) {
	return atomic.CompareAndSwapUint32(p, old, new)
}

// Load64 atomically loads *p.
func Load64(p *uint64) uint64 { return atomic.LoadUint64(p) }

// Store64 atomically stores v into *p.
func Store64(p *uint64, v uint64) { atomic.StoreUint64(p, v) }

// Add64 atomically adds delta to *p and returns the new value.
func Add64(p *uint64, delta uint64) (new uint64) { return atomic.AddUint64(p, delta) }

// Cas64 atomically replaces *p with new if *p is old, and reports whether
// it did.
func Cas64(p *uint64, old, new uint64) (swapped bool) {
	return atomic.CompareAndSwapUint64(p, old, new)
}
