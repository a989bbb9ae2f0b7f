//go:build linux

package shmfs_test

import (
	"errors"
	"fmt"
	"io/fs"
	"log"
	"net"
	"os"
	"syscall"

	"github.com/shmfs/shmfs"
)

// A memory file is shared memory with no name to leak. Sealed, it can be
// handed to anyone: nobody can resize or rewrite it any more.
func ExampleMemFile() {
	f, err := shmfs.MemFile("greeting")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("hello, memfd"); err != nil {
		log.Fatal(err)
	}

	if err := f.Seal(shmfs.SealShrink | shmfs.SealGrow | shmfs.SealWrite | shmfs.SealSeal); err != nil {
		log.Fatal(err)
	}
	_, err = f.WriteAt([]byte("J"), 0)
	fmt.Println("write refused:", errors.Is(err, fs.ErrPermission))
	err = f.Truncate(0)
	fmt.Println("truncate refused:", errors.Is(err, fs.ErrPermission))

	b := make([]byte, 12)
	if _, err := f.ReadAt(b, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(b))
	// Output:
	// write refused: true
	// truncate refused: true
	// hello, memfd
}

// A receiver that does not trust its peer checks the seals it relies on
// before it uses a file it was sent: here, that the peer can no longer
// resize it (so its size is stable, and no mapping of it can lose pages).
func ExampleReceiveFile() {
	// Two connected Unix sockets stand in for two processes.
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		log.Fatal(err)
	}
	var conns [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socket")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			log.Fatal(err)
		}
		defer c.Close()
		conns[i] = c.(*net.UnixConn)
	}
	sender, receiver := conns[0], conns[1]

	// The sender: fill a memory file, seal its size, send it.
	f, err := shmfs.MemFile("frame")
	if err != nil {
		log.Fatal(err)
	}
	f.WriteString("frame #1")
	if err := f.Seal(shmfs.SealShrink | shmfs.SealGrow | shmfs.SealSeal); err != nil {
		log.Fatal(err)
	}
	if err := shmfs.SendFile(sender, f); err != nil {
		log.Fatal(err)
	}
	f.Close() // the receiver's descriptor keeps the memory alive

	// The receiver.
	g, err := shmfs.ReceiveFile(receiver)
	if err != nil {
		log.Fatal(err)
	}
	defer g.Close()
	const need = shmfs.SealShrink | shmfs.SealGrow | shmfs.SealSeal
	if s, err := g.Seals(); err != nil || s&need != need {
		log.Fatalf("refusing %s: the peer can still resize it (seals %#x, %v)", g.Name(), s, err)
	}
	b := make([]byte, 8)
	if _, err := g.ReadAt(b, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s\n", g.Name(), b)
	// Output:
	// frame: frame #1
}
