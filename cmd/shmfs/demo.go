package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/shmfs/shmfs"
)

func init() {
	commands["demo"] = command{"a parent and a child process share one object through *shmfs.File", demo}
	commands["demo-child"] = command{"", demoChild}
}

// demo: the parent writes through *shmfs.File, a child process (this same
// binary) reads it back and answers, and then a quick ReadAt timing beside
// *os.File on the same object.
func demo(args []string) error {
	fl := newFlagSet("demo", "shmfs demo", `
Demo shows shmfs at work: a parent process creates a POSIX shared-memory
object and writes a message through *shmfs.File; a child process (this
program again) opens the object by name, reads the message and writes a
reply, which the parent reads. Then ReadAt of 64 bytes is timed through
*shmfs.File (a copy out of the mapping) and through *os.File (a pread
system call) on the same object. The object is removed at the end.`)
	if err := parseFlags(fl, args); err != nil {
		return err
	}
	if fl.NArg() > 0 {
		return usagef(fl, "unexpected argument %q", fl.Arg(0))
	}
	name := fmt.Sprintf("/shmfs-demo-%d", os.Getpid())
	f, err := shmfs.Create(name)
	if err != nil {
		return err
	}
	defer shmfs.Remove(name)
	defer f.Close()

	msg := fmt.Sprintf("hello from parent pid %d", os.Getpid())
	if _, err := f.WriteString(msg); err != nil {
		return err
	}
	fmt.Printf("parent: created %s and wrote %q through *shmfs.File\n", name, msg)

	self, err := os.Executable()
	if err != nil {
		return err
	}
	child := exec.Command(self, "demo-child", name)
	child.Stdout, child.Stderr = os.Stdout, os.Stderr
	if err := child.Run(); err != nil {
		return fmt.Errorf("child: %w", err)
	}
	reply := make([]byte, 256)
	n, err := f.ReadAt(reply, 1024)
	if err != nil && err != io.EOF {
		return err
	}
	fmt.Printf("parent: read the child's reply at offset 1024: %q\n", bytes.TrimRight(reply[:n], "\x00"))
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	ns := newNamespace("")
	obj := newObject(ns, ns.fsName(name), fi, scanProcesses(ns.root()))
	fmt.Printf("parent: shmfs stat: %s is %d bytes, %s, used by %s\n",
		obj.Path, obj.Size, obj.Mode, describeUsers(obj.users))

	// A quick timing: ReadAt of 64 bytes through the mapping and through
	// a read system call on the same object.
	if err := f.Truncate(1 << 20); err != nil {
		return err
	}
	of, err := os.Open("/dev/shm" + name)
	if err != nil {
		return err
	}
	defer of.Close()
	buf := make([]byte, 64)
	timeIt := func(r io.ReaderAt) time.Duration {
		const n = 200000
		start := time.Now()
		for i := 0; i < n; i++ {
			r.ReadAt(buf, int64(i*4096)%(1<<20-64))
		}
		return time.Since(start) / n
	}
	s, o := timeIt(f), timeIt(of)
	fmt.Printf("ReadAt 64 B: *shmfs.File %v/op, *os.File %v/op (%.1fx)\n", s, o, float64(o)/float64(s))
	fmt.Printf("parent: removing %s\n", name)
	return nil
}

// demoChild opens the object by name, reads the parent's message and writes
// a reply at offset 1024 (growing the object).
func demoChild(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: shmfs demo-child NAME")
	}
	f, err := shmfs.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	fmt.Printf("child:  pid %d opened %s and read %q\n", os.Getpid(), args[0], b)
	reply := "hello back from child pid " + fmt.Sprint(os.Getpid())
	if !strings.HasPrefix(string(b), "hello from parent") {
		reply = "unexpected message"
	}
	_, err = f.WriteAt([]byte(reply), 1024)
	return err
}

// describeUsers is "1 process: 1234 shmfs (maps it, holds it open)".
func describeUsers(users []user1) string {
	if len(users) == 0 {
		return "no process"
	}
	var list []string
	for _, u := range users {
		var how []string
		if u.Maps {
			how = append(how, "maps it")
		}
		if u.Open {
			how = append(how, "holds it open")
		}
		list = append(list, fmt.Sprintf("%d %s (%s)", u.PID, cleanText(u.Command), strings.Join(how, ", ")))
	}
	return plural(len(users), "process", "processes") + ": " + strings.Join(list, "; ")
}
