package shmfs

import (
	"errors"
	"io"
	"io/fs"
	"math"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// File is an open shared-memory object (or a file under an FS's directory,
// or a System V segment), read and written through a shared mapping.
//
// File is a drop-in for [*os.File] on a regular file: every method has the
// same results, EOF rules and error classes. Errors are [*fs.PathError]s
// with os's op names; io.EOF is returned unwrapped; after Close, the
// PathError's Err is exactly [fs.ErrClosed] (the deadline setters return
// os's bare "use of closed file", as *os.File does); methods on a nil *File
// return [fs.ErrInvalid].
//
// A File is safe for concurrent use: ReadAt and WriteAt may run in parallel
// with each other, with growth, and with Close (which waits for the copies
// in flight and never lets one touch unmapped memory).
//
// What other processes see:
//
//   - The object's size (fstat, ls -l) is always the size written or set by
//     Truncate, never the size of the mapping.
//   - Bytes written through any File, any *os.File or any other mapping of
//     the same object are visible to readers at once (one page cache).
//   - Read/ReadAt at or past the end this File last saw, Seek with
//     io.SeekEnd, and Stat re-read the size, so growth by a peer is seen.
//     A shrink by a peer is seen the same way; a read inside the old size may
//     still return the zeros the kernel left in the last page, and pages that
//     are gone are read again with pread, so no fault reaches the caller.
//   - Writes on a File opened with O_APPEND go through write(2), which the
//     kernel makes atomic across processes: concurrent appenders never
//     overwrite each other. Other writes are plain copies into the mapping,
//     not atomic with respect to other processes' writes to the same bytes.
//   - The read/write offset is this File's own; it is not the descriptor's
//     kernel offset (Fd, dup and fork do not share it).
//   - A write that copies into the mapping moves the modification time
//     forward when Stat, Sync, Flush or Close next runs on this File (on
//     tmpfs a store into a mapping does not change it, as write(2) would).
//
// A File may also be a directory (FS.Open("."), say): it is never mapped,
// its ReadDir, Readdir and Readdirnames list it as an *os.File's do, and
// Read and Write fail as on an *os.File directory (see file_dir.go).
type File struct {
	*file // the cleanup hangs on the inner value, as in package os
}

type file struct {
	name       string
	m          *mapping
	acc        int // O_RDONLY, O_WRONLY or O_RDWR
	appendMode bool
	closed     atomic.Bool
	cleanup    runtime.Cleanup

	posMu sync.Mutex
	pos   int64

	dir *os.File // a directory's *os.File, which reads, seeks and lists it; nil for a file (see file_dir.go)
}

// newFile wraps a mapping in a File, with a cleanup that unmaps and closes
// it if the File is dropped without Close.
func newFile(name string, m *mapping, acc int, appendMode bool) *File {
	f := &File{&file{name: name, m: m, acc: acc, appendMode: appendMode}}
	f.cleanup = runtime.AddCleanup(f.file, func(m *mapping) { m.close() }, m)
	return f
}

// osErrors are two errors package os returns but does not export, taken
// from os itself once, so that a caller comparing with os's values (==)
// sees the same ones: WriteAt on an O_APPEND file, and a deadline set on a
// closed file (internal/poll's "use of closed file", which os returns bare,
// not as fs.ErrClosed).
var osErrors = sync.OnceValues(func() (appendMode, fileClosing error) {
	if f, err := os.OpenFile(os.DevNull, os.O_WRONLY|os.O_APPEND, 0); err == nil {
		_, appendMode = f.WriteAt(nil, 0)
		f.Close()
		fileClosing = f.SetDeadline(time.Time{})
	}
	if appendMode == nil || appendMode.Error() != "os: invalid use of WriteAt on file opened with O_APPEND" {
		appendMode = errors.New("os: invalid use of WriteAt on file opened with O_APPEND")
	}
	if fileClosing == nil || fileClosing.Error() != "use of closed file" {
		fileClosing = errors.New("use of closed file")
	}
	return appendMode, fileClosing
})

// checkValid reports a nil receiver, as os does (a bare fs.ErrInvalid).
func (f *File) checkValid(op string) error {
	if f == nil {
		return fs.ErrInvalid
	}
	return nil
}

// wrapErr wraps err once in a *fs.PathError. io.EOF passes through.
func (f *File) wrapErr(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	return &fs.PathError{Op: op, Path: f.name, Err: err}
}

// Name returns the name of the file as presented to Open.
func (f *File) Name() string { return f.name }

// Read reads up to len(b) bytes from the File and stores them in b.
// It returns the number of bytes read and any error encountered.
// At end of file, Read returns 0, io.EOF.
func (f *File) Read(b []byte) (n int, err error) {
	if err := f.checkValid("read"); err != nil {
		return 0, err
	}
	if f.dir != nil {
		return f.dirRead(b)
	}
	if f.closed.Load() {
		return 0, f.wrapErr("read", fs.ErrClosed)
	}
	if len(b) == 0 {
		return 0, nil
	}
	if f.acc == os.O_WRONLY {
		return 0, f.wrapErr("read", errBadFD)
	}
	f.posMu.Lock()
	n, err = f.m.readAt(b, f.pos)
	f.pos += int64(n)
	f.posMu.Unlock()
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, f.wrapErr("read", err)
}

// ReadAt reads len(b) bytes from the File starting at byte offset off.
// It returns the number of bytes read and the error, if any.
// ReadAt always returns a non-nil error when n < len(b).
// At end of file, that error is io.EOF.
func (f *File) ReadAt(b []byte, off int64) (n int, err error) {
	if f != nil && off >= 0 && len(b) > 0 && f.acc != os.O_WRONLY && f.m.readMapped(b, off) {
		// The common case, first: mapped, inside the known size, no
		// fault. (A closed File has no mapping.)
		return len(b), nil
	}
	if err := f.checkValid("read"); err != nil {
		return 0, err
	}
	if f.dir != nil {
		return f.dirReadAt(b, off)
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "readat", Path: f.name, Err: errors.New("negative offset")}
	}
	if len(b) == 0 {
		return 0, nil
	}
	if f.closed.Load() {
		return 0, f.wrapErr("read", fs.ErrClosed)
	}
	if f.acc == os.O_WRONLY {
		return 0, f.wrapErr("read", errBadFD)
	}
	n, err = f.m.readAt(b, off)
	return n, f.wrapErr("read", err)
}

