# Peripety: make build · make check · make install · make demo
GO       ?= go
prefix   ?= /usr
DESTDIR  ?=
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
LDFLAGS  := -X github.com/peripety/peripety/cli.Version=$(VERSION)
# Bounded fuzzing per target in `make check`: 23 targets at 10 s keep the
# whole check near 15 minutes on 2 cores; `make fuzz FUZZTIME=5m` soaks.
FUZZTIME ?= 10s

.PHONY: all build setup check fmt-check vet test race corpus fuzz lab lab-check clean
.PHONY: install uninstall deb demo

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/prpt ./cmd/prpt
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/peripetyd ./cmd/peripetyd

# Install the Debian packages and Go modules the build and the tests need.
setup:
	./tests/setup-deps.sh

check: setup fmt-check vet build test race corpus fuzz lab-check

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) build ./...

test:
	$(GO) test -count=1 -timeout 20m ./...

# The packages with goroutines of their own, and the daemon end to end
# (built with -race itself), under the race detector.
race:
	$(GO) test -race -count=1 -timeout 20m ./sysfs/... ./service/... ./dbus/... ./tests/daemon

# Score `prpt parse` against the kernel-line corpus.
corpus: build
	@if [ -f ../shared/corpus/score.py ]; then python3 ../shared/corpus/score.py bin/prpt ../shared/corpus; \
	else echo "corpus: ../shared/corpus not beside this tree; TestCorpus covers parsers/testdata/corpus"; fi

fuzz:
	./tests/fuzz.sh $(FUZZTIME)

# The real-kernel lab (tests/lab; README "Real-kernel lab"): Debian's own
# kernel under QEMU, real storage stacks failing in known ways, peripetyd's
# events checked against what the guest read from the kernel. `make lab`
# runs every scenario (about 7 minutes); `make check` runs
# LAB_CHECK_SCENARIOS, one of each kind of stack (about 3 minutes).
LAB_CHECK_SCENARIOS ?= scsi-medium,mpath-path,md-raid1,nvme-media
lab: setup
	PERIPETY_LAB=1 $(GO) test -count=1 -timeout 30m -v -run TestLab ./tests/lab
lab-check:
	PERIPETY_LAB=1 $(GO) test -count=1 -timeout 10m -v -run TestLab ./tests/lab -lab.scenarios=$(LAB_CHECK_SCENARIOS)

clean:
	rm -rf bin

# --- Installation (see packaging/) -------------------------------------------
# `make install DESTDIR=/stage prefix=/usr` stages the tree; `make uninstall`
# with the same variables removes it again. System integration files go under
# $(prefix) (the distribution's directories, not /etc, which is left to the
# administrator's overrides); only the sample config goes to $(sysconfdir).
bindir      ?= $(prefix)/bin
sbindir     ?= $(prefix)/sbin
datadir     ?= $(prefix)/share
mandir      ?= $(datadir)/man
sysconfdir  ?= /etc
# The unit dir systemd itself reports (/lib/systemd/system on Debian 12,
# /usr/lib/systemd/system on merged-/usr systems), else the upstream default.
systemdsystemunitdir ?= $(or $(shell pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null),$(prefix)/lib/systemd/system)
dbussystemdir   ?= $(datadir)/dbus-1/system.d
dbusservicesdir ?= $(datadir)/dbus-1/system-services
dbusifacesdir   ?= $(datadir)/dbus-1/interfaces
polkitactionsdir ?= $(datadir)/polkit-1/actions
polkitrulesdir ?= $(datadir)/polkit-1/rules.d
bashcompdir ?= $(datadir)/bash-completion/completions
# zsh looks in vendor-completions for packaged files on Debian, and in
# site-functions under other prefixes (/usr/local).
zshcompdir  ?= $(if $(filter /usr,$(prefix)),$(datadir)/zsh/vendor-completions,$(datadir)/zsh/site-functions)
fishcompdir ?= $(datadir)/fish/vendor_completions.d
# journald's message catalog (journalctl -x): systemd reads
# /usr/lib/systemd/catalog and /usr/local/lib/systemd/catalog.
catalogdir  ?= $(prefix)/lib/systemd/catalog

