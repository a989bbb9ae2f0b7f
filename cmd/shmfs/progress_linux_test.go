package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns a new pseudo-terminal, 100 columns wide.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	fd := int(m.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		m.Close()
		t.Skipf("no pseudo-terminal: unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		m.Close()
		t.Skipf("no pseudo-terminal: ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 100}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// withTerminal runs cmd with its standard error on a pseudo-terminal,
// calling feed while it runs, and returns what it wrote there.
func withTerminal(t *testing.T, cmd *exec.Cmd, feed func()) string {
	t.Helper()
	master, slave := openPTY(t)
	cmd.Stderr = slave
	if raceEnabled {
		cmd.Env = append(os.Environ(), raceEnv())
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(master) // until EIO: every copy of the slave closed
		out <- b
	}()
	feed()
	err := cmd.Wait()
	slave.Close()
	b := <-out
	if err != nil {
		t.Fatalf("%v: %v\n%s", cmd.Args, err, b)
	}
	return string(b)
}

func TestProgressBar(t *testing.T) {
	name := newName(t, "progress")
	const chunk, chunks = 1 << 20, 12

	// write from a pipe: the size is unknown; after half a second a line
	// with the bytes so far, the rate and the time appears, redrawn in
	// place, and is left on its line at the end.
	cmd := exec.Command(binary, "write", name)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out := withTerminal(t, cmd, func() {
		for range chunks {
			stdin.Write(bytes.Repeat([]byte{'x'}, chunk))
			time.Sleep(100 * time.Millisecond)
		}
		stdin.Close()
	})
	if got := len(readObject(t, name)); got != chunk*chunks {
		t.Fatalf("write wrote %d bytes, want %d", got, chunk*chunks)
	}
	redraw := regexp.MustCompile(`\r` + name + `  \d+\.\d MiB  \d+\.\d (KiB|MiB)/s  \ds\x1b\[K`)
	final := regexp.MustCompile(`\r` + name + `  12\.0 MiB  \d+\.\d (KiB|MiB)/s  \ds\x1b\[K\r?\n$`)
	if len(redraw.FindAllString(out, -1)) < 2 || !final.MatchString(out) {
		t.Errorf("write's progress on a terminal:\n%q", out)
	}
	checkWidth(t, out, 100)

	// cat of a large object to a slow reader: a bar with the percentage.
	big := makeObject(t, "big", make([]byte, 32<<20))
	cmd = exec.Command(binary, "cat", big)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	out = withTerminal(t, cmd, func() {
		buf := make([]byte, 2<<20)
		total := 0
		for {
			n, err := io.ReadFull(stdout, buf)
			total += n
			if err != nil {
				break
			}
			time.Sleep(60 * time.Millisecond)
		}
		if total != 32<<20 {
			t.Errorf("cat: %d bytes, want %d", total, 32<<20)
		}
	})
	bar := regexp.MustCompile(`\r` + big + ` +\d+% \[=*>? *\] \d+\.\d MiB / 32\.0 MiB  \S+ \S+/s`)
	done := regexp.MustCompile(`\r` + big + ` 100% \[=+\] 32\.0 MiB / 32\.0 MiB  \S+ \S+/s\x1b\[K\r?\n$`)
	if !bar.MatchString(out) || !done.MatchString(out) {
		t.Errorf("cat's progress on a terminal:\n%q", out)
	}
	checkWidth(t, out, 100)

	// -q: no bar.
	cmd = exec.Command(binary, "cat", "-q", big)
	stdout, _ = cmd.StdoutPipe()
	out = withTerminal(t, cmd, func() {
		time.Sleep(700 * time.Millisecond)
		io.Copy(io.Discard, stdout)
	})
	if out != "" {
		t.Errorf("cat -q wrote on the terminal: %q", out)
	}

	// Standard error not a terminal: nothing.
	cmd = exec.Command(binary, "write", name)
	stdin, _ = cmd.StdinPipe()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if raceEnabled {
		cmd.Env = append(os.Environ(), raceEnv())
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte("x"))
	time.Sleep(700 * time.Millisecond)
	stdin.Close()
	if err := cmd.Wait(); err != nil || stderr.Len() != 0 {
		t.Errorf("write with standard error not a terminal: %v %q", err, stderr.String())
	}
}

// checkWidth checks that no line drawn is as wide as the terminal.
func checkWidth(t *testing.T, out string, width int) {
	t.Helper()
	for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\r' || r == '\n' }) {
		line = strings.TrimSuffix(line, "\x1b[K")
		if len(line) >= width {
			t.Errorf("a line of %d columns on a terminal of %d: %q", len(line), width, line)
		}
	}
}
