// The regularization path: lambda grid, warm starts, sequential strong rule
// with a KKT check of the discarded variables, early stops and per-lambda
// status. Templated on Design and Penalty; the datafit here is Gaussian (the
// quadratic case), solved exactly by coordinate descent at each lambda.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include "coordinate_descent.hpp"
#include "datafit_gaussian.hpp"
#include "gram_updates.hpp"
#include "monitor.hpp"
#include "naive_updates.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "path_driver.hpp"
#include "path_secant.hpp"
#include "penalty_elastic_net.hpp"
#include "residual_subspace.hpp"
#include "support_newton.hpp"

namespace glmsparse {

// Inputs of a fit besides X: response, weights, offsets and per-variable settings.
struct ProblemData {
  Eigen::VectorXd y;
  Eigen::VectorXd weights;
  Eigen::VectorXd offset;
  Eigen::VectorXd penalty_factor;  // already rescaled as glmnet does
  Eigen::VectorXd lower_limit;     // original scale
  Eigen::VectorXd upper_limit;
  std::vector<char> excluded;
  // Optional, for covariance updates: the Gram matrix of all rows under the
  // weights of which these are a subset (cross-validation folds).
  const SharedGram* shared_gram = nullptr;
};

// Column summaries under the normalized weights, fixed for the whole path.
struct ColumnSummary {
  Eigen::VectorXd weighted_sum;   // sum_i w_i x_ij
  Eigen::VectorXd center;
  Eigen::VectorXd scale;
  Eigen::VectorXd curvature;      // sum_i w_i x~_ij^2
  std::vector<char> is_constant;
};

// A variance from raw moments below this fraction of the second moment has
// lost more than four digits.
constexpr double variance_cancellation_limit = 1e-4;
// A column whose variance is below this fraction of its second moment (a
// spread under 1e-10 of its mean) is numerically constant: the inner products
// that fold its centring in would keep fewer than six digits, and ever fewer
// as the mean grows, until the linear predictor itself overflows.
constexpr double flat_column_limit = 1e-20;

template <class Design>
ColumnSummary summarize_columns(const Design& x, const Eigen::VectorXd& weights,
                                bool intercept, bool standardize) {
  const Eigen::Index p = x.cols();
  ColumnSummary s{Eigen::VectorXd(p), Eigen::VectorXd(p), Eigen::VectorXd(p),
                  Eigen::VectorXd(p), std::vector<char>(p, 0)};
  for (Eigen::Index j = 0; j < p; ++j) {
    // Moments of the column times `unit` (exact: a power of two), which
    // brings the squares of tiny or huge entries into range.
    auto moments = x.weighted_moments(j, weights);
    double unit = 1.0;
    if (!(moments.second >= moment_floor && moments.second <= moment_ceiling)) {
      const double largest = x.max_abs(j);
      if (largest > 0.0 && std::isfinite(largest)) {
        unit = std::ldexp(1.0, -std::ilogb(largest));
        moments = x.weighted_moments_about(j, weights, 1.0, 0.0, unit);
      }
    }
    const double mean = moments.first;
    double variance = moments.second - mean * mean;
    // Raw moments carry an error of about eps times the second moment: where
    // the mean dwarfs the spread, the variance is taken again about the mean
    // (else a curvature wrong in its fourth digit skews the rss that covariance
    // updates keep, and with it the deviance ratio).
    if (variance <= variance_cancellation_limit * moments.second) {
      const auto about = x.weighted_moments_about(j, weights, 1.0, mean / unit, unit);
      variance = about.second - about.first * about.first;
    }
    variance = std::max(variance, 0.0);
    s.is_constant[j] = x.is_constant(j) || !(variance > flat_column_limit * moments.second);
    s.weighted_sum[j] = mean / unit;
    s.center[j] = intercept ? mean / unit : 0.0;
    s.scale[j] = (standardize && !s.is_constant[j]) ? std::sqrt(variance) / unit : 1.0;
    const double centered_second_moment =
        intercept ? variance : moments.second;
    const double scaled_scale = s.scale[j] * unit;
    s.curvature[j] = centered_second_moment / (scaled_scale * scaled_scale);
  }
  return s;
}

template <class Design, class Updates>
class GaussianPath {
 public:
  GaussianPath(Design& x, const ProblemData& data, const FitOptions& options, Monitor& monitor)
      : x_(x), data_(data), options_(options), monitor_(monitor),
        datafit_(data.y, data.weights, data.offset, options.intercept),
        columns_(summarize_columns(x, datafit_.weights(), options.intercept,
                                   options.standardize)),
        penalty_(make_penalty()),
        updates_(x, datafit_.weights(), datafit_.working_response(),
                 columns_.weighted_sum, options.intercept, options.n_threads),
        state_(x.cols()),
        support_factor_(x.cols(), std::min<Eigen::Index>(x.cols(), max_support_solve_size),
                        options.alpha < 1.0),
        screen_(x.cols(), screening_depth,
                options.intercept ? Eigen::VectorXd(datafit_.weights().cwiseSqrt())
                                  : Eigen::VectorXd()) {
    x_.standardization().set(columns_.center, columns_.scale);
    updates_.attach_shared_gram(data.shared_gram);
    state_.curvature = columns_.curvature;
    state_.rss = datafit_.null_working_rss();
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      usable_.push_back(!data.excluded[j] && !columns_.is_constant[j]);
    gradient_residual_version_.assign(x.cols(), -1);
  }

