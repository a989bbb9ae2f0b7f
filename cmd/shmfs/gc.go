package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shmfs/shmfs"
)

func init() {
	commands["gc"] = command{"find leaked shared memory, and with -f remove it", gc}
}

func gc(args []string) error {
	fl := newFlagSet("gc", "shmfs gc [-f] [-older-than duration] [-dir dir] [-prefix prefix] [-id ids]\n         [-posix=bool] [-sysv=bool]", `
Gc finds shared memory that has leaked:

  - POSIX shared-memory objects (the files in `+systemDir+`, or under -dir)
    that no process maps or holds open, as /proc/PID/maps and the
    descriptor table of every thread (/proc/PID/task/TID/fd) show;
  - System V segments that no process has attached (nattch 0) and whose
    creator process has exited (a segment whose creator still runs may be
    waiting for it to attach again).

By default gc only prints what it would remove, one line per object or
segment, starting "would remove object PATH" or "would remove segment ID".
With -f it removes them (shm_unlink, IPC_RMID) and prints "removed ..."
lines instead. A summary goes to standard error. Paths are printed as
ls -b prints them (a newline as \n, a space as "\ ", other control bytes
and bytes that are not UTF-8 as \ooo).

Processes that cannot be inspected. Another user's processes, unless gc
runs as root, and processes that are not dumpable (prctl PR_SET_DUMPABLE
0, as ssh-agent, gpg-agent and processes that changed credentials are)
hide their mappings and descriptors. Gc reads their user and group IDs
from /proc/PID/status, which stays readable, and leaves alone every object
that such a process could open: one whose owner is any of its user IDs, or
whose group or other permission bits grant read or write to it. For each
it prints a line starting "left alone object PATH" that names the
processes. Privileges are not counted: a process of another user that
holds CAP_DAC_OVERRIDE could open anything, and only root sees what root's
processes use. Run gc as root to inspect every process.

What gc cannot see, and so does not protect:

  - a descriptor in flight: sent over a Unix socket (SCM_RIGHTS) and not
    yet received, it belongs to no process;
  - descriptors the kernel holds for a process outside its descriptor
    tables (io_uring fixed files, for instance);
  - processes in other PID namespaces (other containers), which are not
    in this /proc, though they may share this /dev/shm;
  - a process that opens the object between the check and its removal (it
    keeps working, as after any shm_unlink, but the name is gone). A
    segment is checked again just before it is removed.

An -older-than of a few minutes or more makes the first and last of these
unlikely (a leak is old; a descriptor in flight is not), but see below for
what it measures.

-dir, -prefix and -id narrow the search down. Narrowing one kind down
leaves the other out, unless it is narrowed down too or asked for with
-posix or -sysv: "shmfs gc -f -id 5" removes segment 5 at most, and
"shmfs gc -f -prefix myapp-" only objects whose names start with myapp-.

With -older-than, an object is a leak only if the latest of its
modification, status change and access times (stat's Modify, Change and
Access) is that old. These move with write(2), ftruncate, chmod and
read(2) (under the relatime mount option, the access time only when it is
older than the modification time or a day old), but
not with loads and stores through a mapping, which the kernel does not
record on tmpfs (shmfs's own *File stamps the modification time of writes
through its mapping when it is synced, stat'ed or closed). A segment is a
leak only if it has not been attached, detached or changed (shmctl) for
that long. Durations are Go durations (90s, 36h) or days (7d).`)
	force := fl.Bool("f", false, "remove what is found (the default is a dry run)")
	var older durationFlag
	fl.Var(&older, "older-than", "only what has not been modified, accessed or changed for `duration`\n(objects: stat times, which use through a mapping does not move)")
	dir := dirFlag(fl)
	prefix := fl.String("prefix", "", "only the objects whose names start with `prefix`")
	posix := fl.Bool("posix", true, "look for POSIX objects (see above for the default)")
	sysv := fl.Bool("sysv", true, "look for System V segments (see above for the default)")
	var ids idsFlag
	fl.Var(&ids, "id", "only the segments with these `ids` (comma-separated)")
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return usagef(fl, "unexpected argument %q", fl.Arg(0))
	}
	// Narrowing one kind down leaves the other out, unless it is narrowed
	// down too or asked for: "gc -f -id 5" removes segment 5 at most.
	set := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { set[f.Name] = true })
	objNarrow, segNarrow := set["dir"] || set["prefix"], set["id"]
	if objNarrow && !segNarrow && !set["sysv"] {
		*sysv = false
	}
	if segNarrow && !objNarrow && !set["posix"] {
		*posix = false
	}
	g := &collector{force: *force, olderThan: time.Duration(older), now: time.Now()}
	var errs []error
	if *posix {
		if err := g.objects(newNamespace(*dir), *prefix); err != nil {
			errs = append(errs, err)
		}
	}
	if *sysv {
		if err := g.segments(ids); err != nil {
			errs = append(errs, err)
		}
	}
	for _, err := range errs {
		fmt.Fprintf(os.Stderr, "shmfs gc: %s\n", cleanText(err.Error()))
	}
	if g.leftAlone > 0 {
		fmt.Fprintf(os.Stderr, "shmfs gc: left alone %s that no process was found using: processes that cannot be inspected could open them (the lines starting \"left alone\" say which)\n",
			plural(g.leftAlone, "object", "objects"))
	}
	switch {
	case g.found == 0:
		fmt.Fprintf(os.Stderr, "shmfs gc: no leaks found\n")
	case *force:
		fmt.Fprintf(os.Stderr, "shmfs gc: removed %d of %s (%s)\n", g.removed, plural(g.found, "leak", "leaks"), humanSize(g.bytes))
	default:
		fmt.Fprintf(os.Stderr, "shmfs gc: %s (%s); this was a dry run: add -f to remove them\n", plural(g.found, "leak", "leaks"), humanSize(g.bytes))
	}
	if len(errs) > 0 || g.failed {
		return errReported
	}
	return nil
}

