package main

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// sysStat is what an object's stat says beyond fs.FileInfo.
type sysStat struct {
	ok           bool // the rest is known
	uid, gid     int  // -1 when not known
	ino          uint64
	major, minor uint32 // the device
	nlink        uint64
	blocks       int64 // 512-byte blocks allocated: the memory the object uses
	blksize      int64
	atime, ctime time.Time
}

// fileKey identifies a file: its device and inode.
type fileKey struct {
	major, minor uint32
	ino          uint64
}

// procUsage is which processes map or hold open the files of a directory, as
// found in /proc/*/maps and /proc/*/task/*/fd (scanProcesses).
type procUsage struct {
	root       string // the directory, absolute, symbolic links resolved
	byKey      map[fileKey]map[int]*user1
	byPath     map[string]map[int]*user1
	unreadable int          // processes whose maps or descriptors could not all be read; -1: /proc itself could not
	hidden     []hiddenProc // those processes, by PID
}

// hiddenProc is a process whose mappings or descriptors could not all be
// read (another user's, or one that is not dumpable, as processes that
// changed credentials are): it may use any file it could open.
type hiddenProc struct {
	PID         int
	Command     string
	Why         string     // what could not be read: "/proc/42/maps: permission denied"
	NotDumpable bool       // /proc/PID belongs to root, not to the process's user
	creds       *procCreds // from /proc/PID/status; nil if unknown
}

// procCreds are a process's user and group IDs, from /proc/PID/status.
type procCreds struct {
	uids   [4]int // real, effective, saved set, file system
	gids   [4]int
	groups []int // supplementary groups
}

// couldOpen says whether the process could open (or, as the owner, chmod
// and then open) a file owned by st.uid:st.gid with permission bits perm,
// under any of its user and group IDs: the owner's ID, or a group or other
// class that grants read or write. A process whose IDs are unknown, or a
// file whose owner is, could open it.
//
// Privileges are not looked at: a process of another user that holds
// CAP_DAC_OVERRIDE could open anything, but such processes are root's,
// which root (for whom gc is meant) can inspect.
func (p *hiddenProc) couldOpen(st sysStat, perm fs.FileMode) bool {
	c := p.creds
	if c == nil || !st.ok || st.uid < 0 {
		return true
	}
	if slices.Contains(c.uids[:], st.uid) {
		return true
	}
	if perm&0066 == 0 {
		return false
	}
	if perm&0006 != 0 {
		return true
	}
	return slices.Contains(c.gids[:], st.gid) || slices.Contains(c.groups, st.gid)
}

// mayUse returns the hidden processes that could open the file whose stat
// is st and permission bits perm: the processes that might use it unseen.
// The owner's processes come first, then the others, each by PID.
func (u *procUsage) mayUse(st sysStat, perm fs.FileMode) []hiddenProc {
	var owners, others []hiddenProc
	for _, p := range u.hidden {
		switch {
		case !p.couldOpen(st, perm):
		case p.creds != nil && slices.Contains(p.creds.uids[:], st.uid):
			owners = append(owners, p)
		default:
			others = append(others, p)
		}
	}
	byPID := func(a, b hiddenProc) int { return a.PID - b.PID }
	slices.SortFunc(owners, byPID)
	slices.SortFunc(others, byPID)
	return append(owners, others...)
}

// describe is "pid 42 agent (uid 1000, not dumpable; /proc/42/maps:
// permission denied)", escaped for a terminal.
func (p hiddenProc) describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d", p.PID)
	if p.Command != "" {
		b.WriteString(" " + cleanText(p.Command))
	}
	b.WriteString(" (")
	if p.creds != nil {
		fmt.Fprintf(&b, "uid %d, ", p.creds.uids[1])
	}
	if p.NotDumpable {
		b.WriteString("not dumpable, ")
	}
	b.WriteString(cleanText(p.Why) + ")")
	return b.String()
}

// describeHidden lists up to max processes, "and N more" for the rest.
func describeHidden(list []hiddenProc, max int) string {
	var parts []string
	for i, p := range list {
		if i == max {
			parts = append(parts, fmt.Sprintf("and %d more", len(list)-max))
			break
		}
		parts = append(parts, p.describe())
	}
	return strings.Join(parts, ", ")
}

func newUsage(root string) *procUsage {
	if r, err := filepath.Abs(root); err == nil {
		root = r
	}
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	return &procUsage{root: root, byKey: map[fileKey]map[int]*user1{}, byPath: map[string]map[int]*user1{}}
}

// add records that process pid maps (maps) or holds open (!maps) the file
// with the given key or path (either may be empty).
func (u *procUsage) add(pid int, command func() string, key fileKey, path string, maps bool) {
	note := func(m map[int]*user1) {
		p := m[pid]
		if p == nil {
			p = &user1{PID: pid, Command: command()}
			m[pid] = p
		}
		if maps {
			p.Maps = true
		} else {
			p.Open = true
		}
	}
	if key != (fileKey{}) {
		if u.byKey[key] == nil {
			u.byKey[key] = map[int]*user1{}
		}
		note(u.byKey[key])
	}
	if path != "" {
		if u.byPath[path] == nil {
			u.byPath[path] = map[int]*user1{}
		}
		note(u.byPath[path])
	}
}

// users returns the processes that use the file name of the directory,
// whose stat is st, sorted by PID. Files are matched by device and inode,
// and by path (a mapping on some file systems shows another device).
func (u *procUsage) users(name string, st sysStat) []user1 {
	merged := map[int]user1{}
	merge := func(m map[int]*user1) {
		for pid, p := range m {
			q := merged[pid]
			q.PID, q.Command = pid, p.Command
			q.Maps = q.Maps || p.Maps
			q.Open = q.Open || p.Open
			merged[pid] = q
		}
	}
	if st.ok {
		merge(u.byKey[fileKey{st.major, st.minor, st.ino}])
	}
	merge(u.byPath[filepath.Join(u.root, name)])
	var list []user1
	for _, p := range merged {
		list = append(list, p)
	}
	slices.SortFunc(list, func(a, b user1) int { return a.PID - b.PID })
	return list
}