  PathResult run(const LambdaGrid& grid) {
    const Eigen::Index p = x_.cols();
    const double y_scale = datafit_.response_scale();
    PathResult result;
    result.null_deviance = datafit_.null_deviance();
    relative_tolerance_ = options_.thresh;
    tolerance_ = options_.thresh * options_.thresh_factor *
                 std::max(datafit_.null_working_rss(), std::numeric_limits<double>::min());

    // Unpenalized variables first: the fit at lambda_max.
    std::vector<Eigen::Index> unpenalized;
    for (Eigen::Index j = 0; j < p; ++j)
      if (usable_[j] && !penalty_.is_penalized(j)) unpenalized.push_back(j);
    SolveOutcome first;
    if (!unpenalized.empty()) {
      updates_.prepare(unpenalized);
      first = CoordinateDescent<Updates, ElasticNet>(updates_, penalty_, monitor_)
                  .solve(0.0, unpenalized, state_, tolerance_, relative_tolerance_,
                         options_.max_passes_per_lambda);
    }
    take_snapshot();

    const bool default_grid = grid.user_lambda.empty();
    std::vector<double> lambdas;  // working scale
    std::vector<double> reported_lambdas;  // as the caller sees them
    if (default_grid) {
      // The grid's largest lambda is bounded on the caller's scale.
      const double largest = std::min(largest_lambda_max, largest_lambda_max / y_scale);
      const double lambda_max = lambda_max_from_gradients(penalty_, usable_, state_.gradient, largest);
      lambdas = default_lambda_grid(lambda_max, grid);
      first = first_lambda_outcome(first, lambda_max, largest,
                                   [this](double lambda, double previous) { return solve_at(lambda, previous); });
      for (double l : lambdas) reported_lambdas.push_back(l * y_scale);
    } else {
      // User values are returned exactly as given, not through a round trip.
      for (double l : grid.user_lambda) lambdas.push_back(l / y_scale);
      reported_lambdas = grid.user_lambda;
    }
    walk_path(
        lambdas, default_grid, first, options_, monitor_, result,
        [this](double lambda, double previous) { return solve_at(lambda, previous); },
        [&](std::size_t k, const SolveOutcome& outcome) {
          return record(result, reported_lambdas[k], outcome);
        },
        [this]() { return static_cast<int>(state_.active_set.size()); });
    return result;
  }

 private:
  ElasticNet make_penalty() const {
    const Eigen::Index p = x_.cols();
    const double y_scale = datafit_.response_scale();
    Eigen::VectorXd lower(p), upper(p);
    for (Eigen::Index j = 0; j < p; ++j) {
      // Limits apply to original-scale coefficients: b_j = beta_j * s_j / s_y.
      const double factor = columns_.scale[j] / y_scale;
      lower[j] = data_.lower_limit[j] * factor;
      upper[j] = data_.upper_limit[j] * factor;
    }
    return ElasticNet(options_.alpha, data_.penalty_factor, lower, upper);
  }

