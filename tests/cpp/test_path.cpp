// The Gaussian elastic-net path: KKT conditions on the original scale at
// every lambda, dense == sparse, naive == Gram, constant columns and
// responses, user lambda grids.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>

#include <glmsparse/glmsparse.hpp>

#include "helpers.hpp"

using glmsparse::FitOptions;
using glmsparse::LambdaGrid;
using glmsparse::PathResult;
using glmsparse::ProblemData;
using test_helpers::coefficients;
using test_helpers::default_grid;
using test_helpers::describe;
using test_helpers::Problem;
using test_helpers::Setting;

namespace {

ProblemData problem_data(std::mt19937& rng, const Eigen::MatrixXd& x, bool weights,
                         bool offset) {
  const Eigen::Index n = x.rows(), p = x.cols();
  ProblemData data;
  // Sparse truth on the first few columns plus noise, shifted off zero.
  Eigen::VectorXd truth = Eigen::VectorXd::Zero(p);
  for (Eigen::Index j = 0; j < std::min<Eigen::Index>(5, p); ++j) truth[j] = (j % 2 ? -1.5 : 2.0);
  data.y = (x * truth).array() + 3.0 + test_helpers::random_vector(rng, n).array();
  data.weights = weights ? test_helpers::random_uniform(rng, n, 0.2, 3.0)
                         : Eigen::VectorXd::Ones(n);
  data.offset = offset ? test_helpers::random_vector(rng, n, 0.5, 0.5)
                       : Eigen::VectorXd::Zero(n);
  test_helpers::set_variable_defaults(rng, p, data);
  return data;
}

Problem random_problem(std::mt19937& rng, const Setting& s) {
  Problem problem;
  problem.x = test_helpers::random_matrix(rng, s.n, s.p, 0.5);
  problem.data = problem_data(rng, problem.x, s.weights, s.offset);
  return problem;
}

FitOptions options_for(const Setting& s, int use_gram, double thresh = 1e-12) {
  FitOptions options;
  options.alpha = s.alpha;
  options.intercept = s.intercept;
  options.standardize = s.standardize;
  options.thresh = thresh;
  options.use_gram = use_gram;
  return options;
}

PathResult fit_dense(const Problem& problem, const FitOptions& options, const LambdaGrid& grid) {
  test_helpers::DenseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  return glmsparse::fit_gaussian_path(fixture.design, problem.data, options, grid, monitor);
}

PathResult fit_sparse(const Problem& problem, const FitOptions& options, const LambdaGrid& grid) {
  test_helpers::SparseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  return glmsparse::fit_gaussian_path(fixture.design, problem.data, options, grid, monitor);
}

void check_shape(const PathResult& fit, Eigen::Index p) {
  const std::size_t n_lambda = fit.lambda.size();
  REQUIRE(n_lambda > 0);
  REQUIRE(fit.intercept.size() == n_lambda);
  REQUIRE(fit.beta_col_start.size() == n_lambda + 1);
  REQUIRE(fit.beta_col_start.front() == 0);
  REQUIRE(fit.beta_col_start.back() == static_cast<int>(fit.beta_row.size()));
  REQUIRE(fit.beta_value.size() == fit.beta_row.size());
  for (std::size_t k = 0; k < n_lambda; ++k) {
    REQUIRE(fit.beta_col_start[k] <= fit.beta_col_start[k + 1]);
    for (int e = fit.beta_col_start[k]; e < fit.beta_col_start[k + 1]; ++e) {
      REQUIRE(fit.beta_row[e] >= 0);
      REQUIRE(fit.beta_row[e] < p);
      if (e > fit.beta_col_start[k]) REQUIRE(fit.beta_row[e - 1] < fit.beta_row[e]);
    }
  }
}

// Optimality of every path point for glmnet's Gaussian objective on the original scale:
//   1/2 sum w (y - o - a0 - x'beta)^2
//     + lambda sum_j pf_j (alpha |beta_j| s_j + (1 - alpha)/2 beta_j^2 s_j^2 / s_y),
// with w normalized to sum 1, s_j the weighted sd of x_j (1 without standardize) and
// s_y the weighted sd of y - o - ybar.
void check_kkt(const Problem& problem, const FitOptions& options, const PathResult& fit) {
  const Eigen::MatrixXd& x = problem.x;
  const ProblemData& data = problem.data;
  const Eigen::Index p = x.cols();
  check_shape(fit, p);

  const Eigen::VectorXd w = data.weights / data.weights.sum();
  const Eigen::VectorXd response = data.y - data.offset;
  const double ybar = options.intercept ? w.dot(response) : 0.0;
  const Eigen::VectorXd centered = response.array() - ybar;
  const double s_y = std::sqrt(w.dot(centered.cwiseAbs2()) - std::pow(w.dot(centered), 2));
  Eigen::VectorXd s(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double mean = w.dot(x.col(j));
    s[j] = options.standardize ? std::sqrt(w.dot(x.col(j).cwiseAbs2()) - mean * mean) : 1.0;
  }
  const Eigen::VectorXd gradient_at_zero = -x.transpose() * w.cwiseProduct(centered);
  const double tol = 1e-6 * gradient_at_zero.cwiseAbs().maxCoeff();
  const double alpha = options.alpha;

  for (std::size_t k = 0; k < fit.lambda.size(); ++k) {
    INFO("lambda index " << k << " lambda " << fit.lambda[k]);
    CHECK(fit.status[k] == glmsparse::LambdaStatus::converged);
    const double lambda = fit.lambda[k];
    const Eigen::VectorXd beta = coefficients(fit, k, p);
    const Eigen::VectorXd r =
        (response - x * beta).array() - fit.intercept[k];
    if (options.intercept) CHECK(std::abs(w.dot(r)) <= tol);
    else CHECK(fit.intercept[k] == 0.0);
    const Eigen::VectorXd gradient = -x.transpose() * w.cwiseProduct(r);
    for (Eigen::Index j = 0; j < p; ++j) {
      INFO("variable " << j << " beta " << beta[j] << " gradient " << gradient[j]);
      const double pf = data.penalty_factor[j];
      const double smooth = gradient[j] + lambda * pf * (1.0 - alpha) * beta[j] * s[j] * s[j] / s_y;
      const double l1 = lambda * alpha * pf * s[j];
      const double lower = data.lower_limit[j], upper = data.upper_limit[j];
      const bool at_upper = beta[j] > 0.0 && std::abs(beta[j] - upper) <= 1e-10 * std::abs(upper);
      const bool at_lower = beta[j] < 0.0 && std::abs(beta[j] - lower) <= 1e-10 * std::abs(lower);
      REQUIRE(beta[j] >= lower * (1.0 + 1e-12));
      REQUIRE(beta[j] <= upper * (1.0 + 1e-12));
      if (beta[j] > 0.0) {
        // The objective's derivative; at the upper limit it may only push further up.
        if (at_upper) CHECK(smooth + l1 <= tol);
        else CHECK(std::abs(smooth + l1) <= tol);
      } else if (beta[j] < 0.0) {
        if (at_lower) CHECK(smooth - l1 >= -tol);
        else CHECK(std::abs(smooth - l1) <= tol);
      } else {
        // Zero is optimal when neither allowed direction decreases the objective.
        if (upper > 0.0) CHECK(gradient[j] + l1 >= -tol);
        if (lower < 0.0) CHECK(gradient[j] - l1 <= tol);
      }
    }
  }
}

const Setting kSettings[] = {
    {80, 12, true, true, true, true, 1.0},    {80, 12, true, true, true, true, 0.5},
    {80, 12, false, false, true, false, 1.0}, {80, 12, true, true, false, true, 0.5},
    {60, 10, true, false, false, false, 1.0}, {25, 60, true, true, true, true, 1.0},
    {25, 60, true, true, true, true, 0.5},    {25, 60, false, true, false, true, 1.0},
    {30, 45, true, false, true, false, 0.5},
};

}  // namespace

