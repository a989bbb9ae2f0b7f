//go:build race || memword_asm

#include "textflag.h"

// The instructions of sync/atomic on arm64 (internal/runtime/atomic):
// LDAR/STLR for loads and stores, LDADDAL/CASAL when the CPU has the
// ARMv8.1 atomics, LDAXR/STLXR loops otherwise. All are sequentially
// consistent, as C's __atomic_* with __ATOMIC_SEQ_CST (which compile to the
// same instructions).
//
// 32-bit arguments are loaded with MOVWU (zero-extending) and compared with
// CMPW, so values with the top bit set compare correctly.

// func Load32(p *uint32) uint32
TEXT ·Load32(SB), NOSPLIT, $0-12
	MOVD	p+0(FP), R0
	LDARW	(R0), R0
	MOVW	R0, ret+8(FP)
	RET

// func Store32(p *uint32, v uint32)
TEXT ·Store32(SB), NOSPLIT, $0-12
	MOVD	p+0(FP), R0
	MOVWU	v+8(FP), R1
	STLRW	R1, (R0)
	RET

// func Add32(p *uint32, delta uint32) (new uint32)
TEXT ·Add32(SB), NOSPLIT, $0-20
	MOVD	p+0(FP), R0
	MOVWU	delta+8(FP), R1
#ifndef GOARM64_LSE
	MOVBU	·useLSE(SB), R4
	CBZ	R4, llsc
#endif
	LDADDALW	R1, (R0), R2
	ADDW	R1, R2, R2
	MOVW	R2, new+16(FP)
	RET
#ifndef GOARM64_LSE
llsc:
	LDAXRW	(R0), R2
	ADDW	R1, R2, R2
	STLXRW	R2, (R0), R3
	CBNZ	R3, llsc
	MOVW	R2, new+16(FP)
	RET
#endif

// func Cas32(p *uint32, old, new uint32) (swapped bool)
TEXT ·Cas32(SB), NOSPLIT, $0-17
	MOVD	p+0(FP), R0
	MOVWU	old+8(FP), R1
	MOVWU	new+12(FP), R2
#ifndef GOARM64_LSE
	MOVBU	·useLSE(SB), R4
	CBZ	R4, llsc
#endif
	MOVD	R1, R3
	CASALW	R3, (R0), R2
	CMPW	R1, R3
	CSET	EQ, R0
	MOVB	R0, swapped+16(FP)
	RET
#ifndef GOARM64_LSE
llsc:
	LDAXRW	(R0), R3
	CMPW	R1, R3
	BNE	done
	STLXRW	R2, (R0), R3
	CBNZ	R3, llsc
done:
	// The flags are still those of CMPW: EQ if and only if swapped.
	CSET	EQ, R0
	MOVB	R0, swapped+16(FP)
	RET
#endif

// func Load64(p *uint64) uint64
TEXT ·Load64(SB), NOSPLIT, $0-16
	MOVD	p+0(FP), R0
	LDAR	(R0), R0
	MOVD	R0, ret+8(FP)
	RET

// func Store64(p *uint64, v uint64)
TEXT ·Store64(SB), NOSPLIT, $0-16
	MOVD	p+0(FP), R0
	MOVD	v+8(FP), R1
	STLR	R1, (R0)
	RET

// func Add64(p *uint64, delta uint64) (new uint64)
TEXT ·Add64(SB), NOSPLIT, $0-24
	MOVD	p+0(FP), R0
	MOVD	delta+8(FP), R1
#ifndef GOARM64_LSE
	MOVBU	·useLSE(SB), R4
	CBZ	R4, llsc
#endif
	LDADDALD	R1, (R0), R2
	ADD	R1, R2, R2
	MOVD	R2, new+16(FP)
	RET
#ifndef GOARM64_LSE
llsc:
	LDAXR	(R0), R2
	ADD	R1, R2, R2
	STLXR	R2, (R0), R3
	CBNZ	R3, llsc
	MOVD	R2, new+16(FP)
	RET
#endif

// func Cas64(p *uint64, old, new uint64) (swapped bool)
TEXT ·Cas64(SB), NOSPLIT, $0-25
	MOVD	p+0(FP), R0
	MOVD	old+8(FP), R1
	MOVD	new+16(FP), R2
#ifndef GOARM64_LSE
	MOVBU	·useLSE(SB), R4
	CBZ	R4, llsc
#endif
	MOVD	R1, R3
	CASALD	R3, (R0), R2
	CMP	R1, R3
	CSET	EQ, R0
	MOVB	R0, swapped+24(FP)
	RET
#ifndef GOARM64_LSE
llsc:
	LDAXR	(R0), R3
	CMP	R1, R3
	BNE	done
	STLXR	R2, (R0), R3
	CBNZ	R3, llsc
done:
	// The flags are still those of CMP: EQ if and only if swapped.
	CSET	EQ, R0
	MOVB	R0, swapped+24(FP)
	RET
#endif
