//go:build linux

package shmfs_test

import (
	"errors"
	"os"
	"testing"
	"time"
	"unsafe"

	"github.com/shmfs/shmfs"
)

// Regression tests for what review 89 (CONTRACT §8 and §9, black-box)
// found.

// TestWordsPastFirstReservation: a word inside the file is a word after
// the file grew past the reservation its File mapped while it was small
// (Truncate, a peer), not errors.ErrUnsupported; and an Update there is in
// place, its stores in the object before fn returns.
func TestWordsPastFirstReservation(t *testing.T) {
	const size = 300 << 20 // past the first reservation (64 MiB)
	for _, how := range []string{"truncate", "peer"} {
		t.Run(how, func(t *testing.T) {
			f, name, path := coordFile(t, 4096)
			g, err := shmfs.OpenFile(name, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			for _, h := range []*shmfs.File{f, g} {
				if err := h.StoreUint32(0, 1); err != nil { // mapped, small
					t.Fatal(err)
				}
			}
			if how == "truncate" {
				err = f.Truncate(size)
			} else {
				err = os.Truncate(path, size)
			}
			if err != nil {
				t.Fatal(err)
			}
			off := int64(size - 64)
			if err := f.StoreUint32(off, 5); err != nil {
				t.Fatalf("StoreUint32 inside the grown file: %v", err)
			}
			if v, err := g.LoadUint32(off); err != nil || v != 5 {
				t.Errorf("LoadUint32 through another File = %d, %v", v, err)
			}
			if v, err := f.AddUint64(off+8, 3); err != nil || v != 3 {
				t.Errorf("AddUint64 = %d, %v", v, err)
			}
			got := make(chan error, 1)
			go func() { got <- g.Wait(off, 5, 10*time.Second) }()
			woke := 0
			for deadline := time.Now().Add(10 * time.Second); woke == 0 && time.Now().Before(deadline); {
				time.Sleep(5 * time.Millisecond)
				n, err := f.Wake(off, 1)
				if err != nil {
					t.Fatalf("Wake: %v", err)
				}
				woke += n
			}
			if err := <-got; err != nil || woke != 1 {
				t.Errorf("Wait = %v, woken by %d Wakes", err, woke)
			}
			o, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			err = g.Update(off+100-4096, 1, func(b []byte) error {
				b[0] = 42
				c := make([]byte, 1)
				if _, err := o.ReadAt(c, off+100-4096); err != nil {
					return err
				}
				if c[0] != 42 {
					return errors.New("the store is not in the object before fn returns")
				}
				return nil
			})
			if err != nil {
				t.Errorf("Update inside the grown file: %v", err)
			}
		})
	}
}

// addrPanic is a panic value of fn's own with an Addr method, as the
// runtime's memory faults have.
type addrPanic struct{ a uintptr }

func (p addrPanic) Addr() uintptr { return p.a }
func (p addrPanic) Error() string { return "fn's panic" }

// TestViewPanicWithAddr: a panic in fn that is not a memory fault goes on
// up unchanged, even when its value has an Addr method pointing into b.
func TestViewPanicWithAddr(t *testing.T) {
	f, _, _ := coordFile(t, 4096)
	for _, update := range []bool{false, true} {
		var pv addrPanic
		fn := func(b []byte) error {
			pv = addrPanic{uintptr(unsafe.Pointer(&b[3]))}
			panic(pv)
		}
		var err error
		p := func() (p any) {
			defer func() { p = recover() }()
			if update {
				err = f.Update(0, 10, fn)
			} else {
				err = f.View(0, 10, fn)
			}
			return nil
		}()
		if p != any(pv) {
			t.Errorf("update %v: recovered %v, View returned %v; want fn's panic value", update, p, err)
		}
	}
}
