//go:build linux

package shmfs_test

// Tests of fdpass_linux.go: SendFile and ReceiveFile, within one process and
// between two. The memory files they pass are made by memfd_test.go's
// helpers; the peer tests of seals are in memfd_test.go.

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
	"golang.org/x/sys/unix"
)

// mfSocketpair returns the two ends of a Unix socket pair of type typ.
func mfSocketpair(t testing.TB, typ int) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var conns [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
		conns[i].SetDeadline(time.Now().Add(20 * time.Second)) // a receiver waiting for bytes that never come fails
		t.Cleanup(func() { c.Close() })
	}
	return conns[0], conns[1]
}

func TestSendReceive(t *testing.T) {
	for _, typ := range []struct {
		name string
		typ  int
	}{{"stream", unix.SOCK_STREAM}, {"dgram", unix.SOCK_DGRAM}, {"seqpacket", unix.SOCK_SEQPACKET}} {
		t.Run(typ.name, func(t *testing.T) {
			a, b := mfSocketpair(t, typ.typ)
			f := mfNew(t, "sent-"+typ.name)
			f.WriteString("over the socket")
			if err := shmfs.SendFile(a, f); err != nil {
				t.Fatal(err)
			}
			g, err := shmfs.ReceiveFile(b)
			if err != nil {
				t.Fatal(err)
			}
			defer g.Close()
			if g.Name() != f.Name() {
				t.Errorf("received Name %q, want %q", g.Name(), f.Name())
			}
			if got := mfRead(t, g); got != "over the socket" {
				t.Errorf("received File reads %q", got)
			}
			g.WriteAt([]byte("OVER"), 0)
			if got := mfRead(t, f); got != "OVER the socket" {
				t.Errorf("sender reads %q after the receiver wrote", got)
			}
			if fl, err := unix.FcntlInt(g.Fd(), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
				t.Errorf("received descriptor is not close-on-exec")
			}
		})
	}
	t.Run("many in a row", func(t *testing.T) {
		a, b := mfSocketpair(t, unix.SOCK_STREAM)
		const n = 50
		for i := range n {
			f, err := shmfs.MemFile(fmt.Sprintf("file-%d", i))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "content %d", i)
			if err := shmfs.SendFile(a, f); err != nil {
				t.Fatal(err)
			}
			f.Close() // the message holds the file now
		}
		// Bytes after the last file must stay in the socket.
		a.Write([]byte("trailer"))
		for i := range n {
			g, err := shmfs.ReceiveFile(b)
			if err != nil {
				t.Fatalf("file %d: %v", i, err)
			}
			if g.Name() != fmt.Sprintf("file-%d", i) || mfRead(t, g) != fmt.Sprintf("content %d", i) {
				t.Errorf("file %d arrived as %q holding %q", i, g.Name(), mfRead(t, g))
			}
			g.Close()
		}
		buf := make([]byte, 7)
		if _, err := io.ReadFull(b, buf); err != nil || string(buf) != "trailer" {
			t.Errorf("after the files: %q, %v", buf, err)
		}
	})
	t.Run("long name", func(t *testing.T) {
		a, b := mfSocketpair(t, unix.SOCK_STREAM)
		dir := t.TempDir()
		name := filepath.Join(dir, strings.Repeat("d", 200), strings.Repeat("n", 200))
		os.MkdirAll(filepath.Dir(name), 0700)
		os.WriteFile(name, []byte("deep"), 0600)
		f, err := shmfs.NewFS(dir).OpenFile(strings.TrimPrefix(name, dir+"/"), os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := shmfs.SendFile(a, f); err != nil {
			t.Fatal(err)
		}
		g, err := shmfs.ReceiveFile(b)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		if g.Name() != f.Name() || mfRead(t, g) != "deep" {
			t.Errorf("received %q holding %q", g.Name(), mfRead(t, g))
		}
	})
	t.Run("private view passes the object", func(t *testing.T) {
		a, b := mfSocketpair(t, unix.SOCK_STREAM)
		name := "/" + scratch(t, "").Name("memfd-privsend")
		o, err := shmfs.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { o.Close(); shmfs.Remove(name) })
		o.WriteString("object")
		p, err := shmfs.OpenFile(name, os.O_RDWR|shmfs.O_PRIVATE, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		p.WriteAt([]byte("PRIVAT"), 0)
		if err := shmfs.SendFile(a, p); err != nil {
			t.Fatal(err)
		}
		g, err := shmfs.ReceiveFile(b)
		if err != nil {
			t.Fatal(err)
		}
		defer g.Close()
		if got := mfRead(t, g); got != "object" {
			t.Errorf("received File of a private view reads %q, want the object's bytes", got)
		}
	})
}

