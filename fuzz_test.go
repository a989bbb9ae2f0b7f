package shmfs_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/shmfs/shmfs/internal/fuzzcheck"
	"github.com/shmfs/shmfs/testing/shmfstest"
)

// The fuzz targets run the checks in internal/fuzzcheck, which the go-fuzz
// harnesses under fuzz/ run too. Plain go test replays the f.Add seeds and
// testdata/fuzz/FuzzX/; go test -fuzz '^FuzzX$' explores (see README).

// fuzzRun fails t with check's error; an input the check does not run is
// skipped.
func fuzzRun(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, fuzzcheck.ErrSkip) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Offset selectors for fop: how shmfstest.DecodeOps reads an operation's
// offset from its two offset bytes v.
const (
	offEdge  = 0 // one of shmfstest's edges, by index (edgeXxx below)
	offSmall = 1 // v % 64
	offNeg   = 2 // -(v % 8192) - 1
	offTwice = 3 // v * 2: 0 to 128 KiB
)

// Indexes of shmfstest's edge offsets, for offEdge.
const (
	edge4095     = 3
	edge4096     = 4
	edge8192     = 7
	edge1M       = 9
	edgeMinus1   = 10
	edgeMinInt   = 11
	edgeMaxInt   = 12
	edgeMaxInt1  = 13
	edgeMaxInt4K = 14
	edge1T       = 15
	edge4E       = 16
)

// Whence indexes for fop (shmfstest's whences).
const (
	whStart   = 0
	whCurrent = 1
	whEnd     = 2
	whBad5    = 6
	whBadNeg  = 7
)

// fop encodes one operation the way shmfstest.DecodeOps reads it: kind,
// offset selector and value, count n (also the length of written data),
// and whence index (which also seeds the written bytes).
func fop(k shmfstest.OpKind, sel byte, v uint16, n uint16, wh byte) []byte {
	var big byte
	if n >= 9000 {
		big = 0x80 // n is taken whole, not modulo 9000
	}
	return []byte{byte(k), sel, big, wh, byte(v), byte(v >> 8), byte(n), byte(n >> 8)}
}

// peer makes an encoded write or Truncate a peer's (fuzzcheck.Step).
func peer(op []byte) []byte {
	// DecodeOps takes the kind modulo the number of kinds (12): keep it.
	op[0] = 0x80 + (op[0]+4)%12
	return op
}

// seq joins a header and operations into one input.
func seq(header []byte, ops ...[]byte) []byte {
	b := append([]byte(nil), header...)
	for _, op := range ops {
		b = append(b, op...)
	}
	return b
}

// Op shorthands for seeds.
var (
	kRead     = shmfstest.OpRead
	kReadAt   = shmfstest.OpReadAt
	kWrite    = shmfstest.OpWrite
	kWriteAt  = shmfstest.OpWriteAt
	kWriteStr = shmfstest.OpWriteString
	kSeek     = shmfstest.OpSeek
	kTrunc    = shmfstest.OpTruncate
	kReadFrom = shmfstest.OpReadFrom
	kWriteTo  = shmfstest.OpWriteTo
	kStat     = shmfstest.OpStat
	kSync     = shmfstest.OpSync
	kClose    = shmfstest.OpClose
)

