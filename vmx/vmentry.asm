; The VMX world switch (SDM Vol. 3C, 26 and 27): VM entry loads the guest's
; RSP, RIP, RFLAGS, control and segment registers from the VMCS and a VM
; exit loads the host's; the other GPRs are ours to switch, through the
; vcpu's register array. The host RSP in the VMCS is written right before
; each entry, so a VM exit lands at vmx_exit_entry on this very stack frame.

section .text
bits 64

%define R(n) (8 * (n))          ; offsets in regs[]: enum gpr (ModRM) order
%define VMCS_HOST_RSP 0x6c14

; int vmx_enter(uint64_t regs[16], int launched)
;   0: a VM exit happened (regs[] holds the guest's GPRs, RSP excepted)
;   1: VMfailInvalid, 2: VMfailValid (VMLAUNCH/VMRESUME refused)
global vmx_enter
vmx_enter:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	pushfq                          ; a VM exit clears RFLAGS (IF included)
	push rdi                        ; regs, for after the exit

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp                ; the exit comes back with RSP -> regs

	test esi, esi                   ; MOVs below keep this ZF
	mov rax, [rdi + R(0)]
	mov rcx, [rdi + R(1)]
	mov rdx, [rdi + R(2)]
	mov rbx, [rdi + R(3)]
	mov rbp, [rdi + R(5)]
	mov rsi, [rdi + R(6)]
	mov r8,  [rdi + R(8)]
	mov r9,  [rdi + R(9)]
	mov r10, [rdi + R(10)]
	mov r11, [rdi + R(11)]
	mov r12, [rdi + R(12)]
	mov r13, [rdi + R(13)]
	mov r14, [rdi + R(14)]
	mov r15, [rdi + R(15)]
	mov rdi, [rdi + R(7)]
	jnz .resume
	vmlaunch
	jmp .failed
.resume:
	vmresume
.failed:
	; Still here: the instruction failed. ZF: VMfailValid, CF: VMfailInvalid.
	mov eax, 2
	jz vmx_enter_done
	mov eax, 1
	jmp vmx_enter_done

global vmx_exit_entry
vmx_exit_entry:
	push rax                        ; guest RAX; [rsp + 8] is regs
	mov rax, [rsp + 8]
	mov [rax + R(1)], rcx
	mov [rax + R(2)], rdx
	mov [rax + R(3)], rbx
	mov [rax + R(5)], rbp
	mov [rax + R(6)], rsi
	mov [rax + R(7)], rdi
	mov [rax + R(8)], r8
	mov [rax + R(9)], r9
	mov [rax + R(10)], r10
	mov [rax + R(11)], r11
	mov [rax + R(12)], r12
	mov [rax + R(13)], r13
	mov [rax + R(14)], r14
	mov [rax + R(15)], r15
	pop rcx
	mov [rax + R(0)], rcx
	xor eax, eax
vmx_enter_done:
	add rsp, 8                      ; regs
	popfq
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
