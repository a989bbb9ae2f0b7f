package main

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/shmfs/shmfs"
)

// namespace is where POSIX object names live: the system's shared-memory
// namespace (dir == ""), or the files under a directory (-dir).
type namespace struct {
	dir  string    // as given by -dir; "" for the system namespace
	fsys *shmfs.FS // shmfs.NewFS(dir)
}

// dirFlag adds the -dir flag to fl.
func dirFlag(fl *flag.FlagSet) *string {
	return fl.String("dir", "", "use the files under `dir` as the namespace instead of the system's POSIX\nshared-memory objects ("+systemDir+")")
}

// base64Flag adds the -base64 flag to fl.
func base64Flag(fl *flag.FlagSet) *bool {
	return fl.Bool("base64", false, "the names are given in base64, as ls -json prints them in NameBase64\n(for names of any bytes: newlines, bytes that are not UTF-8...)")
}

// nameArgs returns the arguments of fl; with b64 (-base64) they are names
// in base64 (standard encoding, padded), and nameArgs decodes them. seg
// (-segment) and b64 do not go together.
func nameArgs(fl *flag.FlagSet, seg, b64 bool) ([]string, error) {
	args := fl.Args()
	if !b64 {
		return args, nil
	}
	if seg {
		return nil, usagef(fl, "-base64 does not apply to segment IDs")
	}
	names := make([]string, len(args))
	for i, a := range args {
		b, err := base64.StdEncoding.DecodeString(a)
		if err != nil {
			return nil, usagef(fl, "-base64: %q is not base64: %v", a, err)
		}
		names[i] = string(b)
	}
	return names, nil
}

func newNamespace(dir string) namespace {
	return namespace{dir: dir, fsys: shmfs.NewFS(dir)}
}

// root is the namespace's directory, for messages and for matching paths.
func (ns namespace) root() string {
	if ns.dir == "" {
		return systemDir
	}
	return ns.dir
}

// path is the file system path of the object called name.
func (ns namespace) path(name string) string {
	return filepath.Join(ns.root(), ns.fsName(name))
}

// fsName is name as the io/fs namespace spells it: in the system namespace,
// the POSIX spelling "/name" loses its slash.
func (ns namespace) fsName(name string) string {
	if ns.dir == "" {
		return strings.TrimPrefix(ns.name(name), "/")
	}
	return name
}

// name is the object an argument names. In the system namespace that is a
// POSIX name ("/name" or "name") or the object's path ("/dev/shm/name").
func (ns namespace) name(arg string) string {
	if ns.dir == "" {
		if rest, ok := strings.CutPrefix(arg, systemDir+"/"); ok && rest != "" {
			return rest
		}
	}
	return arg
}

// checkName refuses, in the system namespace, what shm_open would refuse.
func (ns namespace) checkName(op, name string) error {
	if ns.dir != "" {
		return nil
	}
	n := strings.TrimPrefix(name, "/")
	if n == "" || n == "." || n == ".." || len(n) > shmfs.NameMax || strings.ContainsAny(n, "/\x00") {
		return &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	return nil
}

// rawName says whether name, in a -dir namespace, is one that io/fs names
// cannot spell (fs.ValidPath wants UTF-8): such names are reached through
// an os.Root on the directory, which keeps them inside it all the same.
// The system namespace takes any bytes (shmfs.OpenFile, Stat, Remove).
func (ns namespace) rawName(name string) bool {
	return ns.dir != "" && !utf8.ValidString(name)
}

func (ns namespace) openFile(name string, flag int, perm fs.FileMode) (*shmfs.File, error) {
	name = ns.name(name)
	switch {
	case ns.dir == "":
		return shmfs.OpenFile(name, flag, perm)
	case ns.rawName(name):
		return openInRoot(ns.dir, name, flag, perm)
	}
	return ns.fsys.OpenFile(name, flag, perm)
}

func (ns namespace) remove(name string) error {
	name = ns.name(name)
	switch {
	case ns.dir == "":
		return shmfs.Remove(name)
	case ns.rawName(name):
		return inRoot(ns.dir, "remove", func(r *os.Root) error { return r.Remove(name) })
	}
	return ns.fsys.Remove(name)
}

func (ns namespace) stat(name string) (fs.FileInfo, error) {
	name = ns.name(name)
	if err := ns.checkName("stat", name); err != nil {
		return nil, err
	}
	var fi fs.FileInfo
	var err error
	switch {
	case ns.dir == "":
		fi, err = shmfs.Stat(name)
	case ns.rawName(name):
		err = inRoot(ns.dir, "stat", func(r *os.Root) (err error) {
			fi, err = r.Stat(name)
			return err
		})
	default:
		fi, err = ns.fsys.Stat(name)
	}
	if pe, ok := err.(*fs.PathError); ok {
		pe.Path = name
	}
	return fi, err
}

// inRoot calls fn with an os.Root on dir. An error about a name inside has
// op as its Op (os.Root's are "openat", "statat"...), as the io/fs
// namespace's would.
func inRoot(dir, op string, fn func(*os.Root) error) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	err = fn(r)
	if pe, ok := err.(*fs.PathError); ok {
		pe.Op = op
	}
	return err
}

