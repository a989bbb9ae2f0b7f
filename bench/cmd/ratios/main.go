// Command ratios prints, as a Markdown table, the median ns/op of every benchmark
// of the given benchfmt files side by side per impl, with each impl's speed
// relative to *os.File (os ns/op ÷ impl ns/op: 10× means ten times faster
// than os).
//
//	cd bench && go run ./cmd/ratios ../benchdata/shmfs.txt ../benchdata/mmap.txt
//
// It lives in the nested module bench/ because it reads the files with
// golang.org/x/perf, which the library's users must not inherit.
//
// A benchmark "Op/k=v/impl=X-2" is the row "Op/k=v" and the column X; rows
// without an impl key are left out.
package main

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

func main() {
	files := benchfmt.Files{Paths: os.Args[1:]}
	type key struct{ pkg, row string }
	var rows []key
	impls := map[string][]string{} // per package
	vals := map[key]map[string][]float64{}
	for files.Scan() {
		res, ok := files.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		base, parts := res.Name.Parts()
		row, impl := string(base), ""
		for _, p := range parts {
			s := string(p)
			switch {
			case strings.HasPrefix(s, "/impl="):
				impl = strings.TrimPrefix(s, "/impl=")
			case strings.HasPrefix(s, "-"): // GOMAXPROCS
			default:
				row += s
			}
		}
		v, ok := res.Value("sec/op")
		if impl == "" || !ok {
			continue
		}
		k := key{res.GetConfig("pkg"), row}
		if vals[k] == nil {
			vals[k] = map[string][]float64{}
			rows = append(rows, k)
		}
		vals[k][impl] = append(vals[k][impl], v)
		if !slices.Contains(impls[k.pkg], impl) {
			impls[k.pkg] = append(impls[k.pkg], impl)
		}
	}
	if err := files.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The known impls in this order, then any other.
	order := []string{"os", "shmfs", "sysv", "memfd", "xexpmmap", "copy"}
	for _, l := range impls {
		slices.SortStableFunc(l, func(a, b string) int {
			ia, ib := slices.Index(order, a), slices.Index(order, b)
			if ia < 0 {
				ia = len(order)
			}
			if ib < 0 {
				ib = len(order)
			}
			return ia - ib
		})
	}

	median := func(xs []float64) float64 {
		s := benchmath.NewSample(append([]float64(nil), xs...), &benchmath.DefaultThresholds)
		return benchmath.AssumeNothing.Summary(s, 0.95).Center
	}
	pkg := ""
	var cols []string
	for _, k := range rows {
		if k.pkg != pkg {
			if pkg != "" {
				fmt.Println()
			}
			pkg = k.pkg
			cols = impls[pkg]
			fmt.Printf("`%s` — median ns/op (speed vs os)\n\n", pkg)
			fmt.Printf("| benchmark | %s |\n", strings.Join(cols, " | "))
			fmt.Printf("|---|%s\n", strings.Repeat("--:|", len(cols)))
		}
		osv := 0.0
		if xs := vals[k]["os"]; xs != nil {
			osv = median(xs)
		}
		cells := make([]string, len(cols))
		for i, impl := range cols {
			xs := vals[k][impl]
			switch {
			case xs == nil:
				cells[i] = ""
			case impl == "os" || osv == 0:
				cells[i] = ns(median(xs))
			default:
				m := median(xs)
				cells[i] = fmt.Sprintf("%s (%s×)", ns(m), ratio(osv/m))
			}
		}
		fmt.Printf("| %s | %s |\n", k.row, strings.Join(cells, " | "))
	}
}

// ns formats seconds as ns with three significant digits.
func ns(sec float64) string {
	v := sec * 1e9
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func ratio(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}
