# agentcred — build, test, install, package.
#
#   make            build/agentcred and its private modules
#   make check      install missing test dependencies, build with ASan+UBSan
#                   (WERROR=1), run unit and integration tests, replay each
#                   fuzzer's corpus and fuzz it a few seconds
#   make demo       install missing dependencies, build, then a private
#                   keyring + local token server, and kubectl, git and curl
#                   getting tokens from agentcred
#   make bench      speed ratios (README.md, Speed); not part of check
#   make soak       64 callers against a flapping token server for
#                   SOAK_SECONDS (default 600); check runs a 60 s version
#   make fuzz       every libFuzzer harness for FUZZ_SECONDS (default 180)
#   make deb        build/deb/agentcred_VERSION_ARCH.deb (contrib/debian/)
#   make install / uninstall   PREFIX=/usr/local DESTDIR=
#
#   CC CFLAGS CPPFLAGS LDFLAGS   honoured; changing them rebuilds what they
#                   affect.  WERROR=1: warnings are errors.  BUILD=DIR:
#                   build there instead of build/.  SAN=1: the test build.
#
# The main binary links only libc, libdl and cJSON: libcurl, libsecret and
# libcrypto are built into agentcred-http.so, agentcred-secret.so and
# agentcred-crypto.so, which it dlopen()s on demand (helper/lib/module.c).

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR     = $(PREFIX)/bin
LIBDIR     = $(PREFIX)/lib/agentcred
MANDIR     = $(PREFIX)/share/man/man1
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
DESTDIR   ?=

PKG_CONFIG ?= pkg-config
CFLAGS    ?= -O2 -g
CPPFLAGS  ?=
LDFLAGS   ?=
# WERROR=1: warnings are errors (make check and CI set it; a release build
# must not break on the next compiler's new warnings).
WERROR    ?=
# BUILD=DIR: where everything is built (default build/).
BUILD     ?= build

WARNINGS   = -Wall -Wextra -Wshadow -Wformat=2 -Wformat-security \
             -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
             -Wpointer-arith -Wvla -Wcast-qual -Wwrite-strings \
             -Wundef -Wnull-dereference -Wimplicit-fallthrough
ifeq ($(WERROR),1)
WARNINGS  += -Werror
endif
HARDEN     = -fstack-protector-strong -fno-strict-aliasing
ifeq ($(SAN)$(findstring _FORTIFY_SOURCE,$(CPPFLAGS) $(CFLAGS)),)
HARDEN    += -D_FORTIFY_SOURCE=2
endif

# SAN=1: the test build, AddressSanitizer + UndefinedBehaviorSanitizer.
ifeq ($(SAN),1)
B          = $(BUILD)/san
SANFLAGS   = -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer -DAGENTCRED_TEST_BUILD
else
B          = $(BUILD)
SANFLAGS   =
endif

# The user's CPPFLAGS and CFLAGS come last so that they win (dpkg-buildflags).
ALL_CFLAGS  = -std=c11 -D_GNU_SOURCE -DAGENTCRED_VERSION='"$(VERSION)"' \
              $(WARNINGS) $(HARDEN) $(SANFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) -Wl,-z,relro,-z,now $(LDFLAGS)

# ---- what the compiler, the flags and pkg-config say, tracked in files
# (git's GIT-CFLAGS): each file is rewritten only when its content changes,
# so changing CC, CFLAGS, CPPFLAGS or LDFLAGS, or installing another version
# of a library, rebuilds exactly what depends on it.  pkg-config runs when
# a rule needs it, after `make deps` — never while the Makefile is read.
FORCE:
define track
	$(shell mkdir -p $(dir $@))$(file >$@.new,$(1))
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@
endef

$(B)/CFLAGS: FORCE
	$(call track,$(CC) $(ALL_CFLAGS))

$(B)/LDFLAGS: FORCE
	$(call track,$(CC) $(ALL_LDFLAGS))

# $(BUILD)/pkg/NAME.cflags and NAME.libs: pkg-config's answer for NAME.  A
# package it cannot find stops the build with its reason and the Debian
# package to install — never an empty flag that links a module against
# nothing.
DEB_libcjson     = libcjson-dev
DEB_libcurl      = libcurl4-openssl-dev
DEB_libsecret-1  = libsecret-1-dev
DEB_libcrypto    = libssl-dev
define pkgconfig
	@mkdir -p $(dir $@)
	@command -v $(PKG_CONFIG) >/dev/null || { echo "$(PKG_CONFIG) is not installed: run make deps (tests/install-deps.sh), or apt install pkg-config" >&2; exit 1; }
	@$(PKG_CONFIG) --print-errors --exists $* || { echo "pkg-config cannot find $*: install $(or $(DEB_$*),its -dev package) (make deps does)" >&2; exit 1; }
	@$(PKG_CONFIG) $(1) $* >$@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@
