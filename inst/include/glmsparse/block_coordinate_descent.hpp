// Block coordinate descent for one lambda of a grouped multi-response
// problem: the quadratic model is one weighted least-squares problem per
// response k,
//
//   1/2 sum_k sum_i v_ik (r_ik)^2 + lambda * sum_j P_j(b_j),
//
// and each update moves a whole group b_j = (b_j1, ..., b_jK) at once, to
// the exact minimiser of the model along the group (with one curvature per
// response when they differ, as for multinomial). Active-set cycling and the
// convergence test are those of CoordinateDescent.
#pragma once

#include <algorithm>
#include <memory>
#include <vector>

#include <Eigen/Dense>

#include "coordinate_descent.hpp"
#include "lockstep.hpp"
#include "monitor.hpp"
#include "penalty_group.hpp"

namespace glmsparse {

// Coefficients of a multi-response path: one CoordinateState per response,
// plus the variables ever nonzero in any response and, for the grouped
// penalty, its total.
struct MultiState {
  std::vector<CoordinateState> responses;
  std::vector<char> in_active_set;
  std::vector<Eigen::Index> active_set;
  double group_penalty_total = 0.0;

  MultiState(Eigen::Index p, Eigen::Index n_responses)
      : responses(static_cast<std::size_t>(n_responses), CoordinateState(p)), in_active_set(p, 0) {}

  void mark_active(Eigen::Index j) {
    if (in_active_set[j]) return;
    in_active_set[j] = 1;
    active_set.push_back(j);
  }

  double rss() const {
    double total = 0.0;
    for (const auto& response : responses) total += response.rss;
    return total;
  }
};

template <class Updates>
class BlockCoordinateDescent {
 public:
  BlockCoordinateDescent(std::vector<Updates>& updates, const GroupElasticNet& penalty,
                         Monitor& monitor)
      : updates_(updates), penalty_(penalty), monitor_(monitor) {}

  void set_minimum_passes(int passes) { minimum_passes_ = passes; }
  void set_single_pass_settles(bool settles) { single_pass_settles_ = settles; }
  // With `split`, a helper thread takes the inner products and updates of
  // the responses [K / 2, K) of every group, in lockstep with the calling
  // thread's [0, K / 2), for the length of each solve. Each response's
  // arithmetic is the same either way, so the results are too.
  void split_responses_between_threads(bool split) { split_responses_ = split; }

  // Converged as CoordinateDescent::solve: a full pass moves no group by more
  // than `tolerance` and the extrapolated remaining gain is below
  // `relative_tolerance` times the model's objective.
  SolveOutcome solve(double lambda, const std::vector<Eigen::Index>& working_set,
                     MultiState& state, double tolerance, double relative_tolerance,
                     int max_passes) {
    SolveOutcome outcome;
    ProgressEstimate progress;
    progress.minimum_passes = minimum_passes_;
    progress.single_pass_settles = single_pass_settles_;
    auto count_pass = [&]() {
      if (++outcome.n_passes % 16 == 0) monitor_.check_interrupt();
    };
    const auto n_responses = static_cast<Eigen::Index>(updates_.size());
    helper_first_ = n_responses;
    if (split_responses_ && n_responses >= 2) {
      helper_first_ = n_responses / 2;
      helper_ = std::make_unique<LockstepHelper>([this] { run_helper_share(); });
    }
    // The helper stops (and frees its core) when the solve returns.
    struct StopHelper {
      std::unique_ptr<LockstepHelper>& helper;
      ~StopHelper() { helper.reset(); }
    } stop_helper{helper_};
    while (true) {
      const double change = pass(lambda, working_set, state, progress);
      count_pass();
      if (change < tolerance && progress.settled(relative_tolerance, model_objective(lambda, state)))
        return outcome;
      if (outcome.n_passes >= max_passes) break;
      while (true) {
        const double active_change = pass(lambda, state.active_set, state, progress);
        count_pass();
        if (outcome.n_passes >= max_passes) break;
        if (active_change < tolerance &&
            progress.settled(relative_tolerance, model_objective(lambda, state)))
          break;
      }
      if (outcome.n_passes >= max_passes) break;
    }
    outcome.status = LambdaStatus::max_passes_reached;
    return outcome;
  }

 private:
  static double model_objective(double lambda, const MultiState& state) {
    return 0.5 * state.rss() + lambda * state.group_penalty_total;
  }

