# glmsparse: build, demo, tests and benchmarks. See README.md.
R ?= R
RSCRIPT ?= Rscript
VERSION := $(shell sed -n 's/^Version: //p' DESCRIPTION)
TARBALL := glmsparse_$(VERSION).tar.gz

.PHONY: deps install demo cpp-test test check bench docs fuzz fuzz-short interrupts sanitize sanitize-cpp sanitize-r valgrind

deps:
	bash tools/install-deps.sh

install: deps
	$(R) CMD INSTALL --preclean .

demo: install
	$(RSCRIPT) tools/demo.R

cpp-test: deps
	$(MAKE) -C tests/cpp test

test: install
	$(RSCRIPT) tools/run-tests.R

# R CMD check --as-cran, the PDF manual included. This machine has no
# network: the remote parts of the CRAN incoming check and the clock check
# (both need a server) are off, and the manual uses the standard fonts
# (inconsolata is in the large texlive-fonts-extra).
CRAN_CHECK_ENV = _R_CHECK_FORCE_SUGGESTS_=true _R_CHECK_CRAN_INCOMING_REMOTE_=false \
	_R_CHECK_SYSTEM_CLOCK_=false R_RD4PDF=times,hyper

check: cpp-test fuzz-short test interrupts
	rm -f $(TARBALL)
	$(R) CMD build .
	$(CRAN_CHECK_ENV) $(R) CMD check --as-cran $(TARBALL) | tee check.log
	@bash tools/check-status.sh check.log
	@rm -f check.log
	@echo "make check: all parts passed"

# libFuzzer over the core (tests/fuzz): the committed inputs once, then
# fuzzing from them for FUZZ_SECONDS (fuzz-short: a fixed number of runs
# from a fixed seed, the same inputs every time).
FUZZ_SECONDS ?= 600
fuzz: deps
	$(MAKE) -C tests/fuzz regress
	$(MAKE) -C tests/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-short: deps
	$(MAKE) -C tests/fuzz regress
	$(MAKE) -C tests/fuzz short

# An interrupt stops a long fit and a parallel cv.glmsparse within a second.
interrupts: install
	$(RSCRIPT) tools/check-interrupts.R

# AddressSanitizer and UBSan (tools/sanitize.sh): the Catch2 tests built in
# build/sanitize/cpp, and the package installed into build/sanitize/lib (not
# R's library) with the testthat suite run against it.
sanitize: sanitize-cpp sanitize-r

sanitize-cpp: deps
	bash tools/sanitize.sh cpp

sanitize-r: deps
	bash tools/sanitize.sh r

# Valgrind's memcheck (tools/valgrind.sh) over small fits of every kind and a
# representative part of the testthat suite, against a debug build installed
# into build/valgrind/lib; fails on invalid reads or writes or definite leaks.
valgrind: deps
	bash tools/valgrind.sh

bench: install
	for family in gaussian binomial poisson multinomial cox; do $(RSCRIPT) bench/paths.R --family=$$family || exit 1; done
	$(RSCRIPT) bench/paths.R --family=multinomial --grouped
	$(RSCRIPT) bench/cv.R

# Regenerates man/ and NAMESPACE from the roxygen comments.
docs:
	$(RSCRIPT) -e 'Rcpp::compileAttributes(); roxygen2::roxygenise()'
