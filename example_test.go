//go:build linux

package shmfs_test

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"os"

	"github.com/shmfs/shmfs"
)

// Two handles on one POSIX shared-memory object: what one writes, the other
// reads at once, without a system call per read. (Another process opening
// the same name sees the same bytes. A program would use a fixed name of its
// own, "/myapp-state"; the examples add their process ID, so that copies of
// them running at once do not meet.)
func Example() {
	name := fmt.Sprintf("/shmfs-example-%d-greeting", os.Getpid())
	w, err := shmfs.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer shmfs.Remove(name)
	defer w.Close()

	r, err := shmfs.Open(name)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	fmt.Fprintf(w, "hello from pid %d", 42)
	b, err := io.ReadAll(r)
	fmt.Printf("%s (%v)\n", b, err)
	// Output: hello from pid 42 (<nil>)
}

// A File is an io.ReaderAt and io.WriterAt: fixed-offset records need no
// Seek, and writing past the end grows the object (the gap reads as zeros).
func ExampleFile_WriteAt() {
	name := fmt.Sprintf("/shmfs-example-%d-records", os.Getpid())
	f, err := shmfs.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer shmfs.Remove(name)
	defer f.Close()

	f.WriteAt([]byte("rec2"), 8)
	f.WriteAt([]byte("rec0"), 0)
	fi, _ := f.Stat()
	buf := make([]byte, 12)
	n, err := f.ReadAt(buf, 0)
	fmt.Printf("size %d: %q %d %v\n", fi.Size(), buf, n, err)
	n, err = f.ReadAt(buf, 4)
	fmt.Printf("short read: %d %v\n", n, err)
	// Output:
	// size 12: "rec0\x00\x00\x00\x00rec2" 12 <nil>
	// short read: 8 EOF
}

// An FS is an io/fs namespace: here of files under a directory, each read
// through a mapping.
func ExampleNewFS() {
	dir, err := os.MkdirTemp("", "shmfs-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	fsys := shmfs.NewFS(dir)
	if err := fsys.WriteFile("config", []byte("size=64M\n"), 0600); err != nil {
		log.Fatal(err)
	}
	b, err := fsys.ReadFile("config")
	fmt.Printf("%q %v\n", b, err)

	_, err = fsys.Open("../etc/passwd")
	fmt.Println(err)
	// Output:
	// "size=64M\n" <nil>
	// open ../etc/passwd: invalid argument
}

// Errors are *fs.PathError values of the same classes as *os.File's.
func ExampleFile_Close() {
	name := fmt.Sprintf("/shmfs-example-%d-close", os.Getpid())
	f, err := shmfs.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer shmfs.Remove(name)
	show := func(err error) {
		var pe *fs.PathError
		if !errors.As(err, &pe) {
			fmt.Println(err)
			return
		}
		fmt.Printf("op %q, path is the name: %v, error: %v, errors.Is(err, fs.ErrClosed): %v\n",
			pe.Op, pe.Path == name, pe.Err, errors.Is(err, fs.ErrClosed))
	}
	show(f.Close())
	show(f.Close())
	_, err = f.Write([]byte("late"))
	show(err)
	// Output:
	// <nil>
	// op "close", path is the name: true, error: file already closed, errors.Is(err, fs.ErrClosed): true
	// op "write", path is the name: true, error: file already closed, errors.Is(err, fs.ErrClosed): true
}
