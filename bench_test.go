package shmfs_test

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/shmfs/shmfs"
)

// benchObject makes a /dev/shm object of size bytes (pages touched) and
// returns it opened through shmfs and through os.
func benchObject(b *testing.B, size int64) (*shmfs.File, *os.File) {
	b.Helper()
	s := scratch(b, "")
	f, err := shmfs.Create(s.Name("bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	chunk := make([]byte, 1<<20)
	for i := range chunk {
		chunk[i] = byte(i)
	}
	for off := int64(0); off < size; off += int64(len(chunk)) {
		if _, err := f.WriteAt(chunk[:min(int64(len(chunk)), size-off)], off); err != nil {
			b.Fatal(err)
		}
	}
	o, err := os.OpenFile(s.Path("bench"), os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { o.Close() })
	return f, o
}

type readerWriterAt interface {
	io.ReaderAt
	io.WriterAt
}

func benchImpls(b *testing.B, size int64) map[string]readerWriterAt {
	f, o := benchObject(b, size)
	return map[string]readerWriterAt{"shmfs": f, "os": o}
}

// offsets returns random aligned offsets for n-byte accesses in size bytes.
func offsets(size int64, n int) []int64 {
	r := rand.New(rand.NewPCG(1, 2))
	offs := make([]int64, 4096)
	for i := range offs {
		offs[i] = r.Int64N(size-int64(n)+1) &^ 63
	}
	return offs
}

func BenchmarkReadAt(b *testing.B) {
	const size = 16 << 20
	for _, n := range []int{64, 4096, 1 << 20} {
		impls := benchImpls(b, size)
		offs := offsets(size, n)
		for _, impl := range []string{"shmfs", "os"} {
			b.Run(fmt.Sprintf("size=%d/impl=%s", n, impl), func(b *testing.B) {
				f := impls[impl]
				buf := make([]byte, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := f.ReadAt(buf, offs[i%len(offs)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}

func BenchmarkWriteAt(b *testing.B) {
	const size = 16 << 20
	for _, n := range []int{64, 4096, 1 << 20} {
		impls := benchImpls(b, size)
		offs := offsets(size, n)
		for _, impl := range []string{"shmfs", "os"} {
			b.Run(fmt.Sprintf("size=%d/impl=%s", n, impl), func(b *testing.B) {
				f := impls[impl]
				buf := make([]byte, n)
				b.SetBytes(int64(n))
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if _, err := f.WriteAt(buf, offs[i%len(offs)]); err != nil {
						b.Fatal(err)
					}
					i++
				}
			})
		}
	}
}
func BenchmarkOpenReadClose(b *testing.B) {
	f, _ := benchObject(b, 1<<20)
	name := f.Name()
	path := "/dev/shm/" + name
	buf := make([]byte, 64)
	b.Run("impl=shmfs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := shmfs.Open(name)
			if err != nil {
				b.Fatal(err)
			}
			g.ReadAt(buf, 4096)
			g.Close()
		}
	})
	b.Run("impl=os", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			g, err := os.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			g.ReadAt(buf, 4096)
			g.Close()
		}
	})
}
