; apic_hammer: thousands of pseudo-random reads and writes of random sizes
; (1, 2, 4 bytes, unaligned too) at random offsets of the LAPIC and IOAPIC
; pages (garbage in IOREGSEL, reserved offsets, read-only registers), with
; ISA lines toggled at random (test device port 0xec) so the redirection
; table really sends. Afterwards the guest resets both controllers and
; checks that they still answer sanely: versions read back, a self-IPI
; arrives, an IOAPIC edge interrupt arrives. The hypervisor must survive
; all of it (verdict 0).
;
; Every value written has bit 5 set, so no vector below 32 is ever
; programmed: the shared stubs of vectors 8, 10-14 and 17 expect an error
; code that an interrupt would not push.
%include "tests/guests/asm/common.inc"

APIC        equ 0xfee00000
APIC_VER    equ APIC + 0x30
TPR         equ APIC + 0x80
EOI         equ APIC + 0xb0
SVR         equ APIC + 0xf0
ICR_LOW     equ APIC + 0x300
LVT_TIMER   equ APIC + 0x320
TIMER_INIT  equ APIC + 0x380
IOAPIC      equ 0xfec00000
IOREGSEL    equ IOAPIC
IOWIN       equ IOAPIC + 0x10
ISA_IRQ     equ 0xec
ROUNDS      equ 6000
IPI_VEC     equ 0xe7
EDGE_VEC    equ 0xe6

section .text
%macro EXPECT 2
	j%1 %%ok
	mov eax, %2
	ret
%%ok:
%endmacro

; eax = next xorshift32 value
rand:
	mov eax, [seed]
	mov edx, eax
	shl edx, 13
	xor eax, edx
	mov edx, eax
	shr edx, 17
	xor eax, edx
	mov edx, eax
	shl edx, 5
	xor eax, edx
	mov [seed], eax
	ret

; One random access. ebx = page, edi = offset, ecx = size code, ebp = value.
hammer_one:
	call rand
	mov ebx, APIC
	test eax, 1
	jz .page
	mov ebx, IOAPIC
.page:
	mov edi, eax
	shr edi, 4
	and edi, 0xff8
	test eax, 0x10000                    ; half the time a real register
	jz .odd
	and edi, 0x3f0
	cmp ebx, IOAPIC
	jne .odd
	and edi, 0x10
.odd:
	mov ecx, eax
	shr ecx, 20
	and ecx, 3                           ; low bits: an unaligned start
	add edi, ecx
	mov ecx, eax
	shr ecx, 24
	and ecx, 3                           ; 0,3: dword, 1: byte, 2: word
	push eax
	call rand
	mov ebp, eax
	or ebp, 0x20
	pop eax
	add ebx, edi
	test eax, 2
	jz .read
	cmp ecx, 1
	je .wb
	cmp ecx, 2
	je .ww
	mov [ebx], ebp
	jmp .lines
.wb:
	mov eax, ebp
	mov [ebx], al
	jmp .lines
.ww:
	mov eax, ebp
	mov [ebx], ax
	jmp .lines
.read:
	cmp ecx, 1
	je .rb
	cmp ecx, 2
	je .rw
	mov eax, [ebx]
	jmp .lines
.rb:
	mov al, [ebx]
	jmp .lines
.rw:
	mov ax, [ebx]
.lines:
	test ebp, 0x1c0                      ; now and then, an ISA line moves
	jnz .done
	mov eax, ebp
	shr eax, 12
	and eax, 0x10f
	out ISA_IRQ, eax
.done:
	ret

; Lets pending interrupts in, ending each one, until none is left.
drain:
	push esi
	mov esi, 600
.more:
	sti
	nop
	nop
	cli
	mov dword [EOI], 0
	dec esi
	jnz .more
	pop esi
	ret

global guest_main
guest_main:
	SAY "apic_hammer: LAPIC enabled, then random accesses"
	cli
	mov dword [SVR], 0x1ff
	mov esi, ROUNDS
.round:
	push esi
	call hammer_one
	pop esi
	test esi, 0x3ff                      ; let interrupts in now and then
	jnz .next
	call drain
.next:
	dec esi
	jnz .round

	SAY "apic_hammer: done; resetting both controllers"
	cli
	xor ecx, ecx
.lines_down:
	mov eax, ecx
	out ISA_IRQ, eax
	inc ecx
	cmp ecx, 16
	jb .lines_down
	xor ecx, ecx
.mask_pins:
	lea eax, [0x10 + ecx * 2]
	mov [IOREGSEL], eax
	mov dword [IOWIN], 0x10000
	inc eax
	mov [IOREGSEL], eax
	mov dword [IOWIN], 0
	inc ecx
	cmp ecx, 24
	jb .mask_pins
	mov dword [SVR], 0x1ff
	mov dword [TPR], 0
	mov dword [LVT_TIMER], 0x10000
	mov dword [TIMER_INIT], 0
	mov ecx, APIC + 0x340
.mask_lvt:
	mov dword [ecx], 0x10000
	add ecx, 0x10
	cmp ecx, APIC + 0x370
	jbe .mask_lvt
	mov dword [APIC + 0x2f0], 0x10000
	call drain
	call drain

	SAY "apic_hammer: versions still read back"
	mov eax, [APIC_VER]
	and eax, 0xff
	cmp eax, 0x14
	EXPECT e, 1
	mov dword [IOREGSEL], 1
	mov eax, [IOWIN]
	cmp eax, 0x00170011
	EXPECT e, 2

	SAY "apic_hammer: a self-IPI still arrives"
	mov ebx, [vector_count + IPI_VEC * 4]
	mov dword [ICR_LOW], (1 << 18) | IPI_VEC
	sti
	nop
	nop
	cli
	mov eax, [vector_count + IPI_VEC * 4]
	sub eax, ebx
	cmp eax, 1
	EXPECT e, 3
	mov dword [EOI], 0

	SAY "apic_hammer: an IOAPIC edge interrupt still arrives"
	mov dword [IOREGSEL], 0x11 + 2 * 7
	mov dword [IOWIN], 0
	mov dword [IOREGSEL], 0x10 + 2 * 7
	mov dword [IOWIN], EDGE_VEC
	mov ebx, [vector_count + EDGE_VEC * 4]
	mov eax, 0x107
	out ISA_IRQ, eax
	mov eax, 0x007
	out ISA_IRQ, eax
	sti
	nop
	nop
	cli
	mov eax, [vector_count + EDGE_VEC * 4]
	sub eax, ebx
	cmp eax, 1
	EXPECT e, 4
	mov dword [EOI], 0

	SAY "apic_hammer: all good"
	xor eax, eax
	ret

section .data
seed: dd 0x2545f491
