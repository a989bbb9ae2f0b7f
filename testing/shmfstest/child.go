package shmfstest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
)

// ChildEnv is the environment variable that tells a re-executed test binary
// which child to run; ChildArgsEnv carries its arguments (JSON).
const (
	ChildEnv     = "SHMFSTEST_CHILD"
	ChildArgsEnv = "SHMFSTEST_CHILD_ARGS"
)

// Command returns a command that re-executes the running test binary as
// the child called name, with args. The binary must call RunChild from its
// TestMain before m.Run.
func Command(name string, args ...string) *exec.Cmd {
	js, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.count=1")
	cmd.Env = append(os.Environ(), ChildEnv+"="+name, ChildArgsEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	return cmd
}

// RunChild, called first in TestMain, runs the child the parent asked for
// and exits: status 0 if it returned nil, 1 (with the error on stderr)
// otherwise. In the parent process (no ChildEnv) it returns at once.
func RunChild(children map[string]func(args []string) error) {
	name := os.Getenv(ChildEnv)
	if name == "" {
		return
	}
	var args []string
	if js := os.Getenv(ChildArgsEnv); js != "" {
		if err := json.Unmarshal([]byte(js), &args); err != nil {
			fmt.Fprintf(os.Stderr, "shmfstest: child %s: bad arguments: %v\n", name, err)
			os.Exit(2)
		}
	}
	run, ok := children[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "shmfstest: no child called %q\n", name)
		os.Exit(2)
	}
	if err := run(args); err != nil {
		fmt.Fprintf(os.Stderr, "shmfstest: child %s: %v\n", name, err)
		os.Exit(1)
	}
	os.Exit(0)
}
