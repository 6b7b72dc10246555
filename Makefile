# SPDX-License-Identifier: GPL-2.0
#
# liteauth: the top-level build. On a fresh Debian 12 machine every target
# installs the Debian packages it needs first (apt-get, as root).
#
#   make            make userspace, and liteauth.ko too if there is a kernel
#                   build tree (KDIR, by default the running kernel's);
#                   without one it says how to build the module
#   make userspace  liteauthd, liteauth, liteauth-devsim, the library and
#                   the unit tests; no kernel tree needed
#   make kmod       liteauth.ko against KDIR, e.g.
#                   make kmod KDIR=/lib/modules/$(uname -r)/build; with no
#                   kernel tree, against the UML 6.1 test kernel (built
#                   once from linux-source-6.1, about 5 minutes, cached)
#   make unit       userspace unit tests
#   make daemon     liteauthd end to end over UDP, with simulated devices
#   make cli        the liteauth tool's provisioning commands
#   make device     the device side built for a Cortex-M0+, with its size
#   make kunit      the KUnit suites inside UML kernels; KERNELS=6.1 picks one
#   make gateway    liteauth.ko on simulated radios in UML, driven over
#                   generic netlink with YNL, on each of KERNELS and on the
#                   6.12 debug kernel (GATEWAY_KERNELS)
#   make qemu       liteauth.ko built against Debian's arm64 and armhf
#                   kernel headers, on those kernels under QEMU, with the
#                   cross-built daemon and tools authenticating devices
#   make spec       the YNL spec against the schema, YNL and the uapi header
#   make style      checkpatch.pl on the kernel code (kmod/, uapi/)
#   make builds     liteauth.ko for Debian's kernel, arm64, sparse, DKMS
#   make fuzz       the libFuzzer targets, FUZZ_SECONDS (20) each (the
#                   parsers of files a quarter of it: tests/fuzz/run.sh)
#   make check      every suite; ends with "N passed, N failed[, N skipped]";
#                   its kernel suites on UML 6.1 and the 6.12 debug kernel
#                   (CHECK_KERNELS), the only two kernels it builds
#   make demo       a simulated gateway authenticating 8 devices, step by step
#   make bench      every benchmark against DTLS 1.2 PSK, side by side;
#                   a table, and tests/bench/results.json
#                   (make check runs a quick version: make bench-quick)
#   make install    liteauthd, liteauth, liteauth-devsim, man pages, the
#                   systemd units (liteauthd.service, liteauthd-direct.service)
#                   and bash completion under $(DESTDIR)$(PREFIX) (default
#                   /usr/local); a commented liteauthd.conf in
#                   $(DESTDIR)$(SYSCONFDIR)/liteauth (default /etc) if absent
#   make uninstall  remove what make install installed (same DESTDIR and
#                   PREFIX); never the key store, the passphrase, nor a
#                   liteauthd.conf that differs from the sample
#   make clean      remove build/ (the cached kernels stay, see README.md)
#
# The kernel module is built by Kbuild (Kbuild, kmod/Kbuild), never by this
# file; `make -C KDIR M=$PWD` from here works too.

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
KERNELS ?= 6.1 6.12
# The 6.12 tree the YNL spec check, checkpatch, make demo and the bench
# use; make check uses the debug one (CHECK_KERNELS), and builds two
# kernels rather than three.
UML_KERNEL ?= 6.12
export UML_KERNEL
CHECK_KERNELS ?= 6.1 6.12-debug
CHECK_VARS = KERNELS="$(CHECK_KERNELS)" GATEWAY_KERNELS="$(CHECK_KERNELS)" \
	UML_KERNEL=$(lastword $(CHECK_KERNELS))
# The gateway tests also run on the debug kernel (KASAN, kmemleak, lockdep).
GATEWAY_KERNELS ?= $(KERNELS) 6.12-debug
FUZZ_SECONDS ?= 20
B := build
RESULTS ?= $(CURDIR)/$(B)/results
export RESULTS

CFLAGS ?= -O2 -g
LA_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -MMD -MP -Iuapi -Ikmod \
	-Itools/lib -Idaemon
LDLIBS_CRYPTO := -lcrypto -lpthread
DEBS := make gcc libc6-dev libssl-dev libdb-dev libnl-genl-3-dev pkg-config
DEBS_FUZZ := clang libclang-rt-14-dev
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

KDIR ?= $(wildcard /lib/modules/$(shell uname -r)/build)

