package fuzzcheck

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// FSKind is the kind of an FSOp.
type FSKind uint8

// The operations, on the namespace FSOp.View picks (for shmfs, an *FS; for
// the oracle, an *os.Root).
const (
	FSMkdir      FSKind = iota // Mkdir(Name, Perm)
	FSMkdirAll                 // MkdirAll(Name, Perm)
	FSOpenFile                 // OpenFile(Name, Flag, Perm), then Write(Data), read back, list a directory, Close
	FSCreate                   // Create(Name), then as OpenFile
	FSWriteFile                // WriteFile(Name, Data, Perm)
	FSReadFile                 // ReadFile(Name) (io/fs)
	FSRename                   // Rename(Name, Name2)
	FSRemove                   // Remove(Name)
	FSRemoveAll                // RemoveAll(Name)
	FSSymlink                  // Symlink(Name, Name2): a link Name2 to Name
	FSLink                     // Link(Name, Name2)
	FSReadlink                 // Readlink(Name)
	FSReadLink                 // ReadLink(Name) (io/fs)
	FSLstat                    // Lstat(Name) (io/fs)
	FSStat                     // Stat(Name) (io/fs)
	FSChmod                    // Chmod(Name, Perm)
	FSChtimes                  // Chtimes(Name, Time, Time2)
	FSChown                    // Chown(Name, UID, GID)
	FSLchown                   // Lchown(Name, UID, GID)
	FSReadDir                  // ReadDir(Name) (io/fs)
	FSOpen                     // Open(Name) (io/fs), then as OpenFile
	FSOpenRoot                 // OpenRoot(Name): a new namespace, for the ops that follow
	FSClose                    // Close: the namespace stays, closed (a View that is not 0 but wraps around to 0 closes nothing)
	FSSub                      // Sub(Name), then Stat, Lstat, ReadLink, ReadFile, ReadDir and Open of Name2 in it
	FSCreateTemp               // CreateTemp(Name, Name2), then Write(Data), Close
	numFSKinds
)

var fsKindNames = [...]string{"Mkdir", "MkdirAll", "OpenFile", "Create", "WriteFile", "ReadFile", "Rename", "Remove",
	"RemoveAll", "Symlink", "Link", "Readlink", "ReadLink", "Lstat", "Stat", "Chmod", "Chtimes", "Chown", "Lchown",
	"ReadDir", "Open", "OpenRoot", "Close", "Sub", "CreateTemp"}

func (k FSKind) String() string {
	if int(k) < len(fsKindNames) {
		return fsKindNames[k]
	}
	return "FSKind(" + strconv.Itoa(int(k)) + ")"
}

// FSOp is one operation of an FS sequence. Fields a kind does not use are
// ignored.
type FSOp struct {
	Kind        FSKind
	View        int // the namespace: 0 is the twin root, then those OpenRoot opened, in order (modulo how many)
	Name, Name2 string
	Flag        int // OpenFile's os.O_* flag
	Perm        fs.FileMode
	Data        []byte
	N           int // the batch size for listing an opened directory (ReadDir(N), Readdirnames(N))
	UID, GID    int
	Time, Time2 time.Time
}

func (op FSOp) String() string {
	s := fmt.Sprintf("%v[%d](%q", op.Kind, op.View, op.Name)
	switch op.Kind {
	case FSRename, FSSymlink, FSLink, FSSub, FSCreateTemp:
		s += fmt.Sprintf(", %q", op.Name2)
	case FSOpenFile:
		s += fmt.Sprintf(", %s, %v", ModeName(op.Flag), op.Perm)
	case FSMkdir, FSMkdirAll, FSWriteFile, FSChmod:
		s += fmt.Sprintf(", %v", op.Perm)
	case FSChown, FSLchown:
		s += fmt.Sprintf(", %d, %d", op.UID, op.GID)
	case FSChtimes:
		s += fmt.Sprintf(", %v, %v", op.Time.Unix(), op.Time2.Unix())
	}
	return s + ")"
}

// FSNames are the names an encoded op picks from (see DecodeFS): names of
// the fixture (FSFixture), new names, and hostile ones: escapes by "..", by
// links and by absolute names, trailing slashes, NUL, too long.
var FSNames = []string{
	"f", "g", "d", "d/g", "d/e", "d/e/h", "l", "l/g", "lf", "up", "up/outside", "d/up", "d/up/f",
	"abs", "abs/hostname", "dangling", "nowhere", "out", "fifo", "new", "d/new", "l/new", "x/y", ".",
	"", "..", "../outside", "/", "/etc/hostname", "d/..", "d/../f", "d/../../outside", "./f", "f/", "d/",
	"d//g", "f\x00", "f/x", "l/..", "l/../f", "d/e/", "loop", strings.Repeat("n", 255), strings.Repeat("n", 256),
	"d/" + strings.Repeat("m", 255), "new2", "d/e/new", "tmp*", "*.tmp", "t*x*y",
}

