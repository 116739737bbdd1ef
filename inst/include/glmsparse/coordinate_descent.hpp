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
  std::vector<char> in_active_set;  // ever nonzero along the path
  std::vector<Eigen::Index> active_set;
  double rss = 0.0;                 // sum_i w_i r_i^2, updated exactly per move

  explicit CoordinateState(Eigen::Index p)
      : coefficients(Eigen::VectorXd::Zero(p)),
        curvature(Eigen::VectorXd::Ones(p)),
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

  SolveOutcome solve(double lambda, const std::vector<Eigen::Index>& working_set,
                     CoordinateState& state, double tolerance, int max_passes) {
    SolveOutcome outcome;
    while (true) {
      const double change = pass(lambda, working_set, state);
      if (++outcome.n_passes % 16 == 0) monitor_.check_interrupt();
      if (change < tolerance) return outcome;
      if (outcome.n_passes >= max_passes) break;
      while (true) {
        const double active_change = pass(lambda, state.active_set, state);
        if (++outcome.n_passes % 16 == 0) monitor_.check_interrupt();
        if (active_change < tolerance || outcome.n_passes >= max_passes) break;
      }
      if (outcome.n_passes >= max_passes) break;
    }
    outcome.status = LambdaStatus::max_passes_reached;
    return outcome;
  }

 private:
  // One sweep; returns max_j v_j * (change in b_j)^2.
  double pass(double lambda, const std::vector<Eigen::Index>& coordinates,
              CoordinateState& state) {
    double max_change = 0.0;
    // Indexing, not iterators: the active set may grow during the sweep.
    const std::size_t n_coordinates = coordinates.size();
    for (std::size_t k = 0; k < n_coordinates; ++k) {
      const Eigen::Index j = coordinates[k];
      const double v = state.curvature[j];
      const double old_value = state.coefficients[j];
      const double g = updates_.gradient(j);
      const double new_value = penalty_.threshold(g + v * old_value, v, lambda, j);
      if (new_value == old_value) continue;
      const double delta = new_value - old_value;
      updates_.update(j, delta);
      state.coefficients[j] = new_value;
      state.rss -= delta * (2.0 * g - delta * v);
      max_change = std::max(max_change, v * delta * delta);
      if (!state.in_active_set[j]) {
        state.in_active_set[j] = 1;
        state.active_set.push_back(j);
      }
    }
    return max_change;
  }

  Updates& updates_;
  const Penalty& penalty_;
  Monitor& monitor_;
};

}  // namespace glmsparse
