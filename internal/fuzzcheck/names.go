package fuzzcheck

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// MaxName is the longest name Names runs: past NAME_MAX (255) twice over.
const MaxName = 600

// nameAccs are the access modes a Names flag byte's low two bits pick.
var nameAccs = []int{os.O_RDONLY, os.O_WRONLY, os.O_RDWR, os.O_RDWR}

// NamesFlag decodes a Names flag byte into the os.O_* flag FS.OpenFile
// gets: bits 0-1 the access mode, then O_CREATE, O_EXCL, O_TRUNC and
// O_APPEND. Bit 6 adds an FS.WriteFile call; bit 7 spells the
// package-level name with the POSIX leading slash.
func NamesFlag(b byte) (flag int, writeFile, slash bool) {
	flag = nameAccs[b&3]
	for i, f := range []int{os.O_CREATE, os.O_EXCL, os.O_TRUNC, os.O_APPEND} {
		if b&(4<<i) != 0 {
			flag |= f
		}
	}
	return flag, b&0x40 != 0, b&0x80 != 0
}

// namesTree is the scratch tree each Names call builds: a namespace
// directory ns beside files and directories that must not change, with
// symbolic links inside ns that lead out of it, a FIFO that must not block
// an open, and a dangling link that an O_CREATE must not follow.
var namesTree = []struct {
	path, kind, arg string
}{
	{"outside", "file", "outside content"},
	{"outdir", "dir", ""},
	{"outdir/g", "file", "g content"},
	{"ns", "dir", ""},
	{"ns/f", "file", "f content"},
	{"ns/dir", "dir", ""},
	{"ns/dir/f", "file", "dir/f content"},
	{"ns/empty", "dir", ""},
	{"ns/fifo", "fifo", ""},
	{"ns/link", "symlink", "../outside"},
	{"ns/dlink", "symlink", ".."},
	{"ns/dir/up", "symlink", "../.."},
	{"ns/abs", "symlink", "ROOT/outdir"},
	{"ns/dangling", "symlink", "../created-through-a-link"},
}

// NamesInput runs one FuzzNames input: its first byte is the flag byte
// (see NamesFlag), the rest the name. See Names.
func NamesInput(base string, data []byte) error {
	if len(data) == 0 {
		return Names(base, 0, "")
	}
	return Names(base, data[0], string(data[1:]))
}

// Names runs one FuzzNames input. In a fresh tree under base it gives name
// to Stat, ReadFile, ReadDir, Open, OpenFile (with the flag the input's
// flag byte decodes to), WriteFile (if the flag byte says so) and Remove
// of NewFS(tree/ns), and checks each result against what the tree holds
// (as package os sees it through real directories only): a name that is
// not fs.ValidPath is refused with an *fs.PathError wrapping fs.ErrInvalid;
// a call succeeds exactly when the name leads, inside ns, to something it
// can act on; nothing outside ns changes. Then it gives a unique prefix
// plus name to the package-level OpenFile (O_RDWR|O_CREATE|O_EXCL), Stat
// and Remove, which must refuse exactly the names that are not POSIX
// shared-memory names with fs.ErrInvalid and create nothing else than
// /dev/shm/prefix+name; and, if name itself is not a POSIX name, to Open
// and Stat, which must refuse it. It removes the tree and every object it made.
func Names(base string, flagByte byte, name string) (err error) {
	if len(name) > MaxName {
		return skipf("%d-byte name, more than %d", len(name), MaxName)
	}
	flag, writeFile, slash := NamesFlag(flagByte)
	defer func() {
		if err != nil && !errors.Is(err, ErrSkip) {
			err = fmt.Errorf("name %q, flag %#x (%s): %w", name, flagByte, ModeName(flag), err)
		}
	}()
	if err := fsNames(base, name, flag, writeFile); err != nil {
		return err
	}
	return posixNames(name, slash)
}

