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
	Dir     int  // which of Ops's directories (0 or 1)
	Route   int  // how the File under test is made: RouteOpen, RouteNewFile, RouteMemFile
}

// How Ops makes the File under test.
const (
	RouteOpen    = iota // FS.OpenFile on the directory
	RouteNewFile        // NewFile of a descriptor os.OpenFile opened (and dup'ed)
	RouteMemFile        // MemFile, against an *os.File on memfd_create: always O_RDWR
)

func (s OpsSetup) String() string {
	switch s.Route {
	case RouteMemFile:
		return fmt.Sprintf("MemFile of %d bytes", s.InitLen)
	case RouteNewFile:
		if s.Missing {
			return fmt.Sprintf("NewFile(os.OpenFile(%s)) of a missing file in directory %d", ModeName(s.Flag), s.Dir)
		}
		return fmt.Sprintf("NewFile(os.OpenFile(%s)) of a %d-byte file in directory %d", ModeName(s.Flag), s.InitLen, s.Dir)
	}
	if s.Missing {
		return fmt.Sprintf("OpenFile(%s) of a missing file in directory %d", ModeName(s.Flag), s.Dir)
	}
	return fmt.Sprintf("OpenFile(%s) of a %d-byte file in directory %d", ModeName(s.Flag), s.InitLen, s.Dir)
}

// Step is one operation of an Ops input: on the Files under test, or, if
// Peer, on a second *os.File open on each of the two objects (a peer
// process's view): a write, or a Truncate that does not shrink, which the
// Files under test must then see as *os.File does.
type Step struct {
	shmfstest.Op
	Peer bool
}

func (s Step) String() string {
	if s.Peer {
		return "peer " + s.Op.String()
	}
	return s.Op.String()
}

// peerKinds are the operations a peer makes. A peer's shrinking Truncate
// is left out: after one, a File may still read the zeros the kernel left
// in the last page where *os.File reads EOF (see File's documentation).
var peerKinds = map[shmfstest.OpKind]bool{
	shmfstest.OpWrite: true, shmfstest.OpWriteAt: true, shmfstest.OpWriteString: true,
	shmfstest.OpReadFrom: true, shmfstest.OpTruncate: true,
}