TEST_CASE("KKT conditions hold at every path point", "[path][kkt]") {
  std::mt19937 rng(2024);
  for (const Setting& setting : kSettings) {
    const Problem problem = random_problem(rng, setting);
    for (int use_gram : {0, 1}) {
      const FitOptions options = options_for(setting, use_gram);
      INFO(describe(setting) << " use_gram=" << use_gram);
      {
        INFO("dense");
        const PathResult fit = fit_dense(problem, options, default_grid(setting));
        CHECK(fit.lambda.size() == 25u);
        check_kkt(problem, options, fit);
      }
      {
        INFO("sparse");
        const PathResult fit = fit_sparse(problem, options, default_grid(setting));
        CHECK(fit.lambda.size() == 25u);
        check_kkt(problem, options, fit);
      }
    }
  }
}

TEST_CASE("KKT conditions hold with box constraints", "[path][kkt]") {
  std::mt19937 rng(77);
  for (const Setting& setting : {kSettings[0], kSettings[1], kSettings[5]}) {
    Problem problem = random_problem(rng, setting);
    const Eigen::Index p = setting.p;
    // Binding limits on the true signals, a nonnegativity constraint and a zero upper limit.
    problem.data.upper_limit[0] = 0.5;
    problem.data.lower_limit[1] = -0.4;
    problem.data.lower_limit[3] = 0.0;
    problem.data.upper_limit[4] = 0.0;
    problem.data.lower_limit[p - 1] = -0.05;
    for (int use_gram : {0, 1}) {
      const FitOptions options = options_for(setting, use_gram);
      INFO(describe(setting) << " use_gram=" << use_gram);
      const PathResult dense = fit_dense(problem, options, default_grid(setting));
      check_kkt(problem, options, dense);
      const PathResult sparse = fit_sparse(problem, options, default_grid(setting));
      check_kkt(problem, options, sparse);
      // With n > p the limits bind at the end of the path.
      if (setting.n > setting.p) {
        const Eigen::VectorXd last = coefficients(dense, dense.lambda.size() - 1, p);
        CHECK(last[0] == Approx(0.5));
        CHECK(last[1] == Approx(-0.4));
      }
    }
  }
}

