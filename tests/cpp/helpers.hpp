// Shared fixtures: random designs held alive next to their Eigen::Map views.
#pragma once

#include <algorithm>
#include <limits>
#include <random>
#include <string>

#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include <glmsparse/design.hpp>
#include <glmsparse/multi_path.hpp>
#include <glmsparse/options.hpp>
#include <glmsparse/path.hpp>

namespace test_helpers {

// Random n x p matrix with about `zero_fraction` exact zeros.
inline Eigen::MatrixXd random_matrix(std::mt19937& rng, Eigen::Index n, Eigen::Index p,
                                     double zero_fraction) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Eigen::MatrixXd x(n, p);
  for (Eigen::Index j = 0; j < p; ++j)
    for (Eigen::Index i = 0; i < n; ++i)
      x(i, j) = unit(rng) < zero_fraction ? 0.0 : 1.0 + normal(rng) * (1.0 + 0.3 * static_cast<double>(j % 4));
  return x;
}

inline Eigen::VectorXd random_vector(std::mt19937& rng, Eigen::Index n, double mean = 0.0,
                                     double sd = 1.0) {
  std::normal_distribution<double> normal(mean, sd);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = normal(rng);
  return v;
}

inline Eigen::VectorXd random_uniform(std::mt19937& rng, Eigen::Index n, double low,
                                      double high) {
  std::uniform_real_distribution<double> unif(low, high);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = unif(rng);
  return v;
}

// Owns a dense matrix and exposes a DenseDesign over it.
struct DenseFixture {
  Eigen::MatrixXd storage;
  glmsparse::DenseDesign::Matrix map;
  glmsparse::DenseDesign design;

  explicit DenseFixture(const Eigen::MatrixXd& x)
      : storage(x), map(storage.data(), storage.rows(), storage.cols()), design(map) {}
};

// Owns a compressed sparse matrix and exposes a SparseDesign over it, mapped
// the way the R glue maps a dgCMatrix.
struct SparseFixture {
  Eigen::SparseMatrix<double> storage;
  glmsparse::SparseDesign::Matrix map;
  glmsparse::SparseDesign design;

  explicit SparseFixture(const Eigen::SparseMatrix<double>& x)
      : storage(compressed(x)),
        map(storage.rows(), storage.cols(), storage.nonZeros(), storage.outerIndexPtr(),
            storage.innerIndexPtr(), storage.valuePtr()),
        design(map) {}

  explicit SparseFixture(const Eigen::MatrixXd& x)
      : SparseFixture(Eigen::SparseMatrix<double>(x.sparseView())) {}

 private:
  static Eigen::SparseMatrix<double> compressed(Eigen::SparseMatrix<double> x) {
    x.makeCompressed();
    return x;
  }
};

// A design with its response and per-variable settings, for path tests.
struct Problem {
  Eigen::MatrixXd x;
  glmsparse::ProblemData data;
};

// The options a path test varies.
struct Setting {
  Eigen::Index n, p;
  bool weights, offset, intercept, standardize;
  double alpha;
};

inline std::string describe(const Setting& s) {
  return "n=" + std::to_string(s.n) + " p=" + std::to_string(s.p) +
         " weights=" + std::to_string(s.weights) + " offset=" + std::to_string(s.offset) +
         " intercept=" + std::to_string(s.intercept) +
         " standardize=" + std::to_string(s.standardize) + " alpha=" + std::to_string(s.alpha);
}

// Random penalty factors with one unpenalized variable, rescaled to sum to p
// as glmnet does; no limits; nothing excluded.
inline void set_variable_defaults(std::mt19937& rng, Eigen::Index p, glmsparse::ProblemData& data) {
  Eigen::VectorXd pf = random_uniform(rng, p, 0.5, 2.0);
  pf[std::min<Eigen::Index>(2, p - 1)] = 0.0;
  data.penalty_factor = pf * static_cast<double>(p) / pf.sum();
  data.lower_limit = Eigen::VectorXd::Constant(p, -std::numeric_limits<double>::infinity());
  data.upper_limit = Eigen::VectorXd::Constant(p, std::numeric_limits<double>::infinity());
  data.excluded.assign(static_cast<std::size_t>(p), 0);
}

// A multi-response problem with response y and p variables in its plainest
// form: unit weights, no offset, unit penalty factors, no limits, nothing
// excluded. Tests override the fields their case is about.
inline glmsparse::MultiProblemData plain_multi_data(const Eigen::MatrixXd& y, Eigen::Index p) {
  glmsparse::MultiProblemData data;
  data.y = y;
  data.weights = Eigen::VectorXd::Ones(y.rows());
  data.offset = Eigen::MatrixXd::Zero(y.rows(), y.cols());
  data.penalty_factor = Eigen::VectorXd::Ones(p);
  data.lower_limit = Eigen::VectorXd::Constant(p, -std::numeric_limits<double>::infinity());
  data.upper_limit = Eigen::VectorXd::Constant(p, std::numeric_limits<double>::infinity());
  data.excluded.assign(static_cast<std::size_t>(p), 0);
  return data;
}

// glmnet's default grid, shortened to 25 lambdas.
inline glmsparse::LambdaGrid default_grid(const Setting& s) {
  glmsparse::LambdaGrid grid;
  grid.nlambda = 25;
  grid.lambda_min_ratio = s.n > s.p ? 1e-4 : 1e-2;
  return grid;
}

// Column k of a path's coefficients (original scale), dense.
inline Eigen::VectorXd coefficients(const glmsparse::PathResult& fit, std::size_t k, Eigen::Index p) {
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);
  for (int e = fit.beta_col_start[k]; e < fit.beta_col_start[k + 1]; ++e)
    beta[fit.beta_row[e]] = fit.beta_value[e];
  return beta;
}

}  // namespace test_helpers
