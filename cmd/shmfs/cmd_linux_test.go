package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/shmfs/shmfs"
)

func TestUsage(t *testing.T) {
	fails(t, 2, `usage: shmfs <command>`, nil)
	fails(t, 2, `shmfs nosuch: unknown command`, nil, "nosuch")
	fails(t, 2, `unknown command`, nil, "help", "nosuch")
	if r := ok(t, nil, "help"); !strings.Contains(r.stdout, "gc ") || !strings.Contains(r.stdout, "demo ") {
		t.Errorf("help does not list the commands:\n%v", r)
	}
	if r := ok(t, nil, "--help"); !strings.HasPrefix(r.stdout, "usage: shmfs <command>") || r.stderr != "" {
		t.Errorf("shmfs --help: want the usage on stdout only:\n%v", r)
	}
	// Help asked for goes to stdout (shmfs help gc | less), and nothing to
	// stderr; a usage error goes to stderr, with the usage, and nothing to
	// stdout.
	for _, cmd := range []string{"ls", "stat", "cat", "write", "rm", "gc", "demo"} {
		for _, args := range [][]string{{cmd, "-h"}, {cmd, "--help"}, {cmd, "-help"}, {"help", cmd}} {
			r := ok(t, nil, args...)
			if !strings.HasPrefix(r.stdout, "usage: shmfs "+cmd) || !strings.Contains(r.stdout, "\nflags:\n") && cmd != "demo" || r.stderr != "" {
				t.Errorf("shmfs %s: want the usage, with the flags, on stdout only:\n%v", strings.Join(args, " "), r)
			}
		}
		r := fails(t, 2, `^flag provided but not defined: -nosuch\nusage: shmfs `+cmd, nil, cmd, "-nosuch")
		if r.stdout != "" {
			t.Errorf("shmfs %s -nosuch: stdout %q", cmd, r.stdout)
		}
	}
	fails(t, 2, `no name given`, nil, "cat")
	fails(t, 2, `no segment ID given`, nil, "rm", "-segment")
	fails(t, 2, `want one name`, nil, "write", "a", "b")
	fails(t, 2, `not a segment ID`, nil, "stat", "-segment", "x")
	fails(t, 2, `-append does not apply to a segment`, nil, "write", "-segment", "-append", "1")
	fails(t, 2, `invalid value "9" for flag -perm`, nil, "write", "-perm", "9", "x")
	fails(t, 2, `invalid value "soon" for flag -older-than`, nil, "gc", "-older-than", "soon")
	fails(t, 2, `unexpected argument`, nil, "gc", "x")
	fails(t, 2, `-base64: "!!" is not base64`, nil, "stat", "-base64", "!!")
	fails(t, 2, `-base64 does not apply to segment IDs`, nil, "rm", "-segment", "-base64", "1")
}

func TestWriteCat(t *testing.T) {
	name := newName(t, "wc")
	data := make([]byte, 3<<20+17)
	for i := range data {
		data[i] = byte(rand.IntN(256))
	}
	ok(t, data, "write", name)
	if got := readObject(t, name); !bytes.Equal(got, data) {
		t.Fatalf("write: the object holds %d bytes, not the %d written", len(got), len(data))
	}
	for _, spelling := range []string{name, "/" + name, "/dev/shm/" + name} {
		if r := ok(t, nil, "cat", spelling); r.stdout != string(data) {
			t.Fatalf("cat %s: %d bytes, want %d", spelling, len(r.stdout), len(data))
		}
	}

	// Truncated when written again; -append adds.
	ok(t, []byte("hello, "), "write", name)
	ok(t, []byte("world\n"), "write", "-append", name)
	if r := ok(t, nil, "cat", name); r.stdout != "hello, world\n" {
		t.Errorf("cat after write and write -append: %q", r.stdout)
	}
	// Several names are concatenated.
	other := makeObject(t, "wc2", []byte("more\n"))
	if r := ok(t, nil, "cat", name, other); r.stdout != "hello, world\nmore\n" {
		t.Errorf("cat of two objects: %q", r.stdout)
	}
	// Empty input makes an empty object.
	ok(t, []byte{}, "write", name)
	if got := readObject(t, name); len(got) != 0 {
		t.Errorf("write of nothing left %d bytes", len(got))
	}

	// -perm applies to a new object.
	fresh := newName(t, "perm")
	ok(t, []byte("x"), "write", "-perm", "0600", fresh)
	if fi, err := os.Stat("/dev/shm/" + fresh); err != nil || fi.Mode().Perm() != 0600 {
		t.Errorf("write -perm 0600: %v %v", fi.Mode(), err)
	}

	missing := newName(t, "missing")
	fails(t, 1, `^shmfs cat: open `+missing+`: no such file or directory\n$`, nil, "cat", missing)
	fails(t, 1, `invalid argument`, nil, "cat", "a/b")
	fails(t, 1, `invalid argument`, []byte("x"), "write", "..")
}

