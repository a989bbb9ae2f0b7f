// Package memword gives shmfs sequentially consistent 32- and 64-bit
// atomics on words of a shared mapping that stay fault-safe in every
// build, including race builds.
//
// # Why it exists
//
// shmfs guards each touch of mapped memory with debug.SetPanicOnFault and a
// deferred recover: when a peer truncates the object, the page under the
// mapping is gone, the access raises SIGBUS (or SIGSEGV), and the runtime
// turns that into a recoverable panic whose value has an Addr() uintptr
// method. That only works while the faulting instruction is Go code running
// on the goroutine's own stack.
//
// In a race build (-race) sync/atomic does not execute the operation in Go
// code: it switches to the g0 stack and runs it inside the race runtime's C
// code (ThreadSanitizer). The race runtime probes the address with a plain
// Go load first, so a word whose page is already gone does fault
// recoverably; but if a peer truncates between that probe and the
// operation, the fault lands in C code, cannot become a Go panic, and the
// process dies. A peer truncating and regrowing the object while the other
// side runs atomics in a loop brings down a race-built test binary
// reliably (TestFaultConcurrentTruncate, run on sync/atomic).
//
// memword's functions do the same operations with the same instructions as
// sync/atomic, but in race builds on amd64 and arm64 they are small Go
// assembly functions. The race detector does not instrument assembly, so
// the operation runs in Go code on the goroutine's stack, and a fault in it
// is recovered like any other fault under SetPanicOnFault.
//
// # What each build uses
//
//   - Non-race builds (every GOOS/GOARCH): inlinable wrappers around
//     sync/atomic, compiled to the same code as calling sync/atomic directly.
//   - Race builds on amd64 and arm64: assembly. amd64: MOV for loads,
//     XCHG for stores, LOCK XADD, LOCK CMPXCHG. arm64: LDAR and STLR for
//     loads and stores; LDADDAL and CASAL when the CPU has the ARMv8.1 atomics
//     (golang.org/x/sys/cpu's ARM64.HasATOMICS, always assumed on darwin and
//     ios, skipped entirely when GOARM64 is v8.1 or later), otherwise an
//     LDAXR/STLXR loop. These are the instructions sync/atomic uses, with its
//     sequentially consistent semantics, so C code using __atomic_* builtins
//     with __ATOMIC_SEQ_CST on the same bytes cooperates.
//   - The build tag memword_asm forces the assembly on amd64 and arm64 in a
//     non-race build too; it exists so that the assembly can be tested
//     without the race runtime (for instance on arm64 under qemu-user).
//   - Race builds on other GOARCHes (ppc64le, s390x, loong64, riscv64, ...):
//     sync/atomic, and FaultSafe is false. There a peer's truncate racing an
//     operation can kill the process; callers should refuse atomics on a
//     mapping, or accept the risk, when FaultSafe is false.
//
// The race detector sees nothing of what the assembly does. On mapped
// memory that loses nothing, since the race runtime neither tracks accesses
// to nor synchronizes on addresses outside the Go heap and data. On Go heap
// memory use sync/atomic instead: the happens-before edges these
// operations create would be invisible to the race detector.
//
// Pointers must be aligned to the word's size, as for sync/atomic; a
// misaligned pointer is not checked for (it may fault on arm64, like
// sync/atomic, and on 386 sync/atomic panics on misaligned 64-bit words).
// On 32-bit mips, sync/atomic implements 64-bit operations with a
// process-local spin lock: they are atomic only against the same process,
// not against another process sharing the mapping.
//
// # Testing
//
// go test runs the wrappers; go test -race runs the assembly on amd64 and
// arm64 (the wrappers elsewhere); -tags memword_asm runs the assembly
// without the race runtime.
// On arm64 the tests run every path the CPU has: the ARMv8.1 atomics and
// the LDAXR/STLXR loops. To test arm64 on an amd64 machine with qemu-user:
//
//	GOARCH=arm64 go test -c -tags memword_asm -o memword.arm64.test
//	MEMWORD_TEST_QEMU_USER=1 qemu-aarch64-static -cpu max memword.arm64.test
//	MEMWORD_TEST_QEMU_USER=1 qemu-aarch64-static -cpu cortex-a53 memword.arm64.test
//
// (cortex-a53 has no ARMv8.1 atomics.) MEMWORD_TEST_QEMU_USER=1 accepts
// faults without an address, which is how qemu-user delivers SIGBUS. A
// linux/arm64 -race binary builds with a cross C compiler but does not run
// under qemu-user: ThreadSanitizer needs a 48-bit address space.
package memword
