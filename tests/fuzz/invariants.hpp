// What every path the core returns must satisfy, checked against the
// independent losses of reference.hpp. A violation prints the problem and
// aborts, which libFuzzer reports as a crash.
//
// The objective at each lambda, on the standardized scale beta_jk = b_jk s_j
// (s_j the weighted standard deviation of column j with standardize, else 1):
//
//   F = L(Eta) + lambda sum_j pf_j P_j(beta_j),  Eta = O + 1 a' + X B,
//   ungrouped  P_j = sum_k alpha |beta_jk| + (1 - alpha) / 2 rho beta_jk^2,
//   grouped    P_j = alpha ||beta_j|| + (1 - alpha) / 2 ||beta_j||^2,
//
// with rho = 1 / s_y for gaussian (glmnet's convention) and 1 otherwise,
// subject to lower_j <= b_jk <= upper_j.
//
// Tolerances. A point whose objective is within delta of the minimum has a
// proximal-gradient residual of at most sqrt(2 T delta), T the trace of the
// Hessian of the smooth part; the solver stops when the objective still to
// be gained is estimated at about thresh times the objective, so each KKT
// residual is held to kOptimality * sqrt(2 T thresh S) (as in
// tests/cpp/test_glm.cpp, with a margin for the estimate's error on
// adversarial data), plus the rounding error of the gradient itself: the
// core folds centring into inner products, so a column with a large mean
// relative to its spread loses digits, and sums of terms of widely different
// sizes lose them too.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include <glmsparse/glmsparse.hpp>

#include "problem.hpp"
#include "reference.hpp"

