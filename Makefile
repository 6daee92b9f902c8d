# sluice build.  `make` builds every program into bin/ (a symlink to the
# build directory of the current flavour); `make check` runs every test;
# `make check SAN=1` does both with AddressSanitizer + UBSan.

CC      ?= cc
PKGS    := libevent libevent_openssl libcares openssl lmdb libcdb libpcre2-8 libsasl2 liburing
FLAVOUR := $(if $(SAN),san,std)
BUILD   ?= build/$(FLAVOUR)
PREFIX  ?= /usr/local

# Evaluated when a recipe runs (recursive "="), i.e. after deps-build has
# installed what was missing on a fresh machine.
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)

# Installation directories; the binaries have PREFIX compiled in, so
# everything is rebuilt when PREFIX changes (the stamp below).
SBINDIR      = $(PREFIX)/sbin
LIBEXECDIR   = $(PREFIX)/libexec/sluice
CONFDIR      = $(PREFIX)/etc/sluice
MANDIR       = $(PREFIX)/share/man
SYSTEMDDIR  ?= $(PREFIX)/lib/systemd/system
LOGROTATEDIR ?= /etc/logrotate.d
SETGID_GROUP ?= postdrop
PREFIX_STAMP := $(BUILD)/.prefix
$(shell mkdir -p $(BUILD) && { [ "$$(cat $(PREFIX_STAMP) 2>/dev/null)" = "$(PREFIX)" ] || echo "$(PREFIX)" > $(PREFIX_STAMP); })

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
           -D_GNU_SOURCE -Iutil $(PKG_CFLAGS) \
           -DSLUICE_PREFIX='"$(PREFIX)"'
ifdef SAN
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
# `make fuzz` builds everything again with clang and libFuzzer in build/fuzz.
ifdef FUZZ
CFLAGS  += -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=fuzzer,address,undefined
endif
LDLIBS   = $(PKG_LIBS) -ldb -lm
# util/commit.c: cleanup's fsync worker threads.
CFLAGS  += -pthread
LDFLAGS += -pthread