// Write writes len(b) bytes from b to the File, growing it as needed.
// It returns the number of bytes written and an error, if any.
// Write returns a non-nil error when n != len(b).
//
// On a File opened with O_APPEND, each Write goes to the end of the object
// through write(2), atomically with respect to other processes' appends.
func (f *File) Write(b []byte) (n int, err error) {
	if err := f.checkValid("write"); err != nil {
		return 0, err
	}
	if f.closed.Load() {
		return 0, f.wrapErr("write", fs.ErrClosed)
	}
	if f.acc == os.O_RDONLY {
		return 0, f.wrapErr("write", errBadFD)
	}
	if len(b) == 0 {
		return 0, nil
	}
	f.posMu.Lock()
	if f.appendMode {
		if f.pos > math.MaxInt64-int64(len(b)) {
			// write(2) checks the descriptor's offset even with O_APPEND.
			f.posMu.Unlock()
			return 0, f.wrapErr("write", errInval)
		}
		var end int64
		n, end, err = f.m.appendWrite(b)
		if n > 0 || err == nil {
			f.pos = end
		}
	} else {
		n, err = f.m.writeAt(b, f.pos)
		f.pos += int64(n)
	}
	f.posMu.Unlock()
	if err == nil && n != len(b) {
		return n, io.ErrShortWrite
	}
	return n, f.wrapErr("write", err)
}

