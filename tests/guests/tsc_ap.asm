; tsc's second vCPU: started by INIT/SIPI in real mode at the trampoline's
; copy, it reads its TSC once, leaves it in the trampoline's mailbox for
; vCPU 0 and stops.
section .text
bits 16
global tsc_ap_trampoline, tsc_ap_trampoline_end, tsc_ap_mailbox
tsc_ap_trampoline:
	cli
	mov ax, cs
	mov ds, ax
	rdtsc
	mov [tsc_ap_mailbox - tsc_ap_trampoline], eax
	mov [tsc_ap_mailbox - tsc_ap_trampoline + 4], edx
	mov dword [tsc_ap_mailbox - tsc_ap_trampoline + 8], 1
.stop:
	cli
	hlt
	jmp .stop
align 4
tsc_ap_mailbox:                    ; TSC low, high, done
	dd 0, 0, 0
tsc_ap_trampoline_end:
