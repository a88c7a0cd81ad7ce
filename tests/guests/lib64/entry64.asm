; Multiboot1 entry of the long-mode guest: from the loader's 32-bit
; protected mode straight into long mode (SDM Vol. 3 10.8.5), then C.
; Same GDT as lib/entry.asm; page tables identity-map 0..4 GiB with 2 MiB
; pages; nothing above 4 GiB is mapped (the guest relies on that for #PF).
%include "tests/guests/lib/gdt.inc"

MB1_MAGIC      equ 0x1BADB002
MB1_FLAGS      equ 1 << 1
STACK_SIZE     equ 16384
CR0_PG         equ 1 << 31
CR4_PAE        equ 1 << 5
MSR_EFER       equ 0xC0000080
EFER_LME       equ 1 << 8
EFER_NXE       equ 1 << 11
PTE_P_W        equ 0x3
PDE_LARGE      equ 0x80

section .multiboot
align 4
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)

section .text
bits 32
global _start
extern guest_start, __bss_start, __bss_end
_start:
	cli
	cld
	mov esi, eax
	mov ebp, ebx
	lgdt [gdt_ptr]
	jmp GDT_CODE32:.flat
.flat:
	mov ax, GDT_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov fs, ax
	mov gs, ax
	mov edi, __bss_start
	mov ecx, __bss_end
	sub ecx, edi
	xor eax, eax
	rep stosb
	mov esp, stack_top

	mov dword [pml4], pdpt + PTE_P_W
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, pds + PTE_P_W
	mov [pdpt + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PDE_LARGE + PTE_P_W
	mov [pds + ecx * 8], eax
	inc ecx
	cmp ecx, 4 * 512
	jb .pd

	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, pml4
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax
	jmp GDT_CODE64:.long

bits 64
.long:
	mov ax, GDT_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, stack_top              ; zero-extends: RSP's upper half is undefined
	mov edi, esi                    ; magic
	mov esi, ebp                    ; info
	call guest_start                ; does not return
.hang:
	cli
	hlt
	jmp .hang

section .data
align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF   ; 0x08 code32
	dq 0x00CF92000000FFFF   ; 0x10 data32
	dq 0x00009A000000FFFF   ; 0x18 code16
	dq 0x000092000000FFFF   ; 0x20 data16
	dq 0x00AF9A000000FFFF   ; 0x28 code64
	dq 0x00CF12000000FFFF   ; 0x30 data, P=0
gdt_end:
gdt_ptr:
	dw gdt_end - gdt - 1
	dq gdt

section .bss
alignb 4096
pml4:   resb 4096
pdpt:   resb 4096
pds:    resb 4 * 4096
alignb 16
stack:  resb STACK_SIZE
stack_top:
