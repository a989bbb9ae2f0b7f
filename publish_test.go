//go:build linux

package shmfs_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// The publish pattern across processes: a writer makes each version of an
// object under a temporary name (CreateTemp), writes it whole, and renames
// it onto the fixed name (Rename, rename(2)); a reader that opens the fixed
// name gets one complete version, never a torn or partial one.

const publishSize = 1 << 20

// publishVersion fills b with version v: v in the first 8 bytes, then a
// pattern that depends on v and on the offset.
func publishVersion(b []byte, v uint64) {
	binary.LittleEndian.PutUint64(b, v)
	for i := 8; i < len(b); i++ {
		b[i] = byte(v*31 + uint64(i)*7)
	}
}

// checkVersion reports which version b is, or why it is none.
func checkVersion(b []byte) (uint64, error) {
	if len(b) != publishSize {
		return 0, fmt.Errorf("%d bytes, want %d", len(b), publishSize)
	}
	v := binary.LittleEndian.Uint64(b)
	want := make([]byte, publishSize)
	publishVersion(want, v)
	if !bytes.Equal(b, want) {
		i := 0
		for b[i] == want[i] {
			i++
		}
		return v, fmt.Errorf("version %d is torn at byte %d", v, i)
	}
	return v, nil
}

// childPublisher is the child publisher NAME PREFIX MILLISECONDS: publish
// versions 0, 1, 2... of the POSIX object NAME for that long, each written
// under a temporary name PREFIX* and renamed onto NAME; print how many.
func childPublisher(args []string) error {
	ms, _ := strconv.Atoi(args[2])
	deadline := time.Now().Add(time.Duration(ms) * time.Millisecond)
	buf := make([]byte, publishSize)
	v := uint64(0)
	for ; v == 0 || time.Now().Before(deadline); v++ {
		publishVersion(buf, v)
		f, err := shmfs.CreateTemp("/", args[1]+"*")
		if err != nil {
			return err
		}
		// In two writes, so that a reader of the temporary name could
		// see half a version: the fixed name never shows one.
		if _, err := f.Write(buf[:publishSize/2]); err != nil {
			return err
		}
		if _, err := f.Write(buf[publishSize/2:]); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := shmfs.Rename(f.Name(), args[0]); err != nil {
			return err
		}
	}
	fmt.Println(v)
	return nil
}

// TestPublishAcrossProcesses: another process publishes whole 1 MiB
// versions with CreateTemp, Write and Rename for two seconds while this one
// reads the fixed name, whole, again and again, through ReadFile and through
// Open and io.ReadAll: every read is one complete version, and the versions
// only move forward.
func TestPublishAcrossProcesses(t *testing.T) {
	s := scratch(t, "")
	name := "/" + s.Name("published")
	cmd := shmfstest.Command("publisher", name, s.Name("tmp-"), "2000")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// If this test fails half way, the publisher must stop before the
	// scratch cleanup (registered first, so run after this), or it would
	// publish again behind it.
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})

	// Wait for version 0.
	for start := time.Now(); ; {
		if _, err := shmfs.Stat(name); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) || time.Since(start) > 30*time.Second {
			t.Fatalf("the publisher's first version: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	reads, seen, last := 0, map[uint64]bool{}, uint64(0)
	var childErr error
	for running := true; running; reads++ {
		select {
		case childErr = <-done:
			running = false  // one more read, of the last version
			done <- childErr // for the cleanup
		default:
		}
		var b []byte
		var err error
		if reads%2 == 0 {
			b, err = shmfs.ReadFile(name)
		} else {
			var f *shmfs.File
			if f, err = shmfs.Open(name); err == nil {
				b, err = io.ReadAll(f)
				f.Close()
			}
		}
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		v, err := checkVersion(b)
		if err != nil {
			t.Fatalf("read %d: %v", reads, err)
		}
		if v < last {
			t.Fatalf("read %d: version %d after version %d", reads, v, last)
		}
		last = v
		seen[v] = true
	}
	if childErr != nil {
		t.Fatalf("publisher: %v", childErr)
	}
	published, _ := strconv.Atoi(strings.TrimSpace(out.String()))
	t.Logf("%d versions published, %d reads saw %d of them", published, reads, len(seen))
	if published < 10 || len(seen) < 3 {
		t.Errorf("%d versions published, %d seen: too few to tell", published, len(seen))
	}
	if left, _ := s.List(); len(left) != 1 {
		t.Errorf("left in /dev/shm: %q, want only the published object", left)
	}
	if err := shmfs.Remove(name); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(s.Path("published")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after Remove: %v", err)
	}
}
