//go:build linux

package shmfs_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/shmfs/shmfs"
)

// Publishing an object whole: write each version under a temporary name
// (CreateTemp), then rename it onto the fixed name (Rename is rename(2)).
// A reader that opens the fixed name gets one version, complete, never a
// half-written one; a reader that opened the old version keeps reading it.
// (The names hold the process ID: another run of this example at the same
// time publishes its own object.)
func ExampleRename() {
	name := fmt.Sprintf("/shmfs-example-config-%d", os.Getpid())
	defer shmfs.Remove(name)
	publish := func(data string) {
		f, err := shmfs.CreateTemp("/", fmt.Sprintf("shmfs-example-config-%d-*.tmp", os.Getpid()))
		if err != nil {
			log.Fatal(err)
		}
		if _, err := f.WriteString(data); err != nil {
			shmfs.Remove(f.Name())
			log.Fatal(err)
		}
		if err := f.Close(); err != nil {
			shmfs.Remove(f.Name())
			log.Fatal(err)
		}
		if err := shmfs.Rename(f.Name(), name); err != nil {
			shmfs.Remove(f.Name())
			log.Fatal(err)
		}
	}

	publish("workers=4\n")
	old, err := shmfs.Open(name)
	if err != nil {
		log.Fatal(err)
	}
	defer old.Close()

	publish("workers=8\n")
	now, err := shmfs.ReadFile(name)
	if err != nil {
		log.Fatal(err)
	}
	before, err := io.ReadAll(old)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("published: %s", now)
	fmt.Printf("an earlier reader still has: %s", before)
	// Output:
	// published: workers=8
	// an earlier reader still has: workers=4
}
