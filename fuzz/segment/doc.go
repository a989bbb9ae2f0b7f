// Package segment is the go-fuzz harness of the FuzzSegment check: an
// operation sequence on a System V segment must behave as fuzzcheck.Fixed,
// a model of a fixed-size file. Build it with fuzz/gofuzz.sh segment (the
// harness itself is behind the gofuzz build tag).
package segment
