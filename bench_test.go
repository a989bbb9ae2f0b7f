//go:build linux

package shmfs_test

// Benchmarks of shmfs side by side with *os.File on the same object, and
// with copy() from a Go slice (the physical limit of any mapping).
//
// Every benchmark is named Benchmark<Op>/<params>/impl=<impl>, so that
//
//	go test -run '^$' -bench . -count=10 > new.txt
//	benchstat -col /impl new.txt
//
// puts the implementations side by side. The impls:
//
//	shmfs  a POSIX shared-memory object in /dev/shm (shmfs.Create/Open)
//	sysv   a System V segment (shmfs.OpenSegment/AttachSegment)
//	memfd  a memory file (shmfs.MemFile)
//	os     *os.File on the same /dev/shm object as shmfs (pread/pwrite)
//	copy   copy() to or from a []byte on the Go heap: no locks, no checks
//
// The comparison with other mmap packages (golang.org/x/exp/mmap) lives in
// the nested module bench/, so that the library's users inherit no
// benchmark-only dependency. benchdata/README.md has the reference runs.

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/shmfs/shmfs"
)

const (
	benchObjSize = 64 << 20 // the object sequential and parallel accesses go to
	benchChunk   = 1 << 20  // fill, warm-up and sequential chunk size
)

// benchFile is what every impl offers.
type benchFile interface {
	io.ReaderAt
	io.WriterAt
	io.ReadWriteSeeker
}

// benchImpl is one way to reach an object.
type benchImpl struct {
	name string
	f    benchFile
}

// benchSlice is the copy impl: a []byte with a file's methods, doing nothing
// but copy and the EOF rules.
type benchSlice struct {
	b   []byte
	pos int64
}

func (m *benchSlice) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if off >= int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (m *benchSlice) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if end := off + int64(len(p)); end > int64(len(m.b)) {
		m.b = append(m.b, make([]byte, end-int64(len(m.b)))...)
	}
	return copy(m.b[off:], p), nil
}

func (m *benchSlice) Read(p []byte) (int, error) {
	n, err := m.ReadAt(p, m.pos)
	m.pos += int64(n)
	if n > 0 {
		err = nil
	}
	return n, err
}

func (m *benchSlice) Write(p []byte) (int, error) {
	n, err := m.WriteAt(p, m.pos)
	m.pos += int64(n)
	return n, err
}

func (m *benchSlice) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += m.pos
	case io.SeekEnd:
		off += int64(len(m.b))
	}
	if off < 0 {
		return 0, errors.New("negative position")
	}
	m.pos = off
	return off, nil
}

// benchFixture is one object of size bytes per impl, filled and warm: every
// page exists and is in this process's page tables.
type benchFixture struct {
	name  string // the shmfs object's name, for shmfs.Open
	path  string // its path, for os.Open
	shm   *shmfs.File
	segID int // the System V segment's ID, or -1
	mem   *shmfs.File
	impls []benchImpl
}

func newBenchFixture(b *testing.B, size int64) *benchFixture {
	b.Helper()
	s := scratch(b, "")
	fx := &benchFixture{name: s.Name("bench"), path: s.Path("bench"), segID: -1}
	var err error
	if fx.shm, err = shmfs.Create(fx.name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fx.shm.Close() })
	o, err := os.OpenFile(fx.path, os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { o.Close() })
	if fx.mem, err = shmfs.MemFile("bench"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fx.mem.Close() })
	fx.impls = []benchImpl{{"shmfs", fx.shm}}
	if seg := benchSegment(b, size); seg != nil {
		fx.segID = benchSegID(b, seg)
		fx.impls = append(fx.impls, benchImpl{"sysv", seg})
	}
	fx.impls = append(fx.impls,
		benchImpl{"memfd", fx.mem},
		benchImpl{"os", o},
		benchImpl{"copy", &benchSlice{b: make([]byte, 0, size)}},
	)
	for _, im := range fx.impls {
		if im.name != "os" { // os is the shmfs object
			benchFill(b, im.f, size)
		}
	}
	for _, im := range fx.impls {
		benchWarm(b, im.f, size)
	}
	return fx
}