// WriteAt writes len(b) bytes to the File starting at byte offset off,
// growing it as needed; a gap between the old end and off reads as zeros.
// A write through the mapping then reads the first byte of the page after
// it (or asks fstat, in the object's last page), so that the bytes are
// known to be inside the object even right after a peer shrank it; on a
// sparse tmpfs file that read gives the page a hole there had (at most one
// page per write).
// It returns the number of bytes written and an error, if any.
// WriteAt returns a non-nil error when n != len(b).
//
// If file was opened with the O_APPEND flag, WriteAt returns an error.
func (f *File) WriteAt(b []byte, off int64) (n int, err error) {
	if err := f.checkValid("write"); err != nil {
		return 0, err
	}
	if f.appendMode {
		errAppend, _ := osErrors()
		return 0, errAppend
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "writeat", Path: f.name, Err: errors.New("negative offset")}
	}
	if len(b) == 0 {
		return 0, nil
	}
	if f.closed.Load() {
		return 0, f.wrapErr("write", fs.ErrClosed)
	}
	if f.acc == os.O_RDONLY {
		return 0, f.wrapErr("write", errBadFD)
	}
	n, err = f.m.writeAt(b, off)
	return n, f.wrapErr("write", err)
}

// WriteString is like Write, but writes the contents of string s rather than
// a slice of bytes.
func (f *File) WriteString(s string) (n int, err error) {
	return f.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// copyBufs holds the buffers ReadFrom and WriteTo copy through, so that
// neither allocates. They are io.Copy's size, so that a copy that fails half
// way has moved as many bytes as *os.File's would.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// fileWithoutReadFrom hides ReadFrom so that io.CopyBuffer does not recurse.
type fileWithoutReadFrom struct {
	noReadFrom
	*File
}

type noReadFrom struct{}

func (noReadFrom) ReadFrom(io.Reader) (int64, error) { panic("can't happen") }

// fileReader is a File as a bare io.Reader, for io.CopyBuffer: it hides
// WriteTo, which would recurse, and SyscallConn, through which a TCP
// socket's ReadFrom would sendfile(2) from the descriptor's kernel offset,
// which is not the File's.
type fileReader struct{ f *File }

func (r fileReader) Read(b []byte) (int, error) { return r.f.Read(b) }

// osFileSource is the *os.File that isOSFileSource found in r.
func osFileSource(r io.Reader) *os.File { return limitedSource(r).(*os.File) }

// limitedSource is the reader an io.LimitedReader reads from, or r: what
// *os.File's ReadFrom looks at to choose copy_file_range or splice.
func limitedSource(r io.Reader) io.Reader {
	if lr, ok := r.(*io.LimitedReader); ok {
		return lr.R
	}
	return r
}

// copyEnd is one end of a copy_file_range(2), as the kernel checks it.
type copyEnd struct {
	dir, regular bool // the file's type
	read, write  bool // the descriptor's access mode
	append       bool // O_APPEND
}

// copyRefusal is copy_file_range(2)'s refusal to copy from in to out, in
// the kernel's order, as os wraps it: EISDIR if either end is a
// directory, nil if either is not a regular file (os then reads and
// writes instead), EBADF if in is not open for reading or out not for
// writing.
func copyRefusal(in, out copyEnd) error {
	switch {
	case in.dir || out.dir:
		return os.NewSyscallError("copy_file_range", errIsDir)
	case !in.regular || !out.regular:
		return nil
	case !in.read || !out.write:
		return os.NewSyscallError("copy_file_range", errBadFD)
	}
	return nil
}

// osCopyRefusal is the error *os.File's zero-copy path gives before it
// copies a byte, between f and osf as if f were an *os.File: f's WriteTo
// to osf (toOSF) is osf's ReadFrom of f, and f's ReadFrom of osf tries
// copy_file_range too. That path locks both ends first (a closed one is
// fs.ErrClosed), then asks copy_file_range (copyRefusal); its errors name
// the destination, with op "write". nil means the copy goes on as os's
// would, copied or read and written. A segment has no descriptor to copy
// from or to, and keeps its own errors.
func (f *File) osCopyRefusal(osf *os.File, toOSF bool) error {
	if _, ok := f.m.segment(); ok || osf == nil {
		return nil
	}
	end, open := osFileEnd(osf)
	if toOSF && open && end.append {
		return nil // os does not try copy_file_range into O_APPEND
	}
	dst := f.name
	if toOSF {
		dst = osf.Name()
	}
	if !open || f.closed.Load() {
		return &fs.PathError{Op: "write", Path: dst, Err: fs.ErrClosed}
	}
	self := copyEnd{dir: f.dir != nil, regular: f.dir == nil, read: f.acc != os.O_WRONLY, write: f.acc != os.O_RDONLY}
	in, out := end, self
	if toOSF {
		in, out = self, end
	}
	if err := copyRefusal(in, out); err != nil {
		return &fs.PathError{Op: "write", Path: dst, Err: err}
	}
	return nil
}

// isOSFileSource reports whether *os.File's ReadFrom would hand r to
// copy_file_range: an *os.File, or an io.LimitedReader around one with
// bytes left.
func isOSFileSource(r io.Reader) bool {
	if lr, ok := r.(*io.LimitedReader); ok {
		if lr.N <= 0 {
			return false
		}
		r = lr.R
	}
	_, ok := r.(*os.File)
	return ok
}

// WriteTo implements io.WriterTo: it writes the File's bytes from the
// current offset to w, as repeated Reads would, leaving the offset where
// *os.File's WriteTo would. Mapped bytes are handed to w.Write in place,
// without a copy: a socket or a pipe then copies them straight from the
// mapping, as sendfile(2) does for an *os.File. Where that cannot be done,
// or the kernel reports that a page is gone (EFAULT), the rest goes
// through a buffer.
func (f *File) WriteTo(w io.Writer) (n int64, err error) {
	if err := f.checkValid("read"); err != nil {
		return 0, err
	}
	kind := writerKind(w)
	if kind == writerFile {
		if err := f.osCopyRefusal(w.(*os.File), true); err != nil {
			return 0, err
		}
	}
	if kind == writerStream && f.acc == os.O_WRONLY && f.dir == nil && !f.closed.Load() {
		if _, ok := f.m.segment(); !ok {
			// *os.File's sendfile refuses a descriptor not open for
			// reading before it reads.
			return 0, f.wrapErr("read", os.NewSyscallError("sendfile", errBadFD))
		}
	}
	if kind != writerOther && !f.closed.Load() && f.acc != os.O_WRONLY {
		var done bool
		n, done, err = f.writeToInPlace(w, kind)
		if done {
			return n, err
		}
	}
	bp := copyBufs.Get().(*[]byte)
	k, err := io.CopyBuffer(w, fileReader{f}, *bp)
	copyBufs.Put(bp)
	return n + k, err
}

// How WriteTo may hand its bytes to a writer.
const (
	writerOther  = iota // through a buffer, as *os.File's generic path does
	writerStream        // a TCP or Unix stream socket: *os.File uses sendfile
	writerFile          // an *os.File (a pipe, a file, a terminal): *os.File reads 32 KiB at a time and writes
)

// writerKind says how WriteTo may write to w. In place only where the
// kernel does the copy out of the mapping (write(2) on a descriptor: a
// page that is gone is EFAULT, not a signal in Go code, and nothing but
// the kernel sees the bytes): a stream socket, which *os.File's WriteTo
// feeds with sendfile, and an *os.File, which it feeds 32 KiB at a time.
// In place, WriteTo leaves the same bytes and the same offset as those.
// Every other writer gets a buffer, as from *os.File.
func writerKind(w io.Writer) int {
	switch w := w.(type) {
	case *net.TCPConn:
		if w != nil && isStreamConn(w) {
			return writerStream
		}
	case *net.UnixConn:
		if w != nil && isStreamConn(w) {
			return writerStream
		}
	case *os.File:
		if w != nil {
			return writerFile
		}
	}
	return writerOther
}

// writeToChunk bounds one in-place write, as *os.File's sendfile does; it
// is a multiple of the generic path's 32 KiB.
const writeToChunk = 4 << 20

// writeToInPlace is WriteTo through views. done is false when the rest is
// for the copying path (nothing mapped, EFAULT from the kernel).
func (f *File) writeToInPlace(w io.Writer, kind int) (n int64, done bool, err error) {
	const readSize = 32 << 10 // the generic path's buffer, io.Copy's
	for {
		f.posMu.Lock()
		pos := f.pos
		f.posMu.Unlock()
		size := f.m.knownSize()
		if pos >= size {
			if size, err = f.m.currentSize(); err != nil || pos >= size {
				// The end the size says. A file that says 0 may still
				// have content (/proc, /sys): the copying path's Reads
				// go on, as *os.File's would. So they do for an error,
				// or an offset a 32 KiB Read would overflow (EINVAL),
				// which they report as *os.File's would.
				return n, err == nil && size > 0 && pos <= math.MaxInt64-32<<10, nil
			}
		}
		chunk := int(min(size-pos, writeToChunk))
		var k int
		var werr error
		ferr, verr := f.m.viewMapped(pos, chunk, func(b []byte) error {
			k, werr = w.Write(b)
			return werr
		})
		switch verr {
		case errNotMapped:
			return n, false, nil // copy the rest
		case errViewPastEOF:
			continue // a peer shrank the object: the new size is known now
		}
		k = max(0, min(k, chunk))
		switch {
		case verr != nil:
			// Cannot happen (only the kernel touches b), but if it does,
			// how much w took is unknown: no retry.
			return n, true, f.wrapErr("read", verr)
		case werr != nil && isEFAULT(werr):
			// A page is gone (a peer shrank the object): the kernel
			// stopped at it. Copy the rest, which sees the new end.
			f.posMu.Lock()
			f.pos = pos + int64(k)
			f.posMu.Unlock()
			return n + int64(k), false, nil
		}
		if kind == writerStream && n == 0 && k == 0 && ferr != nil &&
			(errors.Is(ferr, os.ErrDeadlineExceeded) || errors.Is(ferr, net.ErrClosed)) {
			// os's sendfile does not start on a socket that is closed or
			// past its write deadline: its copying path reads, then
			// fails the write, as the copying path here does.
			return 0, false, nil
		}
		// Where the offset ends: past what was written, and for an
		// *os.File past the whole 32 KiB read that the failing write was
		// given.
		adv := k
		if (werr != nil || k < chunk) && kind == writerFile {
			adv = min((k/readSize+1)*readSize, chunk)
		}
		f.posMu.Lock()
		f.pos += int64(adv)
		f.posMu.Unlock()
		n += int64(k)
		switch {
		case ferr != nil && kind == writerStream:
			return n, true, f.sendfileErr(ferr)
		case ferr != nil:
			return n, true, ferr
		case k < chunk:
			return n, true, io.ErrShortWrite
		}
	}
}

// sendfileErr gives a stream socket's write error, once the copy has
// started, the shape *os.File's WriteTo, which sendfiles, gives it: a
// *fs.PathError "read" on the File, with an errno (EPIPE, ECONNRESET...)
// in an *os.SyscallError naming sendfile, not net's *net.OpError.
func (f *File) sendfileErr(err error) error {
	oe, ok := err.(*net.OpError)
	if !ok {
		return err
	}
	err = oe.Err
	if se, ok := err.(*os.SyscallError); ok && isErrno(se.Err) {
		err = os.NewSyscallError("sendfile", se.Err)
	}
	return f.wrapErr("read", err)
}

// isStreamConn reports whether c is a SOCK_STREAM socket.
func isStreamConn(c syscall.Conn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	stream := false
	rc.Control(func(fd uintptr) { stream = sysIsStream(int(fd)) })
	return stream
}

// ReadFrom implements io.ReaderFrom: it writes everything r yields, from
// the current offset, as repeated Writes would. Where the destination lies
// inside the file and is mapped, and r is a descriptor that writes only
// what it reads (an *os.File, a TCP or Unix socket, or an io.LimitedReader
// of one), r reads straight into the mapping: the kernel copies into the
// object's pages. What grows the file goes through a buffer and pwrite.
func (f *File) ReadFrom(r io.Reader) (n int64, err error) {
	if err := f.checkValid("write"); err != nil {
		return 0, err
	}
	if !f.appendMode && isOSFileSource(r) {
		// *os.File copies from an *os.File with copy_file_range, which
		// fails before reading anything when an end is closed or cannot
		// be copied: the source keeps its bytes and its offset. (From any
		// other reader os reads first and fails on the write, as below.)
		if err := f.osCopyRefusal(osFileSource(r), false); err != nil {
			return 0, err
		}
	}
	_, segment := f.m.segment()
	stream := !f.appendMode && !segment && isStreamSource(r)
	if stream && (f.closed.Load() || f.acc == os.O_RDONLY) {
		n, err = f.spliceRefused(r)
		return n, f.spliceErr(err)
	}
	if !f.appendMode && !f.closed.Load() && f.acc == os.O_RDWR && isKernelReader(r) {
		var done bool
		n, done, err = f.readFromInPlace(r)
		if done {
			if stream {
				err = f.spliceErr(err)
			}
			return n, err
		}
	}
	bp := copyBufs.Get().(*[]byte)
	k, err := io.CopyBuffer(fileWithoutReadFrom{File: f}, r, *bp)
	copyBufs.Put(bp)
	if stream {
		err = f.spliceErr(err)
	}
	return n + k, err
}

// spliceErr gives err, from a ReadFrom of a stream socket, the shape
// *os.File's, which splices, gives it: whether the socket failed (net's
// *net.OpError around it here) or the File, a *fs.PathError "write" on the
// File, with an errno in an *os.SyscallError naming splice.
func (f *File) spliceErr(err error) error {
	if err == nil || err == io.ErrShortWrite {
		return err
	}
	for {
		oe, ok := err.(*net.OpError)
		if !ok {
			break
		}
		err = oe.Err // a TCP source's WriteTo wraps its Read's, and the File's
	}
	switch e := err.(type) {
	case *fs.PathError:
		if e.Op != "write" || e.Path != f.name {
			return err
		}
		if isErrno(e.Err) {
			e.Err = os.NewSyscallError("splice", e.Err)
		}
		return e
	case *os.SyscallError:
		err = e.Err
	}
	if isErrno(err) {
		err = os.NewSyscallError("splice", err)
	}
	return &fs.PathError{Op: "write", Path: f.name, Err: err}
}

// spliceRefused is *os.File's ReadFrom of a stream socket into a file that
// takes no writes (closed, or not open for writing): splice(2) drains what
// the socket has into a pipe, then the pump into the file fails, with the
// bytes drained lost and an io.LimitedReader's N left as it was. A socket
// at its end drains nothing, and os's ReadFrom returns 0, nil.
func (f *File) spliceRefused(r io.Reader) (int64, error) {
	bp := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(bp)
	b := *bp
	if lr, ok := r.(*io.LimitedReader); ok {
		if lr.N <= 0 {
			return 0, nil
		}
		b, r = b[:min(int64(len(b)), lr.N)], lr.R
	}
	if k, err := r.Read(b); k == 0 {
		if err == io.EOF {
			err = nil
		}
		return 0, err
	}
	if f.closed.Load() {
		return 0, f.wrapErr("write", fs.ErrClosed)
	}
	return 0, f.wrapErr("write", os.NewSyscallError("splice", errBadFD))
}

// isStreamSource reports whether *os.File's ReadFrom would splice from r: a
// TCP or Unix stream socket, or an io.LimitedReader around one.
func isStreamSource(r io.Reader) bool {
	switch c := limitedSource(r).(type) {
	case *net.TCPConn:
		return c != nil
	case *net.UnixConn:
		// The address says the socket type even after Close (os splices
		// from a closed stream socket too, and reports its error).
		if c == nil {
			return false
		}
		a, ok := c.LocalAddr().(*net.UnixAddr)
		return ok && a != nil && a.Net == "unix"
	}
	return false
}

// isKernelReader reports whether r's Read is read(2) on a descriptor,
// which writes only the bytes it returns (a Go reader may use all of its
// buffer as scratch space, which in place would be the object's bytes).
func isKernelReader(r io.Reader) bool {
	switch r := limitedSource(r).(type) {
	case *os.File:
		return r != nil
	case *net.TCPConn:
		return r != nil
	case *net.UnixConn:
		return r != nil
	}
	return false
}

// readFromChunk bounds one in-place read.
const readFromChunk = 1 << 20

// readFromInPlace is ReadFrom through Updates, while the destination lies
// inside the file. done is false when the rest is for the copying path.
//
// Before each chunk it makes sure the object still reaches past it (a peer
// may have shrunk it, and the bytes a descriptor reads into the tail of
// the last page, past the end, would be lost with nothing to redo them
// from). A peer shrinking it during the read: the kernel stops at the page
// that is gone (EFAULT, what it read before stays read), and the rest goes
// through the copying path.
func (f *File) readFromInPlace(r io.Reader) (n int64, done bool, err error) {
	for {
		f.posMu.Lock()
		pos := f.pos
		f.posMu.Unlock()
		size := f.m.knownSize()
		if pos >= size {
			return n, false, nil // growing: pwrite
		}
		chunk := int(min(size-pos, readFromChunk))
		if lr, ok := r.(*io.LimitedReader); ok && lr.N < int64(chunk) {
			if lr.N <= 0 {
				return n, true, nil
			}
			chunk = int(lr.N)
		}
		if !f.m.covers(pos + int64(chunk)) {
			if size = f.m.knownSize(); pos >= size {
				return n, false, nil
			}
			chunk = int(min(int64(chunk), size-pos))
		}
		var k int
		var rerr error
		ferr, verr := f.m.updateMapped(pos, chunk, func(b []byte) error {
			k, rerr = r.Read(b)
			return nil
		})
		if verr == errNotMapped {
			return n, false, nil // the copying path
		}
		k = max(0, min(k, chunk))
		if k > 0 {
			f.posMu.Lock()
			f.pos += int64(k)
			f.posMu.Unlock()
			n += int64(k)
		}
		switch {
		case verr != nil:
			return n, true, f.wrapErr("write", verr)
		case ferr != nil:
			return n, true, ferr
		case rerr == io.EOF:
			return n, true, nil
		case rerr != nil && isEFAULT(rerr):
			return n, false, nil // a page is gone: the copying path
		case rerr != nil:
			return n, true, rerr
		}
	}
}

// Seek sets the offset for the next Read or Write on file to offset,
// interpreted according to whence: 0 means relative to the origin of the
// file, 1 means relative to the current offset, and 2 means relative to the
// end (re-read from the object, so a peer's growth counts). It returns the
// new offset and an error, if any. A negative result or an unknown whence is
// an error wrapping errInval, and the offset does not move.
func (f *File) Seek(offset int64, whence int) (ret int64, err error) {
	if err := f.checkValid("seek"); err != nil {
		return 0, err
	}
	if f.dir != nil {
		return f.dirSeek(offset, whence)
	}
	if f.closed.Load() {
		return 0, f.wrapErr("seek", fs.ErrClosed)
	}
	f.posMu.Lock()
	defer f.posMu.Unlock()
	switch whence {
	case io.SeekStart:
		ret = offset
	case io.SeekCurrent:
		if offset == 0 {
			return f.pos, nil
		}
		if (offset > 0 && f.pos > math.MaxInt64-offset) || (offset < 0 && f.pos+offset < 0) {
			return 0, f.wrapErr("seek", errInval)
		}
		ret = f.pos + offset
	default:
		// io.SeekEnd, and SEEK_DATA/SEEK_HOLE where the system has them:
		// the kernel knows the object's real size and holes.
		ret, err = f.m.seek(offset, whence)
		if err != nil {
			return 0, f.wrapErr("seek", err)
		}
	}
	if ret < 0 {
		return 0, f.wrapErr("seek", errInval)
	}
	if ret > 1<<40 && whence != io.SeekEnd {
		// Past 1 TiB a file system's own limit (s_maxbytes) may refuse
		// the offset: ask the kernel, as lseek would.
		if err := f.m.checkOffset(ret); err != nil {
			return 0, f.wrapErr("seek", err)
		}
	}
	f.pos = ret
	return ret, nil
}

// Truncate changes the size of the file. It does not change the I/O offset.
// Growing leaves a hole that reads as zeros.
// If there is an error, it will be of type *fs.PathError.
func (f *File) Truncate(size int64) error {
	if err := f.checkValid("truncate"); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr("truncate", fs.ErrClosed)
	}
	// ftruncate(2) needs a descriptor open for writing (EINVAL), and so do a
	// segment attached read-only and a private view; a segment's fixed size
	// is the first thing it says.
	err := errInval
	if f.acc != os.O_RDONLY || f.m.fixedSize() {
		err = f.m.truncate(size)
		if err == nil && f.acc == os.O_RDONLY {
			err = errInval
		}
	}
	if err != nil {
		return f.wrapErr("truncate", err)
	}
	return nil
}

