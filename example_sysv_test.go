//go:build linux

package shmfs_test

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"syscall"

	"github.com/shmfs/shmfs"
)

// Two processes share a System V segment by key: both derive the key from
// a path they agree on with Ftok. Here both sides run in one process; in
// real use the second OpenSegment runs in the other process.
func ExampleOpenSegment() {
	dir, err := os.MkdirTemp("", "shmfs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	key, err := shmfs.Ftok(dir, 'S')
	if err != nil {
		log.Fatal(err)
	}

	// Process A creates the segment (4 KiB, a size that never changes)
	// and writes into it.
	a, err := shmfs.OpenSegment(key, 4096, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0600)
	if err != nil {
		log.Fatal(err)
	}
	fi, err := a.Stat()
	if err != nil {
		log.Fatal(err)
	}
	id := fi.Sys().(*shmfs.SegmentInfo).ID
	defer shmfs.RemoveSegment(id) // Close only detaches
	defer a.Close()
	if _, err := a.WriteString("hello, process B"); err != nil {
		log.Fatal(err)
	}

	// Process B opens the same key, read-only.
	b, err := shmfs.OpenSegment(key, 0, os.O_RDONLY, 0)
	if err != nil {
		log.Fatal(err)
	}
	defer b.Close()
	msg := make([]byte, 16)
	if _, err := b.ReadAt(msg, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", msg)
	_, err = b.Write([]byte("!"))
	fmt.Println("write on a read-only attach fails:", errors.Is(err, syscall.EBADF))
	fi, err = b.Stat()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("size:", fi.Size(), "attached:", fi.Sys().(*shmfs.SegmentInfo).Attached)
	// Output:
	// hello, process B
	// write on a read-only attach fails: true
	// size: 4096 attached: 2
}

// An IPC_PRIVATE segment has no key: other processes attach it by ID. Once
// every process has attached, RemoveSegment makes it vanish with the last
// detach, even if a process dies without cleaning up.
func ExampleAttachSegment() {
	a, err := shmfs.OpenSegment(shmfs.IPC_PRIVATE, 1<<20, os.O_RDWR, 0600)
	if err != nil {
		log.Fatal(err)
	}
	fi, err := a.Stat()
	if err != nil {
		log.Fatal(err)
	}
	id := fi.Sys().(*shmfs.SegmentInfo).ID
	defer shmfs.RemoveSegment(id) // in case of an early return

	// The other process, handed id, attaches it.
	b, err := shmfs.AttachSegment(id, os.O_RDWR)
	if err != nil {
		log.Fatal(err)
	}
	if err := shmfs.RemoveSegment(id); err != nil {
		log.Fatal(err)
	}

	if _, err := a.WriteAt([]byte("ping"), 0); err != nil {
		log.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := b.ReadAt(buf, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", buf)

	a.Close()
	b.Close()
	_, err = shmfs.AttachSegment(id, os.O_RDONLY)
	fmt.Println("gone after the last detach:", errors.Is(err, fs.ErrNotExist))
	// Output:
	// ping
	// gone after the last detach: true
}