// benchSegment returns a new IPC_PRIVATE System V segment of size bytes,
// removed when b ends, or nil where there are none.
func benchSegment(b *testing.B, size int64) *shmfs.File {
	b.Helper()
	seg, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, int(size), os.O_RDWR, 0600)
	if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.ENOSYS) {
		b.Logf("no System V segments: %v", err)
		return nil
	}
	if err != nil {
		b.Fatal(err)
	}
	id := benchSegID(b, seg)
	b.Cleanup(func() {
		seg.Close()
		if err := shmfs.RemoveSegment(id); err != nil {
			b.Errorf("RemoveSegment(%d): %v", id, err)
		}
	})
	return seg
}

func benchSegID(b *testing.B, seg *shmfs.File) int {
	fi, err := seg.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return fi.Sys().(*shmfs.SegmentInfo).ID
}

// benchFill writes size bytes of a pattern to f.
func benchFill(b *testing.B, f io.WriterAt, size int64) {
	b.Helper()
	chunk := make([]byte, benchChunk)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	for off := int64(0); off < size; off += int64(len(chunk)) {
		if _, err := f.WriteAt(chunk[:min(int64(len(chunk)), size-off)], off); err != nil {
			b.Fatal(err)
		}
	}
}

// benchWarm reads all of f, so that a mapping has every page in its page tables.
func benchWarm(b *testing.B, f io.ReaderAt, size int64) {
	b.Helper()
	buf := make([]byte, benchChunk)
	for off := int64(0); off < size; off += int64(len(buf)) {
		if _, err := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off); err != nil {
			b.Fatal(err)
		}
	}
}

// benchOffsets returns 4096 random 64-byte-aligned offsets for n-byte accesses
// inside size bytes (a power of two count, indexed with a mask).
func benchOffsets(seed uint64, size int64, n int) []int64 {
	r := rand.New(rand.NewPCG(seed, 2))
	offs := make([]int64, 4096)
	for i := range offs {
		offs[i] = r.Int64N(size-int64(n)+1) &^ 63
	}
	return offs
}

// benchCases are the random-access cases: size-byte accesses at random
// offsets of an obj-byte object. A 1 MiB object stays in the caches and the
// TLB; a 64 MiB one does not (4096 offsets on as many 4 KiB pages: more than
// the TLB holds), which costs a mapping a page walk per access where the
// kernel's copy (pread) goes through its huge-page direct map.
var benchCases = []struct {
	obj  int64
	size int
}{
	{1 << 20, 64},
	{1 << 20, 4 << 10},
	{64 << 20, 64},
	{64 << 20, 4 << 10},
	{64 << 20, 1 << 20},
}

// benchFixtures makes one fixture per object size in benchCases.
func benchFixtures(b *testing.B) map[int64]*benchFixture {
	fxs := map[int64]*benchFixture{}
	for _, c := range benchCases {
		if fxs[c.obj] == nil {
			fxs[c.obj] = newBenchFixture(b, c.obj)
		}
	}
	return fxs
}