  // Gradient screening (naive updates): a bound on |gradient| from the
  // subspace of past residuals at which every gradient was computed (see
  // residual_subspace.hpp). A variable whose bound stays below a cutoff
  // needs no fresh inner product: this saves most of the O(n p) work per
  // lambda when p is large. With covariance updates every gradient is free
  // and exact.
  void project_residual() {
    if constexpr (!Updates::exact_gradients_are_free) {
      updates_.scaled_residual(scaled_residual_);
      screen_.project(scaled_residual_);
    }
  }

  // Exact gradients of every variable at the current residual; those
  // already computed since the residual last changed are reused.
  void take_snapshot() {
    updates_.prepare_full_gradient();
    const Eigen::Index p = x_.cols();
    std::vector<Eigen::Index> stale;
    for (Eigen::Index j = 0; j < p; ++j)
      if (usable_[j] && !gradient_is_current(j)) stale.push_back(j);
    compute_gradients(stale);
    if constexpr (!Updates::exact_gradients_are_free) {
      updates_.scaled_residual(scaled_residual_);
      screen_.add(scaled_residual_, state_.gradient);
    }
  }

  bool gradient_is_current(Eigen::Index j) const {
    return gradient_residual_version_[j] == residual_version_;
  }

  // Exact gradients of the listed variables at the current residual. They
  // are independent inner products, shared out among the threads in pieces
  // of fixed size, so the values do not depend on the number of threads.
  void compute_gradients(const std::vector<Eigen::Index>& variables) {
    const int n_threads = Updates::exact_gradients_are_free ? 1 : options_.n_threads;
    parallel_for_each(n_threads, variables, 256,
                      [&](Eigen::Index j) { state_.gradient[j] = updates_.gradient(j); });
    for (Eigen::Index j : variables) gradient_residual_version_[j] = residual_version_;
  }

  // For each candidate, whether |gradient| reaches cutoff(j). The bound
  // settles most of them; the rest get exact gradients, computed together.
  template <class Cutoff>
  std::vector<char> reach_cutoff(const std::vector<Eigen::Index>& candidates,
                                 const Cutoff& cutoff) {
    std::vector<Eigen::Index> pending;
    for (Eigen::Index j : candidates) {
      if (Updates::exact_gradients_are_free) {
        if (!gradient_is_current(j)) pending.push_back(j);
      } else if (!gradient_is_current(j) &&
                 screen_.bound(j, std::sqrt(state_.curvature[j])) >= cutoff(j)) {
        pending.push_back(j);
      }
    }
    compute_gradients(pending);
    if (!Updates::exact_gradients_are_free)
      n_exact_gradients_ += static_cast<long>(pending.size());
    std::vector<char> reached(candidates.size(), 0);
    for (std::size_t k = 0; k < candidates.size(); ++k) {
      const Eigen::Index j = candidates[k];
      reached[k] = gradient_is_current(j) && std::abs(state_.gradient[j]) >= cutoff(j);
    }
    return reached;
  }