// FSFixture is the tree each twin starts from, relative to the twin's
// directory: the namespace is "ns"; "outside" and "outdir" are beside it,
// where nothing may change. A symlink's target may start with ROOT, the
// twin's own directory (so absolute targets differ between twins; Readlink
// and the tree comparisons say ROOT instead).
var FSFixture = []FixtureEntry{
	{"outside", "file", "outside content"},
	{"outdir", "dir", ""},
	{"outdir/hostname", "file", "not the host's"},
	{"ns", "dir", ""},
	{"ns/f", "file", "f content"},
	{"ns/d", "dir", ""},
	{"ns/d/g", "file", "d/g content, a little longer"},
	{"ns/d/e", "dir", ""},
	{"ns/l", "symlink", "d"},
	{"ns/lf", "symlink", "d/g"},
	{"ns/up", "symlink", ".."},
	{"ns/d/up", "symlink", ".."},
	{"ns/abs", "symlink", "/etc"},
	{"ns/dangling", "symlink", "nowhere"},
	{"ns/out", "symlink", "../outside"},
	{"ns/loop", "symlink", "loop"},
	{"ns/fifo", "fifo", ""},
}

// FixtureEntry is one file of a fixture tree: kind is file, dir, symlink
// (arg is the target) or fifo.
type FixtureEntry struct {
	Path, Kind, Arg string
}

// MaxFSOps is the longest sequence an FS input decodes into;
// MaxFSInput the longest input FS runs.
const (
	MaxFSOps   = 48
	MaxFSInput = 1 + 40*MaxFSOps
)

// perms are the permission bits an encoded op picks from: os.Root refuses
// the special bits for Mkdir and OpenFile, and Chmod takes them.
var perms = []fs.FileMode{0644, 0600, 0755, 0700, 0, 0444, 0777, fs.ModeSetuid | 0755, fs.ModeSticky | 0777, 0640}

var ids = []int{-1, 0, 1000, 65534}

// DecodeFS decodes up to max operations from data. Each is 6 bytes (kind,
// view, name, name2, parameter p, parameter q), after each name byte that
// is 0xe0 or more, its literal (that byte minus 0xe0 bytes: 0 to 31); any
// other name byte picks from FSNames. p and q give the flag, perm, data,
// batch size, owner and times.
func DecodeFS(data []byte, max int) []FSOp {
	var ops []FSOp
	name := func() string {
		if len(data) == 0 {
			return ""
		}
		b := data[0]
		data = data[1:]
		if b < 0xe0 {
			return FSNames[int(b)%len(FSNames)]
		}
		n := min(int(b-0xe0), len(data))
		s := string(data[:n])
		data = data[n:]
		return s
	}
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	for len(data) > 0 && len(ops) < max {
		op := FSOp{Kind: FSKind(next() % byte(numFSKinds)), View: int(next())}
		op.Name = name()
		op.Name2 = name()
		p, q := next(), next()
		op.Flag = nameAccs[p&3]
		for i, f := range []int{os.O_CREATE, os.O_EXCL, os.O_TRUNC, os.O_APPEND} {
			if p&(4<<i) != 0 {
				op.Flag |= f
			}
		}
		op.Perm = perms[int(q)%len(perms)]
		op.Data = Content(int(q) % 70)
		op.N = int(p%5) - 1
		op.UID, op.GID = ids[int(p)%len(ids)], ids[int(q)%len(ids)]
		if p != 0 {
			op.Time = time.Unix(1e9+int64(p)*1000, int64(q)*1e6)
		}
		if q != 0 {
			op.Time2 = time.Unix(1e9+int64(q)*3000, int64(p)*1e6)
		}
		ops = append(ops, op)
	}
	return ops
}

// FSInput runs one FuzzFS input: its first byte's low bit picks the
// directory the twins are made in (0: disk, 1: shm), the rest is decoded by
// DecodeFS. See FSRun.
func FSInput(disk, shm string, data []byte) error {
	if len(data) > MaxFSInput {
		return skipf("%d-byte input, more than %d", len(data), MaxFSInput)
	}
	if len(data) == 0 {
		return FSRun(disk, nil, 4)
	}
	base := disk
	if data[0]&1 != 0 {
		base = shm
	}
	return FSRun(base, DecodeFS(data[1:], MaxFSOps), 4)
}