DAEMONS  := master pickup cleanup qmgr smtp smtpd flush showq bounce metrics
COMMANDS := $(notdir $(wildcard cmd/*))
# A program exists once its <dir>/<name>.c exists.
PROGS_D  := $(foreach d,$(DAEMONS),$(if $(wildcard $(d)/$(d).c),$(d)))
PROGS_C  := $(foreach c,$(COMMANDS),$(if $(wildcard cmd/$(c)/$(c).c),$(c)))
BINS     := $(addprefix $(BUILD)/bin/,$(PROGS_D) $(PROGS_C))

UTIL_SRC := $(wildcard util/*.c)
UTIL_OBJ := $(UTIL_SRC:%.c=$(BUILD)/%.o)
UTIL_LIB := $(BUILD)/libsluice.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# Fuzz targets: tests/fuzz/fuzz_<name>.c, corpus in tests/fuzz/corpus/<name>/.
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_REPLAY := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/%)

all: $(UTIL_LIB)
.PHONY: bin deps-build deps-test all deps check check-style check-format format unit e2e run install clean bench fuzz fuzz-build fuzz-replay man
MAILQ := $(if $(filter sendmail,$(PROGS_C)),$(BUILD)/bin/mailq)
all: deps-build $(BINS) $(MAILQ) bin

deps-build:
	@{ pkg-config --exists $(PKGS) && test -f /usr/include/db.h; } || sh scripts/deps.sh build

bin: $(BINS)
	@mkdir -p $(BUILD)/bin && case $(BUILD) in build/*) ln -sfn $(BUILD)/bin bin;; esac

$(BUILD)/%.o: %.c $(PREFIX_STAMP) | deps-build
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -I$(dir $<) -c -o $@ $<

$(UTIL_LIB): $(UTIL_OBJ)
	@rm -f $@
	ar rcs $@ $^

define daemon_rule
$(BUILD)/bin/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard $(1)/*.c)) $(UTIL_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
define command_rule
$(BUILD)/bin/$(1): $(patsubst %.c,$(BUILD)/%.o,$(wildcard cmd/$(1)/*.c)) $(UTIL_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGS_D),$(eval $(call daemon_rule,$(p))))
$(foreach p,$(PROGS_C),$(eval $(call command_rule,$(p))))

# Manual pages: each program's manual comment (scripts/mkman), section 1
# for commands and 8 for daemons; section 5 for main.cf (the parameter
# list comes from postconf -d) and master.cf.
MAN1 := $(PROGS_C:%=$(BUILD)/man/man1/%.1) $(if $(MAILQ),$(BUILD)/man/man1/mailq.1)
MAN8 := $(PROGS_D:%=$(BUILD)/man/man8/%.8)
MAN5 := $(BUILD)/man/man5/postconf.5 $(BUILD)/man/man5/master.5
man: $(MAN1) $(MAN8) $(MAN5)
$(BUILD)/man/man1/mailq.1:
	@mkdir -p $(dir $@)
	echo '.so man1/sendmail.1' > $@
define man_rule
$(BUILD)/man/man$(1)/$(2).$(1): $(3) scripts/mkman
	@mkdir -p $$(dir $$@)
	python3 scripts/mkman $(1) $$< $$@
endef
$(foreach c,$(PROGS_C),$(eval $(call man_rule,1,$(c),cmd/$(c)/$(c).c)))
$(foreach d,$(PROGS_D),$(eval $(call man_rule,8,$(d),$(d)/$(d).c)))
$(BUILD)/man/man5/master.5: docs/man/master.5
	@mkdir -p $(dir $@)
	cp $< $@
$(BUILD)/man/man5/postconf.5: docs/man/postconf.5.in $(BUILD)/bin/postconf
	@mkdir -p $(dir $@)
	{ cat $<; $(BUILD)/bin/postconf -d -c /nonexistent | \
	  awk '{ n = $$1; sub(/^[^=]*= ?/, ""); gsub(/\\/, "\\e"); \
	         printf ".TP\n.B %s\nDefault: %s\n", n, ($$0 == "" ? "(empty)" : $$0) }'; \
	  printf '.SH "SEE ALSO"\npostconf(1), master(5).\n'; } > $@.tmp && mv $@.tmp $@

# mailq is sendmail under another name, as in Postfix.
$(BUILD)/bin/mailq: $(BUILD)/bin/sendmail
	ln -sf sendmail $@

# Unit tests: tests/unit/test_<mod>.c links util; test_<prog>_<topic>.c also
# links the program's objects except its main file <prog>/<prog>.c. The
# same goes for the fuzz targets tests/fuzz/fuzz_<prog>_<topic>.c.
prog_of = $(firstword $(subst _, ,$(patsubst fuzz_%,%,$(patsubst test_%,%,$(1)))))
prog_objs = $(if $(filter $(call prog_of,$(1)),$(DAEMONS)),$(patsubst %.c,$(BUILD)/%.o,$(filter-out $(call prog_of,$(1))/$(call prog_of,$(1)).c,$(wildcard $(call prog_of,$(1))/*.c))))
define unit_rule
$(BUILD)/tests/$(1): $(BUILD)/tests/unit/$(1).o $(call prog_objs,$(1)) $(UTIL_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(CMOCKA_LIBS) $$(LDLIBS)
endef
$(foreach t,$(UNIT_SRC:tests/unit/%.c=%),$(eval $(call unit_rule,$(t))))

# Fuzz targets. With $(CC) and the normal flags (SAN=1: ASan/UBSan) each is
# linked with tests/fuzz/replay.c, which `make check` runs over the target's
# committed corpus (tests/run-all). `make fuzz` builds them with clang and
# libFuzzer in build/fuzz and runs each for SECS seconds on a scratch copy
# of its corpus. smtpd's target also plays cleanup with cleanup's state
# machine.
FUZZ_SECS ?= $(or $(SECS),60)
FUZZ_EXTRA_smtpd_cmd := $(BUILD)/cleanup/cleanup_state.o $(BUILD)/cleanup/cleanup_rewrite.o
define fuzz_rule
$(BUILD)/tests/fuzz_$(1): $(BUILD)/tests/fuzz/fuzz_$(1).o $(if $(FUZZ),,$(BUILD)/tests/fuzz/replay.o) $(call prog_objs,fuzz_$(1)) $(FUZZ_EXTRA_$(1)) $(UTIL_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(t))))

fuzz-replay: all $(FUZZ_REPLAY)
	@for t in $(FUZZ_REPLAY); do $$t || exit 1; done

fuzz-build: deps-build
	@sh scripts/deps.sh fuzz
	$(MAKE) BUILD=build/fuzz CC=clang FUZZ=1 $(FUZZ_NAMES:%=build/fuzz/tests/fuzz_%)

fuzz: fuzz-build
	@sh tests/fuzz/run $(FUZZ_SECS) $(FUZZ_NAMES)

check: deps-test check-style all man $(UNIT_BIN) $(FUZZ_REPLAY)
	@SLUICE_BIN=$(abspath $(BUILD)/bin) sh tests/run-all $(UNIT_BIN) $(FUZZ_REPLAY)

deps-test:
	@{ pkg-config --exists $(PKGS) cmocka && command -v swaks >/dev/null && \
	   command -v openssl >/dev/null && command -v clang-format >/dev/null && command -v groff >/dev/null && command -v systemd-analyze >/dev/null && command -v man >/dev/null && perl -MNet::SSLeay -e1 2>/dev/null && \
	   test -d /usr/lib/python3/dist-packages/prometheus_client && \
	   { command -v dnsmasq >/dev/null || test -x /usr/sbin/dnsmasq; }; } || sh scripts/deps.sh test

# One code style (.clang-format, OpenBSD KNF): `make format` applies it,
# `make check` fails on any C file that does not follow it, and on any
# function body over 100 lines (scripts/check-funclen).
C_FILES = $(shell git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build/*')
check-format:
	@clang-format --dry-run --Werror $(C_FILES) || \
	 { echo "check-format: run 'make format' (clang-format, .clang-format)" >&2; exit 1; }
check-style: check-format
	@python3 scripts/check-funclen $(filter %.c,$(C_FILES))
format:
	clang-format -i $(C_FILES)

unit: all $(UNIT_BIN)
	@for t in $(UNIT_BIN); do $$t || exit 1; done

e2e: all
	@SLUICE_BIN=$(abspath $(BUILD)/bin) sh tests/e2e/run $(T)

run: all
	@test -f run/main.cf || bin/sluice init $(CURDIR)/run 2525
	bin/sluice -c $(CURDIR)/run start-fg

bench: all
	SLUICE_BIN=$(abspath $(BUILD)/bin) bash bench/run $(SECTIONS)

# make install [PREFIX=/usr/local] [DESTDIR=...]: programs, manual pages,
# the systemd unit and the logrotate snippet; main.cf and master.cf only
# when absent (a configuration is never overwritten). postdrop and
# postqueue get group $(SETGID_GROUP), mode 2755 (skipped with a warning
# when the group does not exist). Without DESTDIR, as root, it ends with
# "sluice set-permissions", as Postfix's installation does.
install: all man
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(CONFDIR)
	for p in $(PROGS_C); do install -m 755 $(BUILD)/bin/$$p $(DESTDIR)$(SBINDIR)/; done
	ln -sf sendmail $(DESTDIR)$(SBINDIR)/mailq
	for p in postdrop postqueue; do [ -f $(DESTDIR)$(SBINDIR)/$$p ] || continue; \
	  if getent group $(SETGID_GROUP) >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    chgrp $(SETGID_GROUP) $(DESTDIR)$(SBINDIR)/$$p && chmod 2755 $(DESTDIR)$(SBINDIR)/$$p; \
	  else echo "install: warning: $$p not made set-group-ID $(SETGID_GROUP) (no such group, or not root)" >&2; fi; done
	for p in $(PROGS_D); do install -m 755 $(BUILD)/bin/$$p $(DESTDIR)$(LIBEXECDIR)/; done
	for f in main.cf master.cf; do [ -e $(DESTDIR)$(CONFDIR)/$$f ] || install -m 644 conf/$$f $(DESTDIR)$(CONFDIR)/; done
	for s in 1 5 8; do install -d $(DESTDIR)$(MANDIR)/man$$s; \
	  install -m 644 $(BUILD)/man/man$$s/* $(DESTDIR)$(MANDIR)/man$$s/; done
	install -d $(DESTDIR)$(SYSTEMDDIR) $(DESTDIR)$(LOGROTATEDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@CONFIG_DIRECTORY@|$(CONFDIR)|g' \
	    -e "s|@QUEUE_DIRECTORY@|$$($(BUILD)/bin/postconf -c $(DESTDIR)$(CONFDIR) -h queue_directory)|g" \
	    conf/sluice.service.in > $(DESTDIR)$(SYSTEMDDIR)/sluice.service
	owner=$$($(BUILD)/bin/postconf -c $(DESTDIR)$(CONFDIR) -h mail_owner); \
	  group=$$(id -gn "$$owner" 2>/dev/null) || { owner=root; group=root; }; \
	  [ -e $(DESTDIR)$(LOGROTATEDIR)/sluice ] || sed -e "s|@MAIL_OWNER@|$$owner|g" \
	    -e "s|@MAIL_GROUP@|$$group|g" conf/sluice.logrotate.in > $(DESTDIR)$(LOGROTATEDIR)/sluice
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
	  $(SBINDIR)/sluice -c $(CONFDIR) set-permissions; fi

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

clean:
	rm -rf build bin
