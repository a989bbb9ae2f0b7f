package main

// The tests build the shmfs binary once (TestMain) and run it against
// objects and segments they create and remove themselves: names start with
// shmfs-cmdtest-PID-, segments are IPC_PRIVATE (or made by ipcmk) and
// removed by ID. gc runs on the system namespace only as a dry run, and
// with -f only on a private directory or on segment IDs of the test's own.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
	"golang.org/x/sys/unix"
)

// binary is the shmfs command built by TestMain, in binDir, a directory
// every user may read (TestPermission and the hidden-holder tests run
// programs there as other users).
var binary, binDir string

// raceEnabled is set by race_linux_test.go when the test runs with -race;
// the command is then built with -race too.
var raceEnabled bool

func TestMain(m *testing.M) {
	shmfstest.RunChild(map[string]func([]string) error{
		"mkseg":       mkseg,
		"hold-hidden": holdHidden,
		"thread-fd":   threadFD,
	})
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "shmfs-cmdtest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0755) // TestPermission runs it as nobody
	binary = filepath.Join(dir, "shmfs")
	binDir = dir
	args := []string{"build", "-o", binary}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool(), append(args, ".")...)
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	if left := leftovers(); left != "" {
		fmt.Fprintf(os.Stderr, "the tests left shared memory behind:\n%s", left)
		code = 1
	}
	return code
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// prefix starts every object name the tests make.
var prefix = fmt.Sprintf("shmfs-cmdtest-%d-", os.Getpid())

// leftovers lists what the tests made and did not remove.
func leftovers() string {
	var b strings.Builder
	ents, _ := os.ReadDir("/dev/shm")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			fmt.Fprintf(&b, "/dev/shm/%s\n", e.Name())
		}
	}
	segs, _ := shmfs.Segments()
	for _, s := range segs {
		if s.CreatorPID == os.Getpid() {
			fmt.Fprintf(&b, "segment %d\n", s.ID)
		}
	}
	return b.String()
}

var seq atomic.Int64

// newName returns a fresh object name, removed (if it exists) when the test
// ends.
func newName(t *testing.T, base string) string {
	t.Helper()
	name := fmt.Sprintf("%s%d-%s", prefix, seq.Add(1), base)
	t.Cleanup(func() {
		if err := shmfs.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("cleanup: %v", err)
		}
	})
	return name
}

// makeObject creates an object holding data and returns its name.
func makeObject(t *testing.T, base string, data []byte) string {
	t.Helper()
	name := newName(t, base)
	f, err := shmfs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return name
}

// makeSegment creates an IPC_PRIVATE segment, attached until the test ends
// (or until the caller closes it), and removed then.
func makeSegment(t *testing.T, size int) (*shmfs.File, int) {
	t.Helper()
	f, err := shmfs.OpenSegment(0, size, os.O_RDWR|os.O_CREATE, 0600)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		t.Fatal(err)
	}
	id := fi.Sys().(*shmfs.SegmentInfo).ID
	t.Cleanup(func() {
		f.Close()
		removeSegment(t, id)
	})
	return f, id
}

func removeSegment(t *testing.T, id int) {
	if err := shmfs.RemoveSegment(id); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cleanup: %v", err)
	}
}

// mkseg, a child process, creates a segment, prints its ID, detaches and
// exits: the segment's creator is then gone.
func mkseg(args []string) error {
	f, err := shmfs.OpenSegment(0, 4096, os.O_RDWR|os.O_CREATE, 0600)
	if err != nil {
		return err
	}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Println(fi.Sys().(*shmfs.SegmentInfo).ID)
	return f.Close()
}

// leakedSegment makes a segment whose creator has exited, with the test
// binary itself as the creator, and returns its ID (removed when the test
// ends).
func leakedSegment(t *testing.T) int {
	t.Helper()
	cmd := shmfstest.Command("mkseg")
	if raceEnabled {
		cmd.Env = append(cmd.Env, raceEnv())
	}
	out, err := cmd.Output()
	id, err1 := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil || err1 != nil {
		t.Fatalf("mkseg: %v %v %q", err, err1, out)
	}
	t.Cleanup(func() { removeSegment(t, id) })
	return id
}

