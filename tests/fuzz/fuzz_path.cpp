// libFuzzer target: arbitrary small problems (problem.hpp) through the
// core's path of their family, on x dense and on the same x sparse; every
// path must satisfy invariants.hpp, and the two must agree (the fits are in
// fit.cpp). The core is
// expected to return, never to throw: R/validate.R rules out the inputs it
// rejects, and those decode to nothing here.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "fit.hpp"
#include "invariants.hpp"
#include "problem.hpp"

using fuzz::Problem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::optional<Problem> decoded = fuzz::decode(data, size);
  if (!decoded) return -1;  // R would have stopped with an error: not worth keeping
  const Problem& problem = *decoded;
  try {
    const fuzz::Summary summary = fuzz::summarize(problem);
    const fuzz::Path dense = fuzz::fit_dense(problem, problem.options);
    const fuzz::Path sparse = fuzz::fit_sparse(problem, problem.options);
    for (const fuzz::Path* path : {&dense, &sparse}) {
      fuzz::check_structure(problem, summary, *path);
      fuzz::check_optimality(problem, summary, *path);
    }
    fuzz::check_same_path(problem, summary, dense, sparse);
    if (problem.compare_threads) {
      glmsparse::FitOptions threaded = problem.options;
      threaded.n_threads = 2;
      fuzz::check_identical(problem, dense, fuzz::fit_dense(problem, threaded));
    }
  } catch (const std::exception& e) {
    fuzz::fail(problem, std::string("the core threw: ") + e.what());
  }
  return 0;
}
