//go:build race || memword_asm

package memword

import "testing"

// forEachPath runs f once per code path of the arm64 assembly this CPU can
// run: the ARMv8.1 atomics if it has them, and the LDAXR/STLXR loops. With
// GOARM64 v8.1 or later the assembly has no loops, so there is one path.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	modes := []bool{useLSE}
	if useLSE && !goarm64LSE {
		modes = append(modes, false)
	}
	for _, lse := range modes {
		name := "llsc"
		if lse {
			name = "lse"
		}
		t.Run(name, func(t *testing.T) {
			old := useLSE
			useLSE = lse
			defer func() { useLSE = old }()
			f(t)
		})
	}
}
