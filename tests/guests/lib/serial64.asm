; COM1 output for 64-bit code (SysV: argument in RDI; clobbers RAX, RCX,
; RDX, RSI, RDI like any call).
section .text
bits 64

COM1     equ 0x3F8
COM1_LSR equ COM1 + 5

; void serial_putc64(char c)
global serial_putc64
serial_putc64:
	mov ecx, 100000                 ; bounded, like lib/serial.c
	mov dx, COM1_LSR
.wait:
	in al, dx
	test al, 0x20
	jnz .ready
	dec ecx
	jnz .wait
.ready:
	mov eax, edi
	mov dx, COM1
	out dx, al
	ret

; void serial_puts64(const char *s)
global serial_puts64
serial_puts64:
	mov rsi, rdi
.next:
	movzx edi, byte [rsi]
	test edi, edi
	jz .done
	push rsi
	call serial_putc64
	pop rsi
	inc rsi
	jmp .next
.done:
	ret

; void serial_hex64(uint64_t v): 16 hex digits.
global serial_hex64
serial_hex64:
	mov rsi, rdi
	mov r8d, 16
.digit:
	rol rsi, 4
	mov edi, esi
	and edi, 15
	add edi, '0'
	cmp edi, '9'
	jbe .out
	add edi, 'a' - '9' - 1
.out:
	push rsi
	push r8
	call serial_putc64
	pop r8
	pop rsi
	dec r8d
	jnz .digit
	ret
