//go:build linux

package shmfs_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
)

// Regression tests for what review 7's black-box differential tests found.

// copyErrSig describes an error's shape: its types, op, the base of its
// path and its errno, as far as they go.
func copyErrSig(err error) string {
	s := ""
	for err != nil {
		switch e := err.(type) {
		case *fs.PathError:
			s += fmt.Sprintf("PathError{%s %s} ", e.Op, filepath.Base(e.Path))
			err = e.Err
		case *os.SyscallError:
			s += fmt.Sprintf("SyscallError{%s} ", e.Syscall)
			err = e.Err
		case syscall.Errno:
			s += fmt.Sprintf("errno %d", int(e))
			err = nil
		default:
			if errors.Is(e, fs.ErrClosed) {
				s += "ErrClosed"
			} else {
				s += e.Error()
			}
			err = nil
		}
	}
	return s
}

// TestCopyFileRangeRefusals: WriteTo into an *os.File and ReadFrom out of
// one fail as *os.File's do through copy_file_range, before copying: a
// closed end is "write DST: file already closed", a directory end
// EISDIR and an end of the wrong access mode EBADF, both in an
// *os.SyscallError naming copy_file_range; neither end's offset moves.
// (The File used to report its own read error, or a bare EBADF, and a
// WriteTo into a closed *os.File moved the File's offset.)
func TestCopyFileRangeRefusals(t *testing.T) {
	type end struct {
		name string
		open func(dir string) (*os.File, error)
	}
	file := func(flag int) func(dir string) (*os.File, error) {
		return func(dir string) (*os.File, error) { return os.OpenFile(filepath.Join(dir, "other"), flag, 0) }
	}
	others := []end{
		{"RDONLY", file(os.O_RDONLY)}, {"WRONLY", file(os.O_WRONLY)}, {"RDWR", file(os.O_RDWR)},
		{"closed", func(dir string) (*os.File, error) {
			f, err := file(os.O_RDWR)(dir)
			if err == nil {
				f.Close()
			}
			return f, err
		}},
		{"dir", func(dir string) (*os.File, error) { return os.Open(filepath.Join(dir, "sd")) }},
	}
	selves := []struct {
		name, path string
		flag       int
		closed     bool
	}{
		{"RDONLY", "self", os.O_RDONLY, false}, {"WRONLY", "self", os.O_WRONLY, false},
		{"RDWR", "self", os.O_RDWR, false}, {"closed", "self", os.O_RDWR, true},
		{"dir", "sd", os.O_RDONLY, false},
	}
	for _, self := range selves {
		for _, other := range others {
			for _, toOther := range []bool{true, false} {
				t.Run(fmt.Sprint(self.name, "-", other.name, "-", toOther), func(t *testing.T) {
					var sigs, offs [2]string
					for i, shm := range []bool{false, true} {
						dir := t.TempDir()
						os.Mkdir(filepath.Join(dir, "sd"), 0755)
						os.WriteFile(filepath.Join(dir, "self"), []byte("self-content"), 0644)
						os.WriteFile(filepath.Join(dir, "other"), []byte("other-content"), 0644)
						var f interface {
							io.ReaderFrom
							io.WriterTo
							io.Seeker
							Close() error
						}
						var err error
						if shm {
							f, err = shmfs.NewFS(dir).OpenFile(self.path, self.flag, 0)
						} else {
							f, err = os.OpenFile(filepath.Join(dir, self.path), self.flag, 0)
						}
						if err != nil {
							t.Fatal(err)
						}
						f.Seek(1, io.SeekStart)
						if self.closed {
							f.Close()
						}
						o, err := other.open(dir)
						if err != nil {
							t.Fatal(err)
						}
						o.Seek(2, io.SeekStart)
						var n int64
						if toOther {
							n, err = f.WriteTo(o)
						} else {
							n, err = f.ReadFrom(o)
						}
						fo, _ := f.Seek(0, io.SeekCurrent)
						oo, _ := o.Seek(0, io.SeekCurrent)
						got, _ := os.ReadFile(filepath.Join(dir, "other"))
						mine, _ := os.ReadFile(filepath.Join(dir, "self"))
						sigs[i] = fmt.Sprint(n, " ", copyErrSig(err))
						offs[i] = fmt.Sprintf("%d %d %q %q", fo, oo, got, mine)
						f.Close()
						o.Close()
					}
					if sigs[0] != sigs[1] || offs[0] != offs[1] {
						t.Errorf("shmfs: %s, %s\n     os: %s, %s", sigs[1], offs[1], sigs[0], offs[0])
					}
				})
			}
		}
	}
}

// TestTruncateNegativeMissing: the package-level Truncate to a negative
// size is EINVAL whether or not the object exists, as os.Truncate's
// truncate(2), which checks the size before it looks the name up (it used
// to say ENOENT for a missing object).
func TestTruncateNegativeMissing(t *testing.T) {
	name := fmt.Sprintf("shmfs-review7-%d-missing", os.Getpid())
	want := os.Truncate("/dev/shm/"+name, -1)
	err := shmfs.Truncate(name, -1)
	var pe *fs.PathError
	if !errors.As(err, &pe) || pe.Op != "truncate" || pe.Path != name || pe.Err != syscall.EINVAL || !errors.Is(want, syscall.EINVAL) {
		t.Errorf("Truncate(%q, -1) = %v; os.Truncate: %v", name, err, want)
	}
}

