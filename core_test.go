//go:build linux

package shmfs_test

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
	"golang.org/x/sys/unix"
)

// Tests of the mapping core: the defects found under stress, and the
// rules of its concurrency design (mmap.go's opening comment).

// childCoreTruncate is the child core-truncate: truncate PATH SIZE: a peer
// process changes the object's size.
func childCoreTruncate(args []string) error {
	size, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil {
		return err
	}
	return os.Truncate(args[0], size)
}

// childCorePeer is the child core-peer: a peer process that runs commands
// from stdin, one a line, and answers each with "ok" or the error: "truncate
// PATH SIZE".
func childCorePeer(args []string) error {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		var err error
		switch {
		case len(f) == 3 && f[0] == "truncate":
			var size int64
			if size, err = strconv.ParseInt(f[2], 10, 64); err == nil {
				err = os.Truncate(f[1], size)
			}
		default:
			err = fmt.Errorf("bad command %q", sc.Text())
		}
		if err != nil {
			fmt.Println(err)
		} else {
			fmt.Println("ok")
		}
	}
	return sc.Err()
}

// childCoreRlimitGrow is the child core-rlimit-grow NAME: under RLIMIT_AS =
// VmSize + 256 MiB, grow the object NAME to 1 GiB through a File that maps
// it and check what it wrote; then check that the File's mappings of it
// (/proc/self/maps) take no more of the address space than the core's
// policy lets them (the limit's last 256 MiB, or a quarter of what is
// left, stay for the Go runtime: the old core's doubling reservation took
// them, and the runtime died on its next heap growth).
func childCoreRlimitGrow(args []string) error {
	margin := int64(256 << 20)
	if raceEnabled {
		// The race runtime maps its own shadow memory for the heap
		// under the same limit, 128 MiB at a time.
		margin = 1536 << 20
	}
	if err := limitAddressSpace(margin); err != nil {
		return err
	}
	f, err := shmfs.OpenFile(args[0], os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		return err
	}
	defer f.Close()
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	var got [16]byte
	for i := range 1024 {
		binary.LittleEndian.PutUint64(chunk, uint64(i))
		if _, err := f.Write(chunk); err != nil {
			return fmt.Errorf("write %d MiB: %w", i, err)
		}
		// Read back through the mapping (a remap, every time the
		// object outgrows the reservation).
		for _, off := range []int64{int64(i) << 20, int64(i)<<20 + 1<<20 - 16} {
			if _, err := f.ReadAt(got[:], off); err != nil || !bytes.Equal(got[:], chunk[off-int64(i)<<20:][:16]) {
				return fmt.Errorf("read back at %d: %q, %v", off, got, err)
			}
		}
	}
	mapped, err := mappedBytes(args[0])
	if err != nil {
		return err
	}
	// What the policy lets reservations take: what the limit leaves, less
	// max(a quarter of it, 256 MiB).
	allowed := max(0, margin-max(margin/4, 256<<20))
	if mapped > allowed {
		return fmt.Errorf("the object is mapped over %d MiB under a %d MiB margin (at most %d MiB allowed): the reservations took the room the runtime needs", mapped>>20, margin>>20, allowed>>20)
	}
	return nil
}

// mappedBytes is how much of this process's address space maps the
// object name (/proc/self/maps).
func mappedBytes(name string) (int64, error) {
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return 0, err
	}
	var total int64
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 6 || !strings.HasSuffix(f[5], "/"+name) {
			continue
		}
		var lo, hi int64
		if _, err := fmt.Sscanf(f[0], "%x-%x", &lo, &hi); err == nil {
			total += hi - lo
		}
	}
	return total, nil
}

// vmSize is the process's size (VmSize), in bytes.
func vmSize() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	pages, err := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64)
	return pages * int64(os.Getpagesize()), err
}

// childCoreSegmentNoroom is the child core-segment-noroom KEY: under
// RLIMIT_AS = VmSize + 512 MiB, OpenSegment(KEY, 4 GiB, O_RDWR|O_CREATE)
// creates the segment and cannot attach it: it must fail and leave no
// segment behind.
func childCoreSegmentNoroom(args []string) error {
	key, err := strconv.Atoi(args[0])
	if err != nil {
		return err
	}
	if err := limitAddressSpace(512 << 20); err != nil {
		return err
	}
	f, err := shmfs.OpenSegment(key, 4<<30, os.O_RDWR|os.O_CREATE, 0600)
	if err == nil {
		f.Close()
		return errors.New("attached a 4 GiB segment under a 512 MiB address-space margin")
	}
	fmt.Fprintf(os.Stderr, "OpenSegment: %v\n", err)
	return nil
}

