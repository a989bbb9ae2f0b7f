//go:build linux

package shmfs_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// childCoordLockHold is the child coord-lock-hold NAME KIND: lock the object
// NAME (KIND "w" Lock, "r" RLock), say "locked" on stdout, and hold the lock
// until stdin ends.
func childCoordLockHold(args []string) error {
	f, err := shmfs.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	if args[1] == "r" {
		err = f.RLock()
	} else {
		err = f.Lock()
	}
	if err != nil {
		return err
	}
	fmt.Println("locked")
	io.Copy(io.Discard, os.Stdin)
	return nil
}

// childCoordAdd is the child coord-add NAME N: add 1 to the 64-bit word at 0
// and to the 32-bit word at 8, N times each.
func childCoordAdd(args []string) error {
	f, err := shmfs.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	n, _ := strconv.Atoi(args[1])
	for range n {
		if _, err := f.AddUint64(0, 1); err != nil {
			return err
		}
		if _, err := f.AddUint32(8, 1); err != nil {
			return err
		}
	}
	return nil
}

// childRingProduce is the child ring-produce NAME N: put N messages into the
// ring of example_ring_test.go.
func childRingProduce(args []string) error {
	f, err := shmfs.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	n, _ := strconv.Atoi(args[1])
	for i := range n {
		if err := ringPut(f, fmt.Appendf(nil, "message %d from %d", i, os.Getpid())); err != nil {
			return err
		}
	}
	return ringPut(f, []byte("done"))
}

