package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// A progress bar is drawn on standard error, when it is a terminal, for a
// copy of at least progressMin bytes (or of unknown size) that is still
// running after progressDelay: quick copies draw nothing.
const (
	progressMin      = 16 << 20
	progressDelay    = 500 * time.Millisecond
	progressInterval = 100 * time.Millisecond
)

// progress draws a progress bar while a copy runs. A nil *progress draws
// nothing; its methods may be called all the same.
type progress struct {
	label string
	total int64 // -1: unknown
	n     atomic.Int64
	start time.Time
	out   io.Writer
	width int
	stop  chan struct{}
	done  chan struct{}
}

// wantProgress says whether a copy of total bytes (-1: unknown) gets a bar.
func wantProgress(quiet bool, total int64) bool {
	return !quiet && (total < 0 || total >= progressMin) && stderrIsTerminal()
}

// startProgress starts drawing a bar for a copy of total bytes (-1:
// unknown) on standard error, if on; otherwise it returns nil.
func startProgress(label string, total int64, on bool) *progress {
	if !on {
		return nil
	}
	p := &progress{
		label: label,
		total: total,
		start: time.Now(),
		out:   os.Stderr,
		width: termWidth(os.Stderr.Fd()),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go p.loop()
	return p
}

func (p *progress) add(n int) {
	if p != nil {
		p.n.Add(int64(n))
	}
}

// finish stops the bar; if it was drawn, it is drawn a last time and left
// on its line.
func (p *progress) finish() {
	if p == nil {
		return
	}
	close(p.stop)
	<-p.done
}

func (p *progress) loop() {
	defer close(p.done)
	delay := time.NewTimer(progressDelay)
	defer delay.Stop()
	select {
	case <-p.stop:
		return
	case <-delay.C:
	}
	tick := time.NewTicker(progressInterval)
	defer tick.Stop()
	for {
		line := renderProgress(p.label, p.n.Load(), p.total, time.Since(p.start), p.width)
		select {
		case <-p.stop:
			line = renderProgress(p.label, p.n.Load(), p.total, time.Since(p.start), p.width)
			fmt.Fprintf(p.out, "\r%s\x1b[K\n", line)
			return
		case <-tick.C:
			fmt.Fprintf(p.out, "\r%s\x1b[K", line)
		}
	}
}

// renderProgress is one line of less than width columns (the last column
// would make some terminals wrap):
//
//	name  45% [=========>           ] 450.0 MiB / 1.0 GiB  312.5 MiB/s  ETA 2s
//	name  450.0 MiB  312.5 MiB/s  1s                        (unknown total)
//
// On a narrow terminal the bar goes first, then the ETA, then the rate.
func renderProgress(label string, n, total int64, elapsed time.Duration, width int) string {
	room := width - 1
	rate := "0 B/s"
	if s := elapsed.Seconds(); s > 0 {
		rate = humanSize(int64(float64(n)/s)) + "/s"
	}
	if total < 0 {
		return fit(room, label, humanSize(n), rate, roughDuration(elapsed))
	}
	frac := 1.0
	if total > 0 {
		frac = min(float64(n)/float64(total), 1)
	}
	head := fmt.Sprintf("%s %3d%%", label, int(frac*100))
	tail := []string{humanSize(n) + " / " + humanSize(total), rate}
	if n > 0 && n < total {
		tail = append(tail, "ETA "+roughDuration(time.Duration(float64(elapsed)*(float64(total-n)/float64(n)))))
	}
	text := strings.Join(tail, "  ")
	const minBar = 10
	barWidth := room - len(head) - len(text) - len(" [] ")
	if barWidth < minBar {
		return fit(room, append([]string{head}, tail...)...)
	}
	fill := int(frac * float64(barWidth))
	bar := strings.Repeat("=", fill)
	if fill < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-fill-1)
	}
	return head + " [" + bar + "] " + text
}

// fit joins as many of parts, from the first, as fit in room columns, two
// spaces apart; the first is cut if it alone is too long.
func fit(room int, parts ...string) string {
	s := parts[0]
	for _, p := range parts[1:] {
		if len(s)+2+len(p) > room {
			break
		}
		s += "  " + p
	}
	if room > 0 && len(s) > room {
		s = s[:room]
	}
	return s
}

// progressReader and progressWriter count what goes through them.
type progressReader struct {
	r io.Reader
	p *progress
}

func (r progressReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	r.p.add(n)
	return n, err
}

type progressWriter struct {
	w io.Writer
	p *progress
}

func (w progressWriter) Write(b []byte) (int, error) {
	n, err := w.w.Write(b)
	w.p.add(n)
	return n, err
}
