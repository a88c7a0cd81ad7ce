; lapic: the local APIC at 0xfee00000: software enable, self-IPIs through
; the ICR delivered by priority class with nesting and EOI order, TPR
; blocking, and the timer in one-shot, periodic and TSC-deadline modes.
%include "tests/guests/asm/common.inc"

APIC        equ 0xfee00000
TPR         equ APIC + 0x80
PPR         equ APIC + 0xa0
EOI         equ APIC + 0xb0
SVR         equ APIC + 0xf0
ISR2        equ APIC + 0x120             ; vectors 64-95
ICR_LOW     equ APIC + 0x300
LVT_TIMER   equ APIC + 0x320
TIMER_INIT  equ APIC + 0x380
TIMER_CUR   equ APIC + 0x390
TIMER_DIV   equ APIC + 0x3e0
SELF        equ 1 << 18                  ; destination shorthand: self

section .text
%macro SELF_IPI 1
	mov dword [ICR_LOW], SELF | %1
%endmacro

%macro COUNT 1                            ; eax = times vector %1 arrived
	mov eax, [vector_count + %1 * 4]
%endmacro

global guest_main
guest_main:
	SAY "lapic: disabled by SVR, a self-IPI waits"
	cli
	SELF_IPI 0x41
	sti
	nop
	cli
	COUNT 0x41
	cmp eax, 0
	FAIL_UNLESS e, 1

	SAY "lapic: enabled: priority order and nesting"
	mov dword [SVR], 0x1ff               ; enable, spurious vector 0xff
	sti                                  ; 0x41 (pending since before) arrives
	nop
	cli
	COUNT 0x41
	cmp eax, 1
	FAIL_UNLESS e, 2
	mov dword [EOI], 0
	mov dword [vector_log_len], 0
	SELF_IPI 0x45                        ; class 4
	SELF_IPI 0x92                        ; class 9: must come first
	SELF_IPI 0x91                        ; same class, lower vector
	sti
	nop                                  ; 0x92 arrives; handler does no EOI
	nop
	cli
	movzx eax, byte [vector_log]
	cmp eax, 0x92
	FAIL_UNLESS e, 3
	cmp dword [vector_log_len], 1        ; 0x91, 0x45 blocked by 0x92 in service
	FAIL_UNLESS e, 4
	mov dword [EOI], 0                   ; ends 0x92: 0x91 next
	sti
	nop
	cli
	movzx eax, byte [vector_log + 1]
	cmp eax, 0x91
	FAIL_UNLESS e, 5
	mov dword [EOI], 0
	sti
	nop
	cli
	movzx eax, byte [vector_log + 2]
	cmp eax, 0x45
	FAIL_UNLESS e, 6
	mov eax, [ISR2]                      ; 0x45 is in service
	test eax, 1 << (0x45 - 0x40)
	FAIL_UNLESS nz, 7
	mov dword [EOI], 0
	mov eax, [ISR2]
	test eax, 1 << (0x45 - 0x40)
	FAIL_UNLESS z, 8

	SAY "lapic: TPR holds back lower classes"
	mov dword [TPR], 0x60
	SELF_IPI 0x55
	sti
	nop
	cli
	COUNT 0x55
	cmp eax, 0
	FAIL_UNLESS e, 9
	mov eax, [PPR]
	cmp eax, 0x60
	FAIL_UNLESS e, 10
	mov dword [TPR], 0
	sti
	nop
	cli
	COUNT 0x55
	cmp eax, 1
	FAIL_UNLESS e, 11
	mov dword [EOI], 0

	SAY "lapic: one-shot timer fires once"
	mov dword [TIMER_DIV], 0xb           ; divide by 1
	mov dword [LVT_TIMER], 0x60          ; one-shot, vector 0x60
	mov dword [TIMER_INIT], 0xffffffff   ; ~4 s: counting down, whatever the load
	mov eax, [TIMER_CUR]
	cmp eax, 0
	FAIL_UNLESS a, 12
	cmp eax, 0xffffffff
	FAIL_UNLESS be, 12
	mov dword [TIMER_INIT], 2000000      ; 2 ms (a new count restarts it)
	sti
.wait_oneshot:
	hlt
	cmp dword [vector_count + 0x60 * 4], 0
	je .wait_oneshot
	cli
	mov dword [EOI], 0
	mov ecx, 20000000                    ; a while longer: no second one
	sti
.spin:
	loop .spin
	cli
	COUNT 0x60
	cmp eax, 1
	FAIL_UNLESS e, 13
	mov eax, [TIMER_CUR]
	cmp eax, 0
	FAIL_UNLESS e, 14

	SAY "lapic: the timer's rate agrees with the TSC (CPUID 0x40000010)"
	mov eax, 0x40000010
	cpuid
	cmp ebx, 1000000                     ; bus clock: 1 GHz in kHz
	FAIL_UNLESS e, 20
	mov [tsc_khz], eax
	mov dword [LVT_TIMER], 0x63          ; one-shot
	rdtsc
	mov [tsc_start], eax
	mov [tsc_start + 4], edx
	mov dword [TIMER_INIT], 5000000      ; 5 ms
	sti
.wait_rate:
	hlt
	cmp dword [vector_count + 0x63 * 4], 0
	je .wait_rate
	cli
	rdtsc
	sub eax, [tsc_start]
	sbb edx, [tsc_start + 4]
	mov ecx, [tsc_khz]                   ; ms = cycles / kHz
	div ecx
	mov dword [EOI], 0
	; Never early; late only within reason (a loaded machine delays the
	; exits, a wrong divider or unit would be off by orders of magnitude).
	cmp eax, 4
	FAIL_UNLESS ae, 21
	cmp eax, 5000
	FAIL_UNLESS b, 22

	SAY "lapic: periodic timer keeps firing"
	mov dword [LVT_TIMER], (1 << 17) | 0x61
	mov dword [TIMER_INIT], 1000000      ; every 1 ms
	mov esi, 10
.periodic:
	cli
	mov dword [EOI], 0
	sti
	hlt
	dec esi
	jnz .periodic
	cli
	mov dword [EOI], 0
	COUNT 0x61
	cmp eax, 9
	FAIL_UNLESS ae, 15
	mov dword [LVT_TIMER], 1 << 16       ; masked: stops
	mov dword [TIMER_INIT], 0

	SAY "lapic: TSC-deadline timer"
	mov eax, 1
	cpuid
	test ecx, 1 << 24
	FAIL_UNLESS nz, 16
	mov dword [LVT_TIMER], (2 << 17) | 0x62
	rdtsc
	add eax, 3000000
	adc edx, 0
	mov ecx, 0x6e0
	wrmsr
	; A periodic tick raised just before the timer was masked may still
	; come first (same priority class): end each interrupt while waiting.
.wait_deadline:
	cli
	mov dword [EOI], 0
	sti
	hlt
	cmp dword [vector_count + 0x62 * 4], 0
	je .wait_deadline
	cli
	mov dword [EOI], 0
	mov ecx, 0x6e0                       ; fired: the deadline reads 0
	rdmsr
	or eax, edx
	FAIL_UNLESS z, 17

	SAY "lapic: all good"
	xor eax, eax
	ret

section .data
tsc_khz: dd 0
tsc_start: dq 0