  // Strong set, solve, KKT check of everything left out, repeat until clean.
  SolveOutcome solve_at(double lambda, double previous_lambda) {
    solved_lambda_ = lambda;
    const Eigen::Index p = x_.cols();
    std::vector<char> in_working_set(p, 0);
    std::vector<Eigen::Index> working_set;
    n_exact_gradients_ = 0;
    project_residual();
    std::vector<Eigen::Index> candidates;
    for (Eigen::Index j = 0; j < p; ++j) {
      if (!usable_[j]) continue;
      if (state_.in_active_set[j] || !penalty_.is_penalized(j))
        in_working_set[j] = 1;
      else
        candidates.push_back(j);
    }
    const std::vector<char> strong = reach_cutoff(
        candidates,
        [&](Eigen::Index j) { return penalty_.strong_rule_cutoff(lambda, previous_lambda, j); });
    for (std::size_t k = 0; k < candidates.size(); ++k)
      if (strong[k]) in_working_set[candidates[k]] = 1;
    for (Eigen::Index j = 0; j < p; ++j)
      if (in_working_set[j]) working_set.push_back(j);
    CoordinateDescent<Updates, ElasticNet> solver(
        updates_, penalty_, monitor_, options_.support_solves ? &support_factor_ : nullptr);
    // The tolerance follows the objective's size (bounded by the warm start's
    // objective at this lambda), so small objectives deep in a p > n path are
    // still solved to a small relative error.
    const double objective_bound = state_.rss + 2.0 * lambda * state_.penalty_total;
    const double null_rss = datafit_.null_working_rss();
    const double tolerance =
        null_rss > 0.0 ? tolerance_ * std::min(1.0, objective_bound / null_rss) : tolerance_;
    SolveOutcome total;
    bool started = false;
    while (true) {
      updates_.prepare(working_set);
      // Right after a jump the passes' decreases are not yet geometric, and
      // two of them can promise far less than is left.
      const bool jumped = !started && start_from_secant(lambda, solver);
      started = true;
      solver.set_minimum_passes(jumped ? passes_after_secant_start : 0);
      const SolveOutcome outcome =
          solver.solve(lambda, working_set, state_, tolerance, relative_tolerance_,
                       options_.max_passes_per_lambda - total.n_passes);
      total.n_passes += outcome.n_passes;
      total.status = outcome.status;
      ++residual_version_;  // every stored gradient is now out of date
      if (outcome.status != LambdaStatus::converged) return total;
      updates_.prepare_full_gradient();
      project_residual();
      std::vector<Eigen::Index> left_out;
      for (Eigen::Index j = 0; j < p; ++j)
        if (usable_[j] && !in_working_set[j]) left_out.push_back(j);
      const std::vector<char> reached = reach_cutoff(
          left_out, [&](Eigen::Index j) { return penalty_.kkt_cutoff(lambda, j); });
      bool violated = false;
      for (std::size_t k = 0; k < left_out.size(); ++k) {
        const Eigen::Index j = left_out[k];
        if (reached[k] && penalty_.violates_kkt_at_zero(state_.gradient[j], lambda, j)) {
          in_working_set[j] = 1;
          working_set.push_back(j);
          violated = true;
        }
      }
      // Once the bounds have loosened so far that many gradients are computed
      // anyway, start again from fresh exact gradients.
      if (8 * n_exact_gradients_ > static_cast<long>(p)) {
        take_snapshot();
        n_exact_gradients_ = 0;
      }
      if (!violated) return total;
      if (total.n_passes >= options_.max_passes_per_lambda) {
        total.status = LambdaStatus::max_passes_reached;
        return total;
      }
    }
  }

  // Moves the active coefficients to the secant's prediction of the
  // solution at lambda (path_secant.hpp) if that lowers the objective; else
  // they stay at the warm start. Along the smooth stretches of a path the
  // secant lands next to the solution, and a pass or two fewer per lambda
  // pays for the moves. The intercept is implicit in the centring here.
  // Only where the support is too large for exact solves on it: where
  // they are made, they finish each lambda anyway, and a start that saves
  // passes also saves the final solve (SupportFactor's cost rule), leaving
  // ill-conditioned fits to coordinate descent's slow convergence (a p > n
  // test fit at alpha 0.5 stopped 7e-7 above its minimum). Returns
  // whether it moved.
  bool start_from_secant(double lambda, CoordinateDescent<Updates, ElasticNet>& solver) {
    const std::vector<Eigen::Index>& active_set = state_.active_set;
    if (options_.support_solves && static_cast<Eigen::Index>(active_set.size()) <= max_support_solve_size)
      return false;
    double intercept_change = 0.0;
    if (!secant_.predict(lambda, active_set, state_.coefficients, penalty_, secant_change_, intercept_change))
      return false;
    Eigen::VectorXd target(static_cast<Eigen::Index>(active_set.size()));
    for (std::size_t k = 0; k < active_set.size(); ++k)
      target[static_cast<Eigen::Index>(k)] = state_.coefficients[active_set[k]] + secant_change_[k];
    return solver.move_if_lower(lambda, active_set, target, state_);
  }

  // Whether a column's mean is over 100 times its spread. Covariance
  // updates keep the rss only by differences, which then lose the digits
  // that centring cancels (about (mean / spread)^2 eps per update); the rss
  // of each recorded solution is then taken afresh from the residual.
  bool has_large_mean(const std::vector<Eigen::Index>& nonzero) const {
    for (Eigen::Index j : nonzero) {
      const double spread = columns_.scale[j] * std::sqrt(columns_.curvature[j]);
      if (!(std::abs(columns_.center[j]) <= 100.0 * spread)) return true;
    }
    return false;
  }

