#!/usr/bin/env bash
# Reads the log of R CMD check --as-cran: fails on any error or warning, and
# on any note but the CRAN incoming feasibility one (which a package never
# yet on CRAN always gets: its maintainer is new).
set -euo pipefail
log=$1
if grep -Eq '^Status: .*(ERROR|WARNING)' "$log"; then
  echo "R CMD check failed: errors or warnings (see $log)"
  exit 1
fi
other_notes=$(grep -E '^\* checking .*\.\.\. .*NOTE' "$log" | grep -v 'checking CRAN incoming feasibility' || true)
if [ -n "$other_notes" ]; then
  echo "R CMD check failed: notes other than the new-submission one:"
  echo "$other_notes"
  exit 1
fi
# The incoming note may name the maintainer and say "New submission", nothing else.
incoming_extra=$(awk '/^\* checking CRAN incoming feasibility/ {inside = 1; next}
                      /^\* / {inside = 0}
                      inside && NF && !/^Maintainer:/ && !/^New submission/' "$log")
if [ -n "$incoming_extra" ]; then
  echo "R CMD check failed: the CRAN incoming feasibility note says more than new submission:"
  echo "$incoming_extra"
  exit 1
fi
echo "R CMD check --as-cran: no errors, no warnings, no notes but the new-submission one"
