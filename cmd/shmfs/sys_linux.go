package main

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// systemDir is where Linux keeps POSIX shared-memory objects.
const systemDir = "/dev/shm"

func statOf(fi fs.FileInfo) sysStat {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return sysStat{uid: -1, gid: -1}
	}
	return sysStat{
		ok:      true,
		uid:     int(st.Uid),
		gid:     int(st.Gid),
		ino:     uint64(st.Ino),
		major:   unix.Major(uint64(st.Dev)),
		minor:   unix.Minor(uint64(st.Dev)),
		nlink:   uint64(st.Nlink),
		blocks:  int64(st.Blocks),
		blksize: int64(st.Blksize),
		atime:   time.Unix(st.Atim.Unix()),
		ctime:   time.Unix(st.Ctim.Unix()),
	}
}

// scanProcesses finds the processes that map (/proc/PID/maps) or hold open
// (/proc/PID/fd) files of the directory root. Processes it may not inspect
// (another user's, unless run as root) are counted in unreadable.
func scanProcesses(root string) *procUsage {
	u := newUsage(root)
	var rootKey fileKey
	if fi, err := os.Stat(u.root); err == nil {
		st := statOf(fi)
		rootKey = fileKey{major: st.major, minor: st.minor}
	}
	prefix := strings.TrimSuffix(u.root, "/") + "/"
	// ours says whether a file, by device or path, may be one of root's.
	ours := func(major, minor uint32, path string) bool {
		return strings.HasPrefix(path, prefix) || (rootKey != fileKey{} && major == rootKey.major && minor == rootKey.minor)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		u.unreadable = -1
		return u
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var comm string
		command := func() string {
			if comm == "" {
				comm = processName(pid)
			}
			return comm
		}
		denied := scanMaps(pid, func(major, minor uint32, ino uint64, path string) {
			if !ours(major, minor, path) {
				return
			}
			key := fileKey{major, minor, ino}
			if !strings.HasPrefix(path, prefix) {
				path = ""
			}
			u.add(pid, command, key, path, true)
		})
		denied2 := scanFDs(pid, func(target string, st *sysStat) {
			var key fileKey
			if st != nil && ours(st.major, st.minor, "") {
				key = fileKey{st.major, st.minor, st.ino}
			}
			if !strings.HasPrefix(target, prefix) {
				target = ""
			}
			if key != (fileKey{}) || target != "" {
				u.add(pid, command, key, target, false)
			}
		})
		if denied || denied2 {
			u.unreadable++
		}
	}
	return u
}

// scanMaps calls fn for each file mapping of process pid. It reports
// whether it was denied access.
func scanMaps(pid int, fn func(major, minor uint32, ino uint64, path string)) (denied bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return os.IsPermission(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		// address perms offset dev inode path
		line := sc.Bytes()
		var field [5][]byte
		for i := range field {
			line = bytes.TrimLeft(line, " ")
			j := bytes.IndexByte(line, ' ')
			if j < 0 {
				j = len(line)
			}
			field[i], line = line[:j], line[j:]
		}
		ino, err := strconv.ParseUint(string(field[4]), 10, 64)
		if err != nil || ino == 0 {
			continue // anonymous memory, the heap, the stack...
		}
		maj, min, ok := bytes.Cut(field[3], []byte{':'})
		if !ok {
			continue
		}
		major, err1 := strconv.ParseUint(string(maj), 16, 32)
		minor, err2 := strconv.ParseUint(string(min), 16, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		fn(uint32(major), uint32(minor), ino, string(bytes.TrimLeft(line, " ")))
	}
	if err := sc.Err(); err != nil && os.IsPermission(err) {
		return true
	}
	return false
}

// scanFDs calls fn for each descriptor of process pid that refers to a file
// with a path (not a socket, pipe or anonymous inode), with the file's stat
// (nil if it could not be had). It reports whether it was denied access.
func scanFDs(pid int, fn func(target string, st *sysStat)) (denied bool) {
	dir := "/proc/" + strconv.Itoa(pid) + "/fd/"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return os.IsPermission(err)
	}
	for _, e := range entries {
		target, err := os.Readlink(dir + e.Name())
		if err != nil || !strings.HasPrefix(target, "/") {
			continue
		}
		var stp *sysStat
		if fi, err := os.Stat(dir + e.Name()); err == nil {
			st := statOf(fi)
			stp = &st
		}
		fn(target, stp)
	}
	return false
}

// processName is /proc/PID/comm.
func processName(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	if err != nil {
		return ""
	}
	return string(bytes.TrimSpace(b))
}

// reuseSlack is how much later than notBefore a process may seem to have
// started and still be the one asked about: start times are computed from
// the boot time in whole seconds, and the clock may have been set since.
const reuseSlack = time.Minute

// process reports on the process with the given PID. If notAfter is set,
// the process asked about was running at that time: a process with its PID
// that started later is another one (the PID was reused).
func process(pid int, notAfter time.Time) procState {
	st := procState{pid: pid}
	if pid <= 0 {
		st.unknown = true
		return st
	}
	if err := unix.Kill(pid, 0); err == unix.ESRCH {
		return st
	}
	st.alive = true
	state, start, ok := procStat(pid)
	if ok && state == 'Z' {
		st.alive = false // a zombie: it has exited
		return st
	}
	if ok && !notAfter.IsZero() && start.After(notAfter.Add(reuseSlack)) {
		st.alive, st.reused = false, true
		return st
	}
	st.command = processName(pid)
	return st
}

// procStat returns the state and start time of process pid from
// /proc/PID/stat.
func procStat(pid int) (state byte, start time.Time, ok bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, time.Time{}, false
	}
	// pid (comm) state ppid ... starttime is the 22nd field; comm may hold
	// spaces and parentheses, so count from the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, time.Time{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return 0, time.Time{}, false
	}
	ticks, err := strconv.ParseInt(f[19], 10, 64)
	boot := bootTime()
	if err != nil || boot.IsZero() {
		return f[0][0], time.Time{}, false
	}
	// /proc counts in USER_HZ, which is 100 on every Linux architecture.
	return f[0][0], boot.Add(time.Duration(ticks) * (time.Second / 100)), true
}

// bootTime is btime from /proc/stat.
var bootTime = sync.OnceValue(func() time.Time {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return time.Unix(n, 0)
			}
		}
	}
	return time.Time{}
})

func isTerminal(fd uintptr) bool {
	_, err := unix.IoctlGetTermios(int(fd), unix.TCGETS)
	return err == nil
}

// termWidth is the width of the terminal on fd, 80 if it cannot be had.
func termWidth(fd uintptr) int {
	ws, err := unix.IoctlGetWinsize(int(fd), unix.TIOCGWINSZ)
	if err != nil || ws.Col == 0 {
		return 80
	}
	return int(ws.Col)
}

// segmentUsers finds the processes that have System V segments attached:
// in /proc/PID/maps a segment shows as "/SYSV" and its key in hex, with its
// ID as the inode number. It returns them by segment ID, and how many
// processes could not be inspected.
func segmentUsers() (map[int][]user1, int) {
	users := map[int][]user1{}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return users, -1
	}
	unreadable := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		seen := map[int]bool{}
		denied := scanMaps(pid, func(major, minor uint32, ino uint64, path string) {
			if !strings.HasPrefix(path, "/SYSV") || seen[int(ino)] {
				return
			}
			seen[int(ino)] = true
			users[int(ino)] = append(users[int(ino)], user1{PID: pid, Command: processName(pid), Maps: true})
		})
		if denied {
			unreadable++
		}
	}
	return users, unreadable
}
