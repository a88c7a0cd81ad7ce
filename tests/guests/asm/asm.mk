# The assembly guests (tests/guests/asm/*.asm): small, exact tests of the
# hypervisor's exit paths; built next to the C guests in build/guests/.
ASM_GUEST_SRCS := $(wildcard tests/guests/asm/*.asm)
ASM_GUESTS := $(ASM_GUEST_SRCS:tests/guests/asm/%.asm=$(BUILD)/guests/%.elf)

$(BUILD)/guests/%.elf: tests/guests/asm/%.asm tests/guests/asm/common.inc tests/guests/asm/guest.ld
	@mkdir -p $(BUILD)/guests/asm
	@echo "  GUEST   $@"
	@$(NASM) -f elf32 -I. $< -o $(BUILD)/guests/asm/$*.o
	@$(LD) -m elf_i386 -nostdlib -z noexecstack --no-warn-rwx-segments -T tests/guests/asm/guest.ld \
		-o $@ $(BUILD)/guests/asm/$*.o

.PHONY: guests
guests: $(ASM_GUESTS)
