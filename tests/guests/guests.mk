# Test guests: freestanding multiboot1 ELF32 kernels, one area each (see
# tests/guests/README.md). Included by the top Makefile; `make guests`
# builds build/guests/NAME.elf for every NAME in GUESTS (32-bit C) and
# GUESTS64 (64-bit C, below).
#
# A guest is tests/guests/NAME.c plus any tests/guests/NAME_*.asm, linked
# with everything in tests/guests/lib/.

GUESTS := cpuid io hypercall msr exceptions triplefault hlt modes bench tsc
GUESTS += ioclient
GUESTS += spin
GUESTS += iobench
GUESTS += regs

GUEST_SRC   := tests/guests
GUEST_OUT   := $(BUILD)/guests
GUEST_CFLAGS := -m32 -march=i686 -std=gnu11 -O2 -g $(WARN) -I$(GUEST_SRC)/lib -I. \
	-ffreestanding -fno-pic -fno-pie -nostdlib -fno-stack-protector -mgeneral-regs-only \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -MMD -MP
GUEST_NASMFLAGS := -f elf32 -g -I.
GUEST_LDFLAGS := -m elf_i386 -nostdlib -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments -T $(GUEST_SRC)/lib/guest.ld

GUEST_LIB_OBJS := $(patsubst $(GUEST_SRC)/%.c,$(GUEST_OUT)/obj/%.o,$(sort $(wildcard $(GUEST_SRC)/lib/*.c))) \
	$(patsubst $(GUEST_SRC)/%.asm,$(GUEST_OUT)/obj/%.o,$(sort $(wildcard $(GUEST_SRC)/lib/*.asm)))

guest_objs = $(GUEST_OUT)/obj/$(1).o \
	$(patsubst $(GUEST_SRC)/%.asm,$(GUEST_OUT)/obj/%.o,$(wildcard $(GUEST_SRC)/$(1)_*.asm))

.PHONY: guests
guests: $(GUESTS:%=$(GUEST_OUT)/%.elf)

$(GUEST_OUT)/obj/%.o: $(GUEST_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj/%.o: $(GUEST_SRC)/%.asm
	@mkdir -p $(dir $@)
	$(NASM) $(GUEST_NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

define guest_rule
$(GUEST_OUT)/$(1).elf: $(call guest_objs,$(1)) $(GUEST_LIB_OBJS) $(GUEST_SRC)/lib/guest.ld
	$(LD) $(GUEST_LDFLAGS) -o $$@ $(call guest_objs,$(1)) $(GUEST_LIB_OBJS)
endef
$(foreach g,$(GUESTS),$(eval $(call guest_rule,$(g))))

# The long-mode guest: the same lib/*.c built for x86-64 (no red zone: the
# guest takes exceptions on its own stack), lib64/ for the entry, 64-bit
# exception stubs and hypercall stubs; linked as ELF64 and converted to
# ELF32 for multiboot loaders (same bytes, same addresses).
GUESTS64 := long tpr foreign

GUEST64_CFLAGS := $(filter-out -m32 -march=i686,$(GUEST_CFLAGS)) -m64 -mcmodel=small -mno-red-zone
GUEST64_NASMFLAGS := -f elf64 -g -I.
GUEST64_LDFLAGS := -m elf_x86_64 -nostdlib -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments -T $(GUEST_SRC)/lib64/guest64.ld

GUEST64_LIB_OBJS := $(patsubst $(GUEST_SRC)/%.c,$(GUEST_OUT)/obj64/%.o,$(sort $(wildcard $(GUEST_SRC)/lib/*.c))) \
	$(patsubst $(GUEST_SRC)/%.asm,$(GUEST_OUT)/obj64/%.o,$(sort $(wildcard $(GUEST_SRC)/lib64/*.asm)))

guest64_objs = $(GUEST_OUT)/obj64/$(1).o $($(1)_EXTRA64) \
	$(patsubst $(GUEST_SRC)/%.asm,$(GUEST_OUT)/obj64/%.o,$(wildcard $(GUEST_SRC)/$(1)_*.asm))

# The I/O ring test pair: ioclient (above) uses the echo device, ioservice
# serves it with the hypervisor's own ring protocol code and dom0's echo
# device model.
GUESTS64 += ioservice
ioservice_EXTRA64 := $(GUEST_OUT)/obj64/shared/hv/ioreq_ring.o \
	$(GUEST_OUT)/obj64/shared/dom0/dm/echodev.o

$(GUEST_OUT)/obj64/shared/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST64_CFLAGS) -c $< -o $@

guests: $(GUESTS64:%=$(GUEST_OUT)/%.elf)

$(GUEST_OUT)/obj64/%.o: $(GUEST_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GUEST64_CFLAGS) -c $< -o $@

$(GUEST_OUT)/obj64/%.o: $(GUEST_SRC)/%.asm
	@mkdir -p $(dir $@)
	$(NASM) $(GUEST64_NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

define guest64_rule
$(GUEST_OUT)/obj64/$(1).elf64: $(call guest64_objs,$(1)) $(GUEST64_LIB_OBJS) $(GUEST_SRC)/lib64/guest64.ld
	$(LD) $(GUEST64_LDFLAGS) -o $$@ $(call guest64_objs,$(1)) $(GUEST64_LIB_OBJS)

$(GUEST_OUT)/$(1).elf: $(GUEST_OUT)/obj64/$(1).elf64
	$(OBJCOPY) -O elf32-i386 $$< $$@
endef
$(foreach g,$(GUESTS64),$(eval $(call guest64_rule,$(g))))
