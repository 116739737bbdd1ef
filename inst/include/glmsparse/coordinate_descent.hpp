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
    // Anderson extrapolation of the active coefficients over successive
    // passes speeds up slow (ill-conditioned) convergence; its history
    // restarts whenever the active set grows.
    AndersonHistory history;
    auto count_pass = [&]() {
      if (++outcome.n_passes % 16 == 0) monitor_.check_interrupt();
    };
    auto maybe_extrapolate = [&]() {
      if (!history.record(state.active_set, state.coefficients)) return;
      count_pass();
      if (extrapolate(lambda, history, state)) {
        progress = ProgressEstimate();
        progress.minimum_passes = 3;
      }
      history.clear();
    };
    while (true) {
      const double change = pass(lambda, working_set, state, progress);
      count_pass();
      if (change < tolerance && progress.settled(relative_tolerance, state, lambda)) return outcome;
      if (outcome.n_passes >= max_passes) break;
      maybe_extrapolate();
      while (true) {
        const double active_change = pass(lambda, state.active_set, state, progress);
        count_pass();
        if (outcome.n_passes >= max_passes) break;
        if (active_change < tolerance && progress.settled(relative_tolerance, state, lambda)) break;
        maybe_extrapolate();
      }
      if (outcome.n_passes >= max_passes) break;
    }
    outcome.status = LambdaStatus::max_passes_reached;
    return outcome;
  }

 private:
  // The last `depth + 1` iterates of the active coefficients.
  class AndersonHistory {
   public:
    static constexpr int depth = 5;

    // Stores an iterate; true when enough are stored to extrapolate.
    bool record(const std::vector<Eigen::Index>& active_set, const Eigen::VectorXd& b) {
      const auto size = static_cast<Eigen::Index>(active_set.size());
      if (size != iterates_.rows()) {
        iterates_.resize(size, depth + 1);
        count_ = 0;
      }
      for (Eigen::Index k = 0; k < size; ++k) iterates_(k, count_) = b[active_set[k]];
      return ++count_ == depth + 1;
    }
    void clear() { count_ = 0; }

    // sum_i c_i b^(i) with weights c (summing to 1) minimising the norm of the
    // combined successive differences; false if that system is degenerate.
    bool combination(Eigen::VectorXd& extrapolated) const {
      const Eigen::MatrixXd differences =
          iterates_.rightCols(depth) - iterates_.leftCols(depth);
      const Eigen::MatrixXd normal = differences.transpose() * differences;
      const Eigen::VectorXd z = normal.ldlt().solve(Eigen::VectorXd::Ones(depth));
      const double total = z.sum();
      if (!z.allFinite() || !(std::abs(total) > 0.0)) return false;
      extrapolated = iterates_.rightCols(depth) * (z / total);
      return extrapolated.allFinite();
    }

   private:
    Eigen::MatrixXd iterates_;
    int count_ = 0;
  };

  // Moves the active coefficients to `target` one coordinate at a time,
  // keeping the residual, rss and penalty exact.
  void move_to(const std::vector<Eigen::Index>& active_set, const Eigen::VectorXd& target,
               CoordinateState& state) {
    for (std::size_t k = 0; k < active_set.size(); ++k) {
      const Eigen::Index j = active_set[k];
      const double old_value = state.coefficients[j];
      const double delta = target[static_cast<Eigen::Index>(k)] - old_value;
      if (delta == 0.0) continue;
      const double g = updates_.gradient(j);
      const double v = state.curvature[j];
      updates_.update(j, delta);
      state.rss -= delta * (2.0 * g - delta * v);
      state.penalty_total += penalty_.value(old_value + delta, j) - penalty_.value(old_value, j);
      state.coefficients[j] = old_value + delta;
      state.gradient[j] = g - delta * v;
    }
  }

  // Tries the Anderson-extrapolated point; keeps it only if the objective drops.
  bool extrapolate(double lambda, const AndersonHistory& history, CoordinateState& state) {
    Eigen::VectorXd target;
    if (!history.combination(target)) return false;
    const auto& active_set = state.active_set;
    Eigen::VectorXd current(target.size());
    for (std::size_t k = 0; k < active_set.size(); ++k) {
      const Eigen::Index j = active_set[k];
      if (!penalty_.within_limits(target[static_cast<Eigen::Index>(k)], j)) return false;
      current[static_cast<Eigen::Index>(k)] = state.coefficients[j];
    }
    const double before = 0.5 * state.rss + lambda * state.penalty_total;
    move_to(active_set, target, state);
    const double after = 0.5 * state.rss + lambda * state.penalty_total;
    if (after < before) return true;
    move_to(active_set, current, state);
    return false;
  }

  // One sweep; returns max_j v_j * (change in b_j)^2.
  // Objective decreases of the last two passes, for the extrapolated stop.
  struct ProgressEstimate {
    double last_decrease = 0.0;
    double previous_decrease = 0.0;
    int n_recorded = 0;
    int minimum_passes = 0;

    void record(double decrease) {
      previous_decrease = last_decrease;
      last_decrease = decrease;
      ++n_recorded;
    }
    bool settled(double relative_tolerance, const CoordinateState& state, double lambda) const {
      if (last_decrease <= 0.0) return true;
      // Right after an extrapolation the decreases are not yet geometric.
      if (n_recorded < minimum_passes) return false;
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