func TestSegmentCatWrite(t *testing.T) {
	f, id := makeSegment(t, 8192)
	ids := strconv.Itoa(id)
	ok(t, []byte("into the segment"), "write", "-segment", ids)
	buf := make([]byte, 16)
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "into the segment" {
		t.Errorf("segment holds %q, %v", buf, err)
	}
	r := ok(t, nil, "cat", "-segment", ids)
	if len(r.stdout) != 8192 || !strings.HasPrefix(r.stdout, "into the segment\x00") {
		t.Errorf("cat -segment: %d bytes, %q...", len(r.stdout), r.stdout[:min(len(r.stdout), 20)])
	}
	// Longer than the segment: an error, not a silent truncation.
	fails(t, 1, `shmfs write: `, make([]byte, 8193), "write", "-segment", ids)
	fails(t, 1, `no segment`, nil, "cat", "-segment", "2147483647")
}

// lsJSON runs ls -json and decodes it.
func lsJSON(t *testing.T, args ...string) lsOutput {
	t.Helper()
	r := ok(t, nil, append([]string{"ls", "-json"}, args...)...)
	var out lsOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("ls -json: %v\n%s", err, r.stdout)
	}
	return out
}

func findObject(out lsOutput, name string) *object {
	for i := range out.Objects {
		if out.Objects[i].Name == name {
			return &out.Objects[i]
		}
	}
	return nil
}

func findSegmentOut(out lsOutput, id int) *segment {
	for i := range out.Segments {
		if out.Segments[i].ID == id {
			return &out.Segments[i]
		}
	}
	return nil
}

// holdOpen opens an object and keeps it open until the test ends.
func holdOpen(t *testing.T, name string) {
	f, err := shmfs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}

// mapOnly maps the file at path and closes its descriptor: the process
// then uses it only through the mapping (/proc/PID/maps).
func mapOnly(t *testing.T, path string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ, unix.MAP_SHARED)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Munmap(b) })
}