  // One sweep; returns max_j sum_k v_jk (change in b_jk)^2.
  double pass(double lambda, const std::vector<Eigen::Index>& coordinates, MultiState& state,
              ProgressEstimate& progress) {
    const auto n_responses = static_cast<Eigen::Index>(updates_.size());
    gradient_.resize(n_responses);
    old_value_.resize(n_responses);
    curvature_.resize(n_responses);
    double max_change = 0.0;
    double decrease = 0.0;
    // Indexing, not iterators: the active set may grow during the sweep.
    const std::size_t n_coordinates = coordinates.size();
    pending_delta_.setZero(n_responses);
    for (std::size_t c = 0; c < n_coordinates; ++c) {
      const Eigen::Index j = coordinates[c];
      bool equal_curvatures = true;
      if (helper_) {
        // The helper applies its share of the last group's move, then takes
        // its share of this group's inner products.
        helper_column_ = j;
        helper_->post();
        for (Eigen::Index k = 0; k < helper_first_; ++k) gradient_[k] = updates_[static_cast<std::size_t>(k)].gradient(j);
        helper_->wait();
        pending_column_ = -1;
      } else {
        for (Eigen::Index k = 0; k < n_responses; ++k) gradient_[k] = updates_[static_cast<std::size_t>(k)].gradient(j);
      }
      for (Eigen::Index k = 0; k < n_responses; ++k) {
        auto& response = state.responses[static_cast<std::size_t>(k)];
        response.gradient[j] = gradient_[k];
        old_value_[k] = response.coefficients[j];
        curvature_[k] = response.curvature[j];
        equal_curvatures = equal_curvatures && curvature_[k] == curvature_[0];
      }
      if (!(curvature_.minCoeff() > 0.0)) continue;
      if (equal_curvatures)
        penalty_.threshold(gradient_ + curvature_[0] * old_value_, curvature_[0], lambda, j, new_value_);
      else
        penalty_.threshold(gradient_ + curvature_.cwiseProduct(old_value_), curvature_, lambda, j,
                           new_value_);
      if (new_value_ == old_value_) continue;
      double rss_decrease = 0.0;
      double change = 0.0;
      for (Eigen::Index k = 0; k < n_responses; ++k) {
        const double delta = new_value_[k] - old_value_[k];
        if (delta == 0.0) continue;
        auto& response = state.responses[static_cast<std::size_t>(k)];
        const double v_k = response.curvature[j];
        if (k < helper_first_) {
          updates_[static_cast<std::size_t>(k)].update(j, delta);
        } else {
          pending_column_ = j;
          pending_delta_[k] = delta;
        }
        const double response_decrease = delta * (2.0 * gradient_[k] - delta * v_k);
        response.rss -= response_decrease;
        response.gradient[j] = gradient_[k] - delta * v_k;
        response.coefficients[j] = new_value_[k];
        rss_decrease += response_decrease;
        change += v_k * delta * delta;
      }
      const double penalty_increase = penalty_.value(new_value_, j) - penalty_.value(old_value_, j);
      state.group_penalty_total += penalty_increase;
      decrease += 0.5 * rss_decrease - lambda * penalty_increase;
      max_change = std::max(max_change, change);
      state.mark_active(j);
    }
    if (helper_ && pending_column_ >= 0) {
      // The last move's share, before anyone reads the residuals.
      helper_column_ = -1;
      helper_->post();
      helper_->wait();
      pending_column_ = -1;
    }
    progress.record(decrease);
    return max_change;
  }

  // The helper's share: the pending move of responses [helper_first_, K),
  // then their inner products with column helper_column_ (if any).
  void run_helper_share() {
    const auto n_responses = static_cast<Eigen::Index>(updates_.size());
    for (Eigen::Index k = helper_first_; k < n_responses; ++k) {
      auto& updates = updates_[static_cast<std::size_t>(k)];
      if (pending_column_ >= 0 && pending_delta_[k] != 0.0) {
        updates.update(pending_column_, pending_delta_[k]);
        pending_delta_[k] = 0.0;
      }
      if (helper_column_ >= 0) gradient_[k] = updates.gradient(helper_column_);
    }
  }

  std::vector<Updates>& updates_;
  const GroupElasticNet& penalty_;
  Monitor& monitor_;
  int minimum_passes_ = 0;
  bool single_pass_settles_ = false;
  Eigen::VectorXd gradient_, old_value_, new_value_, curvature_;
  bool split_responses_ = false;
  std::unique_ptr<LockstepHelper> helper_;
  Eigen::Index helper_first_ = 0;     // responses from here on are the helper's
  Eigen::Index helper_column_ = -1;   // the group whose inner products it takes
  Eigen::Index pending_column_ = -1;  // the group whose move it still has to apply
  Eigen::VectorXd pending_delta_;     // that move, per response
};

}  // namespace glmsparse