// DecodeOpsInput splits an Ops input into its setup and its steps: byte 0
// picks the mode (low nibble, modulo len(Modes)); bits 4-5 the route
// (1: RouteNewFile, 2: RouteMemFile, which ignores the rest of byte 0,
// else RouteOpen); bit 0x40 the second directory; bit 0x80 a missing file; byte 1 the initial length; the
// rest decodes with shmfstest.DecodeOps into at most MaxOps operations,
// each 8 bytes, where an operation of a kind a peer makes (a write or a
// Truncate) is a peer's when bit 0x80 of its first byte is set.
func DecodeOpsInput(data []byte) (OpsSetup, []Step) {
	var h [2]byte
	copy(h[:], data)
	s := OpsSetup{
		Flag:    Modes[int(h[0]&0x0f)%len(Modes)],
		Missing: h[0]&0x80 != 0,
	}
	if h[0]&0x40 != 0 {
		s.Dir = 1
	}
	// ASCII digits, which the fuzzers like, have bits 4-5 set: they open.
	switch h[0] >> 4 & 3 {
	case 1:
		s.Route = RouteNewFile
	case 2:
		s.Route, s.Flag, s.Missing, s.Dir = RouteMemFile, os.O_RDWR, false, 0
	}
	if h[1] < 32 {
		s.InitLen = initLens[int(h[1])%len(initLens)]
	} else {
		s.InitLen = int(h[1]) * 37
	}
	var steps []Step
	if len(data) > 2 {
		for i, op := range shmfstest.DecodeOps(data[2:], MaxOps) {
			peer := data[2+8*i]&0x80 != 0 && peerKinds[op.Kind]
			steps = append(steps, Step{op, peer})
		}
	}
	return s, steps
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

// Ops runs one FuzzOps input: it opens two files with the same mode and
// content in one of dirs (bit 0x40 of the input's first byte picks the
// second; no dirs means /dev/shm), one through shmfs (FS.OpenFile, or
// NewFile) and one through package os (or two memory files, one
// shmfs.MemFile), applies the input's operations to both with
// shmfstest.Compare, with a peer's writes between them, closes both twice,
// and compares the final contents as package os reads them. Both objects
// are removed before it returns.
func Ops(data []byte, dirs ...string) (err error) {
	if len(data) > MaxOpsInput {
		return skipf("%d-byte input, more than %d", len(data), MaxOpsInput)
	}
	setup, steps := DecodeOpsInput(data)
	defer func() {
		if err != nil && !errors.Is(err, ErrSkip) {
			err = fmt.Errorf("%v: %w\nsteps: %v", setup, err, steps)
		}
	}()
	dir := ""
	if len(dirs) > 0 {
		dir = dirs[setup.Dir%len(dirs)]
	}

	var got *shmfs.File
	var want *os.File
	var pa, pb string // paths package os opens the two files by
	if setup.Route == RouteMemFile {
		got, want, err = openMemFiles(setup.InitLen)
		if err != nil {
			return err
		}
		// Other descriptors keep the memory files alive after the ops
		// Close them, for the peer and the final comparison.
		var keepA, keepB *os.File
		keepA, err = os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", got.Fd()), os.O_RDWR, 0)
		if err == nil {
			defer keepA.Close()
			keepB, err = os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", want.Fd()), os.O_RDWR, 0)
		}
		if err != nil {
			got.Close()
			want.Close()
			return skipf("reopening a memory file: %v", err)
		}
		defer keepB.Close()
		pa = fmt.Sprintf("/proc/self/fd/%d", keepA.Fd())
		pb = fmt.Sprintf("/proc/self/fd/%d", keepB.Fd())
	} else {
		s, err := shmfstest.NewScratch(dir)
		if err != nil {
			return skipf("%v", err)
		}
		pa, pb = s.Path("a"), s.Path("b")
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
		var refused bool
		got, want, refused, err = openNamed(s, setup)
		if err != nil || refused {
			return err
		}
	}
	defer got.Close()
	defer want.Close()

	var peerA, peerB *os.File // opened at the first peer step
	defer func() {
		if peerA != nil {
			peerA.Close()
			peerB.Close()
		}
	}()
	// Runs of steps between the peer's go through Compare, whose op
	// numbers count from the run's first step.
	var run []shmfstest.Op
	compareRun := func(end int) error {
		if err := shmfstest.Compare(got, want, run); err != nil {
			return fmt.Errorf("steps %d to %d: %v", end-len(run), end-1, err)
		}
		run = run[:0]
		return nil
	}
	for i, st := range steps {
		if !st.Peer {
			run = append(run, st.Op)
			continue
		}
		if err := compareRun(i); err != nil {
			return err
		}
		if peerA == nil {
			if peerA, err = os.OpenFile(pa, os.O_RDWR, 0); err != nil {
				return fmt.Errorf("peer: %v", err)
			}
			if peerB, err = os.OpenFile(pb, os.O_RDWR, 0); err != nil {
				peerA.Close()
				peerA = nil
				return fmt.Errorf("peer: %v", err)
			}
		}
		if st.Kind == shmfstest.OpTruncate {
			if fi, err := peerB.Stat(); err != nil || st.Off < fi.Size() {
				continue // no shrinking
			}
		}
		if err := shmfstest.Compare(peerA, peerB, []shmfstest.Op{st.Op}); err != nil {
			return fmt.Errorf("step %d (two *os.Files!): %v", i, err)
		}
	}
	if err := compareRun(len(steps)); err != nil {
		return err
	}
	closes := []shmfstest.Op{{Kind: shmfstest.OpClose}, {Kind: shmfstest.OpClose}}
	if err := shmfstest.Compare(got, want, closes); err != nil {
		return fmt.Errorf("closing: %v", err)
	}
	return sameContents(pa, pb)
}

// openNamed opens the two named files: "a" through shmfs (FS.OpenFile, or
// NewFile of a descriptor package os opened), "b" through package os. Both
// refusing alike is no error.
func openNamed(s *shmfstest.Scratch, setup OpsSetup) (got *shmfs.File, want *os.File, refused bool, err error) {
	var gerr error
	if setup.Route == RouteNewFile {
		var of *os.File
		if of, gerr = os.OpenFile(s.Path("a"), setup.Flag, 0600); gerr == nil {
			fd, err := dup(of.Fd())
			of.Close()
			if err != nil {
				return nil, nil, false, skipf("dup: %v", err)
			}
			if got, err = shmfs.NewFile(fd, s.Name("a")); err != nil {
				return nil, nil, false, fmt.Errorf("NewFile of a descriptor opened with %s: %v", ModeName(setup.Flag), err)
			}
		}
	} else {
		got, gerr = shmfs.NewFS(s.Dir).OpenFile(s.Name("a"), setup.Flag, 0600)
	}
	want, werr := os.OpenFile(s.Path("b"), setup.Flag, 0600)
	if gc, wc := shmfstest.ErrorClass(gerr), shmfstest.ErrorClass(werr); gc != wc {
		if got != nil {
			got.Close()
		}
		if want != nil {
			want.Close()
		}
		return nil, nil, false, fmt.Errorf("open: error %v (%s), want %v (%s)", gerr, gc, werr, wc)
	}
	return got, want, gerr != nil, nil
}

// openMemFiles makes two memory files of n bytes of Content: one with
// shmfs.MemFile, one with memfd_create(2) for package os.
func openMemFiles(n int) (*shmfs.File, *os.File, error) {
	got, err := shmfs.MemFile("fuzz-a")
	if errors.Is(err, errors.ErrUnsupported) {
		return nil, nil, skipf("%v", err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("MemFile: %v", err)
	}
	want, err := memfdCreate("fuzz-b")
	if err != nil {
		got.Close()
		return nil, nil, skipf("memfd_create: %v", err)
	}
	init := Content(n)
	if k, err := got.WriteAt(init, 0); k != n || err != nil {
		got.Close()
		want.Close()
		return nil, nil, fmt.Errorf("MemFile: WriteAt of %d bytes = %d, %v", n, k, err)
	}
	if k, err := want.WriteAt(init, 0); k != n || err != nil {
		got.Close()
		want.Close()
		return nil, nil, skipf("memfd: WriteAt of %d bytes = %d, %v", n, k, err)
	}
	return got, want, nil
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
