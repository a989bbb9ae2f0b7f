#!/usr/bin/env bash
# modgraph.sh: check what a user of the library inherits.
#
# Makes a scratch module in a temporary directory that imports only
# github.com/shmfs/shmfs (replaced by this checkout), runs go mod tidy and
# `go list -m all` there, and fails unless the list is exactly the library
# and golang.org/x/sys. Tools with other dependencies (the benchmark gate,
# benchstat, golang.org/x/exp/mmap) live in the nested module bench/.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/shmfs-modgraph.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

cat >"$scratch/go.mod" <<MOD
module example.com/shmfsuser

go 1.25.0

require github.com/shmfs/shmfs v0.0.0

replace github.com/shmfs/shmfs => $repo
MOD
cat >"$scratch/main.go" <<'GO'
package main

import (
	"fmt"

	"github.com/shmfs/shmfs"
)

func main() {
	f, err := shmfs.MemFile("modgraph")
	fmt.Println(f, err)
}
GO
(cd "$scratch" && go mod tidy && go build -o /dev/null . )
got=$(cd "$scratch" && go list -m -f '{{.Path}}' all | sed 1d | sort)
want=$(printf '%s\n' github.com/shmfs/shmfs golang.org/x/sys)
echo "modgraph: a module that requires only github.com/shmfs/shmfs has beside it:"
(cd "$scratch" && go list -m all | sed 1d | sed 's/^/  /')
if [ "$got" != "$want" ]; then
	echo "modgraph: want exactly github.com/shmfs/shmfs and golang.org/x/sys" >&2
	exit 1
fi
