; void string_io(struct string_io *s): one OUTS/INS with a REP prefix, on
; the echo device's data port, with the registers and direction flag the
; caller chose; writes the registers back as the instruction left them.
;
; struct string_io { u32 op; u32 df; u32 esi; u32 edi; u32 ecx; }
;   op: 0..5 = outsb, outsw, outsd, insb, insw, insd (32-bit addressing)
;       6..11 = the same with an 0x67 prefix (16-bit addressing: SI, DI, CX)
section .text
bits 32

ECHO_DATA equ 0xE0

OFF_OP  equ 0
OFF_DF  equ 4
OFF_ESI equ 8
OFF_EDI equ 12
OFF_ECX equ 16

global string_io
string_io:
	push ebx
	push esi
	push edi
	mov ebx, [esp + 16]
	mov eax, [ebx + OFF_OP]
	cmp eax, 11
	ja .out
	mov esi, [ebx + OFF_ESI]
	mov edi, [ebx + OFF_EDI]
	mov ecx, [ebx + OFF_ECX]
	mov dx, ECHO_DATA
	cld
	cmp dword [ebx + OFF_DF], 0
	je .dispatch
	std
.dispatch:
	jmp [.table + eax * 4]
.outsb:    rep outsb
	jmp .done
.outsw:    rep outsw
	jmp .done
.outsd:    rep outsd
	jmp .done
.insb:     rep insb
	jmp .done
.insw:     rep insw
	jmp .done
.insd:     rep insd
	jmp .done
.a16outsb: a16 rep outsb
	jmp .done
.a16outsw: a16 rep outsw
	jmp .done
.a16outsd: a16 rep outsd
	jmp .done
.a16insb:  a16 rep insb
	jmp .done
.a16insw:  a16 rep insw
	jmp .done
.a16insd:  a16 rep insd
.done:
	cld
	mov [ebx + OFF_ESI], esi
	mov [ebx + OFF_EDI], edi
	mov [ebx + OFF_ECX], ecx
.out:
	pop edi
	pop esi
	pop ebx
	ret

section .rodata
align 4
.table:
	dd .outsb, .outsw, .outsd, .insb, .insw, .insd
	dd .a16outsb, .a16outsw, .a16outsd, .a16insb, .a16insw, .a16insd
