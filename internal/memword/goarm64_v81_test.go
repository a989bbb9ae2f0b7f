//go:build arm64.v8.1

package memword

// goarm64LSE reports whether the build assumes the ARMv8.1 atomics
// (GOARM64=v8.1 or later), in which case the assembly has no fallback.
const goarm64LSE = true
