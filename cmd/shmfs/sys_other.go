//go:build !linux

package main

import (
	"errors"
	"io/fs"
	"time"

	"github.com/shmfs/shmfs"
)

// systemDir is where the system namespace would be. Package shmfs supports
// Linux only; elsewhere its calls return errors.ErrUnsupported, which the
// commands report.
const systemDir = "/dev/shm"

func statOf(fi fs.FileInfo) sysStat { return sysStat{uid: -1, gid: -1} }

// scanProcesses finds nothing: there is no /proc to read.
func scanProcesses(root string) *procUsage {
	u := newUsage(root)
	u.unreadable = -1
	return u
}

func process(pid int, notAfter time.Time) procState {
	return procState{pid: pid, unknown: true}
}

func isTerminal(fd uintptr) bool { return false }

func termWidth(fd uintptr) int { return 80 }

func segmentUsers() (map[int][]user1, int) { return nil, -1 }

// openInRoot: package shmfs has no Files here.
func openInRoot(dir, name string, flag int, perm fs.FileMode) (*shmfs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: errors.ErrUnsupported}
}