// childCoordWake is the child coord-wake NAME OFF: store 1 at the 32-bit
// word OFF and Wake it, until one waiter was woken.
func childCoordWake(args []string) error {
	f, err := shmfs.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	off, _ := strconv.ParseInt(args[1], 10, 64)
	if err := f.StoreUint32(off, 1); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		n, err := f.Wake(off, 1)
		if err != nil || n == 1 {
			return err
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("no waiter to wake")
}

func coordFile(t *testing.T, size int64) (*shmfs.File, string, string) {
	t.Helper()
	s := scratch(t, "")
	f, err := shmfs.Create(s.Name("coord"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return f, s.Name("coord"), s.Path("coord")
}

// TestLockExclusion: within one process, locks of different Files on one
// object exclude each other as OFD locks do; a File converts its own lock
// and never waits for itself; Unlock and Close release.
func TestLockExclusion(t *testing.T) {
	a, name, _ := coordFile(t, 4096)
	b, err := shmfs.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	mustTry := func(what string, f func() (bool, error), want bool) {
		t.Helper()
		if ok, err := f(); err != nil || ok != want {
			t.Fatalf("%s = %v, %v; want %v", what, ok, err, want)
		}
	}
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	mustTry("b.TryLock while a holds Lock", b.TryLock, false)
	mustTry("b.TryRLock while a holds Lock", b.TryRLock, false)
	if err := a.Lock(); err != nil { // again: no wait for itself
		t.Fatal(err)
	}
	if err := a.RLock(); err != nil { // converts to shared
		t.Fatal(err)
	}
	mustTry("b.TryRLock while a holds RLock", b.TryRLock, true)
	mustTry("a.TryLock while b holds RLock", a.TryLock, false)
	if err := b.Unlock(); err != nil {
		t.Fatal(err)
	}
	mustTry("a.TryLock after b's Unlock", a.TryLock, true)
	// Lock waits for the other File, from another goroutine.
	got := make(chan error, 1)
	go func() { got <- b.Lock() }()
	select {
	case err := <-got:
		t.Fatalf("b.Lock returned (%v) while a holds the lock", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := a.Unlock(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	mustTry("a.TryLock while b holds Lock", a.TryLock, false)
	// Unlock from another goroutine than the one that locked.
	done := make(chan error)
	go func() { done <- b.Unlock() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustTry("a.TryLock after b's Unlock elsewhere", a.TryLock, true)
	// Close releases, even while a View holds the mapping.
	err = a.View(0, 10, func([]byte) error {
		if err := a.Close(); err != nil {
			return err
		}
		if ok, err := b.TryLock(); err != nil || !ok {
			return fmt.Errorf("b.TryLock after a.Close inside a View = %v, %v", ok, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestLockSharedDescription: Files that share one open file description
// share its lock.
func TestLockSharedDescription(t *testing.T) {
	a, name, _ := coordFile(t, 4096)
	fd, err := syscall.Dup(int(a.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	twin, err := shmfs.NewFile(uintptr(fd), "twin")
	if err != nil {
		t.Fatal(err)
	}
	defer twin.Close()
	other, err := shmfs.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := a.Lock(); err != nil {
		t.Fatal(err)
	}
	if ok, err := twin.TryLock(); err != nil || !ok {
		t.Errorf("the twin's TryLock = %v, %v: the lock is shared", ok, err)
	}
	if ok, _ := other.TryLock(); ok {
		t.Errorf("another open got the lock")
	}
	if err := twin.Unlock(); err != nil {
		t.Fatal(err)
	}
	if ok, _ := other.TryLock(); !ok {
		t.Errorf("the twin's Unlock did not release the shared lock")
	}
}

// TestLockErrors: access modes, segments, closed Files.
func TestLockErrors(t *testing.T) {
	_, name, _ := coordFile(t, 4096)
	ro, err := shmfs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	wo, err := shmfs.OpenFile(name, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer wo.Close()
	if err := ro.Lock(); !errors.Is(err, syscall.EBADF) {
		t.Errorf("Lock of a read-only File = %v, want EBADF", err)
	}
	if _, err := ro.TryLock(); !errors.Is(err, syscall.EBADF) {
		t.Errorf("TryLock of a read-only File = %v, want EBADF", err)
	}
	if err := ro.RLock(); err != nil {
		t.Errorf("RLock of a read-only File = %v", err)
	}
	ro.Unlock()
	if err := wo.RLock(); !errors.Is(err, syscall.EBADF) {
		t.Errorf("RLock of a write-only File = %v, want EBADF", err)
	}
	if ok, err := wo.TryLock(); err != nil || !ok {
		t.Errorf("TryLock of a write-only File = %v, %v", ok, err)
	}
	wo.Unlock()
	if seg, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, 4096, os.O_RDWR, 0600); err == nil {
		fi, _ := seg.Stat()
		defer shmfs.RemoveSegment(fi.Sys().(*shmfs.SegmentInfo).ID)
		defer seg.Close()
		if err := seg.Lock(); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Lock of a segment = %v, want ErrUnsupported", err)
		}
		if _, err := seg.TryRLock(); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("TryRLock of a segment = %v, want ErrUnsupported", err)
		}
	}
	c, _ := shmfs.OpenFile(name, os.O_RDWR, 0)
	c.Close()
	for what, err := range map[string]error{"Lock": c.Lock(), "Unlock": c.Unlock()} {
		if !errors.Is(err, fs.ErrClosed) {
			t.Errorf("%s after Close = %v", what, err)
		}
	}
	var nilFile *shmfs.File
	if err := nilFile.Lock(); !errors.Is(err, fs.ErrInvalid) {
		t.Errorf("nil Lock = %v", err)
	}
}

// lockHolder starts a child holding a lock on the object and returns it
// once the lock is held; closing its stdin makes it let go.
func lockHolder(t *testing.T, name, kind string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := shmfstest.Command("coord-lock-hold", name, kind)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the holder said %q, %v", line, err)
	}
	return cmd, stdin
}

// TestLockAcrossProcesses: a child's lock excludes ours; a shared one
// admits our shared one; a child killed with SIGKILL while holding the
// lock releases it.
func TestLockAcrossProcesses(t *testing.T) {
	f, name, _ := coordFile(t, 4096)
	cmd, stdin := lockHolder(t, name, "w")
	if ok, err := f.TryLock(); err != nil || ok {
		t.Errorf("TryLock while a child holds Lock = %v, %v", ok, err)
	}
	stdin.Close()
	cmd.Wait()
	if ok, err := f.TryLock(); err != nil || !ok {
		t.Errorf("TryLock after the child let go = %v, %v", ok, err)
	}
	f.Unlock()

	cmd, stdin = lockHolder(t, name, "r")
	if ok, err := f.TryRLock(); err != nil || !ok {
		t.Errorf("TryRLock while a child holds RLock = %v, %v", ok, err)
	}
	if ok, _ := f.TryLock(); ok {
		t.Errorf("TryLock while a child holds RLock succeeded")
	}
	stdin.Close()
	cmd.Wait()
	f.Unlock()

	cmd, stdin = lockHolder(t, name, "w")
	defer stdin.Close()
	got := make(chan error, 1)
	go func() { got <- f.Lock() }()
	time.Sleep(20 * time.Millisecond)
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the lock of a killed process was not released")
	}
}

// TestAtomics: values, wraparound, CAS, alignment, bounds, access, Close.
func TestAtomics(t *testing.T) {
	f, name, _ := coordFile(t, 4096)
	if err := f.StoreUint32(12, 0xfffffffe); err != nil {
		t.Fatal(err)
	}
	if v, err := f.AddUint32(12, 3); err != nil || v != 1 {
		t.Errorf("AddUint32 wraparound = %#x, %v", v, err)
	}
	if v, err := f.LoadUint32(12); err != nil || v != 1 {
		t.Errorf("LoadUint32 = %#x, %v", v, err)
	}
	if ok, err := f.CompareAndSwapUint32(12, 2, 5); err != nil || ok {
		t.Errorf("CAS of a wrong old value = %v, %v", ok, err)
	}
	if ok, err := f.CompareAndSwapUint32(12, 1, 5); err != nil || !ok {
		t.Errorf("CAS = %v, %v", ok, err)
	}
	if err := f.StoreUint64(4088, 1<<63); err != nil {
		t.Fatal(err)
	}
	if v, err := f.AddUint64(4088, 1<<63+7); err != nil || v != 7 {
		t.Errorf("AddUint64 = %#x, %v", v, err)
	}
	if ok, err := f.CompareAndSwapUint64(4088, 7, 1<<40); err != nil || !ok {
		t.Errorf("CAS64 = %v, %v", ok, err)
	}
	if v, err := f.LoadUint64(4088); err != nil || v != 1<<40 {
		t.Errorf("LoadUint64 = %#x, %v", v, err)
	}
	// Little-endian words, seen by ReadAt and by *os.File.
	buf := make([]byte, 4)
	f.ReadAt(buf, 12)
	if buf[0] != 5 || buf[1]|buf[2]|buf[3] != 0 {
		t.Errorf("the word at 12 reads % x", buf)
	}
	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"unaligned 32", func() error { _, err := f.LoadUint32(2); return err }(), fs.ErrInvalid},
		{"unaligned 64", func() error { _, err := f.AddUint64(4, 1); return err }(), fs.ErrInvalid},
		{"negative", func() error { _, err := f.LoadUint64(-8); return err }(), fs.ErrInvalid},
		{"past the end 32", func() error { _, err := f.LoadUint32(4096); return err }(), fs.ErrInvalid},
		{"past the end 64", func() error { return f.StoreUint64(4096, 1) }(), fs.ErrInvalid},
		{"Wake n=0", func() error { _, err := f.Wake(0, 0); return err }(), fs.ErrInvalid},
		{"Wait unaligned", f.Wait(1, 0, 0), fs.ErrInvalid},
		{"Wait past the end", f.Wait(4096, 0, 0), fs.ErrInvalid},
	} {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	ro, err := shmfs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.LoadUint64(4088); err != nil {
		t.Errorf("Load on a read-only File: %v", err)
	}
	if _, err := ro.Wake(0, 1); err != nil {
		t.Errorf("Wake on a read-only File: %v", err)
	}
	for what, err := range map[string]error{
		"StoreUint32": ro.StoreUint32(0, 1),
		"AddUint64":   func() error { _, err := ro.AddUint64(0, 1); return err }(),
		"CAS":         func() error { _, err := ro.CompareAndSwapUint32(0, 0, 1); return err }(),
	} {
		if !errors.Is(err, syscall.EBADF) {
			t.Errorf("%s on a read-only File = %v, want EBADF", what, err)
		}
	}
	ro.Close()
	if _, err := ro.LoadUint32(0); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("Load after Close = %v", err)
	}
}

// TestAtomicsSum: 8 goroutines and 2 processes add to one word; the sum
// is exact.
func TestAtomicsSum(t *testing.T) {
	f, name, _ := coordFile(t, 4096)
	const perG, perP = 20000, 20000
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perG {
				f.AddUint64(0, 1)
				f.AddUint32(8, 1)
			}
		}()
	}
	var cmds []*exec.Cmd
	for range 2 {
		cmd := shmfstest.Command("coord-add", name, strconv.Itoa(perP))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	wg.Wait()
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	want := uint64(8*perG + 2*perP)
	if v, _ := f.LoadUint64(0); v != want {
		t.Errorf("64-bit sum %d, want %d", v, want)
	}
	if v, _ := f.LoadUint32(8); uint64(v) != want {
		t.Errorf("32-bit sum %d, want %d", v, want)
	}
}

// TestWait: at once when the word differs, the timeout (at least as long,
// wrapping os.ErrDeadlineExceeded), a Wake from a goroutine and from
// another process, Close waking a waiter.
func TestWait(t *testing.T) {
	f, name, _ := coordFile(t, 4096)
	f.StoreUint32(0, 7)
	if err := f.Wait(0, 6, time.Hour); err != nil {
		t.Errorf("Wait for a value the word does not hold = %v", err)
	}
	if err := f.Wait(0, 7, 0); !errors.Is(err, os.ErrDeadlineExceeded) || !os.IsTimeout(err) {
		t.Errorf("Wait(timeout 0) = %v (os.IsTimeout %v), want os.ErrDeadlineExceeded as *os.File's deadlines give it", err, os.IsTimeout(err))
	}
	for _, d := range []time.Duration{time.Millisecond, 30 * time.Millisecond} {
		start := time.Now()
		err := f.Wait(0, 7, d)
		if took := time.Since(start); !errors.Is(err, os.ErrDeadlineExceeded) || took < d {
			t.Errorf("Wait(%v) = %v after %v", d, err, took)
		}
	}
	// A Wake from a goroutine.
	f.StoreUint32(4, 0)
	go func() {
		time.Sleep(10 * time.Millisecond)
		f.StoreUint32(4, 1)
		for {
			if n, _ := f.Wake(4, 1); n == 1 {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	if err := f.Wait(4, 0, 10*time.Second); err != nil {
		t.Errorf("Wait woken by a goroutine = %v", err)
	}
	// A Wake from another process.
	f.StoreUint32(8, 0)
	cmd := shmfstest.Command("coord-wake", name, "8")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for {
		v, _ := f.LoadUint32(8)
		if v != 0 {
			break
		}
		if err := f.Wait(8, 0, 10*time.Second); err != nil {
			t.Fatalf("Wait woken by a peer = %v", err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("the waker: %v", err)
	}
	// Close wakes a waiter promptly.
	g, _ := shmfs.OpenFile(name, os.O_RDWR, 0)
	g.StoreUint32(12, 0)
	got := make(chan error, 1)
	go func() { got <- g.Wait(12, 0, time.Hour) }()
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	g.Close()
	select {
	case err := <-got:
		if !errors.Is(err, fs.ErrClosed) {
			t.Errorf("Wait across Close = %v", err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("Close took %v to wake the waiter", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not wake the waiter")
	}
}

// TestWordsPeerTruncates: a peer truncating the object under Load, Add and
// Wait: errors, no crash (in race builds too).
func TestWordsPeerTruncates(t *testing.T) {
	f, _, path := coordFile(t, 1<<20)
	f.StoreUint64(1<<20-8, 1)
	got := make(chan error, 1)
	go func() { got <- f.Wait(1<<20-64, 0, 20*time.Second) }()
	time.Sleep(20 * time.Millisecond)
	if out, err := childOutput("core-truncate", path, "4096"); err != nil {
		t.Fatalf("peer: %v %s", err, out)
	}
	if _, err := f.LoadUint64(1<<20 - 8); err == nil {
		t.Errorf("Load past a peer's truncate succeeded")
	}
	if _, err := f.AddUint32(1<<20-4, 1); err == nil {
		t.Errorf("Add past a peer's truncate succeeded")
	}
	// The waiter sleeps on: a truncate wakes no futex. A Wake on the word
	// now fails (the page is gone); close the File to end the Wait.
	if _, err := f.Wake(1<<20-64, 1); err == nil {
		t.Errorf("Wake of a word past the new end succeeded")
	}
	start := time.Now()
	f.Close()
	select {
	case err := <-got:
		if !errors.Is(err, fs.ErrClosed) {
			t.Errorf("Wait across the truncate and Close = %v, want ErrClosed", err)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("Close took %v to end the Wait", took)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the Wait did not end")
	}
	// Concurrently: a loop of atomics while a peer shrinks and regrows.
	g, _, gpath := coordFile(t, 1<<20)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			for off := int64(0); off < 1<<20; off += 4096 {
				g.AddUint64(off, 1)
				g.LoadUint32(off + 8)
			}
		}
	}()
	pp := startPeer(t)
	for range 10 {
		pp.truncate(t, gpath, 0)
		pp.truncate(t, gpath, 1<<20)
	}
	close(stop)
	wg.Wait()
}

// TestCPeers: C programs using fcntl(F_SETLK) and futex(2) on their own
// mapping of the object cooperate with a File: a C write lock makes
// TryLock false and ours makes theirs fail; a C FUTEX_WAKE wakes Wait; a
// Wake wakes a C FUTEX_WAIT.
func TestCPeers(t *testing.T) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "peer.c")
	bin := filepath.Join(dir, "peer")
	if err := os.WriteFile(src, []byte(cPeer), 0600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(gcc, "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		t.Skipf("gcc: %v\n%s", err, out)
	}
	f, _, path := coordFile(t, 4096)

	// A C F_SETLK write lock.
	cmd := exec.Command(bin, "hold", path)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Start()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("C holder: %q", line)
	}
	if ok, err := f.TryLock(); err != nil || ok {
		t.Errorf("TryLock while C holds F_SETLK = %v, %v", ok, err)
	}
	if ok, err := f.TryRLock(); err != nil || ok {
		t.Errorf("TryRLock while C holds F_SETLK = %v, %v", ok, err)
	}
	stdin.Close()
	cmd.Wait()
	// Ours against theirs.
	if err := f.Lock(); err != nil {
		t.Fatal(err)
	}
	if out, _ := exec.Command(bin, "try", path).Output(); string(out) != "busy\n" {
		t.Errorf("C F_SETLK while we hold Lock: %q", out)
	}
	f.Unlock()
	if out, _ := exec.Command(bin, "try", path).Output(); string(out) != "got\n" {
		t.Errorf("C F_SETLK after Unlock: %q", out)
	}

	// A C waker: __atomic_store_n then FUTEX_WAKE.
	f.StoreUint32(16, 0)
	cmd = exec.Command(bin, "wake", path, "16")
	cmd.Start()
	for {
		if v, _ := f.LoadUint32(16); v != 0 {
			break
		}
		if err := f.Wait(16, 0, 10*time.Second); err != nil {
			t.Fatalf("Wait woken by C = %v", err)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("C waker: %v", err)
	}
	// A C waiter, woken by our Wake.
	f.StoreUint32(20, 0)
	cmd = exec.Command(bin, "wait", path, "20")
	stdout, _ = cmd.StdoutPipe()
	cmd.Start()
	r := bufio.NewReader(stdout)
	if line, _ := r.ReadString('\n'); line != "waiting\n" {
		t.Fatalf("C waiter: %q", line)
	}
	// Wake until it wakes someone: the C waiter, asleep in FUTEX_WAIT on a
	// word that still holds 0 (it goes back to sleep after the wake).
	woke := 0
	deadline := time.Now().Add(10 * time.Second)
	for woke == 0 && time.Now().Before(deadline) {
		woke, _ = f.Wake(20, 1)
		time.Sleep(time.Millisecond)
	}
	if woke != 1 {
		t.Errorf("Wake never woke the C waiter (woke %d)", woke)
	}
	f.StoreUint32(20, 1)
	f.Wake(20, 1)
	if line, _ := r.ReadString('\n'); line != "woken\n" {
		t.Errorf("C waiter after the store and Wake: %q", line)
	}
	cmd.Wait()
}

// cPeer is the C side of TestCPeers.
const cPeer = `
#include <fcntl.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int lockfd(const char *path, int cmd) {
	int fd = open(path, O_RDWR);
	if (fd < 0) { perror("open"); exit(2); }
	struct flock fl; memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK; fl.l_whence = SEEK_SET;
	return fcntl(fd, cmd, &fl);
}

static uint32_t *word(const char *path, const char *off) {
	int fd = open(path, O_RDWR);
	if (fd < 0) { perror("open"); exit(2); }
	char *p = mmap(0, 4096, PROT_READ|PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) { perror("mmap"); exit(2); }
	return (uint32_t *)(p + atoi(off));
}

int main(int argc, char **argv) {
	setvbuf(stdout, 0, _IONBF, 0);
	if (!strcmp(argv[1], "hold")) {
		if (lockfd(argv[2], F_SETLK) < 0) { perror("F_SETLK"); return 2; }
		printf("locked\n");
		char buf[16]; while (read(0, buf, sizeof buf) > 0) {}
		return 0;
	}
	if (!strcmp(argv[1], "try")) {
		printf(lockfd(argv[2], F_SETLK) < 0 ? "busy\n" : "got\n");
		return 0;
	}
	if (!strcmp(argv[1], "wake")) {
		uint32_t *w = word(argv[2], argv[3]);
		usleep(20000);
		__atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
		for (int i = 0; i < 10000; i++) {
			if (syscall(SYS_futex, w, FUTEX_WAKE, 1, 0, 0, 0) == 1) return 0;
			usleep(1000);
		}
		return 1;
	}
	if (!strcmp(argv[1], "wait")) {
		uint32_t *w = word(argv[2], argv[3]);
		printf("waiting\n");
		while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == 0)
			syscall(SYS_futex, w, FUTEX_WAIT, 0, 0, 0, 0);
		printf("woken\n");
		return 0;
	}
	return 2;
}
`

// TestRingAcrossProcesses: the ring of example_ring_test.go between this
// process (the consumer) and a child (the producer): every message, in
// order, none lost or torn.
func TestRingAcrossProcesses(t *testing.T) {
	f, name, _ := coordFile(t, ringSize)
	const n = 20000
	cmd := shmfstest.Command("ring-produce", name, strconv.Itoa(n))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	prefix := fmt.Sprintf(" from %d", cmd.Process.Pid)
	for i := 0; ; i++ {
		var got string
		if err := ringGet(f, func(msg []byte) error { got = string(msg); return nil }); err != nil {
			t.Fatal(err)
		}
		if got == "done" {
			if i != n {
				t.Errorf("done after %d messages, want %d", i, n)
			}
			break
		}
		if want := fmt.Sprintf("message %d%s", i, prefix); got != want {
			t.Fatalf("message %d: %q, want %q", i, got, want)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("producer: %v", err)
	}
}
