#!/usr/bin/env bash
# benchdata.sh: regenerate the reference runs in benchdata/.
#
# Waits for a quiet machine (1-minute load average below LOAD, polled every
# 30 s for at most WAIT seconds; past that it runs anyway and says so),
# then runs
#
#   go test -run '^$' -bench . -benchtime $BENCHTIME -count $COUNT .        > benchdata/shmfs.txt
#   (cd bench && go test -run '^$' -bench . -benchtime ... -count ... .)   > benchdata/mmap.txt
#
# and renders from them
#
#   benchdata/shmfs.benchstat.txt, mmap.benchstat.txt   benchstat -col /impl
#   benchdata/ratios.md                                  bench/cmd/ratios
#
# Each raw file starts with "# " lines (commit, Go version, load averages
# before and after) that benchfmt readers skip.
#
# Settings (environment): BENCHTIME=0.2s COUNT=10 LOAD=0.5 WAIT=900
# BENCH=. (the -bench regexp, for both suites).
set -euo pipefail
cd "$(dirname "$0")/.."

benchtime=${BENCHTIME:-0.2s}
count=${COUNT:-10}
load_max=${LOAD:-0.5}
wait_max=${WAIT:-900}
bench=${BENCH:-.}
out=benchdata

load1() { cut -d' ' -f1 /proc/loadavg; }
quiet() { awk -v l="$(load1)" -v m="$load_max" 'BEGIN { exit !(l < m) }'; }

waited=0
until quiet; do
	if [ "$waited" -ge "$wait_max" ]; then
		echo "benchdata: load still $(load1) after ${waited}s: running anyway" >&2
		break
	fi
	echo "benchdata: load $(load1), waiting for < $load_max (${waited}s so far)" >&2
	sleep 30
	waited=$((waited + 30))
done

# header FILE: the "# " lines at the top of a raw file.
header() {
	echo "# commit $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . 2>/dev/null || echo ' (with local changes)'), $(go version | cut -d' ' -f3-)"
	echo "# go test -run '^\$' -bench '$bench' -benchtime $benchtime -count $count"
	echo "# loadavg before: $(cut -d' ' -f1-3 /proc/loadavg) (waited ${waited}s for < $load_max)"
}

run() { # DIR FILE
	local tmp
	tmp=$(mktemp)
	header >"$tmp"
	(cd "$1" && go test -run '^$' -bench "$bench" -benchtime "$benchtime" -count "$count" .) >>"$tmp"
	echo "# loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$tmp"
	chmod 644 "$tmp"
	mv "$tmp" "$2"
}

start=$(date +%s)
run . "$out/shmfs.txt"
run bench "$out/mmap.txt"
echo "benchdata: ran in $(($(date +%s) - start))s" >&2

# benchstat and ratios as the nested module bench/ pins them (its go.mod,
# with golang.org/x/perf, so that the library's users inherit none of it).
tools=$(mktemp -d)
trap 'rm -rf "$tools"' EXIT
(cd bench && go build -o "$tools/benchstat" golang.org/x/perf/cmd/benchstat && go build -o "$tools/ratios" ./cmd/ratios)
benchstat=$tools/benchstat
(cd "$out" && "$benchstat" -col '/impl@(os shmfs sysv memfd copy)' shmfs.txt >shmfs.benchstat.txt)
(cd "$out" && "$benchstat" -col '/impl@(os shmfs xexpmmap copy)' mmap.txt >mmap.benchstat.txt)
"$tools/ratios" "$out/shmfs.txt" "$out/mmap.txt" >"$out/ratios.md"
echo "benchdata: wrote $out/shmfs.txt $out/mmap.txt $out/shmfs.benchstat.txt $out/mmap.benchstat.txt $out/ratios.md" >&2
