# agentcred — build, test, install.
#
#   make            build/agentcred and its two private modules
#   make check      install missing test dependencies, build with ASan+UBSan,
#                   run unit, integration and fuzz smoke tests
#   make demo       private keyring + local token server, then kubectl, git
#                   and curl getting tokens from agentcred
#   make bench      speed ratios (DESIGN.md §5a); not part of check
#   make fuzz       every libFuzzer harness for FUZZ_SECONDS (default 180)
#   make install / uninstall   PREFIX=/usr/local DESTDIR=
#
# The main binary links only libc, libdl and cJSON: libcurl and libsecret
# are built into agentcred-http.so and agentcred-secret.so, which it
# dlopen()s on demand (helper/module.c).

VERSION    = 0.1.0
PREFIX    ?= /usr/local
BINDIR     = $(PREFIX)/bin
LIBDIR     = $(PREFIX)/lib/agentcred
MANDIR     = $(PREFIX)/share/man/man1
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions
DESTDIR   ?=

CC        ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS    ?= -O2 -g
WARNINGS   = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security \
             -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
             -Wpointer-arith -Wvla -Wcast-qual -Wwrite-strings \
             -Wundef -Wnull-dereference -Wimplicit-fallthrough
HARDEN     = -fstack-protector-strong -fno-strict-aliasing
ifeq ($(SAN),)
HARDEN    += -D_FORTIFY_SOURCE=2
endif
ACFLAGS    = -std=c11 -D_GNU_SOURCE -DAGENTCRED_VERSION='"$(VERSION)"' \
             $(WARNINGS) $(HARDEN) $(CFLAGS)

CJSON_CFLAGS  := $(shell $(PKG_CONFIG) --cflags libcjson 2>/dev/null)
CJSON_LIBS    := $(shell $(PKG_CONFIG) --libs libcjson 2>/dev/null || echo -lcjson)
CURL_CFLAGS   := $(shell $(PKG_CONFIG) --cflags libcurl 2>/dev/null)
CURL_LIBS     := $(shell $(PKG_CONFIG) --libs libcurl 2>/dev/null)
SECRET_CFLAGS := $(shell $(PKG_CONFIG) --cflags libsecret-1 2>/dev/null)
SECRET_LIBS   := $(shell $(PKG_CONFIG) --libs libsecret-1 2>/dev/null)

# SAN=1: the test build, AddressSanitizer + UndefinedBehaviorSanitizer.
ifeq ($(SAN),1)
B          = build/san
SANFLAGS   = -fsanitize=address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer -DAGENTCRED_TEST_BUILD
else
B          = build
SANFLAGS   =
endif

