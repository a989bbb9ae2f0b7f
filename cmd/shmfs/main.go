// Command shmfs shows and handles shared memory through package shmfs:
// POSIX shared-memory objects (the files in /dev/shm) and System V
// segments (what ipcs -m lists).
//
// Usage:
//
//	shmfs ls [-json] [-dir dir]            list objects and segments, and who uses them
//	shmfs stat [-dir dir] name...          every field of objects
//	shmfs stat -segment id...              every field of segments
//	shmfs cat [-dir dir] [-q] name...      copy objects to standard output
//	shmfs cat -segment [-q] id...          copy segments to standard output
//	shmfs write [-dir dir] [-append] [-perm mode] [-q] name
//	                                       copy standard input to an object
//	shmfs write -segment [-q] id           copy standard input into a segment
//	shmfs rm [-dir dir] [-f] name...       remove objects (shm_unlink)
//	shmfs rm -segment [-f] id...           remove segments (IPC_RMID)
//	shmfs gc [-f] [-older-than d] [-dir dir] [-prefix p] [-id ids] [-posix=bool] [-sysv=bool]
//	                                       find (and with -f remove) leaked shared memory
//	shmfs demo                             a parent and a child process share one object
//
// Names are POSIX shared-memory names, with or without the leading slash
// ("/orders" or "orders"), or paths in /dev/shm ("/dev/shm/orders").
// With -dir, names are paths under that directory, which is then the
// namespace instead of /dev/shm (shmfs.NewFS). Segments are named by ID,
// as ls shows it.
//
// Run "shmfs help <command>" or "shmfs <command> -h" for a command's flags:
// help asked for goes to standard output. Errors, usage errors included, go
// to standard error; the exit status is 0 on success, 1 on an error, 2 on a
// usage error.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand.
type command struct {
	short string // one line for the command list; "" hides the command
	run   func(args []string) error
}

var commands = map[string]command{}

func printUsage(w io.Writer) {
	fmt.Fprintf(w, "usage: shmfs <command> [arguments]\n\nShow and handle shared memory: POSIX objects (/dev/shm) and System V segments.\n\ncommands:\n")
	var names []string
	for n := range commands {
		if commands[n].short != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-6s %s\n", n, commands[n].short)
	}
	fmt.Fprintf(w, "\nRun 'shmfs help <command>' or 'shmfs <command> -h' for a command's flags.\n")
}

// errUsage is a usage error whose message has been printed already
// (the flag package prints its own); errReported is an error whose details
// have been printed already (rm and gc report each failure as it happens).
var (
	errUsage    = errors.New("usage error")
	errReported = errors.New("errors reported")
)

// usageError is a usage error with a message still to print.
type usageError struct {
	fl  *flag.FlagSet
	msg string
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a usage error for the command whose flags are fl.
func usagef(fl *flag.FlagSet, format string, args ...any) error {
	return &usageError{fl: fl, msg: fmt.Sprintf(format, args...)}
}

// newFlagSet returns the FlagSet of a command: its usage text is synopsis
// (one or more "usage:" lines, without the word), then doc, then the flags.
func newFlagSet(name, synopsis, doc string) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.Usage = func() {
		w := fl.Output()
		for i, line := range strings.Split(synopsis, "\n") {
			if i == 0 {
				fmt.Fprintf(w, "usage: %s\n", line)
			} else {
				fmt.Fprintf(w, "       %s\n", line)
			}
		}
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(doc))
		hasFlags := false
		fl.VisitAll(func(*flag.Flag) { hasFlags = true })
		if hasFlags {
			fmt.Fprintf(w, "\nflags:\n")
			fl.PrintDefaults()
		}
	}
	return fl
}

// parseFlags parses args with fl, turning the flag package's errors into
// errUsage. What the flag package prints goes where it belongs: the usage
// asked for with -h (or "shmfs help cmd") to standard output, a bad flag's
// message and the usage after it to standard error.
func parseFlags(fl *flag.FlagSet, args []string) error {
	var out bytes.Buffer
	fl.SetOutput(&out)
	err := fl.Parse(args)
	fl.SetOutput(nil)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		os.Stdout.Write(out.Bytes())
		return err
	}
	os.Stderr.Write(out.Bytes())
	return errUsage
}

// exitCode prints err as a command's failure and returns the exit status.
func exitCode(name string, err error) int {
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &ue):
		fmt.Fprintf(os.Stderr, "shmfs %s: %s\n", name, cleanText(ue.msg))
		if ue.fl != nil {
			fmt.Fprintf(os.Stderr, "Run 'shmfs %s -h' for usage.\n", name)
		}
		return 2
	case errors.Is(err, errReported):
		return 1
	}
	fmt.Fprintf(os.Stderr, "shmfs %s: %s\n", name, cleanText(err.Error()))
	return 1
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		printUsage(os.Stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printUsage(os.Stdout)
		return 0
	case "help":
		if len(args) == 1 {
			printUsage(os.Stdout)
			return 0
		}
		cmd, ok := commands[args[1]]
		if !ok || len(args) > 2 {
			fmt.Fprintf(os.Stderr, "shmfs help %s: unknown command\nRun 'shmfs help' for the list of commands.\n", cleanText(strings.Join(args[1:], " ")))
			return 2
		}
		return exitCode(args[1], cmd.run([]string{"-h"}))
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(os.Stderr, "shmfs %s: unknown command\nRun 'shmfs help' for the list of commands.\n", cleanText(args[0]))
		return 2
	}
	return exitCode(args[0], cmd.run(args[1:]))
}