// object is a POSIX shared-memory object (a regular file of a namespace),
// as ls -json prints it.
type object struct {
	Name       string    // the name shmfs's commands take (JSON replaces bytes that are not UTF-8 with U+FFFD: NameBase64 is exact)
	NameBase64 []byte    // the name's exact bytes, in base64; stat, cat, write and rm take it back with -base64
	Path       string    // where it is in the file system
	Size       int64     // bytes
	Mode       string    // "-rw-r--r--"
	Perm       string    // "0644"
	UID, GID   int       // -1 where the system has none
	Owner      string    // user name, or the UID in decimal
	Group      string    // group name, or the GID in decimal
	Modified   time.Time // last modification (writes through a mapping may not update it)
	Changed    time.Time // last status change
	Processes  int       // how many processes map it or hold it open
	PIDs       []int     `json:",omitempty"`
	// MaybeUsedBy are the processes that could not be inspected and could
	// open the object (by their user and group IDs and its mode): they may
	// use it unseen.
	MaybeUsedBy []int `json:",omitempty"`

	users []user1      // who, for stat
	maybe []hiddenProc // MaybeUsedBy, for stat and gc
	stat  sysStat
}

// user1 is one process that maps an object or holds it open.
type user1 struct {
	PID     int
	Command string
	Maps    bool // it is in /proc/PID/maps
	Open    bool // a descriptor in /proc/PID/fd refers to it
}

// newObject describes the object name of ns, with fi its Lstat and u the
// processes found (nil: not looked for).
func newObject(ns namespace, name string, fi fs.FileInfo, u *procUsage) object {
	st := statOf(fi)
	o := object{
		Name:       name,
		NameBase64: []byte(name),
		Path:       ns.path(name),
		Size:       fi.Size(),
		Mode:       fi.Mode().String(),
		Perm:       fmt.Sprintf("%04o", uint32(fi.Mode().Perm())),
		UID:        st.uid,
		GID:        st.gid,
		Owner:      userName(st.uid),
		Group:      groupName(st.gid),
		Modified:   fi.ModTime(),
		Changed:    st.ctime,
		stat:       st,
	}
	if o.Changed.IsZero() {
		o.Changed = o.Modified
	}
	if u != nil {
		o.users = u.users(ns.fsName(name), st)
		o.Processes = len(o.users)
		for _, p := range o.users {
			o.PIDs = append(o.PIDs, p.PID)
		}
		o.maybe = u.mayUse(st, fi.Mode().Perm())
		for _, p := range o.maybe {
			o.MaybeUsedBy = append(o.MaybeUsedBy, p.PID)
		}
	}
	return o
}

// listObjects returns the regular files at the top of ns, sorted by name,
// with the processes that use them (when u is not nil).
func listObjects(ns namespace, u *procUsage) ([]object, error) {
	entries, err := ns.fsys.ReadDir(".")
	if err != nil {
		if pe, ok := err.(*fs.PathError); ok && pe.Path == "." {
			pe.Path = ns.root()
		}
		return nil, err
	}
	var list []object
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue // subdirectories, and whatever else is not an object
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed since ReadDir
		}
		list = append(list, newObject(ns, e.Name(), fi, u))
	}
	return list, nil
}

// segment is a System V segment, as ls -json prints it.
type segment struct {
	Key            int    // key_t, signed
	KeyHex         string // as ipcs -m prints it
	ID             int
	Size           int64
	Mode           string // "-rw-------"
	Perm           string // "0600"
	UID, GID       int
	Owner, Group   string
	Attached       int  // nattch
	Removed        bool // marked for removal, destroyed at the last detach
	CreatorPID     int
	CreatorAlive   bool   // the creator process still runs (not just its PID)
	CreatorCommand string `json:",omitempty"`
	LastPID        int
	AttachTime     *time.Time `json:",omitempty"`
	DetachTime     *time.Time `json:",omitempty"`
	ChangeTime     *time.Time `json:",omitempty"`

	creator procState
}

func newSegment(s shmfs.SegmentInfo) segment {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	g := segment{
		Key:        s.Key,
		KeyHex:     fmt.Sprintf("0x%08x", uint32(s.Key)),
		ID:         s.ID,
		Size:       s.Size,
		Mode:       s.Mode.Perm().String(),
		Perm:       fmt.Sprintf("%04o", uint32(s.Mode.Perm())),
		UID:        s.UID,
		GID:        s.GID,
		Owner:      userName(s.UID),
		Group:      groupName(s.GID),
		Attached:   s.Attached,
		Removed:    s.Removed,
		CreatorPID: s.CreatorPID,
		LastPID:    s.LastPID,
		AttachTime: opt(s.AttachTime),
		DetachTime: opt(s.DetachTime),
		ChangeTime: opt(s.ChangeTime),
	}
	// The creator ran shmget before the segment's change time (which is
	// set at creation and moves only later): a process with its PID that
	// started after that is another process.
	g.creator = process(s.CreatorPID, s.ChangeTime)
	g.CreatorAlive = g.creator.alive
	g.CreatorCommand = g.creator.command
	return g
}