func fsNames(base, name string, flag int, writeFile bool) (err error) {
	root, err := os.MkdirTemp(base, "names-")
	if err != nil {
		return skipf("%v", err)
	}
	defer func() {
		if e := os.RemoveAll(root); e != nil && err == nil {
			err = fmt.Errorf("cleanup: %v", e)
		}
		if err == nil {
			err = onlyEntry(base, filepath.Base(root), "nothing may appear beside the tree")
		}
	}()
	for _, e := range namesTree {
		p := filepath.Join(root, e.path)
		switch e.kind {
		case "file":
			err = os.WriteFile(p, []byte(e.arg), 0644)
		case "dir":
			err = os.Mkdir(p, 0755)
		case "fifo":
			if err = mkfifo(p); errors.Is(err, errors.ErrUnsupported) {
				err = nil
			}
		case "symlink":
			err = os.Symlink(strings.Replace(e.arg, "ROOT", root, 1), p)
		}
		if err != nil {
			return skipf("setup: %v", err)
		}
	}
	before, err := snapshot(root)
	if err != nil {
		return skipf("setup: %v", err)
	}

	ns := filepath.Join(root, "ns")
	if err := fsCalls(shmfs.NewFS(ns), ns, name, flag, writeFile); err != nil {
		return err
	}

	after, err := snapshot(root)
	if err != nil {
		return err
	}
	if d := diffSnapshots(before, after); d != "" {
		return fmt.Errorf("outside the namespace: %s", d)
	}
	return nil
}

// fsCalls makes the FS calls and checks each against lookup.
func fsCalls(fsys *shmfs.FS, ns, name string, flag int, writeFile bool) error {
	valid := fs.ValidPath(name)
	// invalid checks a call on a name that is not fs.ValidPath.
	invalid := func(call string, err error) error {
		var pe *fs.PathError
		if !errors.As(err, &pe) || !errors.Is(err, fs.ErrInvalid) {
			return fmt.Errorf("%s of an invalid path: %v, want an *fs.PathError wrapping fs.ErrInvalid", call, err)
		}
		return nil
	}
	// agree checks a call on a valid name: it succeeds exactly when ok.
	agree := func(call string, err error, ok bool, what kind) error {
		if (err == nil) != ok {
			if ok {
				return fmt.Errorf("%s of %v: %v, want success", call, what, err)
			}
			return fmt.Errorf("%s of %v succeeded, want an error", call, what)
		}
		if err != nil {
			var pe *fs.PathError
			if !errors.As(err, &pe) {
				return fmt.Errorf("%s of %v: %v is a %T, want an *fs.PathError", call, what, err, err)
			}
		}
		return nil
	}

	// Stat.
	k, li := lookup(ns, name)
	fi, err := fsys.Stat(name)
	if !valid {
		if err := invalid("Stat", err); err != nil {
			return err
		}
	} else {
		if err := agree("Stat", err, k.exists(), k); err != nil {
			return err
		}
		if err == nil {
			if fi.Mode().Type() != li.Mode().Type() || (k == kindFile && fi.Size() != li.Size()) {
				return fmt.Errorf("Stat = %v, os.Lstat = %v", fs.FormatFileInfo(fi), fs.FormatFileInfo(li))
			}
			if want := path.Base(name); fi.Name() != want {
				return fmt.Errorf("Stat().Name() = %q, want %q", fi.Name(), want)
			}
		}
	}

	// ReadFile.
	data, err := fsys.ReadFile(name)
	if !valid {
		if err := invalid("ReadFile", err); err != nil {
			return err
		}
	} else {
		if err := agree("ReadFile", err, k == kindFile, k); err != nil {
			return err
		}
		if err == nil {
			want, _ := os.ReadFile(filepath.Join(ns, name))
			if !bytes.Equal(data, want) {
				return fmt.Errorf("ReadFile = %q, want %q", data, want)
			}
		}
	}

	// ReadDir.
	ents, err := fsys.ReadDir(name)
	if !valid {
		if err := invalid("ReadDir", err); err != nil {
			return err
		}
	} else {
		if err := agree("ReadDir", err, k.isDir(), k); err != nil {
			return err
		}
		if err == nil {
			want, _ := os.ReadDir(filepath.Join(ns, name))
			if g, w := entryNames(ents), entryNames(want); !slices.Equal(g, w) {
				return fmt.Errorf("ReadDir = %q, want %q", g, w)
			}
		}
	}

	// Open (fs.FS).
	of, err := fsys.Open(name)
	if of != nil {
		of.Close()
	}
	if !valid {
		if err := invalid("Open", err); err != nil {
			return err
		}
	} else if err := agree("Open", err, k == kindFile || k.isDir(), k); err != nil {
		return err
	}

	// OpenFile. The name "." is the namespace itself: refused.
	f, err := fsys.OpenFile(name, flag, 0600)
	if f != nil {
		if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
			if _, werr := f.Write([]byte("fuzz")); werr != nil {
				f.Close()
				return fmt.Errorf("Write after OpenFile of %v: %v", k, werr)
			}
		}
		if cerr := f.Close(); cerr != nil {
			return fmt.Errorf("Close after OpenFile of %v: %v", k, cerr)
		}
	}
	if !valid {
		if err := invalid("OpenFile", err); err != nil {
			return err
		}
	} else {
		ok := (k == kindFile && flag&(os.O_CREATE|os.O_EXCL) != os.O_CREATE|os.O_EXCL) ||
			(k == kindMissing && flag&os.O_CREATE != 0)
		if err := agree("OpenFile", err, ok, k); err != nil {
			return err
		}
		if err == nil {
			if k2, _ := lookup(ns, name); k2 != kindFile {
				return fmt.Errorf("after OpenFile of %v, os sees %v", k, k2)
			}
		}
	}

	// WriteFile.
	if writeFile {
		k, _ := lookup(ns, name)
		err := fsys.WriteFile(name, []byte("written"), 0600)
		if !valid {
			if err := invalid("WriteFile", err); err != nil {
				return err
			}
		} else {
			if err := agree("WriteFile", err, k == kindFile || k == kindMissing, k); err != nil {
				return err
			}
			if err == nil {
				if b, _ := os.ReadFile(filepath.Join(ns, name)); string(b) != "written" {
					return fmt.Errorf("after WriteFile of %v, os reads %q", k, b)
				}
			}
		}
	}

	// Remove.
	k, _ = lookup(ns, name)
	err = fsys.Remove(name)
	if !valid {
		return invalid("Remove", err)
	}
	ok := k.exists() && k != kindFullDir && name != "."
	if err := agree("Remove", err, ok, k); err != nil {
		return err
	}
	if err == nil {
		if k2, _ := lookup(ns, name); k2 != kindMissing {
			return fmt.Errorf("after Remove of %v, os sees %v", k, k2)
		}
	}
	return nil
}

