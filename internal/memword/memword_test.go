package memword

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

const (
	guard32 = 0xA5C3_5A3C
	guard64 = 0xA5A5_5A5A_C3C3_3C3C
)

func TestBuildPath(t *testing.T) {
	stubs := runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64"
	if want := (raceBuild || asmTag) && stubs; asmPath != want {
		t.Errorf("asmPath = %v in a build with race=%v memword_asm=%v on %s, want %v",
			asmPath, raceBuild, asmTag, runtime.GOARCH, want)
	}
	if want := !raceBuild || stubs; FaultSafe != want {
		t.Errorf("FaultSafe = %v in a build with race=%v on %s, want %v", FaultSafe, raceBuild, runtime.GOARCH, want)
	}
	t.Logf("GOARCH=%s race=%v memword_asm=%v: assembly=%v FaultSafe=%v", runtime.GOARCH, raceBuild, asmTag, asmPath, FaultSafe)
}

// ops32 and ops64 let one table drive memword and sync/atomic alike.
type ops32 struct {
	load  func(*uint32) uint32
	store func(*uint32, uint32)
	add   func(*uint32, uint32) uint32
	cas   func(*uint32, uint32, uint32) bool
}

type ops64 struct {
	load  func(*uint64) uint64
	store func(*uint64, uint64)
	add   func(*uint64, uint64) uint64
	cas   func(*uint64, uint64, uint64) bool
}

var (
	memword32 = ops32{Load32, Store32, Add32, Cas32}
	atomic32  = ops32{atomic.LoadUint32, atomic.StoreUint32, atomic.AddUint32, atomic.CompareAndSwapUint32}
	memword64 = ops64{Load64, Store64, Add64, Cas64}
	atomic64  = ops64{atomic.LoadUint64, atomic.StoreUint64, atomic.AddUint64, atomic.CompareAndSwapUint64}
)

type result struct {
	ret uint64 // the value Load or Add returned
	ok  bool   // what Cas returned
	mem uint64 // the word afterwards
}

// A case is one operation on a word holding init: for store, a is the
// value; for add, a is the delta; for cas, a is old and b is new.
type tcase struct {
	op   string
	init uint64
	a, b uint64
	want result
}

func (c tcase) String() string {
	return fmt.Sprintf("%s(%#x,%#x,%#x)", c.op, c.init, c.a, c.b)
}

func (o ops32) apply(p *uint32, c tcase) result {
	*p = uint32(c.init)
	var r result
	switch c.op {
	case "load":
		r.ret = uint64(o.load(p))
	case "store":
		o.store(p, uint32(c.a))
	case "add":
		r.ret = uint64(o.add(p, uint32(c.a)))
	case "cas":
		r.ok = o.cas(p, uint32(c.a), uint32(c.b))
	default:
		panic(c.op)
	}
	r.mem = uint64(*p)
	return r
}

func (o ops64) apply(p *uint64, c tcase) result {
	*p = c.init
	var r result
	switch c.op {
	case "load":
		r.ret = o.load(p)
	case "store":
		o.store(p, c.a)
	case "add":
		r.ret = o.add(p, c.a)
	case "cas":
		r.ok = o.cas(p, c.a, c.b)
	default:
		panic(c.op)
	}
	r.mem = *p
	return r
}

