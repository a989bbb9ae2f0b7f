package bench_test

// Benchmarks of shmfs side by side with golang.org/x/exp/mmap (a read-only
// mapping with nothing but a bounds check around copy), *os.File on the
// same object and copy() from a Go slice. Names follow the root module's:
// Benchmark<Op>/<params>/impl=<impl>, so `benchstat -col /impl` puts the
// impls side by side:
//
//	shmfs     shmfs.Open of a POSIX object in /dev/shm
//	xexpmmap  golang.org/x/exp/mmap.Open of the same object
//	os        os.Open of the same object (pread)
//	copy      copy() from a []byte on the Go heap

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"testing"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
	"golang.org/x/exp/mmap"
)

// sliceReader is the copy impl.
type sliceReader []byte

func (s sliceReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(s)) {
		return 0, io.EOF
	}
	n := copy(p, s[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (sliceReader) Close() error { return nil }

type readerAtCloser interface {
	io.ReaderAt
	io.Closer
}

type impl struct {
	name string
	open func() (readerAtCloser, error) // a new reader of the object
}

// fixture is a filled object of size bytes in /dev/shm, and the impls that
// read it.
type fixture struct {
	size  int64
	impls []impl
}

func newFixture(b *testing.B, size int64) *fixture {
	b.Helper()
	s, err := shmfstest.NewScratch("")
	if err != nil {
		b.Skipf("no scratch namespace: %v", err)
	}
	b.Cleanup(func() {
		if err := s.Cleanup(); err != nil {
			b.Errorf("cleanup: %v", err)
		}
	})
	name, path := s.Name("bench"), s.Path("bench")
	f, err := shmfs.Create(name)
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return &fixture{size: size, impls: []impl{
		{"shmfs", func() (readerAtCloser, error) { return shmfs.Open(name) }},
		{"xexpmmap", func() (readerAtCloser, error) { return mmap.Open(path) }},
		{"os", func() (readerAtCloser, error) { return os.Open(path) }},
		{"copy", func() (readerAtCloser, error) { return sliceReader(data), nil }},
	}}
}

// openWarm opens im and reads all of it, so that a mapping has every page
// in its page tables; it is closed when b ends.
func openWarm(b *testing.B, im impl, size int64) io.ReaderAt {
	b.Helper()
	r, err := im.open()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	buf := make([]byte, 1<<20)
	for range 2 { // a shmfs File maps on its second access
		for off := int64(0); off < size; off += int64(len(buf)) {
			if _, err := r.ReadAt(buf[:min(int64(len(buf)), size-off)], off); err != nil {
				b.Fatal(err)
			}
		}
	}
	return r
}

// offsets returns 4096 random 64-byte-aligned offsets for n-byte reads in
// size bytes.
func offsets(seed uint64, size int64, n int) []int64 {
	r := rand.New(rand.NewPCG(seed, 2))
	offs := make([]int64, 4096)
	for i := range offs {
		offs[i] = r.Int64N(size-int64(n)+1) &^ 63
	}
	return offs
}

// cases are the root module's random-access cases.
var cases = []struct {
	obj  int64
	size int
}{
	{1 << 20, 64},
	{1 << 20, 4 << 10},
	{64 << 20, 64},
	{64 << 20, 4 << 10},
	{64 << 20, 1 << 20},
}

// BenchmarkReadAt reads size bytes at random offsets of an obj-byte object.
func BenchmarkReadAt(b *testing.B) {
	fxs := map[int64]*fixture{}
	for _, c := range cases {
		fx := fxs[c.obj]
		if fx == nil {
			fx = newFixture(b, c.obj)
			fxs[c.obj] = fx
		}
		offs := offsets(1, c.obj, c.size)
		for _, im := range fx.impls {
			b.Run(fmt.Sprintf("obj=%dMiB/size=%d/impl=%s", c.obj>>20, c.size, im.name), func(b *testing.B) {
				r := openWarm(b, im, c.obj)
				buf := make([]byte, c.size)
				b.SetBytes(int64(c.size))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := r.ReadAt(buf, offs[i&(len(offs)-1)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// BenchmarkReadAtParallel is BenchmarkReadAt on a 64 MiB object from
// GOMAXPROCS goroutines sharing one reader.
func BenchmarkReadAtParallel(b *testing.B) {
	const obj = 64 << 20
	fx := newFixture(b, obj)
	for _, n := range []int{64, 4 << 10} {
		for _, im := range fx.impls {
			b.Run(fmt.Sprintf("obj=%dMiB/size=%d/impl=%s", obj>>20, n, im.name), func(b *testing.B) {
				r := openWarm(b, im, obj)
				// Each goroutine has its own offsets and buffer, made
				// before the timer starts.
				var bufs [64][]byte
				var offTabs [64][]int64
				for i := range offTabs {
					offTabs[i] = offsets(uint64(i+1), obj, n)
					bufs[i] = make([]byte, n)
				}
				var next atomic.Uint64
				b.SetBytes(int64(n))
				b.ReportAllocs()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					g := (next.Add(1) - 1) % uint64(len(offTabs))
					offs, buf := offTabs[g], bufs[g]
					i := 0
					for pb.Next() {
						if _, err := r.ReadAt(buf, offs[i&(len(offs)-1)]); err != nil {
							b.Error(err)
							return
						}
						i++
					}
				})
			})
		}
	}
}

// BenchmarkOpenReadClose opens the object, reads 64 bytes and closes it.
// x/exp/mmap maps the whole object in Open and unmaps it in Close; shmfs
// maps on a File's second access, so a File used once costs no mapping.
func BenchmarkOpenReadClose(b *testing.B) {
	fx := newFixture(b, 1<<20)
	for _, im := range fx.impls {
		if im.name == "copy" {
			continue
		}
		b.Run("size=64/impl="+im.name, func(b *testing.B) {
			buf := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				r, err := im.open()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := r.ReadAt(buf, 4096); err != nil {
					b.Fatal(err)
				}
				if err := r.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkScan reads a whole 16 MiB object in 4 KiB ReadAt calls, through
// a reader opened for the scan (pages=cold: every page is a first touch)
// or through one kept open and read before (pages=warm).
func BenchmarkScan(b *testing.B) {
	const size, chunk = 16 << 20, 4 << 10
	fx := newFixture(b, size)
	scan := func(b *testing.B, r io.ReaderAt, buf []byte) {
		for off := int64(0); off < size; off += chunk {
			if _, err := r.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, pages := range []string{"cold", "warm"} {
		for _, im := range fx.impls {
			if im.name == "copy" {
				continue
			}
			b.Run(fmt.Sprintf("pages=%s/impl=%s", pages, im.name), func(b *testing.B) {
				buf := make([]byte, chunk)
				b.SetBytes(size)
				b.ReportAllocs()
				if pages == "warm" {
					r := openWarm(b, im, size)
					for b.Loop() {
						scan(b, r, buf)
					}
					return
				}
				for b.Loop() {
					r, err := im.open()
					if err != nil {
						b.Fatal(err)
					}
					scan(b, r, buf)
					if err := r.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