# The kernel module's portable parts, built unchanged for userspace.
# And the address parser of liteauthd and liteauth-devsim (addr.c), and the
# option parser of all three programs (opt.c).
LIB_SRCS := kmod/proto.c kmod/ratelimit.c tools/lib/crypto_openssl.c \
	tools/lib/addr.c tools/lib/opt.c tools/lib/utf8.c
LIB_OBJS := $(B)/lib/proto.o $(B)/lib/ratelimit.o $(B)/lib/crypto_openssl.o \
	$(B)/lib/addr.o $(B)/lib/opt.o $(B)/lib/utf8.o
# The daemon's parts: the key store on Berkeley DB, the server.
STORE_SRCS := daemon/store.c daemon/store_ctl.c daemon/server.c daemon/relay.c \
	daemon/quiet.c
STORE_OBJS := $(B)/lib/store.o $(B)/lib/store_ctl.o $(B)/lib/server.o \
	$(B)/lib/relay.o $(B)/lib/quiet.o
LDLIBS_DB := -ldb
NL_CFLAGS = $(shell pkg-config --cflags libnl-genl-3.0)
NL_LIBS = $(shell pkg-config --libs libnl-genl-3.0)
UNIT_SRCS := kmod/proto_test.c kmod/ratelimit_test.c kmod/test_vectors.c \
	daemon/store_test.c daemon/server_test.c daemon/relay_test.c \
	daemon/quiet_test.c tests/unit/kunit.c
UNIT_OBJS := $(B)/tests/proto_test.o $(B)/tests/ratelimit_test.o \
	$(B)/tests/test_vectors.o $(B)/tests/store_test.o \
	$(B)/tests/server_test.o $(B)/tests/relay_test.o \
	$(B)/tests/quiet_test.o $(B)/tests/kunit.o
FUZZ_TARGETS := $(B)/fuzz/proto_fuzz $(B)/fuzz/server_fuzz \
	$(B)/fuzz/gateway_fuzz $(B)/fuzz/conf_fuzz $(B)/fuzz/import_fuzz \
	$(B)/fuzz/keyfile_fuzz $(B)/fuzz/record_fuzz
# The protocol on the device's crypto: one AES block function (tools/device).
DEVICE_SRCS := kmod/proto.c tools/device/la_device.c \
	tools/device/crypto_block.c tools/device/aes.c
BLOCK_TEST_SRCS := kmod/proto_test.c kmod/test_vectors.c \
	tools/device/crypto_block_test.c tools/device/la_device_test.c \
	tests/unit/kunit.c
# The suites those files define: each must run, or the run fails.
UNIT_SUITES := $(shell sed -n 's/^\t\.name = "\(liteauth_[a-z_]*\)",/\1/p' \
	$(filter kmod/% daemon/%,$(UNIT_SRCS)))

.PHONY: all userspace kmod unit daemon cli device kunit gateway spec style \
	builds fuzz bench bench-quick check demo install uninstall clean

# The module only against a kernel tree that is there; never a UML kernel
# build unasked (make kmod does that).
ifneq ($(and $(KDIR),$(wildcard $(KDIR))),)
all: userspace kmod
else
all: userspace
	@echo "liteauthd, liteauth and liteauth-devsim are built in $(B)/;"
	@echo "liteauth.ko is not: there is no kernel build tree (KDIR). Build it with"
	@echo "  make kmod KDIR=/lib/modules/\$$(uname -r)/build  (apt-get install linux-headers-\$$(uname -r))"
	@echo "or, for the tests, against the UML 6.1 test kernel (about 5 minutes, once):"
	@echo "  make kmod"
endif

