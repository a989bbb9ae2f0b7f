package fuzzcheck

import (
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/shmfs/shmfs/testing/shmfstest"
)

// TestFixedLikeFile checks the model against *os.File where a fixed size
// makes no difference: no write reaching past the end, no Truncate to
// another size.
func TestFixedLikeFile(t *testing.T) {
	// On tmpfs, as the segments are: a disk file system's size limit
	// (s_maxbytes) refuses offsets that tmpfs and the model take.
	s, err := shmfstest.NewScratch("")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { s.Cleanup() })
	for _, acc := range []int{os.O_RDWR, os.O_RDONLY, os.O_WRONLY} {
		r := rand.New(rand.NewPCG(5, uint64(acc)))
		for i := range 40 {
			size := []int{0, 1, 100, 4096, 11200}[i%5]
			init := Content(size)
			p := s.Path("f")
			if err := os.WriteFile(p, init, 0600); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(p, acc, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ops []shmfstest.Op
			for _, op := range shmfstest.RandomOps(r, 200) {
				switch op.Kind {
				case shmfstest.OpWrite, shmfstest.OpWriteString, shmfstest.OpReadFrom:
					continue
				case shmfstest.OpWriteAt:
					if op.Off >= 0 && op.Off+int64(len(op.Data)) > int64(size) && len(op.Data) > 0 {
						continue
					}
				case shmfstest.OpTruncate:
					op.Off = int64(size)
				}
				ops = append(ops, op)
			}
			ops = append(ops, shmfstest.Op{Kind: shmfstest.OpClose}, shmfstest.Op{Kind: shmfstest.OpClose})
			m := NewFixed("m", init, acc)
			if err := shmfstest.CompareOptions(m, f, ops, shmfstest.Options{Class: SegmentClass}); err != nil {
				t.Fatalf("%s, %d bytes: Fixed differs from *os.File: %v\nops: %v", ModeName(acc), size, err, ops)
			}
		}
	}
}

func TestFixedEdges(t *testing.T) {
	m := NewFixed("m", []byte("0123456789"), os.O_RDWR)
	check := func(what string, n int, err error, wantN int, wantErr string) {
		t.Helper()
		if n != wantN || SegmentClass(err) != wantErr && !(err == nil && wantErr == "nil") && !(err == io.EOF && wantErr == "EOF") {
			t.Errorf("%s = %d, %v (%s); want %d, %s", what, n, err, SegmentClass(err), wantN, wantErr)
		}
	}
	n, err := m.WriteAt([]byte("abcd"), 8)
	check("WriteAt across the end", n, err, 2, "error")
	n, err = m.WriteAt([]byte("x"), 10)
	check("WriteAt at the end", n, err, 0, "error")
	n, err = m.WriteAt(nil, 100)
	check("empty WriteAt past the end", n, err, 0, "nil")
	m.Seek(9, io.SeekStart)
	n, err = m.Write([]byte("yz"))
	check("Write across the end", n, err, 1, "error")
	if pos, _ := m.Seek(0, io.SeekCurrent); pos != 10 {
		t.Errorf("offset after a short Write = %d, want 10", pos)
	}
	if string(m.Bytes()) != "01234567ay" {
		t.Errorf("contents %q", m.Bytes())
	}
	m.Seek(5, io.SeekStart)
	n64, err := m.ReadFrom(strings.NewReader(strings.Repeat("r", 40000)))
	check("ReadFrom across the end", int(n64), err, 5, "error")
	if err := m.Truncate(10); err != nil {
		t.Errorf("Truncate(the size) = %v", err)
	}
	for _, size := range []int64{0, 9, 11, -1} {
		if err := m.Truncate(size); !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("Truncate(%d) = %v, want ErrUnsupported", size, err)
		}
	}
	ro := NewFixed("ro", []byte("abc"), os.O_RDONLY)
	if _, err := ro.Write(nil); !errors.Is(err, errBadFD) {
		t.Errorf("read-only Write(nil) = %v, want EBADF", err)
	}
	if err := ro.Truncate(3); err == nil {
		t.Errorf("read-only Truncate(the size) = nil, want an error as *os.File's")
	}
	m.Close()
	if err := m.Close(); !errors.Is(err, fs.ErrClosed) {
		t.Errorf("second Close = %v", err)
	}
	var pe *fs.PathError
	if _, err := m.Read(make([]byte, 1)); !errors.As(err, &pe) || pe.Op != "read" || pe.Err != fs.ErrClosed {
		t.Errorf("Read after Close = %#v", err)
	}
}

func TestSegmentClass(t *testing.T) {
	pe := func(err error) error { return &fs.PathError{Op: "x", Path: "p", Err: err} }
	for _, c := range []struct {
		err  error
		want string
	}{
		{pe(fs.ErrClosed), "ErrClosed"},
		{pe(errFixedSize), "ErrUnsupported"},
		{pe(errBadFD), "EBADF"},
		{pe(syscall.EINVAL), "error"},
		{pe(errFull), "error"},
		{errors.New("bare"), "error (a *errors.errorString, not an *fs.PathError)"},
	} {
		if got := SegmentClass(c.err); got != c.want {
			t.Errorf("SegmentClass(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

// TestSnapshot checks that the Names oracle sees a change anywhere outside
// the namespace, and none inside.
func TestSnapshot(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"ns", "ns/sub", "out"} {
		os.Mkdir(filepath.Join(root, d), 0755)
	}
	os.WriteFile(filepath.Join(root, "out/f"), []byte("x"), 0644)
	os.Symlink("..", filepath.Join(root, "out/l"))
	before, err := snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "ns/new"), nil, 0644)
	os.WriteFile(filepath.Join(root, "ns/sub/new"), nil, 0644)
	if d := diffSnapshots(before, mustSnapshot(t, root)); d != "" {
		t.Errorf("changes inside ns seen: %s", d)
	}
	for _, change := range []func(){
		func() { os.WriteFile(filepath.Join(root, "out/f"), []byte("y"), 0644) }, // same size
		func() { os.Chmod(filepath.Join(root, "out/f"), 0600) },
		func() { os.WriteFile(filepath.Join(root, "created"), nil, 0644) },
		func() { os.Remove(filepath.Join(root, "out/l")); os.Symlink("/", filepath.Join(root, "out/l")) },
		func() { os.Truncate(filepath.Join(root, "out/f"), 0) },
	} {
		change()
		after := mustSnapshot(t, root)
		if d := diffSnapshots(before, after); d == "" {
			t.Errorf("a change outside ns went unseen")
		}
		before = after
	}
}

func mustSnapshot(t *testing.T, root string) map[string]string {
	t.Helper()
	s, err := snapshot(root)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFSDiffSees checks that the FS differential sees a difference in a
// tree, outside it, beside the twins, and in an error's class, type or
// path.
func TestFSDiffSees(t *testing.T) {
	for _, c := range []struct {
		what   string
		change func(tw *fsTwin) error
	}{
		{"a new file in one twin", func(tw *fsTwin) error { return os.WriteFile(filepath.Join(tw.parents[0], "ns/new"), nil, 0644) }},
		{"a mode", func(tw *fsTwin) error { return os.Chmod(filepath.Join(tw.parents[1], "ns/f"), 0600) }},
		{"a link target", func(tw *fsTwin) error {
			p := filepath.Join(tw.parents[0], "ns/l")
			os.Remove(p)
			return os.Symlink("f", p)
		}},
		{"contents", func(tw *fsTwin) error {
			return os.WriteFile(filepath.Join(tw.parents[1], "ns/d/g"), []byte("changed"), 0644)
		}},
		{"outside", func(tw *fsTwin) error {
			return os.WriteFile(filepath.Join(tw.parents[0], "outside"), []byte("changed"), 0644)
		}},
		{"beside the twins", func(tw *fsTwin) error { return os.WriteFile(filepath.Join(tw.container, "c"), nil, 0644) }},
	} {
		tw, err := newFSTwin(t.TempDir(), FSFixture, "ns")
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.compareTrees(); err != nil {
			t.Errorf("fresh twins differ: %v", err)
		}
		if err := c.change(tw); err != nil {
			t.Fatal(err)
		}
		if err := tw.compareTrees(); err == nil {
			t.Errorf("%s: unseen", c.what)
		}
		if err := tw.cleanup(); err != nil {
			t.Error(err)
		}
	}
	pe := func(path string, err error) error { return &fs.PathError{Op: "x", Path: path, Err: err} }
	for _, c := range []struct{ got, want error }{
		{pe("a", syscall.ENOENT), pe("a", syscall.EEXIST)},
		{pe("a", syscall.ENOENT), nil},
		{nil, pe("a", errEscapes())},
		{pe("a", syscall.ENOENT), pe("b", syscall.ENOENT)},
		{pe("a", syscall.ENOENT), &os.LinkError{Op: "x", Old: "a", New: "b", Err: syscall.ENOENT}},
		{&os.LinkError{Op: "x", Old: "a", New: "c", Err: syscall.ENOENT}, &os.LinkError{Op: "x", Old: "a", New: "b", Err: syscall.ENOENT}},
		{pe("a", errors.New("x")), pe("a", fs.ErrClosed)},
	} {
		if err := same("call", c.got, c.want); err == nil {
			t.Errorf("same(%v, %v) = nil", c.got, c.want)
		}
	}
	if err := same("call", pe("a", syscall.ENOENT), pe("a", fs.ErrNotExist)); err == nil {
		t.Errorf("an errno and its io/fs class are not the same class")
	}
	if err := same("call", pe("a", errors.New("x")), pe("a", errors.New("y"))); err != nil {
		t.Errorf("two unclassed errors: %v", err)
	}
}

func TestDecodeFS(t *testing.T) {
	if ops := DecodeFS(nil, 10); len(ops) != 0 {
		t.Errorf("DecodeFS(nil) = %v", ops)
	}
	ops := DecodeFS([]byte{byte(FSRename), 3, 0, 0xe3, 'a', '/', 'b', 0x3f, 2}, 10)
	if len(ops) != 1 || ops[0].Kind != FSRename || ops[0].View != 3 || ops[0].Name != FSNames[0] || ops[0].Name2 != "a/b" ||
		ops[0].Flag != os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_TRUNC|os.O_APPEND || ops[0].Perm != perms[2] {
		t.Errorf("DecodeFS = %+v", ops)
	}
	if ops := DecodeFS(make([]byte, 6*20), 7); len(ops) != 7 {
		t.Errorf("DecodeFS with max 7 gave %d ops", len(ops))
	}
	for _, c := range FSTable {
		got := DecodeFS(EncodeFS(c.Ops), len(c.Ops)+1)
		if len(got) != len(c.Ops) {
			t.Fatalf("%s: %d ops decode from its %d", c.Name, len(got), len(c.Ops))
		}
		for i, op := range c.Ops {
			g := got[i]
			wantName2 := op.Name2
			if len(wantName2) > 31 && !slices.Contains(FSNames, wantName2) {
				wantName2 = FSNames[0]
			}
			if g.Kind != op.Kind || g.View != op.View || g.Name != op.Name || g.Name2 != wantName2 {
				t.Errorf("%s op %d: %v encodes and decodes to %v", c.Name, i, op, g)
			}
			if op.Kind == FSOpenFile && g.Flag != op.Flag {
				t.Errorf("%s op %d: flag %s decodes as %s", c.Name, i, ModeName(op.Flag), ModeName(g.Flag))
			}
		}
	}
	if err := FSInput("", "", make([]byte, MaxFSInput+1)); !errors.Is(err, ErrSkip) {
		t.Errorf("FSInput of a too long input = %v, want ErrSkip", err)
	}
}

func TestPosixValid(t *testing.T) {
	long := strings.Repeat("n", 255)
	for name, want := range map[string]bool{
		"a": true, "/a": true, "//a": false, "": false, "/": false, ".": false, "/.": false, "..": false,
		"/..": false, "...": true, "a/b": false, "a\x00": false, long: true, "/" + long: true, long + "n": false,
	} {
		if got := posixValid(name); got != want {
			t.Errorf("posixValid(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDecodeOpsInput(t *testing.T) {
	s, steps := DecodeOpsInput(nil)
	if s.Flag != os.O_RDWR || s.Missing || s.InitLen != 0 || s.Route != RouteOpen || len(steps) != 0 {
		t.Errorf("DecodeOpsInput(nil) = %+v, %v", s, steps)
	}
	for b, want := range map[byte]int{0x00: RouteOpen, '0': RouteOpen, '9': RouteOpen, 0x13: RouteNewFile, 0x2f: RouteMemFile, 'a': RouteMemFile} {
		if s, _ := DecodeOpsInput([]byte{b}); s.Route != want {
			t.Errorf("route of %#x = %d, want %d", b, s.Route, want)
		}
	}
	// A peer step needs both the bit and a peer's kind.
	peerWrite := []byte{0, 0, 0x80 + (byte(shmfstest.OpWriteAt)+4)%12, 3, 0, 0, 0, 0, 10, 0}
	peerRead := []byte{0, 0, 0x80 + (byte(shmfstest.OpRead)+4)%12, 0, 0, 0, 0, 0, 10, 0}
	if _, st := DecodeOpsInput(peerWrite); len(st) != 1 || !st[0].Peer || st[0].Kind != shmfstest.OpWriteAt {
		t.Errorf("peer WriteAt decodes to %v", st)
	}
	if _, st := DecodeOpsInput(peerRead); len(st) != 1 || st[0].Peer || st[0].Kind != shmfstest.OpRead {
		t.Errorf("peer-bit Read decodes to %v", st)
	}
	if err := Ops(make([]byte, MaxOpsInput+1)); !errors.Is(err, ErrSkip) {
		t.Errorf("Ops of a too long input = %v, want ErrSkip", err)
	}
}
