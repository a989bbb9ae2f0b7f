package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bench renders synthetic `go test -bench` output: for each benchmark name,
// one line per ns/op value, under a goos/goarch/pkg/cpu header.
func bench(pkg string, results map[string][]float64, names ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "goos: linux\ngoarch: amd64\npkg: %s\ncpu: AMD EPYC\n", pkg)
	for _, name := range names {
		for _, v := range results[name] {
			fmt.Fprintf(&b, "%s-2 \t 1000000\t %g ns/op\t 0 B/op\t 0 allocs/op\n", name, v)
		}
	}
	b.WriteString("PASS\nok  \t" + pkg + "\t1.234s\n")
	return b.String()
}

// spread returns n values around center, each off by at most ±pct percent.
func spread(center, pct float64, n int) []float64 {
	vs := make([]float64, n)
	for i := range vs {
		// A fixed zig-zag over [-pct, +pct].
		f := float64(i%5-2) / 2 * pct / 100
		vs[i] = center * (1 + f)
	}
	return vs
}

// gate writes old and new to files and runs the command on them.
func gate(t *testing.T, old, new string, args ...string) (code int, out string) {
	t.Helper()
	dir := t.TempDir()
	po, pn := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	if err := os.WriteFile(po, []byte(old), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pn, []byte(new), 0o666); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	code = run(append(args, po, pn), &stdout, &stderr)
	t.Logf("exit %d\n%s%s", code, stdout.String(), stderr.String())
	return code, stdout.String() + stderr.String()
}

const pkg = "github.com/shmfs/shmfs"

func TestGate(t *testing.T) {
	const a, b = "BenchmarkReadAt/size=64/impl=shmfs", "BenchmarkWriteAt/size=64/impl=shmfs"
	tests := []struct {
		name     string
		old, new map[string][]float64
		args     []string
		want     int
		contains []string
	}{{
		name:     "same",
		old:      map[string][]float64{a: spread(100, 2, 10), b: spread(200, 2, 10)},
		new:      map[string][]float64{a: spread(100, 2, 10), b: spread(200, 2, 10)},
		want:     0,
		contains: []string{"benchgate: ok", "~ (p=1.000 n=10)", "geomean"},
	}, {
		name:     "20% slower",
		old:      map[string][]float64{a: spread(100, 2, 10), b: spread(200, 2, 10)},
		new:      map[string][]float64{a: spread(120, 2, 10), b: spread(200, 2, 10)},
		want:     1,
		contains: []string{"+20.00% (p=0.000 n=10) REGRESSION", "benchgate: FAIL: 1 benchmark(s)", "ReadAt/size=64/impl=shmfs-2: 100.0n -> 120.0n sec/op"},
	}, {
		name: "20% slower within -max 25",
		old:  map[string][]float64{a: spread(100, 2, 10)},
		new:  map[string][]float64{a: spread(120, 2, 10)},
		args: []string{"-max", "25"},
		want: 0,
	}, {
		name:     "3% slower under the default -max 5",
		old:      map[string][]float64{a: spread(100, 1, 10)},
		new:      map[string][]float64{a: spread(103, 1, 10)},
		want:     0,
		contains: []string{"+3.00% (p=0.000 n=10)"},
	}, {
		name:     "3% slower with -max 2",
		old:      map[string][]float64{a: spread(100, 1, 10)},
		new:      map[string][]float64{a: spread(103, 1, 10)},
		args:     []string{"-max", "2"},
		want:     1,
		contains: []string{"REGRESSION"},
	}, {
		// The medians differ by 10%, but the samples overlap so much that
		// the U test cannot tell them apart: not a regression.
		name:     "noise",
		old:      map[string][]float64{a: {50, 60, 70, 80, 90, 100, 110, 120, 130, 140}},
		new:      map[string][]float64{a: {60, 70, 80, 90, 100, 110, 120, 130, 140, 150}},
		want:     0,
		contains: []string{"~ (p=0."},
	}, {
		name:     "faster",
		old:      map[string][]float64{a: spread(100, 2, 10)},
		new:      map[string][]float64{a: spread(50, 2, 10)},
		want:     0,
		contains: []string{"-50.00% (p=0.000 n=10)"},
	}, {
		// Three runs a side can never reach p < 0.05: reported, not failed.
		name:     "too few runs",
		old:      map[string][]float64{a: spread(100, 1, 3)},
		new:      map[string][]float64{a: spread(200, 1, 3)},
		want:     0,
		contains: []string{"need >= 4 samples", "p=0.100 n=3"},
	}, {
		name:     "only in one file",
		old:      map[string][]float64{a: spread(100, 1, 10), b: spread(100, 1, 10)},
		new:      map[string][]float64{a: spread(100, 1, 10)},
		want:     0,
		contains: []string{"(only in "},
	}, {
		name: "alpha",
		old:  map[string][]float64{a: {100, 101, 102, 103, 104}},
		new:  map[string][]float64{a: {103, 104, 110, 111, 112}},
		args: []string{"-max", "1", "-alpha", "0.01"},
		want: 0, // p ≈ 0.02: a regression at 0.05, not at 0.01
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out := gate(t,
				bench(pkg, tt.old, a, b),
				bench(pkg, tt.new, a, b),
				tt.args...)
			if code != tt.want {
				t.Errorf("exit %d, want %d", code, tt.want)
			}
			for _, s := range tt.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output lacks %q", s)
				}
			}
		})
	}
}

