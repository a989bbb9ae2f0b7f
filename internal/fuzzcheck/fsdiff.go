//go:build !plan9

package fuzzcheck

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/shmfs/shmfs"
)

// The FS differential: the same operations on a *shmfs.FS and on an
// *os.Root over twin directories, compared one by one (error class, error
// type and path, results) and, every few operations, as whole trees.
//
// The oracle is os.Root itself, with three rules from shmfs's contract
// where os.Root would do otherwise:
//
//   - The io/fs methods (Open, Stat, Lstat, ReadDir, ReadFile, ReadLink,
//     Sub) refuse a name that is not fs.ValidPath, or that holds a NUL, with
//     fs.ErrInvalid (os.Root.FS passes a NUL on to the system: EINVAL).
//   - Nothing but a regular file or a directory is opened: a FIFO, a device
//     or a socket is refused (with an error that is no errno or io/fs class)
//     without blocking, where os.Root would block on a FIFO. The oracle opens
//     with O_NONBLOCK and refuses what it opened if it is anything else.
//   - OpenRoot of a name that resolves to something other than a directory
//     fails with ENOTDIR (os.Root says "not a directory" without an errno,
//     and blocks on a FIFO).

func fsRunFixture(base string, fixture []FixtureEntry, rootRel string, ops []FSOp, treeEvery int) (err error) {
	t, err := newFSTwin(base, fixture, rootRel)
	if err != nil {
		return skipf("setup: %v", err)
	}
	defer func() {
		if cerr := t.cleanup(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	for i, op := range ops {
		if err := t.step(op); err != nil {
			return fmt.Errorf("op %d %v: %w\n%s", i, op, err, lastOps(ops[:i+1]))
		}
		if treeEvery > 0 && (i+1)%treeEvery == 0 {
			if err := t.compareTrees(); err != nil {
				return fmt.Errorf("after op %d %v: %w\n%s", i, op, err, lastOps(ops[:i+1]))
			}
		}
	}
	if err := t.compareTrees(); err != nil {
		return fmt.Errorf("at the end: %w\n%s", err, lastOps(ops))
	}
	return nil
}

// lastOps spells the last ops of a sequence, for an error message.
func lastOps(ops []FSOp) string {
	const n = 40
	if len(ops) <= n {
		return fmt.Sprintf("ops: %v", ops)
	}
	return fmt.Sprintf("ops (the last %d of %d): %v", n, len(ops), ops[len(ops)-n:])
}

// fsTwin is a pair of twin trees and the namespaces open on them.
type fsTwin struct {
	container string    // holds the twins, and nothing else
	parents   [2]string // the twins' directories (a: shmfs, b: os)
	rootRel   string    // the namespace, relative to each parent
	a         []*shmfs.FS
	b         []*os.Root
	outside   [2]map[string]string // what is outside the namespace, at the start
}

func newFSTwin(base string, fixture []FixtureEntry, rootRel string) (t *fsTwin, err error) {
	t = &fsTwin{rootRel: rootRel}
	defer func() {
		if err != nil {
			t.cleanup()
		}
	}()
	// The prefix is shmfstest.Scratch's, so that a test binary's check for
	// what it left in /dev/shm sees a twin left behind.
	t.container, err = os.MkdirTemp(base, fmt.Sprintf("shmfstest-%d-fsdiff-", os.Getpid()))
	if err != nil {
		return t, err
	}
	for i := range t.parents {
		p := filepath.Join(t.container, "ab"[i:i+1])
		if err := os.Mkdir(p, 0755); err != nil {
			return t, err
		}
		t.parents[i] = p
		if err := buildFixture(p, fixture); err != nil {
			return t, err
		}
		if t.outside[i], err = snapshotTree(p, rootRel, false); err != nil {
			return t, err
		}
	}
	t.a = []*shmfs.FS{shmfs.NewFS(filepath.Join(t.parents[0], rootRel))}
	r, err := os.OpenRoot(filepath.Join(t.parents[1], rootRel))
	if err != nil {
		return t, err
	}
	t.b = []*os.Root{r}
	return t, nil
}

func buildFixture(parent string, fixture []FixtureEntry) error {
	for _, e := range fixture {
		p := filepath.Join(parent, e.Path)
		var err error
		switch e.Kind {
		case "file":
			err = os.WriteFile(p, []byte(e.Arg), 0644)
		case "dir":
			err = os.Mkdir(p, 0755)
		case "fifo":
			if err = mkfifo(p); errors.Is(err, errors.ErrUnsupported) {
				err = nil
			}
		case "symlink":
			err = os.Symlink(strings.Replace(e.Arg, "ROOT", parent, 1), p)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// cleanup closes every namespace and removes both twins (making every
// directory writable first, for a run that is not root's).
func (t *fsTwin) cleanup() error {
	for _, a := range t.a {
		a.Close()
	}
	for _, b := range t.b {
		b.Close()
	}
	if t.container == "" {
		return nil
	}
	filepath.WalkDir(t.container, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(q, 0700)
		}
		return nil
	})
	return os.RemoveAll(t.container)
}

// compareTrees compares the two namespaces' trees, and checks that nothing
// outside them changed.
func (t *fsTwin) compareTrees() error {
	if err := onlyEntries(t.container, "a", "b"); err != nil {
		return err
	}
	var trees [2]map[string]string
	for i, p := range t.parents {
		out, err := snapshotTree(p, t.rootRel, false)
		if err != nil {
			return err
		}
		if d := diffSnapshots(t.outside[i], out); d != "" {
			return fmt.Errorf("outside the namespace (%s): %s", "ab"[i:i+1], d)
		}
		if trees[i], err = snapshotTree(p, t.rootRel, true); err != nil {
			return err
		}
	}
	if d := diffSnapshots(trees[1], trees[0]); d != "" {
		return fmt.Errorf("the trees differ (from os.Root's to shmfs's): %s", d)
	}
	return nil
}

// snapshotTree describes the files under parent/rootRel (inside) or those
// under parent but outside it: type, mode, owner, size and a hash of a
// file's bytes or a link's target (with parent spelled ROOT).
func snapshotTree(parent, rootRel string, inside bool) (map[string]string, error) {
	top := parent
	if inside {
		top = filepath.Join(parent, rootRel)
	}
	snap := map[string]string{}
	err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(top, p)
		if !inside && rel == rootRel {
			return filepath.SkipDir
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v %s", fi.Mode(), owner(fi))
		switch fi.Mode().Type() {
		case 0:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" size=%d sha256=%x", fi.Size(), sha256.Sum256(b))
			if fi.ModTime().Year() < 2005 {
				desc += " mtime=" + fi.ModTime().UTC().Format(time.RFC3339Nano)
			}
		case fs.ModeSymlink:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + strings.ReplaceAll(l, parent, "ROOT")
		}
		snap[rel] = desc
		return nil
	})
	return snap, err
}

// view returns the namespaces op.View picks.
func (t *fsTwin) view(i int) (*shmfs.FS, *os.Root) {
	i %= len(t.a)
	return t.a[i], t.b[i]
}

// errNotRegularOracle is the oracle's refusal of what is neither a regular
// file nor a directory; shmfs's own error is of the same class (none).
var errNotRegularOracle = errors.New("oracle: not a regular file or a directory")

// osOpen is the oracle's OpenFile: os.Root's, with O_NONBLOCK, and only
// regular files and directories.
func osOpen(r *os.Root, name string, flag int, perm fs.FileMode) (*os.File, error) {
	f, err := r.OpenFile(name, flag|oNonblock, perm)
	if err != nil {
		if errors.Is(err, syscall.ENXIO) {
			err = &fs.PathError{Op: "open", Path: name, Err: errNotRegularOracle}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: name, Err: errNotRegularOracle}
	}
	return f, nil
}

// fsInvalid is the oracle's answer for a name an io/fs method refuses.
func fsInvalid(name string) error {
	if validName(name) {
		return nil
	}
	return &fs.PathError{Op: "fs", Path: name, Err: fs.ErrInvalid}
}

func validName(name string) bool { return fs.ValidPath(name) && !strings.Contains(name, "\x00") }

// FSClass is an error's class, as the FS differential compares it: nil,
// io.EOF, os.Root's escape error, an errno, an io/fs class, or "other".
func FSClass(err error) string {
	var errno syscall.Errno
	switch {
	case err == nil:
		return "nil"
	case err == io.EOF:
		return "EOF"
	case errors.Is(err, errEscapes()):
		return "escapes"
	case errors.Is(err, errPatternSep()):
		return "pattern has a separator"
	case errors.As(err, &errno):
		return fmt.Sprintf("errno %d (%v)", int(errno), errno)
	case errors.Is(err, fs.ErrClosed):
		return "closed"
	case errors.Is(err, fs.ErrInvalid):
		return "invalid"
	case errors.Is(err, fs.ErrNotExist):
		return "not exist"
	case errors.Is(err, fs.ErrExist):
		return "exist"
	case errors.Is(err, fs.ErrPermission):
		return "permission"
	}
	return "other"
}

// errEscapes is os.Root's error for a name that escapes, taken from os.
var errEscapes = onceError(func() error {
	r, err := os.OpenRoot(os.TempDir())
	if err != nil {
		return errors.New("no root")
	}
	defer r.Close()
	_, err = r.Stat("../x")
	return underlying(err)
})

// errPatternSep is os.CreateTemp's error for a pattern with a "/".
var errPatternSep = onceError(func() error {
	_, err := os.CreateTemp("", "a/b")
	return underlying(err)
})

func onceError(f func() error) func() error {
	var err error
	return func() error {
		if err == nil {
			err = f()
		}
		return err
	}
}

func underlying(err error) error {
	switch e := err.(type) {
	case *fs.PathError:
		return e.Err
	case *os.LinkError:
		return e.Err
	}
	return err
}

// same compares two errors: class, type (*fs.PathError or *os.LinkError)
// and the names they carry.
func same(call string, got, want error) error {
	if g, w := FSClass(got), FSClass(want); g != w {
		return fmt.Errorf("%s: shmfs: %v (%s); os.Root: %v (%s)", call, got, g, want, w)
	}
	switch w := want.(type) {
	case *fs.PathError:
		g, ok := got.(*fs.PathError)
		if !ok {
			return fmt.Errorf("%s: shmfs: %v is a %T; os.Root's %v is an *fs.PathError", call, got, got, want)
		}
		if g.Path != w.Path {
			return fmt.Errorf("%s: shmfs's error names %q: %v; os.Root's %q: %v", call, g.Path, got, w.Path, want)
		}
	case *os.LinkError:
		g, ok := got.(*os.LinkError)
		if !ok {
			return fmt.Errorf("%s: shmfs: %v is a %T; os.Root's %v is an *os.LinkError", call, got, got, want)
		}
		if g.Old != w.Old || g.New != w.New {
			return fmt.Errorf("%s: shmfs's error names %q, %q: %v; os.Root's %q, %q: %v", call, g.Old, g.New, got, w.Old, w.New, want)
		}
	}
	return nil
}

// sameInfo compares two FileInfos: name, mode, size (not a directory's:
// file systems differ), and the modification time when an op set it (before
// 2005, see DecodeFS).
func sameInfo(call string, got, want fs.FileInfo) error {
	// A link's size is its target's length, and a target may name the twin.
	if got.Name() != want.Name() || got.Mode() != want.Mode() || got.IsDir() != want.IsDir() ||
		(want.Mode().IsRegular() && got.Size() != want.Size()) {
		return fmt.Errorf("%s: shmfs: %s; os.Root: %s", call, fs.FormatFileInfo(got), fs.FormatFileInfo(want))
	}
	if want.ModTime().Year() < 2005 || got.ModTime().Year() < 2005 {
		if !got.ModTime().Equal(want.ModTime()) {
			return fmt.Errorf("%s: shmfs's mtime %v; os.Root's %v", call, got.ModTime(), want.ModTime())
		}
	}
	return nil
}

// step runs one op on both sides and compares.
func (t *fsTwin) step(op FSOp) error {
	a, b := t.view(op.View)
	call := op.Kind.String()
	switch op.Kind {
	case FSMkdir:
		return same(call, a.Mkdir(op.Name, op.Perm), b.Mkdir(op.Name, op.Perm))
	case FSMkdirAll:
		return same(call, a.MkdirAll(op.Name, op.Perm), b.MkdirAll(op.Name, op.Perm))
	case FSRemove:
		return same(call, a.Remove(op.Name), b.Remove(op.Name))
	case FSRemoveAll:
		return same(call, a.RemoveAll(op.Name), b.RemoveAll(op.Name))
	case FSRename:
		return same(call, a.Rename(op.Name, op.Name2), b.Rename(op.Name, op.Name2))
	case FSLink:
		return same(call, a.Link(op.Name, op.Name2), b.Link(op.Name, op.Name2))
	case FSSymlink:
		return same(call, a.Symlink(op.Name, op.Name2), b.Symlink(op.Name, op.Name2))
	case FSChmod:
		return same(call, a.Chmod(op.Name, op.Perm), b.Chmod(op.Name, op.Perm))
	case FSChown:
		return same(call, a.Chown(op.Name, op.UID, op.GID), b.Chown(op.Name, op.UID, op.GID))
	case FSLchown:
		return same(call, a.Lchown(op.Name, op.UID, op.GID), b.Lchown(op.Name, op.UID, op.GID))
	case FSChtimes:
		return same(call, a.Chtimes(op.Name, op.Time, op.Time2), b.Chtimes(op.Name, op.Time, op.Time2))
	case FSReadlink:
		got, err := a.Readlink(op.Name)
		want, werr := b.Readlink(op.Name)
		return t.sameLink(call, got, err, want, werr)
	case FSReadLink:
		got, err := a.ReadLink(op.Name)
		want, werr := "", fsInvalid(op.Name)
		if werr == nil {
			want, werr = b.Readlink(op.Name)
		}
		return t.sameLink(call, got, err, want, werr)
	case FSStat, FSLstat:
		var got, want fs.FileInfo
		var err, werr error
		if op.Kind == FSStat {
			got, err = a.Stat(op.Name)
		} else {
			got, err = a.Lstat(op.Name)
		}
		if werr = fsInvalid(op.Name); werr == nil {
			if op.Kind == FSStat {
				want, werr = b.Stat(op.Name)
			} else {
				want, werr = b.Lstat(op.Name)
			}
		}
		if err := same(call, err, werr); err != nil || werr != nil {
			return err
		}
		return sameInfo(call, got, want)
	case FSWriteFile:
		err := a.WriteFile(op.Name, op.Data, op.Perm)
		f, werr := osOpen(b, op.Name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, op.Perm)
		if werr == nil {
			_, werr = f.Write(op.Data)
			if cerr := f.Close(); werr == nil {
				werr = cerr
			}
		}
		return same(call, err, werr)
	case FSReadFile:
		got, err := a.ReadFile(op.Name)
		var want []byte
		werr := fsInvalid(op.Name)
		if werr == nil {
			want, werr = osReadFile(b, op.Name)
		}
		if err := same(call, err, werr); err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s: shmfs read %q; os.Root %q", call, got, want)
		}
		return nil
	case FSReadDir:
		got, err := a.ReadDir(op.Name)
		var want []fs.DirEntry
		werr := fsInvalid(op.Name)
		if werr == nil {
			var f *os.File
			if f, werr = osOpen(b, op.Name, os.O_RDONLY, 0); werr == nil {
				want, werr = f.ReadDir(-1)
				werr = renameErr(werr, f.Name(), op.Name)
				f.Close()
				slices.SortFunc(want, func(x, y fs.DirEntry) int { return strings.Compare(x.Name(), y.Name()) })
			}
		}
		if err := same(call, err, werr); err != nil {
			return err
		}
		if g, w := entryNames(got), entryNames(want); !slices.Equal(g, w) {
			return fmt.Errorf("%s: shmfs lists %q; os.Root %q", call, g, w)
		}
		return nil
	case FSOpenFile, FSCreate, FSOpen:
		var fa *shmfs.File
		var fb *os.File
		var err, werr error
		switch op.Kind {
		case FSOpenFile:
			fa, err = a.OpenFile(op.Name, op.Flag, op.Perm)
			fb, werr = osOpen(b, op.Name, op.Flag, op.Perm)
		case FSCreate:
			op.Flag = os.O_RDWR | os.O_CREATE | os.O_TRUNC
			fa, err = a.Create(op.Name)
			fb, werr = osOpen(b, op.Name, op.Flag, 0666)
		case FSOpen:
			op.Flag = os.O_RDONLY
			var ff fs.File
			ff, err = a.Open(op.Name)
			if ff != nil {
				var ok bool
				if fa, ok = ff.(*shmfs.File); !ok {
					ff.Close()
					return fmt.Errorf("%s: shmfs returned a %T, not a *shmfs.File", call, ff)
				}
			}
			if werr = fsInvalid(op.Name); werr == nil {
				fb, werr = osOpen(b, op.Name, op.Flag, 0)
			}
		}
		if err := same(call, err, werr); err != nil || werr != nil {
			if fa != nil {
				fa.Close()
			}
			if fb != nil {
				fb.Close()
			}
			return err
		}
		return compareOpened(call, fa, fb, op, t.parents)
	case FSOpenRoot:
		ca, err := a.OpenRoot(op.Name)
		var cb *os.Root
		fi, werr := b.Stat(op.Name)
		if werr == nil && !fi.IsDir() {
			werr = &fs.PathError{Op: "open", Path: op.Name, Err: syscall.ENOTDIR}
		} else {
			cb, werr = b.OpenRoot(op.Name)
		}
		if err := same(call, err, werr); err != nil || werr != nil {
			if ca != nil {
				ca.Close()
			}
			if cb != nil {
				cb.Close()
			}
			return err
		}
		gotName := strings.TrimPrefix(ca.Name(), t.parents[0])
		wantName := strings.TrimPrefix(cb.Name(), t.parents[1])
		if gotName != wantName {
			ca.Close()
			cb.Close()
			return fmt.Errorf("%s: shmfs's Name ROOT%s; os.Root's ROOT%s", call, gotName, wantName)
		}
		if len(t.a) >= 4 {
			// Enough namespaces: check this one answers, and close it.
			fi, err := ca.Stat(".")
			wfi, werr := cb.Stat(".")
			ca.Close()
			cb.Close()
			if err := same(call+" then Stat(.)", err, werr); err != nil || werr != nil {
				return err
			}
			return sameInfo(call+" then Stat(.)", fi, wfi)
		}
		t.a = append(t.a, ca)
		t.b = append(t.b, cb)
		return nil
	case FSClose:
		if op.View%len(t.a) == 0 && op.View != 0 {
			return nil // only View 0 itself closes the twin roots
		}
		return same(call, a.Close(), b.Close())
	case FSSub:
		return t.sub(a, b, op)
	case FSCreateTemp:
		return t.createTemp(a, b, op)
	}
	return fmt.Errorf("unknown op %v", op.Kind)
}

