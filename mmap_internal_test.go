//go:build linux

package shmfs

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestPinSurvivesCloseAndRemap: a pinned region stays mapped, and its
// memory the object's, while the File is closed or remapped under it; the
// last unpin revokes it, and a touch then faults (the guard catches it).
func TestPinSurvivesCloseAndRemap(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, f *File)
	}{
		{"close", func(t *testing.T, f *File) {
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}},
		{"remap", func(t *testing.T, f *File) {
			// Past the reservation: a new, larger region becomes cur.
			if _, err := f.WriteAt([]byte("far"), minReserve+10); err != nil {
				t.Fatal(err)
			}
			if _, err := f.ReadAt(make([]byte, 3), minReserve+10); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := MemFile("pin-" + c.name)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			want := bytes.Repeat([]byte("pinned "), 1000)
			f.Write(want)
			f.ReadAt(make([]byte, 1), 0)
			f.ReadAt(make([]byte, 1), 0) // mapped now
			r := f.m.pin()
			if r == nil {
				t.Fatal("no region to pin")
			}
			c.change(t, f)
			if f.m.cur.Load() == r {
				t.Fatal("the region is still current")
			}
			got := make([]byte, len(want))
			if !guardedCopy(got, r.data[:len(want)]) || !bytes.Equal(got, want) {
				t.Fatalf("the pinned region no longer holds the object's bytes")
			}
			if r.span.revoked.Load() {
				t.Fatal("revoked while pinned")
			}
			r.unpin()
			if !r.span.revoked.Load() {
				t.Fatal("not revoked at the last unpin")
			}
			before := faults.Load()
			if guardedCopy(got, r.data[:len(want)]) {
				t.Fatal("a revoked region can still be read")
			}
			if faults.Load() != before+1 {
				t.Errorf("faults %d -> %d", before, faults.Load())
			}
		})
	}
}

// TestRevokedAtClose: Close with no pin revokes the region at once.
func TestRevokedAtClose(t *testing.T) {
	f, err := MemFile("revoke")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 8192))
	f.ReadAt(make([]byte, 1), 0)
	f.ReadAt(make([]byte, 1), 0)
	r := f.m.cur.Load()
	if r == nil {
		t.Fatal("not mapped")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if !r.span.revoked.Load() || guardedCopy(make([]byte, 1), r.data[:1]) {
		t.Fatal("the region outlived Close")
	}
	if _, err := f.ReadAt(make([]byte, 1), 0); err == nil || f.m.pin() != nil {
		t.Fatal("a closed File reads")
	}
}

// TestWaitWithoutWaitv takes the path of kernels without futex_waitv
// (before 5.16): sliced FUTEX_WAITs, woken by Wake and by close.
func TestWaitWithoutWaitv(t *testing.T) {
	waitvMissing.Store(true)
	defer waitvMissing.Store(false)
	f, err := MemFile("nowaitv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Truncate(1 << 20)
	start := time.Now()
	if err := f.Wait(0, 0, 70*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) || time.Since(start) < 70*time.Millisecond {
		t.Errorf("Wait(70ms) = %v after %v", err, time.Since(start))
	}
	go func() {
		time.Sleep(30 * time.Millisecond)
		f.StoreUint32(0, 1)
		f.Wake(0, 1)
	}()
	if err := f.Wait(0, 0, 10*time.Second); err != nil {
		t.Errorf("Wait woken = %v", err)
	}
	// Close wakes a Wait whose page is there, and one whose page is gone.
	for _, off := range []int64{8, 1<<20 - 8} {
		g, _ := NewFile(uintptr(mustDup(t, f)), "g")
		got := make(chan error, 1)
		go func() { got <- g.Wait(off, 0, time.Hour) }()
		time.Sleep(30 * time.Millisecond)
		if off > 4096 {
			f.Truncate(4096)
		}
		start := time.Now()
		g.Close()
		select {
		case err := <-got:
			if !errors.Is(err, fs.ErrClosed) || time.Since(start) > time.Second {
				t.Errorf("Wait(%d) across Close = %v after %v", off, err, time.Since(start))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Close did not end the Wait at %d", off)
		}
	}
}

// TestRetiredRangesReleased: Files opened, mapped and closed in a loop,
// with the collector off, do not pile up revoked ranges: past maxRetired
// the core starts a collection, and the ranges' cleanups unmap them.
func TestRetiredRangesReleased(t *testing.T) {
	old := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(old)
	maps := func() int {
		b, _ := os.ReadFile("/proc/self/maps")
		return bytes.Count(b, []byte("\n"))
	}
	before := maps()
	buf := make([]byte, 1)
	for range 3 * maxRetired {
		f, err := MemFile("retire")
		if err != nil {
			t.Fatal(err)
		}
		f.Write(buf)
		f.ReadAt(buf, 0)
		f.ReadAt(buf, 0) // mapped
		f.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for retiredRanges.Load() > maxRetired && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := retiredRanges.Load(); n > maxRetired {
		t.Errorf("%d revoked ranges still held", n)
	}
	if after := maps(); after > before+2*maxRetired {
		t.Errorf("/proc/self/maps grew from %d to %d lines", before, after)
	}
}

// TestRevokedRangeStaysReserved: Close replaces the region by an
// inaccessible reservation at the same address (so nothing else can be
// mapped there while a copy may still be in flight); it is not unmapped
// until the region's cleanup.
func TestRevokedRangeStaysReserved(t *testing.T) {
	f, err := MemFile("reserved")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 8192))
	f.ReadAt(make([]byte, 1), 0)
	f.ReadAt(make([]byte, 1), 0)
	r := f.m.cur.Load()
	if r == nil {
		t.Fatal("not mapped")
	}
	f.Close()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	// The range may have merged with a neighbouring revoked one: look for
	// the mapping that contains it.
	found := false
	for line := range bytes.Lines(b) {
		var lo, hi uintptr
		var perms string
		if _, err := fmt.Sscanf(string(line), "%x-%x %s", &lo, &hi, &perms); err != nil {
			continue
		}
		if lo <= r.span.addr && r.span.addr+r.span.n <= hi {
			found = true
			if perms != "---p" || bytes.Contains(line, []byte("memfd")) {
				t.Errorf("the revoked range is mapped as %q", bytes.TrimSpace(line))
			}
		}
	}
	if !found {
		t.Errorf("the revoked range at %#x was unmapped at Close", r.span.addr)
	}
	runtime.KeepAlive(r)
}
