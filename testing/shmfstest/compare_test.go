package shmfstest_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/shmfs/shmfs/testing/shmfstest"
)

// twin opens two files with the same content in a fresh directory.
func twin(t *testing.T, flag int, content string) (*os.File, *os.File) {
	t.Helper()
	dir := t.TempDir()
	var fs [2]*os.File
	for i := range fs {
		p := filepath.Join(dir, fmt.Sprint(i))
		if err := os.WriteFile(p, []byte(content), 0600); err != nil {
			t.Fatal(err)
		}
		f, err := os.OpenFile(p, flag, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		fs[i] = f
	}
	return fs[0], fs[1]
}

func TestCompareAgrees(t *testing.T) {
	for _, flag := range []int{os.O_RDWR, os.O_RDWR | os.O_APPEND, os.O_RDONLY, os.O_WRONLY} {
		r := rand.New(rand.NewPCG(7, uint64(flag)))
		for i := range 20 {
			a, b := twin(t, flag, strings.Repeat("0123456789", 1000))
			ops := append(shmfstest.RandomOps(r, 40), shmfstest.Op{Kind: shmfstest.OpClose}, shmfstest.Op{Kind: shmfstest.OpClose})
			if err := shmfstest.Compare(a, b, ops); err != nil {
				t.Fatalf("flag %#x, sequence %d: two *os.Files differ: %v\nops: %v", flag, i, err, ops)
			}
		}
	}
}

// planted is an *os.File with one planted difference.
type planted struct {
	*os.File
	read    func(f *os.File, p []byte) (int, error)
	readAt  func(f *os.File, p []byte, off int64) (int, error)
	write   func(f *os.File, p []byte) (int, error)
	seek    func(f *os.File, off int64, whence int) (int64, error)
	trunc   func(f *os.File, size int64) error
	stat    func(f *os.File) (fs.FileInfo, error)
	close   func(f *os.File) error
	writeTo func(f *os.File, w io.Writer) (int64, error)
}

func (p *planted) Read(b []byte) (int, error) {
	if p.read != nil {
		return p.read(p.File, b)
	}
	return p.File.Read(b)
}

func (p *planted) ReadAt(b []byte, off int64) (int, error) {
	if p.readAt != nil {
		return p.readAt(p.File, b, off)
	}
	return p.File.ReadAt(b, off)
}

func (p *planted) Write(b []byte) (int, error) {
	if p.write != nil {
		return p.write(p.File, b)
	}
	return p.File.Write(b)
}

func (p *planted) Seek(off int64, whence int) (int64, error) {
	if p.seek != nil {
		return p.seek(p.File, off, whence)
	}
	return p.File.Seek(off, whence)
}

func (p *planted) Truncate(size int64) error {
	if p.trunc != nil {
		return p.trunc(p.File, size)
	}
	return p.File.Truncate(size)
}

func (p *planted) Stat() (fs.FileInfo, error) {
	if p.stat != nil {
		return p.stat(p.File)
	}
	return p.File.Stat()
}

func (p *planted) Close() error {
	if p.close != nil {
		return p.close(p.File)
	}
	return p.File.Close()
}

func (p *planted) WriteTo(w io.Writer) (int64, error) {
	if p.writeTo != nil {
		return p.writeTo(p.File, w)
	}
	return io.Copy(w, struct{ io.Reader }{p.File})
}

// sizeInfo is a FileInfo that lies about the size.
type sizeInfo struct {
	fs.FileInfo
	size int64
}

func (fi sizeInfo) Size() int64 { return fi.size }

func TestCompareCatches(t *testing.T) {
	rd := func(n int) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpRead, N: n} }
	rat := func(n int, off int64) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpReadAt, N: n, Off: off} }
	w := func(s string) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpWrite, Data: []byte(s)} }
	seek := func(off int64, wh int) shmfstest.Op {
		return shmfstest.Op{Kind: shmfstest.OpSeek, Off: off, Whence: wh}
	}
	trunc := func(n int64) shmfstest.Op { return shmfstest.Op{Kind: shmfstest.OpTruncate, Off: n} }
	stat := shmfstest.Op{Kind: shmfstest.OpStat}
	cl := shmfstest.Op{Kind: shmfstest.OpClose}

	cases := []struct {
		name  string
		plant planted
		ops   []shmfstest.Op
		want  string // in the error
	}{
		{"short read", planted{read: func(f *os.File, p []byte) (int, error) {
			if len(p) > 1 {
				p = p[:len(p)-1]
			}
			return f.Read(p)
		}}, []shmfstest.Op{rd(1), rd(4)}, "op 1 Read(4): n = 3, want 4"},
		{"flipped byte", planted{readAt: func(f *os.File, p []byte, off int64) (int, error) {
			n, err := f.ReadAt(p, off)
			if n > 2 {
				p[2] ^= 1
			}
			return n, err
		}}, []shmfstest.Op{rat(5, 1)}, "op 0 ReadAt(5, 1): bytes differ at 2 of 5"},
		{"EOF with the last bytes", planted{readAt: func(f *os.File, p []byte, off int64) (int, error) {
			n, err := f.ReadAt(p, off)
			if err == nil && off+int64(n) == 10 {
				err = io.EOF
			}
			return n, err
		}}, []shmfstest.Op{rat(3, 7)}, "error EOF (EOF), want <nil> (nil)"},
		{"wrapped EOF", planted{read: func(f *os.File, p []byte) (int, error) {
			n, err := f.Read(p)
			if err == io.EOF {
				err = fmt.Errorf("at end: %w", err)
			}
			return n, err
		}}, []shmfstest.Op{seek(0, io.SeekEnd), rd(1)}, "op 1 Read(1): error"},
		{"error class", planted{write: func(f *os.File, p []byte) (int, error) {
			n, err := f.Write(p)
			if err == nil {
				err = io.ErrShortWrite
			}
			return n, err
		}}, []shmfstest.Op{w("abc")}, "ErrShortWrite"},
		{"errno", planted{trunc: func(f *os.File, size int64) error {
			err := f.Truncate(size)
			var pe *fs.PathError
			if errors.As(err, &pe) {
				pe.Err = syscall.EPERM
			}
			return err
		}}, []shmfstest.Op{trunc(-1)}, "errno=1"},
		{"offset after a write", planted{write: func(f *os.File, p []byte) (int, error) {
			n, err := f.Write(p)
			f.Seek(1, io.SeekCurrent)
			return n, err
		}}, []shmfstest.Op{w("ab")}, "after op 0 Write(2 bytes): offset 3 (<nil>), want 2"},
		{"seek result", planted{seek: func(f *os.File, off int64, whence int) (int64, error) {
			n, err := f.Seek(off, whence)
			if whence == io.SeekEnd {
				n--
			}
			return n, err
		}}, []shmfstest.Op{seek(0, io.SeekEnd)}, "op 0 Seek(0, 2): n = 9, want 10"},
		{"truncate ignored", planted{trunc: func(*os.File, int64) error { return nil }}, []shmfstest.Op{trunc(4)}, "size 10 (<nil>), want 4"},
		{"stale stat", planted{stat: func(f *os.File) (fs.FileInfo, error) {
			fi, err := f.Stat()
			if err != nil {
				return nil, err
			}
			return sizeInfo{fi, 10}, nil
		}}, []shmfstest.Op{w("0123456789abc"), stat}, "op 1 Stat(): stat size=10 type=----------, want size=13 type=----------"},
		{"close twice", planted{close: func(f *os.File) error { f.Close(); return nil }}, []shmfstest.Op{cl, cl}, "op 1 Close(): error <nil> (nil), want"},
		{"writeto bytes", planted{writeTo: func(f *os.File, w io.Writer) (int64, error) {
			n, err := io.Copy(w, struct{ io.Reader }{f})
			w.Write([]byte("!"))
			return n, err
		}}, []shmfstest.Op{{Kind: shmfstest.OpWriteTo}}, "bytes differ at 10 of 10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := twin(t, os.O_RDWR, "0123456789")
			got := c.plant
			got.File = a
			err := shmfstest.Compare(&got, b, c.ops)
			if err == nil {
				t.Fatalf("Compare missed the planted difference")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Compare = %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestCompareOptions(t *testing.T) {
	// A read-only file and a read-write one fail a write differently from
	// nil, and alike under every option; Class sees the errors.
	var seen []error
	opts := []shmfstest.Options{{}, {Coarse: true}, {Class: func(err error) string { seen = append(seen, err); return "x" }}}
	for _, opt := range opts {
		a, b := twin(t, os.O_RDWR, "abc")
		ops := []shmfstest.Op{{Kind: shmfstest.OpTruncate, Off: -1}, {Kind: shmfstest.OpRead, N: 10}, {Kind: shmfstest.OpRead, N: 10}}
		if err := shmfstest.CompareOptions(a, b, ops, opt); err != nil {
			t.Errorf("%+v: %v", opt, err)
		}
	}
	if len(seen) != 2 {
		t.Errorf("Class saw %v, want the two Truncate(-1) errors (not nil, not io.EOF)", seen)
	}

	// Coarse: any two errors agree; Class decides.
	a, b := twin(t, os.O_RDWR, "abc")
	wrong := planted{File: a, trunc: func(*os.File, int64) error { return errors.New("something else") }}
	ops := []shmfstest.Op{{Kind: shmfstest.OpTruncate, Off: -1}}
	if err := shmfstest.CompareOptions(&wrong, b, ops, shmfstest.Options{}); err == nil {
		t.Error("fine Compare missed a different error")
	}
	if err := shmfstest.CompareOptions(&wrong, b, ops, shmfstest.Options{Coarse: true}); err != nil {
		t.Errorf("Coarse: %v", err)
	}
	byPathError := func(err error) string { _, ok := err.(*fs.PathError); return fmt.Sprint(ok) }
	if err := shmfstest.CompareOptions(&wrong, b, ops, shmfstest.Options{Class: byPathError}); err == nil {
		t.Error("Class by *fs.PathError missed a bare error")
	}

	// NoSize skips the final size check.
	a, b = twin(t, os.O_RDWR, "abc")
	lying := planted{File: a, trunc: func(*os.File, int64) error { return nil }}
	ops = []shmfstest.Op{{Kind: shmfstest.OpTruncate, Off: 1}}
	if err := shmfstest.CompareOptions(&lying, b, ops, shmfstest.Options{NoSize: true}); err != nil {
		t.Errorf("NoSize: %v", err)
	}
}

func TestDecodeOpsDeterministic(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		data := make([]byte, r.IntN(400))
		for i := range data {
			data[i] = byte(r.UintN(256))
		}
		keep := bytes.Clone(data)
		a := shmfstest.DecodeOps(data, 30)
		b := shmfstest.DecodeOps(bytes.Clone(data), 30)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("DecodeOps(%x) differs between calls", data)
		}
		if !bytes.Equal(data, keep) {
			t.Fatalf("DecodeOps modified its input")
		}
		if len(a) > 30 {
			t.Fatalf("DecodeOps gave %d ops, more than 30", len(a))
		}
		if want := min((len(data)+7)/8, 30); len(a) != want {
			t.Fatalf("%d bytes decode to %d ops, want %d (8 bytes each)", len(data), len(a), want)
		}
	}
	if ops := shmfstest.DecodeOps(nil, 10); len(ops) != 0 {
		t.Errorf("DecodeOps(nil) = %v", ops)
	}
	if ops := shmfstest.DecodeOps(make([]byte, 100), 0); len(ops) != 0 {
		t.Errorf("DecodeOps(..., 0) = %v", ops)
	}
}

func TestDecodeOpsRange(t *testing.T) {
	// Every kind and whence is reachable; sizes stay below 64 KiB and
	// Truncate below 1 MiB except for its two huge edges; edges show up.
	r := rand.New(rand.NewPCG(3, 4))
	kinds := map[shmfstest.OpKind]bool{}
	whences := map[int]bool{}
	offs := map[int64]bool{}
	for range 20000 {
		for _, op := range shmfstest.RandomOps(r, 1) {
			kinds[op.Kind] = true
			if op.Kind == shmfstest.OpSeek {
				whences[op.Whence] = true
			}
			offs[op.Off] = true
			if op.N < 0 || op.N > math.MaxUint16 || len(op.Data) > math.MaxUint16 {
				t.Fatalf("%v: size out of range", op)
			}
			if op.Kind == shmfstest.OpTruncate && op.Off > 1<<20 && op.Off != 1<<40 && op.Off != math.MaxInt64 {
				t.Fatalf("%v: truncate out of range", op)
			}
			if op.Kind == shmfstest.OpClose {
				t.Fatalf("RandomOps drew Close")
			}
		}
	}
	if len(kinds) != int(shmfstest.OpClose) {
		t.Errorf("kinds drawn: %v, want every kind but Close", kinds)
	}
	for _, wh := range []int{io.SeekStart, io.SeekCurrent, io.SeekEnd, 5, -1} {
		if !whences[wh] {
			t.Errorf("whence %d never drawn", wh)
		}
	}
	for _, off := range []int64{-1, 0, 4095, 4096, 4097, math.MinInt64, math.MaxInt64, 1 << 40} {
		if !offs[off] {
			t.Errorf("offset %d never drawn", off)
		}
	}
	// Close comes from DecodeOps.
	if ops := shmfstest.DecodeOps([]byte{byte(shmfstest.OpClose), 0, 0, 0, 0, 0, 0, 0}, 1); len(ops) != 1 || ops[0].Kind != shmfstest.OpClose {
		t.Errorf("DecodeOps of a Close = %v", ops)
	}
}

func TestErrorClass(t *testing.T) {
	pe := func(op string, err error) error { return &fs.PathError{Op: op, Path: "/some/path", Err: err} }
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, "nil"},
		{io.EOF, "EOF"},
		{fmt.Errorf("wrapped: %w", io.EOF), `*fmt.wrapError "EOF"`},
		{pe("read", fs.ErrClosed), "PathError op=read ErrClosed"},
		{pe("write", syscall.EBADF), "PathError op=write errno=9(bad file descriptor)"},
		{pe("open", syscall.ENOENT), "PathError op=open ErrNotExist errno=2(no such file or directory)"},
		{pe("open", syscall.EEXIST), "PathError op=open ErrExist errno=17(file exists)"},
		{pe("open", syscall.EACCES), "PathError op=open ErrPermission errno=13(permission denied)"},
		{pe("seek", syscall.EINVAL), "PathError op=seek errno=22(invalid argument)"},
		{pe("truncate", errors.ErrUnsupported), "PathError op=truncate ErrUnsupported"},
		{pe("readat", errors.New("negative offset")), `PathError op=readat "negative offset"`},
		{pe("open", fs.ErrInvalid), "PathError op=open ErrInvalid"},
		{io.ErrShortWrite, "*errors.errorString ErrShortWrite"},
		{os.ErrNoDeadline, "*errors.errorString ErrNoDeadline"},
		{syscall.EPERM, "syscall.Errno ErrPermission errno=1(operation not permitted)"},
		{errors.New("os: invalid use of WriteAt on file opened with O_APPEND"), `*errors.errorString "os: invalid use of WriteAt on file opened with O_APPEND"`},
	} {
		if got := shmfstest.ErrorClass(c.err); got != c.want {
			t.Errorf("ErrorClass(%#v) = %q, want %q", c.err, got, c.want)
		}
	}
	// The path is not part of the class.
	a := &fs.PathError{Op: "read", Path: "a", Err: syscall.EIO}
	b := &fs.PathError{Op: "read", Path: "b", Err: syscall.EIO}
	if shmfstest.ErrorClass(a) != shmfstest.ErrorClass(b) {
		t.Errorf("classes of PathErrors differing only by path differ")
	}
	// The op is.
	c := &fs.PathError{Op: "write", Path: "a", Err: syscall.EIO}
	if shmfstest.ErrorClass(a) == shmfstest.ErrorClass(c) {
		t.Errorf("classes of PathErrors with different ops agree")
	}
}
