// libFuzzer target: arbitrary small problems (problem.hpp) through the
// core's path of their family, on x dense and on the same x sparse; every
// path must satisfy invariants.hpp, and the two must agree. The core is
// expected to return, never to throw: R/validate.R rules out the inputs it
// rejects, and those decode to nothing here.
#include <cstddef>
#include <cstdint>
#include <exception>

#include <glmsparse/glmsparse.hpp>

#include "invariants.hpp"
#include "problem.hpp"

namespace {

using fuzz::Family;
using fuzz::Problem;

// The same dispatch as src/glue.h, over the core only.
template <class Design>
fuzz::Path fit(const Problem& problem, Design& design, const glmsparse::FitOptions& options) {
  glmsparse::Monitor monitor;
  if (fuzz::is_multi_response(problem.family)) {
    const glmsparse::MultiProblemData data = problem.multi_data();
    if (problem.family == Family::multinomial)
      return fuzz::to_path(problem, glmsparse::fit_multi_path<glmsparse::Multinomial>(
                                        design, data, options, problem.grouped, problem.grid, monitor));
    return fuzz::to_path(problem, glmsparse::fit_multi_path<glmsparse::MultiGaussian>(
                                      design, data, options, problem.grouped, problem.grid, monitor));
  }
  const glmsparse::ProblemData data = problem.single_data();
  switch (problem.family) {
    case Family::binomial:
      return fuzz::to_path(problem, glmsparse::fit_glm_path<glmsparse::Binomial>(design, data, options,
                                                                                 problem.grid, monitor));
    case Family::poisson:
      return fuzz::to_path(problem, glmsparse::fit_glm_path<glmsparse::Poisson>(design, data, options,
                                                                                problem.grid, monitor));
    case Family::cox:
      return fuzz::to_path(problem, glmsparse::fit_cox_path(design, data, problem.survival, options,
                                                            problem.grid, monitor));
    default:
      return fuzz::to_path(problem, glmsparse::fit_gaussian_path(design, data, options, problem.grid, monitor));
  }
}

fuzz::Path fit_dense(const Problem& problem, const glmsparse::FitOptions& options) {
  const glmsparse::DenseDesign::Matrix map(problem.x.data(), problem.x.rows(), problem.x.cols());
  glmsparse::DenseDesign design(map);
  return fit(problem, design, options);
}

fuzz::Path fit_sparse(const Problem& problem, const glmsparse::FitOptions& options) {
  const Eigen::SparseMatrix<double>& x = problem.x_sparse;
  const glmsparse::SparseDesign::Matrix map(x.rows(), x.cols(), x.nonZeros(), x.outerIndexPtr(),
                                            x.innerIndexPtr(), x.valuePtr());
  glmsparse::SparseDesign design(map);
  return fit(problem, design, options);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::optional<Problem> decoded = fuzz::decode(data, size);
  if (!decoded) return -1;  // R would have stopped with an error: not worth keeping
  const Problem& problem = *decoded;
  try {
    const fuzz::Summary summary = fuzz::summarize(problem);
    const fuzz::Path dense = fit_dense(problem, problem.options);
    const fuzz::Path sparse = fit_sparse(problem, problem.options);
    for (const fuzz::Path* path : {&dense, &sparse}) {
      fuzz::check_structure(problem, summary, *path);
      fuzz::check_optimality(problem, summary, *path);
    }
    fuzz::check_same_path(problem, summary, dense, sparse);
    if (problem.compare_threads) {
      glmsparse::FitOptions threaded = problem.options;
      threaded.n_threads = 2;
      fuzz::check_identical(problem, dense, fit_dense(problem, threaded));
    }
  } catch (const std::exception& e) {
    fuzz::fail(problem, std::string("the core threw: ") + e.what());
  }
  return 0;
}
