// Package bench compares shmfs with other mmap packages
// (golang.org/x/exp/mmap), *os.File and copy() from a Go slice. It is a
// module of its own, so that the library's users inherit none of these
// dependencies; the benchmarks are in its _test.go files. See
// ../benchdata/README.md for how to run them.
package bench