var cases32 = []tcase{
	{"load", 0, 0, 0, result{ret: 0, mem: 0}},
	{"load", 1, 0, 0, result{ret: 1, mem: 1}},
	{"load", 0x8000_0000, 0, 0, result{ret: 0x8000_0000, mem: 0x8000_0000}},
	{"load", 0xFFFF_FFFF, 0, 0, result{ret: 0xFFFF_FFFF, mem: 0xFFFF_FFFF}},
	{"store", 7, 0, 0, result{mem: 0}},
	{"store", 0, 0xDEAD_BEEF, 0, result{mem: 0xDEAD_BEEF}},
	{"store", 0x1234_5678, 0xFFFF_FFFF, 0, result{mem: 0xFFFF_FFFF}},
	{"add", 0, 1, 0, result{ret: 1, mem: 1}},
	{"add", 41, 1, 0, result{ret: 42, mem: 42}},
	{"add", 0x7FFF_FFFF, 1, 0, result{ret: 0x8000_0000, mem: 0x8000_0000}},
	{"add", 0xFFFF_FFFF, 1, 0, result{ret: 0, mem: 0}},           // wraps
	{"add", 0xFFFF_FFF0, 0x20, 0, result{ret: 0x10, mem: 0x10}},  // wraps
	{"add", 0x8000_0000, 0x8000_0000, 0, result{ret: 0, mem: 0}}, // wraps
	{"add", 5, 0xFFFF_FFFF, 0, result{ret: 4, mem: 4}},           // adds -1
	{"add", 0, 0xFFFF_FFFF, 0, result{ret: 0xFFFF_FFFF, mem: 0xFFFF_FFFF}},
	{"add", 9, 0, 0, result{ret: 9, mem: 9}},
	{"cas", 5, 5, 7, result{ok: true, mem: 7}},
	{"cas", 5, 6, 7, result{ok: false, mem: 5}},
	{"cas", 0, 0, 0, result{ok: true, mem: 0}},
	{"cas", 0x8000_0000, 0x8000_0000, 1, result{ok: true, mem: 1}},
	{"cas", 0xFFFF_FFFF, 0xFFFF_FFFF, 0x8000_0001, result{ok: true, mem: 0x8000_0001}},
	{"cas", 0xFFFF_FFFF, 0x7FFF_FFFF, 1, result{ok: false, mem: 0xFFFF_FFFF}},
	{"cas", 0x7FFF_FFFF, 0xFFFF_FFFF, 1, result{ok: false, mem: 0x7FFF_FFFF}},
}

var cases64 = []tcase{
	{"load", 0, 0, 0, result{ret: 0, mem: 0}},
	{"load", 0x1_0000_0000, 0, 0, result{ret: 0x1_0000_0000, mem: 0x1_0000_0000}},
	{"load", 0x8000_0000_0000_0001, 0, 0, result{ret: 0x8000_0000_0000_0001, mem: 0x8000_0000_0000_0001}},
	{"load", ^uint64(0), 0, 0, result{ret: ^uint64(0), mem: ^uint64(0)}},
	{"store", 7, 0, 0, result{mem: 0}},
	{"store", 0, 0xDEAD_BEEF_0BAD_F00D, 0, result{mem: 0xDEAD_BEEF_0BAD_F00D}},
	{"store", 0, ^uint64(0), 0, result{mem: ^uint64(0)}},
	{"add", 0, 1, 0, result{ret: 1, mem: 1}},
	{"add", 0xFFFF_FFFF, 1, 0, result{ret: 0x1_0000_0000, mem: 0x1_0000_0000}}, // carries into the high half
	{"add", 1, 0xFFFF_FFFF_0000_0000, 0, result{ret: 0xFFFF_FFFF_0000_0001, mem: 0xFFFF_FFFF_0000_0001}},
	{"add", ^uint64(0), 1, 0, result{ret: 0, mem: 0}},                                 // wraps
	{"add", 0x8000_0000_0000_0000, 0x8000_0000_0000_0000, 0, result{ret: 0, mem: 0}},  // wraps
	{"add", 5, ^uint64(0), 0, result{ret: 4, mem: 4}},                                 // adds -1
	{"add", 0x1_0000_0000, ^uint64(0), 0, result{ret: 0xFFFF_FFFF, mem: 0xFFFF_FFFF}}, // borrows from the high half
	{"add", 9, 0, 0, result{ret: 9, mem: 9}},
	{"cas", 5, 5, 7, result{ok: true, mem: 7}},
	{"cas", 5, 6, 7, result{ok: false, mem: 5}},
	{"cas", 0x1_0000_0005, 0x1_0000_0005, 0x2_0000_0007, result{ok: true, mem: 0x2_0000_0007}},
	{"cas", 0x1_0000_0005, 0x2_0000_0005, 7, result{ok: false, mem: 0x1_0000_0005}}, // low halves equal
	{"cas", 0x1_0000_0005, 0x1_0000_0006, 7, result{ok: false, mem: 0x1_0000_0005}}, // high halves equal
	{"cas", ^uint64(0), ^uint64(0), 0, result{ok: true, mem: 0}},
	{"cas", 0x8000_0000, 0x8000_0000, 1, result{ok: true, mem: 1}},
}

