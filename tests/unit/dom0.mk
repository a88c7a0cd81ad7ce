# Host tests of dom0's tools (the pure parts of hvctl). Included by the top
# Makefile; uses its HOSTCC, HOST_CFLAGS and BUILD.

DOM0_UNIT_SRCS := dom0/tools/hvctl_cli.c
DOM0_UNIT_BIN  := $(BUILD)/host/dom0/test_hvctl

$(DOM0_UNIT_BIN): tests/unit/test_hvctl.c $(DOM0_UNIT_SRCS) dom0/tools/hvctl_cli.h hv/abi.h \
		tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -Idom0/tools -fsanitize=address,undefined \
		-fno-sanitize-recover=all -o $@ tests/unit/test_hvctl.c $(DOM0_UNIT_SRCS)

.PHONY: test-unit-dom0
test-unit-dom0: $(DOM0_UNIT_BIN)
	@$(DOM0_UNIT_BIN)
