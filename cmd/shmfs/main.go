// Command shmfs shows and handles shared memory through package shmfs.
//
// Usage:
//
//	shmfs demo    a parent and a child process share one object through *shmfs.File
//
// Run "shmfs help" for the list of subcommands.
package main

import (
	"fmt"
	"os"
	"sort"
)

// command is one subcommand.
type command struct {
	short string
	run   func(args []string) error
}

var commands = map[string]command{}

func usage() {
	fmt.Fprintf(os.Stderr, "usage: shmfs <command> [arguments]\n\ncommands:\n")
	var names []string
	for n := range commands {
		if commands[n].short != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-8s %s\n", n, commands[n].short)
	}
	fmt.Fprintf(os.Stderr, "\nRun 'shmfs <command> -h' for a command's flags.\n")
}

func main() {
	if len(os.Args) < 2 || os.Args[1] == "help" || os.Args[1] == "-h" || os.Args[1] == "--help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(2)
		}
		return
	}
	cmd, ok := commands[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "shmfs: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err := cmd.run(os.Args[2:]); err != nil {
		fmt.Fprintf(os.Stderr, "shmfs %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}