func TestSendReceiveErrors(t *testing.T) {
	a, b := mfSocketpair(t, unix.SOCK_STREAM)
	f := mfNew(t, "errs")
	var nilFile *shmfs.File
	if err := shmfs.SendFile(a, nilFile); err != fs.ErrInvalid {
		t.Errorf("SendFile(nil File) = %v", err)
	}
	if err := shmfs.SendFile(nil, f); err == nil {
		t.Errorf("SendFile(nil conn) succeeded")
	}
	if _, err := shmfs.ReceiveFile(nil); err == nil {
		t.Errorf("ReceiveFile(nil conn) succeeded")
	}
	g := mfNew(t, "closed")
	g.Close()
	mfWantErr(t, "SendFile of a closed File", shmfs.SendFile(a, g), "send", fs.ErrClosed)

	// A message without a descriptor.
	a.Write([]byte{0, 1, 'x'})
	_, err := shmfs.ReceiveFile(b)
	t.Logf("ReceiveFile of a message without a descriptor: %v", err)
	if err == nil {
		t.Errorf("ReceiveFile of a message without a descriptor succeeded")
	}

	// Two descriptors: refused, and both closed.
	r1, w1, _ := os.Pipe()
	r2, w2, _ := os.Pipe()
	defer w1.Close()
	defer w2.Close()
	a.WriteMsgUnix([]byte{0, 0}, unix.UnixRights(int(r1.Fd()), int(r2.Fd())), nil)
	r1.Close()
	r2.Close()
	_, err = shmfs.ReceiveFile(b)
	t.Logf("ReceiveFile of two descriptors: %v", err)
	if err == nil {
		t.Errorf("ReceiveFile of two descriptors succeeded")
	}
	if !mfPipeClosed(w1) || !mfPipeClosed(w2) {
		t.Errorf("ReceiveFile kept a descriptor it refused")
	}

	// A descriptor that is not a regular file: refused, and closed.
	r3, w3, _ := os.Pipe()
	defer w3.Close()
	a.WriteMsgUnix([]byte{0, 1, 'p'}, unix.UnixRights(int(r3.Fd())), nil)
	r3.Close()
	_, err = shmfs.ReceiveFile(b)
	mfWantErr(t, "ReceiveFile of a pipe", err, "open", shmfs.ErrNotRegular)
	if !mfPipeClosed(w3) {
		t.Errorf("ReceiveFile kept the pipe it refused")
	}

	// The same with a payload that is not SendFile's header.
	r4, w4, _ := os.Pipe()
	defer w4.Close()
	a.WriteMsgUnix([]byte{9}, unix.UnixRights(int(r4.Fd())), nil)
	r4.Close()
	_, err = shmfs.ReceiveFile(b)
	mfWantErr(t, "ReceiveFile of a pipe with a one-byte payload", err, "open", shmfs.ErrNotRegular)
	if !mfPipeClosed(w4) {
		t.Errorf("ReceiveFile kept the pipe it refused")
	}

	// The peer hangs up.
	a.Close()
	if _, err := shmfs.ReceiveFile(b); err != io.EOF {
		t.Errorf("ReceiveFile after the peer closed = %v, want io.EOF", err)
	}
}

