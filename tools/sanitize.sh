#!/usr/bin/env bash
# AddressSanitizer and UndefinedBehaviorSanitizer over glmsparse.
#
#   tools/sanitize.sh cpp   the core's Catch2 tests, built in build/sanitize/cpp
#   tools/sanitize.sh r     the package, installed into build/sanitize/lib (never
#                           R's default library), and the testthat suite against it
#   tools/sanitize.sh       both
#
# Fails if a test fails or any sanitizer report appears. UBSan stops at its
# first report (-fno-sanitize-recover=all); float-cast-overflow (a double out
# of an integer's range, NaN included, converted to it) is undefined too but
# not part of GCC's "undefined" group, so it is asked for by name.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/sanitize"
parts=${1:-all}
sanitizers="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=all"
flags="-g -O1 -fno-omit-frame-pointer $sanitizers"
report_pattern='runtime error|ERROR: AddressSanitizer|ERROR: LeakSanitizer|SUMMARY: (Address|UndefinedBehavior|Leak)Sanitizer'

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# ASan's own symbolizer: llvm-symbolizer if installed, else function names only.
if command -v llvm-symbolizer > /dev/null; then
  export ASAN_SYMBOLIZER_PATH
  ASAN_SYMBOLIZER_PATH=$(command -v llvm-symbolizer)
fi

# Fails if the log holds a sanitizer report.
check_log() {
  if grep -Eq "$report_pattern" "$1"; then
    echo "sanitize: sanitizer reports in $1:"
    grep -E "$report_pattern" "$1" | head -20
    exit 1
  fi
}

run_cpp() {
  local out="$build/cpp" log="$build/cpp.log"
  mkdir -p "$out"
  echo "sanitize: building the Catch2 tests in $out"
  # The Catch2 Makefile, run in a build directory of its own: vpath finds
  # the sources (but not the normal build's objects). GCC's
  # maybe-uninitialized warnings are false alarms under the sanitizers'
  # instrumentation (here in libstdc++'s <regex>, through Catch2's main).
  printf 'vpath %%.cpp %s\nvpath %%.hpp %s\ninclude %s\n' \
    "$root/tests/cpp" "$root/tests/cpp" "$root/tests/cpp/Makefile" > "$out/Makefile"
  make -C "$out" CORE_INCLUDE="$root/inst/include" \
    CXXFLAGS="-std=c++17 -Wall -Wextra -Wno-maybe-uninitialized $flags" run_tests
  echo "sanitize: running the Catch2 tests"
  local start=$SECONDS
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$out/run_tests" 2>&1 | tee "$log"
  echo "sanitize: Catch2 tests took $((SECONDS - start)) s"
  check_log "$log"
}

run_r() {
  local lib="$build/lib" log="$build/testthat.log"
  local asan
  asan=$(gcc -print-file-name=libasan.so)
  [ -f "$asan" ] || { echo "sanitize: libasan.so not found (gcc -print-file-name)"; exit 1; }
  bash "$root/tools/install-private.sh" "$lib" "$flags" "$sanitizers"
  echo "sanitize: running the testthat suite against $lib"
  local start=$SECONDS status=0
  (cd "$root" &&
    R_LIBS="$lib${R_LIBS:+:$R_LIBS}" LD_PRELOAD="$asan" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 \
    Rscript -e "stopifnot(identical(normalizePath(dirname(find.package('glmsparse'))), normalizePath('$lib')))" \
            -e 'source("tools/run-tests.R")') > "$log" 2>&1 || status=$?
  tail -n 30 "$log"
  echo "sanitize: testthat suite took $((SECONDS - start)) s (full log: $log)"
  check_log "$log"
  [ "$status" = 0 ] || { echo "sanitize: testthat under sanitizers failed (status $status)"; exit 1; }
}

case "$parts" in
  cpp) run_cpp ;;
  r) run_r ;;
  all) run_cpp; run_r ;;
  *) echo "usage: tools/sanitize.sh [cpp|r|all]"; exit 2 ;;
esac
echo "sanitize: no sanitizer reports"
