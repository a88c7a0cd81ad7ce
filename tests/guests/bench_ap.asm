; bench's second vCPU: the real-mode start-up trampoline (copied below
; 1 MiB, entered at vector << 12 by a start-up IPI), into flat 32-bit
; protected mode on the guest library's GDT, then bench_ap_main() in C.
%include "tests/guests/lib/gdt.inc"

section .text
bits 16
global bench_ap_trampoline, bench_ap_trampoline_end, bench_ap_gdt_ptr
bench_ap_trampoline:
	cli
	mov ax, cs
	mov ds, ax
	lgdt [bench_ap_gdt_ptr - bench_ap_trampoline]
	mov eax, cr0
	or al, 1
	mov cr0, eax
	jmp dword GDT_CODE32:ap_protected
align 4
bench_ap_gdt_ptr:                  ; filled in from the library's gdt_ptr
	dw 0
	dd 0
bench_ap_trampoline_end:

bits 32
extern bench_ap_main, bench_ap_stack_top
ap_protected:
	mov ax, GDT_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov esp, bench_ap_stack_top
	call bench_ap_main
.hang:
	cli
	hlt
	jmp .hang
