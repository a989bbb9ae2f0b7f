package main

// Processes gc cannot inspect: a holder that maps an object, has closed its
// descriptor and is not dumpable must keep its object, whoever runs gc.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// needSetpriv skips the test unless it runs as root with a setpriv that
// accepts args (running true).
func needSetpriv(t *testing.T, args ...string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run processes as other users")
	}
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("no setpriv (util-linux)")
	}
	if out, err := exec.Command("setpriv", append(args, "true")...).CombinedOutput(); err != nil {
		t.Skipf("setpriv %s refused: %v %s", strings.Join(args, " "), err, out)
	}
}

// startHolder starts holdHidden on path under setpriv args and waits until
// it has mapped the object and made itself not dumpable. stop closes its
// standard input, waits for it and returns its mapping's line of maps.
func startHolder(t *testing.T, setpriv []string, path string) (pid int, stop func() string) {
	t.Helper()
	cmd := childAs(t, setpriv, "hold-hidden", path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	stopped := false
	rest := ""
	stop = func() string {
		if stopped {
			return rest
		}
		stopped = true
		stdin.Close()
		b, _ := io.ReadAll(out)
		rest = string(b)
		if err := cmd.Wait(); err != nil {
			t.Errorf("holder: %v\n%s", err, stderr.String())
		}
		return rest
	}
	t.Cleanup(func() { stop() })
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		stop()
		t.Fatalf("holder: %q, %v\n%s", line, err, stderr.String())
	}
	return cmd.Process.Pid, stop
}

// TestGCHiddenHolder: gc run by an ordinary user (nobody), and a process of
// the same user that maps an object, has closed its descriptor and is not
// dumpable (as ssh-agent or gpg-agent are), which hides the mapping from
// gc. gc must leave alone every object that process could open, say why,
// and still remove what no hidden process could open.
func TestGCHiddenHolder(t *testing.T) {
	asNobody := []string{"--reuid=65534", "--regid=65534", "--clear-groups"}
	needSetpriv(t, asNobody...)

	// held: nobody's object, which the holder maps. free: in a directory
	// of nobody's, owned by an ID no process has, mode 0600: nothing
	// hidden could open it.
	held := makeObject(t, "held", []byte("in use"))
	heldPath := "/dev/shm/" + held
	if err := os.Chmod(heldPath, 0600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(heldPath, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	dir := privateDir(t)
	if err := os.Chmod(dir, 0755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, 65534, 65534); err != nil { // nobody removes from its own directory
		t.Fatal(err)
	}
	free := filepath.Join(dir, "free")
	if err := os.WriteFile(free, []byte("leaked"), 0600); err != nil {
		t.Fatal(err)
	}
	unowned(t, free)

	pid, stop := startHolder(t, asNobody, heldPath)
	// The scene: nobody cannot read the holder's mappings.
	if out, err := exec.Command("setpriv", append(asNobody, "cat", fmt.Sprintf("/proc/%d/maps", pid))...).CombinedOutput(); err == nil {
		t.Fatalf("nobody can read the not dumpable holder's /proc/%d/maps: %.200s", pid, out)
	}
	nobody := func(args ...string) result {
		return runCmd(t, exec.Command("setpriv", append(append(asNobody, binary), args...)...), nil)
	}
	leftAlone := regexp.MustCompile(`(?m)^left alone object ` + regexp.QuoteMeta(heldPath) +
		` \(6 B\): no process found mapping it or holding it open, but \d+ process(es)? that cannot be inspected could open it` +
		` \(mode -rw-------, owner uid 65534, group gid 65534\): ` +
		`(.*, )?pid ` + strconv.Itoa(pid) + ` cmdtest \(uid 65534, not dumpable, /proc/` + strconv.Itoa(pid) + `/(maps|task/\d+/fd/?): permission denied\)`)

	for _, c := range []struct {
		name  string
		flags []string
		verb  string // of the free object's line
	}{
		{"dry run", nil, "would remove"},
		{"-f", []string{"-f"}, "removed"},
	} {
		r := nobody(append(append([]string{"gc"}, c.flags...), "-prefix", held, "-sysv=false")...)
		if r.code != 0 || !leftAlone.MatchString(r.stdout) || strings.Contains(r.stdout, "remove") ||
			!strings.Contains(r.stderr, "shmfs gc: left alone 1 object that no process was found using") {
			t.Errorf("gc %s as nobody: want %s left alone, naming pid %d; got %v", c.name, heldPath, pid, r)
		}
		if !exists(held) {
			t.Fatalf("gc %s as nobody removed the object the hidden holder maps", c.name)
		}
		// What no hidden process could open goes.
		r = nobody(append(append([]string{"gc"}, c.flags...), "-dir", dir, "-sysv=false")...)
		line := c.verb + " object " + free + " (6 B): no process maps it or holds it open; last used "
		if r.code != 0 || !strings.HasPrefix(r.stdout, line) || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("gc %s -dir as nobody: want one line %q...; got %v", c.name, line, r)
		}
	}
	if _, err := os.Lstat(free); err == nil {
		t.Errorf("gc -f left %s, which no process could open", free)
	}

	// stat says who may use it unseen, and ls -json lists it.
	r := nobody("stat", held)
	if want := regexp.MustCompile(`(?m)^unseen: +(.*\n +)*pid ` + strconv.Itoa(pid) + ` cmdtest \(uid 65534, not dumpable, .*\), which cannot be inspected and could open it$`); !want.MatchString(r.stdout) {
		t.Errorf("stat as nobody: no line matching %q in %v", want, r)
	}
	r = nobody("ls", "-json")
	var out lsOutput
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("ls -json: %v\n%v", err, r)
	}
	if o := findObject(out, held); o == nil || o.Processes != 0 || !slicesContains(o.MaybeUsedBy, pid) {
		t.Errorf("ls -json as nobody: %+v, want MaybeUsedBy to hold %d", o, pid)
	}

	// The holder's mapping is still that of a named object.
	if line := stop(); !strings.Contains(line, heldPath) || strings.Contains(line, "(deleted)") {
		t.Errorf("the holder's mapping: %q", line)
	}
}