// kind is what a name leads to inside a namespace.
type kind int

const (
	kindBad     kind = iota // no way there through real directories, or a name the system refuses
	kindMissing             // nothing, in a directory that exists
	kindFile
	kindDir // an empty directory
	kindFullDir
	kindSymlink
	kindOther // a FIFO
)

func (k kind) String() string {
	return [...]string{"an unreachable name", "a missing file", "a file", "an empty directory", "a directory", "a symbolic link", "a FIFO"}[k]
}

func (k kind) exists() bool { return k >= kindFile }

func (k kind) isDir() bool { return k == kindDir || k == kindFullDir }

// lookup is what name (fs.ValidPath) leads to under ns when no symbolic
// link is followed: every element but the last must be a real directory.
func lookup(ns, name string) (kind, fs.FileInfo) {
	if strings.Contains(name, "\x00") {
		return kindBad, nil
	}
	if name == "." {
		fi, err := os.Lstat(ns)
		if err != nil {
			return kindBad, nil
		}
		return dirKind(ns), fi
	}
	elems := strings.Split(name, "/")
	p := ns
	for _, e := range elems[:len(elems)-1] {
		p = filepath.Join(p, e)
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			return kindBad, nil
		}
	}
	p = filepath.Join(p, elems[len(elems)-1])
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return kindMissing, nil
	case err != nil:
		return kindBad, nil // ENAMETOOLONG, say
	}
	switch fi.Mode().Type() {
	case 0:
		return kindFile, fi
	case fs.ModeDir:
		return dirKind(p), fi
	case fs.ModeSymlink:
		return kindSymlink, fi
	}
	return kindOther, fi
}

func dirKind(p string) kind {
	if ents, _ := os.ReadDir(p); len(ents) > 0 {
		return kindFullDir
	}
	return kindDir
}

func entryNames(ents []fs.DirEntry) []string {
	var s []string
	for _, e := range ents {
		s = append(s, e.Name()+" "+e.Type().String())
	}
	return s
}

// snapshot describes everything under root outside root/ns: type, mode,
// size and a hash of a file's bytes or a link's target.
func snapshot(root string) (map[string]string, error) {
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "ns" {
			return filepath.SkipDir
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v size=%d", fi.Mode(), fi.Size())
		switch fi.Mode().Type() {
		case 0:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" sha256=%x", sha256.Sum256(b))
		case fs.ModeSymlink:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + t
		}
		snap[rel] = desc
		return nil
	})
	return snap, err
}