// opsSeeds are the edges every sequence target starts from: reads and
// writes at EOF, across page edges, into holes, at negative and huge
// offsets; seeks of every whence; truncates; ReadFrom/WriteTo; Close in
// the middle.
func opsSeeds() [][]byte {
	return [][]byte{
		// Reads at and past EOF, across a page edge, ReadAt short.
		seq(nil, fop(kRead, offSmall, 0, 10, 0), fop(kRead, offSmall, 0, 5000, 0), fop(kRead, offSmall, 0, 1, 0),
			fop(kReadAt, offEdge, edge4095, 2, 0), fop(kReadAt, offTwice, 5000, 8000, 0), fop(kStat, 0, 0, 0, 0)),
		// Writes that grow with a gap, past a page, then read back.
		seq(nil, fop(kWriteAt, offTwice, 5000, 3, 1), fop(kReadAt, offSmall, 0, 8999, 0),
			fop(kSeek, offEdge, edge4095, 0, whStart), fop(kWrite, 0, 0, 5000, 3), fop(kWriteTo, 0, 0, 0, 0), fop(kStat, 0, 0, 0, 0)),
		// Negative offsets everywhere.
		seq(nil, fop(kReadAt, offNeg, 0, 1, 0), fop(kWriteAt, offNeg, 4, 1, 0), fop(kSeek, offNeg, 1, 0, whStart),
			fop(kSeek, offNeg, 1, 0, whCurrent), fop(kSeek, offNeg, 20000, 0, whEnd), fop(kTrunc, offEdge, edgeMinus1, 0, 0), fop(kReadAt, offNeg, 0, 0, 0)),
		// int64 limits: overflowing ReadAt/WriteAt/Seek.
		seq(nil, fop(kReadAt, offEdge, edgeMaxInt1, 10, 0), fop(kWriteAt, offEdge, edgeMaxInt4K, 5000, 0), fop(kReadAt, offEdge, edgeMaxInt, 1, 0),
			fop(kSeek, offEdge, edgeMaxInt, 0, whStart), fop(kSeek, offSmall, 1, 0, whCurrent), fop(kSeek, offEdge, edgeMaxInt, 0, whEnd),
			fop(kRead, 0, 0, 1, 0), fop(kWrite, 0, 0, 1, 0), fop(kSeek, offEdge, edgeMinInt, 0, whEnd)),
		// Huge sparse file: a write at 1 TiB, reads there, WriteTo's limit, truncate back.
		seq(nil, fop(kWriteAt, offEdge, edge1T, 3, 0), fop(kReadAt, offEdge, edge1T, 3, 0), fop(kStat, 0, 0, 0, 0),
			fop(kSeek, offEdge, edge1M, 0, whStart), fop(kWriteTo, 0, 0, 0, 0), fop(kTrunc, offSmall, 10, 0, 0), fop(kStat, 0, 0, 0, 0)),
		// A write at 4 EiB, then Seek to the end and beyond.
		seq(nil, fop(kWriteAt, offEdge, edge4E, 7, 0), fop(kSeek, offSmall, 0, 0, whEnd), fop(kWrite, 0, 0, 1, 0), fop(kSeek, offEdge, edgeMaxInt, 0, whEnd)),
		// Truncate up and down around pages, reading the hole.
		seq(nil, fop(kTrunc, offEdge, edge8192, 0, 0), fop(kReadAt, offTwice, 4000, 100, 0), fop(kTrunc, offEdge, edge4095, 0, 0),
			fop(kReadAt, offTwice, 2000, 200, 0), fop(kTrunc, offEdge, edge1T, 0, 0), fop(kReadAt, offEdge, edge1M, 10, 0), fop(kTrunc, 0, 0, 0, 0), fop(kRead, 0, 0, 1, 0)),
		// Bad whence, Seek past the end then write.
		seq(nil, fop(kSeek, offSmall, 0, 0, whBad5), fop(kSeek, offSmall, 0, 0, whBadNeg), fop(kSeek, offTwice, 10000, 0, whStart),
			fop(kWriteStr, 0, 0, 3, 2), fop(kSeek, offSmall, 3, 0, whEnd), fop(kRead, 0, 0, 10, 0), fop(kStat, 0, 0, 0, 0)),
		// ReadFrom past 32 KiB (io.Copy's buffer), WriteTo from the middle, Sync.
		seq(nil, fop(kReadFrom, 0, 0, 40000, 5), fop(kSeek, offTwice, 100, 0, whStart), fop(kWriteTo, 0, 0, 0, 0),
			fop(kWriteTo, 0, 0, 0, 0), fop(kSync, 0, 0, 0, 0), fop(kReadFrom, 0, 0, 0, 0)),
		// A peer grows the file (write far out, Truncate up), writes inside
		// it, appends: reads, Seek(End), Stat and WriteTo see it.
		seq(nil, fop(kRead, 0, 0, 100, 0), peer(fop(kWriteAt, offTwice, 20000, 50, 0)), fop(kReadAt, offTwice, 19990, 100, 0),
			fop(kSeek, offSmall, 0, 0, whEnd), peer(fop(kTrunc, offEdge, edge1M, 0, 0)), fop(kSeek, offSmall, 0, 0, whEnd),
			peer(fop(kWrite, 0, 0, 30, 3)), fop(kRead, 0, 0, 50, 0), fop(kStat, 0, 0, 0, 0), fop(kWrite, 0, 0, 5000, 4),
			peer(fop(kReadFrom, 0, 0, 9000, 1)), fop(kWriteTo, 0, 0, 0, 0)),
		// A peer's write past the end the File last saw, then the File's own
		// write and read there.
		seq(nil, fop(kSeek, offEdge, edge8192, 0, whStart), peer(fop(kWriteAt, offEdge, edge8192, 4097, 2)),
			fop(kWrite, 0, 0, 10, 0), fop(kReadAt, offEdge, edge4096, 8000, 0), peer(fop(kTrunc, offEdge, edge1T, 0, 0)),
			fop(kReadAt, offEdge, edge1M, 100, 0), fop(kStat, 0, 0, 0, 0)),
		// Zero-length calls.
		seq(nil, fop(kRead, 0, 0, 0, 0), fop(kReadAt, offTwice, 60000, 0, 0), fop(kWrite, 0, 0, 0, 0), fop(kWriteAt, offEdge, edgeMaxInt, 0, 0),
			fop(kWriteStr, 0, 0, 0, 0), fop(kReadFrom, 0, 0, 0, 0)),
		// Close in the middle: everything after fails alike.
		seq(nil, fop(kWrite, 0, 0, 10, 0), fop(kClose, 0, 0, 0, 0), fop(kRead, 0, 0, 1, 0), fop(kRead, 0, 0, 0, 0), fop(kReadAt, offSmall, 0, 1, 0),
			fop(kReadAt, offNeg, 0, 1, 0), fop(kWrite, 0, 0, 1, 0), fop(kWrite, 0, 0, 0, 0), fop(kWriteAt, offSmall, 0, 1, 0), fop(kWriteAt, offNeg, 0, 0, 0),
			fop(kSeek, 0, 0, 0, 0), fop(kTrunc, 0, 0, 0, 0), fop(kStat, 0, 0, 0, 0), fop(kSync, 0, 0, 0, 0), fop(kReadFrom, 0, 0, 1, 0),
			fop(kWriteTo, 0, 0, 0, 0), fop(kClose, 0, 0, 0, 0)),
	}
}