// TestGCHiddenAsRoot: root too may be unable to inspect a process (here,
// in a sandbox, PID 1); gc run by root leaves alone what that process could
// open, says why, and removes what it could not.
func TestGCHiddenAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	pid, uid := -1, -1
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if _, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", p)); !errors.Is(err, fs.ErrPermission) {
			continue
		}
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p))
		if err != nil {
			continue
		}
		m := regexp.MustCompile(`(?m)^Uid:\s+\d+\s+(\d+)`).FindSubmatch(status)
		if m == nil {
			continue
		}
		pid = p
		uid, _ = strconv.Atoi(string(m[1]))
		break
	}
	if pid < 0 {
		t.Skip("root can inspect every process here")
	}
	t.Logf("pid %d (uid %d) cannot be inspected by root", pid, uid)

	// Its user's object, which it could open; and one of an ID no process
	// has, mode 0600, which it could not.
	mine := makeObject(t, "hiddens", []byte("its own"))
	if err := os.Chmod("/dev/shm/"+mine, 0600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown("/dev/shm/"+mine, uid, uid); err != nil {
		t.Fatal(err)
	}
	other := makeUnowned(t, "nobodys", []byte("leaked"))
	for _, force := range []bool{false, true} {
		flags := []string{"-sysv=false"}
		verb := "would remove"
		if force {
			flags, verb = append(flags, "-f"), "removed"
		}
		r := ok(t, nil, append([]string{"gc", "-prefix", mine}, flags...)...)
		want := regexp.MustCompile(`(?m)^left alone object /dev/shm/` + regexp.QuoteMeta(mine) +
			` \(7 B\): .* could open it \(mode -rw-------, owner uid ` + strconv.Itoa(uid) + `, group gid ` + strconv.Itoa(uid) + `\): ` +
			`(.*, )?pid ` + strconv.Itoa(pid) + ` .*\(uid ` + strconv.Itoa(uid) + `, .*/proc/` + strconv.Itoa(pid) + `/maps: permission denied\)`)
		if !want.MatchString(r.stdout) || strings.Contains(r.stdout, "remove") {
			t.Errorf("gc %v: want %s left alone, naming pid %d; got %v", flags, mine, pid, r)
		}
		if !exists(mine) {
			t.Fatalf("gc %v removed what pid %d could open", flags, pid)
		}
		r = ok(t, nil, append([]string{"gc", "-prefix", other}, flags...)...)
		if line := verb + " object /dev/shm/" + other + " (6 B): no process maps it or holds it open"; !strings.HasPrefix(r.stdout, line) || strings.Count(r.stdout, "\n") != 1 {
			t.Errorf("gc %v: want one line %q...; got %v", flags, line, r)
		}
	}
	if exists(other) {
		t.Errorf("gc -f left %s, which no hidden process could open", other)
	}
}

func slicesContains(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// TestThreadFDTable: a descriptor held only in the table of a thread that
// has its own (unshare CLONE_FILES) is seen: in /proc/PID/task/TID/fd, not
// in /proc/PID/fd.
func TestThreadFDTable(t *testing.T) {
	name := makeUnowned(t, "threadfd", []byte("held by a thread"))
	path := "/dev/shm/" + name
	cmd := childAs(t, nil, "thread-fd", path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("thread-fd: %v", err)
		}
	}()
	var tid int
	if _, err := fmt.Fscanf(stdout, "ready %d\n", &tid); err != nil {
		t.Fatalf("thread-fd: %v", err)
	}
	pid := cmd.Process.Pid
	refers := func(dir string) bool {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if target, _ := os.Readlink(filepath.Join(dir, e.Name())); target == path {
				return true
			}
		}
		return false
	}
	if refers(fmt.Sprintf("/proc/%d/fd", pid)) || !refers(fmt.Sprintf("/proc/%d/task/%d/fd", pid, tid)) {
		t.Fatalf("the descriptor is not in thread %d's table alone", tid)
	}

	out := lsJSON(t)
	if o := findObject(out, name); o == nil || o.Processes != 1 || !slicesContains(o.PIDs, pid) {
		t.Errorf("ls -json: %+v, want it used by pid %d", o, pid)
	}
	r := ok(t, nil, "stat", name)
	if want := regexp.MustCompile(`(?m)^processes: +` + strconv.Itoa(pid) + ` \S+ \(holds it open\)$`); !want.MatchString(r.stdout) {
		t.Errorf("stat: no line matching %q in\n%s", want, r.stdout)
	}
	r = ok(t, nil, "gc", "-prefix", name, "-sysv=false")
	if strings.Contains(r.stdout, name) {
		t.Errorf("gc: %v", r)
	}
}