// childOutput runs the child called name and returns its output, stdout
// and stderr together.
func childOutput(name string, args ...string) ([]byte, error) {
	cmd := shmfstest.Command(name, args...)
	cmd.Stderr = nil
	return cmd.CombinedOutput()
}

// peerProc is a running core-peer child.
type peerProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startPeer starts a core-peer child, stopped when t ends.
func startPeer(t testing.TB) *peerProc {
	t.Helper()
	cmd := shmfstest.Command("core-peer")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &peerProc{cmd: cmd, in: in, out: bufio.NewReader(out)}
	t.Cleanup(func() { in.Close(); cmd.Wait() })
	return p
}

// truncate has the peer truncate path to size.
func (p *peerProc) truncate(t testing.TB, path string, size int64) {
	t.Helper()
	fmt.Fprintf(p.in, "truncate %s %d\n", path, size)
	line, err := p.out.ReadString('\n')
	if err != nil || line != "ok\n" {
		t.Fatalf("peer: truncate %s %d: %q, %v", path, size, line, err)
	}
}

// limitAddressSpace sets RLIMIT_AS to the process's current size plus
// margin bytes.
func limitAddressSpace(margin int64) error {
	size, err := vmSize()
	if err != nil {
		return err
	}
	lim := uint64(size + margin)
	return unix.Setrlimit(unix.RLIMIT_AS, &unix.Rlimit{Cur: lim, Max: lim})
}

