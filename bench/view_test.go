package bench_test

import (
	"testing"

	"github.com/shmfs/shmfs"
)

// BenchmarkView64 is 64 bytes at random offsets of a 1 MiB object, each
// looked at (first and last byte), side by side in one run:
//
//	shmfs-view  File.View: the bytes in place, no copy
//	shmfs       File.ReadAt into a buffer
//	xexpmmap    golang.org/x/exp/mmap's ReaderAt.ReadAt into a buffer
//	copy        copy() from a []byte on the Go heap
func BenchmarkView64(b *testing.B) {
	const obj = 1 << 20
	fx := newFixture(b, obj)
	offs := offsets(1, obj, 64)
	var sink byte
	look := func(p []byte) error { sink += p[0] + p[63]; return nil }
	for _, im := range fx.impls {
		if im.name == "os" {
			continue
		}
		r := openWarm(b, im, obj)
		buf := make([]byte, 64)
		run := func(name string, op func(off int64)) {
			b.Run("obj=1MiB/size=64/impl="+name, func(b *testing.B) {
				b.SetBytes(64)
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					op(offs[i&(len(offs)-1)])
					i++
				}
			})
		}
		if f, ok := r.(*shmfs.File); ok {
			run("shmfs-view", func(off int64) {
				if err := f.View(off, 64, look); err != nil {
					b.Fatal(err)
				}
			})
		}
		run(im.name, func(off int64) {
			if _, err := r.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
			look(buf)
		})
	}
	_ = sink
}