// sameLink compares Readlink results, with each twin's directory spelled ROOT.
func (t *fsTwin) sameLink(call, got string, err error, want string, werr error) error {
	if err := same(call, err, werr); err != nil {
		return err
	}
	got = strings.ReplaceAll(got, t.parents[0], "ROOT")
	want = strings.ReplaceAll(want, t.parents[1], "ROOT")
	if got != want {
		return fmt.Errorf("%s: shmfs: %q; os.Root: %q", call, got, want)
	}
	return nil
}

// renameErr gives an *os.File's error the name the op was given, as
// shmfs's errors carry it.
func renameErr(err error, from, to string) error {
	if pe, ok := err.(*fs.PathError); ok {
		if rest, ok := strings.CutPrefix(pe.Path, from); ok {
			pe.Path = to + rest
		}
	}
	return err
}

// osReadFile is the oracle's ReadFile: os.ReadFile's loop on osOpen's file.
func osReadFile(r *os.Root, name string) ([]byte, error) {
	f, err := osOpen(r, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	return b, renameErr(err, f.Name(), name)
}

// compareOpened compares what OpenFile (or Create, or Open) opened on both
// sides, then closes both: Stat; for a file Write of op.Data where the
// mode allows, a read of the whole, ReadDir (which fails); for a directory
// Read (which fails), the listing in batches of op.N, Seek(0, 0), the
// listing again whole, Readdirnames and Readdir.
//
// Both are named as os.Root names its Files (the root's Name joined with
// the name), each under its own parent: so the os side's errors are given
// the shmfs File's name.
func compareOpened(call string, fa *shmfs.File, fb *os.File, op FSOp, parents [2]string) (err error) {
	name := fa.Name()
	defer func() {
		ea, eb := fa.Close(), fb.Close()
		if err == nil {
			err = same(call+": Close", ea, renameErr(eb, fb.Name(), name))
		}
	}()
	fix := func(err error) error { return renameErr(err, fb.Name(), name) }
	fi, err := fa.Stat()
	wfi, werr := fb.Stat()
	if err := same(call+": Stat", err, fix(werr)); err != nil || werr != nil {
		return err
	}
	if err := sameInfo(call+": Stat", fi, wfi); err != nil {
		return err
	}
	if got, want := strings.TrimPrefix(fa.Name(), parents[0]), strings.TrimPrefix(fb.Name(), parents[1]); got != want {
		return fmt.Errorf("%s: Name() = ROOT%s; os.Root's ROOT%s", call, got, want)
	}
	if !wfi.IsDir() {
		if op.Flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			n, err := fa.Write(op.Data)
			wn, werr := fb.Write(op.Data)
			if err := same(call+": Write", err, fix(werr)); err != nil {
				return err
			}
			if n != wn {
				return fmt.Errorf("%s: Write = %d; os: %d", call, n, wn)
			}
		}
		off, err := fa.Seek(0, io.SeekStart)
		woff, werr := fb.Seek(0, io.SeekStart)
		if err := same(call+": Seek", err, fix(werr)); err != nil || off != woff {
			return fmt.Errorf("%s: Seek = %d, %v; os: %d, %v", call, off, err, woff, werr)
		}
		got, err := io.ReadAll(fa)
		want, werr := io.ReadAll(fb)
		if err := same(call+": ReadAll", err, fix(werr)); err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			return fmt.Errorf("%s: shmfs read %q; os %q", call, got, want)
		}
		ents, err := fa.ReadDir(1)
		wents, werr := fb.ReadDir(1)
		if err := same(call+": ReadDir", err, fix(werr)); err != nil {
			return err
		}
		if (ents == nil) != (wents == nil) || len(ents) != len(wents) {
			return fmt.Errorf("%s: ReadDir = %v; os: %v", call, ents, wents)
		}
		return nil
	}
	// A directory.
	_, err = fa.Read(make([]byte, 8))
	_, werr = fb.Read(make([]byte, 8))
	if err := same(call+": Read", err, fix(werr)); err != nil {
		return err
	}
	n := op.N
	if n == 0 {
		n = 1
	}
	var got, want []string
	for range 100 {
		ents, err := fa.ReadDir(n)
		wents, werr := fb.ReadDir(n)
		if err := same(call+fmt.Sprintf(": ReadDir(%d)", n), err, fix(werr)); err != nil {
			return err
		}
		if len(ents) != len(wents) {
			return fmt.Errorf("%s: ReadDir(%d) gave %d entries; os: %d", call, n, len(ents), len(wents))
		}
		got = append(got, entryNames(ents)...)
		want = append(want, entryNames(wents)...)
		if werr != nil || n < 0 {
			break
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s: listed %q; os: %q", call, got, want)
	}
	for _, list := range []func(f interface {
		Readdirnames(int) ([]string, error)
		Readdir(int) ([]fs.FileInfo, error)
	}) ([]string, error){
		func(f interface {
			Readdirnames(int) ([]string, error)
			Readdir(int) ([]fs.FileInfo, error)
		}) ([]string, error) {
			return f.Readdirnames(-1)
		},
		func(f interface {
			Readdirnames(int) ([]string, error)
			Readdir(int) ([]fs.FileInfo, error)
		}) ([]string, error) {
			fis, err := f.Readdir(-1)
			var s []string
			for _, fi := range fis {
				s = append(s, fi.Name()+" "+fi.Mode().String())
			}
			return s, err
		},
	} {
		off, err := fa.Seek(0, io.SeekStart)
		woff, werr := fb.Seek(0, io.SeekStart)
		if err := same(call+": Seek", err, fix(werr)); err != nil || off != woff {
			return fmt.Errorf("%s: Seek = %d, %v; os: %d, %v", call, off, err, woff, werr)
		}
		g, err := list(fa)
		w, werr := list(fb)
		if err := same(call+": listing again", err, fix(werr)); err != nil {
			return err
		}
		slices.Sort(g)
		slices.Sort(w)
		if !slices.Equal(g, w) {
			return fmt.Errorf("%s: listed again %q; os: %q", call, g, w)
		}
	}
	return nil
}

