package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"
)

// A Set is the benchmark results of one file: every value of every unit of
// every benchmark, grouped by package and full name (GOMAXPROCS suffix
// included, as `go test` prints it).
type Set struct {
	Label    string
	keys     []key // in the order of first appearance
	vals     map[key]map[string][]float64
	Warnings []string // lines that were not valid benchmark results
}

type key struct{ pkg, name string }

// Read reads a file of `go test -bench` output. label names it in the table.
// Lines that are not benchmark results are skipped as benchstat skips them;
// malformed benchmark lines are kept as warnings.
func Read(r io.Reader, label string) (*Set, error) {
	s := &Set{Label: label, vals: map[key]map[string][]float64{}}
	br := benchfmt.NewReader(r, label)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.Result:
			k := key{rec.GetConfig("pkg"), string(rec.Name.Full())}
			units := s.vals[k]
			if units == nil {
				units = map[string][]float64{}
				s.vals[k] = units
				s.keys = append(s.keys, k)
			}
			for _, v := range rec.Values {
				units[v.Unit] = append(units[v.Unit], v.Value)
			}
		case *benchfmt.SyntaxError:
			s.Warnings = append(s.Warnings, rec.Error())
		}
	}
	if err := br.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// Config is what the gate tolerates.
type Config struct {
	MaxPct float64 // largest tolerated change for the worse, in percent
	Alpha  float64 // significance level of the U test
	Unit   string  // unit compared; "ns/op" and "sec/op" are the same
}

// A Row is one benchmark's comparison.
type Row struct {
	Pkg, Name string
	Old, New  *benchmath.Sample // nil when the benchmark is missing from that side
	OldSum    benchmath.Summary
	NewSum    benchmath.Summary
	Cmp       benchmath.Comparison
	// Delta is the relative change of the medians, new/old - 1
	// (NaN when a side is missing or the old median is 0).
	Delta float64
	// Regression: the change is for the worse, larger than MaxPct, with
	// p < Alpha.
	Regression bool
}

// A Report is the comparison of two Sets.
type Report struct {
	Cfg      Config
	Unit     string // the tidied unit
	Better   int    // -1: lower is better (sec/op); +1: higher (B/s)
	Old, New string // labels
	Rows     []Row
	Warnings []string
}

// Compare compares every benchmark of old and new in cfg.Unit. It fails
// only when no benchmark has values in that unit on both sides.
func Compare(old, new *Set, cfg Config) (*Report, error) {
	_, unit := benchunit.Tidy(1, cfg.Unit)
	better := benchfmt.UnitMetadataMap(nil).GetBetter(unit)
	if better == 0 {
		better = -1 // an unknown unit: a larger value is a change for the worse
	}
	th := benchmath.DefaultThresholds
	th.CompareAlpha = cfg.Alpha
	rep := &Report{Cfg: cfg, Unit: unit, Better: better, Old: old.Label, New: new.Label}
	for _, w := range old.Warnings {
		rep.Warnings = append(rep.Warnings, w)
	}
	for _, w := range new.Warnings {
		rep.Warnings = append(rep.Warnings, w)
	}

	keys := append([]key(nil), old.keys...)
	for _, k := range new.keys {
		if old.vals[k] == nil {
			keys = append(keys, k)
		}
	}
	both := 0
	for _, k := range keys {
		ov, nv := old.vals[k][unit], new.vals[k][unit]
		if ov == nil && nv == nil {
			continue
		}
		row := Row{Pkg: k.pkg, Name: k.name, Delta: math.NaN()}
		if ov != nil {
			row.Old = benchmath.NewSample(append([]float64(nil), ov...), &th)
			row.OldSum = benchmath.AssumeNothing.Summary(row.Old, 0.95)
			rep.warn(row.OldSum.Warnings)
		}
		if nv != nil {
			row.New = benchmath.NewSample(append([]float64(nil), nv...), &th)
			row.NewSum = benchmath.AssumeNothing.Summary(row.New, 0.95)
			rep.warn(row.NewSum.Warnings)
		}
		if row.Old != nil && row.New != nil {
			both++
			row.Cmp = benchmath.AssumeNothing.Compare(row.Old, row.New)
			if row.OldSum.Center != 0 {
				row.Delta = row.NewSum.Center/row.OldSum.Center - 1
			}
			worse := row.Delta * 100 * float64(-better) // > 0: worse
			row.Regression = row.Cmp.P < cfg.Alpha && worse > cfg.MaxPct
			rep.warn(row.Cmp.Warnings)
		}
		rep.Rows = append(rep.Rows, row)
	}
	if both == 0 {
		return nil, fmt.Errorf("no benchmark has %s values in both %s and %s", unit, old.Label, new.Label)
	}
	return rep, nil
}

