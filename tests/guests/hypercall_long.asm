; The 64-bit half of the hypercall guest, run through longmode_call():
; full 64-bit arguments and results, and every register but RAX preserved.
; uint32_t hc_long_checks(uint32_t use_vmmcall) returns 0 or the failure
; code (the same numbers as hypercall.c's LONG_* codes).
section .text
bits 64

HC_VERSION     equ 0
HC_ECHO        equ 1
ABI_VERSION    equ 0x00010001
ENOSYS         equ 38

FAIL_LONG_VERSION equ 6
FAIL_LONG_ECHO    equ 7
FAIL_LONG_REGS    equ 8
FAIL_LONG_ENOSYS  equ 9

extern serial_puts64, serial_hex64

; The pattern every non-result register holds across a hypercall.
%macro LOAD_PATTERN 0
	mov rbx, 0x1111111111111111
	mov rcx, 0x2222222222222222
	mov rdx, 0x3333333333333333
	mov rsi, 0x4444444444444444
	mov rbp, 0x5555555555555555
	mov r8,  0x8888888888888888
	mov r9,  0x9999999999999999
	mov r10, 0xAAAAAAAAAAAAAAAA
	mov r11, 0xBBBBBBBBBBBBBBBB
	mov r12, 0xCCCCCCCCCCCCCCCC
	mov r13, 0xDDDDDDDDDDDDDDDD
	mov r14, 0xEEEEEEEEEEEEEEEE
	mov r15, 0xF0F0F0F0F0F0F0F0
%endmacro

; Compares one register with its pattern (RAX is borrowed and restored); on a
; difference jumps to .regs_bad.
%macro EXPECT 2
	mov [rel scratch], rax
	mov rax, %2
	cmp %1, rax
	mov rax, [rel scratch]
	jne .regs_bad
%endmacro

; RAX = number, RDI.. = arguments; the instruction the vendor wants.
%macro HYPERCALL 0
	cmp byte [rel use_vmmcall], 0
	je %%vmcall
	vmmcall
	jmp %%done
%%vmcall:
	vmcall
%%done:
%endmacro

global hc_long_checks
hc_long_checks:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [rel use_vmmcall], dil
	mov [rel saved_rsp], rsp

	mov eax, HC_VERSION
	HYPERCALL
	mov r12d, FAIL_LONG_VERSION
	mov rbx, ABI_VERSION            ; all 64 bits: no garbage above the version
	cmp rax, rbx
	jne .fail

	mov qword [rel echo_index], 0
.echo:
	mov rax, [rel echo_index]
	lea rdi, [rel echo_values]
	mov rdi, [rdi + rax]
	mov [rel echo_value], rdi
	LOAD_PATTERN
	mov eax, HC_ECHO
	HYPERCALL
	cmp rsp, [rel saved_rsp]
	jne .regs_bad
	cmp rax, [rel echo_value]
	jne .echo_bad
	cmp rdi, [rel echo_value]
	jne .regs_bad
	EXPECT rbx, 0x1111111111111111
	EXPECT rcx, 0x2222222222222222
	EXPECT rdx, 0x3333333333333333
	EXPECT rsi, 0x4444444444444444
	EXPECT rbp, 0x5555555555555555
	EXPECT r8,  0x8888888888888888
	EXPECT r9,  0x9999999999999999
	EXPECT r10, 0xAAAAAAAAAAAAAAAA
	EXPECT r11, 0xBBBBBBBBBBBBBBBB
	EXPECT r12, 0xCCCCCCCCCCCCCCCC
	EXPECT r13, 0xDDDDDDDDDDDDDDDD
	EXPECT r14, 0xEEEEEEEEEEEEEEEE
	EXPECT r15, 0xF0F0F0F0F0F0F0F0
	add qword [rel echo_index], 8
	cmp qword [rel echo_index], echo_values_end - echo_values
	jb .echo

.unknown:
	lea r14, [rel unknown_numbers]
.unknown_next:
	mov eax, [r14]                  ; zero-extends into RAX
	HYPERCALL
	mov r12d, FAIL_LONG_ENOSYS
	cmp rax, -ENOSYS                ; sign-extended: all 64 bits
	jne .fail
	add r14, 4
	lea rax, [rel unknown_numbers_end]
	cmp r14, rax
	jb .unknown_next
	xor eax, eax
	jmp .out

.echo_bad:
	mov r12d, FAIL_LONG_ECHO
	jmp .fail
.regs_bad:
	mov rsp, [rel saved_rsp]
	lea rdi, [rel msg_regs]
	call serial_puts64
	mov eax, FAIL_LONG_REGS
	jmp .out
.fail:
	mov [rel bad_rax], rax
	lea rdi, [rel msg_rax]
	call serial_puts64
	mov rdi, [rel bad_rax]
	call serial_hex64
	lea rdi, [rel msg_nl]
	call serial_puts64
	mov eax, r12d
.out:
	mov rsp, [rel saved_rsp]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .rodata
align 8
echo_values:
	dq 0, 1, 0xFFFFFFFF, 0x100000000, 0xFEDCBA9876543210, 0x8000000000000000, -1
echo_values_end:
unknown_numbers:
	dd 0x1000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF
unknown_numbers_end:
msg_rax: db "hypercall: long mode: RAX after the failing call is 0x", 0
msg_nl:  db 10, 0
msg_regs: db "hypercall: long mode: HC_ECHO changed a register other than RAX", 10, 0

section .bss
alignb 8
saved_rsp:   resq 1
echo_value:  resq 1
echo_index:  resq 1
scratch:     resq 1
bad_rax:     resq 1
use_vmmcall: resb 1