namespace {

// Tall problems agree to 1e-8 of the coefficients' size. Wide ones end in
// nearly singular active sets, whose coefficients rounding alone moves by
// about 1e-7 even at thresh = 1e-15 (tighter thresholds do not shrink it).
void check_same_path(const Eigen::MatrixXd& x, const PathResult& a, const PathResult& b) {
  const Eigen::Index p = x.cols();
  const double tolerance = x.rows() > p ? 1e-8 : 1e-6;
  REQUIRE(a.lambda.size() == b.lambda.size());
  for (std::size_t k = 0; k < a.lambda.size(); ++k) {
    INFO("lambda index " << k);
    CHECK(a.lambda[k] == Approx(b.lambda[k]).epsilon(1e-10));
    const Eigen::VectorXd beta_a = coefficients(a, k, p), beta_b = coefficients(b, k, p);
    const double size = 1.0 + beta_a.cwiseAbs().maxCoeff();
    CHECK((beta_a - beta_b).cwiseAbs().maxCoeff() <= tolerance * size);
    CHECK(std::abs(a.intercept[k] - b.intercept[k]) <= tolerance * (size + std::abs(a.intercept[k])));
    CHECK(a.dev_ratio[k] == Approx(b.dev_ratio[k]).margin(1e-9));
    CHECK(a.df[k] == b.df[k]);
  }
}

}  // namespace

TEST_CASE("Dense and sparse designs give the same path", "[path]") {
  std::mt19937 rng(5);
  for (const Setting& setting : kSettings) {
    const Problem problem = random_problem(rng, setting);
    for (int use_gram : {0, 1}) {
      INFO(describe(setting) << " use_gram=" << use_gram);
      const FitOptions options = options_for(setting, use_gram, 1e-15);
      check_same_path(problem.x, fit_dense(problem, options, default_grid(setting)),
                      fit_sparse(problem, options, default_grid(setting)));
    }
  }
}

