package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
)

func init() {
	commands["ls"] = command{"list shared-memory objects and System V segments, and who uses them", ls}
}

// lsOutput is what ls -json prints.
type lsOutput struct {
	Dir        string    // the namespace directory
	Objects    []object  // POSIX objects, by name
	Segments   []segment // System V segments, by ID
	Unreadable int       `json:",omitempty"` // processes that could not be inspected (-1: none could)
	Errors     []string  `json:",omitempty"`
}

func ls(args []string) error {
	fl := newFlagSet("ls", "shmfs ls [-json] [-dir dir]", `
Ls lists the POSIX shared-memory objects (the files in `+systemDir+`, or under
-dir) and the System V segments (what ipcs -m lists).

For an object it prints its name, size, mode, owner, modification time and
how many processes map it or hold it open (read from /proc/*/maps and
/proc/*/fd; another user's processes can be read only by root). For a
segment: its key, ID, size, permissions, owner, number of attachments
(nattch), the PID of the process that created it and whether that process
still runs, and whether it is marked for removal (IPC_RMID done, destroyed
at the last detach).

Names are printed as ls -b prints them: a newline as \n, a space as "\ ", a
backslash as \\, other control bytes and bytes that are not UTF-8 as \ooo
(octal), so that no name can forge a line or reach the terminal as a
control sequence.

With -json it prints one JSON object with the fields Dir, Objects and
Segments, with exact sizes and RFC 3339 times. An object's Name is a JSON
string, which cannot hold bytes that are not UTF-8 (they turn into U+FFFD);
NameBase64 has its exact bytes, which stat, cat, write and rm take back
with -base64. MaybeUsedBy lists the processes that could not be inspected
and could open the object (see "shmfs help gc").`)
	jsonOut := fl.Bool("json", false, "print JSON")
	dir := dirFlag(fl)
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return usagef(fl, "unexpected argument %q", fl.Arg(0))
	}
	ns := newNamespace(*dir)
	u := scanProcesses(ns.root())
	out := lsOutput{Dir: ns.root(), Objects: []object{}, Segments: []segment{}, Unreadable: u.unreadable}
	objs, objErr := listObjects(ns, u)
	if objErr == nil {
		out.Objects = objs
	} else {
		out.Errors = append(out.Errors, objErr.Error())
	}
	segs, segErr := listSegments()
	segNote := ""
	switch {
	case segErr == nil:
		out.Segments = segs
	case noSysV(segErr):
		segNote, segErr = " none (this kernel has no System V IPC)", nil
	default:
		out.Errors = append(out.Errors, segErr.Error())
	}
	if *jsonOut {
		b, err := json.MarshalIndent(out, "", "\t")
		if err != nil {
			return err
		}
		os.Stdout.Write(append(b, '\n'))
	} else {
		printLs(&out, objErr == nil, segErr == nil, segNote)
	}
	return errors.Join(objErr, segErr)
}

// printLs prints ls's tables, leaving out a section that could not be
// listed; segNote replaces the segments' table if not "".
func printLs(out *lsOutput, objects, segments bool, segNote string) {
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
	switch {
	case !objects:
	case len(out.Objects) == 0:
		fmt.Fprintf(w, "POSIX shared-memory objects in %s: none\n", quoteName(out.Dir))
	default:
		fmt.Fprintf(w, "POSIX shared-memory objects in %s:\n", quoteName(out.Dir))
		fmt.Fprintf(w, "NAME\tSIZE\tMODE\tOWNER\tMODIFIED\tPROCS\n")
		for _, o := range out.Objects {
			procs := strconv.Itoa(o.Processes)
			switch {
			case out.Unreadable < 0:
				procs = "?"
			case o.Processes > 0:
				procs += " (" + pidList(o.PIDs, 4) + ")"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s:%s\t%s\t%s\n", quoteName(o.Name), humanSize(o.Size), o.Mode, cleanText(o.Owner), cleanText(o.Group),
				o.Modified.Local().Format("2006-01-02 15:04:05"), procs)
		}
	}
	w.Flush()
	switch {
	case !objects || len(out.Objects) == 0:
	case out.Unreadable < 0:
		fmt.Printf("(PROCS unknown: /proc cannot be read)\n")
	case out.Unreadable > 0:
		fmt.Printf("(PROCS leaves out %s whose mappings and descriptors this user may not read)\n", plural(out.Unreadable, "process", "processes"))
	}
	if objects && segments {
		fmt.Println()
	}
	switch {
	case !segments:
	case segNote != "":
		fmt.Fprintf(w, "System V shared-memory segments:%s\n", segNote)
	case len(out.Segments) == 0:
		fmt.Fprintf(w, "System V shared-memory segments: none\n")
	default:
		fmt.Fprintf(w, "System V shared-memory segments:\n")
		fmt.Fprintf(w, "KEY\tID\tSIZE\tPERMS\tOWNER\tNATTCH\tCREATOR\tSTATUS\n")
		for _, g := range out.Segments {
			status := ""
			if g.Removed {
				status = "marked for removal"
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s:%s\t%d\t%s\t%s\n", g.KeyHex, g.ID, humanSize(g.Size), g.Mode, cleanText(g.Owner), cleanText(g.Group),
				g.Attached, g.creatorString(), status)
		}
	}
	w.Flush()
}

// pidList is up to max PIDs, comma-separated, with "..." for the rest.
func pidList(pids []int, max int) string {
	var s []string
	for i, p := range pids {
		if i == max {
			s = append(s, "...")
			break
		}
		s = append(s, strconv.Itoa(p))
	}
	return strings.Join(s, ",")
}

// plural is "1 process", "2 processes".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
