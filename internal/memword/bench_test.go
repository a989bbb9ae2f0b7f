package memword

import (
	"runtime/debug"
	"sync/atomic"
	"testing"
	"unsafe"
)

// BenchmarkAdd64 compares Add64 on a word of a shared mapping with
// sync/atomic on a heap word (and on the same mapped word), bare and inside
// the fault guard shmfs wraps around each touch of the mapping. In a race
// build memword is the assembly and sync/atomic goes through the race
// runtime.
func BenchmarkAdd64(b *testing.B) {
	mem := newMem(b, 4096)
	mapped := (*uint64)(unsafe.Pointer(&mem[0]))
	heap := new(uint64)
	guard := func(f func()) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				panic(r)
			}
		}()
		f()
	}
	b.Run("memword/mapped", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Add64(mapped, 1)
		}
	})
	b.Run("syncatomic/heap", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			atomic.AddUint64(heap, 1)
		}
	})
	b.Run("syncatomic/mapped", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			atomic.AddUint64(mapped, 1)
		}
	})
	b.Run("memword/mapped/guarded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			guard(func() { Add64(mapped, 1) })
		}
	})
	b.Run("syncatomic/heap/guarded", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			guard(func() { atomic.AddUint64(heap, 1) })
		}
	})
}
