// The core's path of a problem's family, on x dense and on the same x
// sparse. Declared here and defined in fit.cpp, its own translation unit, so
// that the fuzzer can be built with the core left out of its coverage
// (fuzz_path_stable in the Makefile).
#pragma once

#include <glmsparse/glmsparse.hpp>

#include "invariants.hpp"
#include "problem.hpp"

namespace fuzz {

Path fit_dense(const Problem& problem, const glmsparse::FitOptions& options);
Path fit_sparse(const Problem& problem, const glmsparse::FitOptions& options);

}  // namespace fuzz
