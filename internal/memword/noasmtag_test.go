//go:build !memword_asm

package memword

const asmTag = false
