# dom0: Debian's cloud kernel (as shipped), our hvdev.ko and hvctl, and the
# busybox initramfs that carries them. Included by the top Makefile
# (-include dom0/dom0.mk) and self-contained: tests/integration/dom0-bare.sh
# runs `make -f dom0/dom0.mk dom0`. Everything lands in build/dom0/:
#   build/dom0/hvdev.ko            the module (kbuild in build/dom0/kmod/hvdev)
#   build/dom0/hvctl               static, runs in the initramfs
#   build/dom0/hvdev-check         static, /dev/hv conformance checks
#   build/dom0/hvdm                static, device model (echo device) for a client domain
#   build/dom0/initramfs.cpio.gz   busybox-static + hvdev.ko + hvctl + hvdm + /init, and
#                                  test guests (build/guests/, make guests) in /guests/
#                                  for the self-test's domains
# and the kernel stays in the cache: cache/dom0/vmlinuz (scripts/fetch-dom0.sh).
#
# make dom0-fetch       download/unpack kernel, headers, busybox (cache/dom0/)
# make dom0-kmod        build/dom0/hvdev.ko
# make dom0-tools       build/dom0/hvctl, build/dom0/hvdev-check, build/dom0/hvdm
# make dom0-initramfs   build/dom0/initramfs.cpio.gz
# make dom0             all of them

DOM0_BUILD   := build/dom0
DOM0_CACHE   := cache/dom0
DOM0_KBUILD  := $(DOM0_BUILD)/kmod/hvdev
DOM0_KO      := $(DOM0_BUILD)/hvdev.ko
DOM0_HVCTL   := $(DOM0_BUILD)/hvctl
DOM0_CHECK   := $(DOM0_BUILD)/hvdev-check
DOM0_HVDM    := $(DOM0_BUILD)/hvdm
DOM0_INITRD  := $(DOM0_BUILD)/initramfs.cpio.gz
DOM0_KERNEL  := $(DOM0_CACHE)/vmlinuz
# Test guests the self-test of /init starts as domains (hvctl create).
DOM0_GUESTS  := $(patsubst %,build/guests/%.elf,hypercall cpuid hlt ioclient wildmem)

DOM0_KMOD_SRCS  := dom0/kmod/hvdev/hvdev.c dom0/kmod/hvdev/Kbuild
DOM0_TOOL_SRCS  := dom0/tools/hvctl.c dom0/tools/libhv.c dom0/tools/hvctl_cli.c
DOM0_CHECK_SRCS := dom0/tools/hvdev-check.c dom0/tools/libhv.c
# hvdm: the echo device and the service side of the ring protocol, shared
# with the hypervisor and the test guests (hv/string.h takes libc's under HOST_TEST).
DOM0_HVDM_SRCS  := dom0/tools/hvdm.c dom0/tools/libhv.c dom0/tools/hvctl_cli.c \
                   dom0/dm/echodev.c hv/ioreq_ring.c
DOM0_HVDM_HDRS  := dom0/dm/echodev.h hv/ioreq.h hv/string.h
DOM0_TOOL_HDRS  := dom0/tools/libhv.h dom0/tools/hvctl_cli.h dom0/include/hvdev.h hv/abi.h
DOM0_TOOL_FLAGS := -static -O2 -Wall -Wextra -Werror -std=c11 -Wshadow -Wstrict-prototypes \
                   -Wmissing-prototypes -I. -Idom0/include -Idom0/tools -s

.PHONY: dom0 dom0-fetch dom0-kmod dom0-tools dom0-initramfs dom0-clean
dom0: dom0-fetch dom0-kmod dom0-tools dom0-initramfs

# Always runs: it returns at once when the cache is complete.
dom0-fetch:
	@scripts/fetch-dom0.sh

$(DOM0_CACHE)/VERSION:
	@scripts/fetch-dom0.sh

dom0-kmod: $(DOM0_KO)
dom0-tools: $(DOM0_HVCTL) $(DOM0_CHECK) $(DOM0_HVDM)
dom0-initramfs: $(DOM0_INITRD)

# Kbuild builds external modules in their source directory: build a copy
# under build/. The kernel's own make runs with a clean environment (no
# overrides of CC etc. from this make), with the headers' gcc-12.
$(DOM0_KO): $(DOM0_KMOD_SRCS) dom0/include/hvdev.h hv/abi.h hv/ioreq.h $(DOM0_CACHE)/VERSION
	@mkdir -p $(DOM0_KBUILD)
	@cp dom0/kmod/hvdev/hvdev.c dom0/kmod/hvdev/Kbuild $(DOM0_KBUILD)/
	@echo "  KBUILD  $@"
	@env -u MAKEFLAGS -u MAKEOVERRIDES -u MFLAGS -u MAKELEVEL \
		make -s -C $(DOM0_CACHE)/headers M=$(CURDIR)/$(DOM0_KBUILD) \
		KESTREL_ROOT=$(CURDIR) modules > $(DOM0_KBUILD)/kbuild.log 2>&1; \
		status=$$?; grep -v '^Skipping BTF generation' $(DOM0_KBUILD)/kbuild.log; \
		exit $$status
	@strip --strip-debug -o $@ $(DOM0_KBUILD)/hvdev.ko

$(DOM0_HVCTL): $(DOM0_TOOL_SRCS) $(DOM0_TOOL_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (static)"
	@gcc $(DOM0_TOOL_FLAGS) $(DOM0_TOOL_SRCS) -o $@

$(DOM0_CHECK): $(DOM0_CHECK_SRCS) $(DOM0_TOOL_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (static)"
	@gcc $(DOM0_TOOL_FLAGS) $(DOM0_CHECK_SRCS) -o $@

$(DOM0_HVDM): $(DOM0_HVDM_SRCS) $(DOM0_TOOL_HDRS) $(DOM0_HVDM_HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@ (static)"
	@gcc $(DOM0_TOOL_FLAGS) -DHOST_TEST $(DOM0_HVDM_SRCS) -o $@

# The guests' rules are in tests/guests/guests.mk, which the top Makefile
# includes before this file. Alone (make -f dom0/dom0.mk), this file asks
# the top Makefile for them; the initramfs is remade only if they changed.
ifndef GUEST_OUT
$(DOM0_GUESTS): dom0-guests-force
	@$(MAKE) --no-print-directory -f Makefile $@
.PHONY: dom0-guests-force
dom0-guests-force:
endif

$(DOM0_INITRD): $(DOM0_KO) $(DOM0_HVCTL) $(DOM0_CHECK) $(DOM0_HVDM) $(DOM0_GUESTS) \
		scripts/mkinitramfs.sh $(DOM0_CACHE)/VERSION
	@scripts/mkinitramfs.sh $@ $(DOM0_CACHE)/busybox $(DOM0_KO) $(DOM0_HVCTL) $(DOM0_CHECK) \
		$(DOM0_HVDM) $(DOM0_GUESTS)

# The cache (downloads) stays; `rm -rf cache/dom0` forgets it.
dom0-clean:
	rm -rf $(DOM0_BUILD)
