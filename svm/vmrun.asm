; The world switch (AMD APM Vol. 2, 15.5): VMRUN saves and restores only
; part of the host state, so the host's FS/GS/TR/LDTR and syscall MSRs go
; through VMSAVE/VMLOAD of a per-CPU host VMCB, and the guest's GPRs other
; than RAX and RSP (which the VMCB holds) through the vcpu's register array.

%include "hv/guest_gprs.inc"

section .text
bits 64

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
	LOAD_GUEST_GPRS rdi
	mov rdi, [rdi + GPR(7)]

	vmload
	vmrun
	vmsave

	mov rax, [rsp + 8]              ; regs
	SAVE_GUEST_GPRS rax

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