func TestLs(t *testing.T) {
	unused := makeObject(t, "unused", []byte("12345"))
	held := makeObject(t, "held", make([]byte, 10000))
	holdOpen(t, held)
	mapped := makeObject(t, "mapped", []byte("m"))
	mapOnly(t, "/dev/shm/"+mapped)
	seg, id := makeSegment(t, 4096)
	_ = seg

	out := lsJSON(t)
	if out.Dir != "/dev/shm" {
		t.Errorf("Dir = %q", out.Dir)
	}
	me := os.Getpid()
	for _, c := range []struct {
		name  string
		size  int64
		procs int
	}{{unused, 5, 0}, {held, 10000, 1}, {mapped, 1, 1}} {
		o := findObject(out, c.name)
		if o == nil {
			t.Errorf("ls -json does not list %s", c.name)
			continue
		}
		if o.Size != c.size || o.Processes != c.procs || o.Path != "/dev/shm/"+c.name ||
			o.UID != os.Geteuid() || o.Mode != "-rw-r--r--" && o.Mode != "-rw-rw-r--" && o.Mode != "-rw-rw-rw-" ||
			o.Modified.IsZero() || o.Owner == "" {
			t.Errorf("ls -json: %s: %+v", c.name, *o)
		}
		if c.procs == 1 && !slices.Equal(o.PIDs, []int{me}) {
			t.Errorf("ls -json: %s: PIDs %v, want [%d]", c.name, o.PIDs, me)
		}
	}
	g := findSegmentOut(out, id)
	if g == nil {
		t.Fatalf("ls -json does not list segment %d", id)
	}
	if g.Size != 4096 || g.Attached != 1 || g.CreatorPID != me || !g.CreatorAlive || g.Removed ||
		g.Perm != "0600" || g.Key != 0 || g.KeyHex != "0x00000000" || g.AttachTime == nil {
		t.Errorf("ls -json: segment: %+v", *g)
	}

	// The table.
	r := ok(t, nil, "ls")
	for _, want := range []string{
		`POSIX shared-memory objects in /dev/shm:\n`,
		`NAME +SIZE +MODE +OWNER +MODIFIED +PROCS\n`,
		regexp.QuoteMeta(unused) + ` +5 B +-rw\S+ +\S+:\S+ +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +0\n`,
		regexp.QuoteMeta(held) + ` +9.8 KiB .* 1 \(` + strconv.Itoa(me) + `\)\n`,
		regexp.QuoteMeta(mapped) + ` .* 1 \(` + strconv.Itoa(me) + `\)\n`,
		`System V shared-memory segments:\n`,
		`KEY +ID +SIZE +PERMS +OWNER +NATTCH +CREATOR +STATUS\n`,
		`0x00000000 +` + strconv.Itoa(id) + ` +4.0 KiB +-rw------- +\S+ +1 +` + strconv.Itoa(me) + ` \(alive: [^)]+\) *\n`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("ls: no line matching %q in\n%s", want, r.stdout)
		}
	}

	// Marked for removal, still attached.
	if err := shmfs.RemoveSegment(id); err != nil {
		t.Fatal(err)
	}
	if g := findSegmentOut(lsJSON(t), id); g == nil || !g.Removed || g.Attached != 1 {
		t.Errorf("ls -json: removed segment: %+v", g)
	}
	r = ok(t, nil, "ls")
	if !regexp.MustCompile(` ` + strconv.Itoa(id) + ` .*marked for removal\n`).MatchString(r.stdout) {
		t.Errorf("ls: segment %d not shown marked for removal:\n%s", id, r.stdout)
	}
}

func TestDir(t *testing.T) {
	dir := privateDir(t)
	ok(t, []byte("in a directory"), "write", "-dir", dir, "obj")
	if b, err := os.ReadFile(filepath.Join(dir, "obj")); err != nil || string(b) != "in a directory" {
		t.Fatalf("write -dir: %q %v", b, err)
	}
	if r := ok(t, nil, "cat", "-dir", dir, "obj"); r.stdout != "in a directory" {
		t.Errorf("cat -dir: %q", r.stdout)
	}
	os.Mkdir(filepath.Join(dir, "sub"), 0755)
	ok(t, []byte("deeper"), "write", "-dir", dir, "sub/obj")
	out := lsJSON(t, "-dir", dir)
	if out.Dir != dir || len(out.Objects) != 1 || out.Objects[0].Name != "obj" || out.Objects[0].Size != 14 {
		t.Errorf("ls -json -dir: %+v", out)
	}
	r := ok(t, nil, "stat", "-dir", dir, "sub/obj")
	if !strings.Contains(r.stdout, "path:       "+filepath.Join(dir, "sub/obj")+"\n") {
		t.Errorf("stat -dir:\n%s", r.stdout)
	}
	ok(t, nil, "rm", "-dir", dir, "obj", "sub/obj")
	if _, err := os.Stat(filepath.Join(dir, "obj")); err == nil {
		t.Error("rm -dir did not remove")
	}
	fails(t, 1, `path escapes from parent`, nil, "cat", "-dir", dir, "../x") // os.Root's error
}

