// Package shmfstest implements support for testing implementations of
// *os.File-like values — shmfs's *File among them — against *os.File itself,
// in the style of testing/fstest and testing/iotest: its checks return an
// error describing the first difference rather than taking a *testing.T.
//
// Compare drives two files through the same sequence of operations and
// reports the first result that differs: the count, the error's class, the
// bytes read, the offset or the size. DecodeOps turns fuzzer input into such
// a sequence, RandomOps draws one. Scratch makes uniquely named objects and
// removes them; Command and RunChild re-execute a test binary as a child
// process.
package shmfstest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"strings"
)

// File is what Compare drives: the methods *os.File and *shmfs.File share.
type File interface {
	io.Reader
	io.Writer
	io.Seeker
	io.ReaderAt
	io.WriterAt
	io.ReaderFrom
	io.WriterTo
	io.StringWriter
	io.Closer
	Stat() (fs.FileInfo, error)
	Truncate(size int64) error
	Sync() error
}

// OpKind names an operation.
type OpKind uint8

const (
	OpRead OpKind = iota
	OpReadAt
	OpWrite
	OpWriteAt
	OpWriteString
	OpSeek
	OpTruncate
	OpReadFrom
	OpWriteTo
	OpStat
	OpSync
	OpClose
	numOps
)

var opNames = [...]string{"Read", "ReadAt", "Write", "WriteAt", "WriteString", "Seek", "Truncate", "ReadFrom", "WriteTo", "Stat", "Sync", "Close"}

func (k OpKind) String() string {
	if int(k) < len(opNames) {
		return opNames[k]
	}
	return fmt.Sprintf("OpKind(%d)", k)
}

// Op is one operation: Read(N bytes), ReadAt(N bytes, Off), Write(Data),
// WriteAt(Data, Off), WriteString(Data), Seek(Off, Whence), Truncate(Off),
// ReadFrom(a reader of Data), WriteTo(a buffer), Stat, Sync, Close.
type Op struct {
	Kind   OpKind
	Off    int64
	N      int
	Whence int
	Data   []byte
}

func (op Op) String() string {
	switch op.Kind {
	case OpRead:
		return fmt.Sprintf("Read(%d)", op.N)
	case OpReadAt:
		return fmt.Sprintf("ReadAt(%d, %d)", op.N, op.Off)
	case OpWrite, OpWriteString, OpReadFrom:
		return fmt.Sprintf("%v(%d bytes)", op.Kind, len(op.Data))
	case OpWriteAt:
		return fmt.Sprintf("WriteAt(%d bytes, %d)", len(op.Data), op.Off)
	case OpSeek:
		return fmt.Sprintf("Seek(%d, %d)", op.Off, op.Whence)
	case OpTruncate:
		return fmt.Sprintf("Truncate(%d)", op.Off)
	}
	return op.Kind.String() + "()"
}

// Options tune Compare.
type Options struct {
	// Coarse compares errors only as nil, io.EOF or other, for a reference
	// that cannot produce the same errors (an in-memory model, say).
	Coarse bool
	// NoSize skips the size check after each operation.
	NoSize bool
	// Class, if set, describes every error other than nil and io.EOF in
	// place of ErrorClass (and Coarse): for a reference that knows some
	// error classes but not every errno, such as an in-memory model that
	// returns fs.ErrClosed after Close and any error for the rest.
	Class func(err error) string
}

// Compare applies ops to got and want in order and returns an error
// describing the first operation whose results differ, or nil. After every
// operation it also compares the offset (Seek(0, io.SeekCurrent)), so a
// difference is caught where it starts, and at the end the size (Stat).
func Compare(got, want File, ops []Op) error {
	return CompareOptions(got, want, ops, Options{})
}

// CompareOptions is Compare with options.
func CompareOptions(got, want File, ops []Op, opt Options) error {
	closed := false
	for i, op := range ops {
		g := Apply(got, op)
		w := Apply(want, op)
		if d := g.diff(w, opt); d != "" {
			return fmt.Errorf("op %d %v: %s", i, op, d)
		}
		if op.Kind == OpClose {
			closed = true
		}
		if closed {
			continue
		}
		gp, gerr := got.Seek(0, io.SeekCurrent)
		wp, werr := want.Seek(0, io.SeekCurrent)
		if gp != wp || class(gerr, opt) != class(werr, opt) {
			return fmt.Errorf("after op %d %v: offset %d (%v), want %d (%v)", i, op, gp, gerr, wp, werr)
		}
	}
	if !opt.NoSize && !closed {
		// The size is compared at the end (and by every Stat op), not after
		// every op: Stat re-reads the size, which would hide a stale cache.
		gs, gerr := size(got)
		ws, werr := size(want)
		if gs != ws || class(gerr, opt) != class(werr, opt) {
			return fmt.Errorf("after %d ops: size %d (%v), want %d (%v)", len(ops), gs, gerr, ws, werr)
		}
	}
	return nil
}

