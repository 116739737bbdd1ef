#!/usr/bin/env bash
# Installs what glmsparse needs to build, demo, test and benchmark: Debian's
# prebuilt r-cran-* binaries where they exist, CRAN for anything still missing.
# The benchmarks' own packages (bench, callr, foreach, doParallel) are small
# and listed here too, so that `make bench` needs no other step. LaTeX and
# texinfo build the PDF manual that `R CMD check --as-cran` checks, tidy
# checks its HTML manual.
set -euo pipefail

debian_packages=(r-cran-rcpp r-cran-rcppeigen r-cran-rcppparallel r-cran-matrix
                 r-cran-glmnet r-cran-survival r-cran-testthat r-cran-knitr r-cran-rmarkdown
                 r-cran-bench r-cran-callr r-cran-foreach r-cran-doparallel catch2 pandoc qpdf
                 texlive-latex-base texlive-latex-recommended texlive-fonts-recommended texinfo tidy)
r_packages=(Rcpp RcppEigen RcppParallel Matrix glmnet survival testthat knitr rmarkdown nnet
            bench callr foreach doParallel)

missing_r=$(Rscript -e 'p <- commandArgs(TRUE); cat(p[!vapply(p, requireNamespace, logical(1), quietly = TRUE)])' "${r_packages[@]}")
need_apt=0
[ -n "$missing_r" ] && need_apt=1
[ -f /usr/include/catch2/catch.hpp ] || need_apt=1
command -v pandoc > /dev/null || need_apt=1
command -v qpdf > /dev/null || need_apt=1
command -v pdflatex > /dev/null || need_apt=1
command -v texi2dvi > /dev/null || need_apt=1
command -v tidy > /dev/null || need_apt=1

if [ "$need_apt" = 1 ] && command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
  echo "Installing Debian packages: ${debian_packages[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debian_packages[@]}" > /dev/null
fi

Rscript -e '
p <- commandArgs(TRUE)
missing <- p[!vapply(p, requireNamespace, logical(1), quietly = TRUE)]
if (length(missing)) {
  message("Installing from CRAN: ", paste(missing, collapse = ", "))
  install.packages(missing, repos = "https://cloud.r-project.org")
}
still <- p[!vapply(p, requireNamespace, logical(1), quietly = TRUE)]
if (length(still)) stop("could not install: ", paste(still, collapse = ", "))
' "${r_packages[@]}"