// TestAlphaBoundary pins the alpha case above: the same data fail at 0.05.
func TestAlphaBoundary(t *testing.T) {
	const a = "BenchmarkX"
	old := bench(pkg, map[string][]float64{a: {100, 101, 102, 103, 104}}, a)
	new := bench(pkg, map[string][]float64{a: {103, 104, 110, 111, 112}}, a)
	if code, _ := gate(t, old, new, "-max", "1"); code != 1 {
		t.Errorf("at alpha 0.05: exit %d, want 1", code)
	}
}

// TestPackages: the same benchmark name in two packages (the root module
// and bench/) is two benchmarks.
func TestPackages(t *testing.T) {
	const a = "BenchmarkReadAt/size=64/impl=shmfs"
	old := bench("example.com/one", map[string][]float64{a: spread(100, 1, 10)}, a) +
		bench("example.com/two", map[string][]float64{a: spread(100, 1, 10)}, a)
	new := bench("example.com/one", map[string][]float64{a: spread(100, 1, 10)}, a) +
		bench("example.com/two", map[string][]float64{a: spread(150, 1, 10)}, a)
	code, out := gate(t, old, new)
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.Contains(out, "pkg: example.com/one") || !strings.Contains(out, "pkg: example.com/two") {
		t.Errorf("the table does not show both packages")
	}
	if !strings.Contains(out, "example.com/two ReadAt/size=64/impl=shmfs-2: 100.0n -> 150.0n") {
		t.Errorf("the regression is not reported in example.com/two")
	}
	if strings.Contains(out, "example.com/one ReadAt") {
		t.Errorf("example.com/one is reported as a regression")
	}
}

// TestUnits: -unit picks another measurement; B/op is lower-is-better and
// MB/s (B/s) higher-is-better.
func TestUnits(t *testing.T) {
	line := func(ns, mbs, bop float64) string {
		return fmt.Sprintf("BenchmarkX-2 \t 1000\t %g ns/op\t %g MB/s\t %g B/op\t 0 allocs/op\n", ns, mbs, bop)
	}
	var old, new strings.Builder
	old.WriteString("pkg: p\n")
	new.WriteString("pkg: p\n")
	for i := range 10 {
		d := float64(i % 3)
		old.WriteString(line(100+d, 1000+d, 64))
		new.WriteString(line(100+d, 500+d, 128)) // same time, half the bandwidth, twice the bytes
	}
	for _, tc := range []struct {
		unit string
		want int
	}{
		{"sec/op", 0},
		{"ns/op", 0},
		{"MB/s", 1},
		{"B/s", 1},
		{"B/op", 1},
		{"allocs/op", 0},
	} {
		t.Run(strings.ReplaceAll(tc.unit, "/", "_"), func(t *testing.T) {
			if code, _ := gate(t, old.String(), new.String(), "-unit", tc.unit); code != tc.want {
				t.Errorf("-unit %s: exit %d, want %d", tc.unit, code, tc.want)
			}
		})
	}
	// Higher bandwidth is an improvement, not a regression.
	if code, _ := gate(t, new.String(), old.String(), "-unit", "MB/s"); code != 0 {
		t.Errorf("MB/s up: exit %d, want 0", code)
	}
}