func TestStat(t *testing.T) {
	name := makeObject(t, "stat", make([]byte, 5000))
	holdOpen(t, name)
	r := ok(t, nil, "stat", name)
	me := strconv.Itoa(os.Getpid())
	for _, want := range []string{
		`(?m)^name: +` + name + `$`,
		`(?m)^path: +/dev/shm/` + name + `$`,
		`(?m)^size: +5000 bytes \(4.9 KiB\)$`,
		`(?m)^memory: +\d+ bytes in use \(\d+.\d KiB, \d+ blocks of 512 bytes\)$`,
		`(?m)^mode: +-rw\S+ \(06\d\d\)$`,
		`(?m)^owner: +\S+ \(uid \d+\)$`,
		`(?m)^group: +\S+ \(gid \d+\)$`,
		`(?m)^inode: +\d+$`,
		`(?m)^device: +\d+:\d+$`,
		`(?m)^links: +1$`,
		`(?m)^accessed: +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(\d+s ago\)$`,
		`(?m)^modified: +\d{4}-.* ago\)$`,
		`(?m)^changed: +\d{4}-.* ago\)$`,
		`(?m)^processes: +` + me + ` \S+ \(holds it open\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("stat: no line matching %q in\n%s", want, r.stdout)
		}
	}
	missing := newName(t, "missing")
	r = fails(t, 1, `^shmfs stat: stat `+missing+`: no such file or directory\n$`, nil, "stat", missing, name)
	if !strings.Contains(r.stdout, "name:       "+name) {
		t.Errorf("stat of a missing and a present object: the present one is not shown:\n%s", r.stdout)
	}

	seg, id := makeSegment(t, 10000)
	_ = seg
	r = ok(t, nil, "stat", "-segment", strconv.Itoa(id))
	for _, want := range []string{
		`(?m)^id: +` + strconv.Itoa(id) + `$`,
		`(?m)^key: +0x00000000 \(IPC_PRIVATE\)$`,
		`(?m)^size: +10000 bytes \(9.8 KiB\)$`,
		`(?m)^perms: +-rw------- \(0600\)$`,
		`(?m)^owner: +\S+ \(uid \d+\)$`,
		`(?m)^group: +\S+ \(gid \d+\)$`,
		`(?m)^attached: +1 \(nattch\)$`,
		`(?m)^status: +in use$`,
		`(?m)^creator: +pid ` + me + ` \(alive: \S+\)$`,
		`(?m)^last pid: +` + me + ` \(alive: \S+\), the last to attach or detach$`,
		`(?m)^attached at: +\d{4}-.* ago\)$`,
		`(?m)^detached at: +never$`,
		`(?m)^changed at: +\d{4}-.* ago\)$`,
		`(?m)^processes: +` + me + ` \S+ \(attached\)$`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("stat -segment: no line matching %q in\n%s", want, r.stdout)
		}
	}
	fails(t, 1, `no System V segment with ID 2147483647`, nil, "stat", "-segment", "2147483647")

	leaked := leakedSegment(t)
	r = ok(t, nil, "stat", "-segment", strconv.Itoa(leaked))
	for _, want := range []string{
		`(?m)^status: +not attached, and its creator is gone: a leak \(shmfs gc finds it\)$`,
		`(?m)^creator: +pid \d+ \(gone\)$`,
		`(?m)^detached at: +\d{4}-.* ago\)$`,
		`(?m)^processes: +none`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("stat -segment of a leaked segment: no line matching %q in\n%s", want, r.stdout)
		}
	}
}

func TestRm(t *testing.T) {
	a := makeObject(t, "a", []byte("a"))
	b := makeObject(t, "b", []byte("b"))
	ok(t, nil, "rm", a, "/"+b)
	if exists(a) || exists(b) {
		t.Fatal("rm did not remove both objects")
	}
	c := makeObject(t, "c", []byte("c"))
	missing := newName(t, "missing")
	fails(t, 1, `^shmfs rm: remove `+missing+`: no such file or directory\n$`, nil, "rm", missing, c)
	if exists(c) {
		t.Error("rm stopped at the first error")
	}
	ok(t, nil, "rm", "-f", missing)

	// A segment nobody has attached is destroyed; an attached one is
	// marked for removal.
	s1, id1 := makeSegment(t, 4096)
	s1.Close()
	s2, id2 := makeSegment(t, 4096)
	_ = s2
	ok(t, nil, "rm", "-segment", strconv.Itoa(id1), strconv.Itoa(id2))
	segs, err := shmfs.Segments()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s.ID == id1 {
			t.Errorf("rm -segment: segment %d is still there: %+v", id1, s)
		}
		if s.ID == id2 && !s.Removed {
			t.Errorf("rm -segment: segment %d is not marked for removal: %+v", id2, s)
		}
	}
	fails(t, 1, `shmfs rm: shmctl shmid:2147483647: .*no segment`, nil, "rm", "-segment", "2147483647")
	ok(t, nil, "rm", "-f", "-segment", "2147483647")
}

// gcLines returns the lines of gc's standard output that mention one of
// the test's own objects or segments.
func gcLines(out string, own ...string) []string {
	var lines []string
	for line := range strings.Lines(out) {
		for _, o := range own {
			if strings.Contains(line, o) {
				lines = append(lines, strings.TrimSuffix(line, "\n"))
				break
			}
		}
	}
	return lines
}

func TestGCDryRun(t *testing.T) {
	// Owned by an ID no process has, mode 0600: no process that cannot be
	// inspected (there may be some, even for root) could open it.
	unused := makeUnowned(t, "unused", []byte("x"))
	held := makeObject(t, "held", []byte("x"))
	holdOpen(t, held)
	mapped := makeObject(t, "mapped", []byte("x"))
	mapOnly(t, "/dev/shm/"+mapped)
	attached, attachedID := makeSegment(t, 4096)
	_ = attached
	detached, detachedID := makeSegment(t, 4096) // its creator, this process, still runs
	detached.Close()
	leaked := leakedSegment(t)
	segName := func(id int) string { return fmt.Sprintf("segment %d ", id) }

	r := ok(t, nil, "gc")
	got := gcLines(r.stdout, unused, held, mapped, segName(attachedID), segName(detachedID), segName(leaked))
	want := []string{
		`^would remove object /dev/shm/` + unused + ` \(1 B\): no process maps it or holds it open; last used \d+s ago$`,
		`^would remove segment ` + strconv.Itoa(leaked) + ` \(key 0x00000000, 4.0 KiB\): not attached, creator pid \d+ gone; last used \d+s ago$`,
	}
	if len(got) != len(want) {
		t.Fatalf("gc: want %d lines about the test's objects, got:\n%s\n\nall of it: %v", len(want), strings.Join(got, "\n"), r)
	}
	for i := range want {
		if !regexp.MustCompile(want[i]).MatchString(got[i]) {
			t.Errorf("gc: line %q does not match %q", got[i], want[i])
		}
	}
	if !regexp.MustCompile(`shmfs gc: \d+ leaks? \(.*\); this was a dry run: add -f to remove them\n`).MatchString(r.stderr) {
		t.Errorf("gc: no summary:\n%s", r.stderr)
	}
	if !exists(unused) || !segmentExists(t, leaked) {
		t.Fatal("gc without -f removed something")
	}

	// Used too recently.
	r = ok(t, nil, "gc", "-older-than", "1h")
	if got := gcLines(r.stdout, unused, segName(leaked)); len(got) != 0 {
		t.Errorf("gc -older-than 1h lists what is seconds old:\n%s", strings.Join(got, "\n"))
	}
	r = ok(t, nil, "gc", "-older-than", "0s", "-prefix", prefix, "-sysv=false")
	if got := gcLines(r.stdout, unused, segName(leaked)); len(got) != 1 {
		t.Errorf("gc -prefix -sysv=false: want the unused object only:\n%s", r.stdout)
	}
	// Narrowing one kind down leaves the other out.
	r = ok(t, nil, "gc", "-id", strconv.Itoa(leaked))
	if got := gcLines(r.stdout, "object ", "segment "); len(got) != 1 || !strings.Contains(got[0], segName(leaked)) {
		t.Errorf("gc -id: want the leaked segment only:\n%s", r.stdout)
	}
	r = ok(t, nil, "gc", "-prefix", prefix)
	if got := gcLines(r.stdout, "object ", "segment "); len(got) != 1 || !strings.Contains(got[0], unused) {
		t.Errorf("gc -prefix: want the unused object only:\n%s", r.stdout)
	}
	r = ok(t, nil, "gc", "-prefix", prefix, "-sysv")
	if got := gcLines(r.stdout, unused, segName(leaked)); len(got) != 2 {
		t.Errorf("gc -prefix -sysv: want the unused object and the leaked segment:\n%s", r.stdout)
	}
}

func TestGCIpcmk(t *testing.T) {
	id := ipcmkSegment(t)
	r := ok(t, nil, "gc", "-posix=false")
	if got := gcLines(r.stdout, fmt.Sprintf("segment %d ", id)); len(got) != 1 || !strings.HasPrefix(got[0], "would remove segment") {
		t.Fatalf("gc does not list the segment ipcmk made:\n%v", r)
	}
	if !segmentExists(t, id) {
		t.Fatal("gc without -f removed the segment")
	}
	// -f, on this segment only.
	r = ok(t, nil, "gc", "-f", "-posix=false", "-id", strconv.Itoa(id))
	if want := fmt.Sprintf("removed segment %d (key 0x", id); !strings.HasPrefix(r.stdout, want) || strings.Count(r.stdout, "\n") != 1 {
		t.Errorf("gc -f -id %d: want one line %q...; got %v", id, want, r)
	}
	if segmentExists(t, id) {
		t.Error("gc -f did not remove the segment")
	}
}

func TestGCForce(t *testing.T) {
	dir := privateDir(t)
	for _, n := range []string{"unused1", "unused2", "held", "mapped", "other"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(n), 0644); err != nil {
			t.Fatal(err)
		}
		unowned(t, filepath.Join(dir, n)) // see TestGCDryRun
	}
	f, err := os.Open(filepath.Join(dir, "held"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mapOnly(t, filepath.Join(dir, "mapped"))
	leaked := leakedSegment(t)

	r := ok(t, nil, "gc", "-dir", dir, "-sysv=false")
	if want := "would remove object " + dir + "/other (5 B)"; !strings.Contains(r.stdout, want) {
		t.Errorf("gc -dir: no %q in\n%v", want, r)
	}
	r = ok(t, nil, "gc", "-f", "-dir", dir, "-prefix", "u", "-posix", "-sysv=false")
	want := "^removed object " + regexp.QuoteMeta(dir) + "/unused1 \\(7 B\\): no process maps it or holds it open; last used \\d+s ago\n" +
		"removed object " + regexp.QuoteMeta(dir) + "/unused2 \\(7 B\\): no process maps it or holds it open; last used \\d+s ago\n$"
	if !regexp.MustCompile(want).MatchString(r.stdout) {
		t.Errorf("gc -f -dir -prefix u: want\n%s\ngot %v", want, r)
	}
	ents, _ := os.ReadDir(dir)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if !slices.Equal(left, []string{"held", "mapped", "other"}) {
		t.Errorf("after gc -f: %v left, want held, mapped, other", left)
	}
	if !segmentExists(t, leaked) {
		t.Error("gc -f -sysv=false removed a segment")
	}
	// The leaked segment, by ID, and the POSIX objects of the private
	// directory: both kinds at once.
	r = ok(t, nil, "gc", "-f", "-dir", dir, "-id", strconv.Itoa(leaked))
	if got := gcLines(r.stdout, "removed "); len(got) != 2 || !strings.Contains(r.stdout, "removed object "+dir+"/other") ||
		!strings.Contains(r.stdout, fmt.Sprintf("removed segment %d ", leaked)) {
		t.Errorf("gc -f -dir -id: %v", r)
	}
	if segmentExists(t, leaked) {
		t.Error("gc -f -id did not remove the leaked segment")
	}
	if !strings.Contains(r.stderr, "shmfs gc: removed 2 of 2 leaks") {
		t.Errorf("gc -f: summary:\n%s", r.stderr)
	}
}

func segmentExists(t *testing.T, id int) bool {
	t.Helper()
	segs, err := shmfs.Segments()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range segs {
		if s.ID == id {
			return true
		}
	}
	return false
}

// TestPermission runs the command as user nobody on the test's own
// objects: errors on stderr and exit status 1.
func TestPermission(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the command as nobody")
	}
	name := makeObject(t, "secret", []byte("secret"))
	if err := os.Chmod("/dev/shm/"+name, 0600); err != nil {
		t.Fatal(err)
	}
	_, id := makeSegment(t, 4096)
	asNobody := func(args ...string) result {
		cmd := exec.Command(binary, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		return runCmd(t, cmd, nil)
	}
	check := func(r result, pattern string) {
		t.Helper()
		if r.code != 1 || !regexp.MustCompile(pattern).MatchString(r.stderr) {
			t.Errorf("want exit 1 and %q on stderr; got %v", pattern, r)
		}
	}
	check(asNobody("cat", name), `^shmfs cat: open `+name+`: permission denied\n$`)
	check(asNobody("rm", name), `^shmfs rm: remove `+name+`: operation not permitted\n$`)
	check(asNobody("cat", "-segment", strconv.Itoa(id)), `^shmfs cat: shmat shmid:\d+: permission denied\n$`)
	check(asNobody("rm", "-segment", strconv.Itoa(id)), `^shmfs rm: shmctl shmid:\d+: .*operation not permitted\n$`)
	if !exists(name) || !segmentExists(t, id) {
		t.Fatal("removed by nobody")
	}
	// gc as nobody cannot inspect root's processes: it leaves root's
	// objects alone, and says so.
	r := asNobody("gc", "-sysv=false", "-prefix", prefix)
	left := regexp.MustCompile(`(?m)^left alone object /dev/shm/` + regexp.QuoteMeta(name) +
		` \(6 B\): no process found mapping it or holding it open, but \d+ process(es)? that cannot be inspected could open it \(mode -rw-------, owner uid 0, group gid 0\): pid \d+ .*\(uid 0, .*: permission denied\)`)
	if r.code != 0 || strings.Contains(r.stdout, "would remove object /dev/shm/"+name) || !left.MatchString(r.stdout) ||
		!strings.Contains(r.stderr, "shmfs gc: left alone 1 object that no process was found using") {
		t.Errorf("gc as nobody: want root's object left alone, with the reason; got %v", r)
	}
}

func TestDemo(t *testing.T) {
	r := ok(t, nil, "demo")
	for _, want := range []string{
		`parent: created /shmfs-demo-\d+ and wrote "hello from parent pid \d+" through \*shmfs.File\n`,
		`child:  pid \d+ opened /shmfs-demo-\d+ and read "hello from parent pid \d+"\n`,
		`parent: read the child's reply at offset 1024: "hello back from child pid \d+"\n`,
		`parent: shmfs stat: /dev/shm/shmfs-demo-(\d+) is \d+ bytes, -rw\S+, used by 1 process: (\d+) \S+ \((maps it, )?holds it open\)\n`,
		`ReadAt 64 B: \*shmfs.File \S+/op, \*os.File \S+/op`,
	} {
		if !regexp.MustCompile(want).MatchString(r.stdout) {
			t.Errorf("demo: no line matching %q in\n%s", want, r.stdout)
		}
	}
}