  // sum_i w_i r_i^2 on the working scale, from the residual of the
  // coefficients, in O(n) per nonzero coefficient.
  double rss_from_residual(const std::vector<Eigen::Index>& nonzero) {
    const Eigen::Index n = x_.rows();
    residual_ = datafit_.working_response();
    double centring = 0.0;
    for (Eigen::Index j : nonzero) {
      const double raw_coefficient = state_.coefficients[j] / columns_.scale[j];
      x_.raw_axpy_rows(j, -raw_coefficient, residual_, 0, n);
      centring += raw_coefficient * columns_.center[j];
    }
    const Eigen::VectorXd& w = datafit_.weights();
    double rss = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      const double r = residual_[i] + centring;
      if (w[i] > 0.0) rss += w[i] * r * r;
    }
    return rss;
  }

  // Append the current solution, mapped to the original scale; returns its deviance ratio.
  double record(PathResult& result, double lambda, const SolveOutcome& outcome) {
    const double y_scale = datafit_.response_scale();
    double intercept = datafit_.response_mean();
    int df = 0;
    std::vector<Eigen::Index> nonzero;
    for (Eigen::Index j : state_.active_set)
      if (state_.coefficients[j] != 0.0) nonzero.push_back(j);
    std::sort(nonzero.begin(), nonzero.end());
    for (Eigen::Index j : nonzero) {
      const double beta = within_caller_limits(data_, state_.coefficients[j] * y_scale / columns_.scale[j], j);
      if (beta == 0.0) continue;  // underflows on the original scale: 0 there
      result.beta_row.push_back(static_cast<int>(j));
      result.beta_value.push_back(beta);
      intercept -= beta * columns_.center[j];
      ++df;
    }
    if (!options_.intercept) intercept = 0.0;
    result.beta_col_start.push_back(static_cast<int>(result.beta_row.size()));
    if constexpr (Updates::exact_gradients_are_free)
      if (has_large_mean(nonzero)) state_.rss = rss_from_residual(nonzero);
    const double null_rss = datafit_.null_working_rss();
    const double dev_ratio =
        null_rss > 0.0 ? 1.0 - std::max(state_.rss, 0.0) / null_rss : 0.0;
    result.lambda.push_back(lambda);
    result.intercept.push_back(intercept);
    result.df.push_back(df);
    result.dev_ratio.push_back(dev_ratio);
    result.n_passes.push_back(outcome.n_passes);
    result.status.push_back(outcome.status);
    secant_.record(solved_lambda_, state_.active_set, state_.coefficients, 0.0,
                   outcome.status == LambdaStatus::converged);
    return dev_ratio;
  }

  // Larger supports are left to coordinate descent: the factor needs
  // 16 |S|^2 bytes and O(|S|^3) work when the ridge shift changes.
  static constexpr Eigen::Index max_support_solve_size = 1500;
  // Passes recorded before convergence can be judged after a secant start.
  static constexpr int passes_after_secant_start = 3;

  Design& x_;
  const ProblemData& data_;
  const FitOptions& options_;
  Monitor& monitor_;
  Gaussian datafit_;
  ColumnSummary columns_;
  ElasticNet penalty_;
  Updates updates_;
  CoordinateState state_;
  SupportFactor support_factor_;
  // Two past residuals: more did not settle more variables on the
  // benchmark paths.
  static constexpr int screening_depth = 2;
  ResidualSubspace screen_;
  Eigen::VectorXd scaled_residual_;
  Eigen::VectorXd residual_;  // of the recorded solution (covariance updates)
  std::vector<char> usable_;
  double tolerance_ = 0.0;
  double relative_tolerance_ = 0.0;
  // Gradients computed at the current residual carry its version number.
  std::vector<long> gradient_residual_version_;
  long residual_version_ = 0;
  long n_exact_gradients_ = 0;
  PathSecant secant_;
  std::vector<double> secant_change_;
  double solved_lambda_ = 0.0;  // working scale, of the last solve_at()
};

// Fit the Gaussian elastic-net path, choosing naive or covariance updates.
template <class Design>
PathResult fit_gaussian_path(Design& x, const ProblemData& data, const FitOptions& options,
                             const LambdaGrid& grid, Monitor& monitor) {
  bool use_gram = options.use_gram == 1;
  if (options.use_gram < 0) use_gram = prefer_gram_updates(x);
  if (use_gram)
    return GaussianPath<Design, GramUpdates<Design>>(x, data, options, monitor).run(grid);
  return GaussianPath<Design, NaiveUpdates<Design>>(x, data, options, monitor).run(grid);
}

}  // namespace glmsparse