func FuzzOps(f *testing.F) {
	// The header picks the open mode (fuzzcheck.Modes; bits 4-5: 1 through
	// NewFile, 2 a MemFile instead; 0x40: on disk; 0x80: the file does not
	// exist yet) and the initial size (below 32: a table of edges).
	headers := [][]byte{
		{0, 12},    // O_RDWR, 11200 bytes
		{1, 3},     // O_RDWR|O_APPEND, 7 bytes
		{2, 0},     // O_WRONLY|O_APPEND, empty
		{3, 9},     // O_RDONLY, 8191 bytes
		{4, 7},     // O_WRONLY, 4096 bytes
		{5, 8},     // O_RDWR|O_TRUNC
		{7, 13},    // O_RDWR|O_APPEND|O_TRUNC
		{8, 15},    // O_RDONLY|O_TRUNC, 64 KiB
		{9, 5},     // O_RDWR|O_SYNC
		{10, 1},    // O_RDWR|O_CREATE|O_EXCL of an existing file: both refuse
		{0x8a, 0},  // O_RDWR|O_CREATE|O_EXCL of a missing file
		{0x80, 0},  // O_RDWR of a missing file: both refuse
		{0x8c, 0},  // O_WRONLY|O_CREATE|O_APPEND of a missing file
		{0, 200},   // O_RDWR, 7400 bytes
		{0x40, 12}, // O_RDWR, 11200 bytes, on disk
		{0x41, 6},  // O_RDWR|O_APPEND, 4095 bytes, on disk
		{0x43, 9},  // O_RDONLY, 8191 bytes, on disk
		{0x11, 12}, // NewFile of O_RDWR|O_APPEND
		{0x13, 9},  // NewFile of O_RDONLY
		{0x14, 7},  // NewFile of O_WRONLY
		{0x52, 0},  // NewFile of O_WRONLY|O_APPEND, on disk
		{0x20, 12}, // MemFile, 11200 bytes
		{0x20, 0},  // MemFile, empty
	}
	seeds := opsSeeds()
	for i, h := range headers {
		// Every header with two sequences, so each mode meets each seed
		// sequence across the list without a quadratic corpus.
		f.Add(seq(h, seeds[i%len(seeds)]))
		f.Add(seq(h, seeds[(i+7)%len(seeds)]))
	}
	for _, s := range seeds {
		f.Add(seq([]byte{0, 12}, s))
		f.Add(seq([]byte{1, 12}, s))
	}
	disk := f.TempDir() // bit 0x40 of the header: a directory on a disk file system
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRun(t, fuzzcheck.Ops(data, "", disk))
	})
}

