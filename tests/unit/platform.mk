# Host unit tests of the virtual platform's pure logic (vIOAPIC, ACPI
# tables). The same rule as unit.mk's, repeated: make reads this file
# before unit.mk (the include is a glob), so unit_test_rule is not there yet.

UNIT_SRCS_vioapic := hv/vioapic.c
UNIT_SRCS_acpi    := hv/acpi.c

PLATFORM_UNIT_TESTS := vioapic acpi

define platform_test_rule
$(BUILD)/host/test_$(1): tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) tests/unit/check.h
	@mkdir -p $$(dir $$@)
	$(HOSTCC) $(HOST_CFLAGS) -fsanitize=address,undefined -fno-sanitize-recover=all \
		tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) -o $$@

$(BUILD)/cov/test_$(1): tests/unit/test_$(1).c $(UNIT_SRCS_$(1)) tests/unit/check.h
	@mkdir -p $(BUILD)/cov/$(1)
	cd $(BUILD)/cov/$(1) && $(HOSTCC) $(HOST_CFLAGS:-I.=-I$(CURDIR)) --coverage \
		$(addprefix $(CURDIR)/,tests/unit/test_$(1).c $(UNIT_SRCS_$(1))) -o ../test_$(1)
endef
$(foreach t,$(PLATFORM_UNIT_TESTS),$(eval $(call platform_test_rule,$(t))))

.PHONY: test-unit-platform coverage-platform
test-unit-platform: $(PLATFORM_UNIT_TESTS:%=$(BUILD)/host/test_%)
	@for t in $^; do echo "== $$t"; $$t || true; done

coverage-platform: $(PLATFORM_UNIT_TESTS:%=$(BUILD)/cov/test_%)
	@for t in $^; do $$t >/dev/null || true; done
