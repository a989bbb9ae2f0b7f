package fuzzcheck

import (
	"io/fs"
	"os"
	"time"
)

func op(k FSKind, name string) FSOp { return FSOp{Kind: k, Name: name} }

func op2(k FSKind, name, name2 string) FSOp { return FSOp{Kind: k, Name: name, Name2: name2} }

func opPerm(k FSKind, name string, perm fs.FileMode) FSOp {
	return FSOp{Kind: k, Name: name, Perm: perm}
}

func opOpen(name string, flag int, data string) FSOp {
	return FSOp{Kind: FSOpenFile, Name: name, Flag: flag, Perm: 0640, Data: []byte(data), N: 2}
}

func opWrite(name, data string) FSOp {
	return FSOp{Kind: FSWriteFile, Name: name, Perm: 0604, Data: []byte(data)}
}

func onView(v int, o FSOp) FSOp { o.View = v; return o }

// FSTable are sequences that reach each operation's edges on purpose:
// FSRun runs them in TestFSDifferentialTable, and FuzzFS starts from them.
var FSTable = []struct {
	Name string
	Ops  []FSOp
}{
	{"mkdir", []FSOp{
		opPerm(FSMkdir, "d2", 0750), opPerm(FSMkdir, "d2", 0750), opPerm(FSMkdir, "x/y", 0755),
		opPerm(FSMkdirAll, "x/y/z", 0705), opPerm(FSMkdirAll, "x/y/z", 0705), opPerm(FSMkdirAll, "f/x", 0755),
		opPerm(FSMkdir, "s", fs.ModeSetuid|0755), opPerm(FSMkdirAll, "s/t", fs.ModeSticky|0755),
		opPerm(FSMkdirAll, "l/new/deeper", 0755), opPerm(FSMkdirAll, "up/x", 0755), opPerm(FSMkdir, "/abs", 0755),
		opPerm(FSMkdir, "d/../../x", 0755), opPerm(FSMkdir, "d/e/", 0755), opPerm(FSMkdir, "new/", 0755),
		opPerm(FSMkdir, "dangling", 0755), opPerm(FSMkdirAll, "dangling", 0755), opPerm(FSMkdirAll, "l", 0755),
		opPerm(FSMkdirAll, "lf", 0755), opPerm(FSMkdir, "", 0755), opPerm(FSMkdir, ".", 0755),
		opPerm(FSMkdir, "a\x00b", 0755), op(FSStat, "x/y/z"), op(FSStat, "d/new"),
	}},
	{"write and read", []FSOp{
		opOpen("new", os.O_RDWR|os.O_CREATE, "fresh"), opOpen("new", os.O_RDWR|os.O_CREATE|os.O_EXCL, "again"),
		opOpen("new", os.O_WRONLY|os.O_APPEND, "+more"), opOpen("new", os.O_RDONLY, ""), opOpen("new", os.O_RDWR|os.O_TRUNC, "cut"),
		op(FSCreate, "f"), opWrite("d/new", "in d"), opWrite("lf", "through a link"), opWrite("out", "escaping"),
		opWrite("l/new2", "through a dir link"), opWrite("dangling", "creates the target"), op(FSReadFile, "nowhere"),
		opOpen("fifo", os.O_RDONLY, ""), opOpen("fifo", os.O_WRONLY, "x"), opOpen("fifo", os.O_RDWR, "x"), opWrite("fifo", "x"),
		op(FSReadFile, "fifo"), op(FSOpen, "fifo"), opOpen("d", os.O_RDONLY, ""), opOpen("d", os.O_RDWR, ""),
		opOpen("d", os.O_RDONLY|os.O_CREATE, ""), opOpen(".", os.O_RDONLY, ""), opOpen("f/", os.O_RDONLY, ""),
		opOpen("d/g/x", os.O_RDWR|os.O_CREATE, ""), opOpen("loop", os.O_RDONLY, ""), opOpen("loop", os.O_RDWR|os.O_CREATE, "x"),
		opOpen("abs/hostname", os.O_RDONLY, ""), opOpen("/etc/hostname", os.O_RDONLY, ""), opOpen("", os.O_RDONLY, ""),
		opOpen("d//g", os.O_RDONLY, ""), opOpen("./f", os.O_RDONLY, ""), opOpen("d/up/f", os.O_RDONLY, ""),
		op(FSReadFile, "d/up/f"), op(FSReadFile, "d"), op(FSReadFile, "up/outside"), op(FSReadFile, "./f"),
		op(FSReadFile, "lf"), op(FSReadFile, "new"),
		{Kind: FSOpenFile, Name: "perm", Flag: os.O_RDWR | os.O_CREATE, Perm: fs.ModeSetgid | 0644},
	}},
	{"rename", []FSOp{
		op2(FSRename, "f", "g"), op2(FSRename, "g", "d/g"), op2(FSRename, "d/g", "d/e/moved"),
		op2(FSRename, "d/e/moved", "f"), op2(FSRename, "d/e", "d2"), op2(FSRename, "f", "d2"),
		op2(FSRename, "d2", "f"), op(FSMkdir, "empty"), op2(FSRename, "d2", "empty"), op2(FSRename, "d2", "d2"),
		op2(FSRename, ".", "x"), op2(FSRename, "f", "."), op2(FSRename, "l", "l2"), op2(FSRename, "l2/g", "g"),
		op2(FSRename, "f", "up/stolen"), op2(FSRename, "up/outside", "stolen"), op2(FSRename, "missing", "x"),
		op2(FSRename, "fifo", "d/fifo"), op2(FSRename, "g", "f/"), op2(FSRename, "d", "d/sub"),
		op2(FSRename, "lf", "d/lf"), op(FSReadFile, "d/lf"), op2(FSRename, "dangling", "new/"),
	}},
	{"remove", []FSOp{
		op(FSRemove, "f"), op(FSRemove, "f"), op(FSRemove, "d"), op(FSRemove, "d/e"), op(FSRemove, "l"),
		op(FSRemove, "."), op(FSRemove, "up"), op(FSRemove, "d/up/lf"), op(FSRemove, "up/outside"),
		op(FSRemove, "fifo"), op(FSRemove, ""), op(FSRemove, "d/g/"),
		op(FSRemoveAll, "missing"), op(FSRemoveAll, "d"), op(FSRemoveAll, "."), op(FSRemoveAll, "up/outside"),
		op(FSRemoveAll, "d/.."), op(FSRemoveAll, "dangling/"), op(FSRemoveAll, "abs"), op(FSReadDir, "."),
	}},
	{"links", []FSOp{
		op2(FSSymlink, "d/g", "s1"), op2(FSSymlink, "../outside", "s2"), op2(FSSymlink, "/etc/hostname", "s3"),
		op2(FSSymlink, "d", "s4"), op2(FSSymlink, "x", "s1"), op2(FSSymlink, "f", "up/evil"), op2(FSSymlink, "", "s5"),
		op(FSReadlink, "s1"), op(FSReadlink, "s2"), op(FSReadlink, "s3"), op(FSReadlink, "f"), op(FSReadlink, "s4/g"),
		op(FSReadLink, "s2"), op(FSReadLink, "../s2"), op(FSReadLink, "s4/up"), op(FSReadlink, "up"),
		op(FSStat, "s1"), op(FSStat, "s2"), op(FSStat, "s3"), op(FSStat, "s4/g"), op(FSStat, "loop"),
		op(FSLstat, "s1"), op(FSLstat, "s2"), op(FSLstat, "s4/g"), op(FSLstat, "up/outside"), op(FSLstat, "."),
		op(FSReadFile, "s1"), op(FSReadFile, "s2"), op(FSReadFile, "s3"), op(FSReadFile, "s4/up/f"),
		op2(FSLink, "f", "hard"), op2(FSLink, "d", "hardd"), op2(FSLink, "s1", "hardl"), op2(FSLink, "up/outside", "hardo"),
		op2(FSLink, "f", "up/hard"), op2(FSLink, "fifo", "hardfifo"), op2(FSLink, "f", "hard"),
		opWrite("hard", "both names"), op(FSReadFile, "f"), op(FSReadlink, "hardl"),
	}},
	{"attributes", []FSOp{
		opPerm(FSChmod, "f", 0600), opPerm(FSChmod, "l", 0700), opPerm(FSChmod, "d/g", fs.ModeSetuid|0755),
		opPerm(FSChmod, "d/e", fs.ModeSticky|0777), opPerm(FSChmod, "up/outside", 0), opPerm(FSChmod, "dangling", 0),
		opPerm(FSChmod, "fifo", 0600), op(FSStat, "f"), op(FSStat, "d"), op(FSLstat, "l"), op(FSStat, "d/g"),
		{Kind: FSChtimes, Name: "f", Time: time.Unix(1e9, 5), Time2: time.Unix(1e9+7, 500)},
		{Kind: FSChtimes, Name: "lf", Time2: time.Unix(1e9+70, 0)},
		{Kind: FSChtimes, Name: "up/outside", Time: time.Unix(1e9, 0), Time2: time.Unix(1e9, 0)},
		op(FSStat, "f"), op(FSStat, "d/g"),
		{Kind: FSChown, Name: "f", UID: 1000, GID: 1000}, {Kind: FSChown, Name: "l", UID: 65534, GID: -1},
		{Kind: FSLchown, Name: "l", UID: 1000, GID: 1000}, {Kind: FSChown, Name: "up/outside", UID: 1000, GID: 1000},
		{Kind: FSLchown, Name: "up", UID: 1000, GID: 1000}, {Kind: FSChown, Name: "missing", UID: 0, GID: 0},
	}},
	{"listing", []FSOp{
		op(FSReadDir, "."), op(FSReadDir, "d"), op(FSReadDir, "l"), op(FSReadDir, "f"), op(FSReadDir, "fifo"),
		op(FSReadDir, "up"), op(FSReadDir, "../x"), op(FSReadDir, "d/up"), op(FSReadDir, "d/"),
		{Kind: FSOpen, Name: ".", N: 1}, {Kind: FSOpen, Name: ".", N: 3}, {Kind: FSOpen, Name: ".", N: -1},
		{Kind: FSOpen, Name: "d", N: 1}, {Kind: FSOpen, Name: "d/e", N: 2}, {Kind: FSOpen, Name: "l", N: 5},
		op(FSOpen, "f"), op(FSOpen, "up"), op(FSOpen, "a\x00"),
	}},
	{"openroot", []FSOp{
		op(FSOpenRoot, "d"), onView(1, opWrite("n", "in the child")), onView(1, op(FSStat, "up")),
		onView(1, op(FSStat, "up/f")), onView(1, op(FSReadlink, "up")), onView(1, op(FSMkdir, "sub")),
		onView(1, op(FSReadDir, ".")), onView(1, op2(FSRename, "n", "../n")), onView(1, op(FSOpenRoot, "e")),
		op(FSOpenRoot, "f"), op(FSOpenRoot, "fifo"), op(FSOpenRoot, "up"), op(FSOpenRoot, "l"),
		op(FSOpenRoot, "."), op(FSOpenRoot, "f/"), op(FSOpenRoot, ""), op(FSOpenRoot, "missing"),
		onView(2, op(FSReadDir, ".")), onView(1, op(FSClose, "")), onView(1, op(FSStat, ".")),
		onView(1, opWrite("late", "x")), onView(1, op(FSRemoveAll, ".")), onView(1, op(FSOpenRoot, "sub")),
		onView(1, FSOp{Kind: FSMkdir, Name: "s", Perm: fs.ModeSetuid}), onView(1, op(FSClose, "")),
		op(FSClose, ""), op(FSStat, "f"), op(FSReadFile, "../x"), opOpen("f", os.O_RDONLY, ""),
		op(FSRemoveAll, "."), op2(FSRename, "f", "g"),
	}},
	{"sub", []FSOp{
		op2(FSSub, "d", "g"), op2(FSSub, "d", "up/f"), op2(FSSub, "l", "up"), op2(FSSub, ".", "fifo"),
		op2(FSSub, "d", "."), op2(FSSub, "up", "outside"), op2(FSSub, "../x", "f"), op2(FSSub, "d", "../f"),
		op2(FSSub, "missing", "f"), op2(FSSub, "f", "x"), op2(FSSub, ".", "lf"), op2(FSSub, "d/e", ""),
	}},
	{"createtemp", []FSOp{
		op2(FSCreateTemp, "", "tmp*"), op2(FSCreateTemp, "d", "*.tmp"), op2(FSCreateTemp, "d/", "t*x*y"),
		op2(FSCreateTemp, "missing", "x"), op2(FSCreateTemp, "", "a/b"), op2(FSCreateTemp, "up", "x"),
		op2(FSCreateTemp, "f", "x"), op2(FSCreateTemp, "l", ""), op2(FSCreateTemp, "", "\x00"),
		op(FSReadDir, "."), op(FSReadDir, "d"),
	}},
}