namespace fuzz {

constexpr double kEps = std::numeric_limits<double>::epsilon();
// Margin on the solver's estimate of the objective still to be gained.
constexpr double kOptimality = 10.0;
// Margin on first-order rounding-error estimates.
constexpr double kRounding = 256.0;

// One path, whatever the family: per lambda, K intercepts and a p x K matrix
// of coefficients on the original scale.
struct Solution {
  double lambda = 0.0;
  Eigen::VectorXd intercept;
  Eigen::MatrixXd beta;
  int df = 0;
  double dev_ratio = 0.0;
  int n_passes = 0;
  glmsparse::LambdaStatus status = glmsparse::LambdaStatus::converged;
};

struct Path {
  std::vector<Solution> solutions;
  double null_deviance = 0.0;
  glmsparse::PathStop stop = glmsparse::PathStop::completed;
};

[[noreturn]] inline void fail(const Problem& problem, const std::string& what) {
  std::fprintf(stderr, "INVARIANT VIOLATED: %s\n%s\n", what.c_str(), problem.describe().c_str());
  std::fflush(stderr);
  std::abort();
}

inline void require(bool ok, const Problem& problem, const std::string& what) {
  if (!ok) fail(problem, what);
}

// Compressed columns (one per lambda) to dense coefficient columns, with
// their structure checked.
inline void unpack_columns(const Problem& problem, const std::vector<int>& row,
                           const std::vector<int>& column_start, const std::vector<double>& value,
                           std::size_t n_lambda, std::vector<Solution>& solutions, Eigen::Index k) {
  require(column_start.size() == n_lambda + 1 && column_start.front() == 0 &&
              column_start.back() == static_cast<int>(row.size()) && value.size() == row.size(),
          problem, "coefficient columns are malformed");
  for (std::size_t l = 0; l < n_lambda; ++l) {
    require(column_start[l] <= column_start[l + 1], problem, "coefficient column starts decrease");
    for (int e = column_start[l]; e < column_start[l + 1]; ++e) {
      const int j = row[static_cast<std::size_t>(e)];
      require(j >= 0 && j < problem.p, problem, "coefficient row out of range");
      require(e == column_start[l] || row[static_cast<std::size_t>(e) - 1] < j, problem,
              "coefficient rows not increasing");
      solutions[l].beta(j, k) = value[static_cast<std::size_t>(e)];
    }
  }
}

inline Path to_path(const Problem& problem, const glmsparse::PathResult& r) {
  const std::size_t n_lambda = r.lambda.size();
  require(r.intercept.size() == n_lambda && r.df.size() == n_lambda && r.dev_ratio.size() == n_lambda &&
              r.n_passes.size() == n_lambda && r.status.size() == n_lambda,
          problem, "path fields have different lengths");
  Path path;
  path.null_deviance = r.null_deviance;
  path.stop = r.stop;
  path.solutions.resize(n_lambda);
  for (std::size_t l = 0; l < n_lambda; ++l) {
    Solution& s = path.solutions[l];
    s.lambda = r.lambda[l];
    s.intercept = Eigen::VectorXd::Constant(1, r.intercept[l]);
    s.beta = Eigen::MatrixXd::Zero(problem.p, 1);
    s.df = r.df[l];
    s.dev_ratio = r.dev_ratio[l];
    s.n_passes = r.n_passes[l];
    s.status = r.status[l];
  }
  unpack_columns(problem, r.beta_row, r.beta_col_start, r.beta_value, n_lambda, path.solutions, 0);
  return path;
}

inline Path to_path(const Problem& problem, const glmsparse::MultiPathResult& r) {
  const std::size_t n_lambda = r.lambda.size();
  const auto classes = static_cast<std::size_t>(problem.n_responses);
  require(r.beta.size() == classes && r.intercept.size() == n_lambda * classes &&
              r.response_df.size() == n_lambda * classes && r.df.size() == n_lambda &&
              r.dev_ratio.size() == n_lambda && r.n_passes.size() == n_lambda &&
              r.status.size() == n_lambda,
          problem, "multi-response path fields have inconsistent lengths");
  Path path;
  path.null_deviance = r.null_deviance;
  path.stop = r.stop;
  path.solutions.resize(n_lambda);
  for (std::size_t l = 0; l < n_lambda; ++l) {
    Solution& s = path.solutions[l];
    s.lambda = r.lambda[l];
    s.intercept = Eigen::Map<const Eigen::VectorXd>(r.intercept.data() + l * classes, problem.n_responses);
    s.beta = Eigen::MatrixXd::Zero(problem.p, problem.n_responses);
    s.df = r.df[l];
    s.dev_ratio = r.dev_ratio[l];
    s.n_passes = r.n_passes[l];
    s.status = r.status[l];
  }
  for (std::size_t k = 0; k < classes; ++k)
    unpack_columns(problem, r.beta[k].row, r.beta[k].column_start, r.beta[k].value, n_lambda,
                   path.solutions, static_cast<Eigen::Index>(k));
  for (std::size_t l = 0; l < n_lambda; ++l)
    for (std::size_t k = 0; k < classes; ++k)
      require(r.response_df[l * classes + k] ==
                  (path.solutions[l].beta.col(static_cast<Eigen::Index>(k)).array() != 0.0).count(),
              problem, "response df does not count the nonzero coefficients");
  return path;
}

// The problem's fixed quantities: normalised weights, column summaries
// (two-pass, unlike the core's one pass) and the gaussian response scale.
struct Summary {
  Eigen::VectorXd w;
  double weight_total = 0.0;
  Eigen::VectorXd center, scale, relative_scale_error;
  std::vector<char> constant;      // all entries equal: coefficient 0
  std::vector<char> flat;          // no spread under the weights: coefficient 0
  std::vector<char> nearly_flat;   // spread lost in the core's rounding: 0 allowed
  Eigen::MatrixXd standardized;    // (x - center) / scale
  // (|x_ij| + |center_j|) / scale_j: the size of the terms of the core's
  // inner products, which fold the centring into the arithmetic.
  Eigen::MatrixXd term_size;
  double rho = 1.0, relative_rho_error = 0.0;
  double saturated = 0.0;
};

inline Summary summarize(const Problem& problem) {
  const Eigen::Index n = problem.n, p = problem.p;
  Summary s;
  s.weight_total = problem.weights.sum();
  s.w = problem.weights / s.weight_total;
  s.center.resize(p);
  s.scale.resize(p);
  s.relative_scale_error.resize(p);
  s.constant.assign(static_cast<std::size_t>(p), 0);
  s.flat.assign(static_cast<std::size_t>(p), 0);
  s.nearly_flat.assign(static_cast<std::size_t>(p), 0);
  for (Eigen::Index j = 0; j < p; ++j) {
    const auto column = problem.x.col(j);
    // Moments of the column divided by its largest entry, so that a spread
    // of 1e-150 does not underflow when squared.
    const double largest = column.cwiseAbs().maxCoeff();
    const double unit = largest > 0.0 ? largest : 1.0;
    const Eigen::VectorXd scaled = column / unit;
    const double scaled_mean = s.w.dot(scaled);
    const double scaled_second = s.w.dot(scaled.cwiseAbs2());
    const double scaled_variance = s.w.dot((scaled.array() - scaled_mean).square().matrix());
    const double mean = scaled_mean * unit;
    s.constant[j] = (column.array() == column[0]).all();
    s.flat[j] = !(scaled_variance > 0.0);
    // The core's variance, second - mean^2, carries an error of about eps * second.
    s.nearly_flat[j] = !(scaled_variance > kRounding * kEps * scaled_second);
    s.relative_scale_error[j] = s.flat[j] ? 0.0 : kRounding * kEps * (1.0 + scaled_second / scaled_variance);
    s.center[j] = problem.options.intercept ? mean : 0.0;
    s.scale[j] = problem.options.standardize && !s.flat[j] ? unit * std::sqrt(scaled_variance) : 1.0;
  }
  s.standardized = (problem.x.rowwise() - s.center.transpose()) * s.scale.cwiseInverse().asDiagonal();
  s.term_size.resize(n, p);
  for (Eigen::Index j = 0; j < p; ++j)
    s.term_size.col(j) = (problem.x.col(j).cwiseAbs().array() + std::abs(s.center[j])) / s.scale[j];
  if (problem.family == Family::gaussian) {
    const Eigen::VectorXd response = problem.y.col(0) - problem.offset.col(0);
    const double raw_second = s.w.dot(response.cwiseAbs2());
    const double mean = s.w.dot(response);
    const double variance = s.w.dot((response.array() - mean).square().matrix());
    // A (numerically) constant response, every row within the rounding of
    // its centring, is not rescaled (datafit_gaussian.hpp).
    bool constant = true;
    for (Eigen::Index i = 0; i < n; ++i)
      if (s.w[i] > 0.0 && std::abs(response[i] - mean) > 8.0 * kEps * (std::abs(response[i]) + std::abs(mean)))
        constant = false;
    if (!constant && variance > 0.0) {
      s.rho = 1.0 / std::sqrt(variance);
      s.relative_rho_error = kRounding * kEps * (1.0 + raw_second / variance);
    }
  }
  s.saturated = saturated_loss(problem, s.w);
  (void)n;
  return s;
}

inline Eigen::MatrixXd linear_predictor(const Problem& problem, const Solution& solution) {
  Eigen::MatrixXd eta = problem.offset + problem.x * solution.beta;
  eta.rowwise() += solution.intercept.transpose();
  return eta;
}

// Error of each linear predictor: its terms' size times eps.
inline Eigen::MatrixXd linear_predictor_error(const Problem& problem, const Solution& solution) {
  Eigen::MatrixXd error(problem.n, solution.beta.cols());
  for (Eigen::Index k = 0; k < error.cols(); ++k) {
    error.col(k) = (problem.offset.col(k).cwiseAbs() + problem.x.cwiseAbs() * solution.beta.col(k).cwiseAbs())
                       .array() + std::abs(solution.intercept[k]);
    if (problem.family == Family::gaussian || problem.family == Family::mgaussian)
      error.col(k) += problem.y.col(k).cwiseAbs();
  }
  return error * kEps;
}

inline double penalty_value(const Problem& problem, const Summary& summary, const Eigen::MatrixXd& beta) {
  const double alpha = problem.options.alpha;
  // A part of the penalty with weight 0 adds 0, even where it overflows
  // (a lasso coefficient near 1e255 has an infinite square).
  auto weighted = [](double weight, double part) { return weight == 0.0 ? 0.0 : weight * part; };
  double total = 0.0;
  for (Eigen::Index j = 0; j < problem.p; ++j) {
    const double pf = problem.penalty_factor[j];
    if (pf == 0.0) continue;
    const Eigen::RowVectorXd b = beta.row(j) * summary.scale[j];
    if (problem.grouped)
      total += pf * (weighted(alpha, b.norm()) + weighted(0.5 * (1.0 - alpha), b.squaredNorm()));
    else
      // rho b^2 as (sqrt(rho) b)^2: a coefficient of 4e199 on a column near
      // 1e-100 fits a response near 1e100, whose rho of 1e-100 keeps the
      // term finite though b^2 alone is not.
      total += pf * (weighted(alpha, b.lpNorm<1>()) +
                     weighted(0.5 * (1.0 - alpha), (b * std::sqrt(summary.rho)).squaredNorm()));
  }
  return total;
}

struct Evaluation {
  LossAt at;
  double penalty = 0.0;
  // lambda times the penalty, and 0 at lambda 0 whatever the penalty: a
  // coefficient of 3e237 there (a column of 1e-150 fitting a response of
  // 1e88) has a square, and so a penalty, that overflows, and 0 * inf is NaN.
  double penalty_term = 0.0;
  double objective = 0.0;
  double size = 0.0;  // what the solver's relative tolerance is relative to
};

inline Evaluation evaluate(const Problem& problem, const Summary& summary, const Solution& solution) {
  Evaluation e;
  e.at = loss_at(problem, summary.w, linear_predictor(problem, solution));
  e.penalty = penalty_value(problem, summary, solution.beta);
  e.penalty_term = solution.lambda == 0.0 ? 0.0 : solution.lambda * e.penalty;
  e.objective = e.at.loss + e.penalty_term;
  e.size = std::max(std::abs(e.objective), e.at.loss - summary.saturated + e.penalty_term);
  return e;
}

inline std::string where(std::size_t l, const Solution& s) {
  std::ostringstream out;
  out.precision(17);
  out << "lambda index " << l << " lambda " << s.lambda << " passes " << s.n_passes << " status "
      << static_cast<int>(s.status) << "\nintercept "
      << s.intercept.transpose() << "\nbeta\n" << s.beta;
  return out.str();
}

// Shape, finiteness, limits and the zeros of excluded and constant variables,
// at every lambda; the grid itself.
inline void check_structure(const Problem& problem, const Summary& summary, const Path& path) {
  const auto& grid = problem.grid;
  const std::size_t planned = grid.user_lambda.empty() ? static_cast<std::size_t>(grid.nlambda)
                                                       : grid.user_lambda.size();
  require(path.solutions.size() <= planned, problem, "more lambdas than asked for");
  if (path.stop == glmsparse::PathStop::completed)
    require(path.solutions.size() == planned, problem, "a completed path lacks lambdas");
  // The null deviance is on the caller's weight scale: with huge weights and
  // a huge response it exceeds the largest double.
  const double response_size = std::max(1.0, problem.y.cwiseAbs().maxCoeff());
  const bool may_overflow = summary.weight_total * response_size * response_size > 1e300;
  // So it is when the null model's own fitted means overflow (no intercept,
  // a poisson offset of 4000); the core then reports every lambda overflowed.
  bool all_overflowed = !path.solutions.empty();
  for (const Solution& s : path.solutions)
    all_overflowed = all_overflowed && s.status == glmsparse::LambdaStatus::overflow;
  require(path.null_deviance >= 0.0 &&
              (std::isfinite(path.null_deviance) || may_overflow || all_overflowed),
          problem,
          "null deviance not finite and non-negative");
  for (std::size_t l = 0; l < path.solutions.size(); ++l) {
    const Solution& s = path.solutions[l];
    const std::string at = where(l, s);
    require(std::isfinite(s.lambda) && s.lambda >= 0.0, problem, "lambda not finite and non-negative\n" + at);
    if (!grid.user_lambda.empty())
      require(s.lambda == grid.user_lambda[l], problem, "user lambda not returned as given\n" + at);
    else if (l > 0)
      require(s.lambda <= path.solutions[l - 1].lambda, problem, "default grid not decreasing\n" + at);
    require(s.beta.allFinite() && s.intercept.allFinite(), problem, "coefficients not finite\n" + at);
    require(std::isfinite(s.dev_ratio), problem, "deviance ratio not finite\n" + at);
    require(s.n_passes >= 0, problem, "negative pass count\n" + at);
    if (!problem.options.intercept) require(s.intercept.isZero(0.0), problem, "intercept without intercept\n" + at);
    if (problem.family == Family::multinomial && problem.options.intercept)
      require(std::abs(s.intercept.sum()) <= 64.0 * kEps * static_cast<double>(problem.n_responses) *
                                                 s.intercept.cwiseAbs().sum(),
              problem, "multinomial intercepts do not sum to zero\n" + at);
    int df = 0;
    for (Eigen::Index j = 0; j < problem.p; ++j) {
      const bool nonzero = (s.beta.row(j).array() != 0.0).any();
      df += nonzero;
      if (problem.excluded[j]) require(!nonzero, problem, "excluded variable " + std::to_string(j) + " nonzero\n" + at);
      if (summary.constant[j] || summary.flat[j])
        require(!nonzero, problem, "constant variable " + std::to_string(j) + " nonzero\n" + at);
      const double lower = problem.lower_limit[j], upper = problem.upper_limit[j];
      for (Eigen::Index k = 0; k < problem.n_responses; ++k) {
        const double b = s.beta(j, k);
        require(b <= (upper > 0.0 ? upper * (1.0 + 1e-12) : 0.0) || upper == kInf, problem,
                "coefficient above its upper limit\n" + at);
        require(b >= (lower < 0.0 ? lower * (1.0 + 1e-12) : 0.0) || lower == -kInf, problem,
                "coefficient below its lower limit\n" + at);
      }
    }
    require(df == s.df, problem, "df does not count the nonzero variables\n" + at);
  }
}

// Distance from optimality of one coefficient (ungrouped) or group, given
// the gradient of the smooth part and what the box allows.
inline double coordinate_violation(double term_increasing, double term_decreasing, bool can_increase,
                                   bool can_decrease) {
  double v = 0.0;
  if (can_increase) v = std::max(v, -term_increasing);
  if (can_decrease) v = std::max(v, term_decreasing);
  return v;
}

// KKT conditions at every converged lambda, and the deviance ratio.
inline void check_optimality(const Problem& problem, const Summary& summary, const Path& path) {
  const double alpha = problem.options.alpha, thresh = problem.options.thresh;
  const Eigen::Index n = problem.n, p = problem.p, classes = problem.n_responses;
  const Eigen::MatrixXd& xt = summary.standardized;
  const double max_pf = problem.penalty_factor.maxCoeff();
  const Eigen::MatrixXd& term_size = summary.term_size;

  for (std::size_t l = 0; l < path.solutions.size(); ++l) {
    const Solution& s = path.solutions[l];
    const std::string at = where(l, s);
    const double lambda = s.lambda;
    const Evaluation e = evaluate(problem, summary, s);
    if (s.status != glmsparse::LambdaStatus::converged) continue;
    require(std::isfinite(e.objective), problem, "objective not finite at a converged lambda\n" + at);
    const Eigen::MatrixXd& gradient_eta = e.at.gradient;
    const Eigen::MatrixXd& curvature = e.at.curvature;

    const Eigen::MatrixXd eta_error = linear_predictor_error(problem, s);

    // The deviance ratio of the returned coefficients. Besides the rounding
    // of the loss's terms, the deviance inherits that of the linear
    // predictors, to first order sum_i |dL/deta_i| eta_error_i: large when
    // an intercept cancels large terms of X b.
    if (path.null_deviance > 0.0 && std::isfinite(path.null_deviance)) {
      const double deviance = 2.0 * summary.weight_total * (e.at.loss - summary.saturated);
      const double expected = 1.0 - deviance / path.null_deviance;
      const double inherited = e.at.gradient.cwiseAbs().cwiseProduct(eta_error).sum();
      const double margin = 1e-6 + kRounding * 2.0 * summary.weight_total *
                                       (kEps * (e.at.magnitude + std::abs(summary.saturated)) + inherited) /
                                       path.null_deviance;
      std::ostringstream detail;
      detail.precision(17);
      detail << "deviance ratio " << s.dev_ratio << " expected " << expected << " margin " << margin << "\n";
      require(std::abs(s.dev_ratio - expected) <= margin, problem,
              "deviance ratio does not match the coefficients\n" + detail.str() + at);
    }

    const Eigen::MatrixXd gradient_error =
        gradient_eta.cwiseAbs() * kEps + curvature.cwiseProduct(eta_error);
    const double trace = (curvature.transpose() * xt.cwiseAbs2().rowwise().sum()).sum() +
                         (problem.options.intercept ? curvature.sum() : 0.0) +
                         lambda * (1.0 - alpha) * max_pf * summary.rho * static_cast<double>(p * classes);
    // The objective is known only to the rounding of its terms: where what
    // is left of it is below that (a cox loss whose unpenalized variables
    // tend to infinity, its terms near 18 cancelling to 1e-16), the solver
    // cannot see further progress, nor can this check.
    // What is left is then held to that rounding itself, not to thresh
    // times it: a cox objective of 6e-8 whose terms near 1 round at 2e-16
    // cannot be taken to 1e-14 of itself (thresh 1e-14).
    const double unseen = std::max(thresh * e.size, kRounding * kEps * e.at.magnitude);
    const double optimality = kOptimality * std::sqrt(2.0 * trace * unseen);
    const double gain_tolerance = 10.0 * kOptimality * unseen;
    // Passes accumulate rounding in the solver's running residuals.
    const double drift = std::sqrt(1.0 + s.n_passes) * static_cast<double>(n);
    std::ostringstream numbers;
    numbers.precision(17);
    numbers << "objective " << e.objective << " size " << e.size << " trace " << trace << " optimality tolerance "
            << optimality << "\n";

    // Without events (a weighted count total of 0; for binomial, or without
    // non-events) the intercept has no finite optimum: the core floors the
    // fitted share at 1e-10 (datafit_glm.hpp), and the score is that share.
    double floored_score = 0.0;
    if (problem.family == Family::poisson || problem.family == Family::binomial) {
      const Eigen::VectorXd y = problem.y.col(0);
      const bool no_events = !(summary.w.dot(y) > 0.0);
      const bool no_non_events = problem.family == Family::binomial &&
                                 !(summary.w.dot((1.0 - y.array()).matrix()) > 0.0);
      if (no_events || no_non_events) floored_score = 1e-10;
    }
    if (problem.options.intercept) {
      for (Eigen::Index k = 0; k < classes; ++k) {
        const double score = gradient_eta.col(k).sum();
        const double tol = std::max(optimality, (1.0 + 1e-6) * floored_score) +
                           kRounding * drift * gradient_error.col(k).sum();
        std::ostringstream detail;
        detail.precision(17);
        detail << "intercept " << k << " score " << score << " tolerance " << tol << "\n";
        require(std::abs(score) <= tol, problem, "intercept not optimal\n" + detail.str() + numbers.str() + at);
      }
    }
    // The saturated loss bounds the loss below: where the objective is
    // within the tolerance on a gain (and the rounding of its terms) of that
    // bound, no move can gain more, whatever a gradient says. A cox risk set
    // whose other rows weigh 1e-150, on a column of 1e150 there, gives a
    // gradient of 0.5 along which at most 2e-150 is to be had.
    const double above_bound = e.at.loss - summary.saturated + e.penalty_term;
    if (above_bound <= gain_tolerance + kRounding * kEps * (e.at.magnitude + std::abs(summary.saturated)))
      continue;
    // The first lambda of a default ridge-like grid is glmnet's lambda_max
    // for alpha = 1e-3, where the reported null model is not the solution.
    const bool skip_penalized = l == 0 && problem.grid.user_lambda.empty() && alpha < 1e-3;
    const Eigen::MatrixXd gradient = xt.transpose() * gradient_eta;  // dL/dbeta, p x K
    const Eigen::MatrixXd rounding = term_size.transpose() * gradient_error;
    for (Eigen::Index j = 0; j < p; ++j) {
      const double pf = problem.penalty_factor[j];
      if (problem.excluded[j] || summary.constant[j] || summary.flat[j]) continue;
      if (skip_penalized && pf > 0.0) continue;
      const Eigen::RowVectorXd b = s.beta.row(j);
      if (summary.nearly_flat[j] && b.isZero(0.0)) continue;
      const Eigen::RowVectorXd beta = b * summary.scale[j];
      const double lower = problem.lower_limit[j], upper = problem.upper_limit[j];
      // A coefficient can move towards a limit only if moving all the way
      // there could gain more than the objective's tolerance: at most its
      // rate of descent times the room left (the objective is convex). A
      // limit of -3e-150 on a column whose spread is 1e-100, under a
      // response near 1e150, is below what the core's scale can hold (it
      // rounds to 0) and worth 1e-101 of an objective near 1e300.
      auto can_increase = [&](double value, double rate) {
        return upper == kInf ||
               (value < upper - 1e-9 * std::abs(upper) && (upper - value) * summary.scale[j] * rate > gain_tolerance);
      };
      auto can_decrease = [&](double value, double rate) {
        return lower == -kInf ||
               (value > lower + 1e-9 * std::abs(lower) && (value - lower) * summary.scale[j] * rate > gain_tolerance);
      };
      const double l1 = lambda * alpha * pf;
      const double scale_error = summary.relative_scale_error[j] + summary.relative_rho_error;
      double violation = 0.0, tol = optimality;
      if (problem.grouped) {
        const double norm = beta.norm();
        if (norm > 0.0) {
          Eigen::VectorXd v(classes);
          for (Eigen::Index k = 0; k < classes; ++k) {
            const double term = gradient(j, k) + lambda * pf * (alpha / norm + (1.0 - alpha)) * beta[k];
            v[k] = coordinate_violation(term, term, can_increase(b[k], std::abs(term)), can_decrease(b[k], std::abs(term)));
          }
          violation = v.norm();
        } else {
          Eigen::VectorXd feasible(classes);
          for (Eigen::Index k = 0; k < classes; ++k) {
            const double descent = -gradient(j, k);
            feasible[k] = (descent > 0.0 && can_increase(0.0, descent)) || (descent < 0.0 && can_decrease(0.0, -descent))
                              ? descent
                              : 0.0;
          }
          violation = std::max(feasible.norm() - l1, 0.0);
        }
        tol += kRounding * drift * rounding.row(j).norm() + lambda * pf * (alpha + beta.norm()) * scale_error;
      } else {
        Eigen::VectorXd v(classes);
        for (Eigen::Index k = 0; k < classes; ++k) {
          const double smooth = gradient(j, k) + lambda * pf * (1.0 - alpha) * summary.rho * beta[k];
          if (beta[k] > 0.0)
            v[k] = coordinate_violation(smooth + l1, smooth + l1, can_increase(b[k], std::abs(smooth + l1)),
                                        can_decrease(b[k], std::abs(smooth + l1)));
          else if (beta[k] < 0.0)
            v[k] = coordinate_violation(smooth - l1, smooth - l1, can_increase(b[k], std::abs(smooth - l1)),
                                        can_decrease(b[k], std::abs(smooth - l1)));
          else
            v[k] = coordinate_violation(smooth + l1, smooth - l1, can_increase(0.0, std::abs(smooth + l1)),
                                        can_decrease(0.0, std::abs(smooth - l1)));
        }
        violation = v.maxCoeff();
        tol += kRounding * drift * rounding.row(j).maxCoeff() +
               lambda * pf * (alpha + summary.rho * beta.cwiseAbs().maxCoeff()) * scale_error;
      }
      std::ostringstream detail;
      detail.precision(17);
      detail << "variable " << j << " pf " << pf << " gradient " << gradient.row(j) << " violation " << violation
             << " tolerance " << tol << "\n";
      require(violation <= tol, problem, "KKT conditions violated\n" + detail.str() + numbers.str() + at);
    }
  }
}

// Two fits of one problem (dense and sparse x) reach the same objective at
// each lambda both solved; they may differ in length only where one stopped
// early on a threshold that rounding can tip.
inline void check_same_path(const Problem& problem, const Summary& summary, const Path& dense, const Path& sparse) {
  const std::size_t common = std::min(dense.solutions.size(), sparse.solutions.size());
  if (dense.solutions.size() != sparse.solutions.size()) {
    const Path& shorter = dense.solutions.size() < sparse.solutions.size() ? dense : sparse;
    require(shorter.stop != glmsparse::PathStop::completed, problem,
            "dense and sparse paths differ in length and the shorter one completed");
  }
  const double null_scale = std::max(dense.null_deviance, sparse.null_deviance);
  require(dense.null_deviance == sparse.null_deviance ||
              std::abs(dense.null_deviance - sparse.null_deviance) <= 1e-9 * null_scale + 1e-300,
          problem,
          "dense and sparse null deviances differ");
  // Unpenalized variables that separate the data have no fit: the loss only
  // tends to the saturated loss, and a solver may stop anywhere within thresh
  // of it. lambda_max comes from the gradients where it stopped, which are
  // then of the size of what is left of the loss and not determined by the
  // problem, so the two grids may differ.
  auto separated = [&](const Path& path) {
    return !path.solutions.empty() &&
           1.0 - path.solutions.front().dev_ratio <= 10.0 * kOptimality * problem.options.thresh;
  };
  // So is a grid whose first lambda (the fit of the unpenalized variables
  // that lambda_max is read from) ran out of passes: its gradients are
  // those of wherever each solver stopped.
  auto first_unsolved = [](const Path& path) {
    return !path.solutions.empty() && path.solutions.front().status != glmsparse::LambdaStatus::converged;
  };
  // So is a lambda_max within the rounding of the gradients it is read
  // from: where they cancel to below their own terms' rounding (cox offsets
  // of +-3750 leave each risk set one subject's), it is rounding too. The
  // terms of dL/deta_i are |dL/deta_i| + 2 w_i |y_i| at most (y_i the
  // event status for cox), and the core's gradients fold the centring in,
  // so each is rounded to the size of its uncentred terms: a column whose
  // mean is 3e5 times its spread, nearly collinear with an unpenalized one,
  // has a gradient at the unpenalized fit that is all rounding.
  auto rounding_lambda_max = [&](const Path& path) {
    if (path.solutions.empty()) return false;
    const Solution& first = path.solutions.front();
    const Evaluation e = evaluate(problem, summary, first);
    const Eigen::MatrixXd response =
        problem.family == Family::cox ? Eigen::MatrixXd(problem.survival.status) : problem.y;
    // Besides the rounding of its own terms, each gradient inherits that of
    // the linear predictors, curvature times eta_error per row: large when
    // an intercept cancels large terms of X b (a poisson intercept of 1e5
    // against unpenalized coefficients near 1e100 on columns near 1e-96).
    const Eigen::MatrixXd inherited =
        e.at.curvature.cwiseAbs().cwiseProduct(linear_predictor_error(problem, first)) / kEps;
    const Eigen::MatrixXd terms =
        e.at.gradient.cwiseAbs() + 2.0 * summary.w.asDiagonal() * response.cwiseAbs() + inherited;
    const Eigen::MatrixXd rounding = summary.term_size.transpose() * terms;  // p x K
    double bound = 0.0;
    for (Eigen::Index j = 0; j < problem.p; ++j) {
      const double pf = problem.penalty_factor[j];
      if (pf > 0.0 && !problem.excluded[j])
        bound = std::max(bound, kRounding * kEps * rounding.row(j).sum() /
                                    (std::max(problem.options.alpha, 1e-3) * pf));
    }
    return first.lambda <= bound;
  };
  const bool lambda_max_undetermined =
      separated(dense) || separated(sparse) || first_unsolved(dense) || first_unsolved(sparse) ||
      rounding_lambda_max(dense) || rounding_lambda_max(sparse);
  for (std::size_t l = 0; l < common; ++l) {
    const Solution& a = dense.solutions[l];
    const Solution& b = sparse.solutions[l];
    if (problem.grid.user_lambda.empty()) {
      // lambda_max comes from gradients, whose folded centring loses
      // digits on columns with a large mean relative to their spread.
      double lambda_max_error = 1e-6;
      for (Eigen::Index j = 0; j < problem.p; ++j)
        if (!summary.flat[j]) lambda_max_error = std::max(lambda_max_error, summary.relative_scale_error[j]);
      if (l == 0 && !lambda_max_undetermined)
        require(std::abs(a.lambda - b.lambda) <= lambda_max_error * std::max(a.lambda, b.lambda), problem,
                "dense and sparse lambda_max differ\n" + where(l, a) + "\n" + where(l, b));
      if (std::abs(a.lambda - b.lambda) > 1e-9 * std::max(a.lambda, b.lambda)) continue;
    }
    if (a.status != glmsparse::LambdaStatus::converged || b.status != glmsparse::LambdaStatus::converged) continue;
    const Evaluation ea = evaluate(problem, summary, a);
    Solution b_at_a_lambda = b;
    b_at_a_lambda.lambda = a.lambda;
    const Evaluation eb = evaluate(problem, summary, b_at_a_lambda);
    // The solver's pass criterion is relative to the null model's size: near
    // separation the objective falls towards 0 slowly and two fits may stop
    // at objectives apart by that much.
    const double null_loss = std::isfinite(dense.null_deviance) ? dense.null_deviance / (2.0 * summary.weight_total) : 0.0;
    const double size = std::max({ea.size, eb.size, null_loss});
    // A column whose mean dwarfs its spread is known to the core only to
    // its relative_scale_error, and the two storages round it differently:
    // they solve problems whose penalty on that column differs by that
    // fraction, and the optima's objectives by that fraction of the penalty
    // (to first order the loss does not change: the intercept absorbs a
    // centring error).
    double scale_error = 0.0;
    for (Eigen::Index j = 0; j < problem.p; ++j)
      if ((a.beta.row(j).array() != 0.0).any() || (b.beta.row(j).array() != 0.0).any())
        scale_error = std::max(scale_error, summary.relative_scale_error[j]);
    // Each objective also inherits the rounding of its linear predictors, to
    // first order sum_i |dL/deta_i| eta_error_i: an intercept of -5e4 that
    // cancels a column near 1e-94 times a coefficient near 5e98 leaves a
    // predictor of 0.26 known to about 1e-11.
    const double inherited = ea.at.gradient.cwiseAbs().cwiseProduct(linear_predictor_error(problem, a)).sum() +
                             eb.at.gradient.cwiseAbs().cwiseProduct(linear_predictor_error(problem, b)).sum();
    const double tol = 10.0 * kOptimality * problem.options.thresh * size +
                       kRounding * kEps * static_cast<double>(problem.n) *
                           (ea.at.magnitude + eb.at.magnitude + ea.penalty_term + eb.penalty_term) +
                       scale_error * (ea.penalty_term + eb.penalty_term) + kRounding * inherited;
    std::ostringstream detail;
    detail.precision(17);
    detail << "dense objective " << ea.objective << " sparse objective " << eb.objective << " tolerance " << tol << "\n";
    require(std::abs(ea.objective - eb.objective) <= tol, problem,
            "dense and sparse objectives differ\n" + detail.str() + where(l, a) + "\nsparse\n" + where(l, b));
  }
}

// Bit for bit.
inline void check_identical(const Problem& problem, const Path& a, const Path& b) {
  require(a.solutions.size() == b.solutions.size() && a.stop == b.stop && a.null_deviance == b.null_deviance,
          problem, "paths with 1 and 2 threads differ");
  for (std::size_t l = 0; l < a.solutions.size(); ++l) {
    const Solution& s = a.solutions[l];
    const Solution& t = b.solutions[l];
    require(s.lambda == t.lambda && s.intercept == t.intercept && s.beta == t.beta && s.df == t.df &&
                s.dev_ratio == t.dev_ratio && s.n_passes == t.n_passes && s.status == t.status,
            problem, "paths with 1 and 2 threads differ\n" + where(l, s) + "\n" + where(l, t));
  }
}

}  // namespace fuzz
