package fuzzcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// MaxOps is how many operations an Ops or Segment input decodes into at
// most; MaxOpsInput is the longest input Ops runs (two header bytes and
// 8 bytes per operation).
const (
	MaxOps      = 40
	MaxOpsInput = 2 + 8*MaxOps
)

// Modes are the open modes an Ops input chooses from (its first byte, low
// nibble). Both files exist before the open unless the input says
// otherwise, so the O_CREATE|O_EXCL mode fails (in both) unless it does.
var Modes = []int{
	os.O_RDWR,
	os.O_RDWR | os.O_APPEND,
	os.O_WRONLY | os.O_APPEND,
	os.O_RDONLY,
	os.O_WRONLY,
	os.O_RDWR | os.O_TRUNC,
	os.O_WRONLY | os.O_TRUNC,
	os.O_RDWR | os.O_APPEND | os.O_TRUNC,
	os.O_RDONLY | os.O_TRUNC,
	os.O_RDWR | os.O_SYNC,
	os.O_RDWR | os.O_CREATE | os.O_EXCL,
	os.O_RDWR | os.O_CREATE,
	os.O_WRONLY | os.O_CREATE | os.O_APPEND,
}

// ModeName spells an open flag the way os's constants do.
func ModeName(flag int) string {
	var s []string
	switch flag & (os.O_RDONLY | os.O_WRONLY | os.O_RDWR) {
	case os.O_RDONLY:
		s = append(s, "O_RDONLY")
	case os.O_WRONLY:
		s = append(s, "O_WRONLY")
	case os.O_RDWR:
		s = append(s, "O_RDWR")
	}
	for _, b := range []struct {
		bit  int
		name string
	}{{os.O_APPEND, "O_APPEND"}, {os.O_CREATE, "O_CREATE"}, {os.O_EXCL, "O_EXCL"}, {os.O_TRUNC, "O_TRUNC"}, {os.O_SYNC, "O_SYNC"}} {
		if flag&b.bit != 0 {
			s = append(s, b.name)
		}
	}
	return strings.Join(s, "|")
}

// initLens are the initial sizes an Ops input's second byte picks below 32:
// empty, tiny, and both sides of page edges. From 32 up the size is
// byte*37 (1184 to 9435 bytes).
var initLens = []int{0, 1, 2, 7, 100, 511, 4095, 4096, 4097, 8191, 8192, 8193, 11200, 12288, 16384, 65536}

// OpsSetup is what the first two bytes of an Ops input choose.
type OpsSetup struct {
	Flag    int  // open flag, one of Modes
	Missing bool // the file does not exist before the open
	InitLen int  // initial content length (when not Missing)
}

func (s OpsSetup) String() string {
	if s.Missing {
		return fmt.Sprintf("OpenFile(%s) of a missing file", ModeName(s.Flag))
	}
	return fmt.Sprintf("OpenFile(%s) of a %d-byte file", ModeName(s.Flag), s.InitLen)
}

// DecodeOpsInput splits an Ops input into its setup and its operations:
// byte 0 picks the mode (low nibble, modulo len(Modes)) and, with bit 0x80,
// a missing file; byte 1 the initial length; the rest decodes with
// shmfstest.DecodeOps into at most MaxOps operations.
func DecodeOpsInput(data []byte) (OpsSetup, []shmfstest.Op) {
	var h [2]byte
	copy(h[:], data)
	s := OpsSetup{
		Flag:    Modes[int(h[0]&0x0f)%len(Modes)],
		Missing: h[0]&0x80 != 0,
	}
	if h[1] < 32 {
		s.InitLen = initLens[int(h[1])%len(initLens)]
	} else {
		s.InitLen = int(h[1]) * 37
	}
	var ops []shmfstest.Op
	if len(data) > 2 {
		ops = shmfstest.DecodeOps(data[2:], MaxOps)
	}
	return s, ops
}

// Content is the initial content of n bytes the checks give a file: no
// two pages alike, so a copy at the wrong offset shows.
func Content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i) + byte(i>>8)*7 + 1
	}
	return b
}