// Sync commits the File's contents: msync(MS_SYNC) of the mapping, and
// fsync where the file is not on a memory file system (tmpfs).
func (f *File) Sync() error {
	if err := f.checkValid("sync"); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr("sync", fs.ErrClosed)
	}
	if err := f.m.flush(false); err != nil {
		return f.wrapErr("sync", err)
	}
	return nil
}

// Flush msyncs the mapping: with MS_ASYNC when async (schedule the
// write-back and return), with MS_SYNC otherwise (and then it is Sync).
func (f *File) Flush(async bool) error {
	if err := f.checkValid("flush"); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr("flush", fs.ErrClosed)
	}
	if err := f.m.flush(async); err != nil {
		return f.wrapErr("flush", err)
	}
	return nil
}

// Stat returns the FileInfo describing the file. Its Size is re-read from
// the object. Sys returns a *syscall.Stat_t for a POSIX object or file, and
// a *SegmentInfo for a System V segment. For a POSIX object or file the
// FileInfo is package os's own, so [os.SameFile] accepts it.
func (f *File) Stat() (fs.FileInfo, error) {
	if err := f.checkValid("stat"); err != nil {
		return nil, err
	}
	if f.closed.Load() {
		return nil, f.wrapErr("stat", fs.ErrClosed)
	}
	fi, err := f.stat()
	if err != nil {
		return nil, f.wrapErr("stat", err)
	}
	return fi, nil
}