CLI_SRCS := $(wildcard tools/liteauth/*.c)
CLI_OBJS := $(patsubst tools/liteauth/%.c,$(B)/tools/%.o,$(CLI_SRCS))

userspace: $(B)/lib/libliteauth.a $(B)/daemon/liteauthd $(B)/tools/liteauth \
	$(B)/tools/liteauth-devsim \
	$(B)/tests/unit $(B)/tests/unit-block \
	$(B)/tests/unit-san $(B)/tests/laproto $(B)/tests/direct

# Installs what the userspace build needs, once per change of this file.
$(B)/.debs: Makefile tools/build/need-debs.sh
	@mkdir -p $(B)
	@tools/build/need-debs.sh $(DEBS)
	@touch $@

$(B)/lib/%.o: kmod/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -c -o $@ $<

$(B)/lib/%.o: tools/lib/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -c -o $@ $<

$(B)/lib/%.o: daemon/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -c -o $@ $<

$(B)/lib/libliteauth.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

# The KUnit suites, built for userspace against tests/unit/kunit/test.h.
# KUnit's callbacks take arguments a suite need not use; the kernel builds
# without -Wunused-parameter, and so do these files here.
$(B)/tests/%.o: kmod/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -Wno-unused-parameter -Itests/unit -c -o $@ $<

$(B)/tests/%.o: daemon/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -Wno-unused-parameter -Itests/unit -c -o $@ $<

$(B)/tests/%.o: tests/unit/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -Itests/unit -c -o $@ $<

$(B)/tests/unit: $(UNIT_OBJS) $(STORE_OBJS) $(B)/lib/libliteauth.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_DB) $(LDLIBS_CRYPTO)

$(B)/daemon/%.o: daemon/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) $(NL_CFLAGS) -c -o $@ $<

$(B)/daemon/liteauthd: $(B)/daemon/liteauthd.o $(B)/daemon/conf.o \
		$(B)/daemon/metrics.o $(B)/daemon/nl.o $(STORE_OBJS) \
		$(B)/lib/libliteauth.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_DB) $(NL_LIBS) $(LDLIBS_CRYPTO)

$(B)/tools/%.o: tools/liteauth/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) $(NL_CFLAGS) -Itools/liteauth -c -o $@ $<

# bash completion for liteauth, liteauthd and liteauth-devsim, each made by
# the program from its own table (tools/lib/opt.c).
COMPLETIONS := $(B)/completion/liteauth $(B)/completion/liteauthd \
	$(B)/completion/liteauth-devsim
$(B)/completion/liteauth: $(B)/tools/liteauth
	@mkdir -p $(@D)
	$< --completion bash > $@.tmp && mv $@.tmp $@

$(B)/completion/liteauthd: $(B)/daemon/liteauthd
	@mkdir -p $(@D)
	$< --completion bash > $@.tmp && mv $@.tmp $@

$(B)/completion/liteauth-devsim: $(B)/tools/liteauth-devsim
	@mkdir -p $(@D)
	$< --completion bash > $@.tmp && mv $@.tmp $@

$(B)/tools/liteauth: $(CLI_OBJS) $(STORE_OBJS) $(B)/lib/libliteauth.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_DB) $(NL_LIBS) $(LDLIBS_CRYPTO)

# The device simulator: the device library on OpenSSL, over UDP. It reads
# IDs, keys and numbers with the liteauth tool's parsers (parse.c), built
# with a section per function so that it links only those it calls.
$(B)/tools/devsim-parse.o: tools/liteauth/parse.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -Itools/liteauth -ffunction-sections \
		-fdata-sections -c -o $@ $<

$(B)/tools/liteauth-devsim: tools/devsim/devsim.c tools/device/la_device.c \
		$(B)/tools/devsim-parse.o $(B)/lib/libliteauth.a | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -Itools/device -Itools/liteauth -o $@ \
		$(filter %.c %.o %.a,$^) -Wl,--gc-sections $(LDLIBS_CRYPTO)

# The daemon end to end over UDP (tests/daemon/direct.c).
$(B)/tests/direct: $(B)/tests/direct.o $(STORE_OBJS) $(B)/lib/libliteauth.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_DB) $(LDLIBS_CRYPTO)

$(B)/tests/%.o: tests/daemon/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -c -o $@ $<

# The protocol on the command line, for tests in UML (tests/lib/laproto.c).
$(B)/tests/laproto: $(B)/tests/laproto.o $(STORE_OBJS) $(B)/lib/libliteauth.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_DB) $(LDLIBS_CRYPTO)

$(B)/tests/%.o: tests/lib/%.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -c -o $@ $<

# The protocol suite again, on the device's crypto (C99, no heap), with the
# known answers of AES and CMAC, under the sanitizers.
$(B)/tests/unit-block: $(BLOCK_TEST_SRCS) $(DEVICE_SRCS) | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -std=c99 -Wall -Wextra -Werror -Wno-unused-parameter \
		$(SAN) -Iuapi -Ikmod -Itools/lib -Itools/device -Itests/unit \
		-o $@ $(BLOCK_TEST_SRCS) $(DEVICE_SRCS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
$(B)/tests/unit-san: $(UNIT_SRCS) $(LIB_SRCS) $(STORE_SRCS) | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LA_CFLAGS) -Wno-unused-parameter $(SAN) -Itests/unit \
		-o $@ $(UNIT_SRCS) $(LIB_SRCS) $(STORE_SRCS) $(LDLIBS_DB) \
		$(LDLIBS_CRYPTO)

$(B)/.debs-fuzz: Makefile tools/build/need-debs.sh
	@mkdir -p $(B)
	@tools/build/need-debs.sh $(DEBS) $(DEBS_FUZZ)
	@touch $@

# libFuzzer targets, with clang; the fuzz entry points are callbacks with
# arguments they need not use.
FUZZ_CC = clang -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all $(LA_CFLAGS) -Wno-unused-parameter
$(B)/fuzz/%: tests/fuzz/%.c $(LIB_SRCS) | $(B)/.debs-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) -o $@ $< $(LIB_SRCS) $(LDLIBS_CRYPTO)

# The parsers of what liteauthd and liteauth read from files, each the
# real one: liteauthd's config file (conf_fuzz.c); the tool's import files
# (import_fuzz.c); key files and passphrase files (keyfile_fuzz.c); the key
# store's records, each kind (record_fuzz.c).
CLI_PARSE_SRCS := tools/liteauth/parse.c tools/liteauth/output.c
$(B)/fuzz/conf_fuzz: tests/fuzz/conf_fuzz.c daemon/conf.c daemon/conf.h \
		tools/lib/addr.c tools/lib/addr.h tests/fuzz/fail.h | $(B)/.debs-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) -o $@ $(filter %.c,$^)

$(B)/fuzz/import_fuzz: tests/fuzz/import_fuzz.c tools/liteauth/import_file.c \
		$(CLI_PARSE_SRCS) tools/lib/utf8.c tools/liteauth/import.h \
		tools/liteauth/liteauth.h tests/fuzz/fail.h | $(B)/.debs-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) -Itools/liteauth -o $@ $(filter %.c,$^)

$(B)/fuzz/keyfile_fuzz: tests/fuzz/keyfile_fuzz.c $(CLI_PARSE_SRCS) \
		tools/liteauth/liteauth.h daemon/store.h tests/fuzz/fail.h \
		$(LIB_SRCS) $(STORE_SRCS) | $(B)/.debs-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) -Itools/liteauth -o $@ $(filter %.c,$^) $(LDLIBS_DB) \
		$(LDLIBS_CRYPTO)

$(B)/fuzz/record_fuzz: tests/fuzz/record_fuzz.c daemon/store_int.h \
		tests/fuzz/fail.h $(LIB_SRCS) $(STORE_SRCS) | $(B)/.debs-fuzz
	@mkdir -p $(@D)
	$(FUZZ_CC) -o $@ $(filter %.c,$^) $(LDLIBS_DB) $(LDLIBS_CRYPTO)

# The server's state machine, on a key store of its own (server_fuzz.c).
$(B)/fuzz/server_fuzz: tests/fuzz/server_fuzz.c tests/fuzz/server_fuzz.ignore \
		tests/fuzz/input.h \
		$(LIB_SRCS) $(STORE_SRCS) | $(B)/.debs-fuzz
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fsanitize-coverage-ignorelist=tests/fuzz/server_fuzz.ignore \
		-fno-sanitize-recover=all $(LA_CFLAGS) -Wno-unused-parameter \
		-o $@ $< $(LIB_SRCS) $(STORE_SRCS) $(LDLIBS_DB) $(LDLIBS_CRYPTO)

# The gateway's state machine: kmod/gateway.c, unchanged, built for
# userspace against the kernel header shims of tests/fuzz/kshim, whose
# gateway_peek.c includes it to read the device table (gateway_fuzz.c).
GATEWAY_FUZZ_SRCS := tests/fuzz/gateway_fuzz.c tests/fuzz/kshim/gateway_peek.c
$(B)/fuzz/gateway_fuzz: $(GATEWAY_FUZZ_SRCS) tests/fuzz/gateway_fuzz.ignore \
		tests/fuzz/input.h \
		kmod/gateway.c kmod/gateway.h kmod/limits.h \
		$(wildcard tests/fuzz/kshim/*.h tests/fuzz/kshim/*/*.h) \
		$(LIB_SRCS) | $(B)/.debs-fuzz
	@mkdir -p $(@D)
	clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-fsanitize-coverage-ignorelist=tests/fuzz/gateway_fuzz.ignore \
		-fno-sanitize-recover=all $(LA_CFLAGS) -Wno-unused-parameter \
		-Itests/fuzz/kshim -o $@ $(GATEWAY_FUZZ_SRCS) $(LIB_SRCS) \
		$(LDLIBS_CRYPTO)

