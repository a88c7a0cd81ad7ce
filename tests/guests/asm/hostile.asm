; hostile: a guest that throws garbage at the hypervisor's intercepts and
; checks that each bad request gets the architectural answer (#GP or #UD)
; while the hypervisor keeps running: illegal CR0/CR4/EFER values, wild
; MSRs, I/O to random ports, and the virtualization instructions of both
; vendors. Verdict 0 when every answer was right.
%include "tests/guests/asm/common.inc"

VEC_UD equ 6
VEC_GP equ 13

section .text
; expect_vector VEC: fails unless exactly one VEC happened since the last reset
%macro EXPECT_ONE 2
	cmp dword [vector_count + %1 * 4], 1
	je %%ok
	mov eax, %2
	ret
%%ok:
	mov dword [vector_count + %1 * 4], 0
%endmacro

; mov crN, eax with a value that must #GP; the old value must survive.
%macro BAD_CR 3
	mov ebx, cr%1
	mov eax, %2
	EXPECT_SKIP 3
	mov cr%1, eax
	EXPECT_ONE VEC_GP, %3
	mov eax, cr%1
	cmp eax, ebx
	je %%same
	mov eax, %3 + 0x100
	ret
%%same:
%endmacro

%macro BAD_EFER 2
	mov ecx, 0xc0000080
	mov eax, %1
	xor edx, edx
	EXPECT_SKIP 2
	wrmsr
	EXPECT_ONE VEC_GP, %2
%endmacro

global guest_main
guest_main:
	SAY "hostile: illegal control register values"
	BAD_CR 0, 0x80000000, 1              ; PG without PE
	BAD_CR 0, 0x20000011, 2              ; NW without CD (QEMU TCG accepts it)
	BAD_CR 4, 0x00002000, 3              ; VMXE: VMX is hidden
	BAD_CR 4, 0x00001000, 4              ; LA57: not offered (TCG hangs on it)
	BAD_CR 4, 0x00008000, 5              ; reserved bit 15
	BAD_CR 4, 0x80000000, 6              ; reserved bit 31
	BAD_EFER 0x00001000, 7               ; SVME: SVM is hidden
	BAD_EFER 0x00000200, 8               ; reserved bit 9
	BAD_EFER 0x00100000, 9               ; reserved bit 20

	SAY "hostile: wild MSRs"
	mov dword [seed], 0x12345678
	mov esi, 400
.msr_loop:
	call random
	and eax, 0xc001ffff
	cmp eax, 0x2000                      ; keep clear of the allowed MSRs:
	jb .msr_next                         ; the low range holds most of them
	cmp eax, 0xc0000080
	jb .msr_try
	cmp eax, 0xc0000104
	jb .msr_next
.msr_try:
	mov ecx, eax
	EXPECT_SKIP 2
	rdmsr
	EXPECT_ONE VEC_GP, 10
	EXPECT_SKIP 2
	wrmsr
	EXPECT_ONE VEC_GP, 11
.msr_next:
	dec esi
	jnz .msr_loop
	; and the virtualization MSRs a guest might poke on purpose
	mov ecx, 0xc0010114                  ; VM_CR
	EXPECT_SKIP 2
	wrmsr
	EXPECT_ONE VEC_GP, 12
	mov ecx, 0xc0010117                  ; VM_HSAVE_PA
	EXPECT_SKIP 2
	rdmsr
	EXPECT_ONE VEC_GP, 13
	mov ecx, 0x3a                        ; IA32_FEATURE_CONTROL
	EXPECT_SKIP 2
	rdmsr
	EXPECT_ONE VEC_GP, 14

	SAY "hostile: I/O to random ports"
	mov esi, 3000
.io_loop:
	call random
	mov edx, eax
	and edx, 0xffff
	cmp edx, 0x3f8                       ; our console, the verdict and
	jae .io_maybe                        ; test devices are left alone
	jmp .io_go
.io_maybe:
	cmp edx, 0x400
	jb .io_next
.io_go:
	mov ecx, edx
	and ecx, 0xf0
	cmp ecx, 0xe0
	je .io_next
	cmp edx, 0xf4
	je .io_next
	test eax, 0x10000
	jz .io_in
	out dx, eax
	out dx, al
	out dx, ax
	jmp .io_next
.io_in:
	in eax, dx
	in al, dx
	in ax, dx
.io_next:
	dec esi
	jnz .io_loop

	SAY "hostile: virtualization instructions of both vendors"
	; A valid, aligned rAX: the CPU's own #GP checks come before the
	; intercept, and only the intercept answers with #UD.
	xor eax, eax
	xor ecx, ecx
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xd8                 ; vmrun
	EXPECT_ONE VEC_UD, 20
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xda                 ; vmload
	EXPECT_ONE VEC_UD, 21
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xdb                 ; vmsave
	EXPECT_ONE VEC_UD, 22
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xdc                 ; stgi
	EXPECT_ONE VEC_UD, 23
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xdd                 ; clgi
	EXPECT_ONE VEC_UD, 24
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xdf                 ; invlpga
	EXPECT_ONE VEC_UD, 25
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xde                 ; skinit
	EXPECT_ONE VEC_UD, 26
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xc2                 ; vmlaunch
	EXPECT_ONE VEC_UD, 27
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xc3                 ; vmresume
	EXPECT_ONE VEC_UD, 28
	EXPECT_SKIP 3
	db 0x0f, 0x01, 0xc4                 ; vmxoff
	EXPECT_ONE VEC_UD, 29

	SAY "hostile: every bad request got its #GP or #UD"
	xor eax, eax
	ret

; xorshift32 in EAX
random:
	mov eax, [seed]
	mov ecx, eax
	shl ecx, 13
	xor eax, ecx
	mov ecx, eax
	shr ecx, 17
	xor eax, ecx
	mov ecx, eax
	shl ecx, 5
	xor eax, ecx
	mov [seed], eax
	ret

section .data
seed: dd 0
