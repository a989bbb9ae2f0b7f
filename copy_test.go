//go:build linux

package shmfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"testing"

	"github.com/shmfs/shmfs"
)

// copyEnd is one end of a connection WriteTo writes to or ReadFrom reads
// from, and what the other end received or sends.
type copyEnd struct {
	name string
	// open returns the end the File uses, and a function that closes it
	// and returns what the other end read (nil for readers).
	open func(t *testing.T, send []byte) (io.ReadWriter, func() []byte)
}

func socketPair(t *testing.T, network string) (net.Conn, net.Conn) {
	t.Helper()
	addr := "127.0.0.1:0"
	if network == "unix" {
		addr = t.TempDir() + "/sock"
	}
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Skip(err)
	}
	defer l.Close()
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			ch <- nil
			return
		}
		ch <- c
	}()
	a, err := net.Dial(network, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-ch
	if b == nil {
		t.Fatal("accept failed")
	}
	return a, b
}

var copyEnds = []copyEnd{
	{"tcp", func(t *testing.T, send []byte) (io.ReadWriter, func() []byte) { return connEnd(t, "tcp", send) }},
	{"unix", func(t *testing.T, send []byte) (io.ReadWriter, func() []byte) { return connEnd(t, "unix", send) }},
	{"pipe", func(t *testing.T, send []byte) (io.ReadWriter, func() []byte) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		if send != nil {
			go func() { w.Write(send); w.Close() }()
			return r, func() []byte { r.Close(); return nil }
		}
		var got []byte
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); got, _ = io.ReadAll(r); r.Close() }()
		return w, func() []byte { w.Close(); wg.Wait(); return got }
	}},
	{"buffer", func(t *testing.T, send []byte) (io.ReadWriter, func() []byte) {
		b := bytes.NewBuffer(send)
		return b, func() []byte { return b.Bytes() }
	}},
}

func connEnd(t *testing.T, network string, send []byte) (io.ReadWriter, func() []byte) {
	a, b := socketPair(t, network)
	if send != nil {
		go func() { b.Write(send); b.Close() }()
		return a, func() []byte { a.Close(); return nil }
	}
	var got []byte
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); got, _ = io.ReadAll(b); b.Close() }()
	return a, func() []byte { a.Close(); wg.Wait(); return got }
}