func FuzzNames(f *testing.F) {
	// An input is a flag byte and a name (one []byte, so that go-fuzz's
	// inputs and file2fuzz's seeds fit). Flag bytes (fuzzcheck.NamesFlag):
	// bits 0-1 access (RDONLY, WRONLY, RDWR), 0x04 O_CREATE, 0x08 O_EXCL,
	// 0x10 O_TRUNC, 0x20 O_APPEND, 0x40 also WriteFile, 0x80 "/name" for
	// the package-level calls.
	const (
		rdonly  = 0x00
		wrCreat = 0x01 | 0x04
		rwCreat = 0x02 | 0x04
		excl    = 0x02 | 0x04 | 0x08
		trunc   = 0x01 | 0x04 | 0x10
		apnd    = 0x02 | 0x04 | 0x20
		wfile   = 0x40
		slash   = 0x80
	)
	long := strings.Repeat("n", 255)
	names := []string{
		"", ".", "..", "/", "//", "./f", "f/", "f//", "a/./b", "a/../f",
		"../outside", "ns/../outside", "/etc/passwd", "\\", "a\\b", "é", "\xff",
		"a\x00b", "\x00", "f\x00", long, long + "n", "dir/" + long, "dir/" + long + "n",
		"f", "new", "dir", "dir/f", "dir/new", "empty", "empty/new", "nodir/new",
		"fifo", "link", "dlink", "dlink/outside", "dlink/outdir/g", "dir/up",
		"dir/up/outside", "dir/up/new", "abs", "abs/g", "abs/new", "dangling",
		"f/x", "dir/f/x", "-", " ", "name with spaces", strings.Repeat("a/", 40) + "b",
	}
	flags := []byte{rdonly, wrCreat, rwCreat, excl, trunc, apnd, wfile | rwCreat, slash | excl, wfile | slash}
	for i, n := range names {
		f.Add(append([]byte{flags[i%len(flags)]}, n...))
		f.Add(append([]byte{flags[(i+4)%len(flags)]}, n...))
	}
	base := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRun(t, fuzzcheck.NamesInput(base, data))
	})
}

