//go:build linux

package shmfs_test

import (
	"io"
	"os"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// Benchmarks of coordination between processes, side by side
// (benchstat -col /impl). The child processes are started by the
// benchmark (the test binary re-executed).

// The ping-pong words: the parent's sequence number, the child's answer,
// and a flag each side sets before it sleeps (see awaitChange and publish
// in example_ring_test.go).
const (
	pingWord     = 0
	pongWord     = 64
	pingSleeping = 128
	pongSleeping = 192
)

// childBenchPong is the child bench-pong NAME SPIN: answer each ping with
// the same number, until the ping is 0xffffffff.
func childBenchPong(args []string) error {
	f, err := shmfs.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	spin := args[1] == "spin"
	var last uint32
	for {
		v, err := awaitChange(f, pingWord, pingSleeping, last, spin)
		if err != nil {
			return err
		}
		if v == ^uint32(0) {
			return nil
		}
		last = v
		if err := publish(f, pongWord, pongSleeping, v); err != nil {
			return err
		}
	}
}

// childBenchEcho is the child bench-echo: echo one byte at a time from fd 3
// back to fd 4 (a socketpair end, or two pipe ends), until EOF.
func childBenchEcho(args []string) error {
	in, out := os.NewFile(3, "in"), os.NewFile(4, "out")
	b := make([]byte, 1)
	for {
		if _, err := in.Read(b); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
		if _, err := out.Write(b); err != nil {
			return err
		}
	}
}

// BenchmarkPingPong is a round trip between this process and a child:
//
//	futex-spin  atomics and Wait/Wake on a File, with spinLoads loads before a Wait
//	futex       the same, waiting at once
//	socketpair  one byte each way over a Unix socketpair
//	pipe        one byte each way over two pipes
func BenchmarkPingPong(b *testing.B) {
	for _, impl := range []string{"futex-spin", "futex", "socketpair", "pipe"} {
		b.Run("impl="+impl, func(b *testing.B) {
			switch impl {
			case "futex-spin", "futex":
				benchPingPongFutex(b, impl == "futex-spin")
			default:
				benchPingPongFD(b, impl)
			}
		})
	}
}

func benchPingPongFutex(b *testing.B, spin bool) {
	s := scratch(b, "")
	f, err := shmfs.Create(s.Name("pingpong"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.Truncate(4096)
	mode := "nospin"
	if spin {
		mode = "spin"
	}
	cmd := shmfstest.Command("bench-pong", s.Name("pingpong"), mode)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var seq uint32
	roundTrip := func() {
		seq++
		if seq == ^uint32(0) {
			seq = 1
		}
		if err := publish(f, pingWord, pingSleeping, seq); err != nil {
			b.Fatal(err)
		}
		for {
			v, err := awaitChange(f, pongWord, pongSleeping, seq-1, spin)
			if err != nil {
				b.Fatal(err)
			}
			if v == seq {
				return
			}
		}
	}
	roundTrip() // the child is up
	b.ReportAllocs()
	for b.Loop() {
		roundTrip()
	}
	b.StopTimer()
	publish(f, pingWord, pingSleeping, ^uint32(0))
	if err := cmd.Wait(); err != nil {
		b.Fatal(err)
	}
}

func benchPingPongFD(b *testing.B, impl string) {
	var mine, theirs [2]*os.File // [read, write]
	switch impl {
	case "socketpair":
		fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			b.Fatal(err)
		}
		a, c := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
		mine, theirs = [2]*os.File{a, a}, [2]*os.File{c, c}
	case "pipe":
		r1, w1, _ := os.Pipe()
		r2, w2, _ := os.Pipe()
		mine, theirs = [2]*os.File{r2, w1}, [2]*os.File{r1, w2}
	}
	cmd := shmfstest.Command("bench-echo")
	cmd.ExtraFiles = []*os.File{theirs[0], theirs[1]}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	theirs[0].Close()
	theirs[1].Close()
	buf := []byte{1}
	roundTrip := func() {
		if _, err := mine[1].Write(buf); err != nil {
			b.Fatal(err)
		}
		if _, err := mine[0].Read(buf); err != nil {
			b.Fatal(err)
		}
	}
	roundTrip()
	b.ReportAllocs()
	for b.Loop() {
		roundTrip()
	}
	b.StopTimer()
	mine[1].Close()
	cmd.Wait()
	mine[0].Close()
}

// BenchmarkAddUint64 is an atomic add: on a word of a File's mapping
// (under the fault guard) and with sync/atomic on a word of the Go heap.
func BenchmarkAddUint64(b *testing.B) {
	f, err := shmfs.MemFile("add")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	f.Truncate(4096)
	f.AddUint64(0, 1) // mapped
	b.Run("impl=shmfs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := f.AddUint64(64, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=atomic", func(b *testing.B) {
		var w atomic.Uint64
		b.ReportAllocs()
		for b.Loop() {
			w.Add(1)
		}
	})
}

// BenchmarkLock is an uncontended Lock and Unlock: a File's OFD lock, and
// flock(2) on an *os.File of the same object.
func BenchmarkLock(b *testing.B) {
	s := scratch(b, "")
	f, err := shmfs.Create(s.Name("lock"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	o, err := os.OpenFile(s.Path("lock"), os.O_RDWR, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	b.Run("impl=shmfs", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := f.Lock(); err != nil {
				b.Fatal(err)
			}
			if err := f.Unlock(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=flock", func(b *testing.B) {
		fd := int(o.Fd())
		b.ReportAllocs()
		for b.Loop() {
			if err := syscall.Flock(fd, syscall.LOCK_EX); err != nil {
				b.Fatal(err)
			}
			if err := syscall.Flock(fd, syscall.LOCK_UN); err != nil {
				b.Fatal(err)
			}
		}
	})
}