# DTLS 1.2 PSK over memory BIOs, the benchmarks' peer (tests/bench).
$(B)/tests/dtls12: tests/bench/dtls12.c | $(B)/.debs
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Wall -Wextra -Werror -o $@ $< -lssl -lcrypto

kmod:
ifeq ($(KDIR),)
	@tools/build/kmod.sh $(B)/kmod-um-6.1 "$$(tests/uml/kernel.sh 6.1)" ARCH=um
else
	@tools/build/kmod.sh $(B)/kmod "$(KDIR)"
endif

unit: $(B)/tests/unit $(B)/tests/unit-san $(B)/tests/unit-block
	@tests/run-ktap.sh unit \
		"$(UNIT_SUITES) liteauth_device_crypto liteauth_device" \
		tests/unit/run.sh

daemon: $(B)/daemon/liteauthd $(B)/tests/direct $(B)/tools/liteauth \
		$(B)/tools/liteauth-devsim $(B)/tests/laproto
	@tests/run-ktap.sh daemon "" tests/daemon/run.sh

cli: $(B)/tools/liteauth $(B)/daemon/liteauthd $(B)/tests/laproto \
		$(B)/tools/liteauth-devsim $(COMPLETIONS)
	@tests/run-ktap.sh cli "" /usr/bin/python3 tests/cli/cli_test.py \
		$(B)/tools/liteauth $(B)/daemon/liteauthd $(B)/tests/laproto \
		$(B)/tools/liteauth-devsim