// TestStreamSocketRefusals: ReadFrom of a stream socket into a File that
// takes no writes, and WriteTo a stream socket from a File that cannot be
// read, fail as *os.File's splice and sendfile do: EBADF in an
// *os.SyscallError naming the call (a TCP source's errors are not the
// *net.OpError of its WriteTo); ReadFrom drains what the socket has, as
// splice does. (They used to return a bare EBADF, or an error inside a
// *net.OpError.)
func TestStreamSocketRefusals(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		for _, c := range []struct {
			name, path string
			flag       int
			closed     bool
			writeTo    bool
		}{
			{"RDONLY", "self", os.O_RDONLY, false, false},
			{"dir", "sd", os.O_RDONLY, false, false},
			{"closed", "self", os.O_RDWR, true, false},
			{"WRONLY", "self", os.O_WRONLY, false, true},
		} {
			t.Run(network+"-"+c.name, func(t *testing.T) {
				var res [2]string
				for i, shm := range []bool{false, true} {
					dir := t.TempDir()
					os.Mkdir(filepath.Join(dir, "sd"), 0755)
					os.WriteFile(filepath.Join(dir, "self"), []byte("self-content"), 0644)
					var f interface {
						io.ReaderFrom
						io.WriterTo
						io.Seeker
						Close() error
					}
					var err error
					if shm {
						f, err = shmfs.NewFS(dir).OpenFile(c.path, c.flag, 0)
					} else {
						f, err = os.OpenFile(filepath.Join(dir, c.path), c.flag, 0)
					}
					if err != nil {
						t.Fatal(err)
					}
					if c.closed {
						f.Close()
					}
					a, b := socketPair(t, network)
					var n int64
					var left []byte
					if c.writeTo {
						n, err = f.WriteTo(a)
					} else {
						b.Write([]byte("socket-data"))
						b.(interface{ CloseWrite() error }).CloseWrite()
						n, err = f.ReadFrom(io.LimitReader(a, 4))
						left, _ = io.ReadAll(a)
					}
					a.Close()
					b.Close()
					f.Close()
					res[i] = fmt.Sprintf("%d %s %q", n, copyErrSig(err), left)
				}
				if res[0] != res[1] {
					t.Errorf("shmfs: %s\n     os: %s", res[1], res[0])
				}
			})
		}
	}
}