func size(f File) (int64, error) {
	fi, err := f.Stat()
	if err != nil {
		return -1, err
	}
	return fi.Size(), nil
}

// Result is what one operation returned.
type Result struct {
	N    int64
	Err  error
	Data []byte // bytes read (Read, ReadAt, WriteTo)
	Info string // Stat: size and mode type
}

func (r Result) diff(w Result, opt Options) string {
	if class(r.Err, opt) != class(w.Err, opt) {
		return fmt.Sprintf("error %v (%s), want %v (%s)", r.Err, class(r.Err, opt), w.Err, class(w.Err, opt))
	}
	if r.N != w.N {
		return fmt.Sprintf("n = %d, want %d (err %v)", r.N, w.N, w.Err)
	}
	if !bytes.Equal(r.Data, w.Data) {
		i := 0
		for i < len(r.Data) && i < len(w.Data) && r.Data[i] == w.Data[i] {
			i++
		}
		return fmt.Sprintf("bytes differ at %d of %d", i, len(w.Data))
	}
	if r.Info != w.Info {
		return fmt.Sprintf("stat %s, want %s", r.Info, w.Info)
	}
	return ""
}

// readerOnly hides a reader's WriterTo, so ReadFrom does the reading.
type readerOnly struct{ io.Reader }

// writerOnly hides a writer's ReaderFrom, so WriteTo does the writing.
type writerOnly struct{ io.Writer }

// WriteToLimit is how many bytes a WriteTo op takes before its writer
// fails with ErrLimit.
const WriteToLimit = 1 << 20

// ErrLimit is the error a WriteTo op's writer returns past WriteToLimit.
var ErrLimit = errors.New("shmfstest: WriteTo limit reached")

type limitWriter struct{ buf bytes.Buffer }

func (w *limitWriter) Write(p []byte) (int, error) {
	if room := WriteToLimit - w.buf.Len(); len(p) > room {
		w.buf.Write(p[:room])
		return room, ErrLimit
	}
	return w.buf.Write(p)
}

// Apply performs op on f and returns what it returned.
func Apply(f File, op Op) Result {
	var r Result
	switch op.Kind {
	case OpRead:
		b := make([]byte, op.N)
		n, err := f.Read(b)
		r = Result{N: int64(n), Err: err, Data: b[:max(n, 0)]}
	case OpReadAt:
		b := make([]byte, op.N)
		n, err := f.ReadAt(b, op.Off)
		r = Result{N: int64(n), Err: err, Data: b[:max(n, 0)]}
	case OpWrite:
		n, err := f.Write(op.Data)
		r = Result{N: int64(n), Err: err}
	case OpWriteAt:
		n, err := f.WriteAt(op.Data, op.Off)
		r = Result{N: int64(n), Err: err}
	case OpWriteString:
		n, err := f.WriteString(string(op.Data))
		r = Result{N: int64(n), Err: err}
	case OpSeek:
		n, err := f.Seek(op.Off, op.Whence)
		r = Result{N: n, Err: err}
	case OpTruncate:
		r = Result{Err: f.Truncate(op.Off)}
	case OpReadFrom:
		n, err := f.ReadFrom(readerOnly{bytes.NewReader(op.Data)})
		r = Result{N: n, Err: err}
	case OpWriteTo:
		// A peer (or a Truncate) can make a file enormous and sparse:
		// WriteTo stops at WriteToLimit bytes with ErrLimit.
		w := &limitWriter{}
		n, err := f.WriteTo(writerOnly{w})
		r = Result{N: n, Err: err, Data: w.buf.Bytes()}
	case OpStat:
		fi, err := f.Stat()
		r = Result{Err: err}
		if err == nil {
			r.Info = fmt.Sprintf("size=%d type=%v", fi.Size(), fi.Mode().Type())
		}
	case OpSync:
		r = Result{Err: f.Sync()}
	case OpClose:
		r = Result{Err: f.Close()}
	}
	return r
}

// sentinels are the errors whose classes callers test with errors.Is.
var sentinels = []struct {
	name string
	err  error
}{
	{"ErrClosed", fs.ErrClosed},
	{"ErrInvalid", fs.ErrInvalid},
	{"ErrNotExist", fs.ErrNotExist},
	{"ErrExist", fs.ErrExist},
	{"ErrPermission", fs.ErrPermission},
	{"ErrNoDeadline", os.ErrNoDeadline},
	{"ErrShortWrite", io.ErrShortWrite},
	{"ErrUnexpectedEOF", io.ErrUnexpectedEOF},
	{"ErrUnsupported", errors.ErrUnsupported},
}

