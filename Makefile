# Kestrel build. `make` builds the hypervisor; `make help` lists the rest.
#
# Layout of build/: hv.elf (64-bit higher-half image, what GRUB loads),
# hv32.elf (the same code as ELF32, what QEMU -kernel loads), kestrel.iso,
# host/ (host-built unit tests), test-logs/ (serial logs of every boot).

SHELL    := /bin/bash
BUILD    := build
CC       := gcc
HOSTCC   := gcc
NASM     := nasm
QEMU     := qemu-system-x86_64
LD       := ld
OBJCOPY  := objcopy

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter

HV_CFLAGS := -std=gnu11 -O2 -g $(WARN) -I. -ffreestanding -fno-builtin \
             -nostdlib -mno-red-zone -mno-sse -mno-sse2 -mno-mmx -mno-80387 \
             -mcmodel=kernel -fno-pic -fno-pie -fno-stack-protector \
             -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
             -fno-strict-aliasing -MMD -MP
HV_LDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments
NASMFLAGS  := -f elf64 -g -I.

HOST_CFLAGS := -std=c11 -O1 -g $(WARN) -I. -DHOST_TEST -D_DEFAULT_SOURCE -MMD -MP

HV_C_SRCS   := $(sort $(wildcard boot/*.c hv/*.c mmu/*.c emulate/*.c svm/*.c vmx/*.c))
HV_ASM_SRCS := $(sort $(wildcard boot/*.asm hv/*.asm svm/*.asm vmx/*.asm))
HV_OBJS     := $(HV_C_SRCS:%.c=$(BUILD)/hv/%.o) $(HV_ASM_SRCS:%.asm=$(BUILD)/hv/%.o)

.PHONY: all deps iso run test test-long bench coverage clean help
COVERAGE_TARGETS = $(shell grep -h -o -E "^coverage-[a-z0-9-]+:" tests/unit/*.mk | tr -d :)
all: $(BUILD)/hv.elf $(BUILD)/hv32.elf

help:
	@echo "make            build build/hv.elf and build/hv32.elf"
	@echo "make deps       install what the build and tests need (Debian 12)"
	@echo "make run        boot Kestrel under QEMU, console on this terminal"
	@echo "make iso        build/kestrel.iso (GRUB, multiboot2 and multiboot entries)"
	@echo "make test       every test; ends with 'N passed, N failed'"
	@echo "make test-long  the slow suites (ten minutes of fuzzing)"
	@echo "make coverage   lcov report of the host-tested code"
	@echo "make bench      exit costs, in cycles and (icount) instructions"

deps:
	@scripts/deps.sh

# The bootable ISO for real machines: console on COM1 and the screen; GRUB
# loads Kestrel with dom0's kernel and initramfs as modules (multiboot2 is
# the default entry, multiboot the second).
iso: deps dom0
	@$(MAKE) --no-print-directory $(BUILD)/kestrel.iso
$(BUILD)/kestrel.iso: $(BUILD)/hv.elf scripts/mkiso.sh $(DOM0_INITRD)
	scripts/mkiso.sh $@ $(BUILD)/hv.elf 0 "console=com1" \
		cache/dom0/vmlinuz "$(DOM0_CMDLINE)" $(DOM0_INITRD) "initramfs"

# Boots Kestrel with Linux dom0 under QEMU (SVM, nested paging), the
# console on this terminal: a dom0 shell where hvctl works. Ctrl-A X quits.
RUN_MEM ?= 1024
DOM0_CMDLINE ?= console=ttyS0 quiet
run: deps all dom0
	@echo "Kestrel + dom0 under QEMU: dom0's shell comes up in about 20 s; Ctrl-A X quits."
	@$(QEMU) -accel tcg -cpu qemu64,+svm,+npt -m $(RUN_MEM) -display none \
		-nodefaults -no-reboot -serial mon:stdio \
		-device isa-debug-exit,iobase=0xf4,iosize=0x4 \
		-kernel $(BUILD)/hv32.elf -append "console=com1 exit=qemu $(HV_CMDLINE)" \
		-initrd "cache/dom0/vmlinuz $(DOM0_CMDLINE),build/dom0/initramfs.cpio.gz" || \
		[ $$? -eq 1 ] # QEMU exits (status << 1) | 1: 1 is Kestrel's status 0

test: deps
	@$(MAKE) --no-print-directory all >/dev/null
	@tests/run.sh

# The slow suites: longer fuzzing.
test-long: deps
	@$(MAKE) --no-print-directory all guests dom0 >/dev/null
	@TEST_DIRS=tests/long tests/run.sh

# Exit costs measured by a guest (never part of make test: no timing asserts).
bench: deps
	@scripts/bench.sh

# Host-tested code only; the report lands in build/coverage/index.html.
coverage: deps
	@rm -rf $(BUILD)/cov
	@$(MAKE) --no-print-directory $(COVERAGE_TARGETS)
	@lcov --quiet --capture --directory $(BUILD)/cov --output-file $(BUILD)/coverage.info \
		>/dev/null 2>&1
	@lcov --quiet --extract $(BUILD)/coverage.info '*/boot/*' '*/hv/*' '*/emulate/*' '*/mmu/*' \
		--output-file $(BUILD)/coverage.info
	@genhtml --quiet $(BUILD)/coverage.info --output-directory $(BUILD)/coverage
	@lcov --summary $(BUILD)/coverage.info 2>&1 | grep -E 'lines|functions'
	@echo "report: $(BUILD)/coverage/index.html"

$(BUILD)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) $(NASMFLAGS) -MD $(@:.o=.d) -MP $< -o $@

# Two links: the first finds where every function landed, the second embeds
# that table (.ksyms, placed after .text so no code moves) for backtraces.
$(BUILD)/hv.pass1.elf: $(HV_OBJS) $(BUILD)/hv/ksyms-empty.o linker.ld
	@echo "  LD      $@"
	@$(LD) $(HV_LDFLAGS) -T linker.ld -o $@ $(HV_OBJS) $(BUILD)/hv/ksyms-empty.o

$(BUILD)/hv/ksyms-empty.o: scripts/gen-ksyms.sh
	@mkdir -p $(dir $@)
	@scripts/gen-ksyms.sh /dev/null > $(BUILD)/hv/ksyms-empty.asm
	@$(NASM) $(NASMFLAGS) $(BUILD)/hv/ksyms-empty.asm -o $@

$(BUILD)/hv/ksyms.o: $(BUILD)/hv.pass1.elf scripts/gen-ksyms.sh
	@scripts/gen-ksyms.sh $< > $(BUILD)/hv/ksyms.asm
	@$(NASM) $(NASMFLAGS) $(BUILD)/hv/ksyms.asm -o $@

$(BUILD)/hv.elf: $(HV_OBJS) $(BUILD)/hv/ksyms.o linker.ld
	@echo "  LD      $@"
	@$(LD) $(HV_LDFLAGS) -T linker.ld -o $@ $(HV_OBJS) $(BUILD)/hv/ksyms.o
	@cmp -s <(nm $@ | grep -i ' t ' | sort) <(nm $(BUILD)/hv.pass1.elf | grep -i ' t ' | sort) \
		|| { echo "ksyms: code moved between links"; rm -f $@; exit 1; }

# QEMU's multiboot loader refuses ELF64; the ELF32 view carries the same
# bytes at the same physical (load) addresses.
$(BUILD)/hv32.elf: $(BUILD)/hv.elf
	@$(OBJCOPY) -O elf32-i386 $< $@

-include tests/unit/*.mk
-include tests/guests/guests.mk
-include tests/guests/asm/asm.mk
-include dom0/dom0.mk
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf $(BUILD)