// TestOps checks each operation's result and effect against the table and
// against sync/atomic on a heap word, on a word of a shared mapping in the
// middle of a page (checking that its neighbours are untouched) and on the
// last word of the page.
func TestOps(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		mem := newMem(t, 4096)
		w32 := unsafe.Slice((*uint32)(unsafe.Pointer(&mem[0])), len(mem)/4)
		w64 := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[0])), len(mem)/8)

		t.Run("32", func(t *testing.T) {
			for _, at := range []int{100, len(w32) - 1} {
				for _, c := range cases32 {
					w32[at-1] = guard32
					if at+1 < len(w32) {
						w32[at+1] = guard32
					}
					var ref uint32
					want := atomic32.apply(&ref, c)
					if want != c.want {
						t.Fatalf("%v: the table says %+v, sync/atomic %+v", c, c.want, want)
					}
					if got := memword32.apply(&w32[at], c); got != want {
						t.Errorf("%v at word %d: got %+v, want %+v", c, at, got, want)
					}
					if w32[at-1] != guard32 || (at+1 < len(w32) && w32[at+1] != guard32) {
						t.Errorf("%v at word %d: neighbours changed: %#x %#x", c, at, w32[at-1], w32[min(at+1, len(w32)-1)])
					}
				}
			}
		})
		t.Run("64", func(t *testing.T) {
			for _, at := range []int{100, len(w64) - 1} {
				for _, c := range cases64 {
					w64[at-1] = guard64
					if at+1 < len(w64) {
						w64[at+1] = guard64
					}
					var ref uint64
					want := atomic64.apply(&ref, c)
					if want != c.want {
						t.Fatalf("%v: the table says %+v, sync/atomic %+v", c, c.want, want)
					}
					if got := memword64.apply(&w64[at], c); got != want {
						t.Errorf("%v at word %d: got %+v, want %+v", c, at, got, want)
					}
					if w64[at-1] != guard64 || (at+1 < len(w64) && w64[at+1] != guard64) {
						t.Errorf("%v at word %d: neighbours changed: %#x %#x", c, at, w64[at-1], w64[min(at+1, len(w64)-1)])
					}
				}
			}
		})
	})
}

// TestConcurrentSum has 8 goroutines add to shared words at once, with
// Add32, Add64 (also with a delta that carries across the halves) and
// Load+Cas loops, and checks the sums are exact and that every value Add32
// returned was returned once.
func TestConcurrentSum(t *testing.T) {
	const goroutines = 8
	n := 50000
	if testing.Short() {
		n = 5000
	}
	forEachPath(t, func(t *testing.T) {
		mem := newMem(t, 4096)
		w32 := unsafe.Slice((*uint32)(unsafe.Pointer(&mem[0])), len(mem)/4)
		w64 := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[0])), len(mem)/8)
		add32, cas32 := &w32[0], &w32[16] // separate cache lines
		add64, big64, cas64 := &w64[32], &w64[40], &w64[48]
		const big uint64 = 1<<32 + 1

		returned := make([][]uint32, goroutines)
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Add(1)
			go func() {
				defer wg.Done()
				seen := make([]uint32, 0, n)
				for range n {
					seen = append(seen, Add32(add32, 1))
					Add64(add64, 1)
					Add64(big64, big)
					for {
						old := Load32(cas32)
						if Cas32(cas32, old, old+1) {
							break
						}
					}
					for {
						old := Load64(cas64)
						if Cas64(cas64, old, old+1) {
							break
						}
					}
				}
				returned[g] = seen
			}()
		}
		wg.Wait()

		total := uint64(goroutines * n)
		if got := Load32(add32); uint64(got) != total {
			t.Errorf("Add32 sum = %d, want %d", got, total)
		}
		if got := Load64(add64); got != total {
			t.Errorf("Add64 sum = %d, want %d", got, total)
		}
		if got := Load64(big64); got != total*big {
			t.Errorf("Add64(%#x) sum = %#x, want %#x", big, got, total*big)
		}
		if got := Load32(cas32); uint64(got) != total {
			t.Errorf("Cas32 loop sum = %d, want %d", got, total)
		}
		if got := Load64(cas64); got != total {
			t.Errorf("Cas64 loop sum = %d, want %d", got, total)
		}
		count := make([]uint8, total+1)
		for _, seen := range returned {
			for _, v := range seen {
				if v == 0 || uint64(v) > total {
					t.Fatalf("Add32 returned %d, outside 1..%d", v, total)
				}
				count[v]++
			}
		}
		for v := uint64(1); v <= total; v++ {
			if count[v] != 1 {
				t.Fatalf("Add32 returned %d %d times, want once", v, count[v])
			}
		}
	})
}