// FSRun makes twin trees (FSFixture) in two new directories under base, runs
// ops on a *shmfs.FS over one's ns and an *os.Root over the other's, and
// returns the first difference: in an op's result, or, after every
// treeEvery ops and at the end, in the trees under ns or outside them. It
// removes both twins whatever happens.
func FSRun(base string, ops []FSOp, treeEvery int) error {
	return fsRunFixture(base, FSFixture, "ns", ops, treeEvery)
}

// RandomFS returns n random operations for FSRun, biased toward names that
// exist or can be made (paths of a few elements from a small alphabet,
// most of the time), with FSNames' hostile names and random bytes mixed
// in, so that a long sequence both builds a tree and attacks it.
func RandomFS(r *rand.Rand, n int) []FSOp {
	elems := []string{"f", "g", "d", "e", "l", "lf", "n", "m", "up", "fifo", "."}
	name := func() string {
		switch x := r.IntN(20); {
		case x < 3:
			return FSNames[r.IntN(len(FSNames))]
		case x < 4:
			b := make([]byte, r.IntN(12))
			for i := range b {
				b[i] = "ab/.\x00\xff*"[r.IntN(7)]
			}
			return string(b)
		}
		var s []string
		for range 1 + r.IntN(2) + r.IntN(2) {
			s = append(s, elems[r.IntN(len(elems))])
		}
		return strings.Join(s, "/")
	}
	// Weights: what builds a tree comes more often than what tears it down.
	weights := map[FSKind]int{
		FSMkdir: 6, FSMkdirAll: 4, FSOpenFile: 6, FSCreate: 3, FSWriteFile: 6, FSReadFile: 4, FSRename: 5,
		FSRemove: 3, FSRemoveAll: 1, FSSymlink: 5, FSLink: 3, FSReadlink: 2, FSReadLink: 2, FSLstat: 3,
		FSStat: 3, FSChmod: 3, FSChtimes: 2, FSChown: 1, FSLchown: 1, FSReadDir: 3, FSOpen: 3,
		FSOpenRoot: 2, FSClose: 1, FSSub: 2, FSCreateTemp: 2,
	}
	total := 0
	for _, w := range weights {
		total += w
	}
	ops := make([]FSOp, 0, n)
	for range n {
		x := r.IntN(total)
		k := FSKind(0)
		for ; k < numFSKinds; k++ {
			if x -= weights[k]; x < 0 {
				break
			}
		}
		p, q := byte(r.Uint32()), byte(r.Uint32())
		op := DecodeFS([]byte{byte(k), byte(r.IntN(4)), 0, 0, p, q}, 1)[0]
		op.Name, op.Name2 = name(), name()
		if r.IntN(5) != 0 {
			op.Perm = perms[r.IntN(4)] // mostly plain bits, which os.Root takes everywhere
		}
		if k == FSClose && r.IntN(8) != 0 {
			op.View = 1 + r.IntN(3) // rarely the twin roots themselves
		}
		if k == FSCreateTemp && r.IntN(2) == 0 {
			op.Name2 = []string{"", "tmp*", "*.tmp", "x*y*z", "a/b"}[r.IntN(5)]
		}
		ops = append(ops, op)
	}
	return ops
}

// EncodeFS is DecodeFS's inverse, for seeds: kinds, views and names exactly
// (a name longer than 31 bytes that is not in FSNames becomes FSNames[0]),
// the flag's access mode and bits, the perm if it is one DecodeFS picks
// from, and a data length as close as those allow.
func EncodeFS(ops []FSOp) []byte {
	var b []byte
	name := func(s string) {
		if i := slices.Index(FSNames, s); i >= 0 && i < 0xe0 {
			b = append(b, byte(i))
		} else if len(s) <= 31 {
			b = append(append(b, 0xe0+byte(len(s))), s...)
		} else {
			b = append(b, 0)
		}
	}
	for _, op := range ops {
		b = append(b, byte(op.Kind), byte(op.View))
		name(op.Name)
		name(op.Name2)
		p := byte(slices.Index(nameAccs, op.Flag&(os.O_RDONLY|os.O_WRONLY|os.O_RDWR)))
		for i, f := range []int{os.O_CREATE, os.O_EXCL, os.O_TRUNC, os.O_APPEND} {
			if op.Flag&f != 0 {
				p |= 4 << i
			}
		}
		perm := max(slices.Index(perms, op.Perm), 0)
		q := byte(perm)
		for c := perm; c < 256; c += len(perms) {
			if abs(c%70-len(op.Data)) < abs(int(q)%70-len(op.Data)) {
				q = byte(c)
			}
		}
		b = append(b, p, q)
	}
	return b
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
