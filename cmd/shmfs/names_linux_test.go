package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNames: names that hold a newline, ESC or bytes that are not UTF-8 are
// printed escaped as ls -b prints them, by ls, gc and stat, so that no
// name forges a line or reaches the terminal as a control sequence; ls
// -json gives their exact bytes, which stat, cat and rm take back.
func TestNames(t *testing.T) {
	for _, c := range []struct {
		name   string
		base   string // the object is prefix+N-+base
		quoted string // as ls -b prints base
		text   string // as an error message shows it
		dir    bool   // in a -dir namespace, not /dev/shm
	}{
		{"newline", "x\nwould remove object important-db (80 B): no process maps it",
			`x\nwould\ remove\ object\ important-db\ (80\ B):\ no\ process\ maps\ it`,
			`x\nwould remove object important-db (80 B): no process maps it`, false},
		{"ESC", "red\x1b[31m\x1b]0;title\a", `red\033[31m\033]0;title\a`, `red\033[31m\033]0;title\a`, false},
		{"not UTF-8", "\xff\xfe", `\377\376`, `\377\376`, false},
		{"not UTF-8 in -dir", "\xff\xfe", `\377\376`, `\377\376`, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			content := "content of " + c.name
			root, name, nsArgs := "/dev/shm", "", []string(nil)
			if c.dir {
				root = privateDir(t)
				name = prefix + c.base
				nsArgs = []string{"-dir", root}
				if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0600); err != nil {
					t.Fatal(err)
				}
				unowned(t, filepath.Join(root, name))
			} else {
				name = makeUnowned(t, c.base, []byte(content))
			}
			path := filepath.Join(root, name)
			quoted := strings.TrimSuffix(name, c.base) + c.quoted
			if got := quoteName(name); got != quoted {
				t.Fatalf("quoteName(%q) = %q, want %q", name, got, quoted)
			}
			raw := func(what, out string) {
				t.Helper()
				if strings.Contains(out, c.base) || strings.ContainsRune(out, 0x1b) || strings.Contains(out, "\nwould remove object important-db") {
					t.Errorf("%s prints the name raw:\n%q", what, out)
				}
			}
			cmd := func(args ...string) []string { return append(append(args[:1:1], nsArgs...), args[1:]...) }

			r := ok(t, nil, cmd("ls")...)
			raw("ls", r.stdout)
			if !strings.Contains(r.stdout, "\n"+quoted+" ") {
				t.Errorf("ls: no line starting %q in\n%s", quoted, r.stdout)
			}

			r = ok(t, nil, cmd("gc", "-prefix", name, "-sysv=false")...)
			raw("gc", r.stdout)
			if want := "would remove object " + root + "/" + quoted + " ("; !strings.HasPrefix(r.stdout, want) || strings.Count(r.stdout, "\n") != 1 {
				t.Errorf("gc: want one line %q...; got\n%q", want, r.stdout)
			}

			r = ok(t, nil, cmd("stat", name)...)
			raw("stat", r.stdout)
			if !strings.Contains(r.stdout, "name:       "+quoted+"\n") || !strings.Contains(r.stdout, "path:       "+root+"/"+quoted+"\n") {
				t.Errorf("stat: want name %q and its path in\n%s", quoted, r.stdout)
			}
			if r := ok(t, nil, cmd("cat", name)...); r.stdout != content {
				t.Errorf("cat: %q", r.stdout)
			}
			// Errors about the name are escaped too.
			r = runShmfs(t, nil, cmd("cat", name+"-gone")...)
			if want := "shmfs cat: open " + strings.TrimSuffix(name, c.base) + c.text + "-gone: no such file or directory\n"; r.code != 1 || r.stderr != want {
				t.Errorf("cat of a missing name: want exit 1 and %q; got %v", want, r)
			}
			raw("cat's error", r.stderr)

			// ls -json: NameBase64 holds the bytes; fed back with -base64,
			// stat, cat and rm reach the object. (Name, a JSON string, has
			// U+FFFD for each byte that is not UTF-8.)
			r = ok(t, nil, cmd("ls", "-json")...)
			var out struct {
				Objects []struct {
					Name       string
					NameBase64 string
				}
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatal(err)
			}
			b64 := ""
			for _, o := range out.Objects {
				if b, err := base64.StdEncoding.DecodeString(o.NameBase64); err == nil && string(b) == name {
					b64 = o.NameBase64
					if want := string([]rune(name)); o.Name != want {
						t.Errorf("ls -json: Name %q, want %q", o.Name, want)
					}
				}
			}
			if b64 == "" {
				t.Fatalf("ls -json: no object whose NameBase64 is %q", name)
			}
			if r := ok(t, nil, cmd("stat", "-base64", b64)...); !strings.Contains(r.stdout, "name:       "+quoted+"\n") {
				t.Errorf("stat -base64 %s:\n%s", b64, r.stdout)
			}
			if r := ok(t, nil, cmd("cat", "-base64", b64)...); r.stdout != content {
				t.Errorf("cat -base64 %s: %q", b64, r.stdout)
			}
			ok(t, nil, cmd("rm", "-base64", b64)...)
			if _, err := os.Lstat(path); err == nil {
				t.Errorf("rm -base64 %s did not remove %q", b64, name)
			}
			// write -base64 makes it again, under the same bytes.
			ok(t, []byte("again"), cmd("write", "-base64", b64)...)
			if b, err := os.ReadFile(path); err != nil || string(b) != "again" {
				t.Errorf("write -base64 %s: %q, %v", b64, b, err)
			}
		})
	}
}
