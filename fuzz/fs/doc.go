// Package fs is the go-fuzz harness of the FuzzFS check: operation
// sequences on a shmfs.FS and on an os.Root over twin directories agree,
// result for result and tree for tree, and nothing outside the roots
// changes. Build it with fuzz/gofuzz.sh fs (the harness itself is behind
// the gofuzz build tag).
package fs