endef
$(BUILD)/pkg/%.cflags: FORCE
	$(call pkgconfig,--cflags)
$(BUILD)/pkg/%.libs: FORCE
	$(call pkgconfig,--libs)
pkg_cflags = $(strip $(file <$(BUILD)/pkg/$(1).cflags))
pkg_libs   = $(strip $(file <$(BUILD)/pkg/$(1).libs))

# ---- sources
# Modules: one shared object per external library, dlopen()ed on demand
# (helper/lib/module.c).  Each is NAME with NAME_SRC, its one library NAME_PKG
# (a pkg-config name) and optional NAME_CFLAGS; adding one is four lines.
MODULES       = http secret crypto
http_SRC      = backends/http.c
http_PKG      = libcurl
secret_SRC    = keyring/secret_service.c
secret_PKG    = libsecret-1
secret_CFLAGS = -Wno-cast-qual
# The one libcrypto user: certificates and RS256 client assertions.
crypto_SRC    = backends/crypto.c
crypto_PKG    = libcrypto
MODULE_SO  = $(MODULES:%=$(B)/agentcred-%.so)
MODULE_SRC = $(foreach m,$(MODULES),$($(m)_SRC))

HEADERS    = $(wildcard helper/*.h helper/lib/*.h backends/*.h keyring/*.h)
CORE_SRC   = $(filter-out $(MODULE_SRC) helper/main.c, \
               $(sort $(wildcard helper/*.c helper/lib/*.c backends/*.c keyring/*.c)))
CORE_OBJ   = $(CORE_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC   = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
LINKS      = git-credential-agentcred docker-credential-agentcred
# The binary's exported symbols: exactly the functions the modules call
# back (the module ABI, beside AGENTCRED_MODULE_ABI in helper/lib/module.h).
MODULE_SYMS = helper/module.syms

all: $(B)/agentcred $(MODULE_SO) $(LINKS:%=$(B)/%)

$(B)/obj/%.o: %.c $(HEADERS) $(B)/CFLAGS $(BUILD)/pkg/libcjson.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,libcjson) -fPIE -c -o $@ $<

# Modules: position-independent, linked against their one library; they
# call back into the symbols the binary exports (MODULE_SYMS).
.SECONDEXPANSION:
$(B)/agentcred-%.so: $$($$*_SRC) $(HEADERS) $(B)/CFLAGS $(B)/LDFLAGS \
		$(BUILD)/pkg/$$($$*_PKG).cflags $(BUILD)/pkg/$$($$*_PKG).libs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $($*_CFLAGS) $(call pkg_cflags,$($*_PKG)) -fPIC -shared \
	  -fvisibility=hidden $(ALL_LDFLAGS) -o $@ $< $(call pkg_libs,$($*_PKG))

$(B)/libagentcred.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/agentcred: $(B)/obj/helper/main.o $(B)/libagentcred.a $(MODULE_SYMS) \
		$(B)/LDFLAGS $(BUILD)/pkg/libcjson.libs
	$(CC) $(ALL_LDFLAGS) -pie -Wl,--dynamic-list=$(MODULE_SYMS) -Wl,--as-needed \
	  -o $@ $(B)/obj/helper/main.o $(B)/libagentcred.a $(call pkg_libs,libcjson) -ldl

$(LINKS:%=$(B)/%): $(B)/agentcred
	ln -sf agentcred $@

# Unit tests link the core library directly (no keyring); they export the
# module ABI like the binary, so test_crypto can load agentcred-crypto.so.
$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libagentcred.a $(MODULE_SYMS) $(B)/CFLAGS \
		$(B)/LDFLAGS $(BUILD)/pkg/libcjson.cflags $(BUILD)/pkg/libcjson.libs
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(call pkg_cflags,libcjson) -Wno-missing-prototypes \
	  $(ALL_LDFLAGS) -Wl,--dynamic-list=$(MODULE_SYMS) -o $@ $< $(B)/libagentcred.a \
	  $(call pkg_libs,libcjson) -ldl

# A test tool: runs a program with the key system calls refused (seccomp).
$(B)/tests/seccomp_nokeys: tests/seccomp_nokeys.c
	@mkdir -p $(dir $@)
	$(CC) $(ACFLAGS) -o $@ $<

unit: $(UNIT_BIN) $(B)/tests/seccomp_nokeys

deps:
	@sh tests/install-deps.sh check

# The targets that need the dependencies install them first, then build in
# a new make, so that pkg-config and the compiler are there when it runs.
check: deps
	$(MAKE) SAN=1 WERROR=1 all unit
	$(MAKE) WERROR=1 fuzzers
	bash tests/run

demo:
	@sh tests/install-deps.sh demo
	$(MAKE) all
	bash contrib/demo.sh

bench: deps
	$(MAKE) all
	bash tests/bench/run.sh

# A Debian package from contrib/debian/ (debhelper, dh): the tree's files
# are copied to $(BUILD)/deb/agentcred-VERSION/ with debian/ beside them,
# and dpkg-buildpackage writes $(BUILD)/deb/agentcred_VERSION_ARCH.deb.
DEB_SRC = $(BUILD)/deb/agentcred-$(VERSION)
deb:
	@sh tests/install-deps.sh deb
	rm -rf $(BUILD)/deb && mkdir -p $(DEB_SRC)
	tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C $(DEB_SRC)
	cp -R contrib/debian $(DEB_SRC)/debian
	cd $(DEB_SRC) && DEB_BUILD_OPTIONS="$(strip $(DEB_BUILD_OPTIONS) noddebs)" \
	  dpkg-buildpackage -b -us -uc -rfakeroot
	@ls $(BUILD)/deb/agentcred_*.deb

# libFuzzer harnesses: clang, ASan+UBSan.  The core is compiled once into
# an object library (-fsanitize=fuzzer-no-link: coverage without libFuzzer's
# main); each harness links it with -fsanitize=fuzzer.
FUZZ_CC     = clang
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -DAGENTCRED_VERSION='"$(VERSION)"' \
              -DAGENTCRED_TEST_BUILD -g -O1 -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror) \
              -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJ    = $(CORE_SRC:%.c=$(BUILD)/fuzz/obj/%.o)

$(BUILD)/fuzz/CFLAGS: FORCE
	$(call track,$(FUZZ_CC) $(FUZZ_CFLAGS))

$(BUILD)/fuzz/obj/%.o: %.c $(HEADERS) $(BUILD)/fuzz/CFLAGS $(BUILD)/pkg/libcjson.cflags
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(call pkg_cflags,libcjson) \
	  -c -o $@ $<

$(BUILD)/fuzz/libcore.a: $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(HEADERS) $(BUILD)/fuzz/libcore.a \
		$(BUILD)/fuzz/CFLAGS $(BUILD)/pkg/libcjson.cflags $(BUILD)/pkg/libcjson.libs
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(call pkg_cflags,libcjson) \
	  -o $@ $< $(BUILD)/fuzz/libcore.a $(call pkg_libs,libcjson) -ldl

fuzzers: $(FUZZ_BIN)

FUZZ_SECONDS ?= 180
fuzz: fuzzers
	@for f in $(FUZZ_BIN); do n=$${f##*/}; \
	  mkdir -p $(BUILD)/fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    $(BUILD)/fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