// compareWindow is how much of the final contents Ops compares from each
// end of a file larger than 2*compareWindow (a fuzzer makes sparse files of
// 1 TiB and more).
const compareWindow = 1 << 20

// Ops runs one FuzzOps input: it opens two files in the namespace
// directory dir ("" means /dev/shm) with the same mode and content, one
// through shmfs and one through package os, applies the input's
// operations to both with shmfstest.Compare, closes both twice, and
// compares the final contents as package os reads them. Both objects are
// removed before it returns.
func Ops(dir string, data []byte) (err error) {
	if len(data) > MaxOpsInput {
		return skipf("%d-byte input, more than %d", len(data), MaxOpsInput)
	}
	setup, ops := DecodeOpsInput(data)
	defer func() {
		if err != nil && !errors.Is(err, ErrSkip) {
			err = fmt.Errorf("%v: %w\nops: %v", setup, err, ops)
		}
	}()

	s, err := shmfstest.NewScratch(dir)
	if err != nil {
		return skipf("%v", err)
	}
	pa, pb := s.Path("a"), s.Path("b")
	defer func() {
		for _, p := range []string{pa, pb} {
			if e := os.Remove(p); e != nil && !errors.Is(e, fs.ErrNotExist) && err == nil {
				err = fmt.Errorf("cleanup: %v", e)
			}
		}
	}()
	if !setup.Missing {
		init := Content(setup.InitLen)
		for _, p := range []string{pa, pb} {
			if err := os.WriteFile(p, init, 0600); err != nil {
				return skipf("setup: %v", err)
			}
		}
	}

	got, gerr := shmfs.NewFS(s.Dir).OpenFile(s.Name("a"), setup.Flag, 0600)
	want, werr := os.OpenFile(pb, setup.Flag, 0600)
	if gc, wc := shmfstest.ErrorClass(gerr), shmfstest.ErrorClass(werr); gc != wc {
		if got != nil {
			got.Close()
		}
		if want != nil {
			want.Close()
		}
		return fmt.Errorf("open: error %v (%s), want %v (%s)", gerr, gc, werr, wc)
	}
	if gerr != nil {
		return nil // both refused alike
	}
	defer got.Close()
	defer want.Close()

	if err := shmfstest.Compare(got, want, ops); err != nil {
		return err
	}
	closes := []shmfstest.Op{{Kind: shmfstest.OpClose}, {Kind: shmfstest.OpClose}}
	if err := shmfstest.Compare(got, want, closes); err != nil {
		return fmt.Errorf("closing: %v", err)
	}
	return sameContents(pa, pb)
}

// sameContents compares two files as package os reads them: size, and the
// bytes (of both ends of a large file).
func sameContents(pa, pb string) error {
	fa, err := os.Open(pa)
	if err != nil {
		return fmt.Errorf("after Close: %v", err)
	}
	defer fa.Close()
	fb, err := os.Open(pb)
	if err != nil {
		return fmt.Errorf("after Close: %v", err)
	}
	defer fb.Close()
	sa, err := fileSize(fa)
	if err != nil {
		return err
	}
	sb, err := fileSize(fb)
	if err != nil {
		return err
	}
	if sa != sb {
		return fmt.Errorf("after Close, os sees size %d, want %d", sa, sb)
	}
	windows := [][2]int64{{0, sa}}
	if sa > 2*compareWindow {
		windows = [][2]int64{{0, compareWindow}, {sa - compareWindow, sa}}
	}
	for _, w := range windows {
		ba := make([]byte, w[1]-w[0])
		bb := make([]byte, w[1]-w[0])
		if _, err := fa.ReadAt(ba, w[0]); err != nil && err != io.EOF {
			return fmt.Errorf("after Close: %v", err)
		}
		if _, err := fb.ReadAt(bb, w[0]); err != nil && err != io.EOF {
			return fmt.Errorf("after Close: %v", err)
		}
		if !bytes.Equal(ba, bb) {
			i := 0
			for ba[i] == bb[i] {
				i++
			}
			return fmt.Errorf("after Close, os reads %#x at offset %d, want %#x", ba[i], w[0]+int64(i), bb[i])
		}
	}
	return nil
}

func fileSize(f *os.File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
