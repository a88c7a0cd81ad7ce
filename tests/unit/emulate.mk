# Host tests of emulate/ (decoder, emulator), its fuzz target and coverage.
# Included by the top Makefile; uses its HOSTCC, HOST_CFLAGS and BUILD.
#
#   make test-unit-emulate   unit + differential tests, then a bounded fuzz run
#   make coverage-emulate    line coverage of emulate/ (gcov/lcov)

EMU_SRCS       := $(sort $(wildcard emulate/*.c))
EMU_HOST_DIR   := $(BUILD)/host/emulate
EMU_TESTS      := test_decode test_emulate test_emulate_diff
EMU_TEST_BINS  := $(EMU_TESTS:%=$(EMU_HOST_DIR)/%)

$(EMU_HOST_DIR)/%: tests/unit/%.c $(EMU_SRCS) $(wildcard emulate/*.h) tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(EMU_SRCS)

# libFuzzer target (clang; runtime from libclang-rt-14-dev). The run is
# bounded by EMU_FUZZ_SECONDS and prints one PASS/FAIL line.
EMU_FUZZ_CC      := clang
EMU_FUZZ_FLAGS   := -std=c11 -g -O1 -I. -DHOST_TEST -D_DEFAULT_SOURCE \
                    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
EMU_FUZZ_DIR     := $(BUILD)/fuzz/emulate
EMU_FUZZ_SECONDS ?= 45

$(EMU_FUZZ_DIR)/fuzz_emulate: tests/fuzz/fuzz_emulate.c $(EMU_SRCS) $(wildcard emulate/*.h)
	@mkdir -p $(dir $@)
	$(EMU_FUZZ_CC) $(EMU_FUZZ_FLAGS) -o $@ $< $(EMU_SRCS)

.PHONY: test-unit-emulate fuzz-emulate coverage-emulate
test-unit-emulate: $(EMU_TEST_BINS)
	@status=0; for t in $(EMU_TEST_BINS); do $$t || status=1; done; \
	$(MAKE) --no-print-directory fuzz-emulate || status=1; exit $$status

fuzz-emulate: $(EMU_FUZZ_DIR)/fuzz_emulate
	@mkdir -p $(EMU_FUZZ_DIR)/corpus $(EMU_FUZZ_DIR)/artifacts
	@if $(EMU_FUZZ_DIR)/fuzz_emulate -max_total_time=$(EMU_FUZZ_SECONDS) -seed=1 \
		-artifact_prefix=$(EMU_FUZZ_DIR)/artifacts/ $(EMU_FUZZ_DIR)/corpus \
		> $(EMU_FUZZ_DIR)/log 2>&1; then \
		echo "PASS fuzz_emulate ($$(grep -ao 'Done [0-9]* runs' $(EMU_FUZZ_DIR)/log))"; \
	else \
		tail -30 $(EMU_FUZZ_DIR)/log; echo "FAIL fuzz_emulate"; exit 1; \
	fi

# Coverage build: emulate/ objects with --coverage in EMU_COV_DIR, linked
# into every test, so their .gcda files there add up all the tests' runs.
EMU_COV_DIR  := $(BUILD)/cov/emulate
EMU_COV_OBJS := $(EMU_SRCS:emulate/%.c=$(EMU_COV_DIR)/%.o)
.SECONDARY: $(EMU_COV_OBJS)

$(EMU_COV_DIR)/%.o: emulate/%.c $(wildcard emulate/*.h)
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) -O0 --coverage -c -o $@ $<

$(EMU_COV_DIR)/bin/%: tests/unit/%.c $(EMU_COV_OBJS) tests/unit/check.h
	@mkdir -p $(dir $@)
	$(HOSTCC) $(HOST_CFLAGS) --coverage -o $@ $< $(EMU_COV_OBJS)

coverage-emulate: $(EMU_TESTS:%=$(EMU_COV_DIR)/bin/%)
	@rm -f $(EMU_COV_DIR)/*.gcda
	@for t in $(EMU_TESTS); do $(EMU_COV_DIR)/bin/$$t > $(EMU_COV_DIR)/$$t.log || \
		{ cat $(EMU_COV_DIR)/$$t.log; exit 1; }; done
	@lcov -q --capture --directory $(EMU_COV_DIR) --output-file $(EMU_COV_DIR)/all.info 2>/dev/null
	@lcov -q --extract $(EMU_COV_DIR)/all.info '*/emulate/*' \
		--output-file $(EMU_COV_DIR)/emulate.info 2>/dev/null
	@lcov --summary $(EMU_COV_DIR)/emulate.info 2>&1 | \
		sed -n 's/^ *lines\.*: *\([0-9.]*%\).*/emulate\/ line coverage: \1/p'