soak: deps
	$(MAKE) SAN=1 all
	bash tests/soak.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR) \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(B)/agentcred $(DESTDIR)$(BINDIR)/agentcred
	install -m 0644 $(MODULE_SO) $(DESTDIR)$(LIBDIR)/
	for l in $(LINKS); do ln -sf agentcred $(DESTDIR)$(BINDIR)/$$l; done
	if [ -f contrib/agentcred.1 ]; then install -m 0644 contrib/agentcred.1 $(DESTDIR)$(MANDIR)/; fi
	if [ -f contrib/completion/agentcred.bash ]; then install -m 0644 contrib/completion/agentcred.bash $(DESTDIR)$(BASHCOMPDIR)/agentcred; fi
	if [ -f contrib/completion/_agentcred ]; then install -m 0644 contrib/completion/_agentcred $(DESTDIR)$(ZSHCOMPDIR)/_agentcred; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/agentcred $(LINKS:%=$(DESTDIR)$(BINDIR)/%) \
	  $(MODULES:%=$(DESTDIR)$(LIBDIR)/agentcred-%.so) \
	  $(DESTDIR)$(MANDIR)/agentcred.1 $(DESTDIR)$(BASHCOMPDIR)/agentcred \
	  $(DESTDIR)$(ZSHCOMPDIR)/_agentcred
	-rmdir $(DESTDIR)$(LIBDIR)

clean:
	rm -rf $(BUILD)

.PHONY: all unit deps check fuzzers fuzz demo bench soak install uninstall clean deb FORCE
.SECONDARY:
