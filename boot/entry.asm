; Kestrel entry: multiboot1 and multiboot2 headers, the 32-bit entry point,
; the switch to long mode and the jump into the higher-half C kernel.
;
; Both loaders enter in 32-bit protected mode with paging off, EAX holding
; the protocol's magic and EBX the physical address of its information block
; (Multiboot 0.6.96 section 3.2; Multiboot2 1.6 section 3.3). We keep both in
; EDI/ESI, the first two argument registers of the SysV ABI, for hv_main.

%include "boot/layout.inc"

MB1_MAGIC       equ 0x1BADB002
MB1_FLAGS       equ (1 << 0) | (1 << 1)        ; page-align modules, want mem info
MB2_MAGIC       equ 0xE85250D6
MB2_ARCH_I386   equ 0

section .multiboot progbits alloc noexec nowrite align=8
align 4
mb1_header:
	dd MB1_MAGIC
	dd MB1_FLAGS
	dd -(MB1_MAGIC + MB1_FLAGS)

align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; information request: memory map (6), modules (3), command line (1),
	; boot loader name (2)
align 8
	dw 1, 0
	dd 8 + 4 * 4
	dd 6, 3, 1, 2
align 8
	dw 0, 0                                  ; end tag
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start
_start:
	cli
	cld
	mov edi, eax
	mov esi, ebx
	mov esp, boot_stack_top

	call have_long_mode
	test eax, eax
	jz no_long_mode

	call build_boot_page_tables

	mov eax, cr4
	or eax, CR4_PAE | CR4_PGE
	mov cr4, eax
	mov eax, V2P(boot_pml4)
	mov cr3, eax

	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr

	mov eax, cr0
	or eax, CR0_PG | CR0_PE | CR0_WP
	mov cr0, eax

	lgdt [boot_gdt_ptr]
	jmp BOOT_CS64:long_mode_entry

; Returns EAX != 0 when CPUID reports long mode (and NX, which we rely on).
have_long_mode:
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21                         ; can EFLAGS.ID be toggled?
	push eax
	popfd
	pushfd
	pop eax
	xor eax, ecx
	jz .no
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29                        ; LM
	jz .no
	test edx, 1 << 20                        ; NX
	jz .no
	mov eax, 1
	ret
.no:
	xor eax, eax
	ret

; Maps physical 0..4 GiB three times with 2 MiB pages: identity (for this
; code and the AP trampoline), at DIRECT_MAP_BASE (how C reaches physical
; memory) and 0..2 GiB at KERNEL_VMA (where the kernel is linked).
build_boot_page_tables:
	push edi
	mov edi, V2P(boot_pml4)
	mov ecx, (BOOT_PT_PAGES * 4096) / 4
	xor eax, eax
	rep stosd

	; four page directories, 512 entries of 2 MiB each
	mov edi, V2P(boot_pd)
	mov eax, PTE_P | PTE_W | PTE_PS
	xor edx, edx
	mov ecx, 4 * 512
.pd:
	mov [edi], eax
	mov [edi + 4], edx
	add eax, 0x200000
	adc edx, 0
	add edi, 8
	loop .pd

	; the low PDPT: its four entries point at the four directories
	mov edi, V2P(boot_pdpt_low)
	mov eax, V2P(boot_pd) + (PTE_P | PTE_W)
	mov ecx, 4
.pdpt:
	mov [edi], eax
	add eax, 4096
	add edi, 8
	loop .pdpt

	; the high PDPT: entries 510 and 511 cover the kernel's 2 GiB window
	mov eax, V2P(boot_pd) + (PTE_P | PTE_W)
	mov [V2P(boot_pdpt_high) + 510 * 8], eax
	add eax, 4096
	mov [V2P(boot_pdpt_high) + 511 * 8], eax

	mov eax, V2P(boot_pdpt_low) + (PTE_P | PTE_W)
	mov [V2P(boot_pml4) + 0 * 8], eax
	mov [V2P(boot_pml4) + PML4_DIRECT_MAP_SLOT * 8], eax
	mov eax, V2P(boot_pdpt_high) + (PTE_P | PTE_W)
	mov [V2P(boot_pml4) + 511 * 8], eax
	pop edi
	ret

; No long mode: say so on COM1 and stop. The UART is left as firmware set it.
no_long_mode:
	mov esi, no_long_mode_msg
.next:
	lodsb
	test al, al
	jz .halt
	mov dx, 0x3f8
	out dx, al
	jmp .next
.halt:
	hlt
	jmp .halt

bits 64
long_mode_entry:
	mov ax, BOOT_DS
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rax, higher_half_entry
	jmp rax

section .boot.data progbits alloc noexec write align=16
no_long_mode_msg: db "kestrel: this CPU has no long mode or no NX; cannot boot", 13, 10, 0

align 16
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF                    ; 64-bit code
	dq 0x00CF92000000FFFF                    ; data
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq boot_gdt

align 16
boot_stack:
	times 1024 db 0
boot_stack_top:

section .text
bits 64
extern hv_main
higher_half_entry:
	mov rsp, bsp_stack_top
	xor ebp, ebp                             ; ends frame-pointer backtraces
	call hv_main                             ; (magic, info_phys)
.hang:
	cli
	hlt
	jmp .hang

section .bss
align 4096
global boot_pml4
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096

; The boot CPU's stack; guard pages come with the per-CPU stacks of SMP.
align 16
bsp_stack:      resb 16384
bsp_stack_top:
