// The relaxed lasso (relax.hpp): every relaxed solution is the unpenalized
// fit on its lambda's active set, so it satisfies the score equations
// (gaussian: the normal equations) of the intercept and of every active
// variable, and is zero elsewhere; lambdas with active sets larger than the
// limit are left out; each distinct active set is refitted once; separable
// binomial data give finite coefficients and a non-converged status.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

#include <glmsparse/glmsparse.hpp>

#include "helpers.hpp"

using glmsparse::Binomial;
using glmsparse::FitOptions;
using glmsparse::LambdaGrid;
using glmsparse::LambdaStatus;
using glmsparse::PathResult;
using glmsparse::ProblemData;
using test_helpers::coefficients;

namespace {

enum class Family { gaussian, binomial };

struct RelaxProblem {
  Eigen::MatrixXd x;
  ProblemData data;
};

RelaxProblem random_problem(std::mt19937& rng, Family family, Eigen::Index n, Eigen::Index p) {
  RelaxProblem problem;
  problem.x = test_helpers::random_matrix(rng, n, p, 0.3);
  ProblemData& data = problem.data;
  data.weights = test_helpers::random_uniform(rng, n, 0.2, 3.0);
  data.offset = test_helpers::random_vector(rng, n, 0.0, 0.3);
  const Eigen::MatrixXd centred = problem.x.rowwise() - problem.x.colwise().mean();
  Eigen::VectorXd truth = Eigen::VectorXd::Zero(p);
  for (Eigen::Index j = 0; j < std::min<Eigen::Index>(6, p); ++j) truth[j] = j % 2 ? -0.5 : 0.5;
  const Eigen::VectorXd eta = centred * truth + data.offset;
  if (family == Family::gaussian) {
    data.y = eta + test_helpers::random_vector(rng, n);
  } else {
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    data.y.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) data.y[i] = unit(rng) < Binomial::mean(eta[i]) ? 1.0 : 0.0;
  }
  test_helpers::set_variable_defaults(rng, p, data);
  data.penalty_factor.setConstant(1.0);
  return problem;
}

PathResult fit_path(Family family, test_helpers::DenseFixture& fixture, const ProblemData& data,
                    const FitOptions& options, const LambdaGrid& grid, glmsparse::Monitor& monitor) {
  if (family == Family::gaussian)
    return glmsparse::fit_gaussian_path(fixture.design, data, options, grid, monitor);
  return glmsparse::fit_glm_path<Binomial>(fixture.design, data, options, grid, monitor);
}

// The relaxed path, refitting by the family's own path at lambda = 0; counts the refits.
PathResult relax(Family family, const RelaxProblem& problem, const FitOptions& options,
                 const PathResult& penalized, int max_active, int& n_refits) {
  test_helpers::DenseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  ProblemData restricted = problem.data;
  const FitOptions at_zero = glmsparse::refit_options(options);
  n_refits = 0;
  return glmsparse::relax_path(
      penalized, problem.x.cols(), max_active,
      [&](const std::vector<char>& excluded, glmsparse::Monitor& refit_monitor) {
        ++n_refits;
        restricted.excluded = excluded;
        return fit_path(family, fixture, restricted, at_zero, glmsparse::refit_grid(), refit_monitor);
      },
      monitor);
}

std::vector<Eigen::Index> nonzero(const Eigen::VectorXd& b) {
  std::vector<Eigen::Index> indices;
  for (Eigen::Index j = 0; j < b.size(); ++j)
    if (b[j] != 0.0) indices.push_back(j);
  return indices;
}

// The score equations of the unpenalized fit on `active`, with weights w
// normalised to sum to 1 and standardized columns x~_j:
//   sum_i w_i (y_i - mu_i) = 0 (intercept),  sum_i w_i x~_ij (y_i - mu_i) = 0, j active.
// A fit whose objective F is within delta = thresh |F| of its minimum has
// score residuals of at most sqrt(2 T delta), T the trace of the Hessian
// (as in test_glm.cpp's KKT bound).
void check_scores(Family family, const RelaxProblem& problem, double thresh, const Eigen::VectorXd& b,
                  double intercept, const std::vector<Eigen::Index>& active) {
  const Eigen::MatrixXd& x = problem.x;
  const ProblemData& data = problem.data;
  const Eigen::Index n = x.rows();
  const Eigen::VectorXd w = data.weights / data.weights.sum();
  const Eigen::VectorXd eta = (data.offset + x * b).array() + intercept;
  Eigen::VectorXd residual(n), curvature(n);
  double loss = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double mu = family == Family::gaussian ? eta[i] : Binomial::mean(eta[i]);
    residual[i] = w[i] * (data.y[i] - mu);
    curvature[i] = w[i] * (family == Family::gaussian ? 1.0 : mu * (1.0 - mu));
    loss += family == Family::gaussian ? 0.5 * w[i] * (data.y[i] - mu) * (data.y[i] - mu)
                                       : w[i] * Binomial::loss(data.y[i], eta[i]);
  }
  double trace = curvature.sum();
  std::vector<Eigen::VectorXd> standardized;
  for (Eigen::Index j : active) {
    const double mean = w.dot(x.col(j));
    const double sd = std::sqrt(w.dot(x.col(j).cwiseAbs2()) - mean * mean);
    standardized.push_back((x.col(j).array() - mean).matrix() / sd);
    trace += curvature.dot(standardized.back().cwiseAbs2());
  }
  const double tol = std::sqrt(2.0 * trace * thresh * std::abs(loss));
  INFO("tolerance " << tol);
  CHECK(std::abs(residual.sum()) <= tol);
  for (std::size_t a = 0; a < active.size(); ++a) {
    INFO("variable " << active[a]);
    CHECK(std::abs(standardized[a].dot(residual)) <= tol);
  }
}

