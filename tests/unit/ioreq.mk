# Host tests of the I/O request ring protocol (hv/ioreq_ring.c) and its
# Promela model. Included by the top Makefile; uses its HOSTCC, HOST_CFLAGS
# and BUILD.
#
#   make test-unit-ioreq   unit tests (ASan/UBSan), then tests/model/check.sh (spin)
#   make coverage-ioreq    the unit tests built with --coverage under build/cov

IOREQ_SRCS := hv/ioreq_ring.c
IOREQ_DEPS := tests/unit/test_ioreq.c $(IOREQ_SRCS) hv/ioreq.h tests/unit/check.h
IOREQ_BIN  := $(BUILD)/host/test_ioreq

$(IOREQ_BIN): $(IOREQ_DEPS)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -pthread -fsanitize=address,undefined -fno-sanitize-recover=all \
		tests/unit/test_ioreq.c $(IOREQ_SRCS) -o $@

$(BUILD)/cov/test_ioreq: $(IOREQ_DEPS)
	@mkdir -p $(BUILD)/cov/ioreq
	cd $(BUILD)/cov/ioreq && $(HOSTCC) $(HOST_CFLAGS:-I.=-I$(CURDIR)) -pthread --coverage \
		$(addprefix $(CURDIR)/,tests/unit/test_ioreq.c $(IOREQ_SRCS)) -o ../test_ioreq

.PHONY: test-unit-ioreq coverage-ioreq
test-unit-ioreq: $(IOREQ_BIN)
	@status=0; $(IOREQ_BIN) || status=1; tests/model/check.sh || status=1; exit $$status

coverage-ioreq: $(BUILD)/cov/test_ioreq
	@$(BUILD)/cov/test_ioreq >/dev/null || true