// TestWriteToInPlace: WriteTo to sockets, a pipe and a buffer sends what
// *os.File's WriteTo sends, returns the same count, and leaves the offset
// where *os.File's leaves it; from several starting offsets, for a file
// larger than one in-place chunk.
func TestWriteToInPlace(t *testing.T) {
	s := scratch(t, "")
	content := viewPattern(5<<20 + 12345)
	f, err := shmfs.Create(s.Name("wt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(content)
	f.ReadAt(make([]byte, 1), 0) // mapped
	o, err := os.Open(s.Path("wt"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, end := range copyEnds {
		for _, start := range []int64{0, 4095, 5 << 20, int64(len(content)), int64(len(content)) + 10} {
			t.Run(fmt.Sprintf("%s/from=%d", end.name, start), func(t *testing.T) {
				var got [2][]byte
				var ns [2]int64
				var offs [2]int64
				for i, src := range []io.ReadSeeker{f, o} {
					src.Seek(start, io.SeekStart)
					w, done := end.open(t, nil)
					n, err := io.Copy(w, src)
					if err != nil {
						t.Fatalf("%T: io.Copy: %v", src, err)
					}
					got[i], ns[i] = done(), n
					offs[i], _ = src.Seek(0, io.SeekCurrent)
				}
				if ns[0] != ns[1] || !bytes.Equal(got[0], got[1]) || offs[0] != offs[1] {
					t.Errorf("shmfs sent %d (%d bytes, offset %d), *os.File %d (%d bytes, offset %d); same bytes: %v",
						ns[0], len(got[0]), offs[0], ns[1], len(got[1]), offs[1], bytes.Equal(got[0], got[1]))
				}
			})
		}
	}
}

// failAfter is a writer that takes limit bytes and then fails.
type failAfter struct {
	buf   bytes.Buffer
	limit int
}

var errWriterFull = errors.New("writer full")

func (w *failAfter) Write(p []byte) (int, error) {
	if room := w.limit - w.buf.Len(); len(p) > room {
		w.buf.Write(p[:room])
		return room, errWriterFull
	}
	return w.buf.Write(p)
}

// TestWriteToFailingWriter: a writer that fails part way gets the bytes
// *os.File's WriteTo gives it, and the offset ends where os's does (past
// the 32 KiB read whose write failed).
func TestWriteToFailingWriter(t *testing.T) {
	s := scratch(t, "")
	content := viewPattern(300 << 10)
	f, err := shmfs.Create(s.Name("fail"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(content)
	f.ReadAt(make([]byte, 1), 0)
	o, err := os.Open(s.Path("fail"))
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	for _, limit := range []int{0, 1, 32 << 10, 32<<10 + 1, 100000, 299 << 10} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			var ws [2]*failAfter
			var ns, offs [2]int64
			var errs [2]error
			for i, src := range []interface {
				io.WriterTo
				io.Seeker
			}{f, o} {
				src.Seek(7, io.SeekStart)
				ws[i] = &failAfter{limit: limit}
				ns[i], errs[i] = src.WriteTo(ws[i])
				offs[i], _ = src.Seek(0, io.SeekCurrent)
			}
			if ns[0] != ns[1] || errs[0] != errs[1] || offs[0] != offs[1] || !bytes.Equal(ws[0].buf.Bytes(), ws[1].buf.Bytes()) {
				t.Errorf("shmfs: %d, %v, offset %d; *os.File: %d, %v, offset %d", ns[0], errs[0], offs[0], ns[1], errs[1], offs[1])
			}
		})
	}
}

// TestReadFromInPlace: ReadFrom from sockets, a pipe, a reader and a
// limited pipe writes what *os.File's ReadFrom writes, into the middle of
// the file and across its end.
func TestReadFromInPlace(t *testing.T) {
	s := scratch(t, "")
	base := viewPattern(3 << 20)
	send := bytes.Repeat([]byte("incoming "), 200000) // 1.8 MB
	for _, end := range copyEnds {
		for _, start := range []int64{0, 100, 2 << 20, 3 << 20} {
			t.Run(fmt.Sprintf("%s/at=%d", end.name, start), func(t *testing.T) {
				name := fmt.Sprintf("rf-%s-%d", end.name, start)
				f, err := shmfs.Create(s.Name(name))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				f.Write(base)
				f.ReadAt(make([]byte, 1), 0)
				o, err := os.OpenFile(s.Path(name+"-os"), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
				if err != nil {
					t.Fatal(err)
				}
				defer o.Close()
				o.Write(base)
				var ns [2]int64
				for i, dst := range []interface {
					io.ReaderFrom
					io.Seeker
				}{f, o} {
					dst.Seek(start, io.SeekStart)
					r, done := end.open(t, send)
					n, err := dst.ReadFrom(r)
					done()
					if err != nil {
						t.Fatalf("%T: ReadFrom: %v", dst, err)
					}
					ns[i] = n
				}
				a, _ := os.ReadFile(s.Path(name))
				b, _ := os.ReadFile(s.Path(name + "-os"))
				if ns[0] != ns[1] || !bytes.Equal(a, b) {
					t.Errorf("shmfs: %d bytes read, object %d bytes; *os.File: %d, %d; same: %v", ns[0], len(a), ns[1], len(b), bytes.Equal(a, b))
				}
			})
		}
	}
}

// TestWriteToPeerTruncates: a peer truncates the object under a WriteTo to
// a socket: the kernel reports EFAULT for the page that is gone (no
// signal), and WriteTo goes on through the copying path, sending what
// *os.File would: the bytes up to the new end.
func TestWriteToPeerTruncates(t *testing.T) {
	s := scratch(t, "")
	const size = 16 << 20
	f, err := shmfs.Create(s.Name("wtp"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Write(viewPattern(size))
	f.ReadAt(make([]byte, 1), 0)
	f.Seek(0, io.SeekStart)
	a, b := socketPair(t, "tcp")
	var got []byte
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := b.Read(buf)
			got = append(got, buf[:n]...)
			if len(got) >= 1<<20 && len(got)-n < 1<<20 {
				// The peer shrinks the object while the rest is in flight.
				if out, err := childOutput("core-truncate", s.Path("wtp"), fmt.Sprint(3<<20)); err != nil {
					t.Errorf("peer: %v: %s", err, out)
				}
			}
			if err != nil {
				return
			}
		}
	}()
	n, err := f.WriteTo(a)
	a.Close()
	wg.Wait()
	b.Close()
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	if n != int64(len(got)) || n < 3<<20 || n > size {
		t.Errorf("WriteTo sent %d, the peer got %d", n, len(got))
	}
	want := viewPattern(size)
	if !bytes.Equal(got[:3<<20], want[:3<<20]) {
		t.Errorf("the bytes before the new end differ")
	}
}
