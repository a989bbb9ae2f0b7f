package main

import (
	"strings"
	"testing"
	"time"
)

func TestRenderProgress(t *testing.T) {
	for _, c := range []struct {
		n, total int64
		elapsed  time.Duration
		width    int
		want     string
	}{
		{50 << 20, 100 << 20, 2 * time.Second, 80,
			"obj  50% [=============>             ] 50.0 MiB / 100.0 MiB  25.0 MiB/s  ETA 2s"},
		{100 << 20, 100 << 20, 4 * time.Second, 80,
			"obj 100% [==================================] 100.0 MiB / 100.0 MiB  25.0 MiB/s"},
		{0, 100 << 20, 0, 60,
			"obj   0% [>                        ] 0 B / 100.0 MiB  0 B/s"},
		{3 << 30, -1, 3 * time.Second, 80,
			"obj  3.0 GiB  1.0 GiB/s  3s"},
		{50 << 20, 100 << 20, 2 * time.Second, 40,
			"obj  50%  50.0 MiB / 100.0 MiB"},
		{50 << 20, 100 << 20, 2 * time.Second, 10,
			"obj  50%"},
		{50 << 20, 100 << 20, 2 * time.Second, 5,
			"obj "},
	} {
		got := renderProgress("obj", c.n, c.total, c.elapsed, c.width)
		if got != c.want {
			t.Errorf("renderProgress(%d, %d, %v, %d) =\n%q, want\n%q", c.n, c.total, c.elapsed, c.width, got, c.want)
		}
		if len(got) >= c.width || strings.Contains(got, "[") && len(got) != c.width-1 {
			t.Errorf("renderProgress(%d, %d, %v, %d): %d columns, wider than the terminal", c.n, c.total, c.elapsed, c.width, len(got))
		}
		if c.total >= 0 && c.width > 10 && !strings.Contains(got, "%") {
			t.Errorf("no percentage in %q", got)
		}
	}
}

func TestDurationFlag(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "36h": 36 * time.Hour, "7d": 7 * 24 * time.Hour,
		"1d12h": 36 * time.Hour, "0": 0, "0s": 0,
	} {
		var d durationFlag
		if err := d.Set(in); err != nil || time.Duration(d) != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, time.Duration(d), err, want)
		}
	}
	for _, in := range []string{"", "d", "xd", "soon", "-1h", "1d-48h", "7days"} {
		var d durationFlag
		if err := d.Set(in); err == nil {
			t.Errorf("Set(%q) = %v, want an error", in, time.Duration(d))
		}
	}
}