func TestErrors(t *testing.T) {
	good := bench(pkg, map[string][]float64{"BenchmarkX": spread(1, 1, 10)}, "BenchmarkX")
	other := bench(pkg, map[string][]float64{"BenchmarkY": spread(1, 1, 10)}, "BenchmarkY")
	for _, tc := range []struct {
		name     string
		old, new string
		args     []string
		contains string
	}{
		{"nothing in common", good, other, nil, "no benchmark has sec/op values in both"},
		{"empty", "", good, nil, "no benchmark"},
		{"unknown unit", good, good, []string{"-unit", "furlongs/op"}, "no benchmark has furlongs/op"},
		{"bad flag", good, good, []string{"-nope"}, "flag provided but not defined"},
		{"negative max", good, good, []string{"-max", "-1"}, "usage"},
		{"bad alpha", good, good, []string{"-alpha", "1"}, "usage"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := gate(t, tc.old, tc.new, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if !strings.Contains(out, tc.contains) {
				t.Errorf("output lacks %q", tc.contains)
			}
		})
	}

	var stdout, stderr strings.Builder
	if code := run([]string{"only-one"}, &stdout, &stderr); code != 2 {
		t.Errorf("one argument: exit %d, want 2", code)
	}
	if code := run([]string{filepath.Join(t.TempDir(), "missing"), "x"}, &stdout, &stderr); code != 2 {
		t.Errorf("missing file: exit %d, want 2", code)
	}
}

// TestSyntaxWarnings: a malformed benchmark line is reported, and the rest
// of the file still counts.
func TestSyntaxWarnings(t *testing.T) {
	good := bench(pkg, map[string][]float64{"BenchmarkX": spread(1, 1, 10)}, "BenchmarkX")
	code, out := gate(t, good, good+"BenchmarkX-2 \t 10 \t notanumber ns/op\n")
	if code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if !strings.Contains(out, "warning: ") {
		t.Errorf("no warning for the malformed line")
	}
}

// TestRealOutput runs the gate on the shape of real `go test -bench`
// output, header lines, sub-benchmarks, MB/s columns and all.
func TestRealOutput(t *testing.T) {
	const old = `goos: linux
goarch: amd64
pkg: github.com/shmfs/shmfs
cpu: AMD EPYC
BenchmarkReadAt/obj=1MiB/size=64/impl=shmfs-2         	25301258	        22.94 ns/op	2789.59 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=shmfs-2         	25301258	        22.90 ns/op	2789.59 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=shmfs-2         	25301258	        22.99 ns/op	2789.59 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=shmfs-2         	25301258	        22.91 ns/op	2789.59 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=shmfs-2         	25301258	        22.95 ns/op	2789.59 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=os-2            	  804373	       698.4 ns/op	  91.64 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=os-2            	  804373	       699.4 ns/op	  91.64 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=os-2            	  804373	       697.4 ns/op	  91.64 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=os-2            	  804373	       698.9 ns/op	  91.64 MB/s	       0 B/op	       0 allocs/op
BenchmarkReadAt/obj=1MiB/size=64/impl=os-2            	  804373	       698.0 ns/op	  91.64 MB/s	       0 B/op	       0 allocs/op
PASS
ok  	github.com/shmfs/shmfs	7.464s
`
	slower := strings.NewReplacer("22.9", "29.9").Replace(old)
	if code, _ := gate(t, old, old); code != 0 {
		t.Errorf("same file: exit %d, want 0", code)
	}
	code, out := gate(t, old, slower)
	if code != 1 {
		t.Errorf("30%% slower: exit %d, want 1", code)
	}
	if !strings.Contains(out, "ReadAt/obj=1MiB/size=64/impl=shmfs-2  22.94n ± ∞  29.94n ± ∞  +30.51% (p=0.008 n=5) REGRESSION") {
		t.Errorf("the regression is not in the table")
	}
	if strings.Count(out, "REGRESSION") != 1 {
		t.Errorf("want exactly one regression (impl=os did not change)")
	}
}
