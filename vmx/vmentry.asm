; The VMX world switch (SDM Vol. 3C, 26 and 27): VM entry loads the guest's
; RSP, RIP, RFLAGS, control and segment registers from the VMCS and a VM
; exit loads the host's; the other GPRs are ours to switch, through the
; vcpu's register array. The host RSP in the VMCS is written right before
; each entry, so a VM exit lands at vmx_exit_entry on this very stack frame.

%include "hv/guest_gprs.inc"

section .text
bits 64
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
	mov rax, [rdi + GPR(0)]
	LOAD_GUEST_GPRS rdi
	mov rdi, [rdi + GPR(7)]
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
	SAVE_GUEST_GPRS rax
	pop rcx
	mov [rax + GPR(0)], rcx
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