// sub compares Sub(op.Name) with fs.Sub of os.Root's FS, then Stat, Lstat,
// ReadLink, ReadFile, ReadDir and Open of op.Name2 in both.
func (t *fsTwin) sub(a *shmfs.FS, b *os.Root, op FSOp) error {
	sa, err := a.Sub(op.Name)
	var sb fs.FS
	werr := fsInvalid(op.Name)
	if werr == nil {
		sb, werr = fs.Sub(b.FS(), op.Name)
	}
	if err := same("Sub", err, werr); err != nil || werr != nil {
		return err
	}
	// What Name2 leads to, for the oracle's calls that would open it: a
	// FIFO would block them.
	opens := true
	if validName(op.Name2) {
		if fi, err := b.Stat(path.Join(op.Name, op.Name2)); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
			opens = false
		}
	}
	refused := &fs.PathError{Op: "open", Path: op.Name2, Err: errNotRegularOracle}
	if fs.ValidPath(op.Name2) && !validName(op.Name2) {
		// A NUL: shmfs refuses it as invalid; os.Root's FS passes it on.
		opens = false
		refused.Err = fs.ErrInvalid
	}
	name := op.Name2
	call := fmt.Sprintf("Sub(%q) then ", op.Name)

	// fs.Stat opens the file where the FS has no Stat: fs.Sub's has none
	// (Sub(".") is the FS itself).
	fi, err := fs.Stat(sa, name)
	var wfi fs.FileInfo
	werr = refused
	if opens || (op.Name == "." && refused.Err != fs.ErrInvalid) {
		wfi, werr = fs.Stat(sb, name)
	}
	if err := same(call+"Stat", err, werr); err != nil {
		return err
	}
	if werr == nil {
		if err := sameInfo(call+"Stat", fi, wfi); err != nil {
			return err
		}
	}

	fi, err = fs.Lstat(sa, name)
	wfi, werr = fs.Lstat(sb, name)
	if refused.Err == fs.ErrInvalid {
		werr = refused
	}
	if err := same(call+"Lstat", err, werr); err != nil {
		return err
	}
	if werr == nil {
		if err := sameInfo(call+"Lstat", fi, wfi); err != nil {
			return err
		}
	}

	l, err := fs.ReadLink(sa, name)
	wl, werr := fs.ReadLink(sb, name)
	if refused.Err == fs.ErrInvalid {
		werr = refused
	}
	if err := t.sameLink(call+"ReadLink", l, err, wl, werr); err != nil {
		return err
	}

	data, err := fs.ReadFile(sa, name)
	var wdata []byte
	werr = refused
	if opens {
		wdata, werr = fs.ReadFile(sb, name)
		werr = renameErr(werr, joinPath(b.Name(), path.Join(op.Name, name)), name) // as for ReadDir below
	}
	if err := same(call+"ReadFile", err, werr); err != nil {
		return err
	}
	if !bytes.Equal(data, wdata) {
		return fmt.Errorf("%sReadFile: shmfs %q; os.Root %q", call, data, wdata)
	}

	ents, err := fs.ReadDir(sa, name)
	var wents []fs.DirEntry
	werr = refused
	if opens {
		wents, werr = fs.ReadDir(sb, name)
		// os.Root's FS names a file it cannot list by its *os.File's name
		// (the root's path joined with the name); shmfs by the name.
		werr = renameErr(werr, joinPath(b.Name(), path.Join(op.Name, name)), name)
	}
	if err := same(call+"ReadDir", err, werr); err != nil {
		return err
	}
	if g, w := entryNames(ents), entryNames(wents); !slices.Equal(g, w) {
		return fmt.Errorf("%sReadDir: shmfs %q; os.Root %q", call, g, w)
	}

	f, err := sa.Open(name)
	var wf fs.File
	werr = refused
	if opens {
		wf, werr = sb.Open(name)
	}
	if f != nil {
		f.Close()
	}
	if wf != nil {
		wf.Close()
	}
	return same(call+"Open", err, werr)
}

