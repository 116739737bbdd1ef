// Coordinate descent for one lambda on a working set, for a quadratic datafit
//
//   1/2 sum_i w_i (r_i)^2 + lambda * P(b),
//
// with active-set cycling: a full pass over the working set, then passes over
// the nonzero coordinates only until they settle, then a full pass again,
// until a full pass changes nothing by more than the tolerance.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Dense>

#include "monitor.hpp"
#include "options.hpp"

namespace glmsparse {

struct CoordinateState {
  Eigen::VectorXd coefficients;     // standardized scale
  Eigen::VectorXd curvature;        // v_j = sum_i w_i x~_ij^2
  Eigen::VectorXd gradient;         // <x~_j, w o r> when j was last visited
  std::vector<char> in_active_set;  // ever nonzero along the path
  std::vector<Eigen::Index> active_set;
  double rss = 0.0;                 // sum_i w_i r_i^2, updated exactly per move
  double penalty_total = 0.0;       // sum_j P_j(b_j), without the factor lambda

  explicit CoordinateState(Eigen::Index p)
      : coefficients(Eigen::VectorXd::Zero(p)),
        curvature(Eigen::VectorXd::Ones(p)),
        gradient(Eigen::VectorXd::Zero(p)),
        in_active_set(p, 0) {}
};

struct SolveOutcome {
  int n_passes = 0;
  LambdaStatus status = LambdaStatus::converged;
};

template <class Updates, class Penalty>
class CoordinateDescent {
 public:
  CoordinateDescent(Updates& updates, const Penalty& penalty, Monitor& monitor)
      : updates_(updates), penalty_(penalty), monitor_(monitor) {}

  // Converged when a full pass moves no coefficient by more than
  // `tolerance` (glmnet's criterion) and, in addition, the objective still to
  // be gained, extrapolated from the last two passes' decreases assuming
  // linear convergence, is below `relative_tolerance` times the objective.
  // The second test keeps ill-conditioned (p > n) problems from stopping early.
  SolveOutcome solve(double lambda, const std::vector<Eigen::Index>& working_set,
                     CoordinateState& state, double tolerance, double relative_tolerance,
                     int max_passes) {
    SolveOutcome outcome;
    ProgressEstimate progress;
    while (true) {
      const double change = pass(lambda, working_set, state, progress);
      if (++outcome.n_passes % 16 == 0) monitor_.check_interrupt();
      if (change < tolerance && progress.settled(relative_tolerance, state, lambda)) return outcome;
      if (outcome.n_passes >= max_passes) break;
      while (true) {
        const double active_change = pass(lambda, state.active_set, state, progress);
        if (++outcome.n_passes % 16 == 0) monitor_.check_interrupt();
        if (outcome.n_passes >= max_passes) break;
        if (active_change < tolerance && progress.settled(relative_tolerance, state, lambda)) break;
      }
      if (outcome.n_passes >= max_passes) break;
    }
    outcome.status = LambdaStatus::max_passes_reached;
    return outcome;
  }

 private:
  // One sweep; returns max_j v_j * (change in b_j)^2.
  // Objective decreases of the last two passes, for the extrapolated stop.
  struct ProgressEstimate {
    double last_decrease = 0.0;
    double previous_decrease = 0.0;

    void record(double decrease) {
      previous_decrease = last_decrease;
      last_decrease = decrease;
    }
    bool settled(double relative_tolerance, const CoordinateState& state, double lambda) const {
      if (last_decrease <= 0.0) return true;
      const double objective = 0.5 * state.rss + lambda * state.penalty_total;
      double rate = previous_decrease > 0.0 ? last_decrease / previous_decrease : 0.0;
      rate = std::min(rate, 0.999);
      const double remaining = last_decrease * rate / (1.0 - rate);
      return remaining <= relative_tolerance * std::max(objective, 0.0);
    }
  };

  double pass(double lambda, const std::vector<Eigen::Index>& coordinates,
              CoordinateState& state, ProgressEstimate& progress) {
    double max_change = 0.0;
    double decrease = 0.0;
    // Indexing, not iterators: the active set may grow during the sweep.
    const std::size_t n_coordinates = coordinates.size();
    for (std::size_t k = 0; k < n_coordinates; ++k) {
      const Eigen::Index j = coordinates[k];
      const double v = state.curvature[j];
      const double old_value = state.coefficients[j];
      const double g = updates_.gradient(j);
      const double new_value = penalty_.threshold(g + v * old_value, v, lambda, j);
      state.gradient[j] = g;
      if (new_value == old_value) continue;
      const double delta = new_value - old_value;
      state.gradient[j] = g - delta * v;
      updates_.update(j, delta);
      state.coefficients[j] = new_value;
      const double rss_decrease = delta * (2.0 * g - delta * v);
      const double penalty_increase =
          penalty_.value(new_value, j) - penalty_.value(old_value, j);
      state.rss -= rss_decrease;
      state.penalty_total += penalty_increase;
      decrease += 0.5 * rss_decrease - lambda * penalty_increase;
      max_change = std::max(max_change, v * delta * delta);
      if (!state.in_active_set[j]) {
        state.in_active_set[j] = 1;
        state.active_set.push_back(j);
      }
    }
    progress.record(decrease);
    return max_change;
  }

  Updates& updates_;
  const Penalty& penalty_;
  Monitor& monitor_;
};

}  // namespace glmsparse