// ErrorClass describes err the way a caller tells errors apart: nil; io.EOF
// (by identity, as iotest and fstest compare it); otherwise the error's
// type, a *fs.PathError's Op, every sentinel it matches with errors.Is, and
// the errno it wraps (or, failing all that, its innermost text, as for os's
// "negative offset"). Paths are left out: two files have two names.
func ErrorClass(err error) string {
	return class(err, Options{})
}

func class(err error, opt Options) string {
	switch {
	case err == nil:
		return "nil"
	case err == io.EOF:
		return "EOF"
	case opt.Class != nil:
		return opt.Class(err)
	case opt.Coarse:
		return "error"
	}
	var parts []string
	if pe, ok := err.(*fs.PathError); ok {
		parts = append(parts, "PathError", "op="+pe.Op)
	} else {
		parts = append(parts, fmt.Sprintf("%T", err))
	}
	matched := false
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			parts = append(parts, s.name)
			matched = true
		}
	}
	if e, ok := errnoClass(err); ok {
		parts = append(parts, "errno="+e)
		matched = true
	}
	if !matched {
		inner := err
		for {
			u := errors.Unwrap(inner)
			if u == nil {
				break
			}
			inner = u
		}
		parts = append(parts, fmt.Sprintf("%q", inner.Error()))
	}
	return strings.Join(parts, " ")
}

// Edge offsets and sizes the decoders draw from: zero, page edges, EOF-ish
// values, and the int64 limits.
var edges = []int64{0, 1, 7, 4095, 4096, 4097, 8191, 8192, 65536, 1 << 20,
	-1, math.MinInt64, math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64 - 4096, 1 << 40, 1 << 62}

// DecodeOps turns arbitrary bytes (fuzzer input) into at most maxOps
// operations. Sizes stay below 64 KiB and offsets mostly inside the first
// 128 KiB, with the edges (negative, page boundaries, int64 limits) drawn
// often. The same bytes always give the same operations.
func DecodeOps(data []byte, maxOps int) []Op {
	var ops []Op
	next := func(n int) []byte {
		if len(data) < n {
			b := make([]byte, n)
			copy(b, data)
			data = nil
			return b
		}
		b := data[:n]
		data = data[n:]
		return b
	}
	for len(data) > 0 && len(ops) < maxOps {
		h := next(4)
		kind := OpKind(h[0] % byte(numOps))
		off := decodeOff(h[1], next(2))
		n := int(binary.LittleEndian.Uint16(next(2)))
		if h[2]&0x80 == 0 {
			n %= 9000 // mostly small, reaching past a page or two
		}
		op := Op{Kind: kind, Off: off, N: n, Whence: whences[int(h[3])%len(whences)]}
		switch kind {
		case OpWrite, OpWriteAt, OpWriteString, OpReadFrom:
			op.Data = bytes.Repeat([]byte{h[3] | 1}, n)
			for i := range op.Data {
				op.Data[i] += byte(i)
			}
		case OpTruncate:
			if op.Off > 1<<20 && op.Off != 1<<40 && op.Off != math.MaxInt64 {
				op.Off %= 1 << 20
			}
		}
		ops = append(ops, op)
	}
	return ops
}

// whences are the Seek whence values drawn: the three of io, and invalid
// ones. SEEK_DATA and SEEK_HOLE (3, 4) are left out: they report which pages
// are allocated, and reading a hole through a mapping allocates its page.
var whences = []int{io.SeekStart, io.SeekCurrent, io.SeekEnd, io.SeekStart, io.SeekCurrent, io.SeekEnd, 5, -1}

func decodeOff(sel byte, b []byte) int64 {
	v := int64(binary.LittleEndian.Uint16(b))
	switch sel % 8 {
	case 0:
		return edges[int(v)%len(edges)]
	case 1:
		return v % 64
	case 2:
		return -(v % 8192) - 1
	default:
		return v * 2 // 0..128 KiB
	}
}

// RandomOps draws n operations from r, the way DecodeOps would from random
// bytes, with Close excluded (the caller closes).
func RandomOps(r *rand.Rand, n int) []Op {
	var ops []Op
	for len(ops) < n {
		b := make([]byte, 8)
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		for _, op := range DecodeOps(b, 1) {
			if op.Kind != OpClose {
				ops = append(ops, op)
			}
		}
	}
	return ops
}
