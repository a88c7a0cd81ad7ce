; ioapic: the I/O APIC at 0xfec00000, switched to the way Linux does it:
; first the PIT ticks through the 8259 (IRQ 0), then the 8259 is masked,
; the LAPIC enabled and IRQ 0 taken through IOAPIC pin 2 (edge), as the
; MADT's interrupt source override says. Then a level-triggered line (the
; test device's port 0xec drives ISA IRQ 5 = pin 5): Remote IRR and the
; LAPIC's TMR are set, the interrupt comes again after each EOI while the
; line is up, and not after it drops; a level line asserted while masked is
; delivered on unmask.
%include "tests/guests/asm/common.inc"

APIC        equ 0xfee00000
EOI         equ APIC + 0xb0
SVR         equ APIC + 0xf0
TMR2        equ APIC + 0x1a0             ; vectors 64-95
IOREGSEL    equ 0xfec00000
IOWIN       equ 0xfec00010
ISA_IRQ     equ 0xec                     ; test device: irq | level << 8
PIC_VEC     equ 0x30
TIMER_VEC   equ 0x40
LEVEL_VEC   equ 0x50

section .text
%macro EXPECT 2                     ; cond, code
	j%1 %%ok
	mov eax, %2
	ret
%%ok:
%endmacro

%macro IOAPIC_WRITE 2                    ; index, value
	mov dword [IOREGSEL], %1
	mov dword [IOWIN], %2
%endmacro

%macro IOAPIC_READ 1                     ; eax = register %1
	mov dword [IOREGSEL], %1
	mov eax, [IOWIN]
%endmacro

%macro LINE 2                            ; ISA irq, level
	mov eax, %1 | (%2 << 8)
	out ISA_IRQ, eax
%endmacro

%macro COUNT 1
	mov eax, [vector_count + %1 * 4]
%endmacro

; Lets pending interrupts in for a moment.
window:
	sti
	mov ecx, 20000
.spin:
	loop .spin
	cli
	ret

global guest_main
guest_main:
	SAY "ioapic: identity and version"
	IOAPIC_READ 1
	cmp eax, 0x00170011                  ; 24 entries, version 0x11
	EXPECT e, 1
	IOAPIC_READ 0x10 + 2 * 2
	test eax, 1 << 16                    ; masked after reset
	EXPECT nz, 2

	SAY "ioapic: the PIT through the 8259 first"
	mov al, 0x11
	out 0x20, al
	out 0xa0, al
	mov al, PIC_VEC
	out 0x21, al
	mov al, PIC_VEC + 8
	out 0xa1, al
	mov al, 4
	out 0x21, al
	mov al, 2
	out 0xa1, al
	mov al, 1
	out 0x21, al
	out 0xa1, al
	mov al, 0xfe                         ; only IRQ 0
	out 0x21, al
	mov al, 0xff
	out 0xa1, al
	mov al, 0x34                         ; channel 0, mode 2, 1 kHz
	out 0x43, al
	mov ax, 1193
	out 0x40, al
	mov al, ah
	out 0x40, al
	mov esi, 5
.pic_tick:
	cli
	mov al, 0x20
	out 0x20, al
	sti
	hlt
	dec esi
	jnz .pic_tick
	cli
	mov al, 0x20
	out 0x20, al
	COUNT PIC_VEC
	cmp eax, 5
	EXPECT ae, 3

	SAY "ioapic: switch: 8259 masked, LAPIC on, IRQ 0 on pin 2"
	mov al, 0xff
	out 0x21, al
	mov dword [SVR], 0x1ff
	IOAPIC_WRITE 0x11 + 2 * 2, 0         ; destination: APIC 0
	IOAPIC_WRITE 0x10 + 2 * 2, TIMER_VEC ; fixed, physical, edge, high, unmasked
	mov ebx, [vector_count + PIC_VEC * 4]
	mov esi, 10
.apic_tick:
	cli
	mov dword [EOI], 0
	sti
	hlt
	dec esi
	jnz .apic_tick
	cli
	mov dword [EOI], 0
	COUNT TIMER_VEC
	cmp eax, 10
	EXPECT ae, 4
	cmp [vector_count + PIC_VEC * 4], ebx  ; the 8259 stays quiet
	EXPECT e, 5
	IOAPIC_READ 0x10 + 2 * 2
	test eax, 1 << 14                    ; edge: no Remote IRR
	EXPECT z, 6
	IOAPIC_WRITE 0x10 + 2 * 2, (1 << 16) | TIMER_VEC
	call window
	mov dword [EOI], 0
	mov ebx, [vector_count + TIMER_VEC * 4]
	call window
	call window
	cmp [vector_count + TIMER_VEC * 4], ebx  ; masked: no more ticks
	EXPECT e, 7

	SAY "ioapic: level: delivered, Remote IRR and TMR set"
	IOAPIC_WRITE 0x11 + 2 * 5, 0
	IOAPIC_WRITE 0x10 + 2 * 5, (1 << 15) | LEVEL_VEC
	LINE 5, 1
	call window
	COUNT LEVEL_VEC
	cmp eax, 1
	EXPECT e, 8
	IOAPIC_READ 0x10 + 2 * 5
	test eax, 1 << 14
	EXPECT nz, 9
	mov eax, [TMR2]
	test eax, 1 << (LEVEL_VEC - 64)
	EXPECT nz, 10
	call window                          ; in service, Remote IRR: nothing
	COUNT LEVEL_VEC
	cmp eax, 1
	EXPECT e, 11

	SAY "ioapic: EOI with the line up: delivered again"
	mov dword [EOI], 0
	call window
	COUNT LEVEL_VEC
	cmp eax, 2
	EXPECT e, 12
	mov dword [EOI], 0
	call window
	COUNT LEVEL_VEC
	cmp eax, 3
	EXPECT e, 13

	SAY "ioapic: line down, EOI: not again"
	LINE 5, 0
	mov dword [EOI], 0
	call window
	call window
	COUNT LEVEL_VEC
	cmp eax, 3
	EXPECT e, 14
	IOAPIC_READ 0x10 + 2 * 5
	test eax, 1 << 14
	EXPECT z, 15

	SAY "ioapic: asserted while masked, delivered on unmask"
	IOAPIC_WRITE 0x10 + 2 * 5, (1 << 16) | (1 << 15) | LEVEL_VEC
	LINE 5, 1
	call window
	COUNT LEVEL_VEC
	cmp eax, 3
	EXPECT e, 16
	IOAPIC_WRITE 0x10 + 2 * 5, (1 << 15) | LEVEL_VEC
	call window
	COUNT LEVEL_VEC
	cmp eax, 4
	EXPECT e, 17
	LINE 5, 0
	mov dword [EOI], 0

	SAY "ioapic: all good"
	xor eax, eax
	ret