TEST_CASE("A large sparse active set passed in column order gives the dense design's path", "[path]") {
  // Enough entries in the active set (up to 400 columns of about 2100
  // entries) that the sparse design's passes take it in column order, while
  // the dense design's keep the order of entry. Without solves on the
  // support the passes do all the work.
  std::mt19937 rng(11);
  const Setting setting{3000, 400, false, false, true, true, 1.0};
  Problem problem;
  problem.x = test_helpers::random_matrix(rng, setting.n, setting.p, 0.3);
  problem.data = problem_data(rng, problem.x, setting.weights, setting.offset);
  FitOptions options = options_for(setting, 0, 1e-15);
  options.support_solves = false;
  const PathResult dense = fit_dense(problem, options, default_grid(setting));
  const PathResult sparse = fit_sparse(problem, options, default_grid(setting));
  test_helpers::SparseFixture fixture(problem.x);
  INFO("nonzero coefficients at the last lambda " << sparse.df.back());
  REQUIRE(fixture.design.reads_faster_in_column_order(static_cast<std::size_t>(sparse.df.back())));
  REQUIRE_FALSE(fixture.design.reads_faster_in_column_order(static_cast<std::size_t>(sparse.df.front())));
  check_same_path(problem.x, dense, sparse);
}

TEST_CASE("Naive and Gram updates give the same path", "[path]") {
  std::mt19937 rng(6);
  for (const Setting& setting : kSettings) {
    const Problem problem = random_problem(rng, setting);
    INFO(describe(setting));
    check_same_path(problem.x,
                    fit_dense(problem, options_for(setting, 0, 1e-15), default_grid(setting)),
                    fit_dense(problem, options_for(setting, 1, 1e-15), default_grid(setting)));
    check_same_path(problem.x,
                    fit_sparse(problem, options_for(setting, 0, 1e-15), default_grid(setting)),
                    fit_sparse(problem, options_for(setting, 1, 1e-15), default_grid(setting)));
  }
}

TEST_CASE("A fit leaving rows out gives the same path with a shared Gram matrix", "[path][gram]") {
  std::mt19937 rng(61);
  for (const Setting& setting : kSettings) {
    Problem problem = random_problem(rng, setting);
    INFO(describe(setting));
    const FitOptions options = options_for(setting, 1, 1e-15);
    test_helpers::DenseFixture dense(problem.x);
    const glmsparse::SharedGram shared =
        glmsparse::compute_shared_gram(dense.design, problem.data.weights, 2);
    // Leave out every fifth row, as a cross-validation fold does.
    for (Eigen::Index i = 0; i < problem.data.weights.size(); i += 5) problem.data.weights[i] = 0.0;
    const PathResult own = fit_dense(problem, options, default_grid(setting));
    problem.data.shared_gram = &shared;
    const PathResult from_shared = fit_dense(problem, options, default_grid(setting));
    check_same_path(problem.x, own, from_shared);
    // The shared matrix is really used: a wrong one gives another path. Its
    // fits do not converge, so their passes are capped (else each lambda
    // runs to the default 100000 passes, about a minute for this test).
    glmsparse::SharedGram wrong = shared;
    wrong.raw *= 1.5;
    problem.data.shared_gram = &wrong;
    FitOptions capped = options;
    capped.max_passes_per_lambda = 1000;
    const PathResult from_wrong = fit_dense(problem, capped, default_grid(setting));
    CHECK(from_wrong.beta_value != own.beta_value);
  }
}

TEST_CASE("Linear predictors of selected rows equal x beta + a0, dense and sparse", "[path]") {
  std::mt19937 rng(62);
  const Setting& setting = kSettings[0];
  const Problem problem = random_problem(rng, setting);
  const PathResult fit = fit_dense(problem, options_for(setting, 0), default_grid(setting));
  const Eigen::Index n = problem.x.rows();
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 1; i < n; i += 3) rows.push_back(i);
  const glmsparse::RowSelection selection(n, rows);
  test_helpers::DenseFixture dense(problem.x);
  test_helpers::SparseFixture sparse(problem.x);
  const Eigen::MatrixXd from_dense = glmsparse::linear_predictors(dense.design, selection, fit);
  const Eigen::MatrixXd from_sparse = glmsparse::linear_predictors(sparse.design, selection, fit);
  REQUIRE(from_dense.rows() == static_cast<Eigen::Index>(rows.size()));
  REQUIRE(from_dense.cols() == static_cast<Eigen::Index>(fit.lambda.size()));
  for (std::size_t l = 0; l < fit.lambda.size(); ++l) {
    const Eigen::VectorXd beta = test_helpers::coefficients(fit, l, problem.x.cols());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const double expected = fit.intercept[l] + problem.x.row(rows[r]).dot(beta);
      const auto k = static_cast<Eigen::Index>(r), c = static_cast<Eigen::Index>(l);
      CHECK(from_dense(k, c) == Approx(expected).margin(1e-12));
      CHECK(from_sparse(k, c) == Approx(expected).margin(1e-12));
    }
  }
}

