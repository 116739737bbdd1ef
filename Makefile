# glmsparse: build, demo, tests and benchmarks. See README.md.
R ?= R
RSCRIPT ?= Rscript
VERSION := $(shell sed -n 's/^Version: //p' DESCRIPTION)
TARBALL := glmsparse_$(VERSION).tar.gz

.PHONY: deps install demo cpp-test test check bench docs

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

check: cpp-test test
	rm -f $(TARBALL)
	$(R) CMD build .
	_R_CHECK_FORCE_SUGGESTS_=true $(R) CMD check --no-manual $(TARBALL) | tee check.log
	@if grep -Eq '^Status: .*(ERROR|WARNING)' check.log; then echo "R CMD check failed"; exit 1; fi
	@rm -f check.log
	@echo "make check: all parts passed"

bench: install
	for family in gaussian binomial poisson multinomial cox; do $(RSCRIPT) bench/paths.R --family=$$family || exit 1; done
	$(RSCRIPT) bench/cv.R

# Regenerates man/ and NAMESPACE from the roxygen comments.
docs:
	$(RSCRIPT) -e 'Rcpp::compileAttributes(); roxygen2::roxygenise()'
