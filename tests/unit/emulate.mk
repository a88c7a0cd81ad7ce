# Host tests of emulate/ (decoder, emulator), its fuzz targets and coverage.
# Included by the top Makefile; uses its HOSTCC, HOST_CFLAGS and BUILD.

EMU_SRCS       := $(sort $(wildcard emulate/*.c))
EMU_HOST_DIR   := $(BUILD)/host/emulate
EMU_TESTS      := test_decode test_emulate_diff
EMU_TEST_BINS  := $(EMU_TESTS:%=$(EMU_HOST_DIR)/%)

$(EMU_HOST_DIR)/%: tests/unit/%.c $(EMU_SRCS) tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(EMU_SRCS)

.PHONY: test-unit-emulate
test-unit-emulate: $(EMU_TEST_BINS)
	@status=0; for t in $(EMU_TEST_BINS); do $$t || status=1; done; exit $$status
