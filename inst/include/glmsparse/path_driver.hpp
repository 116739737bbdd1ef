// What every path shares, whatever the datafit: the default lambda grid and
// the walk down the lambdas with warm starts and glmnet's early stops.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include "coordinate_descent.hpp"
#include "monitor.hpp"
#include "options.hpp"

namespace glmsparse {

// The largest lambda a default grid starts from. Penalty factors far apart
// (R allows any ratio) with large gradients can put the lambda that zeroes
// every penalized coefficient beyond the largest double; the grid then starts
// here, and its first lambda is solved like the others instead of being the
// unpenalized fit. It is far enough below the largest double that lambda
// times a penalty factor, and the strong rule's 2 lambda, stay finite.
constexpr double largest_lambda_max = 1e300;

// Newton steps that stop while one coordinate could still gain this many
// times the allowed decrease (ElasticNet::coordinate_gain_bound) have
// stalled, not converged.
constexpr double stalled_gain_factor = 1000.0;

// The smallest lambda at which every penalized coefficient is zero, from the
// gradients at the unpenalized fit, but at most `largest`; 1 when nothing
// can be selected (then any grid is exact).
template <class Penalty>
double lambda_max_from_gradients(const Penalty& penalty, const std::vector<char>& usable,
                                 const Eigen::VectorXd& gradient, double largest = largest_lambda_max) {
  double lambda_max = 0.0;
  for (Eigen::Index j = 0; j < gradient.size(); ++j)
    if (usable[static_cast<std::size_t>(j)] && penalty.is_penalized(j))
      lambda_max = std::max(lambda_max, penalty.lambda_max_term(gradient[j], j));
  if (!(lambda_max <= largest)) return largest;
  return lambda_max > 0.0 ? lambda_max : 1.0;
}

// The outcome at the first lambda of a default grid: the unpenalized fit's,
// unless lambda_max was held at `largest`, when the first lambda is solved.
template <class SolveAt>
SolveOutcome first_lambda_outcome(const SolveOutcome& unpenalized_fit, double lambda_max, double largest,
                                  SolveAt&& solve_at) {
  if (lambda_max < largest) return unpenalized_fit;
  SolveOutcome outcome = solve_at(lambda_max, lambda_max);
  outcome.n_passes += unpenalized_fit.n_passes;
  return outcome;
}

// The variables fitted before the first lambda: usable and unpenalized.
template <class Penalty>
std::vector<Eigen::Index> unpenalized_variables(const Penalty& penalty,
                                                const std::vector<char>& usable) {
  std::vector<Eigen::Index> unpenalized;
  for (std::size_t j = 0; j < usable.size(); ++j) {
    const auto index = static_cast<Eigen::Index>(j);
    if (usable[j] && !penalty.is_penalized(index)) unpenalized.push_back(index);
  }
  return unpenalized;
}

// The largest weighted squared coefficient change a converged pass may
// make, from the null model's residual sum of squares. A null model that
// fits exactly leaves nothing to gain; the tolerance must still be positive
// for a pass that moves nothing to count as converged.
inline double pass_tolerance(const FitOptions& options, double null_model_rss) {
  return std::max(options.thresh * options.thresh_factor * null_model_rss,
                  std::numeric_limits<double>::min());
}

// A reported coefficient (original scale) held within variable j's limits
// (`data` a ProblemData or MultiProblemData). The solvers keep the limits on
// the standardized scale, where one may be subnormal and keep only a few
// digits: a limit of -9e-21 on a column of spread 5e-151, with a response
// of scale 1e150, came back 6e-5 beyond itself.
template <class Data>
double within_caller_limits(const Data& data, double beta, Eigen::Index j) {
  return std::min(std::max(beta, data.lower_limit[j]), data.upper_limit[j]);
}

// lambda_max * lambda_min_ratio^(k / (nlambda - 1)), k = 0, ..., nlambda - 1.
inline std::vector<double> default_lambda_grid(double lambda_max, const LambdaGrid& grid) {
  std::vector<double> lambdas;
  for (int k = 0; k < grid.nlambda; ++k) {
    const double fraction = grid.nlambda > 1 ? double(k) / (grid.nlambda - 1) : 0.0;
    lambdas.push_back(lambda_max * std::pow(grid.lambda_min_ratio, fraction));
  }
  return lambdas;
}

// Solves at each lambda in turn, warm-started from the previous solution,
// and records it. On a default grid the first lambda is lambda_max, whose
// solution (the unpenalized fit, outcome `first`) is already in place.
//   solve_at(lambda, previous_lambda) -> SolveOutcome
//   record(k, outcome) -> deviance ratio of the recorded solution
//   n_ever_active() -> variables ever nonzero, for pmax
// Stops as glmnet does: before the lambda at which pmax is exceeded, after
// the one at which dfmax is, and on a default grid once the deviance ratio
// nearly reaches 1 or stalls, by the family's rule for stalling.
// When the deviance ratio counts as stalled, family by family as in glmnet:
// its gain since dev_ratio_change_lag lambdas back (1; mnlam - 1 for cox)
// is below min_dev_ratio_change times the ratio (gaussian, poisson, cox),
// times the unexplained fraction (mgaussian), or outright (binomial,
// multinomial).
enum class StallRule { relative_to_explained, relative_to_unexplained, absolute };

inline bool deviance_stalled(StallRule rule, double gain, double dev_ratio, double threshold) {
  switch (rule) {
    case StallRule::relative_to_unexplained: return gain < threshold * (1.0 - dev_ratio);
    case StallRule::absolute: return gain < threshold;
    default: return gain < threshold * dev_ratio;
  }
}

// `result` is a PathResult or any result with its `df` and `stop` fields.
template <class Result, class SolveAt, class Record, class EverActive>
void walk_path(const std::vector<double>& lambdas, bool default_grid, const SolveOutcome& first,
               const FitOptions& options, Monitor& monitor, Result& result,
               SolveAt&& solve_at, Record&& record, EverActive&& n_ever_active,
               StallRule stall_rule = StallRule::relative_to_explained) {
  if (lambdas.empty()) return;
  double previous_lambda = lambdas.front();
  std::vector<double> dev_ratios;
  for (std::size_t k = 0; k < lambdas.size(); ++k) {
    const double lambda = lambdas[k];
    SolveOutcome outcome;
    if (default_grid && k == 0) {
      outcome = first;
    } else {
      outcome = solve_at(lambda, previous_lambda);
      if (outcome.status == LambdaStatus::converged && options.pmax >= 0 &&
          n_ever_active() > options.pmax) {
        result.stop = PathStop::pmax_exceeded;
        return;
      }
    }
    previous_lambda = lambda;
    const double dev_ratio = record(k, outcome);
    monitor.lambda_done(static_cast<int>(k), static_cast<int>(lambdas.size()));
    if (options.dfmax >= 0 && result.df.back() > options.dfmax) {
      result.stop = PathStop::dfmax_reached;
      return;
    }
    const std::size_t lag = static_cast<std::size_t>(std::max(options.dev_ratio_change_lag, 1));
    const double earlier_dev_ratio = k >= lag ? dev_ratios[k - lag] : 0.0;
    dev_ratios.push_back(dev_ratio);
    if (default_grid && options.early_stop &&
        static_cast<int>(k) + 1 >= options.min_lambdas_before_stop) {
      if (deviance_stalled(stall_rule, dev_ratio - earlier_dev_ratio, dev_ratio,
                           options.min_dev_ratio_change)) {
        result.stop = PathStop::deviance_flat;
        return;
      }
      if (dev_ratio > options.max_dev_ratio) {
        result.stop = PathStop::deviance_saturated;
        return;
      }
    }
  }
}

// One lambda with screening, for the paths whose gradients are not free:
// the working set is every usable variable ever active or unpenalized plus
// those passing the sequential strong rule; solve on it, then check the KKT
// conditions of every usable variable left out at the solution, add the
// violators and solve again, until none is left.
//   starts_in(j): ever active or unpenalized;
//   compute_gradients(variables, sweep): the gradients at the current point
//     that the sweep's decisions need (exact, or 0 for a variable that is
//     shown below the sweep's cutoff without computing it);
//   passes_strong_rule(j), violates_kkt(j): from those gradients;
//   solve(working_set, max_passes) -> SolveOutcome.
enum class ScreeningSweep { strong_rule, kkt_check };

template <class StartsIn, class ComputeGradients, class PassesStrongRule, class ViolatesKkt,
          class Solve>
SolveOutcome solve_with_screening(const std::vector<char>& usable, int max_passes,
                                  StartsIn&& starts_in, ComputeGradients&& compute_gradients,
                                  PassesStrongRule&& passes_strong_rule,
                                  ViolatesKkt&& violates_kkt, Solve&& solve) {
  const auto p = static_cast<Eigen::Index>(usable.size());
  std::vector<char> in_working_set(usable.size(), 0);
  // The lists are reserved at their largest size: grown by doubling, every
  // reallocation touched fresh pages (see GlmPath's screening lists).
  std::vector<Eigen::Index> candidates;
  candidates.reserve(usable.size());
  for (Eigen::Index j = 0; j < p; ++j) {
    if (!usable[j]) continue;
    if (starts_in(j))
      in_working_set[j] = 1;
    else
      candidates.push_back(j);
  }
  compute_gradients(candidates, ScreeningSweep::strong_rule);
  for (Eigen::Index j : candidates)
    if (passes_strong_rule(j)) in_working_set[j] = 1;
  std::vector<Eigen::Index> working_set;
  working_set.reserve(usable.size());
  for (Eigen::Index j = 0; j < p; ++j)
    if (in_working_set[j]) working_set.push_back(j);

  SolveOutcome total;
  while (true) {
    const SolveOutcome outcome = solve(working_set, max_passes - total.n_passes);
    total.n_passes += outcome.n_passes;
    total.status = outcome.status;
    if (outcome.status != LambdaStatus::converged) return total;
    std::vector<Eigen::Index> left_out;
    left_out.reserve(usable.size());
    for (Eigen::Index j = 0; j < p; ++j)
      if (usable[j] && !in_working_set[j]) left_out.push_back(j);
    compute_gradients(left_out, ScreeningSweep::kkt_check);
    bool violated = false;
    for (Eigen::Index j : left_out) {
      if (violates_kkt(j)) {
        in_working_set[j] = 1;
        working_set.push_back(j);
        violated = true;
      }
    }
    if (!violated) return total;
    if (total.n_passes >= max_passes) {
      total.status = LambdaStatus::max_passes_reached;
      return total;
    }
  }
}

}  // namespace glmsparse
