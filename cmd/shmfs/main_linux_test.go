package main

// The tests build the shmfs binary once (TestMain) and run it against
// objects and segments they create and remove themselves: names start with
// shmfs-cmdtest-PID-, segments are IPC_PRIVATE (or made by ipcmk) and
// removed by ID. gc runs on the system namespace only as a dry run, and
// with -f only on a private directory or on segment IDs of the test's own.

import (
	"bytes"
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
	"sync/atomic"
	"testing"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// binary is the shmfs command built by TestMain.
var binary string

// raceEnabled is set by race_linux_test.go when the test runs with -race;
// the command is then built with -race too.
var raceEnabled bool

func TestMain(m *testing.M) {
	shmfstest.RunChild(map[string]func([]string) error{
		"mkseg": mkseg,
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
