package fuzzcheck

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
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

// namesTree is the scratch tree each Names call builds (twice: one twin for
// shmfs, one for os.Root): a namespace directory ns beside files and
// directories that must not change, with symbolic links inside ns that lead
// out of it, a FIFO that must not block an open, and a dangling link that
// an O_CREATE must not follow out.
var namesTree = []FixtureEntry{
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
	{"ns/dir/in", "symlink", ".."},
	{"ns/flink", "symlink", "dir/f"},
	{"ns/abs", "symlink", "ROOT/outdir"},
	{"ns/dangling", "symlink", "../created-through-a-link"},
	{"ns/newlink", "symlink", "dir/created-through-a-link"},
}

// NamesInput runs one FuzzNames input: its first byte is the flag byte
// (see NamesFlag), the rest the name. See Names.
func NamesInput(base string, data []byte) error {
	if len(data) == 0 {
		return Names(base, 0, "")
	}
	return Names(base, data[0], string(data[1:]))
}

// Names runs one FuzzNames input. In twin trees under base (namesTree) it
// gives name to Stat, ReadFile, ReadDir, Open, OpenFile (with the flag the
// input's flag byte decodes to, then a write), WriteFile (if the flag byte
// says so) and Remove of NewFS(twin/ns), and the same calls to an os.Root
// on the other twin's ns, and compares them as FSRun does: a name that is
// not fs.ValidPath is refused by the io/fs methods with an *fs.PathError
// wrapping fs.ErrInvalid; every other result, error class and error path is
// os.Root's (FIFOs refused without blocking); the trees stay twins and
// nothing outside ns changes. Then it gives a unique prefix plus name to the
// package-level OpenFile (O_RDWR|O_CREATE|O_EXCL), Stat and Remove, which
// must refuse exactly the names that are not POSIX shared-memory names
// with fs.ErrInvalid and create nothing else than /dev/shm/prefix+name;
// and, if name itself is not a POSIX name, to Open and Stat, which must
// refuse it. It removes the trees and every object it made.
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

func fsNames(base, name string, flag int, writeFile bool) error {
	ops := []FSOp{
		{Kind: FSStat, Name: name},
		{Kind: FSReadFile, Name: name},
		{Kind: FSReadDir, Name: name},
		{Kind: FSOpen, Name: name, N: -1},
		{Kind: FSOpenFile, Name: name, Flag: flag, Perm: 0600, Data: []byte("fuzz"), N: 2},
	}
	if writeFile {
		ops = append(ops, FSOp{Kind: FSWriteFile, Name: name, Data: []byte("written"), Perm: 0600})
	}
	ops = append(ops, FSOp{Kind: FSRemove, Name: name})
	return fsRunFixture(base, namesTree, "ns", ops, 1)
}

func entryNames(ents []fs.DirEntry) []string {
	var s []string
	for _, e := range ents {
		s = append(s, e.Name()+" "+e.Type().String())
	}
	return s
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