void check_relaxed_path(Family family, unsigned seed, Eigen::Index n, Eigen::Index p) {
  std::mt19937 rng(seed);
  const RelaxProblem problem = random_problem(rng, family, n, p);
  FitOptions options;
  options.thresh = 1e-14;
  LambdaGrid grid;
  grid.nlambda = 30;
  grid.lambda_min_ratio = n > p ? 1e-3 : 5e-2;
  test_helpers::DenseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  const PathResult penalized = fit_path(family, fixture, problem.data, options, grid, monitor);
  const int max_active = static_cast<int>(n) - 3;
  int n_refits = 0;
  const PathResult relaxed = relax(family, problem, options, penalized, max_active, n_refits);

  std::set<std::vector<Eigen::Index>> distinct;
  std::size_t r = 0;
  for (std::size_t k = 0; k < penalized.lambda.size(); ++k) {
    const std::vector<Eigen::Index> active = nonzero(coefficients(penalized, k, p));
    if (static_cast<int>(active.size()) > max_active) continue;
    if (!active.empty()) distinct.insert(active);
    INFO("lambda index " << k << " active " << active.size());
    REQUIRE(r < relaxed.lambda.size());
    CHECK(relaxed.lambda[r] == penalized.lambda[k]);
    CHECK(relaxed.df[r] == penalized.df[k]);
    CHECK(relaxed.status[r] == LambdaStatus::converged);
    const Eigen::VectorXd b = coefficients(relaxed, r, p);
    for (Eigen::Index j : nonzero(b))
      CHECK(std::find(active.begin(), active.end(), j) != active.end());
    check_scores(family, problem, options.thresh, b, relaxed.intercept[r], active);
    // Unpenalized on a larger support, the fit is at least as good.
    CHECK(relaxed.dev_ratio[r] >= penalized.dev_ratio[k] - 1e-12);
    ++r;
  }
  CHECK(r == relaxed.lambda.size());
  CHECK(n_refits == static_cast<int>(distinct.size()));
  CHECK(relaxed.null_deviance == penalized.null_deviance);
}

}  // namespace

TEST_CASE("Relaxed solutions solve the unpenalized score equations on their active sets",
          "[relax]") {
  SECTION("gaussian, n > p") { check_relaxed_path(Family::gaussian, 71, 120, 15); }
  SECTION("binomial, n > p") { check_relaxed_path(Family::binomial, 72, 200, 15); }
  SECTION("gaussian, p > n") { check_relaxed_path(Family::gaussian, 73, 30, 60); }
}

TEST_CASE("Lambdas whose active sets exceed the limit are left out", "[relax]") {
  std::mt19937 rng(74);
  const RelaxProblem problem = random_problem(rng, Family::gaussian, 30, 60);
  FitOptions options;
  LambdaGrid grid;
  grid.nlambda = 30;
  grid.lambda_min_ratio = 1e-2;
  test_helpers::DenseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  const PathResult penalized =
      fit_path(Family::gaussian, fixture, problem.data, options, grid, monitor);
  const int max_active = 8;
  REQUIRE(*std::max_element(penalized.df.begin(), penalized.df.end()) > max_active);
  int n_refits = 0;
  const PathResult relaxed = relax(Family::gaussian, problem, options, penalized, max_active, n_refits);
  std::vector<double> kept;
  for (std::size_t k = 0; k < penalized.lambda.size(); ++k)
    if (penalized.df[k] <= max_active) kept.push_back(penalized.lambda[k]);
  CHECK(relaxed.lambda == kept);
  for (int df : relaxed.df) CHECK(df <= max_active);
}

TEST_CASE("Separable binomial data relax to finite coefficients with a status", "[relax]") {
  std::mt19937 rng(75);
  RelaxProblem problem = random_problem(rng, Family::binomial, 60, 5);
  for (Eigen::Index i = 0; i < problem.x.rows(); ++i) problem.data.y[i] = problem.x(i, 0) > 1.0 ? 1.0 : 0.0;
  problem.data.offset.setZero();
  FitOptions options;
  LambdaGrid grid;
  grid.user_lambda = {0.05, 0.01};
  test_helpers::DenseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  const PathResult penalized =
      fit_path(Family::binomial, fixture, problem.data, options, grid, monitor);
  REQUIRE(penalized.df.back() > 0);
  int n_refits = 0;
  const PathResult relaxed = relax(Family::binomial, problem, options, penalized, 57, n_refits);
  REQUIRE(relaxed.lambda.size() == 2);
  bool any_not_converged = false;
  for (std::size_t k = 0; k < relaxed.lambda.size(); ++k) {
    CHECK(std::isfinite(relaxed.intercept[k]));
    CHECK(std::isfinite(relaxed.dev_ratio[k]));
    any_not_converged = any_not_converged || relaxed.status[k] != LambdaStatus::converged;
  }
  for (double value : relaxed.beta_value) CHECK(std::isfinite(value));
  // The maximum likelihood estimate does not exist: a refit cannot converge.
  CHECK(any_not_converged);
  CHECK(relaxed.dev_ratio.back() > 0.99);
}
