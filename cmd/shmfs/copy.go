package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"

	"github.com/shmfs/shmfs"
)

func init() {
	commands["cat"] = command{"copy objects or segments to standard output", cat}
	commands["write"] = command{"copy standard input to an object (created or truncated) or a segment", write}
}

func cat(args []string) error {
	fl := newFlagSet("cat", "shmfs cat [-dir dir] [-q] [-base64] name...\nshmfs cat -segment [-q] id...", `
Cat copies the named POSIX shared-memory objects, one after the other, to
standard output, reading them through *shmfs.File (WriteTo).

With -base64, each name is given in base64 (standard encoding, with
padding), as ls -json prints it in NameBase64: any bytes, exactly.

With -segment, the arguments are System V segment IDs, each attached
read-only and copied whole (a segment's size is fixed; ls shows it).

A progress bar is drawn on standard error, when it is a terminal and
standard output is not, for objects of 16 MiB or more that take longer
than half a second.`)
	seg := fl.Bool("segment", false, "the arguments are System V segment IDs")
	dir := dirFlag(fl)
	quiet := fl.Bool("q", false, "draw no progress bar")
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
	for _, arg := range names {
		f, err := openArg(fl, *seg, newNamespace(*dir), arg, os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		err = catFile(f, *quiet)
		if err1 := f.Close(); err == nil {
			err = err1
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func catFile(f *shmfs.File, quiet bool) error {
	total := int64(-1)
	if fi, err := f.Stat(); err == nil {
		total = fi.Size()
	}
	p := startProgress(quoteName(f.Name()), total, wantProgress(quiet, total) && !stdoutIsTerminal())
	_, err := f.WriteTo(progressWriter{os.Stdout, p})
	p.finish()
	return err
}

// what names the arguments of a command with a -segment flag.
func what(seg bool) string {
	if seg {
		return "segment ID"
	}
	return "name"
}

// openArg opens the object named arg, or with seg the segment whose ID is
// arg.
func openArg(fl *flag.FlagSet, seg bool, ns namespace, arg string, flag int, perm fs.FileMode) (*shmfs.File, error) {
	if !seg {
		return ns.openFile(arg, flag, perm)
	}
	id, err := parseID(fl, arg)
	if err != nil {
		return nil, err
	}
	return shmfs.AttachSegment(id, flag&(os.O_RDONLY|os.O_WRONLY|os.O_RDWR))
}

func write(args []string) error {
	fl := newFlagSet("write", "shmfs write [-dir dir] [-append] [-perm mode] [-q] [-base64] name\nshmfs write -segment [-q] id", `
Write copies standard input to the named POSIX shared-memory object,
writing through *shmfs.File (ReadFrom). The object is created if it does
not exist (with -perm's permission bits, less the umask) and truncated if
it does, unless -append is given: then what is read goes at its end
(each write atomic with respect to other appenders).

With -base64, the name is given in base64 (standard encoding, with
padding), as ls -json prints it in NameBase64: any bytes, exactly.

With -segment, the argument is a System V segment ID: standard input is
written from the start of the segment, which keeps its size and the bytes
past what was written; input longer than the segment is an error.

A progress bar is drawn on standard error, when it is a terminal, for
input of unknown size or of 16 MiB or more that takes longer than half a
second.`)
	seg := fl.Bool("segment", false, "the argument is a System V segment ID")
	dir := dirFlag(fl)
	appendFlag := fl.Bool("append", false, "append to the object instead of truncating it")
	perm := permFlag(0666)
	fl.Var(&perm, "perm", "permission `mode` (octal) of an object that is created, before the umask")
	quiet := fl.Bool("q", false, "draw no progress bar")
	b64 := base64Flag(fl)
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		return usagef(fl, "want one %s, have %d arguments", what(*seg), fl.NArg())
	}
	names, err := nameArgs(fl, *seg, *b64)
	if err != nil {
		return err
	}
	oflag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if *seg {
		setFlags := map[string]bool{}
		fl.Visit(func(f *flag.Flag) { setFlags[f.Name] = true })
		for _, name := range []string{"append", "perm", "dir"} {
			if setFlags[name] {
				return usagef(fl, "-%s does not apply to a segment", name)
			}
		}
		oflag = os.O_WRONLY
	} else if *appendFlag {
		oflag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := openArg(fl, *seg, newNamespace(*dir), names[0], oflag, fs.FileMode(perm))
	if err != nil {
		return err
	}
	total := int64(-1)
	if fi, err := os.Stdin.Stat(); err == nil && fi.Mode().IsRegular() {
		if off, err := os.Stdin.Seek(0, io.SeekCurrent); err == nil {
			total = max(fi.Size()-off, 0)
		}
	}
	p := startProgress(quoteName(f.Name()), total, wantProgress(*quiet, total))
	_, err = f.ReadFrom(progressReader{os.Stdin, p})
	p.finish()
	if err1 := f.Close(); err == nil {
		err = err1
	}
	return err
}

// permFlag is a permission mode flag, in octal.
type permFlag fs.FileMode

func (p *permFlag) String() string { return fmt.Sprintf("%#o", uint32(*p)) }

func (p *permFlag) Set(s string) error {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0777 {
		return fmt.Errorf("want permission bits in octal, 0 to 0777")
	}
	*p = permFlag(n)
	return nil
}
