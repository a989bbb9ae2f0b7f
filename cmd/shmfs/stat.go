package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

func init() {
	commands["stat"] = command{"print every field of an object or a System V segment", stat}
}

func stat(args []string) error {
	fl := newFlagSet("stat", "shmfs stat [-dir dir] [-base64] name...\nshmfs stat -segment id...", `
Stat prints every field of the named POSIX shared-memory objects: path,
size, memory in use, mode, owner, group, inode, device, links, times, the
processes that map the object or hold it open, and those that cannot be
inspected but could open it (see "shmfs help gc"). Names are printed as
ls -b prints them.

With -base64, each name is given in base64 (standard encoding, with
padding), as ls -json prints it in NameBase64: any bytes, exactly.

With -segment, the arguments are System V segment IDs (as ls shows them),
and stat prints every field of each segment: key, size, permissions, owner,
attachments, creator and last process, times, and the processes that have
the segment attached.`)
	seg := fl.Bool("segment", false, "the arguments are System V segment IDs")
	dir := dirFlag(fl)
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
	failed := false
	for i, arg := range names {
		if i > 0 {
			fmt.Println()
		}
		var err error
		if *seg {
			var id int
			if id, err = parseID(fl, arg); err != nil {
				return err
			}
			err = statSegment(os.Stdout, id)
		} else {
			err = statObject(os.Stdout, newNamespace(*dir), arg)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "shmfs stat: %s\n", cleanText(err.Error()))
			failed = true
		}
	}
	if failed {
		return errReported
	}
	return nil
}

func statObject(w io.Writer, ns namespace, name string) error {
	fi, err := ns.stat(name)
	if err != nil {
		return err
	}
	u := scanProcesses(ns.root())
	o := newObject(ns, ns.fsName(name), fi, u)
	st := o.stat
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	p := func(label, format string, args ...any) { fmt.Fprintf(tw, label+":\t"+format+"\n", args...) }
	p("name", "%s", quoteName(o.Name))
	p("path", "%s", quoteName(o.Path))
	p("size", "%d bytes (%s)", o.Size, humanSize(o.Size))
	if st.ok {
		used := st.blocks * 512
		note := ""
		if used < o.Size {
			note = ", sparse: the pages never written take no memory"
		}
		p("memory", "%d bytes in use (%s, %d blocks of 512 bytes%s)", used, humanSize(used), st.blocks, note)
	}
	p("mode", "%s (%s)", o.Mode, o.Perm)
	p("owner", "%s (uid %d)", cleanText(o.Owner), o.UID)
	p("group", "%s (gid %d)", cleanText(o.Group), o.GID)
	if st.ok {
		p("inode", "%d", st.ino)
		p("device", "%d:%d", st.major, st.minor)
		p("links", "%d", st.nlink)
		p("block size", "%d", st.blksize)
		p("accessed", "%s", timeString(st.atime))
	}
	p("modified", "%s", timeString(o.Modified))
	if st.ok {
		p("changed", "%s", timeString(st.ctime))
	}
	switch {
	case u.unreadable < 0:
		p("processes", "unknown (/proc cannot be read)")
	default:
		note := ""
		if u.unreadable > 0 {
			note = fmt.Sprintf(" (and %s this user may not inspect)", plural(u.unreadable, "process", "processes"))
		}
		if len(o.users) == 0 {
			p("processes", "none maps it or holds it open%s", note)
		}
		for i, q := range o.users {
			label := ""
			if i == 0 {
				label = "processes:"
			}
			var how []string
			if q.Maps {
				how = append(how, "maps it")
			}
			if q.Open {
				how = append(how, "holds it open")
			}
			fmt.Fprintf(tw, "%s\t%d %s (%s)\n", label, q.PID, cleanText(q.Command), strings.Join(how, ", "))
		}
		if len(o.users) > 0 && note != "" {
			fmt.Fprintf(tw, "\t%s\n", strings.TrimSpace(note))
		}
		// Those of them that could open it may use it unseen.
		for i, q := range o.maybe {
			label := ""
			if i == 0 {
				label = "unseen:"
			}
			fmt.Fprintf(tw, "%s\t%s, which cannot be inspected and could open it\n", label, q.describe())
		}
	}
	return tw.Flush()
}

func statSegment(w io.Writer, id int) error {
	g, err := findSegment(id)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 8, 1, ' ', 0)
	p := func(label, format string, args ...any) { fmt.Fprintf(tw, label+":\t"+format+"\n", args...) }
	p("id", "%d", g.ID)
	if g.Key == 0 {
		p("key", "%s (IPC_PRIVATE%s)", g.KeyHex, map[bool]string{true: ": keys of removed segments read 0"}[g.Removed])
	} else {
		p("key", "%s (%d as a signed key_t)", g.KeyHex, g.Key)
	}
	p("size", "%d bytes (%s)", g.Size, humanSize(g.Size))
	p("perms", "%s (%s)", g.Mode, g.Perm)
	p("owner", "%s (uid %d)", cleanText(g.Owner), g.UID)
	p("group", "%s (gid %d)", cleanText(g.Group), g.GID)
	p("attached", "%d (nattch)", g.Attached)
	switch {
	case g.Removed:
		p("status", "marked for removal: destroyed when the last process detaches")
	case g.Attached > 0:
		p("status", "in use")
	case !g.CreatorAlive && !g.creator.unknown:
		p("status", "not attached, and its creator is gone: a leak (shmfs gc finds it)")
	default:
		p("status", "not attached")
	}
	p("creator", "pid %s", g.creatorString())
	if g.LastPID == 0 {
		p("last pid", "none: never attached")
	} else {
		p("last pid", "%d (%s), the last to attach or detach", g.LastPID, process(g.LastPID, g.lastUsed()))
	}
	p("attached at", "%s", timeString(deref(g.AttachTime)))
	p("detached at", "%s", timeString(deref(g.DetachTime)))
	p("changed at", "%s", timeString(deref(g.ChangeTime)))
	users, unreadable := segmentUsers()
	switch {
	case unreadable < 0:
		p("processes", "unknown (/proc cannot be read)")
	case len(users[g.ID]) == 0 && unreadable > 0:
		p("processes", "none found (%s this user may not inspect)", plural(unreadable, "process", "processes"))
	case len(users[g.ID]) == 0:
		p("processes", "none")
	default:
		for i, q := range users[g.ID] {
			label := "processes:"
			if i > 0 {
				label = ""
			}
			fmt.Fprintf(tw, "%s\t%d %s (attached)\n", label, q.PID, cleanText(q.Command))
		}
	}
	return tw.Flush()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