// TestWriteToSizeZeroFile: WriteTo an *os.File (a file, a pipe) from a
// file that says size 0 but has content (/proc) writes the content, as
// *os.File's WriteTo does; it used to write nothing.
func TestWriteToSizeZeroFile(t *testing.T) {
	const dir, name = "/proc/sys/kernel", "ostype"
	want, err := os.ReadFile(dir + "/" + name)
	if err != nil || len(want) == 0 {
		t.Skip(err)
	}
	f, err := shmfs.NewFS(dir).OpenFile(name, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dst, err := os.Create(filepath.Join(t.TempDir(), "dst"))
	if err != nil {
		t.Fatal(err)
	}
	defer dst.Close()
	if n, err := f.WriteTo(dst); n != int64(len(want)) || err != nil {
		t.Errorf("WriteTo(file) = %d, %v; want %d, nil", n, err, len(want))
	}
	if got, _ := os.ReadFile(dst.Name()); string(got) != string(want) {
		t.Errorf("WriteTo(file) wrote %q, want %q", got, want)
	}
	f.Seek(0, io.SeekStart)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	read := make(chan []byte)
	go func() { b, _ := io.ReadAll(pr); read <- b }()
	n, err := f.WriteTo(pw)
	pw.Close()
	if got := <-read; n != int64(len(want)) || err != nil || string(got) != string(want) {
		t.Errorf("WriteTo(pipe) = %d, %v, wrote %q; want %d, nil, %q", n, err, got, len(want), want)
	}
}

// TestWriteToTCPUnmapped: WriteTo a TCP socket of bytes the File does not
// map (past the mapping bound of a sparse file) sends the bytes from the
// File's offset; it used to hand the File to the socket's ReadFrom, which
// sendfile'd the whole file from the descriptor's kernel offset.
func TestWriteToTCPUnmapped(t *testing.T) {
	dir := t.TempDir()
	const off = 64<<30 + 4096 // past the 64 GiB mapping bound
	const tail = "tail-data"
	osf, err := os.Create(filepath.Join(dir, "sparse"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := osf.WriteAt([]byte(tail), off); err != nil {
		osf.Close()
		t.Skip("no room for a sparse file that large:", err)
	}
	osf.Close()
	f, err := shmfs.NewFS(dir).OpenFile("sparse", os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	read := make(chan []byte)
	go func() {
		c, err := l.Accept()
		if err != nil {
			read <- nil
			return
		}
		defer c.Close()
		b := make([]byte, 64)
		n, _ := io.ReadAtLeast(c, b, len(tail))
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		k, _ := c.Read(b[n:])
		read <- b[:n+k]
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetWriteDeadline(time.Now().Add(10 * time.Second)) // a regression fails, not hangs
	n, err := f.WriteTo(c)
	c.Close()
	if got := <-read; n != int64(len(tail)) || err != nil || string(got) != tail {
		t.Errorf("WriteTo(tcp) = %d, %v, sent %q; want %d, nil, %q", n, err, got, len(tail), tail)
	}
}

// TestWriteToFileAllocs: WriteTo an *os.File of a mapped file, to its end,
// allocates nothing (the end the size says is the end, unless the size
// says 0).
func TestWriteToFileAllocs(t *testing.T) {
	fsys := shmfs.NewFS(t.TempDir())
	if err := fsys.WriteFile("f", make([]byte, 1<<20), 0644); err != nil {
		t.Fatal(err)
	}
	f, err := fsys.OpenFile("f", os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	allocs := testing.AllocsPerRun(20, func() {
		f.Seek(0, io.SeekStart)
		if n, err := f.WriteTo(null); n != 1<<20 || err != nil {
			t.Fatalf("WriteTo = %d, %v", n, err)
		}
	})
	if allocs > 0 && !raceEnabled {
		t.Errorf("WriteTo allocates %v times", allocs)
	}
}

// TestStreamSocketReadErrors: ReadFrom of a stream socket reports the
// socket's errors as *os.File's splice path does, a *fs.PathError "write"
// on the File (an errno in an *os.SyscallError naming splice), not net's
// *net.OpError: a closed socket, a read deadline, a reset.
func TestStreamSocketReadErrors(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		for _, what := range []string{"closed", "deadline", "reset"} {
			if what == "reset" && network == "unix" {
				continue
			}
			t.Run(network+"-"+what, func(t *testing.T) {
				var res [2]string
				for i, shm := range []bool{false, true} {
					dir := t.TempDir()
					os.WriteFile(filepath.Join(dir, "self"), make([]byte, 4096), 0644)
					var f io.ReaderFrom
					if shm {
						sf, err := shmfs.NewFS(dir).OpenFile("self", os.O_RDWR, 0)
						if err != nil {
							t.Fatal(err)
						}
						defer sf.Close()
						f = sf
					} else {
						of, err := os.OpenFile(filepath.Join(dir, "self"), os.O_RDWR, 0)
						if err != nil {
							t.Fatal(err)
						}
						defer of.Close()
						f = of
					}
					a, b := socketPair(t, network)
					defer b.Close()
					switch what {
					case "closed":
						a.Close()
					case "deadline":
						a.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
					case "reset":
						b.(*net.TCPConn).SetLinger(0)
						b.Close()
						time.Sleep(20 * time.Millisecond)
					}
					n, err := f.ReadFrom(a)
					a.Close()
					res[i] = fmt.Sprint(n, " ", copyErrSig(err))
				}
				if res[0] != res[1] {
					t.Errorf("shmfs: %s\n     os: %s", res[1], res[0])
				}
			})
		}
	}
}

// TestStreamSocketWriteErrors: WriteTo a stream socket fails as *os.File's
// sendfile does: on a socket shut down for writing, EPIPE in an
// *os.SyscallError naming sendfile inside a *fs.PathError "read" on the
// File (not net's *net.OpError); on one past its write deadline, through
// os's copying path, which reads 32 KiB first (the offset moves) and
// fails the write.
func TestStreamSocketWriteErrors(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		for _, what := range []string{"shutdown", "deadline"} {
			t.Run(network+"-"+what, func(t *testing.T) {
				var res [2]string
				for i, shm := range []bool{false, true} {
					dir := t.TempDir()
					os.WriteFile(filepath.Join(dir, "self"), make([]byte, 1<<20), 0644)
					var f interface {
						io.WriterTo
						io.Seeker
					}
					if shm {
						sf, err := shmfs.NewFS(dir).OpenFile("self", os.O_RDONLY, 0)
						if err != nil {
							t.Fatal(err)
						}
						defer sf.Close()
						f = sf
					} else {
						of, err := os.Open(filepath.Join(dir, "self"))
						if err != nil {
							t.Fatal(err)
						}
						defer of.Close()
						f = of
					}
					a, b := socketPair(t, network)
					defer b.Close()
					defer a.Close()
					if what == "shutdown" {
						a.(interface{ CloseWrite() error }).CloseWrite()
					} else {
						a.SetWriteDeadline(time.Now().Add(-time.Second))
					}
					n, err := f.WriteTo(a)
					pos, _ := f.Seek(0, io.SeekCurrent)
					sig := copyErrSig(err)
					if oe, ok := err.(*net.OpError); ok {
						sig = fmt.Sprintf("OpError{%s %s} %v", oe.Op, oe.Net, errors.Is(err, os.ErrDeadlineExceeded))
					}
					res[i] = fmt.Sprint(n, " ", pos, " ", sig)
				}
				if res[0] != res[1] {
					t.Errorf("shmfs: %s\n     os: %s", res[1], res[0])
				}
			})
		}
	}
}