// Chmod changes the mode of the file to mode.
// If there is an error, it will be of type *fs.PathError.
func (f *File) Chmod(mode fs.FileMode) error {
	if err := f.checkValid("chmod"); err != nil {
		return err
	}
	if f.closed.Load() {
		return f.wrapErr("chmod", fs.ErrClosed)
	}
	if err := f.chmod(mode); err != nil {
		return f.wrapErr("chmod", err)
	}
	return nil
}

// Fd returns the file descriptor, or ^uintptr(0) for a nil or closed File
// and for a System V segment (which has none). The descriptor is the
// File's: do not close it. Its kernel offset is not the File's offset.
func (f *File) Fd() uintptr {
	if f == nil || f.closed.Load() {
		return ^uintptr(0)
	}
	fd := f.m.descriptor()
	if fd < 0 {
		return ^uintptr(0)
	}
	return uintptr(fd)
}

// Close unmaps and closes the File, rendering it unusable for I/O.
// Close waits for copies in flight. It returns an error wrapping
// fs.ErrClosed if it has already been called. Close never removes the
// object (see Remove and RemoveSegment).
func (f *File) Close() error {
	if f == nil {
		return fs.ErrInvalid
	}
	if !f.closed.CompareAndSwap(false, true) {
		return f.wrapErr("close", fs.ErrClosed)
	}
	f.cleanup.Stop()
	if err := f.m.close(); err != nil {
		return f.wrapErr("close", err)
	}
	return nil
}

// SetDeadline returns os.ErrNoDeadline, as *os.File does on a regular file:
// memory never blocks.
func (f *File) SetDeadline(t time.Time) error { return f.setDeadline("SetDeadline") }

// SetReadDeadline returns os.ErrNoDeadline; see SetDeadline.
func (f *File) SetReadDeadline(t time.Time) error { return f.setDeadline("SetReadDeadline") }

// SetWriteDeadline returns os.ErrNoDeadline; see SetDeadline.
func (f *File) SetWriteDeadline(t time.Time) error { return f.setDeadline("SetWriteDeadline") }

func (f *File) setDeadline(op string) error {
	if err := f.checkValid(op); err != nil {
		return err
	}
	if f.closed.Load() {
		// What os returns: the bare error, not fs.ErrClosed.
		_, errClosing := osErrors()
		return errClosing
	}
	return os.ErrNoDeadline
}

var (
	_ io.ReadWriteSeeker = (*File)(nil)
	_ io.ReaderAt        = (*File)(nil)
	_ io.WriterAt        = (*File)(nil)
	_ io.ReaderFrom      = (*File)(nil)
	_ io.WriterTo        = (*File)(nil)
	_ io.StringWriter    = (*File)(nil)
	_ fs.File            = (*File)(nil)
)
