; pic_pit: a PC-era guest: programs the 8259 pair and the 8254 and checks
; that IRQ 0 arrives at the programmed vector only when unmasked, never
; again before EOI, repeatedly at the programmed rate, and that PIT
; channel 2 with the port 0x61 gate counts down and raises OUT2 (the way
; Linux calibrates the TSC).
%include "tests/guests/asm/common.inc"

VEC_BASE equ 0x30
IRQ0_VEC equ VEC_BASE

section .text
%macro FAIL_IF 2
	j%1 %%fail
	jmp %%ok
%%fail:
	mov eax, %2
	ret
%%ok:
%endmacro

; Spins until [vector_count + IRQ0_VEC*4] reaches EBX or ~ECX loops pass.
wait_ticks:
.spin:
	cmp [vector_count + IRQ0_VEC * 4], ebx
	jae .done
	pause
	loop .spin
.done:
	ret

global guest_main
guest_main:
	SAY "pic_pit: remapping the PICs to 0x30/0x38, all masked"
	mov al, 0x11
	out 0x20, al
	out 0xa0, al
	mov al, VEC_BASE
	out 0x21, al
	mov al, VEC_BASE + 8
	out 0xa1, al
	mov al, 4
	out 0x21, al
	mov al, 2
	out 0xa1, al
	mov al, 1
	out 0x21, al
	out 0xa1, al
	mov al, 0xff
	out 0x21, al
	out 0xa1, al
	in al, 0x21
	cmp al, 0xff
	FAIL_IF ne, 1

	SAY "pic_pit: PIT channel 0 at 1 kHz, masked: nothing may arrive"
	mov al, 0x34                     ; channel 0, lo/hi, mode 2
	out 0x43, al
	mov ax, 1193
	out 0x40, al
	mov al, ah
	out 0x40, al
	sti
	mov ebx, 1
	mov ecx, 3000000
	call wait_ticks
	cmp dword [vector_count + IRQ0_VEC * 4], 0
	FAIL_IF ne, 2
	cmp dword [vector_count + 8 * 4], 0  ; nor on the BIOS vector
	FAIL_IF ne, 3

	SAY "pic_pit: unmasked: one tick, then none until EOI"
	mov al, 0xfe
	out 0x21, al
	mov ebx, 1
	mov ecx, 30000000
	call wait_ticks
	cmp dword [vector_count + IRQ0_VEC * 4], 1
	FAIL_IF ne, 4
	mov ebx, 2                       ; in service: the next must not come
	mov ecx, 3000000
	call wait_ticks
	cmp dword [vector_count + IRQ0_VEC * 4], 1
	FAIL_IF ne, 5
	mov al, 0x0b                     ; OCW3: read ISR
	out 0x20, al
	in al, 0x20
	cmp al, 1
	FAIL_IF ne, 6
	mov al, 0x20                     ; non-specific EOI
	out 0x20, al

	SAY "pic_pit: with EOIs, ticks keep coming (HLT waits for them)"
	mov esi, 20
.tick:
	; EOI with interrupts off, then STI;HLT: the tick can only arrive in
	; the HLT (an earlier one would leave HLT waiting on an in-service IRQ)
	cli
	mov al, 0x20
	out 0x20, al
	sti
	hlt
	dec esi
	jnz .tick
	cmp dword [vector_count + IRQ0_VEC * 4], 15
	FAIL_IF b, 7
	cli
	mov al, 0xff
	out 0x21, al

	SAY "pic_pit: channel 2 one-shot through the port 0x61 gate"
	in al, 0x61
	and al, 0xfc
	or al, 1                         ; gate on, speaker off
	out 0x61, al
	mov al, 0xb0                     ; channel 2, lo/hi, mode 0
	out 0x43, al
	mov al, 0xff
	out 0x42, al
	mov al, 0x20                     ; 0x20ff ticks: about 7 ms
	out 0x42, al
	mov al, 0x80                     ; latch channel 2
	out 0x43, al
	in al, 0x42
	mov ah, al
	in al, 0x42
	xchg al, ah
	cmp ax, 0x20ff
	FAIL_IF a, 8
	mov ecx, 100000000
.wait_out2:
	in al, 0x61
	test al, 0x20
	jnz .out2_high
	loop .wait_out2
	mov eax, 9                       ; OUT2 never rose
	ret
.out2_high:
	SAY "pic_pit: all good"
	xor eax, eax
	ret
