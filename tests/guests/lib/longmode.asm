; uint32_t longmode_call(void *fn64, uint32_t arg)
;
; From 32-bit protected mode (paging off) into IA-32e mode and back, as SDM
; Vol. 3 10.8.5 "Initializing IA-32e Mode" and 10.8.5.4 "Switching Out of
; IA-32e Mode Operation" describe: PAE, CR3 = 4-level tables, EFER.LME,
; CR0.PG, far jump to a 64-bit code segment; back by a far return to a 32-bit
; code segment (compatibility mode), then CR0.PG off, which clears EFER.LMA.
; The tables identity-map 0..4 GiB with 2 MiB pages. The IDT limit is 0
; while in long mode, so any exception there is a clean triple fault.
%include "tests/guests/lib/gdt.inc"

CR0_PG      equ 1 << 31
CR4_PAE     equ 1 << 5
MSR_EFER    equ 0xC0000080
EFER_LME    equ 1 << 8
PTE_P_W     equ 0x3
PDE_LARGE   equ 0x80

section .text
bits 32
global longmode_call
longmode_call:
	push ebp
	push ebx
	push esi
	push edi
	mov [saved_esp], esp
	sidt [saved_idtr]
	lidt [null_idtr]
	call build_identity_map

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
	; The upper halves of registers are undefined on entry (SDM Vol. 1
	; 3.4.1.1); 32-bit moves zero-extend.
	mov esp, esp
	mov ebx, [saved_esp]
	mov eax, [rbx + 20]             ; fn64
	mov edi, [rbx + 24]             ; arg
	and rsp, -16                    ; SysV stack alignment at the call
	call rax
	mov [result], eax
	push GDT_CODE32
	lea rax, [rel .compat]
	push rax
	o64 retf

bits 32
.compat:
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax
	mov ecx, MSR_EFER
	rdmsr
	and eax, ~EFER_LME
	wrmsr
	mov eax, cr4
	and eax, ~CR4_PAE
	mov cr4, eax
	mov ax, GDT_DATA32
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov esp, [saved_esp]
	lidt [saved_idtr]
	mov eax, [result]
	pop edi
	pop esi
	pop ebx
	pop ebp
	ret

; PML4[0] -> PDPT, PDPT[0..3] -> four page directories of 2 MiB pages.
build_identity_map:
	mov dword [pml4], pdpt + PTE_P_W
	mov dword [pml4 + 4], 0
	xor ecx, ecx
.pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, pds + PTE_P_W
	mov [pdpt + ecx * 8], eax
	mov dword [pdpt + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 4
	jb .pdpt
	xor ecx, ecx
.pd:
	mov eax, ecx
	shl eax, 21
	or eax, PDE_LARGE + PTE_P_W
	mov [pds + ecx * 8], eax
	mov dword [pds + ecx * 8 + 4], 0
	inc ecx
	cmp ecx, 4 * 512
	jb .pd
	ret

section .rodata
null_idtr:
	dw 0
	dd 0

section .bss
alignb 4096
pml4:   resb 4096
pdpt:   resb 4096
pds:    resb 4 * 4096
saved_esp:  resd 1
result:     resd 1
saved_idtr: resb 6