// warn adds warnings about the statistics, each message once.
func (r *Report) warn(errs []error) {
	for _, err := range errs {
		msg := err.Error()
		if !slices.Contains(r.Warnings, msg) {
			r.Warnings = append(r.Warnings, msg)
		}
	}
}

// Regressions returns the rows that fail the gate.
func (r *Report) Regressions() []Row {
	var bad []Row
	for _, row := range r.Rows {
		if row.Regression {
			bad = append(bad, row)
		}
	}
	return bad
}

// Write prints the table (in benchstat's layout: median ± the 95%
// confidence interval, change of the medians and the U test's p), a
// geomean line, the warnings and the verdict.
func (r *Report) Write(w io.Writer) {
	cls := benchunit.ClassOf(r.Unit)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	pkg := "\x00"
	var olds, news []float64 // medians of the benchmarks on both sides, for the geomean
	for _, row := range r.Rows {
		if row.Pkg != pkg {
			if pkg != "\x00" {
				r.geomean(tw, cls, olds, news)
				olds, news = nil, nil
				fmt.Fprintln(tw)
			}
			pkg = row.Pkg
			if pkg != "" {
				fmt.Fprintf(tw, "pkg: %s\n", pkg)
			}
			fmt.Fprintf(tw, "\t%s\t%s\t\n", r.Old, r.New)
			fmt.Fprintf(tw, "\t%s\t%s\tvs base\n", r.Unit, r.Unit)
		}
		sc := benchunit.CommonScale([]float64{row.OldSum.Center, row.NewSum.Center}, cls)
		oldCell, newCell := "-", "-"
		if row.Old != nil {
			oldCell = sc.Format(row.OldSum.Center) + " ± " + row.OldSum.PctRangeString()
		}
		if row.New != nil {
			newCell = sc.Format(row.NewSum.Center) + " ± " + row.NewSum.PctRangeString()
		}
		delta := ""
		switch {
		case row.Old == nil:
			delta = "(only in " + r.New + ")"
		case row.New == nil:
			delta = "(only in " + r.Old + ")"
		default:
			delta = fmt.Sprintf("%s (%s)", row.Cmp.FormatDelta(row.OldSum.Center, row.NewSum.Center), row.Cmp)
			if row.Regression {
				delta += " REGRESSION"
			}
			if row.OldSum.Center > 0 && row.NewSum.Center > 0 {
				olds = append(olds, row.OldSum.Center)
				news = append(news, row.NewSum.Center)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", row.Name, oldCell, newCell, delta)
	}
	r.geomean(tw, cls, olds, news)
	tw.Flush()

	if len(r.Warnings) > 0 {
		fmt.Fprintln(w)
		for _, msg := range r.Warnings {
			fmt.Fprintf(w, "warning: %s\n", msg)
		}
	}
	fmt.Fprintln(w)
	bad := r.Regressions()
	if len(bad) == 0 {
		fmt.Fprintf(w, "benchgate: ok: no %s got worse by more than %g%% (p < %g)\n", r.Unit, r.Cfg.MaxPct, r.Cfg.Alpha)
		return
	}
	fmt.Fprintf(w, "benchgate: FAIL: %d benchmark(s) got worse by more than %g%% (p < %g):\n", len(bad), r.Cfg.MaxPct, r.Cfg.Alpha)
	for _, row := range bad {
		name := row.Name
		if row.Pkg != "" {
			name = row.Pkg + " " + name
		}
		fmt.Fprintf(w, "  %s: %s -> %s %s (%+.2f%%, p=%.3f)\n", name,
			benchunit.Scale(row.OldSum.Center, cls), benchunit.Scale(row.NewSum.Center, cls), r.Unit,
			row.Delta*100, row.Cmp.P)
	}
}

// geomean prints the geometric means of the medians of the benchmarks
// found on both sides, as benchstat's last row.
func (r *Report) geomean(w io.Writer, cls benchunit.Class, olds, news []float64) {
	if len(olds) < 2 {
		return
	}
	g := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += math.Log(x)
		}
		return math.Exp(s / float64(len(xs)))
	}
	o, n := g(olds), g(news)
	sc := benchunit.CommonScale([]float64{o, n}, cls)
	fmt.Fprintf(w, "geomean\t%s\t%s\t%+.2f%%\n", sc.Format(o), sc.Format(n), (n/o-1)*100)
}

// String is the report as Write prints it.
func (r *Report) String() string {
	var b strings.Builder
	r.Write(&b)
	return b.String()
}