TEST_CASE("Constant columns get a zero coefficient everywhere", "[path]") {
  std::mt19937 rng(8);
  for (bool intercept : {true, false}) {
    Setting setting{50, 8, true, true, intercept, true, 1.0};
    Problem problem = random_problem(rng, setting);
    problem.x.col(3).setConstant(3.0);
    problem.x.col(5).setZero();
    // The response depends on the constant column, which only the intercept may absorb.
    problem.data.y += 2.0 * problem.x.col(3);
    for (int use_gram : {0, 1}) {
      INFO("intercept=" << intercept << " use_gram=" << use_gram);
      const FitOptions options = options_for(setting, use_gram);
      for (const PathResult& fit : {fit_dense(problem, options, default_grid(setting)),
                                    fit_sparse(problem, options, default_grid(setting))}) {
        check_shape(fit, setting.p);
        CHECK(fit.lambda.size() == 25u);
        for (int row : fit.beta_row) {
          CHECK(row != 3);
          CHECK(row != 5);
        }
        // The other variables do enter the path.
        CHECK(fit.df.back() >= 4);
      }
    }
  }
}

namespace {

void check_constant_response(std::mt19937& rng, Eigen::Index n, double value, bool weights) {
  const Setting setting{n, 6, weights, false, true, true, 1.0};
  Problem problem = random_problem(rng, setting);
  problem.data.y.setConstant(value);
  LambdaGrid user;
  user.user_lambda = {1.0, 0.1, 0.001};
  for (int use_gram : {0, 1}) {
    const FitOptions options = options_for(setting, use_gram);
    for (const LambdaGrid& grid : {default_grid(setting), user}) {
      INFO("y = " << value << " weights=" << weights << " use_gram=" << use_gram
                  << " user grid=" << !grid.user_lambda.empty());
      for (const PathResult& fit : {fit_dense(problem, options, grid),
                                    fit_sparse(problem, options, grid)}) {
        check_shape(fit, setting.p);
        CHECK(fit.lambda.size() == (grid.user_lambda.empty() ? 25u : 3u));
        CHECK(fit.beta_row.empty());
        for (int df : fit.df) CHECK(df == 0);
        for (double a0 : fit.intercept) CHECK(a0 == Approx(value).epsilon(1e-12));
      }
    }
  }
}

}  // namespace

TEST_CASE("A constant response gives zero coefficients and intercept = its mean", "[path]") {
  // Equal weights 1/32 and dyadic values: the weighted mean is exact.
  std::mt19937 rng(9);
  for (double value : {2.5, -0.75, 1024.0}) check_constant_response(rng, 32, value, false);
}

// Otherwise the weighted mean of a constant is rounded, and the centred
// response is noise of size 1e-16 * |y| instead of exact zeros.
TEST_CASE("A constant response with a rounded mean is still constant", "[path]") {
  std::mt19937 rng(11);
  for (bool weights : {false, true})
    for (double value : {0.1, -7.3, 1e6 / 3.0}) check_constant_response(rng, 40, value, weights);
}

TEST_CASE("A user lambda grid is returned exactly, in the order given", "[path]") {
  std::mt19937 rng(10);
  for (const Setting& setting : {kSettings[1], kSettings[3], kSettings[6]}) {
    const Problem problem = random_problem(rng, setting);
    LambdaGrid grid;
    // Unsorted, with a lambda above lambda_max and a repeated value.
    grid.user_lambda = {0.3, 1e3, 0.02, 0.11, 0.11, 1e-3, 0.7};
    for (int use_gram : {0, 1}) {
      INFO(describe(setting) << " use_gram=" << use_gram);
      const FitOptions options = options_for(setting, use_gram);
      for (const PathResult& fit : {fit_dense(problem, options, grid),
                                    fit_sparse(problem, options, grid)}) {
        REQUIRE(fit.lambda.size() == grid.user_lambda.size());
        for (std::size_t k = 0; k < grid.user_lambda.size(); ++k)
          CHECK(fit.lambda[k] == grid.user_lambda[k]);
        check_kkt(problem, options, fit);
        // Only unpenalized variables are nonzero above lambda_max.
        const Eigen::VectorXd above = coefficients(fit, 1, setting.p);
        for (Eigen::Index j = 0; j < setting.p; ++j)
          if (problem.data.penalty_factor[j] > 0.0) CHECK(above[j] == 0.0);
        // Equal lambdas give equal solutions (to the convergence tolerance).
        const Eigen::VectorXd first = coefficients(fit, 3, setting.p);
        CHECK((first - coefficients(fit, 4, setting.p)).cwiseAbs().maxCoeff() <=
              1e-7 * (1.0 + first.cwiseAbs().maxCoeff()));
      }
    }
  }
}