device: $(B)/tools/liteauth-devsim
	@tests/run-ktap.sh device "" tests/device/run.sh

kunit:
	@tests/uml/kunit.sh $(KERNELS)

gateway: $(B)/tests/laproto $(B)/daemon/liteauthd $(B)/tools/liteauth \
		$(B)/tools/liteauth-devsim
	@tests/uml/gateway.sh $(GATEWAY_KERNELS)

# liteauth.ko on Debian's own arm64 and 32-bit ARM (armmp) kernels under
# QEMU (TCG): images from Debian's packages, cached like the UML kernels;
# QEMU_ARCHES=arm64 picks one. make check runs both.
QEMU_ARCHES ?= arm64 armhf
.PHONY: qemu
qemu:
	@tests/qemu/run.sh $(QEMU_ARCHES)

spec:
	@tests/run-ktap.sh spec "" tests/netlink/run.sh

style:
	@tests/run-ktap.sh style "" tests/style.sh

builds:
	@tests/run-ktap.sh builds "" tests/build/run.sh

fuzz: $(FUZZ_TARGETS)
	@tests/run-ktap.sh fuzz "" tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

demo:
	@tests/uml/demo.sh

BENCH_DEPS := $(B)/tools/liteauth $(B)/daemon/liteauthd \
	$(B)/tools/liteauth-devsim $(B)/tests/dtls12
# sessions.py speaks the protocol itself, on tests/vectors.py.
BENCH_DEBS := openssl util-linux python3 python3-cryptography

bench: $(BENCH_DEPS)
	@tools/build/need-debs.sh $(BENCH_DEBS) >/dev/null
	@python3 tests/bench/bench.py --out tests/bench/results.json

# What make check runs: every benchmark, small, proving it works; no
# figure is asserted.
bench-quick: $(BENCH_DEPS)
	@tools/build/need-debs.sh $(BENCH_DEBS) >/dev/null
	@tests/run-ktap.sh bench "" python3 tests/bench/bench.py --quick \
		--out $(B)/bench/results-quick.json