// TestStoreLoadOrder is the store-buffering litmus test: one goroutine
// stores x then loads y, another stores y then loads x. Sequential
// consistency forbids both loads seeing the old zero; acquire loads with
// release (or plain x86 MOV) stores allow it, and x86 and arm64 show it
// often. It is what makes Store/Load agree with C's seq_cst __atomic_*.
func TestStoreLoadOrder(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 || runtime.NumCPU() < 2 {
		t.Skip("needs two CPUs running at once to observe a reordering")
	}
	rounds := 200000
	if testing.Short() {
		rounds = 20000
	}
	forEachPath(t, func(t *testing.T) {
		mem := newMem(t, 4096)
		w32 := unsafe.Slice((*uint32)(unsafe.Pointer(&mem[0])), len(mem)/4)
		w64 := unsafe.Slice((*uint64)(unsafe.Pointer(&mem[0])), len(mem)/8)
		t.Run("32", func(t *testing.T) {
			x, y := &w32[0], &w32[64]
			litmus(t, rounds, func() { *x, *y = 0, 0 },
				func() bool { Store32(x, 1); return Load32(y) == 0 },
				func() bool { Store32(y, 1); return Load32(x) == 0 })
		})
		t.Run("64", func(t *testing.T) {
			x, y := &w64[128], &w64[192]
			litmus(t, rounds, func() { *x, *y = 0, 0 },
				func() bool { Store64(x, 1); return Load64(y) == 0 },
				func() bool { Store64(y, 1); return Load64(x) == 0 })
		})
	})
}

// litmus runs a and b at the same time after reset, up to rounds times or
// for about budget, whichever ends first (on a loaded machine the two
// goroutines often wait for a CPU), and fails if both ever return true.
func litmus(t *testing.T, rounds int, reset func(), a, b func() bool) {
	const budget = 2 * time.Second
	var start, finished atomic.Uint32 // round numbers
	var stop, bSawZero atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for r := uint32(1); ; r++ {
			for start.Load() != r {
				if stop.Load() {
					return
				}
			}
			bSawZero.Store(b())
			finished.Store(r)
		}
	}()
	both, ran := 0, 0
	deadline := time.Now().Add(budget)
	for r := uint32(1); r <= uint32(rounds); r++ {
		reset()
		start.Store(r)
		aSawZero := a()
		for finished.Load() != r {
		}
		if aSawZero && bSawZero.Load() {
			both++
		}
		ran++
		if r%1024 == 0 && time.Now().After(deadline) {
			break
		}
	}
	stop.Store(true)
	<-done
	t.Logf("%d rounds", ran)
	if both > 0 {
		t.Errorf("in %d of %d rounds both loads saw the other's store not yet done: not sequentially consistent", both, ran)
	}
}
