# SPDX-License-Identifier: Apache-2.0
# codebook - top-level Makefile.  CMake does the building; this file holds
# the two commands a newcomer needs (make run, make test) and their set-up.
#
#   make          build (installs missing Debian packages first)
#   make run      build, then run codebook (see README)
#   make demo     make run with the TikTok Shop simulator and order
#                 cancellations (also: make run DEMO=1)
#   make test     everything: gcc and clang builds with -Werror, unit, CLI and
#                 end-to-end tests, fuzzers, then the suite under ASan+UBSan
#   make fuzz-long  every libFuzzer target for 10 million executions (outside
#                 CI; hours: FUZZ_RUNS, FUZZ_MAX_SECONDS, see the script)
#   make deb      Debian packages in build-deb/ (codebook, libcodebookN,
#                 libcodebook-dev, codebook-tools)
#   make man      the man pages, in build/man
#   make install  install binary, library, header, pkg-config file, catalogs,
#                 man pages, completions, systemd units (PREFIX=/usr/local,
#                 DESTDIR=; see docs/install.md)
#   make bench-check  ns per code check on the bundled catalogs (bench/check)

BUILD    ?= build
PREFIX   ?= /usr/local
CMAKE    ?= cmake
GENERATOR ?= -G Ninja

.PHONY: all deps build run demo test fuzz-long install deb man bench-check clean

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/build.ninja: | deps
	$(CMAKE) -S . -B $(BUILD) $(GENERATOR) -DCB_WERROR=ON -DCMAKE_INSTALL_PREFIX=$(PREFIX)

build: deps $(BUILD)/build.ninja
	$(CMAKE) --build $(BUILD)

run: build
	@./scripts/run.sh $(BUILD)

demo: build
	@./scripts/run.sh $(BUILD) --demo

test: deps
	@./scripts/test-all.sh

fuzz-long: deps
	@./scripts/fuzz-long.sh

# PREFIX is given to every install (the build directory would otherwise keep
# the prefix of its first configuration); DESTDIR stages the installation.
install: build
	DESTDIR="$(DESTDIR)" $(CMAKE) --install $(BUILD) --prefix "$(PREFIX)"

# The Debian packages, in build-deb/ (packaging/build-deb.sh; docs/install.md).
deb: deps $(BUILD)/build.ninja
	@./packaging/build-deb.sh $(BUILD)

# The man pages (scdoc), in $(BUILD)/man; `man -l $(BUILD)/man/codebook.1`.
man: deps $(BUILD)/build.ninja
	$(CMAKE) --build $(BUILD) --target man

bench-check: build
	$(CMAKE) --build $(BUILD) --target bench-check

clean:
	rm -rf $(BUILD) build-clang build-san build-fuzz build-deb
