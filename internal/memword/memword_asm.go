//go:build (race || memword_asm) && (amd64 || arm64)

package memword

// asmPath reports whether the operations are this package's assembly.
const asmPath = true

// The bodies are in memword_$GOARCH.s. They are ABI0 assembly, which the
// race detector does not instrument: a fault in them is a fault in Go code.

// Load32 atomically loads *p.
//
//go:noescape
func Load32(p *uint32) uint32

// Store32 atomically stores v into *p.
//
//go:noescape
func Store32(p *uint32, v uint32)

// Add32 atomically adds delta to *p and returns the new value.
//
//go:noescape
func Add32(p *uint32, delta uint32) (new uint32)

// Cas32 atomically replaces *p with new if *p is old, and reports whether
// it did.
//
//go:noescape
func Cas32(p *uint32, old, new uint32) (swapped bool)

// Load64 atomically loads *p.
//
//go:noescape
func Load64(p *uint64) uint64

// Store64 atomically stores v into *p.
//
//go:noescape
func Store64(p *uint64, v uint64)

// Add64 atomically adds delta to *p and returns the new value.
//
//go:noescape
func Add64(p *uint64, delta uint64) (new uint64)

// Cas64 atomically replaces *p with new if *p is old, and reports whether
// it did.
//
//go:noescape
func Cas64(p *uint64, old, new uint64) (swapped bool)
