// The core's fits for the fuzzer (fit.hpp): the same dispatch as
// src/glue.h, over the core only.
#include "fit.hpp"

namespace fuzz {
namespace {

template <class Design>
Path fit(const Problem& problem, Design& design, const glmsparse::FitOptions& options) {
  glmsparse::Monitor monitor;
  const glmsparse::LambdaGrid& grid = problem.grid;
  if (is_multi_response(problem.family)) {
    const glmsparse::MultiProblemData data = problem.multi_data();
    if (problem.family == Family::multinomial)
      return to_path(problem, glmsparse::fit_multi_path<glmsparse::Multinomial>(design, data, options,
                                                                              problem.grouped, grid, monitor));
    return to_path(problem, glmsparse::fit_multi_path<glmsparse::MultiGaussian>(design, data, options,
                                                                              problem.grouped, grid, monitor));
  }
  const glmsparse::ProblemData data = problem.single_data();
  switch (problem.family) {
    case Family::binomial:
      return to_path(problem, glmsparse::fit_glm_path<glmsparse::Binomial>(design, data, options, grid, monitor));
    case Family::poisson:
      return to_path(problem, glmsparse::fit_glm_path<glmsparse::Poisson>(design, data, options, grid, monitor));
    case Family::cox:
      return to_path(problem, glmsparse::fit_cox_path(design, data, problem.survival, options, grid, monitor));
    default:
      return to_path(problem, glmsparse::fit_gaussian_path(design, data, options, grid, monitor));
  }
}

}  // namespace

Path fit_dense(const Problem& problem, const glmsparse::FitOptions& options) {
  const glmsparse::DenseDesign::Matrix map(problem.x.data(), problem.x.rows(), problem.x.cols());
  glmsparse::DenseDesign design(map);
  return fit(problem, design, options);
}

Path fit_sparse(const Problem& problem, const glmsparse::FitOptions& options) {
  const Eigen::SparseMatrix<double>& x = problem.x_sparse;
  const glmsparse::SparseDesign::Matrix map(x.rows(), x.cols(), x.nonZeros(), x.outerIndexPtr(), x.innerIndexPtr(), x.valuePtr());
  glmsparse::SparseDesign design(map);
  return fit(problem, design, options);
}

}  // namespace fuzz