MODULE_SRC = backends/http.c keyring/secret_service.c
CORE_SRC   = $(filter-out $(MODULE_SRC) helper/main.c, \
               $(sort $(wildcard helper/*.c backends/*.c keyring/*.c)))
CORE_OBJ   = $(CORE_SRC:%.c=$(B)/obj/%.o)
UNIT_SRC   = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN   = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
FUZZ_SRC   = $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN   = $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
LINKS      = git-credential-agentcred docker-credential-agentcred

all: $(B)/agentcred $(B)/agentcred-http.so $(B)/agentcred-secret.so \
     $(LINKS:%=$(B)/%)

$(B)/obj/%.o: %.c $(wildcard helper/*.h backends/*.h keyring/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ACFLAGS) $(SANFLAGS) $(CJSON_CFLAGS) -fPIE -c -o $@ $<

# Modules: position-independent, linked against their one library; they
# call back into the binary's exported symbols (ac_fail, sec_free, ...).
$(B)/agentcred-http.so: backends/http.c backends/http.h helper/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ACFLAGS) $(SANFLAGS) $(CURL_CFLAGS) -fPIC -shared \
	  -fvisibility=hidden -o $@ $< $(CURL_LIBS)

$(B)/agentcred-secret.so: keyring/secret_service.c keyring/keyring.h helper/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ACFLAGS) $(SANFLAGS) $(SECRET_CFLAGS) -Wno-cast-qual -fPIC -shared \
	  -fvisibility=hidden -o $@ $< $(SECRET_LIBS)

$(B)/libagentcred.a: $(CORE_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/agentcred: $(B)/obj/helper/main.o $(B)/libagentcred.a
	$(CC) $(SANFLAGS) -pie -Wl,-z,relro,-z,now -Wl,--export-dynamic \
	  -Wl,--as-needed -o $@ $^ $(CJSON_LIBS) -ldl

$(LINKS:%=$(B)/%): $(B)/agentcred
	ln -sf agentcred $@

# Unit tests link the core library directly (no modules, no keyring).
$(B)/tests/%: tests/unit/%.c tests/unit/check.h $(B)/libagentcred.a
	@mkdir -p $(dir $@)
	$(CC) $(ACFLAGS) $(SANFLAGS) $(CJSON_CFLAGS) -Wno-missing-prototypes \
	  -o $@ $< $(B)/libagentcred.a $(CJSON_LIBS) -ldl

# A test tool: runs a program with the key system calls refused (seccomp).
$(B)/tests/seccomp_nokeys: tests/seccomp_nokeys.c
	@mkdir -p $(dir $@)
	$(CC) $(ACFLAGS) -o $@ $<

unit: $(UNIT_BIN) $(B)/tests/seccomp_nokeys

deps:
	@sh tests/install-deps.sh

check: deps
	$(MAKE) SAN=1 all unit
	$(MAKE) fuzzers
	bash tests/run

# libFuzzer harnesses: clang, ASan+UBSan, core sources compiled in.
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -DAGENTCRED_VERSION='"$(VERSION)"' \
              -DAGENTCRED_TEST_BUILD -g -O1 -Wall -Wextra -Werror \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              $(CJSON_CFLAGS)
build/fuzz/%: tests/fuzz/%.c $(CORE_SRC) $(wildcard helper/*.h backends/*.h keyring/*.h)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRC) $(CJSON_LIBS) -ldl

fuzzers: $(FUZZ_BIN)

FUZZ_SECONDS ?= 180
fuzz: fuzzers
	@for f in $(FUZZ_BIN); do n=$${f##*/}; \
	  mkdir -p build/fuzz/corpus/$$n; \
	  echo "== $$n ($(FUZZ_SECONDS) s)"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    build/fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

demo: deps all
	bash contrib/demo.sh

bench: deps all
	bash tests/bench/run.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(MANDIR) \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 build/agentcred $(DESTDIR)$(BINDIR)/agentcred
	install -m 0644 build/agentcred-http.so build/agentcred-secret.so $(DESTDIR)$(LIBDIR)/
	for l in $(LINKS); do ln -sf agentcred $(DESTDIR)$(BINDIR)/$$l; done
	if [ -f contrib/agentcred.1 ]; then install -m 0644 contrib/agentcred.1 $(DESTDIR)$(MANDIR)/; fi
	if [ -f contrib/completion/agentcred.bash ]; then install -m 0644 contrib/completion/agentcred.bash $(DESTDIR)$(BASHCOMPDIR)/agentcred; fi
	if [ -f contrib/completion/_agentcred ]; then install -m 0644 contrib/completion/_agentcred $(DESTDIR)$(ZSHCOMPDIR)/_agentcred; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/agentcred $(LINKS:%=$(DESTDIR)$(BINDIR)/%) \
	  $(DESTDIR)$(LIBDIR)/agentcred-http.so $(DESTDIR)$(LIBDIR)/agentcred-secret.so \
	  $(DESTDIR)$(MANDIR)/agentcred.1 $(DESTDIR)$(BASHCOMPDIR)/agentcred \
	  $(DESTDIR)$(ZSHCOMPDIR)/_agentcred
	-rmdir $(DESTDIR)$(LIBDIR)

clean:
	rm -rf build

.PHONY: all unit deps check fuzzers fuzz demo bench install uninstall clean
.SECONDARY:
