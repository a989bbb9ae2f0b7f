//go:build linux

package shmfs_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// childWriter is the child writer NAME TEXT: write TEXT at offset 0 of the
// existing object NAME.
func childWriter(args []string) error {
	f, err := shmfs.OpenFile(args[0], os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = f.WriteAt([]byte(args[1]), 0)
	return err
}

// childGrower is the child grower NAME N: append N bytes 'g' with O_APPEND.
func childGrower(args []string) error {
	f, err := shmfs.OpenFile(args[0], os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	n, _ := strconv.Atoi(args[1])
	_, err = f.Write(bytes.Repeat([]byte("g"), n))
	return err
}

// childReader is the child reader NAME TEXT: the object must hold exactly
// TEXT.
func childReader(args []string) error {
	f, err := shmfs.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return err
	}
	if string(b) != args[1] {
		return fmt.Errorf("read %q, want %q", b, args[1])
	}
	return nil
}

// TestCrossProcess: a child process writes through its own *shmfs.File and
// we read it through ours, and the other way round; a child grows the
// object and our Read at EOF sees it; concurrent appenders never overwrite
// each other.
func TestCrossProcess(t *testing.T) {
	s := scratch(t, "")
	name := "/" + s.Name("x")
	f, err := shmfs.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("..............")

	if err := shmfstest.Command("writer", name, "child was here").Run(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 14)
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "child was here" {
		t.Fatalf("parent read %q, %v", buf, err)
	}

	f.WriteAt([]byte("parent writes!"), 0)
	if err := shmfstest.Command("reader", name, "parent writes!").Run(); err != nil {
		t.Fatal(err)
	}

	// The child grows the object; we are at our EOF and see the growth.
	f.Seek(0, io.SeekEnd)
	if n, err := f.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("at EOF: %d, %v", n, err)
	}
	if err := shmfstest.Command("grower", name, "5000").Run(); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(f)
	if err != nil || len(rest) != 5000 || rest[0] != 'g' {
		t.Fatalf("after the peer grew the object: read %d bytes, %v", len(rest), err)
	}

	// Four children append 10 x 1000 bytes each at once: O_APPEND is
	// atomic across processes, so nothing is lost.
	if err := f.Truncate(0); err != nil {
		t.Fatal(err)
	}
	var cmds []*os.Process
	for range 4 {
		cmd := shmfstest.Command("grower", name, "40000")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd.Process)
	}
	for _, p := range cmds {
		if st, err := p.Wait(); err != nil || !st.Success() {
			t.Fatalf("grower: %v %v", st, err)
		}
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != 160000 {
		t.Fatalf("after 4 concurrent appenders: %v, %v; want 160000", fi.Size(), err)
	}
}
