//go:build linux

package shmfs_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/shmfs/shmfs"
)

// Parse a record header in place: View hands fn the bytes of the mapping
// itself, under the fault guard, and Update changes them where they are.
// No copy, and no crash if another process truncates the object meanwhile
// (View then returns an error wrapping io.ErrUnexpectedEOF).
func ExampleFile_View() {
	name := fmt.Sprintf("/shmfs-example-%d-header", os.Getpid())
	f, err := shmfs.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	defer shmfs.Remove(name)
	defer f.Close()

	// A header: magic "REC1", a record count, the offset of the first
	// record; then the records.
	hdr := make([]byte, 12)
	copy(hdr, "REC1")
	binary.LittleEndian.PutUint32(hdr[4:], 3)
	binary.LittleEndian.PutUint32(hdr[8:], 4096)
	f.WriteAt(hdr, 0)
	f.WriteAt([]byte("first record"), 4096)

	var count, first uint32
	err = f.View(0, 12, func(b []byte) error {
		if string(b[:4]) != "REC1" {
			return errors.New("not a record file")
		}
		count = binary.LittleEndian.Uint32(b[4:])
		first = binary.LittleEndian.Uint32(b[8:])
		return nil
	})
	fmt.Println(count, first, err)

	// Bump the count in place; every other mapping sees it at once.
	err = f.Update(4, 4, func(b []byte) error {
		binary.LittleEndian.PutUint32(b, binary.LittleEndian.Uint32(b)+1)
		return nil
	})
	buf := make([]byte, 4)
	f.ReadAt(buf, 4)
	fmt.Println(binary.LittleEndian.Uint32(buf), err)

	// Past the end of the file: an error, and fn is not called.
	err = f.View(4096, 1<<20, func([]byte) error { panic("not called") })
	fmt.Println(err != nil)
	// Output:
	// 3 4096 <nil>
	// 4 <nil>
	// true
}
