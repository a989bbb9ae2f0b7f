package shmfs_test

import (
	"os"
	"testing"

	"github.com/shmfs/shmfs"
)

func BenchmarkAppendGrow(b *testing.B) {
	s := scratch(b, "")
	chunk := make([]byte, 4096)
	const total = 16 << 20
	b.Run("impl=shmfs", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			f, _ := shmfs.Create(s.Name("g1"))
			for n := 0; n < total; n += len(chunk) {
				if _, err := f.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			f.Close()
		}
	})
	b.Run("impl=os", func(b *testing.B) {
		b.SetBytes(total)
		b.ReportAllocs()
		for b.Loop() {
			f, _ := os.Create(s.Path("g2"))
			for n := 0; n < total; n += len(chunk) {
				if _, err := f.Write(chunk); err != nil {
					b.Fatal(err)
				}
			}
			f.Close()
		}
	})
}