// collector finds leaks, prints them and removes them.
type collector struct {
	force     bool
	olderThan time.Duration
	now       time.Time

	found, removed int
	leftAlone      int // objects that processes which cannot be inspected could open
	bytes          int64
	failed         bool
}

// report prints one leak, and with -f removes it first.
func (g *collector) report(what, detail string, size int64, why string, remove func() error) {
	g.found++
	g.bytes += size
	if detail != "" {
		detail += ", "
	}
	detail += humanSize(size)
	if !g.force {
		fmt.Printf("would remove %s (%s): %s\n", what, detail, why)
		return
	}
	if err := remove(); err != nil {
		fmt.Fprintf(os.Stderr, "shmfs gc: %s\n", cleanText(err.Error()))
		g.failed = true
		return
	}
	g.removed++
	fmt.Printf("removed %s (%s): %s\n", what, detail, why)
}

func (g *collector) objects(ns namespace, prefix string) error {
	u := scanProcesses(ns.root())
	if u.unreadable < 0 {
		return fmt.Errorf("cannot tell which processes use the objects in %s: /proc cannot be read; left them alone", quoteName(ns.root()))
	}
	objs, err := listObjects(ns, u)
	if err != nil {
		return err
	}
	for _, o := range objs {
		if !strings.HasPrefix(o.Name, prefix) || o.Processes > 0 {
			continue
		}
		last := o.Modified
		for _, t := range []time.Time{o.Changed, o.stat.atime} {
			if t.After(last) {
				last = t
			}
		}
		if g.now.Sub(last) < g.olderThan {
			continue
		}
		if len(o.maybe) > 0 {
			// A process we cannot inspect could open it: it may map it
			// or hold it open unseen.
			g.leftAlone++
			fmt.Printf("left alone object %s (%s): no process found mapping it or holding it open, but %s that cannot be inspected could open it (mode %s, owner uid %d, group gid %d): %s\n",
				quoteName(o.Path), humanSize(o.Size), plural(len(o.maybe), "process", "processes"), o.Mode, o.UID, o.GID, describeHidden(o.maybe, 5))
			continue
		}
		name := o.Name
		g.report("object "+quoteName(o.Path), "", o.Size, "no process maps it or holds it open; last used "+ago(last),
			func() error { return ns.remove(name) })
	}
	return nil
}

func (g *collector) segments(ids []int) error {
	segs, err := listSegments()
	if noSysV(err) {
		return nil // no System V IPC, no leaked segments
	}
	if err != nil {
		return err
	}
	for _, s := range segs {
		if ids != nil && !slices.Contains(ids, s.ID) {
			continue
		}
		if s.Attached > 0 || s.Removed || s.CreatorAlive || s.creator.unknown {
			continue
		}
		last := s.lastUsed()
		if g.now.Sub(last) < g.olderThan {
			continue
		}
		id := s.ID
		g.report(fmt.Sprintf("segment %d", s.ID), "key "+s.KeyHex, s.Size,
			fmt.Sprintf("not attached, creator pid %d %s; last used %s", s.CreatorPID, s.creator, ago(last)),
			func() error {
				// Look again: a process may have attached it since.
				now, err := findSegment(id)
				if err == nil && (now.Attached > 0 || now.Removed) {
					return fmt.Errorf("segment %d: left alone: attached since it was listed", id)
				}
				return shmfs.RemoveSegment(id)
			})
	}
	return nil
}

// durationFlag is a time.Duration that also takes days: "7d", "1d12h".
type durationFlag time.Duration

func (d *durationFlag) String() string { return time.Duration(*d).String() }

func (d *durationFlag) Set(s string) error {
	var days int64
	if i := strings.IndexByte(s, 'd'); i > 0 {
		n, err := strconv.ParseInt(s[:i], 10, 32)
		if err != nil {
			return fmt.Errorf("want a duration such as 90s, 36h or 7d")
		}
		days, s = n, s[i+1:]
	}
	var rest time.Duration
	if s != "" || days == 0 {
		var err error
		if rest, err = time.ParseDuration(s); err != nil {
			return fmt.Errorf("want a duration such as 90s, 36h or 7d")
		}
	}
	v := time.Duration(days)*24*time.Hour + rest
	if v < 0 {
		return fmt.Errorf("want a duration of 0 or more")
	}
	*d = durationFlag(v)
	return nil
}

// idsFlag is a comma-separated list of segment IDs.
type idsFlag []int

func (l *idsFlag) String() string {
	var s []string
	for _, id := range *l {
		s = append(s, strconv.Itoa(id))
	}
	return strings.Join(s, ",")
}

func (l *idsFlag) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		id, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || id < 0 {
			return fmt.Errorf("%q is not a segment ID", f)
		}
		*l = append(*l, id)
	}
	return nil
}
