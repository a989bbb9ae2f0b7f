#!/usr/bin/env bash
# gofuzz.sh TARGET [DURATION] runs go-fuzz (github.com/dvyukov/go-fuzz) on
# one of shmfs's fuzz targets for DURATION (default 10m, any timeout(1)
# duration), then turns every crasher into a `go test fuzz v1` seed under
# testdata/fuzz/ so that plain `go test` replays it.
#
# TARGET is ops, names, segment or fs: fuzz/TARGET holds the harness, which
# calls the same check (internal/fuzzcheck) as the native target FuzzOps,
# FuzzNames, FuzzSegment or FuzzFS in fuzz_test.go.
#
# go-fuzz-build needs github.com/dvyukov/go-fuzz/go-fuzz-dep in go.mod,
# which `go mod tidy` drops: the script adds it for the build and puts
# go.mod and go.sum back as they were, whatever happens.
#
# Environment:
#   GOFUZZ_WORKDIR  go-fuzz's workdir (corpus, crashers), kept between runs;
#                   default ~/.cache/shmfs-gofuzz/TARGET
#   GOFUZZ_PROCS    go-fuzz -procs (default 1)
#
# Exit status: 0 when go-fuzz ran and found nothing, 1 when it found
# crashers (converted into seeds), 2 on a usage or setup error.
set -euo pipefail

usage() {
	echo "usage: $0 ops|names|segment|fs [duration, default 10m]" >&2
	exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
target=$1
duration=${2:-10m}
case $target in
ops) native=FuzzOps ;;
names) native=FuzzNames ;;
segment) native=FuzzSegment ;;
fs) native=FuzzFS ;;
*) usage ;;
esac

cd "$(dirname "$0")/.."
repo=$(pwd)
export PATH="$PATH:$(go env GOPATH)/bin"
work=${GOFUZZ_WORKDIR:-${XDG_CACHE_HOME:-$HOME/.cache}/shmfs-gofuzz/$target}
mkdir -p "$work/corpus"

echo "== tools"
for pkg in github.com/dvyukov/go-fuzz/go-fuzz github.com/dvyukov/go-fuzz/go-fuzz-build golang.org/x/tools/cmd/file2fuzz; do
	if ! command -v "${pkg##*/}" >/dev/null; then
		echo "go install $pkg@latest"
		go install "$pkg@latest" || exit 2
	fi
done

echo "== build ($work/$target.zip)"
saved=$(mktemp -d)
cp go.mod go.sum "$saved/"
restore() {
	if [ -n "${saved:-}" ]; then
		cp "$saved/go.mod" "$saved/go.sum" "$repo/"
		rm -rf "$saved"
		saved=
	fi
}
trap restore EXIT
trap 'exit 2' INT TERM
go get github.com/dvyukov/go-fuzz/go-fuzz-dep@latest || exit 2
go-fuzz-build -o "$work/$target.zip" "./fuzz/$target" || exit 2
restore
git -C "$repo" diff --quiet -- go.mod go.sum 2>/dev/null || echo "warning: go.mod or go.sum differ from git (they were so before this run, or restoring failed)" >&2

echo "== seeds (testdata/fuzz/$native -> $work/corpus)"
go run ./fuzz/internal/fuzz2file -o "$work/corpus" "testdata/fuzz/$native"

echo "== go-fuzz for $duration"
rc=0
# Ctrl-C stops go-fuzz, and the crashers are still converted below.
trap 'echo "interrupted: stopping go-fuzz" >&2' INT
timeout -s INT -k 30s "$duration" go-fuzz -bin "$work/$target.zip" -workdir "$work" -procs "${GOFUZZ_PROCS:-1}" || rc=$?
trap 'exit 2' INT TERM
# The ops, names and fs harnesses keep their scratch files in one directory
# per process, emptied after each input.
rm -rf "${TMPDIR:-/tmp}/shmfs-gofuzz-$target-"*
case $rc in
0 | 124 | 130) ;; # stopped by timeout (SIGINT)
*)
	echo "go-fuzz exited with status $rc" >&2
	exit 2
	;;
esac

echo "== results"
echo "corpus: $(find "$work/corpus" -type f | wc -l) inputs in $work/corpus"
# A crasher is a file named by its hash; go-fuzz adds NAME.output (the
# panic) and NAME.quoted beside it.
mapfile -t crashers < <(find "$work/crashers" -type f ! -name '*.*' 2>/dev/null | sort)
if [ ${#crashers[@]} -eq 0 ]; then
	echo "no crashers"
	exit 0
fi
mkdir -p "testdata/fuzz/$native"
for c in "${crashers[@]}"; do
	out="testdata/fuzz/$native/gofuzz-$(basename "$c")"
	file2fuzz -o "$out" "$c"
	echo "crasher $c -> $out"
	sed -n '1,/^goroutine/p' "$c.output" 2>/dev/null | head -20 | sed 's/^/    /'
done
echo "${#crashers[@]} crasher(s): replay with: go test -run '^$native\$' ."
exit 1
