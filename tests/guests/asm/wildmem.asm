; wildmem: touches guest-physical memory beyond its RAM (the test domain
; has 32 MiB). Expected: the hypervisor kills the domain with a log line
; naming the address, and nothing else happens.
%include "tests/guests/asm/common.inc"

section .text
global guest_main
guest_main:
	SAY "wildmem: reading 0x40000000, far beyond RAM"
	mov eax, [0x40000000]
	SAY "wildmem: still alive: the read was not stopped"
	mov eax, 1
	ret
