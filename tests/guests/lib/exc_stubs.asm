; One entry stub per vector 0..255. Each leaves the same frame
; (struct trap_frame in guest.h): a zero is pushed for vectors where the CPU
; pushes no error code, so the C side sees one layout (SDM Vol. 3 6.13,
; table 6-1 lists which vectors have one).
section .text
bits 32
extern exc_dispatch

%macro STUB 1
exc_stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push 0
%endif
	push %1
	jmp exc_common
%endmacro

%assign v 0
%rep 256
STUB v
%assign v v + 1
%endrep

exc_common:
	pushad
	push esp                ; struct trap_frame *: the handler may change EIP
	cld
	call exc_dispatch
	add esp, 4
	popad
	add esp, 8              ; vector and error code
	iretd

section .rodata
global exc_stub_table
exc_stub_table:
%assign v 0
%rep 256
	dd exc_stub_%[v]
%assign v v + 1
%endrep
