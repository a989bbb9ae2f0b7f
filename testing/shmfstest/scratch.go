package shmfstest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
)

// Scratch hands out uniquely named objects in a namespace directory (the
// system's /dev/shm by default) and removes them all in Cleanup, so that a
// test leaves nothing behind even when it fails half way.
type Scratch struct {
	Dir    string // the namespace directory
	Prefix string // every name this Scratch makes starts with it
}

var scratchSeq atomic.Int64

// NewScratch returns a Scratch in dir ("" means /dev/shm). The prefix holds
// the process id, so parallel test binaries do not collide.
func NewScratch(dir string) (*Scratch, error) {
	if dir == "" {
		dir = "/dev/shm"
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("shmfstest: %s is not a directory", dir)
	}
	return &Scratch{
		Dir:    dir,
		Prefix: fmt.Sprintf("shmfstest-%d-%d-", os.Getpid(), scratchSeq.Add(1)),
	}, nil
}

// Name returns the object name for base: Prefix+base, a name with no slash
// (what FS methods take; put a "/" in front for the POSIX spelling).
func (s *Scratch) Name(base string) string { return s.Prefix + base }

// Path returns the file system path of the object named Name(base).
func (s *Scratch) Path(base string) string { return filepath.Join(s.Dir, s.Name(base)) }

// List returns the names in Dir that this Scratch made and still exist.
func (s *Scratch) List() ([]string, error) {
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), s.Prefix) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// Cleanup removes every object in Dir whose name starts with Prefix.
func (s *Scratch) Cleanup() error {
	names, err := s.List()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names {
		if err := os.RemoveAll(filepath.Join(s.Dir, n)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