func diffSnapshots(before, after map[string]string) string {
	var d []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			d = append(d, fmt.Sprintf("%s (%s) is gone", p, b))
		} else if a != b {
			d = append(d, fmt.Sprintf("%s changed from %s to %s", p, b, a))
		}
	}
	for p, a := range after {
		if _, ok := before[p]; !ok {
			d = append(d, fmt.Sprintf("%s (%s) appeared", p, a))
		}
	}
	slices.Sort(d)
	return strings.Join(d, "; ")
}

// onlyEntry checks that dir holds nothing but want (or nothing).
func onlyEntry(dir, want, why string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.Name() != want {
			return fmt.Errorf("%s appeared in %s: %s", e.Name(), dir, why)
		}
	}
	return nil
}

// posixValid is the contract's rule for a POSIX shared-memory name: one
// optional leading "/", then a non-empty name with no "/" and no NUL, not
// "." or "..", at most 255 bytes.
func posixValid(name string) bool {
	n := strings.TrimPrefix(name, "/")
	return n != "" && n != "." && n != ".." && len(n) <= 255 && !strings.ContainsAny(n, "/\x00")
}

const shmDir = "/dev/shm"

// posixNames checks the package-level functions. They only ever create
// prefix+name (the prefix is this call's own, so no object of anyone else
// is touched) and open the raw name read-only when it is not a POSIX name.
func posixNames(name string, slash bool) (err error) {
	s, err := shmfstest.NewScratch("")
	if err != nil {
		return skipf("%v", err)
	}
	n := s.Prefix + name
	spelled := n
	if slash {
		spelled = "/" + n
	}
	defer func() {
		// Whatever happened, leave nothing behind.
		if left, lerr := s.List(); lerr == nil && len(left) > 0 {
			s.Cleanup()
			if err == nil {
				err = fmt.Errorf("left in %s: %q", shmDir, left)
			}
		}
	}()
	refused := func(call, arg string, err error) error {
		var pe *fs.PathError
		if !errors.As(err, &pe) || !errors.Is(err, fs.ErrInvalid) {
			return fmt.Errorf("%s(%q): %v, want an *fs.PathError wrapping fs.ErrInvalid", call, arg, err)
		}
		return nil
	}

	f, err := shmfs.OpenFile(spelled, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if posixValid(spelled) {
		if err != nil {
			return fmt.Errorf("OpenFile(%q, O_RDWR|O_CREATE|O_EXCL): %v", spelled, err)
		}
		gotName := f.Name()
		if err := f.Close(); err != nil {
			return fmt.Errorf("Close: %v", err)
		}
		if gotName != spelled {
			return fmt.Errorf("OpenFile(%q).Name() = %q", spelled, gotName)
		}
		fi, err := os.Lstat(filepath.Join(shmDir, n))
		if err != nil || !fi.Mode().IsRegular() {
			return fmt.Errorf("after OpenFile(%q), os.Lstat(%s/%s) = %v, %v", spelled, shmDir, n, fi, err)
		}
		if fi, err := shmfs.Stat(spelled); err != nil || !fi.Mode().IsRegular() || fi.Size() != 0 || fi.Name() != n {
			return fmt.Errorf("Stat(%q) of a new object = %v, %v", spelled, fi, err)
		}
		if err := shmfs.Remove(spelled); err != nil {
			return fmt.Errorf("Remove(%q): %v", spelled, err)
		}
		if _, err := os.Lstat(filepath.Join(shmDir, n)); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("after Remove(%q), os.Lstat: %v", spelled, err)
		}
		if _, err := shmfs.Stat(spelled); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("Stat(%q) after Remove: %v, want an error wrapping fs.ErrNotExist", spelled, err)
		}
	} else {
		if f != nil {
			f.Close()
		}
		if err := refused("OpenFile", spelled, err); err != nil {
			return err
		}
		if err := refused("Remove", spelled, shmfs.Remove(spelled)); err != nil {
			return err
		}
		_, err = shmfs.Stat(spelled)
		if err := refused("Stat", spelled, err); err != nil {
			return err
		}
	}

	if !posixValid(name) {
		f, err := shmfs.Open(name)
		if f != nil {
			f.Close()
		}
		if err := refused("Open", name, err); err != nil {
			return err
		}
		_, err = shmfs.Stat(name)
		if err := refused("Stat", name, err); err != nil {
			return err
		}
	}
	return nil
}
