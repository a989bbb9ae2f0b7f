package main

import (
	"path/filepath"
	"slices"
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
// found in /proc/*/maps and /proc/*/fd (scanProcesses).
type procUsage struct {
	root       string // the directory, absolute, symbolic links resolved
	byKey      map[fileKey]map[int]*user1
	byPath     map[string]map[int]*user1
	unreadable int // processes whose maps or descriptors could not be read
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
