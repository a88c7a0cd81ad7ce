; The world switch (AMD APM Vol. 2, 15.5): VMRUN saves and restores only
; part of the host state, so the host's FS/GS/TR/LDTR and syscall MSRs go
; through VMSAVE/VMLOAD of a per-CPU host VMCB, and the guest's GPRs other
; than RAX and RSP (which the VMCB holds) through the vcpu's register array.

section .text
bits 64

; Offsets in the register array: enum gpr order (ModRM numbering).
%define R(n) (8 * (n))

; void svm_vmrun(uint64_t regs[16], uint64_t vmcb_pa, uint64_t host_vmcb_pa)
global svm_vmrun
svm_vmrun:
	push rbp
	mov rbp, rsp
	push rbx
	push r12
	push r13
	push r14
	push r15
	push rdi                        ; regs, for after the exit
	push rdx                        ; host VMCB

	clgi                            ; no interrupts or NMIs until host state is back
	sti                             ; but let physical interrupts make the guest exit
	mov rax, rdx
	vmsave

	mov rax, rsi                    ; guest VMCB stays in RAX for VMLOAD/VMRUN/VMSAVE
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

	vmload
	vmrun
	vmsave

	mov rax, [rsp + 8]              ; regs
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

	pop rax                         ; host VMCB
	vmload
	stgi                            ; a pending host interrupt is taken here...
	cli                             ; ...and the hypervisor runs with them off
	add rsp, 8                      ; regs
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret
