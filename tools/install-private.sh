#!/usr/bin/env bash
# Installs glmsparse, compiled with extra flags, into a library of its own:
#
#   tools/install-private.sh LIB "COMPILER FLAGS" ["LINKER FLAGS"]
#
# for tools/sanitize.sh and tools/valgrind.sh. The package is built from a
# copy of the working tree (src/ of the tree and R's default library are left
# alone), with debug information kept so that reports name files and lines.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
lib=$1
compile_flags=$2
link_flags=${3:-}
work="$lib.build"

rm -rf "$work"
mkdir -p "$work/glmsparse" "$lib"
for part in DESCRIPTION NAMESPACE R src inst man data; do
  if [ -e "$root/$part" ]; then cp -R "$root/$part" "$work/glmsparse/"; fi
done
rm -f "$work"/glmsparse/src/*.o "$work"/glmsparse/src/*.so
# User Makevars are read after the package's: these flags win, and this
# recipe for `all` replaces the package's, which strips the debug information.
cat > "$work/Makevars" << EOF
CXX17FLAGS = $compile_flags
LDFLAGS = $link_flags
all: \$(SHLIB)
	@true
EOF
echo "install-private: installing glmsparse into $lib with: $compile_flags $link_flags"
# The test load is left out: a library built with ASan loads only into an R
# that has the ASan runtime preloaded.
R_MAKEVARS_USER="$work/Makevars" R CMD INSTALL --no-test-load --no-docs -l "$lib" "$work/glmsparse"
rm -rf "$work"