# Every suite runs even if an earlier one failed; tests/total.sh then adds
# up their closing lines, and a suite that left none counts as a failure.
check:
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	-@tests/timed.sh unit $(MAKE) --no-print-directory $(CHECK_VARS) unit
	-@tests/timed.sh daemon $(MAKE) --no-print-directory $(CHECK_VARS) daemon
	-@tests/timed.sh cli $(MAKE) --no-print-directory $(CHECK_VARS) cli
	-@tests/timed.sh device $(MAKE) --no-print-directory $(CHECK_VARS) device
	-@tests/timed.sh kunit $(MAKE) --no-print-directory $(CHECK_VARS) kunit
	-@tests/timed.sh gateway $(MAKE) --no-print-directory $(CHECK_VARS) gateway
	-@tests/timed.sh qemu $(MAKE) --no-print-directory $(CHECK_VARS) qemu
	-@tests/timed.sh spec $(MAKE) --no-print-directory $(CHECK_VARS) spec
	-@tests/timed.sh fuzz $(MAKE) --no-print-directory $(CHECK_VARS) fuzz
	-@tests/timed.sh style $(MAKE) --no-print-directory $(CHECK_VARS) style
	-@tests/timed.sh builds $(MAKE) --no-print-directory $(CHECK_VARS) builds
	-@tests/timed.sh bench-quick $(MAKE) --no-print-directory $(CHECK_VARS) bench-quick
	-@UML_KERNEL=$(lastword $(CHECK_KERNELS)) tests/timed.sh demo \
		tests/run-ktap.sh demo "" sh -c 'tests/uml/demo.sh \
		>$(B)/demo.log 2>&1 && echo "ok - make demo authenticates 8 devices on a simulated gateway" || echo "not ok - make demo (see $(B)/demo.log)"'
	@tests/total.sh $(RESULTS) unit daemon cli device \
		$(addprefix kunit-,$(CHECK_KERNELS)) \
		$(addprefix gateway-,$(CHECK_KERNELS)) \
		$(addprefix qemu-,$(QEMU_ARCHES)) spec fuzz style builds \
		bench demo

# The files make install puts under $(DESTDIR)$(PREFIX), which make
# uninstall removes.
INSTALLED := sbin/liteauthd sbin/liteauth bin/liteauth-devsim \
	share/man/man1/liteauth-devsim.1 share/man/man8/liteauthd.8 \
	share/man/man8/liteauth.8 share/man/man5/liteauthd.conf.5 \
	lib/systemd/system/liteauthd.service \
	lib/systemd/system/liteauthd-direct.service \
	share/bash-completion/completions/liteauth \
	share/bash-completion/completions/liteauthd \
	share/bash-completion/completions/liteauth-devsim
UNITDIR := $(DESTDIR)$(PREFIX)/lib/systemd/system
CONFDIR := $(DESTDIR)$(SYSCONFDIR)/liteauth

install: $(B)/daemon/liteauthd $(B)/tools/liteauth $(B)/tools/liteauth-devsim \
		$(COMPLETIONS)
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 $(UNITDIR)
	install -m 0755 $(B)/daemon/liteauthd $(B)/tools/liteauth \
		$(DESTDIR)$(PREFIX)/sbin/
	install -m 0755 $(B)/tools/liteauth-devsim $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 Documentation/man/liteauth-devsim.1 \
		$(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 Documentation/man/liteauthd.8 \
		Documentation/man/liteauth.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 0644 Documentation/man/liteauthd.conf.5 \
		$(DESTDIR)$(PREFIX)/share/man/man5/
	for u in liteauthd.service liteauthd-direct.service; do \
		sed 's|/usr/local/sbin|$(PREFIX)/sbin|' daemon/$$u \
			>$(UNITDIR)/$$u || exit 1; \
	done
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 0644 $(COMPLETIONS) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/
	# The sample settings, all commented out: never over an operator's.
	install -d $(CONFDIR)
	if [ -e $(CONFDIR)/liteauthd.conf ]; then \
		echo "$(CONFDIR)/liteauthd.conf kept (the sample is daemon/liteauthd.conf)"; \
	else \
		install -m 0644 daemon/liteauthd.conf $(CONFDIR)/; \
	fi

# What make install installed; a liteauthd.conf only if it is still the
# sample, unedited. The key store and the passphrase stay.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	if cmp -s daemon/liteauthd.conf $(CONFDIR)/liteauthd.conf; then \
		rm -f $(CONFDIR)/liteauthd.conf; \
		rmdir $(CONFDIR) 2>/dev/null || true; \
	elif [ -e $(CONFDIR)/liteauthd.conf ]; then \
		echo "$(CONFDIR)/liteauthd.conf kept: it is not the sample"; \
	fi

clean:
	rm -rf $(B)

-include $(wildcard $(B)/lib/*.d $(B)/tests/*.d $(B)/fuzz/*.d $(B)/daemon/*.d \
	$(B)/tools/*.d)
