//go:build linux

package shmfs_test

import (
	"io"
	"os"
	"testing"

	"github.com/shmfs/shmfs"
)

// BenchmarkAppendGrow grows an empty object to 16 MiB with 4 KiB Writes:
// every Write extends the object. Each iteration starts again from size 0
// (Truncate and Seek, outside no timer: they are two system calls in 4096).
func BenchmarkAppendGrow(b *testing.B) {
	const total, chunk = 16 << 20, 4 << 10
	s := scratch(b, "")
	type growFile interface {
		io.WriteSeeker
		io.Closer
		Truncate(int64) error
	}
	opens := []struct {
		name string
		open func() (growFile, error)
	}{
		{"shmfs", func() (growFile, error) { return shmfs.Create(s.Name("grow-shmfs")) }},
		{"memfd", func() (growFile, error) { return shmfs.MemFile("grow") }},
		{"os", func() (growFile, error) { return os.Create(s.Path("grow-os")) }},
	}
	buf := make([]byte, chunk)
	for i := range buf {
		buf[i] = byte(i)
	}
	for _, o := range opens {
		b.Run("size=4096/impl="+o.name, func(b *testing.B) {
			f, err := o.open()
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			b.SetBytes(total)
			b.ReportAllocs()
			for b.Loop() {
				if err := f.Truncate(0); err != nil {
					b.Fatal(err)
				}
				if _, err := f.Seek(0, io.SeekStart); err != nil {
					b.Fatal(err)
				}
				for n := 0; n < total; n += chunk {
					if _, err := f.Write(buf); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
