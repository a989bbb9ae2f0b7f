//go:build linux

package shmfs_test

import (
	"io/fs"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	fc "github.com/shmfs/shmfs/internal/fuzzcheck"
)

// The FS differential (internal/fuzzcheck's FSRun): the same operations on
// a *shmfs.FS and on an *os.Root over twin directories (fuzzcheck.FSFixture:
// files, directories, a FIFO, links in the root, out of it, absolute,
// dangling, a loop) give the same error classes, error types and paths,
// results and, every few operations, the same trees (types, modes, owners,
// sizes, contents, link targets); nothing outside either root changes.

// fsBases are the directories the twins are made in: on tmpfs (/dev/shm)
// and on a disk file system.
func fsBases(t *testing.T) map[string]string {
	s := scratch(t, "")
	shm := s.Path("fsdiff")
	if err := os.Mkdir(shm, 0700); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"shm": shm, "disk": t.TempDir()}
}

func op(k fc.FSKind, name string) fc.FSOp { return fc.FSOp{Kind: k, Name: name} }

func op2(k fc.FSKind, name, name2 string) fc.FSOp { return fc.FSOp{Kind: k, Name: name, Name2: name2} }

func opPerm(k fc.FSKind, name string, perm fs.FileMode) fc.FSOp {
	return fc.FSOp{Kind: k, Name: name, Perm: perm}
}

func opOpen(name string, flag int, data string) fc.FSOp {
	return fc.FSOp{Kind: fc.FSOpenFile, Name: name, Flag: flag, Perm: 0640, Data: []byte(data), N: 2}
}

func opWrite(name, data string) fc.FSOp {
	return fc.FSOp{Kind: fc.FSWriteFile, Name: name, Perm: 0604, Data: []byte(data)}
}

func onView(v int, o fc.FSOp) fc.FSOp { o.View = v; return o }

