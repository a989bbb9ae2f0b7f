#!/usr/bin/env bash
# benchcmp.sh BASE [HEAD]: the regression check to run before merging.
#
# Builds the benchmarks of BASE (a commit, branch or tag, checked out in a
# temporary git worktree) and of HEAD (another revision, in a worktree too;
# without it, this working tree as it is, uncommitted changes included),
# runs the two test binaries alternately COUNT times each (so that a machine
# getting busier or quieter shifts both sides alike), then prints the
# benchstat comparison and runs bench/cmd/benchgate, whose exit status this script
# returns: 0 no regression, 1 some benchmark got slower by more than MAX
# percent with p < 0.05, 2 an error.
#
# Settings (environment):
#   BENCH=.          the -bench regexp
#   BENCHTIME=0.2s   the -benchtime of each run
#   COUNT=10         runs per side
#   MAX=5            the gate's -max: tolerated slowdown in percent
#   DIR=.            the package directory to benchmark: . (the library) or
#                    bench (the module comparing with other mmap packages,
#                    built against each side's library)
#   OUT=             where base.txt and head.txt go (default: a new
#                    temporary directory, printed at the end)
#
# Example: BENCH='ReadAt$' scripts/benchcmp.sh main
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 2
fi
base=$1
head=${2:-}
bench=${BENCH:-.}
benchtime=${BENCHTIME:-0.2s}
count=${COUNT:-10}
max=${MAX:-5}
dir=${DIR:-.}

repo=$(git rev-parse --show-toplevel)
cd "$repo"
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/benchcmp.XXXXXX")}
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/benchcmp-trees.XXXXXX")
trees=()
cleanup() {
	for t in "${trees[@]}"; do
		git -C "$repo" worktree remove --force "$t" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
	git -C "$repo" worktree prune
}
trap cleanup EXIT

# checkout REV NAME: a worktree of REV, in $work/NAME.
checkout() {
	git -C "$repo" worktree add --quiet --detach "$work/$2" "$1" >&2
	trees+=("$work/$2")
}

# build TREE NAME: the test binary of TREE/DIR, as $work/NAME.test.
build() {
	if [ ! -d "$1/$dir" ]; then
		echo "benchcmp: $1 has no $dir" >&2
		exit 2
	fi
	(cd "$1/$dir" && go test -c -o "$work/$2.test" .)
}

checkout "$base" base
base_tree=$work/base
base_rev=$(git -C "$base_tree" rev-parse --short HEAD)
if [ -n "$head" ]; then
	checkout "$head" head
	head_tree=$work/head
	head_rev=$(git -C "$head_tree" rev-parse --short HEAD)
else
	head_tree=$repo
	head_rev="$(git rev-parse --short HEAD) (working tree)"
fi
echo "benchcmp: base $base_rev, head $head_rev, DIR=$dir -bench '$bench' -benchtime $benchtime, $count runs each" >&2
build "$base_tree" base
build "$head_tree" head

: >"$out/base.txt"
: >"$out/head.txt"
for i in $(seq "$count"); do
	echo "benchcmp: run $i/$count" >&2
	for side in base head; do
		if [ $side = base ]; then t=$base_tree; else t=$head_tree; fi
		(cd "$t/$dir" && "$work/$side.test" -test.run '^$' -test.bench "$bench" \
			-test.benchtime "$benchtime" -test.count 1) >>"$out/$side.txt"
	done
done

# benchstat and the gate as the nested module bench/ pins them (its go.mod,
# with golang.org/x/perf, so that the library's users inherit none of it);
# run in $out so that the columns are labelled base.txt and head.txt.
(cd "$repo/bench" && go build -o "$work/benchstat" golang.org/x/perf/cmd/benchstat &&
	go build -o "$work/benchgate" ./cmd/benchgate)
cd "$out"
echo
"$work/benchstat" base.txt head.txt || true
echo
status=0
"$work/benchgate" -max "$max" base.txt head.txt || status=$?
echo "benchcmp: results in $out" >&2
exit $status
