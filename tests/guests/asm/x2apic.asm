; x2apic: the local APIC as MSRs: #GP before x2APIC mode is entered, then
; the ID, version and TPR registers, a self-IPI through the SELF IPI MSR and
; one through the 64-bit ICR, EOI by MSR, the timer, and no way back.
%include "tests/guests/asm/common.inc"

APIC_BASE   equ 0x1b
X_ID        equ 0x802
X_VERSION   equ 0x803
X_TPR       equ 0x808
X_EOI       equ 0x80b
X_SVR       equ 0x80f
X_ICR       equ 0x830
X_LVT_TIMER equ 0x832
X_TIMER_INIT equ 0x838
X_SELF_IPI  equ 0x83f
VEC_GP      equ 13

section .text
%macro WRMSR_ 3                          ; msr, edx, eax
	mov ecx, %1
	mov edx, %2
	mov eax, %3
	wrmsr
%endmacro

global guest_main
guest_main:
	SAY "x2apic: CPUID offers it; MSRs #GP while in xAPIC mode"
	mov eax, 1
	cpuid
	test ecx, 1 << 21
	FAIL_UNLESS nz, 1
	mov ecx, X_ID
	EXPECT_SKIP 2
	rdmsr
	cmp dword [vector_count + VEC_GP * 4], 1
	FAIL_UNLESS e, 2
	mov dword [vector_count + VEC_GP * 4], 0

	SAY "x2apic: entering x2APIC mode through IA32_APIC_BASE.EXTD"
	mov ecx, APIC_BASE
	rdmsr
	or eax, 1 << 10
	wrmsr
	mov ecx, APIC_BASE
	rdmsr
	test eax, 1 << 10
	FAIL_UNLESS nz, 3
	mov ecx, X_ID
	rdmsr
	cmp eax, 0                           ; vCPU 0
	FAIL_UNLESS e, 4
	mov ecx, X_VERSION
	rdmsr
	and eax, 0xff
	cmp eax, 0x14
	FAIL_UNLESS e, 5
	cmp dword [vector_count + VEC_GP * 4], 0
	FAIL_UNLESS e, 6

	SAY "x2apic: self-IPIs by the SELF IPI MSR and the 64-bit ICR"
	WRMSR_ X_SVR, 0, 0x1ff
	cli
	WRMSR_ X_SELF_IPI, 0, 0x70
	WRMSR_ X_ICR, 0, (1 << 18) | 0x71     ; shorthand self
	sti
	nop
	cli
	cmp dword [vector_count + 0x71 * 4], 1  ; 0x71 first (higher), nested? no EOI yet
	FAIL_UNLESS e, 7
	WRMSR_ X_EOI, 0, 0
	sti
	nop
	cli
	cmp dword [vector_count + 0x70 * 4], 1
	FAIL_UNLESS e, 8
	WRMSR_ X_EOI, 0, 0

	SAY "x2apic: TPR and the timer through MSRs"
	WRMSR_ X_TPR, 0, 0x80
	mov ecx, X_TPR
	rdmsr
	cmp eax, 0x80
	FAIL_UNLESS e, 9
	WRMSR_ X_TPR, 0, 0
	WRMSR_ X_LVT_TIMER, 0, 0x72
	WRMSR_ X_TIMER_INIT, 0, 1000000
	sti
.wait:
	hlt
	cmp dword [vector_count + 0x72 * 4], 0
	je .wait
	cli
	WRMSR_ X_EOI, 0, 0

	SAY "x2apic: reserved bits and leaving x2APIC mode raise #GP"
	mov ecx, X_TPR
	mov edx, 1                           ; upper half reserved
	xor eax, eax
	EXPECT_SKIP 2
	wrmsr
	cmp dword [vector_count + VEC_GP * 4], 1
	FAIL_UNLESS e, 10
	mov ecx, APIC_BASE
	rdmsr
	and eax, ~(1 << 10)
	EXPECT_SKIP 2
	wrmsr
	cmp dword [vector_count + VEC_GP * 4], 2
	FAIL_UNLESS e, 11

	SAY "x2apic: all good"
	xor eax, eax
	ret
