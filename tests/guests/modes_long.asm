; void modes_long_finish(uint32_t verdict_so_far), called in 64-bit mode by
; longmode_call(); never returns. Checks what only long mode does, then
; writes the verdict from 64-bit code.
section .text
bits 64

MSR_EFER  equ 0xC0000080
EFER_LMA  equ 1 << 10
VERDICT   equ 0xF4

; Failure codes, continuing modes.c's FAIL_* list.
FAIL_LMA          equ 20
FAIL_WIDE_ROTATE  equ 21
FAIL_RIP_RELATIVE equ 22
FAIL_PUSH_WIDTH   equ 23
FAIL_REX_REGS     equ 24
FAIL_ZERO_EXTEND  equ 25

extern serial_puts64, serial_hex64

; Records the first failure: R12D holds the verdict.
%macro FAIL_IF_NE 1
	je %%ok
	test r12d, r12d
	jnz %%ok
	mov r12d, %1
%%ok:
%endmacro

global modes_long_finish
modes_long_finish:
	mov r12d, edi
	lea rdi, [rel msg_enter]
	call serial_puts64

	mov ecx, MSR_EFER               ; EFER.LMA: the CPU says IA-32e mode is active
	rdmsr
	test eax, EFER_LMA
	setnz al
	cmp al, 1
	FAIL_IF_NE FAIL_LMA

	mov rax, 0x123456789ABCDEF0     ; a 64-bit rotate sees all 64 bits
	ror rax, 32
	mov rbx, 0x9ABCDEF012345678
	cmp rax, rbx
	FAIL_IF_NE FAIL_WIDE_ROTATE

	lea rax, [rel modes_long_finish] ; RIP-relative (disp32 from the next
	mov ebx, modes_long_finish       ; instruction) equals the absolute address
	cmp rax, rbx                     ; (below 4 GiB; the 32-bit move zero-extends)
	FAIL_IF_NE FAIL_RIP_RELATIVE

	mov rbx, rsp                    ; PUSH moves RSP by 8
	push rax
	sub rbx, rsp
	pop rax
	cmp rbx, 8
	FAIL_IF_NE FAIL_PUSH_WIDTH

	mov r15, -1                     ; R8-R15 exist and are 64 bits wide
	mov r8d, 1
	add r15, r8
	cmp r15, 0
	FAIL_IF_NE FAIL_REX_REGS

	mov rax, -1                     ; a 32-bit write clears bits 63:32
	mov eax, 1
	cmp rax, 1
	FAIL_IF_NE FAIL_ZERO_EXTEND

	lea rdi, [rel msg_verdict]
	call serial_puts64
	mov edi, r12d
	call serial_hex64
	lea rdi, [rel msg_pass]
	test r12d, r12d
	jz .say
	lea rdi, [rel msg_fail]
.say:
	call serial_puts64
	mov eax, r12d
	out VERDICT, eax
.stop:
	cli
	hlt
	jmp .stop

section .rodata
msg_enter:   db "modes: in long mode (64-bit code), checking EFER.LMA, 64-bit ops, RIP-relative, REX", 10, 0
msg_verdict: db "modes: verdict from 64-bit code 0x", 0
msg_pass:    db " (PASS)", 10, 0
msg_fail:    db " (FAIL)", 10, 0
