//go:build race || memword_asm

#include "textflag.h"

// The instructions of sync/atomic on amd64 (internal/runtime/atomic): x86
// loads are acquire and stores through XCHG are sequentially consistent, so
// MOV loads with XCHG stores and LOCKed read-modify-writes give sequential
// consistency, the same as C's __atomic_* with __ATOMIC_SEQ_CST.

// func Load32(p *uint32) uint32
TEXT ·Load32(SB), NOSPLIT, $0-12
	MOVQ	p+0(FP), AX
	MOVL	0(AX), AX
	MOVL	AX, ret+8(FP)
	RET

// func Store32(p *uint32, v uint32)
TEXT ·Store32(SB), NOSPLIT, $0-12
	MOVQ	p+0(FP), BX
	MOVL	v+8(FP), AX
	XCHGL	AX, 0(BX)
	RET

// func Add32(p *uint32, delta uint32) (new uint32)
TEXT ·Add32(SB), NOSPLIT, $0-20
	MOVQ	p+0(FP), BX
	MOVL	delta+8(FP), AX
	MOVL	AX, CX
	LOCK
	XADDL	AX, 0(BX)
	ADDL	CX, AX
	MOVL	AX, new+16(FP)
	RET

// func Cas32(p *uint32, old, new uint32) (swapped bool)
TEXT ·Cas32(SB), NOSPLIT, $0-17
	MOVQ	p+0(FP), BX
	MOVL	old+8(FP), AX
	MOVL	new+12(FP), CX
	LOCK
	CMPXCHGL	CX, 0(BX)
	SETEQ	swapped+16(FP)
	RET

// func Load64(p *uint64) uint64
TEXT ·Load64(SB), NOSPLIT, $0-16
	MOVQ	p+0(FP), AX
	MOVQ	0(AX), AX
	MOVQ	AX, ret+8(FP)
	RET

// func Store64(p *uint64, v uint64)
TEXT ·Store64(SB), NOSPLIT, $0-16
	MOVQ	p+0(FP), BX
	MOVQ	v+8(FP), AX
	XCHGQ	AX, 0(BX)
	RET

// func Add64(p *uint64, delta uint64) (new uint64)
TEXT ·Add64(SB), NOSPLIT, $0-24
	MOVQ	p+0(FP), BX
	MOVQ	delta+8(FP), AX
	MOVQ	AX, CX
	LOCK
	XADDQ	AX, 0(BX)
	ADDQ	CX, AX
	MOVQ	AX, new+16(FP)
	RET

// func Cas64(p *uint64, old, new uint64) (swapped bool)
TEXT ·Cas64(SB), NOSPLIT, $0-25
	MOVQ	p+0(FP), BX
	MOVQ	old+8(FP), AX
	MOVQ	new+16(FP), CX
	LOCK
	CMPXCHGQ	CX, 0(BX)
	SETEQ	swapped+24(FP)
	RET
