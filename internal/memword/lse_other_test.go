//go:build !arm64 || !(race || memword_asm)

package memword

import "testing"

// forEachPath runs f once: there is one code path here.
func forEachPath(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	f(t)
}
