package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQuoteNameLikeLs compares quoteName with GNU ls -b itself, in a UTF-8
// locale, on every byte and on characters of many kinds that every
// Unicode version since 6.0 classifies alike (newer characters are
// unknown to older C libraries, which escape them).
func TestQuoteNameLikeLs(t *testing.T) {
	if _, err := exec.LookPath("ls"); err != nil {
		t.Skip("no ls")
	}
	if out, err := exec.Command("ls", "--version").Output(); err != nil || !strings.Contains(string(out), "GNU coreutils") {
		t.Skip("ls is not GNU ls")
	}
	var names []string
	for b := 1; b < 256; b++ {
		if b != '/' {
			names = append(names, fmt.Sprintf("byte%02x-%s-end", b, []byte{byte(b)}))
		}
	}
	for _, r := range []rune{
		0xe9, 0x301, 0xa0, 0xad, 0x85, 0x9f, 0x378, 0x5d0, 0x627, 0x94d, 0x3042, 0x4e2d, 0xac00,
		0x200b, 0x200d, 0x2028, 0x2029, 0x2060, 0xe000, 0xf8ff, 0xfeff, 0xfffd, 0xfffe, 0xffff,
		0x1f600, 0x1d11e, 0x10ffff, 0xf0000,
	} {
		names = append(names, fmt.Sprintf("rune%04x-%c-end", r, r))
	}
	names = append(names, "a b", "two  spaces", `back\slash`, "esc\x1b[0m", "\xff\xfe", "caf\xc3", "\xed\xa0\x80")
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0600); err != nil {
			t.Fatalf("%q: %v", n, err)
		}
	}
	cmd := exec.Command("ls", "-b", "-1", "-U", dir)
	cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("ls -b in C.UTF-8: %v", err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		listed[line] = true
	}
	if len(listed) != len(names) {
		t.Fatalf("ls -b listed %d names, want %d", len(listed), len(names))
	}
	if !listed["rune00e9-é-end"] {
		t.Skip("ls does not run in a UTF-8 locale here (no C.UTF-8)")
	}
	for _, n := range names {
		if q := quoteName(n); !listed[q] {
			t.Errorf("quoteName(%q) = %q: ls -b shows it otherwise", n, q)
		}
	}
}
