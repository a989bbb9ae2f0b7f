package fuzzcheck

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/shmfs/shmfs"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// MaxSegmentInput is the longest input Segment runs: one header byte and
// 8 bytes per operation.
const MaxSegmentInput = 1 + 8*MaxOps

// segSizes are the segment sizes a Segment input's low nibble picks.
var segSizes = []int{1, 2, 3, 100, 4095, 4096, 4097, 5000, 8191, 8192, 8193, 12288, 16384, 65536, 65537, 1 << 20}

// segModes are the access modes a Segment input's bits 4-5 pick.
var segModes = []int{os.O_RDWR, os.O_RDONLY, os.O_WRONLY, os.O_RDWR}

// SegmentSetup is what the first byte of a Segment input chooses.
type SegmentSetup struct {
	Size   int
	Acc    int  // how the segment is attached: os.O_RDONLY, os.O_WRONLY, os.O_RDWR
	Attach bool // the File under test is a second attach (AttachSegment), not OpenSegment's
	Zeros  bool // the segment holds zeros (as created), not Content
}

func (s SegmentSetup) String() string {
	how := "OpenSegment"
	if s.Attach || s.Acc != os.O_RDWR {
		how = "AttachSegment"
	}
	what := "content"
	if s.Zeros {
		what = "zeros"
	}
	return fmt.Sprintf("%s(%s) of a %d-byte segment of %s", how, ModeName(s.Acc), s.Size, what)
}

// DecodeSegmentInput splits a Segment input into its setup and its
// operations: byte 0 picks the size (low nibble), the access mode (bits
// 4-5), a second attach (bit 6) and a segment of zeros (bit 7); the rest
// decodes with shmfstest.DecodeOps into at most MaxOps operations.
func DecodeSegmentInput(data []byte) (SegmentSetup, []shmfstest.Op) {
	var h byte
	if len(data) > 0 {
		h = data[0]
	}
	s := SegmentSetup{
		Size:   segSizes[h&0x0f],
		Acc:    segModes[h>>4&3],
		Attach: h&0x40 != 0,
		Zeros:  h&0x80 != 0,
	}
	var ops []shmfstest.Op
	if len(data) > 1 {
		ops = shmfstest.DecodeOps(data[1:], MaxOps)
	}
	return s, ops
}

// SegmentClass is the error class Segment compares: the model knows when
// a call fails and which of fs.ErrClosed, errors.ErrUnsupported and
// errBadFD it wraps, but not every errno, so the rest is "error".
// An error that is not an *fs.PathError says so.
func SegmentClass(err error) string {
	c := "error"
	switch {
	case errors.Is(err, fs.ErrClosed):
		c = "ErrClosed"
	case errors.Is(err, errors.ErrUnsupported):
		c = "ErrUnsupported"
	case errors.Is(err, errBadFD):
		c = "EBADF"
	}
	if _, ok := err.(*fs.PathError); !ok {
		c = fmt.Sprintf("%s (a %T, not an *fs.PathError)", c, err)
	}
	return c
}

// Segment runs one FuzzSegment input: it creates an IPC_PRIVATE segment,
// marks it for removal at once (so that it goes away with this process
// whatever happens), attaches it as the input says, applies the input's
// operations to it and to a Fixed model with shmfstest.CompareOptions
// (classes by SegmentClass), closes it twice, compares its final contents
// with the model's through another attach, and checks that the segment is
// gone once the last attach is closed.
func Segment(data []byte) (err error) {
	if len(data) > MaxSegmentInput {
		return skipf("%d-byte input, more than %d", len(data), MaxSegmentInput)
	}
	setup, ops := DecodeSegmentInput(data)
	defer func() {
		if err != nil && !errors.Is(err, ErrSkip) {
			err = fmt.Errorf("%v: %w\nops: %v", setup, err, ops)
		}
	}()

	creator, err := shmfs.OpenSegment(0, setup.Size, os.O_RDWR|os.O_CREATE, 0600)
	if err != nil {
		if errors.Is(err, errors.ErrUnsupported) {
			return skipf("%v", err)
		}
		return fmt.Errorf("OpenSegment: %v", err)
	}
	// keep stays attached to the end, so that the contents can be read
	// after the File under test is closed: the creator, or another attach
	// when the creator is the File under test.
	keep := creator
	defer func() {
		if keep != nil {
			keep.Close()
		}
	}()
	fi, err := creator.Stat()
	if err != nil {
		return fmt.Errorf("Stat: %v", err)
	}
	info, ok := fi.Sys().(*shmfs.SegmentInfo)
	if !ok {
		return fmt.Errorf("Stat().Sys() is a %T, want *shmfs.SegmentInfo", fi.Sys())
	}
	id := info.ID
	if err := shmfs.RemoveSegment(id); err != nil {
		return fmt.Errorf("RemoveSegment(%d): %v", id, err)
	}
	if fi.Size() != int64(setup.Size) {
		return fmt.Errorf("new segment's size is %d", fi.Size())
	}

	init := make([]byte, setup.Size)
	if !setup.Zeros {
		init = Content(setup.Size)
		if n, err := creator.WriteAt(init, 0); n != len(init) || err != nil {
			return fmt.Errorf("filling the segment: WriteAt = %d, %v", n, err)
		}
	}

	f := creator
	if setup.Attach || setup.Acc != os.O_RDWR {
		f, err = shmfs.AttachSegment(id, setup.Acc)
		if err != nil {
			return fmt.Errorf("AttachSegment(%d, %s): %v", id, ModeName(setup.Acc), err)
		}
		defer f.Close()
	} else {
		// The File under test is the creator: keep another attach (the
		// ops may Close the File, and with it the last attach).
		if keep, err = shmfs.AttachSegment(id, os.O_RDONLY); err != nil {
			keep = creator
			return fmt.Errorf("AttachSegment(%d) after RemoveSegment: %v", id, err)
		}
		defer creator.Close()
	}
	model := NewFixed(f.Name(), init, setup.Acc)

	opt := shmfstest.Options{Class: SegmentClass}
	if err := shmfstest.CompareOptions(f, model, ops, opt); err != nil {
		return err
	}
	closes := []shmfstest.Op{{Kind: shmfstest.OpClose}, {Kind: shmfstest.OpClose}}
	if err := shmfstest.CompareOptions(f, model, closes, opt); err != nil {
		return fmt.Errorf("closing: %v", err)
	}

	final := make([]byte, setup.Size)
	if n, err := keep.ReadAt(final, 0); n != len(final) || (err != nil && err != io.EOF) {
		return fmt.Errorf("reading the segment back: ReadAt = %d, %v", n, err)
	}
	if !bytes.Equal(final, model.Bytes()) {
		i := 0
		for final[i] == model.Bytes()[i] {
			i++
		}
		return fmt.Errorf("after Close, the segment holds %#x at offset %d, want %#x", final[i], i, model.Bytes()[i])
	}
	err = keep.Close()
	keep = nil
	if err != nil {
		return fmt.Errorf("Close of the last attach: %v", err)
	}
	if g, err := shmfs.AttachSegment(id, os.O_RDONLY); err == nil {
		g.Close()
		return fmt.Errorf("segment %d still exists after RemoveSegment and the last Close", id)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("AttachSegment(%d) of a destroyed segment: %v, want an error wrapping fs.ErrNotExist", id, err)
	}
	return nil
}