// TestWriteAfterPeerShrink: a peer process shrinks the object while this
// File has it mapped, knowing the old size; then this File writes. Every
// write that returns n, nil has its n bytes in the object, and the object
// ends up as an *os.File would leave it (the same peer shrink, the same
// write), also after the peer grows it back. The case the old core lost:
// a store past the new end but inside its last page, which does not fault.
func TestWriteAfterPeerShrink(t *testing.T) {
	ps := int64(os.Getpagesize())
	pp := startPeer(t)
	for _, c := range []struct {
		name         string
		size, shrink int64
		off          int64
		n            int
	}{
		{"last page past the new end", 8192, 100, 200, 5},
		{"last page, reaching the next", 8192, 100, ps - 10, 20},
		{"straddling the new end", 8192, 100, 50, 100},
		{"inside the new size", 8192, 100, 0, 50},
		{"page after the new end", 8192, ps, ps, 10},
		{"emptied", 8192, 0, 10, 10},
		{"new end in the known last page", 8192, ps + 904, ps + 404, 1000},
		{"far from the known end", 256 << 10, ps + 100, ps + 104, 8},
		{"ends on a page boundary", 256 << 10, ps + 100, 2*ps - 8, 8},
		{"no shrink (control)", 8192, 8192, 200, 5},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := scratch(t, "")
			initial := bytes.Repeat([]byte("a"), int(c.size))
			f, err := shmfs.Create(s.Name("shrink"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			twin, err := os.OpenFile(s.Path("twin"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
			if err != nil {
				t.Fatal(err)
			}
			defer twin.Close()
			for _, w := range []io.WriterAt{f, twin} {
				if _, err := w.WriteAt(initial, 0); err != nil {
					t.Fatal(err)
				}
			}
			// Map it, and read all of it: this File knows the size.
			buf := make([]byte, c.size)
			for range 2 {
				if _, err := f.ReadAt(buf, 0); err != nil {
					t.Fatal(err)
				}
			}
			peer := func(size int64) {
				t.Helper()
				for _, p := range []string{s.Path("shrink"), s.Path("twin")} {
					pp.truncate(t, p, size)
				}
			}
			peer(c.shrink)
			data := bytes.Repeat([]byte("W"), c.n)
			n, err := f.WriteAt(data, c.off)
			tn, terr := twin.WriteAt(data, c.off)
			if n != tn || (err == nil) != (terr == nil) {
				t.Fatalf("WriteAt = %d, %v; *os.File: %d, %v", n, err, tn, terr)
			}
			check := func(when string) {
				t.Helper()
				got, err := os.ReadFile(s.Path("shrink"))
				if err != nil {
					t.Fatal(err)
				}
				want, err := os.ReadFile(s.Path("twin"))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s: the object holds %d bytes, *os.File's %d; first difference at %d", when, len(got), len(want), firstDiff(got, want))
				}
				fi, err := f.Stat()
				if err != nil || fi.Size() != int64(len(want)) {
					t.Errorf("%s: Stat = %v, %v; want size %d", when, fi, err, len(want))
				}
			}
			check("after the write")
			peer(c.size)
			check("after the peer grew it back")
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestReserveUnderAddressLimit: under a tight RLIMIT_AS, growing an object
// to 1 GiB through a mapping File must leave the Go runtime the room it
// needs (the old core's doubling reservation took the last of it, and the
// runtime died with "cannot allocate memory" on its next heap growth). The
// child checks the room its reservations took, which is exact, rather than
// whether the runtime survives a heap growth afterwards, which is not:
// under load the runtime alone may want more than 256 MiB (the issue saw
// an *os.File program die at that margin too).
func TestReserveUnderAddressLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 1 GiB")
	}
	s := scratch(t, "")
	for i := range 3 {
		name := s.Name(fmt.Sprintf("rlimit%d", i))
		out, err := childOutput("core-rlimit-grow", name)
		os.Remove(s.Path(fmt.Sprintf("rlimit%d", i)))
		if err != nil {
			t.Fatalf("run %d: %v\n%.2000s", i, err, out)
		}
	}
}

// TestOpenSegmentCreatedThenAttachFails: OpenSegment with O_CREATE but not
// O_EXCL creates the segment, then shmat fails (no address space for
// 4 GiB): the segment it created must be removed, not left with nattch 0.
func TestOpenSegmentCreatedThenAttachFails(t *testing.T) {
	if _, err := shmfs.Segments(); err != nil {
		t.Skipf("no System V segments: %v", err)
	}
	key := int(rand.Int32N(1<<30)) | 0x40000000
	for existing(t, key) {
		key++
	}
	out, err := childOutput("core-segment-noroom", strconv.Itoa(key))
	t.Logf("child: %s", bytes.TrimSpace(out))
	if existing(t, key) {
		t.Errorf("OpenSegment left the segment it created behind")
		if list, err := shmfs.Segments(); err == nil {
			for _, sg := range list {
				if sg.Key == key {
					shmfs.RemoveSegment(sg.ID)
				}
			}
		}
	}
	if err != nil {
		t.Fatalf("child: %v", err)
	}
}

// existing reports whether a segment has key.
func existing(t *testing.T, key int) bool {
	t.Helper()
	list, err := shmfs.Segments()
	if err != nil {
		t.Fatal(err)
	}
	for _, sg := range list {
		if sg.Key == key {
			return true
		}
	}
	return false
}

// TestCloseUnmapsAtOnce: Close drops the mapping of the object at once (the
// core revokes it in place), so the object is no longer in /proc/self/maps
// and a memory file's pages are freed, without waiting for anything.
func TestCloseUnmapsAtOnce(t *testing.T) {
	label := fmt.Sprintf("core-close-%d", os.Getpid())
	f, err := shmfs.MemFile(label)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	for range 2 {
		f.ReadAt(buf, 0)
	}
	if !mapsMention(t, label) {
		t.Fatalf("the object is not mapped after two reads")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if mapsMention(t, label) {
		t.Errorf("the object is still mapped after Close")
	}
}

func mapsMention(t *testing.T, s string) bool {
	t.Helper()
	b, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(s))
}

// TestCloseRaceNeverForeignBytes: Files with distinct contents are opened,
// read and written by several goroutines and closed under them, again and
// again, with garbage collections in between, so that address ranges are
// released and mapped again. A read returns the bytes of its own File or
// fs.ErrClosed, never bytes of another mapping; a write lands in its own
// object or returns fs.ErrClosed.
func TestCloseRaceNeverForeignBytes(t *testing.T) {
	s := scratch(t, "")
	const size = 64 << 10
	rounds := 60
	if testing.Short() {
		rounds = 10
	}
	stop := make(chan struct{})
	var gcs sync.WaitGroup
	gcs.Add(1)
	go func() {
		defer gcs.Done()
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	defer func() { close(stop); gcs.Wait() }()
	for round := range rounds {
		pattern := byte('A' + round%26)
		name := s.Name(fmt.Sprintf("race%d", round))
		f, err := shmfs.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(bytes.Repeat([]byte{pattern}, size)); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 512)
				for i := 0; ; i++ {
					off := int64((g*7919 + i*4093) % (size - len(buf)))
					var err error
					if i%3 == 0 {
						for j := range buf {
							buf[j] = pattern
						}
						_, err = f.WriteAt(buf, off)
					} else {
						var n int
						n, err = f.ReadAt(buf, off)
						for _, c := range buf[:n] {
							if c != pattern {
								t.Errorf("round %d: read %q from a File of %q", round, c, pattern)
								return
							}
						}
					}
					if errors.Is(err, fs.ErrClosed) {
						return
					}
					if err != nil {
						t.Errorf("round %d: I/O racing Close: %v", round, err)
						return
					}
				}
			}()
		}
		time.Sleep(time.Duration(round%3) * time.Millisecond)
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		got, err := os.ReadFile(s.Path(fmt.Sprintf("race%d", round)))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != size || bytes.Count(got, []byte{pattern}) != size {
			t.Errorf("round %d: the object holds bytes that are not %q", round, pattern)
		}
		os.Remove(s.Path(fmt.Sprintf("race%d", round)))
	}
}