// lastUsed is the last time anything happened to the segment.
func (g *segment) lastUsed() time.Time {
	var t time.Time
	for _, u := range []*time.Time{g.AttachTime, g.DetachTime, g.ChangeTime} {
		if u != nil && u.After(t) {
			t = *u
		}
	}
	return t
}

// creatorString is "1234 (alive: prog)", "1234 (gone)"...
func (g *segment) creatorString() string {
	return fmt.Sprintf("%d (%s)", g.CreatorPID, g.creator)
}

// listSegments returns every System V segment, sorted by ID.
func listSegments() ([]segment, error) {
	infos, err := shmfs.Segments()
	if err != nil {
		return nil, err
	}
	list := make([]segment, len(infos))
	for i, s := range infos {
		list[i] = newSegment(s)
	}
	return list, nil
}

// noSysV says whether err, from listSegments, means that the kernel has
// no System V IPC (no /proc/sysvipc/shm).
func noSysV(err error) bool {
	return runtime.GOOS == "linux" && errors.Is(err, fs.ErrNotExist)
}

// findSegment returns the segment with the given ID.
func findSegment(id int) (segment, error) {
	list, err := listSegments()
	if err != nil {
		return segment{}, err
	}
	for _, g := range list {
		if g.ID == id {
			return g, nil
		}
	}
	return segment{}, fmt.Errorf("no System V segment with ID %d", id)
}

// parseID parses a segment ID argument.
func parseID(fl *flag.FlagSet, s string) (int, error) {
	id, err := strconv.Atoi(s)
	if err != nil || id < 0 {
		return 0, usagef(fl, "%q is not a segment ID (a number, as ls shows it)", s)
	}
	return id, nil
}

// procState is what is known about the process with some PID.
type procState struct {
	pid     int
	alive   bool   // it runs (and, for a creator, is the process that created)
	reused  bool   // a process has the PID, but it started later than the one we asked about
	unknown bool   // PID 0: the process is not in this PID namespace
	command string // its name (/proc/PID/comm) when alive
}

func (p procState) String() string {
	switch {
	case p.unknown:
		return "unknown"
	case p.alive && p.command != "":
		return "alive: " + cleanText(p.command)
	case p.alive:
		return "alive"
	case p.reused:
		return "gone; PID reused"
	}
	return "gone"
}

// userName and groupName look IDs up once each.
var (
	namesMu sync.Mutex
	names   = map[string]string{}
)

func lookupName(kind string, id int, lookup func(string) (string, error)) string {
	if id < 0 {
		return "?"
	}
	key := kind + strconv.Itoa(id)
	namesMu.Lock()
	defer namesMu.Unlock()
	if n, ok := names[key]; ok {
		return n
	}
	n, err := lookup(strconv.Itoa(id))
	if err != nil || n == "" {
		n = strconv.Itoa(id)
	}
	names[key] = n
	return n
}

func userName(uid int) string {
	return lookupName("u", uid, func(id string) (string, error) {
		u, err := user.LookupId(id)
		if err != nil {
			return "", err
		}
		return u.Username, nil
	})
}

func groupName(gid int) string {
	return lookupName("g", gid, func(id string) (string, error) {
		g, err := user.LookupGroupId(id)
		if err != nil {
			return "", err
		}
		return g.Name, nil
	})
}

// humanSize is n in bytes, KiB, MiB...: "512 B", "4.0 KiB", "1.5 GiB".
func humanSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	f := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		f /= 1024
		if f < 1024 {
			return fmt.Sprintf("%.1f %s", f, unit)
		}
	}
	return fmt.Sprintf("%.1f EiB", f/1024)
}

// timeString is t in local time, with how long ago: "2024-05-01 10:00:00 (3h ago)".
func timeString(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.Local().Format("2006-01-02 15:04:05") + " (" + ago(t) + ")"
}

// ago is how long ago t was, roughly: "12s ago", "5m ago", "3h ago", "4d ago".
func ago(t time.Time) string {
	d := time.Since(t)
	if d < 0 {
		return "in the future"
	}
	return roughDuration(d) + " ago"
}

func roughDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d/time.Hour))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}

// stdoutIsTerminal and stderrIsTerminal are asked once.
var (
	stdoutIsTerminal = sync.OnceValue(func() bool { return isTerminal(os.Stdout.Fd()) })
	stderrIsTerminal = sync.OnceValue(func() bool { return isTerminal(os.Stderr.Fd()) })
)