TEST_CASE("A long user lambda grid is returned bit for bit", "[path]") {
  // lambda / s_y * s_y differs from lambda in the last bit for some values of
  // lambda and s_y, so many values and responses catch a round trip through the
  // working scale.
  std::mt19937 rng(12);
  LambdaGrid grid;
  for (int k = 0; k < 40; ++k) grid.user_lambda.push_back(2.0 * std::pow(0.87, k));
  int n_different = 0;
  for (const Setting& setting : kSettings) {
    const Problem problem = random_problem(rng, setting);
    const PathResult fit = fit_dense(problem, options_for(setting, 0), grid);
    REQUIRE(fit.lambda.size() == grid.user_lambda.size());
    for (std::size_t k = 0; k < grid.user_lambda.size(); ++k) {
      CHECK(fit.lambda[k] == Approx(grid.user_lambda[k]).epsilon(1e-14));
      n_different += fit.lambda[k] != grid.user_lambda[k];
    }
  }
  CHECK(n_different == 0);
}

TEST_CASE("Solves on the support and plain coordinate descent give the same path", "[path][support]") {
  std::mt19937 rng(9);
  for (const Setting& setting : kSettings) {
    const Problem problem = random_problem(rng, setting);
    for (int use_gram : {0, 1}) {
      INFO(describe(setting) << " use_gram=" << use_gram);
      FitOptions with = options_for(setting, use_gram, 1e-15);
      FitOptions without = with;
      without.support_solves = false;
      check_same_path(problem.x, fit_dense(problem, with, default_grid(setting)),
                      fit_dense(problem, without, default_grid(setting)));
    }
  }
}

TEST_CASE("The path is the same bit for bit for any number of threads", "[path][threads]") {
  std::mt19937 rng(10);
  // Tall enough that the Gram columns are computed in several pieces.
  const Setting setting{400, 300, true, true, true, true, 1.0};
  const Problem problem = random_problem(rng, setting);
  FitOptions options = options_for(setting, 1);
  const PathResult one = fit_dense(problem, options, default_grid(setting));
  options.n_threads = 3;
  const PathResult three = fit_dense(problem, options, default_grid(setting));
  CHECK(one.beta_value == three.beta_value);
  CHECK(one.beta_row == three.beta_row);
  CHECK(one.intercept == three.intercept);
}

TEST_CASE("A p > n path with solves on the support is the same bit for bit for any number of threads",
          "[path][threads][support]") {
  std::mt19937 rng(12);
  // Supports of a few hundred: their gradients and the cross products of
  // joining variables are large enough to be shared between threads.
  const Setting setting{500, 1200, false, false, true, true, 1.0};
  const Problem problem = random_problem(rng, setting);
  FitOptions options = options_for(setting, 0);
  glmsparse::LambdaGrid grid = default_grid(setting);
  grid.nlambda = 60;
  const PathResult one = fit_dense(problem, options, grid);
  REQUIRE(*std::max_element(one.df.begin(), one.df.end()) > 200);
  for (int n_threads : {2, 3}) {
    INFO(n_threads << " threads");
    options.n_threads = n_threads;
    const PathResult other = fit_dense(problem, options, grid);
    CHECK(one.beta_value == other.beta_value);
    CHECK(one.beta_row == other.beta_row);
    CHECK(one.intercept == other.intercept);
    CHECK(one.n_passes == other.n_passes);
  }
}
