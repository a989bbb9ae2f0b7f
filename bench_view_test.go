//go:build linux

package shmfs_test

import (
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"os"
	"testing"
)

// Benchmarks of zero-copy views, side by side (benchstat -col /impl).

// BenchmarkHash is CRC-32 (IEEE) of a whole 64 MiB object:
//
//	view    one View of the object, hashed in place
//	slice   the same over a []byte on the Go heap: the limit
//	readat  ReadAt into a 1 MiB buffer, hashed chunk by chunk
//	os      *os.File Read into a 1 MiB buffer
func BenchmarkHash(b *testing.B) {
	fx := newBenchFixture(b, benchObjSize)
	o, err := os.Open(fx.path)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	heap := make([]byte, benchObjSize)
	fx.shm.ReadAt(heap, 0)
	want := crc32.ChecksumIEEE(heap)
	buf := make([]byte, benchChunk)
	impls := []struct {
		name string
		sum  func() uint32
	}{
		{"view", func() uint32 {
			var sum uint32
			if err := fx.shm.View(0, benchObjSize, func(p []byte) error { sum = crc32.ChecksumIEEE(p); return nil }); err != nil {
				b.Fatal(err)
			}
			return sum
		}},
		{"slice", func() uint32 { return crc32.ChecksumIEEE(heap) }},
		{"readat", func() uint32 {
			var sum uint32
			for off := int64(0); off < benchObjSize; off += benchChunk {
				if _, err := fx.shm.ReadAt(buf, off); err != nil {
					b.Fatal(err)
				}
				sum = crc32.Update(sum, crc32.IEEETable, buf)
			}
			return sum
		}},
		{"os", func() uint32 {
			var sum uint32
			if _, err := o.Seek(0, io.SeekStart); err != nil {
				b.Fatal(err)
			}
			for {
				n, err := o.Read(buf)
				sum = crc32.Update(sum, crc32.IEEETable, buf[:n])
				if err == io.EOF {
					return sum
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		}},
	}
	for _, im := range impls {
		b.Run(fmt.Sprintf("obj=%dMiB/impl=%s", benchObjSize>>20, im.name), func(b *testing.B) {
			if got := im.sum(); got != want {
				b.Fatalf("crc %08x, want %08x", got, want)
			}
			b.SetBytes(benchObjSize)
			b.ReportAllocs()
			for b.Loop() {
				im.sum()
			}
		})
	}
}

// BenchmarkView64 is a 64-byte View at random offsets of a 1 MiB object,
// against ReadAt of 64 bytes at the same offsets (a copy into a buffer) and
// against copy() from a Go slice. golang.org/x/exp/mmap's ReadAt is in the
// nested module bench/ (BenchmarkView64 there, in the same run).
func BenchmarkView64(b *testing.B) {
	fx := newBenchFixture(b, 1<<20)
	offs := benchOffsets(1, 1<<20, 64)
	heap := make([]byte, 1<<20)
	fx.shm.ReadAt(heap, 0)
	var sink byte
	touch := func(p []byte) error { sink += p[0] + p[63]; return nil }
	buf := make([]byte, 64)
	impls := []struct {
		name string
		op   func(off int64)
	}{
		{"view", func(off int64) {
			if err := fx.shm.View(off, 64, touch); err != nil {
				b.Fatal(err)
			}
		}},
		{"readat", func(off int64) {
			if _, err := fx.shm.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
			touch(buf)
		}},
		{"copy", func(off int64) {
			copy(buf, heap[off:off+64])
			touch(buf)
		}},
	}
	for _, im := range impls {
		b.Run("obj=1MiB/size=64/impl="+im.name, func(b *testing.B) {
			b.SetBytes(64)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				im.op(offs[i&(len(offs)-1)])
				i++
			}
		})
	}
	_ = sink
}

// BenchmarkCopyTo is io.Copy of a whole 64 MiB object to a TCP socket and
// to a pipe, whose other end a goroutine drains: shmfs's WriteTo hands the
// mapping to write(2) in place; *os.File's uses sendfile(2) for the socket
// and a 32 KiB buffer for the pipe.
func BenchmarkCopyTo(b *testing.B) {
	fx := newBenchFixture(b, benchObjSize)
	o, err := os.Open(fx.path)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	sinks := []struct {
		name string
		open func(b *testing.B) (io.Writer, func())
	}{
		{"tcp", func(b *testing.B) (io.Writer, func()) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Skip(err)
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				c, err := l.Accept()
				if err != nil {
					return
				}
				io.Copy(io.Discard, c)
				c.Close()
			}()
			c, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			return c, func() { c.Close(); <-done; l.Close() }
		}},
		{"pipe", func(b *testing.B) (io.Writer, func()) {
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			done := make(chan struct{})
			go func() { defer close(done); io.Copy(io.Discard, r); r.Close() }()
			return w, func() { w.Close(); <-done }
		}},
	}
	for _, sk := range sinks {
		for _, im := range []struct {
			name string
			f    io.ReadSeeker
		}{{"shmfs", fx.shm}, {"os", o}} {
			b.Run(fmt.Sprintf("to=%s/obj=%dMiB/impl=%s", sk.name, benchObjSize>>20, im.name), func(b *testing.B) {
				w, done := sk.open(b)
				defer done()
				b.SetBytes(benchObjSize)
				b.ReportAllocs()
				for b.Loop() {
					if _, err := im.f.Seek(0, io.SeekStart); err != nil {
						b.Fatal(err)
					}
					if n, err := io.Copy(w, im.f); err != nil || n != benchObjSize {
						b.Fatalf("io.Copy = %d, %v", n, err)
					}
				}
			})
		}
	}
}
