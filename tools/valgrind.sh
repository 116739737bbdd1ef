#!/usr/bin/env bash
# Valgrind's memcheck over a representative part of the tests: the package,
# installed with debug information into build/valgrind/lib (never R's
# default library), runs tools/valgrind-fits.R (small fits of every kind)
# and the testthat files in VALGRIND_TEST_FILES under
#   R -d "valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite"
# Fails on any invalid read or write, use of uninitialised memory, or definite
# leak. tools/valgrind.supp holds suppressions for R itself only.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/valgrind"
lib="$build/lib"
# A representative part that completes in minutes (about 6.5 on 2 cores):
# the whole suite, or test-awkward-data.R (n = 1000000) and
# test-glm-glmnet.R, would take hours under memcheck.
test_files=${VALGRIND_TEST_FILES:-test-errors.R test-bad-input.R test-methods.R test-edge-cases.R test-relax.R test-cva.R test-cv-relax.R}

if ! command -v valgrind > /dev/null; then
  if command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
    echo "Installing Debian package: valgrind"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends valgrind > /dev/null
  else
    echo "valgrind: not installed (apt-get install valgrind, as root)"
    exit 1
  fi
fi

bash "$root/tools/install-private.sh" "$lib" "-g -O2"

valgrind_command="valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
--show-leak-kinds=definite --num-callers=40 --suppressions=$root/tools/valgrind.supp ${VALGRIND_EXTRA:-}"
report_pattern='Invalid (read|write|free)|Mismatched free|uninitialised|definitely lost in|ERROR SUMMARY: [1-9]'

# Runs one R script under valgrind, its log in $build/NAME.log.
run() {
  local name=$1 script=$2 log="$build/$1.log" start=$SECONDS status=0
  echo "valgrind: $name"
  (cd "$root" && R_LIBS="$lib${R_LIBS:+:$R_LIBS}" R -d "$valgrind_command" --vanilla --quiet -f "$script") \
    > "$log" 2>&1 || status=$?
  grep -E 'ERROR SUMMARY|definitely lost:|^ok:|testthat:' "$log" | tail -n 8 || true
  echo "valgrind: $name took $((SECONDS - start)) s (log: $log)"
  if grep -Eq "$report_pattern" "$log"; then
    echo "valgrind: reports in $log:"
    grep -E -A 25 "$report_pattern" "$log" | head -n 80
    exit 1
  fi
  [ "$status" = 0 ] || { echo "valgrind: $name failed (status $status)"; tail -n 30 "$log"; exit 1; }
}

mkdir -p "$build"
cat > "$build/which-glmsparse.R" << EOF
stopifnot(normalizePath(dirname(find.package("glmsparse"))) == normalizePath("$lib"))
EOF
cat > "$build/testthat-files.R" << EOF
source("$build/which-glmsparse.R")
library(testthat)
files <- file.path("tests/testthat", strsplit("$test_files", " ")[[1]])
results <- do.call(rbind, lapply(files, function(file) {
  as.data.frame(test_file(file, package = "glmsparse", load_package = "installed",
                          reporter = "summary", stop_on_failure = FALSE))
}))
n_failed <- sum(results\$failed) + sum(results\$error)
cat(sprintf("\ntestthat: %d passed, %d failed, %d skipped\n",
            sum(results\$passed), n_failed, sum(results\$skipped)))
if (n_failed > 0) quit(status = 1)
EOF
cat > "$build/fits.R" << EOF
source("$build/which-glmsparse.R")
source("tools/valgrind-fits.R")
EOF

run fits "$build/fits.R"
run testthat "$build/testthat-files.R"
echo "valgrind: no invalid reads or writes, no definite leaks"
