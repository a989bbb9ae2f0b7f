package main

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/shmfs/shmfs"
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
// (/proc/PID/task/TID/fd: every thread's descriptor table, as a thread may
// have one of its own) files of the directory root. Processes it may not
// inspect entirely (another user's, unless run as root, and processes that
// are not dumpable) are listed in hidden with their credentials from
// /proc/PID/status, which stays readable.
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
		if info, ok := procStat(pid); ok && (info.state == 'Z' || info.state == 'X' || info.flags&pfKthread != 0) {
			continue // exited, or a kernel thread: no mappings, no descriptors of a user's
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
		denied2 := scanTasksFDs(pid, func(target string, st *sysStat) {
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
		if denied == nil {
			denied = denied2
		}
		if denied != nil {
			if p, alive := hiddenProcess(pid, command(), denied); alive {
				u.hidden = append(u.hidden, p)
			}
		}
	}
	u.unreadable = len(u.hidden)
	return u
}

// hiddenProcess describes process pid, which could not be inspected
// because of denied; alive is false if it has exited since.
func hiddenProcess(pid int, command string, denied error) (p hiddenProc, alive bool) {
	creds, err := procCredentials(pid)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
		return hiddenProc{}, false
	}
	p = hiddenProc{PID: pid, Command: command, Why: denied.Error(), creds: creds}
	var pe *fs.PathError
	if errors.As(denied, &pe) {
		p.Why = pe.Path + ": " + pe.Err.Error()
	}
	// A process that is not dumpable has its /proc/PID files (not the
	// directory) owned by root.
	if fi, err := os.Stat("/proc/" + strconv.Itoa(pid) + "/status"); err == nil && p.creds != nil {
		if st := statOf(fi); st.ok && st.uid == 0 && p.creds.uids[1] != 0 {
			p.NotDumpable = true
		}
	}
	return p, true
}

// procCredentials reads the user and group IDs of process pid from
// /proc/PID/status; nil (with the error, if there was one) if they cannot
// be had.
func procCredentials(pid int) (*procCreds, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return nil, err
	}
	return parseStatus(string(b)), nil
}

// parseStatus takes the Uid, Gid and Groups lines of a /proc/PID/status;
// nil if Uid or Gid is missing or malformed.
func parseStatus(status string) *procCreds {
	var c procCreds
	var haveUid, haveGid bool
	ids := func(s string) ([]int, bool) {
		var list []int
		for _, f := range strings.Fields(s) {
			n, err := strconv.Atoi(f)
			if err != nil {
				return nil, false
			}
			list = append(list, n)
		}
		return list, true
	}
	for line := range strings.Lines(status) {
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		list, ok := ids(val)
		if !ok {
			continue
		}
		switch key {
		case "Uid":
			haveUid = len(list) == 4 && copy(c.uids[:], list) == 4
		case "Gid":
			haveGid = len(list) == 4 && copy(c.gids[:], list) == 4
		case "Groups":
			c.groups = list
		}
	}
	if !haveUid || !haveGid {
		return nil
	}
	return &c
}

// scanMaps calls fn for each file mapping of process pid. It returns the
// error that denied access to the mappings, if any (a process that has
// exited meanwhile has none).
func scanMaps(pid int, fn func(major, minor uint32, ino uint64, path string)) (denied error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return deniedErr(err)
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
	if err := sc.Err(); err != nil {
		// The file opened but reading it was refused (the kernel checks
		// again at read time), or failed half way: what is missing may
		// be the mapping that matters.
		if d := deniedErr(err); d != nil {
			return d
		}
		return &fs.PathError{Op: "read", Path: f.Name(), Err: err}
	}
	return nil
}

// deniedErr returns err if it says that access was denied, and nil if the
// file is gone (the process or thread exited) or err is nil.
func deniedErr(err error) error {
	if err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ESRCH) {
		return nil
	}
	return err
}

