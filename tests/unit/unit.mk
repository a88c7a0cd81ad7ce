# Host unit tests of the pure-logic files. Each tests/unit/test_NAME.c is
# linked with the sources listed in UNIT_SRCS_NAME.

UNIT_SRCS_format   := hv/format.c
UNIT_SRCS_cmdline  := hv/cmdline.c
UNIT_SRCS_bootinfo := boot/bootinfo.c
UNIT_SRCS_memmap   := hv/memmap.c
UNIT_SRCS_frame    := hv/frame.c hv/memmap.c
UNIT_SRCS_walk     := mmu/walk.c
UNIT_SRCS_p2m      := mmu/p2m.c mmu/ptbuild.c
UNIT_SRCS_elf      := hv/elf_loader.c
UNIT_SRCS_vpic     := hv/vpic.c
UNIT_SRCS_vpit     := hv/vpit.c
UNIT_SRCS_bzimage  := hv/bzimage.c
UNIT_SRCS_madt     := hv/madt.c
UNIT_SRCS_vioapic  := hv/vioapic.c
UNIT_SRCS_acpi     := hv/acpi.c
UNIT_SRCS_xcr0     := hv/xcr0.c

CORE_UNIT_TESTS := format cmdline bootinfo memmap frame walk p2m elf vpic vpit bzimage madt vioapic acpi xcr0

define unit_test_rule
$(BUILD)/host/test_$(1): tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) tests/unit/check.h
	@mkdir -p $$(dir $$@)
	$(HOSTCC) $(HOST_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) -o $$@

$(BUILD)/cov/test_$(1): tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) tests/unit/check.h
	@mkdir -p $(BUILD)/cov/$(1)
	cd $(BUILD)/cov/$(1) && $(HOSTCC) $(HOST_CFLAGS:-I.=-I$(CURDIR)) --coverage \
		$(addprefix $(CURDIR)/,tests/unit/test_$(1).c $(UNIT_SRCS_$(1))) -o ../test_$(1)
endef
$(foreach t,$(CORE_UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

.PHONY: test-unit-core coverage-core
test-unit-core: $(CORE_UNIT_TESTS:%=$(BUILD)/host/test_%)
	@for t in $^; do echo "== $$t"; $$t || true; done

coverage-core: $(CORE_UNIT_TESTS:%=$(BUILD)/cov/test_%)
	@for t in $^; do $$t >/dev/null || true; done