// fsTable are sequences that reach each operation's edges on purpose.
var fsTable = []struct {
	name string
	ops  []fc.FSOp
}{
	{"mkdir", []fc.FSOp{
		opPerm(fc.FSMkdir, "d2", 0750), opPerm(fc.FSMkdir, "d2", 0750), opPerm(fc.FSMkdir, "x/y", 0755),
		opPerm(fc.FSMkdirAll, "x/y/z", 0705), opPerm(fc.FSMkdirAll, "x/y/z", 0705), opPerm(fc.FSMkdirAll, "f/x", 0755),
		opPerm(fc.FSMkdir, "s", fs.ModeSetuid|0755), opPerm(fc.FSMkdirAll, "s/t", fs.ModeSticky|0755),
		opPerm(fc.FSMkdirAll, "l/new/deeper", 0755), opPerm(fc.FSMkdirAll, "up/x", 0755), opPerm(fc.FSMkdir, "/abs", 0755),
		opPerm(fc.FSMkdir, "d/../../x", 0755), opPerm(fc.FSMkdir, "d/e/", 0755), opPerm(fc.FSMkdir, "new/", 0755),
		opPerm(fc.FSMkdir, "dangling", 0755), opPerm(fc.FSMkdirAll, "dangling", 0755), opPerm(fc.FSMkdirAll, "l", 0755),
		opPerm(fc.FSMkdirAll, "lf", 0755), opPerm(fc.FSMkdir, "", 0755), opPerm(fc.FSMkdir, ".", 0755),
		opPerm(fc.FSMkdir, "a\x00b", 0755), op(fc.FSStat, "x/y/z"), op(fc.FSStat, "d/new"),
	}},
	{"write and read", []fc.FSOp{
		opOpen("new", os.O_RDWR|os.O_CREATE, "fresh"), opOpen("new", os.O_RDWR|os.O_CREATE|os.O_EXCL, "again"),
		opOpen("new", os.O_WRONLY|os.O_APPEND, "+more"), opOpen("new", os.O_RDONLY, ""), opOpen("new", os.O_RDWR|os.O_TRUNC, "cut"),
		op(fc.FSCreate, "f"), opWrite("d/new", "in d"), opWrite("lf", "through a link"), opWrite("out", "escaping"),
		opWrite("l/new2", "through a dir link"), opWrite("dangling", "creates the target"), op(fc.FSReadFile, "nowhere"),
		opOpen("fifo", os.O_RDONLY, ""), opOpen("fifo", os.O_WRONLY, "x"), opOpen("fifo", os.O_RDWR, "x"), opWrite("fifo", "x"),
		op(fc.FSReadFile, "fifo"), op(fc.FSOpen, "fifo"), opOpen("d", os.O_RDONLY, ""), opOpen("d", os.O_RDWR, ""),
		opOpen("d", os.O_RDONLY|os.O_CREATE, ""), opOpen(".", os.O_RDONLY, ""), opOpen("f/", os.O_RDONLY, ""),
		opOpen("d/g/x", os.O_RDWR|os.O_CREATE, ""), opOpen("loop", os.O_RDONLY, ""), opOpen("loop", os.O_RDWR|os.O_CREATE, "x"),
		opOpen("abs/hostname", os.O_RDONLY, ""), opOpen("/etc/hostname", os.O_RDONLY, ""), opOpen("", os.O_RDONLY, ""),
		opOpen("d//g", os.O_RDONLY, ""), opOpen("./f", os.O_RDONLY, ""), opOpen("d/up/f", os.O_RDONLY, ""),
		op(fc.FSReadFile, "d/up/f"), op(fc.FSReadFile, "d"), op(fc.FSReadFile, "up/outside"), op(fc.FSReadFile, "./f"),
		op(fc.FSReadFile, "lf"), op(fc.FSReadFile, "new"),
		{Kind: fc.FSOpenFile, Name: "perm", Flag: os.O_RDWR | os.O_CREATE, Perm: fs.ModeSetgid | 0644},
	}},
	{"rename", []fc.FSOp{
		op2(fc.FSRename, "f", "g"), op2(fc.FSRename, "g", "d/g"), op2(fc.FSRename, "d/g", "d/e/moved"),
		op2(fc.FSRename, "d/e/moved", "f"), op2(fc.FSRename, "d/e", "d2"), op2(fc.FSRename, "f", "d2"),
		op2(fc.FSRename, "d2", "f"), op(fc.FSMkdir, "empty"), op2(fc.FSRename, "d2", "empty"), op2(fc.FSRename, "d2", "d2"),
		op2(fc.FSRename, ".", "x"), op2(fc.FSRename, "f", "."), op2(fc.FSRename, "l", "l2"), op2(fc.FSRename, "l2/g", "g"),
		op2(fc.FSRename, "f", "up/stolen"), op2(fc.FSRename, "up/outside", "stolen"), op2(fc.FSRename, "missing", "x"),
		op2(fc.FSRename, "fifo", "d/fifo"), op2(fc.FSRename, "g", "f/"), op2(fc.FSRename, "d", "d/sub"),
		op2(fc.FSRename, "lf", "d/lf"), op(fc.FSReadFile, "d/lf"), op2(fc.FSRename, "dangling", "new/"),
	}},
	{"remove", []fc.FSOp{
		op(fc.FSRemove, "f"), op(fc.FSRemove, "f"), op(fc.FSRemove, "d"), op(fc.FSRemove, "d/e"), op(fc.FSRemove, "l"),
		op(fc.FSRemove, "."), op(fc.FSRemove, "up"), op(fc.FSRemove, "d/up/lf"), op(fc.FSRemove, "up/outside"),
		op(fc.FSRemove, "fifo"), op(fc.FSRemove, ""), op(fc.FSRemove, "d/g/"),
		op(fc.FSRemoveAll, "missing"), op(fc.FSRemoveAll, "d"), op(fc.FSRemoveAll, "."), op(fc.FSRemoveAll, "up/outside"),
		op(fc.FSRemoveAll, "d/.."), op(fc.FSRemoveAll, "dangling/"), op(fc.FSRemoveAll, "abs"), op(fc.FSReadDir, "."),
	}},
	{"links", []fc.FSOp{
		op2(fc.FSSymlink, "d/g", "s1"), op2(fc.FSSymlink, "../outside", "s2"), op2(fc.FSSymlink, "/etc/hostname", "s3"),
		op2(fc.FSSymlink, "d", "s4"), op2(fc.FSSymlink, "x", "s1"), op2(fc.FSSymlink, "f", "up/evil"), op2(fc.FSSymlink, "", "s5"),
		op(fc.FSReadlink, "s1"), op(fc.FSReadlink, "s2"), op(fc.FSReadlink, "s3"), op(fc.FSReadlink, "f"), op(fc.FSReadlink, "s4/g"),
		op(fc.FSReadLink, "s2"), op(fc.FSReadLink, "../s2"), op(fc.FSReadLink, "s4/up"), op(fc.FSReadlink, "up"),
		op(fc.FSStat, "s1"), op(fc.FSStat, "s2"), op(fc.FSStat, "s3"), op(fc.FSStat, "s4/g"), op(fc.FSStat, "loop"),
		op(fc.FSLstat, "s1"), op(fc.FSLstat, "s2"), op(fc.FSLstat, "s4/g"), op(fc.FSLstat, "up/outside"), op(fc.FSLstat, "."),
		op(fc.FSReadFile, "s1"), op(fc.FSReadFile, "s2"), op(fc.FSReadFile, "s3"), op(fc.FSReadFile, "s4/up/f"),
		op2(fc.FSLink, "f", "hard"), op2(fc.FSLink, "d", "hardd"), op2(fc.FSLink, "s1", "hardl"), op2(fc.FSLink, "up/outside", "hardo"),
		op2(fc.FSLink, "f", "up/hard"), op2(fc.FSLink, "fifo", "hardfifo"), op2(fc.FSLink, "f", "hard"),
		opWrite("hard", "both names"), op(fc.FSReadFile, "f"), op(fc.FSReadlink, "hardl"),
	}},
	{"attributes", []fc.FSOp{
		opPerm(fc.FSChmod, "f", 0600), opPerm(fc.FSChmod, "l", 0700), opPerm(fc.FSChmod, "d/g", fs.ModeSetuid|0755),
		opPerm(fc.FSChmod, "d/e", fs.ModeSticky|0777), opPerm(fc.FSChmod, "up/outside", 0), opPerm(fc.FSChmod, "dangling", 0),
		opPerm(fc.FSChmod, "fifo", 0600), op(fc.FSStat, "f"), op(fc.FSStat, "d"), op(fc.FSLstat, "l"), op(fc.FSStat, "d/g"),
		{Kind: fc.FSChtimes, Name: "f", Time: time.Unix(1e9, 5), Time2: time.Unix(1e9+7, 500)},
		{Kind: fc.FSChtimes, Name: "lf", Time2: time.Unix(1e9+70, 0)},
		{Kind: fc.FSChtimes, Name: "up/outside", Time: time.Unix(1e9, 0), Time2: time.Unix(1e9, 0)},
		op(fc.FSStat, "f"), op(fc.FSStat, "d/g"),
		{Kind: fc.FSChown, Name: "f", UID: 1000, GID: 1000}, {Kind: fc.FSChown, Name: "l", UID: 65534, GID: -1},
		{Kind: fc.FSLchown, Name: "l", UID: 1000, GID: 1000}, {Kind: fc.FSChown, Name: "up/outside", UID: 1000, GID: 1000},
		{Kind: fc.FSLchown, Name: "up", UID: 1000, GID: 1000}, {Kind: fc.FSChown, Name: "missing", UID: 0, GID: 0},
	}},
	{"listing", []fc.FSOp{
		op(fc.FSReadDir, "."), op(fc.FSReadDir, "d"), op(fc.FSReadDir, "l"), op(fc.FSReadDir, "f"), op(fc.FSReadDir, "fifo"),
		op(fc.FSReadDir, "up"), op(fc.FSReadDir, "../x"), op(fc.FSReadDir, "d/up"), op(fc.FSReadDir, "d/"),
		{Kind: fc.FSOpen, Name: ".", N: 1}, {Kind: fc.FSOpen, Name: ".", N: 3}, {Kind: fc.FSOpen, Name: ".", N: -1},
		{Kind: fc.FSOpen, Name: "d", N: 1}, {Kind: fc.FSOpen, Name: "d/e", N: 2}, {Kind: fc.FSOpen, Name: "l", N: 5},
		op(fc.FSOpen, "f"), op(fc.FSOpen, "up"), op(fc.FSOpen, "a\x00"),
	}},
	{"openroot", []fc.FSOp{
		op(fc.FSOpenRoot, "d"), onView(1, opWrite("n", "in the child")), onView(1, op(fc.FSStat, "up")),
		onView(1, op(fc.FSStat, "up/f")), onView(1, op(fc.FSReadlink, "up")), onView(1, op(fc.FSMkdir, "sub")),
		onView(1, op(fc.FSReadDir, ".")), onView(1, op2(fc.FSRename, "n", "../n")), onView(1, op(fc.FSOpenRoot, "e")),
		op(fc.FSOpenRoot, "f"), op(fc.FSOpenRoot, "fifo"), op(fc.FSOpenRoot, "up"), op(fc.FSOpenRoot, "l"),
		op(fc.FSOpenRoot, "."), op(fc.FSOpenRoot, "f/"), op(fc.FSOpenRoot, ""), op(fc.FSOpenRoot, "missing"),
		onView(2, op(fc.FSReadDir, ".")), onView(1, op(fc.FSClose, "")), onView(1, op(fc.FSStat, ".")),
		onView(1, opWrite("late", "x")), onView(1, op(fc.FSRemoveAll, ".")), onView(1, op(fc.FSOpenRoot, "sub")),
		onView(1, fc.FSOp{Kind: fc.FSMkdir, Name: "s", Perm: fs.ModeSetuid}), onView(1, op(fc.FSClose, "")),
		op(fc.FSClose, ""), op(fc.FSStat, "f"), op(fc.FSReadFile, "../x"), opOpen("f", os.O_RDONLY, ""),
		op(fc.FSRemoveAll, "."), op2(fc.FSRename, "f", "g"),
	}},
	{"sub", []fc.FSOp{
		op2(fc.FSSub, "d", "g"), op2(fc.FSSub, "d", "up/f"), op2(fc.FSSub, "l", "up"), op2(fc.FSSub, ".", "fifo"),
		op2(fc.FSSub, "d", "."), op2(fc.FSSub, "up", "outside"), op2(fc.FSSub, "../x", "f"), op2(fc.FSSub, "d", "../f"),
		op2(fc.FSSub, "missing", "f"), op2(fc.FSSub, "f", "x"), op2(fc.FSSub, ".", "lf"), op2(fc.FSSub, "d/e", ""),
	}},
	{"createtemp", []fc.FSOp{
		op2(fc.FSCreateTemp, "", "tmp*"), op2(fc.FSCreateTemp, "d", "*.tmp"), op2(fc.FSCreateTemp, "d/", "t*x*y"),
		op2(fc.FSCreateTemp, "missing", "x"), op2(fc.FSCreateTemp, "", "a/b"), op2(fc.FSCreateTemp, "up", "x"),
		op2(fc.FSCreateTemp, "f", "x"), op2(fc.FSCreateTemp, "l", ""), op2(fc.FSCreateTemp, "", "\x00"),
		op(fc.FSReadDir, "."), op(fc.FSReadDir, "d"),
	}},
}

func TestFSDifferentialTable(t *testing.T) {
	for base, dir := range fsBases(t) {
		for _, c := range fsTable {
			t.Run(base+"/"+c.name, func(t *testing.T) {
				if err := fc.FSRun(dir, c.ops, 1); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestFSDifferentialRandom runs seeded random sequences (fuzzcheck.RandomFS):
// a few hundred operations each, on names that mostly exist or can be made,
// with hostile ones and random bytes mixed in.
func TestFSDifferentialRandom(t *testing.T) {
	seeds, n := 8, 300
	if testing.Short() {
		seeds = 2
	}
	for base, dir := range fsBases(t) {
		for seed := range seeds {
			ops := fc.RandomFS(rand.New(rand.NewPCG(uint64(seed), 14)), n)
			if err := fc.FSRun(dir, ops, 5); err != nil {
				t.Errorf("%s, seed %d: %v", base, seed, err)
			}
		}
	}
}