// createTemp runs CreateTemp(op.Name, op.Name2) on shmfs and, with the name
// shmfs made, O_CREATE|O_EXCL on os.Root, so that the twins stay twins.
func (t *fsTwin) createTemp(a *shmfs.FS, b *os.Root, op FSOp) error {
	dir, pattern := op.Name, op.Name2
	f, err := a.CreateTemp(dir, pattern)
	if strings.Contains(pattern, "/") {
		if f != nil {
			f.Close()
		}
		return same("CreateTemp", err, &fs.PathError{Op: "createtemp", Path: pattern, Err: errPatternSep()})
	}
	prefix, suffix := pattern, ""
	if i := strings.LastIndex(pattern, "*"); i >= 0 {
		prefix, suffix = pattern[:i], pattern[i+1:]
	}
	if dir != "" {
		prefix = joinPath(dir, prefix)
	}
	if err != nil {
		// os.Root on a name CreateTemp could have made: the same error.
		name := prefix + "4242" + suffix
		g, werr := b.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
		if g != nil {
			g.Close()
			b.Remove(name)
		}
		if werr == nil {
			return fmt.Errorf("CreateTemp: shmfs: %v; os.Root creates %q", err, name)
		}
		if FSClass(err) != FSClass(werr) {
			return fmt.Errorf("CreateTemp: shmfs: %v (%s); os.Root: %v (%s)", err, FSClass(err), werr, FSClass(werr))
		}
		return nil
	}
	defer f.Close()
	name := f.Name()
	digits, ok := strings.CutPrefix(name, prefix)
	if ok {
		digits, ok = strings.CutSuffix(digits, suffix)
	}
	if _, perr := strconv.ParseUint(digits, 10, 32); !ok || perr != nil {
		return fmt.Errorf("CreateTemp(%q, %q) made %q: not prefix, digits, suffix", dir, pattern, name)
	}
	g, werr := b.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if werr != nil {
		return fmt.Errorf("CreateTemp made %q, which os.Root cannot create: %v", name, werr)
	}
	defer g.Close()
	fi, err := f.Stat()
	wfi, werr := g.Stat()
	if err != nil || werr != nil {
		return fmt.Errorf("CreateTemp: Stat: %v; os: %v", err, werr)
	}
	if err := sameInfo("CreateTemp: Stat", fi, wfi); err != nil {
		return err
	}
	n, err := f.Write(op.Data)
	wn, werr := g.Write(op.Data)
	if n != wn || FSClass(err) != FSClass(werr) {
		return fmt.Errorf("CreateTemp: Write = %d, %v; os: %d, %v", n, err, wn, werr)
	}
	return nil
}

// joinPath is package os's.
func joinPath(dir, name string) string {
	if len(dir) > 0 && dir[len(dir)-1] == '/' {
		return dir + name
	}
	return dir + "/" + name
}

// onlyEntries checks that dir holds exactly the names want.
func onlyEntries(dir string, want ...string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("%s holds %q, want only %q", dir, got, want)
	}
	return nil
}

// snapshot describes everything under root outside root/ns (see
// snapshotTree).
func snapshot(root string) (map[string]string, error) { return snapshotTree(root, "ns", false) }
