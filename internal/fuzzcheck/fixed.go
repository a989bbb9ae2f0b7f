package fuzzcheck

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"syscall"
	"time"

	"github.com/shmfs/shmfs/testing/shmfstest"
)

// Fixed is an in-memory model of a file whose size never changes, as a
// System V segment's does not: it reads like an *os.File of that size;
// a write that reaches past the end writes what fits and returns the
// short count and an error; Truncate to any other size fails with an
// error wrapping errors.ErrUnsupported. Opened read-only it refuses
// writes with errBadFD, opened write-only it refuses reads, as an
// *os.File does. Every error is an *fs.PathError with os's op names.
//
// Fixed is not safe for concurrent use.
type Fixed struct {
	name   string
	data   []byte
	acc    int // os.O_RDONLY, os.O_WRONLY or os.O_RDWR
	pos    int64
	closed bool
}

var _ shmfstest.File = (*Fixed)(nil)

// NewFixed returns a model holding a copy of data, opened with the access
// mode acc (os.O_RDONLY, os.O_WRONLY or os.O_RDWR).
func NewFixed(name string, data []byte, acc int) *Fixed {
	return &Fixed{name: name, data: bytes.Clone(data), acc: acc}
}

// Bytes returns the model's contents (not a copy).
func (m *Fixed) Bytes() []byte { return m.data }

func (m *Fixed) err(op string, err error) error {
	return &fs.PathError{Op: op, Path: m.name, Err: err}
}

var (
	errNegativeOffset = errors.New("negative offset")
	errFull           = errors.New("write past the end of a fixed-size file")
	errFixedSize      = errors.Join(errors.ErrUnsupported, errors.New("the size is fixed"))
)

// readAt is pread in a loop: EOF when short, EINVAL when off+len overflows.
func (m *Fixed) readAt(p []byte, off int64) (int, error) {
	if off > math.MaxInt64-int64(len(p)) {
		return 0, syscall.EINVAL
	}
	if off >= int64(len(m.data)) {
		return 0, io.EOF
	}
	n := copy(p, m.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// writeAt writes what fits.
func (m *Fixed) writeAt(p []byte, off int64) (int, error) {
	if off >= int64(len(m.data)) {
		return 0, errFull
	}
	n := copy(m.data[off:], p)
	if n < len(p) {
		return n, errFull
	}
	return n, nil
}

func (m *Fixed) wrap(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return m.err(op, err)
}

func (m *Fixed) Read(p []byte) (int, error) {
	switch {
	case m.closed:
		return 0, m.err("read", fs.ErrClosed)
	case len(p) == 0:
		return 0, nil
	case m.acc == os.O_WRONLY:
		return 0, m.err("read", errBadFD)
	}
	n, err := m.readAt(p, m.pos)
	m.pos += int64(n)
	if n > 0 && err == io.EOF {
		err = nil
	}
	return n, m.wrap("read", err)
}

func (m *Fixed) ReadAt(p []byte, off int64) (int, error) {
	switch {
	case off < 0:
		return 0, m.err("readat", errNegativeOffset)
	case len(p) == 0:
		return 0, nil
	case m.closed:
		return 0, m.err("read", fs.ErrClosed)
	case m.acc == os.O_WRONLY:
		return 0, m.err("read", errBadFD)
	}
	n, err := m.readAt(p, off)
	return n, m.wrap("read", err)
}

func (m *Fixed) Write(p []byte) (int, error) {
	switch {
	case m.closed:
		return 0, m.err("write", fs.ErrClosed)
	case m.acc == os.O_RDONLY:
		return 0, m.err("write", errBadFD)
	case len(p) == 0:
		return 0, nil
	}
	n, err := m.writeAt(p, m.pos)
	m.pos += int64(n)
	return n, m.wrap("write", err)
}

func (m *Fixed) WriteAt(p []byte, off int64) (int, error) {
	switch {
	case off < 0:
		return 0, m.err("writeat", errNegativeOffset)
	case len(p) == 0:
		return 0, nil
	case m.closed:
		return 0, m.err("write", fs.ErrClosed)
	case m.acc == os.O_RDONLY:
		return 0, m.err("write", errBadFD)
	}
	n, err := m.writeAt(p, off)
	return n, m.wrap("write", err)
}

func (m *Fixed) WriteString(s string) (int, error) { return m.Write([]byte(s)) }

// ReadFrom writes what r yields, as repeated Writes would: a write that
// does not fit stops it with a short count and the write's error.
func (m *Fixed) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(writerOnly{m}, r)
}

// WriteTo writes the bytes from the offset on to w, as repeated Reads
// would.
func (m *Fixed) WriteTo(w io.Writer) (int64, error) {
	return io.Copy(w, readerOnly{m})
}

type readerOnly struct{ io.Reader }
type writerOnly struct{ io.Writer }

func (m *Fixed) Seek(offset int64, whence int) (int64, error) {
	if m.closed {
		return 0, m.err("seek", fs.ErrClosed)
	}
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = m.pos
	case io.SeekEnd:
		base = int64(len(m.data))
	default:
		return 0, m.err("seek", syscall.EINVAL)
	}
	if (offset > 0 && base > math.MaxInt64-offset) || base+offset < 0 {
		return 0, m.err("seek", syscall.EINVAL)
	}
	m.pos = base + offset
	return m.pos, nil
}

// Truncate fails unless size is the size already; on a read-only model it
// fails even then (ftruncate needs a writable descriptor).
func (m *Fixed) Truncate(size int64) error {
	switch {
	case m.closed:
		return m.err("truncate", fs.ErrClosed)
	case size != int64(len(m.data)):
		return m.err("truncate", errFixedSize)
	case m.acc == os.O_RDONLY:
		return m.err("truncate", syscall.EINVAL)
	}
	return nil
}

func (m *Fixed) Sync() error {
	if m.closed {
		return m.err("sync", fs.ErrClosed)
	}
	return nil
}

func (m *Fixed) Close() error {
	if m.closed {
		return m.err("close", fs.ErrClosed)
	}
	m.closed = true
	return nil
}

func (m *Fixed) Stat() (fs.FileInfo, error) {
	if m.closed {
		return nil, m.err("stat", fs.ErrClosed)
	}
	return fixedInfo{m.name, int64(len(m.data))}, nil
}

type fixedInfo struct {
	name string
	size int64
}

func (fi fixedInfo) Name() string       { return fi.name }
func (fi fixedInfo) Size() int64        { return fi.size }
func (fi fixedInfo) Mode() fs.FileMode  { return 0600 }
func (fi fixedInfo) ModTime() time.Time { return time.Time{} }
func (fi fixedInfo) IsDir() bool        { return false }
func (fi fixedInfo) Sys() any           { return nil }
