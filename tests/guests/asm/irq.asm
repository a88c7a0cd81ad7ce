; irq: external interrupts from the test device (port 0xe8) arrive exactly
; once, only when IF=1, right after STI's shadow, and wake a HLT.
%include "tests/guests/asm/common.inc"

IRQ_PORT equ 0xe8
VEC      equ 0x40
FRESH_STACK_TOP equ 0x601000         ; far from the image: untouched RAM

section .text
%macro COUNT_IS 2
	cmp dword [vector_count + VEC * 4], %1
	je %%ok
	mov eax, %2
	ret
%%ok:
%endmacro

global guest_main
guest_main:
	SAY "irq: raised with interrupts off: must wait"
	cli
	mov eax, VEC
	out IRQ_PORT, al
	nop
	nop
	COUNT_IS 0, 1
	sti
	nop                              ; the STI shadow ends here: delivered now
	cli
	COUNT_IS 1, 2

	SAY "irq: raised with interrupts on: arrives at once"
	sti
	mov eax, VEC
	out IRQ_PORT, al
	cli
	COUNT_IS 2, 3

	SAY "irq: wakes a HLT"
	mov eax, VEC
	out IRQ_PORT, al
	sti
	hlt                              ; in the STI shadow: the interrupt ends it
	cli
	COUNT_IS 3, 4

	SAY "irq: nothing arrived twice"
	COUNT_IS 3, 5

	; The interrupt is delivered onto a stack page no one has touched: the
	; hypervisor maps guest RAM on first use, so the delivery itself takes
	; a nested page fault, and the interrupted event must be delivered
	; again (EXITINTINFO), not lost.
	SAY "irq: delivered onto an untouched stack page"
	mov [saved_esp], esp
	mov esp, FRESH_STACK_TOP
	mov eax, VEC
	out IRQ_PORT, al
	sti
	nop
	cli
	mov esp, [saved_esp]
	COUNT_IS 4, 6
	xor eax, eax
	ret

section .data
saved_esp: dd 0
