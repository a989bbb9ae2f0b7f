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
	"path/filepath"
	"strings"
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
	t.Logf("ReceiveFile of a pipe: %v", err)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("ReceiveFile of a pipe = %v", err)
	}
	if !mfPipeClosed(w3) {
		t.Errorf("ReceiveFile kept the pipe it refused")
	}

	// A descriptor with a frame that does not parse: refused, and closed.
	r4, w4, _ := os.Pipe()
	defer w4.Close()
	a.WriteMsgUnix([]byte{9}, unix.UnixRights(int(r4.Fd())), nil)
	r4.Close()
	_, err = shmfs.ReceiveFile(b)
	t.Logf("ReceiveFile of a malformed message: %v", err)
	if err == nil {
		t.Errorf("ReceiveFile of a malformed message succeeded")
	}

	// The peer hangs up.
	a.Close()
	if _, err := shmfs.ReceiveFile(b); err != io.EOF {
		t.Errorf("ReceiveFile after the peer closed = %v, want io.EOF", err)
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
