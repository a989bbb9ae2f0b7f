package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/shmfs/shmfs"
)

func init() {
	commands["rm"] = command{"remove objects (shm_unlink) or System V segments (IPC_RMID)", rm}
}

func rm(args []string) error {
	fl := newFlagSet("rm", "shmfs rm [-dir dir] [-f] [-base64] name...\nshmfs rm -segment [-f] id...", `
Rm removes the named POSIX shared-memory objects (shm_unlink): processes
that have one open or mapped keep it until they close it; its name is free
at once.

With -segment, the arguments are System V segment IDs (as ls shows them),
each marked for removal (IPC_RMID): a segment still attached lives on until
the last process detaches, and no process can attach it by key any more.

With -base64, each name is given in base64 (standard encoding, with
padding), as ls -json prints it in NameBase64: any bytes, exactly.

Rm goes on after an error and exits with status 1 if there was any.`)
	seg := fl.Bool("segment", false, "the arguments are System V segment IDs")
	dir := dirFlag(fl)
	force := fl.Bool("f", false, "ignore arguments that name nothing")
	b64 := base64Flag(fl)
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() == 0 {
		return usagef(fl, "no %s given", what(*seg))
	}
	names, err := nameArgs(fl, *seg, *b64)
	if err != nil {
		return err
	}
	ns := newNamespace(*dir)
	var ids []int
	if *seg {
		for _, arg := range fl.Args() {
			id, err := parseID(fl, arg)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
	}
	failed := false
	for i, arg := range names {
		var err error
		if *seg {
			err = shmfs.RemoveSegment(ids[i])
		} else {
			err = ns.remove(arg)
		}
		if err != nil && !(*force && errors.Is(err, fs.ErrNotExist)) {
			fmt.Fprintf(os.Stderr, "shmfs rm: %s\n", cleanText(err.Error()))
			failed = true
		}
	}
	if failed {
		return errReported
	}
	return nil
}
