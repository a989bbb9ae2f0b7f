//go:build race || memword_asm

package memword

import (
	"runtime"

	"golang.org/x/sys/cpu"
)

// useLSE selects the ARMv8.1 atomic instructions (LDADDAL, CASAL) in
// memword_arm64.s; without them the assembly uses LDAXR/STLXR loops. The
// assembly does not read it when GOARM64 is v8.1 or later (GOARM64_LSE).
//
// x/sys/cpu reads the feature from the kernel's HWCAP on linux (and the ID
// registers on freebsd) but leaves it false on darwin and ios, which give
// no such register access; every Apple arm64 CPU has the ARMv8.1 atomics,
// and Go's own runtime enables them there too.
var useLSE = cpu.ARM64.HasATOMICS || runtime.GOOS == "darwin" || runtime.GOOS == "ios"