// scanTasksFDs calls fn for each descriptor of process pid, in the table of
// every one of its threads that does not share the main thread's
// (/proc/PID/task/TID/fd), that refers to a file with a path (not a
// socket, pipe or anonymous inode), with the file's stat (nil if it could
// not be had). It returns the error that denied access, if any.
func scanTasksFDs(pid int, fn func(target string, st *sysStat)) (denied error) {
	taskDir := "/proc/" + strconv.Itoa(pid) + "/task/"
	tasks, err := os.ReadDir(taskDir)
	if err != nil {
		if d := deniedErr(err); d != nil {
			return d
		}
		return nil // exited
	}
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		if tid != pid && sameFDTable(pid, tid) {
			continue
		}
		if d := scanFDs(taskDir+t.Name()+"/fd/", fn); d != nil {
			return d
		}
	}
	return nil
}

// sameFDTable says whether threads a and b share one descriptor table
// (kcmp KCMP_FILES); false if that cannot be told.
func sameFDTable(a, b int) bool {
	const kcmpFiles = 2 // KCMP_FILES
	r, _, errno := unix.Syscall6(unix.SYS_KCMP, uintptr(a), uintptr(b), kcmpFiles, 0, 0, 0)
	return errno == 0 && r == 0
}

// scanFDs calls fn for each descriptor in dir (a /proc/.../fd/ directory)
// that refers to a file with a path. It returns the error that denied
// access to the directory or to any descriptor in it.
func scanFDs(dir string, fn func(target string, st *sysStat)) (denied error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return deniedErr(err)
	}
	for _, e := range entries {
		target, err := os.Readlink(dir + e.Name())
		if err != nil {
			if d := deniedErr(err); d != nil {
				return d
			}
			continue // closed meanwhile
		}
		if !strings.HasPrefix(target, "/") {
			continue
		}
		var stp *sysStat
		if fi, err := os.Stat(dir + e.Name()); err == nil {
			st := statOf(fi)
			stp = &st
		}
		fn(target, stp)
	}
	return nil
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
	info, ok := procStat(pid)
	if ok && info.state == 'Z' {
		st.alive = false // a zombie: it has exited
		return st
	}
	if ok && !info.start.IsZero() && !notAfter.IsZero() && info.start.After(notAfter.Add(reuseSlack)) {
		st.alive, st.reused = false, true
		return st
	}
	st.command = processName(pid)
	return st
}

// pfKthread is PF_KTHREAD in /proc/PID/stat's flags: a kernel thread.
const pfKthread = 0x00200000

// statInfo is what /proc/PID/stat says about a process.
type statInfo struct {
	state byte
	flags uint64
	start time.Time // zero if it cannot be had
}

// procStat reads /proc/PID/stat.
func procStat(pid int) (statInfo, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return statInfo{}, false
	}
	// pid (comm) state ppid ... flags is the 9th field, starttime the
	// 22nd; comm may hold spaces and parentheses, so count from the last
	// ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return statInfo{}, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 || len(f[0]) != 1 {
		return statInfo{}, false
	}
	info := statInfo{state: f[0][0]}
	info.flags, _ = strconv.ParseUint(f[6], 10, 64)
	ticks, err := strconv.ParseInt(f[19], 10, 64)
	if boot := bootTime(); err == nil && !boot.IsZero() {
		// /proc counts in USER_HZ, which is 100 on every Linux architecture.
		info.start = boot.Add(time.Duration(ticks) * (time.Second / 100))
	}
	return info, true
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
		if denied != nil {
			unreadable++
		}
	}
	return users, unreadable
}

// openInRoot opens name under dir through an os.Root (which keeps it inside
// dir) and adopts the descriptor as a *shmfs.File: for names that io/fs
// cannot spell (see namespace.rawName).
func openInRoot(dir, name string, flag int, perm fs.FileMode) (*shmfs.File, error) {
	var f *os.File
	err := inRoot(dir, "open", func(r *os.Root) (err error) {
		f, err = r.OpenFile(name, flag|unix.O_NOFOLLOW|unix.O_CLOEXEC, perm)
		return err
	})
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return shmfs.NewFile(uintptr(fd), name)
}