# XDG autostart: the desktop's session starts what it finds here.
autostartdir ?= $(sysconfdir)/xdg/autostart
# The sample hooks (peripetyd.conf(5), HOOKS).
hookdir     ?= $(datadir)/peripety/hooks
HOOK_SAMPLES = packaging/hooks/mail packaging/hooks/webhook packaging/hooks/wall

# The D-Bus and polkit files, whichever have landed in packaging/.
DBUS_POLICIES  = $(wildcard packaging/dbus-1/system.d/*.conf)
DBUS_SERVICES  = $(wildcard packaging/dbus-1/system-services/*.service)
DBUS_IFACES    = $(wildcard packaging/dbus-1/interfaces/*.xml)
POLKIT_ACTIONS = $(wildcard packaging/polkit-1/actions/*.policy)
POLKIT_RULES   = $(wildcard packaging/polkit-1/rules.d/*.rules)
MAN_PAGES      = packaging/man/prpt.1 packaging/man/peripetyd.8 packaging/man/peripetyd.conf.5 packaging/man/peripety-events.7
# man_path PAGE: where a page goes, by its section (prpt.1 → man1/prpt.1).
man_path = $(mandir)/man$(subst .,,$(suffix $(1)))/$(notdir $(1))
# Files that name the daemon's path get the installed one.
SUBST_SBIN = sed 's|/usr/sbin/peripetyd|$(sbindir)/peripetyd|g'

install: build
	install -D -m 0755 bin/prpt $(DESTDIR)$(bindir)/prpt
	install -D -m 0755 bin/peripetyd $(DESTDIR)$(sbindir)/peripetyd
	install -d $(DESTDIR)$(systemdsystemunitdir)
	$(SUBST_SBIN) packaging/systemd/peripetyd.service >$(DESTDIR)$(systemdsystemunitdir)/peripetyd.service
	chmod 0644 $(DESTDIR)$(systemdsystemunitdir)/peripetyd.service
	$(foreach f,$(DBUS_POLICIES),install -D -m 0644 $(f) $(DESTDIR)$(dbussystemdir)/$(notdir $(f));)
	$(foreach f,$(DBUS_SERVICES),install -d $(DESTDIR)$(dbusservicesdir) && $(SUBST_SBIN) $(f) >$(DESTDIR)$(dbusservicesdir)/$(notdir $(f)) && chmod 0644 $(DESTDIR)$(dbusservicesdir)/$(notdir $(f));)
	$(foreach f,$(DBUS_IFACES),install -D -m 0644 $(f) $(DESTDIR)$(dbusifacesdir)/$(notdir $(f));)
	$(foreach f,$(POLKIT_ACTIONS),install -D -m 0644 $(f) $(DESTDIR)$(polkitactionsdir)/$(notdir $(f));)
	$(foreach f,$(POLKIT_RULES),install -D -m 0644 $(f) $(DESTDIR)$(polkitrulesdir)/$(notdir $(f));)
	$(foreach m,$(MAN_PAGES),install -D -m 0644 $(m) $(DESTDIR)$(call man_path,$(m));)
	install -D -m 0644 packaging/catalog/peripety.catalog $(DESTDIR)$(catalogdir)/peripety.catalog
	@# A live install indexes the catalog now (a package's is indexed by
	@# systemd's trigger on the directory).
	@if [ -z "$(DESTDIR)" ] && command -v journalctl >/dev/null; then \
		echo "journalctl --update-catalog"; journalctl --update-catalog; fi
	@# Completions, generated from prpt's own command tree.
	install -d $(DESTDIR)$(bashcompdir) $(DESTDIR)$(zshcompdir) $(DESTDIR)$(fishcompdir)
	$(GO) build -o bin/completions ./packaging/completions
	bin/completions bash >$(DESTDIR)$(bashcompdir)/prpt
	bin/completions zsh >$(DESTDIR)$(zshcompdir)/_prpt
	bin/completions fish >$(DESTDIR)$(fishcompdir)/prpt.fish
	chmod 0644 $(DESTDIR)$(bashcompdir)/prpt $(DESTDIR)$(zshcompdir)/_prpt $(DESTDIR)$(fishcompdir)/prpt.fish
	@# Sample hooks, enabled by a link in hooks.d or a [[hook]] entry.
	$(foreach h,$(HOOK_SAMPLES),install -D -m 0755 $(h) $(DESTDIR)$(hookdir)/$(notdir $(h));)
	install -d $(DESTDIR)$(sysconfdir)/peripetyd/hooks.d
	@# prpt monitor --notify in every graphical session (XDG autostart).
	install -D -m 0644 packaging/autostart/peripety-notify.desktop $(DESTDIR)$(autostartdir)/peripety-notify.desktop
	@# Never overwrite the administrator's config.
	@if [ -e $(DESTDIR)$(sysconfdir)/peripetyd.conf ]; then \
		echo "install: keeping existing $(DESTDIR)$(sysconfdir)/peripetyd.conf"; \
	else \
		echo "install -D -m 0644 packaging/peripetyd.conf $(DESTDIR)$(sysconfdir)/peripetyd.conf"; \
		install -D -m 0644 packaging/peripetyd.conf $(DESTDIR)$(sysconfdir)/peripetyd.conf; \
	fi

uninstall:
	rm -f $(DESTDIR)$(bindir)/prpt $(DESTDIR)$(sbindir)/peripetyd
	rm -f $(DESTDIR)$(systemdsystemunitdir)/peripetyd.service
	rm -f $(addprefix $(DESTDIR)$(dbussystemdir)/,$(notdir $(DBUS_POLICIES)))
	rm -f $(addprefix $(DESTDIR)$(dbusservicesdir)/,$(notdir $(DBUS_SERVICES)))
	rm -f $(addprefix $(DESTDIR)$(dbusifacesdir)/,$(notdir $(DBUS_IFACES)))
	rm -f $(addprefix $(DESTDIR)$(polkitactionsdir)/,$(notdir $(POLKIT_ACTIONS)))
	rm -f $(addprefix $(DESTDIR)$(polkitrulesdir)/,$(notdir $(POLKIT_RULES)))
	rm -f $(foreach m,$(MAN_PAGES),$(DESTDIR)$(call man_path,$(m)))
	rm -f $(DESTDIR)$(catalogdir)/peripety.catalog
	rm -f $(DESTDIR)$(bashcompdir)/prpt $(DESTDIR)$(zshcompdir)/_prpt $(DESTDIR)$(fishcompdir)/prpt.fish
	rm -f $(addprefix $(DESTDIR)$(hookdir)/,$(notdir $(HOOK_SAMPLES)))
	rm -f $(DESTDIR)$(autostartdir)/peripety-notify.desktop
	-rmdir $(DESTDIR)$(hookdir) $(DESTDIR)$(datadir)/peripety 2>/dev/null
	@# The hooks directory only when the administrator put nothing in it.
	-rmdir $(DESTDIR)$(sysconfdir)/peripetyd/hooks.d $(DESTDIR)$(sysconfdir)/peripetyd 2>/dev/null
	@# The config goes only if the administrator never changed it.
	@if cmp -s packaging/peripetyd.conf $(DESTDIR)$(sysconfdir)/peripetyd.conf; then \
		echo "rm -f $(DESTDIR)$(sysconfdir)/peripetyd.conf"; rm -f $(DESTDIR)$(sysconfdir)/peripetyd.conf; \
	elif [ -e $(DESTDIR)$(sysconfdir)/peripetyd.conf ]; then \
		echo "uninstall: keeping changed $(DESTDIR)$(sysconfdir)/peripetyd.conf"; \
	fi

# bin/peripety_<version>_<arch>.deb, built by dpkg-buildpackage (debhelper)
# from a copy of the tree with packaging/debian/ as its debian/.
deb:
	./packaging/debian/build-deb.sh

# Start what is missing (system bus, journald), run the daemon, make a
# storage event happen on a loop device, show it, clean up.
demo: setup build
	./tests/demo.sh
