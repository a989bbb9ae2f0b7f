// Command benchgate fails when benchmarks got slower.
//
// Usage:
//
//	cd bench && go run ./cmd/benchgate [-max PCT] [-alpha A] [-unit U] OLD NEW
//
// It lives in the nested module bench/ (it reads the files with
// golang.org/x/perf, which the library's users must not inherit).
//
// OLD and NEW are files of `go test -bench` output (benchfmt format), each
// with several runs of every benchmark (-count=10 is good). For every
// benchmark present in both, benchgate takes the median of its sec/op
// values in each file and tests the difference with the Mann-Whitney U test,
// as benchstat does. It prints a benchstat-style table and exits
//
//	0  when no benchmark got worse by more than PCT percent with p < A
//	1  when one or more did (each is listed after the table)
//	2  on a usage error, an unreadable file, or no benchmark in common
//
// benchstat itself always exits 0, hence this gate. A benchmark found in
// only one file is listed but never fails the gate; with fewer than 4 runs
// per side no difference can reach p < 0.05, which is reported as a
// warning.
//
// Flags:
//
//	-max PCT   the largest slowdown tolerated, in percent (default 5)
//	-alpha A   the significance level (default 0.05)
//	-unit U    the unit compared (default sec/op, i.e. ns/op; B/op and
//	           allocs/op work too)
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command: it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("benchgate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	maxPct := fl.Float64("max", 5, "largest tolerated slowdown, in `percent`")
	alpha := fl.Float64("alpha", 0.05, "significance `level` of the Mann-Whitney U test")
	unit := fl.String("unit", "sec/op", "`unit` to compare (ns/op is sec/op)")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "usage: benchgate [-max PCT] [-alpha A] [-unit U] OLD NEW\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 2 || *maxPct < 0 || *alpha <= 0 || *alpha >= 1 {
		fl.Usage()
		return 2
	}
	cfg := Config{MaxPct: *maxPct, Alpha: *alpha, Unit: *unit}
	oldSet, err := readFile(fl.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "benchgate: %v\n", err)
		return 2
	}
	newSet, err := readFile(fl.Arg(1))
	if err != nil {
		fmt.Fprintf(stderr, "benchgate: %v\n", err)
		return 2
	}
	if o, n := filepath.Base(oldSet.Label), filepath.Base(newSet.Label); o != n {
		oldSet.Label, newSet.Label = o, n // the table's column heads
	}
	rep, err := Compare(oldSet, newSet, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "benchgate: %v\n", err)
		return 2
	}
	rep.Write(stdout)
	if len(rep.Regressions()) > 0 {
		return 1
	}
	return 0
}

func readFile(path string) (*Set, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}