// BenchmarkReadAt reads size bytes at random offsets of an obj-byte object.
func BenchmarkReadAt(b *testing.B) {
	fxs := benchFixtures(b)
	for _, c := range benchCases {
		offs := benchOffsets(1, c.obj, c.size)
		for _, im := range fxs[c.obj].impls {
			b.Run(fmt.Sprintf("obj=%dMiB/size=%d/impl=%s", c.obj>>20, c.size, im.name), func(b *testing.B) {
				buf := make([]byte, c.size)
				b.SetBytes(int64(c.size))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := im.f.ReadAt(buf, offs[i&(len(offs)-1)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// BenchmarkWriteAt writes size bytes at random offsets of an obj-byte
// object (no growth).
func BenchmarkWriteAt(b *testing.B) {
	fxs := benchFixtures(b)
	for _, c := range benchCases {
		offs := benchOffsets(1, c.obj, c.size)
		for _, im := range fxs[c.obj].impls {
			b.Run(fmt.Sprintf("obj=%dMiB/size=%d/impl=%s", c.obj>>20, c.size, im.name), func(b *testing.B) {
				buf := make([]byte, c.size)
				for i := range buf {
					buf[i] = byte(i)
				}
				b.SetBytes(int64(c.size))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := im.f.WriteAt(buf, offs[i&(len(offs)-1)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

// BenchmarkRead reads a 64 MiB object sequentially in 1 MiB chunks,
// seeking back to the start at the end (never reading at EOF).
func BenchmarkRead(b *testing.B) {
	fx := newBenchFixture(b, benchObjSize)
	for _, im := range fx.impls {
		b.Run(fmt.Sprintf("obj=%dMiB/size=%d/impl=%s", benchObjSize>>20, benchChunk, im.name), func(b *testing.B) {
			buf := make([]byte, benchChunk)
			benchSeq(b, im.f, func() (int, error) { return im.f.Read(buf) })
		})
	}
}

// BenchmarkWrite overwrites a 64 MiB object sequentially in 1 MiB chunks
// (no growth), seeking back to the start at the end.
func BenchmarkWrite(b *testing.B) {
	fx := newBenchFixture(b, benchObjSize)
	for _, im := range fx.impls {
		b.Run(fmt.Sprintf("obj=%dMiB/size=%d/impl=%s", benchObjSize>>20, benchChunk, im.name), func(b *testing.B) {
			buf := make([]byte, benchChunk)
			for i := range buf {
				buf[i] = byte(i)
			}
			benchSeq(b, im.f, func() (int, error) { return im.f.Write(buf) })
		})
	}
}

// benchSeq runs op (one 1 MiB Read or Write) in a loop over the object.
func benchSeq(b *testing.B, f io.Seeker, op func() (int, error)) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchChunk)
	b.ReportAllocs()
	pos := int64(0)
	for b.Loop() {
		if n, err := op(); err != nil || n != benchChunk {
			b.Fatalf("n=%d, err=%v", n, err)
		}
		if pos += benchChunk; pos == benchObjSize {
			pos = 0
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkReadAtParallel is BenchmarkReadAt from GOMAXPROCS goroutines
// sharing one File, each at its own random offsets.
func BenchmarkReadAtParallel(b *testing.B) {
	fxs := map[int64]*benchFixture{1 << 20: newBenchFixture(b, 1<<20), benchObjSize: newBenchFixture(b, benchObjSize)}
	for _, c := range []struct {
		obj int64
		n   int
	}{{1 << 20, 64}, {benchObjSize, 64}, {benchObjSize, 4 << 10}} {
		obj, n := c.obj, c.n
		for _, im := range fxs[obj].impls {
			b.Run(fmt.Sprintf("obj=%dMiB/size=%d/impl=%s", obj>>20, n, im.name), func(b *testing.B) {
				// Each goroutine has its own offsets and buffer, made
				// before the timer starts.
				var bufs [64][]byte
				var offTabs [64][]int64
				for i := range offTabs {
					offTabs[i] = benchOffsets(uint64(i+1), obj, n)
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
						if _, err := im.f.ReadAt(buf, offs[i&(len(offs)-1)]); err != nil {
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

// BenchmarkOpenReadClose opens an object, reads 64 bytes and closes it: the
// cost of a File used once.
func BenchmarkOpenReadClose(b *testing.B) {
	fx := newBenchFixture(b, 1<<20)
	opens := []struct {
		name string
		open func() (io.ReadCloser, error)
	}{
		{"shmfs", func() (io.ReadCloser, error) { return shmfs.Open(fx.name) }},
		{"sysv", func() (io.ReadCloser, error) { return shmfs.AttachSegment(fx.segID, os.O_RDONLY) }},
		{"os", func() (io.ReadCloser, error) { return os.Open(fx.path) }},
	}
	for _, o := range opens {
		if o.name == "sysv" && fx.segID < 0 {
			continue
		}
		b.Run("size=64/impl="+o.name, func(b *testing.B) {
			buf := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				benchOpenReadClose(b, o.open, buf, 4096)
			}
		})
	}
}

type benchReadCloserAt interface {
	io.ReaderAt
	io.Closer
}

func benchOpenReadClose(b *testing.B, open func() (io.ReadCloser, error), buf []byte, off int64) {
	f, err := open()
	if err != nil {
		b.Fatal(err)
	}
	if _, err := f.(benchReadCloserAt).ReadAt(buf, off); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScan reads a whole 16 MiB object in 4 KiB ReadAt calls.
// pages=warm: through a File kept open, whose mapping has every page in its
// page tables already. pages=cold: through a File opened for the scan and
// closed after it, so every page is a first touch (a page fault, for a
// mapping) and the open, map, unmap and close are part of the cost.
func BenchmarkScan(b *testing.B) {
	const size, chunk = 16 << 20, 4 << 10
	fx := newBenchFixture(b, size)
	opens := []struct {
		name string
		open func() (io.ReadCloser, error)
	}{
		{"shmfs", func() (io.ReadCloser, error) { return shmfs.Open(fx.name) }},
		{"sysv", func() (io.ReadCloser, error) { return shmfs.AttachSegment(fx.segID, os.O_RDONLY) }},
		{"os", func() (io.ReadCloser, error) { return os.Open(fx.path) }},
	}
	scan := func(b *testing.B, f io.ReaderAt, buf []byte) {
		for off := int64(0); off < size; off += chunk {
			if _, err := f.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, pages := range []string{"cold", "warm"} {
		for _, o := range opens {
			if o.name == "sysv" && fx.segID < 0 {
				continue
			}
			b.Run(fmt.Sprintf("pages=%s/impl=%s", pages, o.name), func(b *testing.B) {
				buf := make([]byte, chunk)
				b.SetBytes(size)
				b.ReportAllocs()
				if pages == "cold" {
					for b.Loop() {
						f, err := o.open()
						if err != nil {
							b.Fatal(err)
						}
						scan(b, f.(io.ReaderAt), buf)
						if err := f.Close(); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				f, err := o.open()
				if err != nil {
					b.Fatal(err)
				}
				defer f.Close()
				scan(b, f.(io.ReaderAt), buf) // maps, and touches every page
				scan(b, f.(io.ReaderAt), buf)
				for b.Loop() {
					scan(b, f.(io.ReaderAt), buf)
				}
			})
		}
	}
}

// TestZeroAllocs checks what the benchmarks report: ReadAt, WriteAt, Read
// and Write on a mapped File allocate nothing.
func TestZeroAllocs(t *testing.T) {
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("allocs"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	if _, err := f.WriteAt(make([]byte, 1<<20), 0); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func() error{
		"ReadAt":  func() error { _, err := f.ReadAt(buf, 8192); return err },
		"WriteAt": func() error { _, err := f.WriteAt(buf, 8192); return err },
		"Read": func() error {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err := f.Read(buf)
			return err
		},
		"Write": func() error {
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return err
			}
			_, err := f.Write(buf)
			return err
		},
	}
	for name, op := range ops {
		var opErr error
		allocs := testing.AllocsPerRun(100, func() {
			if err := op(); err != nil {
				opErr = err
			}
		})
		if opErr != nil {
			t.Errorf("%s: %v", name, opErr)
		}
		if allocs != 0 {
			t.Errorf("%s: %v allocs per call, want 0", name, allocs)
		}
	}
}
