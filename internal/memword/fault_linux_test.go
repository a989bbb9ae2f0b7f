package memword

import (
	"errors"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// faultOps runs each operation once on a word of the mapping. Each subtest
// runs one op on its own mapping, so the Cas ops see their word at 0 (as it
// is again each time the object grows back).
var faultOps = []struct {
	name string
	do   func(p32 *uint32, p64 *uint64)
}{
	{"Load32", func(p32 *uint32, _ *uint64) { _ = Load32(p32) }},
	{"Store32", func(p32 *uint32, _ *uint64) { Store32(p32, 1) }},
	{"Add32", func(p32 *uint32, _ *uint64) { _ = Add32(p32, 1) }},
	{"Cas32", func(p32 *uint32, _ *uint64) { _ = Cas32(p32, 0, 0) }},     // the word is always 0: swaps
	{"Cas32fail", func(p32 *uint32, _ *uint64) { _ = Cas32(p32, 1, 2) }}, // does not swap
	{"Load64", func(_ *uint32, p64 *uint64) { _ = Load64(p64) }},
	{"Store64", func(_ *uint32, p64 *uint64) { Store64(p64, 1) }},
	{"Add64", func(_ *uint32, p64 *uint64) { _ = Add64(p64, 1) }},
	{"Cas64", func(_ *uint32, p64 *uint64) { _ = Cas64(p64, 0, 0) }},     // the word is always 0: swaps
	{"Cas64fail", func(_ *uint32, p64 *uint64) { _ = Cas64(p64, 1, 2) }}, // does not swap
}

type addrError interface {
	error
	Addr() uintptr
}

// qemuUser is set (MEMWORD_TEST_QEMU_USER=1) when the test binary runs
// under qemu-user, which delivers SIGBUS with si_addr 0 (seen with qemu
// 7.2): the runtime then reports the fault as a nil dereference, a
// runtime.Error without Addr. Only then is such an error taken for the
// fault, with an unknown address (0). On real hardware the kernel reports
// the address and the fault must have Addr, as shmfs's guard requires.
var qemuUser = os.Getenv("MEMWORD_TEST_QEMU_USER") == "1"

// lostAddr is a fault whose address the emulator did not report.
type lostAddr struct{ err runtime.Error }

func (e lostAddr) Error() string { return e.err.Error() }
func (e lostAddr) Unwrap() error { return e.err }
func (lostAddr) Addr() uintptr   { return 0 }

// guarded runs f as shmfs runs a touch of the mapping: under
// SetPanicOnFault with a deferred recover. It returns the fault, or nil,
// and re-panics anything that is not a fault.
func guarded(f func()) (fault addrError) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(addrError); ok {
				fault = e
				return
			}
			if e, ok := r.(runtime.Error); ok && qemuUser && strings.Contains(e.Error(), "nil pointer dereference") {
				fault = lostAddr{e}
				return
			}
			panic(r)
		}
	}()
	f()
	return nil
}

func requireFaultSafe(t *testing.T) {
	if !FaultSafe {
		t.Skipf("FaultSafe is false: a race build on %s, which has no assembly stubs; sync/atomic runs in the race runtime's C code, where a fault kills the process", runtime.GOARCH)
	}
}

// TestFaultAfterTruncate: a peer truncated the object to 0, so the page
// under the mapping is gone; each operation must fault recoverably, with
// the word's page as the fault address, and work again once the object
// has grown back.
func TestFaultAfterTruncate(t *testing.T) {
	requireFaultSafe(t)
	forEachPath(t, func(t *testing.T) {
		for _, op := range faultOps {
			t.Run(op.name, func(t *testing.T) {
				mem, fd := mapMemfd(t, 4096)
				base := uintptr(unsafe.Pointer(&mem[0]))
				p32 := (*uint32)(unsafe.Pointer(&mem[1024]))
				p64 := (*uint64)(unsafe.Pointer(&mem[2048]))
				if f := guarded(func() { op.do(p32, p64) }); f != nil {
					t.Fatalf("before the truncate: %v", f)
				}
				if err := unix.Ftruncate(fd, 0); err != nil {
					t.Fatal(err)
				}
				f := guarded(func() { op.do(p32, p64) })
				if f == nil {
					t.Fatal("no fault after the object was truncated to 0")
				}
				var rerr runtime.Error
				if !errors.As(f, &rerr) {
					t.Errorf("fault %T %v is not a runtime.Error", f, f)
				}
				if _, lost := f.(lostAddr); lost {
					t.Logf("fault without an address (qemu-user): %v", f)
				} else if a := f.Addr(); a < base || a >= base+4096 {
					t.Errorf("fault address %#x outside the page at %#x", a, base)
				}
				if err := unix.Ftruncate(fd, 4096); err != nil {
					t.Fatal(err)
				}
				if f := guarded(func() { op.do(p32, p64) }); f != nil {
					t.Fatalf("after the object grew back: %v", f)
				}
			})
		}
	})
}

// TestFaultConcurrentTruncate: a peer truncates and regrows the object
// while a goroutine runs an operation in a loop, so the page also goes away
// in the middle of operations. This is the case sync/atomic does not
// survive under -race: its race-runtime path probes the address in Go code
// first, so a page already gone faults recoverably, but one that goes away
// after the probe faults inside C code and kills the process.
func TestFaultConcurrentTruncate(t *testing.T) {
	requireFaultSafe(t)
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs running at once so truncates land inside operations")
	}
	const (
		minToggles = 300
		minFaults  = 50
		hold       = 20 * time.Microsecond
	)
	forEachPath(t, func(t *testing.T) {
		for _, op := range faultOps {
			t.Run(op.name, func(t *testing.T) {
				mem, fd := mapMemfd(t, 4096)
				p32 := (*uint32)(unsafe.Pointer(&mem[1024]))
				p64 := (*uint64)(unsafe.Pointer(&mem[2048]))
				stop := make(chan struct{})
				type counts struct{ ok, faults int }
				var progress = make(chan counts, 1)
				progress <- counts{}
				done := make(chan counts)
				go func() {
					var c counts
					for i := 0; ; i++ {
						if i%64 == 0 {
							select {
							case <-stop:
								done <- c
								return
							case <-progress:
								progress <- c
							}
						}
						if guarded(func() { op.do(p32, p64) }) != nil {
							c.faults++
						} else {
							c.ok++
						}
					}
				}()
				spin := func(d time.Duration) {
					for end := time.Now().Add(d); time.Now().Before(end); {
					}
				}
				deadline := time.Now().Add(10 * time.Second)
				toggles := 0
				for {
					if err := unix.Ftruncate(fd, 0); err != nil {
						t.Fatal(err)
					}
					spin(hold)
					if err := unix.Ftruncate(fd, 4096); err != nil {
						t.Fatal(err)
					}
					spin(hold)
					toggles++
					if toggles >= minToggles {
						c := <-progress
						progress <- c
						if c.faults >= minFaults && c.ok >= minFaults || time.Now().After(deadline) {
							break
						}
					}
				}
				close(stop)
				c := <-done
				t.Logf("%d truncates: %d operations done, %d faults recovered", toggles, c.ok, c.faults)
				if c.faults < minFaults || c.ok < minFaults {
					t.Errorf("want at least %d operations done and %d faults in 10s", minFaults, minFaults)
				}
			})
		}
	})
}