// TestReceiveForeign: ReceiveFile takes any message with exactly one
// descriptor, as other programs send it (Python's
// socket.send_fds(s, [b"x"], [fd]), C's sendmsg with one SCM_RIGHTS): a
// payload that is not exactly SendFile's header is no name, and the File is
// named as the kernel names the descriptor.
func TestReceiveForeign(t *testing.T) {
	s := scratch(t, "")
	objName := s.Name("foreign")
	obj, err := shmfs.Create("/" + objName)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	obj.WriteString("sent by another program")
	kernelName := "/dev/shm/" + objName // readlink /proc/self/fd/N

	long := bytes.Repeat([]byte("p"), 5000) // more than ReceiveFile reads
	for _, typ := range []struct {
		name string
		typ  int
	}{{"stream", unix.SOCK_STREAM}, {"dgram", unix.SOCK_DGRAM}, {"seqpacket", unix.SOCK_SEQPACKET}} {
		for _, c := range []struct {
			name    string
			payload []byte
			want    string // the received Name
			rest    int    // payload bytes left in a stream socket
		}{
			{"one byte (send_fds)", []byte("x"), kernelName, 0},
			{"one zero byte", []byte{0}, kernelName, 0},
			{"little-endian int", []byte{1, 0, 0, 0}, kernelName, 0},
			{"header longer than the payload", []byte{0, 5, 'a', 'b', 'c'}, kernelName, 0},
			{"payload longer than the header", []byte{0, 2, 'o', 'k', '!'}, kernelName, 0},
			{"text", []byte("hello"), kernelName, 0},
			{"empty name", []byte{0, 0}, kernelName, 0},
			{"SendFile's header", []byte{0, 3, 'a', 'b', 'c'}, "abc", 0},
			{"5000 bytes", long, kernelName, len(long) - 4098},
		} {
			t.Run(typ.name+"/"+c.name, func(t *testing.T) {
				a, b := mfSocketpair(t, typ.typ)
				// A duplicate, sent with unix.UnixRights as
				// socket.send_fds would send it.
				fd, err := unix.FcntlInt(obj.Fd(), unix.F_DUPFD_CLOEXEC, 0)
				if err != nil {
					t.Fatal(err)
				}
				n, oobn, err := a.WriteMsgUnix(c.payload, unix.UnixRights(fd), nil)
				unix.Close(fd)
				if err != nil || n != len(c.payload) || oobn == 0 {
					t.Fatalf("WriteMsgUnix: %d, %d, %v", n, oobn, err)
				}
				// SendFile's own message right behind it must
				// arrive intact: ReceiveFile read no byte of it.
				follow := mfNew(t, "follows")
				follow.WriteString("second")
				if err := shmfs.SendFile(a, follow); err != nil {
					t.Fatal(err)
				}

				g, err := shmfs.ReceiveFile(b)
				if err != nil {
					t.Fatalf("ReceiveFile of %q (%d bytes): %v", c.payload[:min(len(c.payload), 8)], len(c.payload), err)
				}
				defer g.Close()
				if g.Name() != c.want {
					t.Errorf("received Name %q, want %q", g.Name(), c.want)
				}
				if got := mfRead(t, g); got != "sent by another program" {
					t.Errorf("received File reads %q", got)
				}
				if typ.typ == unix.SOCK_STREAM && c.rest > 0 {
					rest := make([]byte, c.rest)
					if _, err := io.ReadFull(b, rest); err != nil || !bytes.Equal(rest, long[len(long)-c.rest:]) {
						t.Fatalf("the rest of the payload: %v", err)
					}
				}
				h, err := shmfs.ReceiveFile(b)
				if err != nil {
					t.Fatalf("SendFile's message after it: %v", err)
				}
				defer h.Close()
				if h.Name() != "follows" || mfRead(t, h) != "second" {
					t.Errorf("SendFile's message after it arrived as %q holding %q", h.Name(), mfRead(t, h))
				}
			})
		}
	}

	// A memory file sent without a name is named as /proc shows it.
	a, b := mfSocketpair(t, unix.SOCK_SEQPACKET)
	m := mfNew(t, "frame")
	m.WriteString("memfd")
	if _, _, err := a.WriteMsgUnix([]byte("x"), unix.UnixRights(int(m.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	g, err := shmfs.ReceiveFile(b)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if g.Name() != "/memfd:frame (deleted)" || mfRead(t, g) != "memfd" {
		t.Errorf("a memory file sent without a name arrived as %q holding %q", g.Name(), mfRead(t, g))
	}
}

// TestSendReceiveLongestName: SendFile's longest name (4096 bytes, with
// its header 4098 bytes) arrives whole in one ReceiveFile, on every socket
// type, and one byte more is refused by SendFile.
func TestSendReceiveLongestName(t *testing.T) {
	for _, typ := range []int{unix.SOCK_STREAM, unix.SOCK_DGRAM, unix.SOCK_SEQPACKET} {
		a, b := mfSocketpair(t, typ)
		m := mfNew(t, "longest")
		m.WriteString("long")
		name := strings.Repeat("n", 4096)
		fd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f, err := shmfs.NewFile(uintptr(fd), name)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := shmfs.SendFile(a, f); err != nil {
			t.Fatal(err)
		}
		g, err := shmfs.ReceiveFile(b)
		if err != nil {
			t.Fatal(err)
		}
		if g.Name() != name || mfRead(t, g) != "long" {
			t.Errorf("socket type %d: received a name of %d bytes holding %q", typ, len(g.Name()), mfRead(t, g))
		}
		g.Close()

		fd, err = unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		f2, err := shmfs.NewFile(uintptr(fd), name+"n")
		if err != nil {
			t.Fatal(err)
		}
		defer f2.Close()
		mfWantErr(t, "SendFile of a 4097-byte name", shmfs.SendFile(a, f2), "send", syscall.ENAMETOOLONG)
	}
}

// pythonPeer is a Python program that speaks SendFile's format as the
// README describes it: it receives a descriptor with socket.recv_fds, takes
// the name from the two-byte big-endian length and the bytes after it,
// checks the content, writes after it, and sends back a memory file of its
// own with socket.send_fds(s, [b"x"], [fd]), the common convention.
const pythonPeer = `
import os, socket, sys
s = socket.socket(fileno=3)
msg, fds, flags, addr = socket.recv_fds(s, 2 + 4096, 1)
assert len(fds) == 1, fds
n = int.from_bytes(msg[:2], "big")
assert len(msg) == 2 + n, msg
name = msg[2:].decode()
fd = fds[0]
got = os.pread(fd, 100, 0)
assert got == sys.argv[1].encode(), got
os.pwrite(fd, b" and Python's reply", len(got))
os.close(fd)
m = os.memfd_create("from-python")
os.write(m, ("python got " + name).encode())
socket.send_fds(s, [b"x"], [m])
`

// TestPythonPeer: a Python peer receives what SendFile sends and sends a
// descriptor back the way Python programs do (skipped without Python 3.9,
// which has socket.send_fds and recv_fds).
func TestPythonPeer(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	if err := exec.Command(python, "-c", "import socket, sys; sys.exit(not hasattr(socket, 'send_fds'))").Run(); err != nil {
		t.Skipf("python3 has no socket.send_fds (Python 3.9): %v", err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "go"), os.NewFile(uintptr(fds[1]), "python")
	cmd := exec.Command(python, "-c", pythonPeer, "from Go")
	cmd.ExtraFiles = []*os.File{theirs}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	c, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		t.Fatal(err)
	}
	conn := c.(*net.UnixConn)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))

	f := mfNew(t, "to-python")
	f.WriteString("from Go")
	if err := shmfs.SendFile(conn, f); err != nil {
		t.Fatal(err)
	}
	g, err := shmfs.ReceiveFile(conn)
	if err != nil {
		cmd.Wait()
		t.Fatalf("ReceiveFile from Python: %v\n%s", err, stderr.String())
	}
	defer g.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	if got := mfRead(t, f); got != "from Go and Python's reply" {
		t.Errorf("after Python wrote: %q", got)
	}
	if g.Name() != "/memfd:from-python (deleted)" || mfRead(t, g) != "python got to-python" {
		t.Errorf("Python's file arrived as %q holding %q", g.Name(), mfRead(t, g))
	}
}

// Two processes. The child end of a socket pair is the child's descriptor 3.

// childMemfdEcho is the child memfd-echo WANT REPLY: receive a File that
// must hold WANT, write REPLY after it, then send back a sealed MemFile of
// its own.
func childMemfdEcho(args []string) error {
	conn, err := mfChildConn()
	if err != nil {
		return err
	}
	f, err := shmfs.ReceiveFile(conn)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil || string(b) != args[0] {
		return fmt.Errorf("received File holds %q, %v; want %q", b, err, args[0])
	}
	if _, err := f.Write([]byte(args[1])); err != nil {
		return err
	}
	g, err := shmfs.MemFile("from-child")
	if err != nil {
		return err
	}
	g.WriteString("child's own memory")
	if err := g.Seal(shmfs.SealShrink | shmfs.SealGrow | shmfs.SealWrite | shmfs.SealSeal); err != nil {
		return err
	}
	if err := shmfs.SendFile(conn, g); err != nil {
		return err
	}
	return g.Close() // the parent's copy keeps it alive
}

func mfChildConn() (*net.UnixConn, error) {
	f := os.NewFile(3, "conn")
	c, err := net.FileConn(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, fmt.Errorf("descriptor 3 is a %T", c)
	}
	uc.SetDeadline(time.Now().Add(time.Minute))
	return uc, nil
}

// mfPeer starts the child called name with one end of a socket pair as its
// descriptor 3 and returns the other end, and a function that waits for
// the child and returns its standard output.
func mfPeer(t *testing.T, name string, args ...string) (*net.UnixConn, func() string) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "parent"), os.NewFile(uintptr(fds[1]), "child")
	cmd := shmfstest.Command(name, args...)
	cmd.ExtraFiles = []*os.File{theirs}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	c, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		t.Fatal(err)
	}
	conn := c.(*net.UnixConn)
	conn.SetDeadline(time.Now().Add(time.Minute))
	t.Cleanup(func() { conn.Close() })
	return conn, func() string {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("child %s: %v\n%s", name, err, stderr.String())
		}
		return stdout.String()
	}
}

func TestFDPassingTwoProcesses(t *testing.T) {
	conn, wait := mfPeer(t, "memfd-echo", "from the parent", ", and the child's reply")
	f := mfNew(t, "to-child")
	f.WriteString("from the parent")
	if err := shmfs.SendFile(conn, f); err != nil {
		t.Fatal(err)
	}
	g, err := shmfs.ReceiveFile(conn)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	wait()
	if got := mfRead(t, f); got != "from the parent, and the child's reply" {
		t.Errorf("after the child wrote: %q", got)
	}
	// The child's file outlives the child: this process holds it.
	const need = shmfs.SealShrink | shmfs.SealGrow | shmfs.SealWrite | shmfs.SealSeal
	if s, err := g.Seals(); err != nil || s&need != need {
		t.Errorf("the child's file has seals %#x, %v", s, err)
	}
	if g.Name() != "from-child" || mfRead(t, g) != "child's own memory" {
		t.Errorf("the child's file: %q holds %q", g.Name(), mfRead(t, g))
	}
	_, err = g.WriteAt([]byte("x"), 0)
	mfWantErr(t, "write into the child's sealed file", err, "write", fs.ErrPermission)
}