// ipcmkSegment makes a segment with ipcmk -M 4096 (skipping the test if
// there is no ipcmk) and returns its ID (removed when the test ends).
func ipcmkSegment(t *testing.T) int {
	t.Helper()
	if _, err := exec.LookPath("ipcmk"); err != nil {
		t.Skip("no ipcmk")
	}
	out, err := exec.Command("ipcmk", "-M", "4096").CombinedOutput()
	m := regexp.MustCompile(`id: (\d+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("ipcmk -M 4096: %v %q", err, out)
	}
	id, _ := strconv.Atoi(string(m[1]))
	t.Cleanup(func() { removeSegment(t, id) })
	return id
}

// result is what a run of the command did.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// runShmfs runs the command with args and stdin (may be nil).
func runShmfs(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	return runCmd(t, exec.Command(binary, args...), stdin)
}

// raceEnv tells a -race binary not to sleep a second before it exits.
func raceEnv() string {
	return strings.TrimSpace("GORACE=" + os.Getenv("GORACE") + " atexit_sleep_ms=0")
}

func runCmd(t *testing.T, cmd *exec.Cmd, stdin []byte) result {
	t.Helper()
	if raceEnabled {
		cmd.Env = append(os.Environ(), raceEnv())
	}
	var stdout, stderr bytes.Buffer
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return r
}

// ok runs the command and fails the test unless it exits 0.
func ok(t *testing.T, stdin []byte, args ...string) result {
	t.Helper()
	r := runShmfs(t, stdin, args...)
	if r.code != 0 {
		t.Fatalf("shmfs %s: %v", strings.Join(args, " "), r)
	}
	return r
}

// fails runs the command and fails the test unless it exits with code and
// prints something matching pattern on stderr.
func fails(t *testing.T, code int, pattern string, stdin []byte, args ...string) result {
	t.Helper()
	r := runShmfs(t, stdin, args...)
	if r.code != code || !regexp.MustCompile(pattern).MatchString(r.stderr) {
		t.Errorf("shmfs %s: want exit %d and stderr matching %q; got %v", strings.Join(args, " "), code, pattern, r)
	}
	return r
}

func readObject(t *testing.T, name string) []byte {
	t.Helper()
	f, err := shmfs.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func exists(name string) bool {
	_, err := os.Lstat("/dev/shm/" + strings.TrimPrefix(name, "/"))
	return err == nil
}

// privateDir is a directory namespace of the test's own, on tmpfs when
// /dev/shm is there, removed when the test ends.
func privateDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", prefix+"dir-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// unusedID is a user and group ID that no process has: an object owned by
// it with mode 0600 is one that no process which cannot be inspected could
// open, so gc's verdict on it depends on nothing else on the machine.
var unusedID = 0x7ffe0000 + os.Getpid()%0xffff

// unowned gives the file at path to unusedID:unusedID with mode 0600 (as
// root; otherwise it only sets the mode).
func unowned(t *testing.T, path string) {
	t.Helper()
	if err := os.Chmod(path, 0600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(path, unusedID, unusedID); err != nil {
			t.Fatal(err)
		}
	}
}

// makeUnowned is makeObject, then unowned.
func makeUnowned(t *testing.T, base string, data []byte) string {
	t.Helper()
	name := makeObject(t, base, data)
	unowned(t, "/dev/shm/"+name)
	return name
}

var (
	peerOnce sync.Once
	peerPath string
	peerErr  error
)

// peerBinary is a copy of this test binary in binDir, which other users
// can run (the go tool's build directory is root's alone).
func peerBinary(t *testing.T) string {
	t.Helper()
	peerOnce.Do(func() {
		self, err := os.Executable()
		if err != nil {
			peerErr = err
			return
		}
		b, err := os.ReadFile(self)
		if err != nil {
			peerErr = err
			return
		}
		peerPath = filepath.Join(binDir, "cmdtest")
		peerErr = os.WriteFile(peerPath, b, 0755)
	})
	if peerErr != nil {
		t.Fatal(peerErr)
	}
	return peerPath
}

// childAs returns a command that runs the child called name of this test
// binary (a copy other users can run) under the given setpriv arguments.
func childAs(t *testing.T, setpriv []string, name string, args ...string) *exec.Cmd {
	t.Helper()
	js, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("setpriv", append(setpriv, peerBinary(t), "-test.run=^$", "-test.count=1")...)
	cmd.Env = append(os.Environ(), shmfstest.ChildEnv+"="+name, shmfstest.ChildArgsEnv+"="+string(js))
	if raceEnabled {
		cmd.Env = append(cmd.Env, raceEnv())
	}
	return cmd
}

// holdHidden, a child process, maps the object at args[0] (reading its
// first byte), closes its descriptor and makes itself not dumpable
// (PR_SET_DUMPABLE 0), so that only root may read its /proc/PID/maps and
// fd. It prints "ready" and waits for its standard input to close; then it
// prints its mapping's line of /proc/self/maps (which ends in "(deleted)"
// if the object was removed meanwhile) and exits.
func holdHidden(args []string) error {
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	b, err := unix.Mmap(int(f.Fd()), 0, 4096, unix.PROT_READ, unix.MAP_SHARED)
	f.Close()
	if err != nil {
		return err
	}
	defer unix.Munmap(b)
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
		return err
	}
	_ = b[0]
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return err
	}
	for line := range strings.Lines(string(maps)) {
		if strings.Contains(line, args[0]) {
			fmt.Print(line)
		}
	}
	return nil
}

// threadFD, a child process, opens the file at args[0] from a thread that
// has a descriptor table of its own (unshare CLONE_FILES), so that the
// descriptor is in /proc/PID/task/TID/fd but not in /proc/PID/fd. It
// prints "ready TID" and waits for its standard input to close.
func threadFD(args []string) error {
	type result struct {
		tid int
		err error
	}
	for {
		res := make(chan result)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread stays this goroutine's
			if unix.Gettid() == unix.Getpid() {
				// The main thread, whose table /proc/PID/fd shows: keep
				// it busy, so that the next try runs on another.
				res <- result{err: errLeader}
				select {}
			}
			if err := unix.Unshare(unix.CLONE_FILES); err != nil {
				res <- result{err: err}
				return
			}
			fd, err := unix.Open(args[0], unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err != nil {
				res <- result{err: err}
				return
			}
			res <- result{tid: unix.Gettid()}
			runtime.KeepAlive(fd)
			select {} // keep the thread, its table and the descriptor
		}()
		r := <-res
		if errors.Is(r.err, errLeader) {
			continue
		}
		if r.err != nil {
			return r.err
		}
		fmt.Printf("ready %d\n", r.tid)
		break
	}
	io.Copy(io.Discard, os.Stdin)
	return nil
}

var errLeader = errors.New("on the main thread")