func FuzzSegment(f *testing.F) {
	// The header byte (fuzzcheck.DecodeSegmentInput): low nibble the size
	// (1, 2, 3, 100, 4095, 4096, 4097, 5000, 8191, 8192, 8193, 12288,
	// 16384, 65536, 65537, 1 MiB), bits 4-5 the access (RDWR, RDONLY,
	// WRONLY, RDWR), 0x40 a second attach, 0x80 a segment of zeros.
	const (
		size1    = 0
		size4096 = 5
		size4097 = 6
		size8193 = 10
		size64K1 = 14
		size1M   = 15
		rdonly   = 0x10
		wronly   = 0x20
		attach   = 0x40
		zeros    = 0x80
	)
	edges := seq(nil,
		// Inside, across the end, at the end, past it.
		fop(kSeek, offEdge, edge4095, 0, whStart), fop(kWrite, 0, 0, 10, 1), fop(kWrite, 0, 0, 1, 2),
		fop(kWriteAt, offEdge, edge4096, 1, 0), fop(kWriteAt, offTwice, 2000, 200, 0), fop(kWriteStr, 0, 0, 0, 0),
		fop(kRead, 0, 0, 1, 0), fop(kReadAt, offTwice, 2040, 100, 0), fop(kReadAt, offEdge, edge4096, 1, 0),
		// Truncate: the same size, another, negative, huge.
		fop(kTrunc, offEdge, edge4096, 0, 0), fop(kTrunc, offEdge, edge8192, 0, 0), fop(kTrunc, offEdge, edgeMinus1, 0, 0),
		fop(kTrunc, offEdge, edge1T, 0, 0), fop(kTrunc, 0, 0, 0, 0),
		// Seek around the end, Stat, Sync.
		fop(kSeek, offNeg, 0, 0, whEnd), fop(kRead, 0, 0, 10, 0), fop(kSeek, offSmall, 5, 0, whEnd), fop(kWrite, 0, 0, 1, 0),
		fop(kStat, 0, 0, 0, 0), fop(kSync, 0, 0, 0, 0))
	copies := seq(nil,
		fop(kReadFrom, 0, 0, 40000, 3), fop(kSeek, offSmall, 0, 0, whStart), fop(kWriteTo, 0, 0, 0, 0), fop(kReadFrom, 0, 0, 0, 0),
		fop(kSeek, offTwice, 100, 0, whStart), fop(kReadFrom, 0, 0, 9000, 5), fop(kWriteTo, 0, 0, 0, 0), fop(kWriteTo, 0, 0, 0, 0))
	limits := seq(nil,
		fop(kReadAt, offEdge, edgeMaxInt1, 10, 0), fop(kWriteAt, offEdge, edgeMaxInt4K, 5000, 0), fop(kReadAt, offEdge, edgeMaxInt, 1, 0),
		fop(kReadAt, offNeg, 0, 1, 0), fop(kWriteAt, offNeg, 0, 1, 0), fop(kWriteAt, offEdge, edge1T, 3, 0),
		fop(kSeek, offEdge, edgeMaxInt, 0, whStart), fop(kSeek, offSmall, 1, 0, whCurrent), fop(kSeek, offEdge, edgeMaxInt, 0, whEnd),
		fop(kRead, 0, 0, 1, 0), fop(kWrite, 0, 0, 1, 0), fop(kSeek, offSmall, 0, 0, whBad5), fop(kSeek, offNeg, 3, 0, whBadNeg),
		fop(kRead, 0, 0, 0, 0), fop(kWrite, 0, 0, 0, 0), fop(kWriteAt, offEdge, edgeMaxInt, 0, 0))
	closed := seq(nil, fop(kWrite, 0, 0, 3, 0), fop(kClose, 0, 0, 0, 0), fop(kRead, 0, 0, 1, 0), fop(kRead, 0, 0, 0, 0),
		fop(kReadAt, offSmall, 0, 1, 0), fop(kReadAt, offSmall, 0, 0, 0), fop(kWrite, 0, 0, 1, 0), fop(kWrite, 0, 0, 0, 0),
		fop(kWriteAt, offSmall, 0, 1, 0), fop(kSeek, 0, 0, 0, 0), fop(kTrunc, offEdge, edge4096, 0, 0), fop(kTrunc, 0, 0, 0, 0),
		fop(kStat, 0, 0, 0, 0), fop(kSync, 0, 0, 0, 0), fop(kReadFrom, 0, 0, 1, 0), fop(kWriteTo, 0, 0, 0, 0), fop(kClose, 0, 0, 0, 0))
	for _, h := range []byte{size4096, size4096 | attach, size4096 | rdonly, size4096 | wronly, size4096 | zeros} {
		f.Add(seq([]byte{h}, edges))
	}
	for _, h := range []byte{size1, size4097, size64K1 | attach, size8193 | rdonly, size1 | wronly} {
		f.Add(seq([]byte{h}, copies))
	}
	for _, h := range []byte{size1M, size1 | rdonly, size8193 | attach | zeros} {
		f.Add(seq([]byte{h}, limits))
	}
	for _, h := range []byte{size4096, size1 | rdonly | attach, size4097 | wronly} {
		f.Add(seq([]byte{h}, closed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRun(t, fuzzcheck.Segment(data))
	})
}

func FuzzFS(f *testing.F) {
	// An input (fuzzcheck.FSInput): a byte whose low bit picks where the
	// twin trees are made (0: a disk directory, 1: /dev/shm), then
	// operations as fuzzcheck.DecodeFS reads them: 6 bytes each (kind,
	// namespace, name, name2, two parameters), a name byte of 0xe0 or more
	// followed by that many less 0xe0 bytes of literal name.
	for _, c := range fuzzcheck.FSTable {
		enc := fuzzcheck.EncodeFS(c.Ops)
		f.Add(append([]byte{0}, enc...))
		f.Add(append([]byte{1}, enc...))
	}
	for seed := range 6 {
		ops := fuzzcheck.RandomFS(rand.New(rand.NewPCG(uint64(seed), 1414)), fuzzcheck.MaxFSOps)
		f.Add(append([]byte{byte(seed)}, fuzzcheck.EncodeFS(ops)...))
	}
	disk := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzRun(t, fuzzcheck.FSInput(disk, "/dev/shm", data))
	})
}
