// The regularization path of a multi-response model (multinomial, mgaussian):
// an n x K linear predictor, one coefficient vector per class or response,
// and either the elastic net on every coefficient (ungrouped) or the grouped
// elastic net on each variable's K coefficients.
//
// At each lambda, proximal Newton steps as in glm_path.hpp: the datafit's
// quadratic model splits into one weighted least-squares problem per class,
// solved by the same CoordinateDescent for each class, on a thread of its
// own where there are threads (ungrouped: the penalty separates too), or by
// BlockCoordinateDescent over whole groups (grouped), then a backtracking
// line search on the true objective. For mgaussian the model is the loss
// itself, so one step solves it.
//
// The linear predictor is kept on the raw scale,
//   eta_ik = o_ik + b0_k + sum_j beta_jk x_ij / s_j,
// with beta on the standardized scale; b0 absorbs every centring term.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include "block_coordinate_descent.hpp"
#include "coordinate_descent.hpp"
#include "datafit_multi.hpp"
#include "irls_updates.hpp"
#include "monitor.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "path.hpp"
#include "path_driver.hpp"
#include "path_secant.hpp"
#include "penalty_elastic_net.hpp"
#include "penalty_group.hpp"

namespace glmsparse {

struct MultiProblemData {
  Eigen::MatrixXd y;               // n x K
  Eigen::VectorXd weights;
  Eigen::MatrixXd offset;          // n x K
  Eigen::VectorXd penalty_factor;  // already rescaled as glmnet does
  Eigen::VectorXd lower_limit;     // original scale, the same for every response
  Eigen::VectorXd upper_limit;
  std::vector<char> excluded;
};

// Coefficients on the original scale, column-compressed, one column per lambda.
struct CompressedColumns {
  std::vector<int> row;
  std::vector<int> column_start{0};
  std::vector<double> value;
};

struct MultiPathResult {
  std::vector<double> lambda;
  std::vector<double> intercept;         // K per lambda, lambda after lambda
  std::vector<CompressedColumns> beta;   // one per response
  std::vector<int> df;                   // variables nonzero in any response
  std::vector<int> response_df;          // K per lambda: nonzero per response
  std::vector<double> dev_ratio;
  std::vector<int> n_passes;
  std::vector<LambdaStatus> status;
  double null_deviance = 0.0;
  PathStop stop = PathStop::completed;
};

template <class Design, class Datafit>
class MultiResponsePath {
 public:
  MultiResponsePath(Design& x, const MultiProblemData& data, const FitOptions& options,
                    bool grouped, Monitor& monitor)
      : x_(x), data_(data), options_(options), grouped_(grouped), monitor_(monitor),
        weight_total_(data.weights.sum()),
        weights_(data.weights / weight_total_),
        datafit_(data_.y, weights_),
        n_responses_(data.y.cols()),
        columns_(summarize_columns(x, weights_, options.intercept, options.standardize)),
        penalty_(options.alpha, data.penalty_factor, scaled_limits(data.lower_limit),
                 scaled_limits(data.upper_limit)),
        group_penalty_(options.alpha, data.penalty_factor, scaled_limits(data.lower_limit),
                       scaled_limits(data.upper_limit)),
        state_(x.cols(), data.y.cols()) {
    x_.standardization().set(columns_.center, columns_.scale);
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      usable_.push_back(!data.excluded[j] && !columns_.is_constant[j]);
    secants_.assign(static_cast<std::size_t>(n_responses_), PathSecant(!grouped_));
    updates_.reserve(static_cast<std::size_t>(n_responses_));
    for (Eigen::Index k = 0; k < n_responses_; ++k) updates_.emplace_back(x, options.intercept);
  }

  MultiPathResult run(const LambdaGrid& grid) {
    MultiPathResult result;
    result.beta.resize(static_cast<std::size_t>(n_responses_));

    // The null model: intercepts (if any) and offset only.
    eta_ = data_.offset;
    intercept_ = Eigen::VectorXd::Zero(n_responses_);
    if (options_.intercept) {
      intercept_ = datafit_.null_intercepts(data_.offset);
      eta_.rowwise() += intercept_.transpose();
    }
    set_point();
    if (options_.intercept) {
      // Newton steps on the intercepts alone (no variable in the working
      // set) polish them.
      tolerance_ = std::numeric_limits<double>::min();
      null_model_rss_ = 1.0;
      newton(0.0, {}, options_.max_passes_per_lambda, null_fit_relative_tolerance);
    }
    result.null_deviance = deviance(datafit_.loss(eta_));
    null_excess_loss_ = std::max(datafit_.loss(eta_) - datafit_.saturated_loss(), 0.0);
    null_model_rss_ = 0.0;
    for (auto& updates : updates_) null_model_rss_ += updates.residual_sum_of_squares();
    tolerance_ = pass_tolerance(options_, null_model_rss_);

    // Unpenalized variables are fitted before the first lambda.
    const std::vector<Eigen::Index> unpenalized = unpenalized_variables(penalty_, usable_);
    SolveOutcome first;
    if (!unpenalized.empty()) first = newton(0.0, unpenalized, options_.max_passes_per_lambda);

    const bool default_grid = grid.user_lambda.empty();
    std::vector<double> lambdas = grid.user_lambda;
    if (default_grid) {
      const std::vector<Eigen::Index> all = all_usable();
      compute_gradients(all);
      double lambda_max = 0.0;
      for (Eigen::Index j : all)
        if (penalty_.is_penalized(j)) lambda_max = std::max(lambda_max, lambda_max_term(j));
      if (!(lambda_max <= largest_lambda_max)) lambda_max = largest_lambda_max;
      if (!(lambda_max > 0.0)) lambda_max = 1.0;
      lambdas = default_lambda_grid(lambda_max, grid);
      first = first_lambda_outcome(first, lambda_max, largest_lambda_max,
                                   [this](double lambda, double previous) { return solve_at(lambda, previous); });
    }
    walk_path(
        lambdas, default_grid, first, options_, monitor_, result,
        [this](double lambda, double previous) { return solve_at(lambda, previous); },
        [&](std::size_t k, const SolveOutcome& outcome) {
          for (Eigen::Index r = 0; r < n_responses_; ++r)
            secants_[static_cast<std::size_t>(r)].record(lambdas[k], state_.active_set, response(r).coefficients,
                                                         intercept_[r], outcome.status == LambdaStatus::converged);
          return record(result, lambdas[k], outcome);
        },
        [this]() { return static_cast<int>(state_.active_set.size()); }, Datafit::stall_rule);
    return result;
  }

 private:
  // Limits apply to original-scale coefficients b_jk = beta_jk / s_j.
  Eigen::VectorXd scaled_limits(const Eigen::VectorXd& limits) const {
    return limits.cwiseProduct(columns_.scale);
  }

  std::vector<Eigen::Index> all_usable() const {
    std::vector<Eigen::Index> all;
    for (Eigen::Index j = 0; j < x_.cols(); ++j)
      if (usable_[j]) all.push_back(j);
    return all;
  }

  CoordinateState& response(Eigen::Index k) { return state_.responses[static_cast<std::size_t>(k)]; }

  // Variable j's coefficients across responses, and its last gradients.
  Eigen::VectorXd group_coefficients(Eigen::Index j) const {
    Eigen::VectorXd b(n_responses_);
    for (Eigen::Index k = 0; k < n_responses_; ++k)
      b[k] = state_.responses[static_cast<std::size_t>(k)].coefficients[j];
    return b;
  }
  Eigen::VectorXd group_gradient(Eigen::Index j) const {
    Eigen::VectorXd g(n_responses_);
    for (Eigen::Index k = 0; k < n_responses_; ++k)
      g[k] = state_.responses[static_cast<std::size_t>(k)].gradient[j];
    return g;
  }

  double penalty_total() const {
    if (grouped_) return state_.group_penalty_total;
    double total = 0.0;
    for (const auto& r : state_.responses) total += r.penalty_total;
    return total;
  }

  double objective(double lambda) const { return datafit_.loss(eta_) + lambda * penalty_total(); }

  double deviance(double loss_value) const {
    return 2.0 * weight_total_ * std::max(loss_value - datafit_.saturated_loss(), 0.0);
  }

  // The quadratic model at the current eta, one per response; a class
  // keeps the weights of an earlier point while they are close enough
  // (reusable_weight_change).
  void set_point() {
    datafit_.quadratic_model(eta_, model_weights_, model_residual_);
    for (Eigen::Index k = 0; k < n_responses_; ++k)
      updates_[static_cast<std::size_t>(k)].set_point(model_weights_.col(k), model_residual_.col(k),
                                                      reusable_weight_change);
  }

  // Exact gradients at the current point for every response, in parallel.
  void compute_gradients(const std::vector<Eigen::Index>& variables) {
    parallel_for_each(options_.n_threads, variables, 256, [&](Eigen::Index j) {
      for (Eigen::Index k = 0; k < n_responses_; ++k)
        state_.responses[static_cast<std::size_t>(k)].gradient[j] =
            updates_[static_cast<std::size_t>(k)].gradient(j);
    });
  }

  // Screening statistics from the last computed gradients.
  double lambda_max_term(Eigen::Index j) const {
    if (grouped_) return group_penalty_.lambda_max_term(group_gradient(j), j);
    double term = 0.0;
    for (Eigen::Index k = 0; k < n_responses_; ++k)
      term = std::max(term, penalty_.lambda_max_term(
                                state_.responses[static_cast<std::size_t>(k)].gradient[j], j));
    return term;
  }
  bool passes_strong_rule(Eigen::Index j, double lambda, double previous_lambda) const {
    const Eigen::VectorXd g = group_gradient(j);
    const double size = grouped_ ? g.stableNorm() : g.cwiseAbs().maxCoeff();
    return size >= penalty_.strong_rule_cutoff(lambda, previous_lambda, j);
  }
  bool violates_kkt(Eigen::Index j, double lambda) const {
    const Eigen::VectorXd g = group_gradient(j);
    if (grouped_) return group_penalty_.violates_kkt_at_zero(g, lambda, j);
    for (Eigen::Index k = 0; k < n_responses_; ++k)
      if (penalty_.violates_kkt_at_zero(g[k], lambda, j)) return true;
    return false;
  }

  // Strong set, Newton steps, KKT check of everything left out, repeat.
  SolveOutcome solve_at(double lambda, double previous_lambda) {
    bool started = false;
    return solve_with_screening(
        usable_, options_.max_passes_per_lambda,
        [&](Eigen::Index j) { return state_.in_active_set[j] || !penalty_.is_penalized(j); },
        [&](const std::vector<Eigen::Index>& variables, ScreeningSweep) { compute_gradients(variables); },
        [&](Eigen::Index j) { return passes_strong_rule(j, lambda, previous_lambda); },
        [&](Eigen::Index j) { return violates_kkt(j, lambda); },
        [&](const std::vector<Eigen::Index>& working_set, int max_passes) {
          if (!started) {
            started = true;
            start_from_secant(lambda, working_set);
          }
          return newton(lambda, working_set, max_passes);
        });
  }

  // Moves every response to the secant's prediction of its solution at
  // lambda (path_secant.hpp) if that lowers the objective; else stays at
  // the warm start, exactly.
  void start_from_secant(double lambda, const std::vector<Eigen::Index>& working_set) {
    const auto size = static_cast<Eigen::Index>(working_set.size());
    std::vector<Eigen::Index> slot(static_cast<std::size_t>(x_.cols()), -1);
    for (Eigen::Index s = 0; s < size; ++s) slot[static_cast<std::size_t>(working_set[static_cast<std::size_t>(s)])] = s;
    const Eigen::VectorXd start = coefficient_vector(working_set);
    Eigen::VectorXd target = start;
    std::vector<double> change;
    bool moves = false;
    for (Eigen::Index k = 0; k < n_responses_; ++k) {
      double intercept_change = 0.0;
      if (!secants_[static_cast<std::size_t>(k)].predict(lambda, state_.active_set, response(k).coefficients,
                                                           penalty_, change, intercept_change))
        continue;
      for (std::size_t a = 0; a < state_.active_set.size(); ++a) {
        const Eigen::Index s = slot[static_cast<std::size_t>(state_.active_set[a])];
        if (s < 0) return;  // set_coefficients needs every nonzero coefficient
        target[k * size + s] += change[a];
      }
      if (options_.intercept) target[size * n_responses_ + k] += intercept_change;
      moves = true;
    }
    if (!moves) return;
    double current = objective(lambda);
    move_if_lower(lambda, working_set, start, target, current);
  }

  // Solves the quadratic model of classes [first, last) at the current point.
  // In the first cycle of Newton steps at a lambda each model needs at
  // least two passes, so that the rate of convergence is known; later ones
  // start next to their minimiser, and one pass that changes nothing is
  // enough: newton() judges the cycles by the objective's own decrease
  // (and, ungrouped, bounds each coordinate's gain before it stops).
  SolveOutcome solve_model(double lambda, const std::vector<Eigen::Index>& working_set,
                           Eigen::Index first, Eigen::Index last, double tolerance,
                           double relative_tolerance, int max_passes, bool first_cycle) {
    const int minimum_passes = first_cycle ? 2 : 1;
    if (grouped_) {
      BlockCoordinateDescent<IrlsUpdates<Design>> solver(updates_, group_penalty_, monitor_);
      solver.set_minimum_passes(minimum_passes);
      solver.set_single_pass_settles(true);
      // A group's work, K dense inner products and updates, is worth a
      // meeting of two threads from a few thousand rows in all.
      if constexpr (std::is_same<Design, DenseDesign>::value)
        solver.split_responses_between_threads(options_.n_threads >= 2 &&
                                               x_.rows() * n_responses_ >= min_rows_split_across_responses);
      return solver.solve(lambda, working_set, state_, tolerance, relative_tolerance, max_passes);
    }
    // Ungrouped, the model and the penalty both separate by class: the
    // classes are solved independently, on separate threads when there are
    // several (each with a silent monitor: only the fit's own thread may
    // call the caller back), else one after another with each class's rows
    // split between the threads. Each solve is single-threaded arithmetic
    // either way, so the results do not depend on the number of threads.
    // The first pass at a new point reads every column of the working set
    // for every class (half the time of a multinomial fit, n = 5000,
    // p = 1000); made together, class by class within blocks of columns,
    // it took the benchmark's path from 5.2 to 5.6 s to 3.6 to 4.3 s over
    // 40 lambdas (two threads; one thread 7.1 s to 4.9 s), the same numbers.
    const Eigen::Index n_classes = last - first;
    const bool classes_in_parallel = options_.n_threads > 1 && n_classes > 1;
    std::vector<SolveOutcome> outcomes(static_cast<std::size_t>(n_classes));
    Monitor silent;
    // Each thread takes every n_groups-th class. Where the classes' solves
    // are single-threaded, a group makes its classes' first passes over the
    // working set together, a few columns at a time: the classes are
    // independent, so each gets the numbers it would alone, and each column
    // is read from memory once for the group instead of once per class.
    const Eigen::Index n_groups = classes_in_parallel ? std::min<Eigen::Index>(options_.n_threads, n_classes) : 1;
    const bool together = classes_in_parallel || options_.n_threads < 2;
    auto solve_group = [&](Eigen::Index g) {
      std::vector<CoordinateDescent<IrlsUpdates<Design>, ElasticNet>> solvers;
      std::vector<typename IrlsUpdates<Design>::SplitScope> splits;
      std::vector<Eigen::Index> classes;
      for (Eigen::Index c = g; c < n_classes; c += n_groups) classes.push_back(c);
      solvers.reserve(classes.size());
      splits.reserve(classes.size());
      for (Eigen::Index c : classes) {
        auto& updates = updates_[static_cast<std::size_t>(first + c)];
        solvers.emplace_back(updates, penalty_, classes_in_parallel ? silent : monitor_);
        solvers.back().set_minimum_passes(minimum_passes);
        solvers.back().set_single_pass_settles(true);
        splits.push_back(updates.split_between_threads(classes_in_parallel ? 1 : options_.n_threads));
      }
      if (together) {
        // Blocks of about 256 KB of dense columns, which stay in cache
        // while every class of the group reads them.
        const auto block =
            static_cast<std::size_t>(std::max<Eigen::Index>(1, 32768 / std::max<Eigen::Index>(x_.rows(), 1)));
        for (auto& solver : solvers) solver.begin_pass();
        for (std::size_t begin = 0; begin < working_set.size(); begin += block) {
          const std::size_t end = std::min(working_set.size(), begin + block);
          for (std::size_t q = 0; q < classes.size(); ++q)
            solvers[q].pass_segment(lambda, working_set, begin, end, response(first + classes[q]));
        }
      }
      for (std::size_t q = 0; q < classes.size(); ++q)
        outcomes[static_cast<std::size_t>(classes[q])] = solvers[q].solve(
            lambda, working_set, response(first + classes[q]), tolerance, relative_tolerance, max_passes, together);
    };
    if (classes_in_parallel) {
      parallel_for_chunks(options_.n_threads, n_groups, solve_group);
      monitor_.check_interrupt();
    } else {
      solve_group(0);
    }
    SolveOutcome total;
    for (Eigen::Index c = 0; c < n_classes; ++c) {
      const SolveOutcome& outcome = outcomes[static_cast<std::size_t>(c)];
      total.n_passes += outcome.n_passes;
      for (Eigen::Index j : response(first + c).active_set) state_.mark_active(j);
      if (outcome.status != LambdaStatus::converged && total.status == LambdaStatus::converged)
        total.status = outcome.status;
    }
    return total;
  }

  // Proximal Newton steps on the working set until the objective still to
  // be gained is below `relative_tolerance` times the objective (by default
  // thresh times newton_tolerance_factor); on return the quadratic model is
  // that of the final point. Grouped, the penalty ties the classes together
  // and every step moves all of them. Ungrouped, the steps also move every
  // class at once, on the model that leaves out the Hessian's coupling
  // between classes (one weighted least-squares problem per class, solved
  // on a thread each), with a line search on the true objective. Where such
  // a step gains nothing, the next moves one class at a time (Gauss-Seidel
  // over the classes, as glmnet does), each class's model its exact
  // second-order expansion, and only that step's gain can end the steps.
  // Without that, tightly solved dense and sparse fits of a p > n test
  // problem stopped 1.3e-6 apart, relative to the coefficients' size (with
  // it 5.5e-7; the test allows 1e-6). Finishing every lambda one
  // class at a time instead, as before, the steps converge hardly faster
  // (0.7 against 0.78 per step, late on the benchmark's path) and run on
  // one thread, each class waiting for the last: the benchmark's path took
  // 26 to 31 s against 18 to 22 s (a driver over the core, two threads,
  // runs alternated). Either way the steps converge linearly,
  // so the gain still to come is extrapolated from the last two steps'
  // decreases.
  SolveOutcome newton(double lambda, const std::vector<Eigen::Index>& working_set,
                      int max_passes, double relative_tolerance = -1.0) {
    if (relative_tolerance < 0.0) relative_tolerance = options_.thresh * newton_tolerance_factor;
    SolveOutcome total;
    double current = objective(lambda);
    double previous_decrease = 0.0;
    // The steps converge linearly; Anderson extrapolation over them, as in
    // coordinate descent, cuts the number of steps.
    AndersonHistory history;
    int steps_since_extrapolation = 0;
    for (int step = 0; step < max_newton_steps; ++step) {
      const double start = current;
      const bool all_classes_at_once = grouped_ || step == 0 || previous_decrease > 0.0;
      const Eigen::Index classes_per_move = all_classes_at_once ? n_responses_ : 1;
      bool step_cut_short = false;
      for (Eigen::Index first = 0; first < n_responses_; first += classes_per_move) {
        const ClassMove move =
            move_classes(lambda, working_set, first, first + classes_per_move,
                         step > 0 ? previous_decrease : -1.0, max_passes, total, current);
        if (move.status != LambdaStatus::converged) {
          total.status = move.status;
          return total;
        }
        step_cut_short = step_cut_short || move.cut_short;
      }
      // Without a shift the point, and so its objective and model, is unchanged.
      if (Datafit::shift_invariant && shift_to_least_penalty(working_set)) {
        current = objective(lambda);
        set_point();
      }
      const double decrease = start - current;
      const double rate =
          previous_decrease > 0.0 ? std::min(decrease / previous_decrease, 0.999) : 0.0;
      const double allowed = relative_tolerance * std::max(std::abs(current), 1e-300);
      const bool retry_one_class_at_a_time = !grouped_ && all_classes_at_once && !(decrease > 0.0);
      // Right after an extrapolation the decreases are not yet geometric.
      // A step the line search cut short gains little however far the
      // minimum is (found by the fuzzer: an unpenalized multinomial fit
      // whose steps were cut to 1/512 to 1/32 stopped after one cut to 1/2
      // had gained within the tolerance, 5e-4 of the objective above the
      // minimum); only whole steps can end the steps.
      if (steps_since_extrapolation >= 1 && !retry_one_class_at_a_time && !step_cut_short &&
          decrease <= allowed && decrease * rate / (1.0 - rate) <= allowed) {
        if (!grouped_ && largest_coordinate_gain(lambda, working_set) > stalled_gain_factor * allowed)
          total.status = LambdaStatus::max_passes_reached;
        return total;
      }
      previous_decrease = decrease;
      ++steps_since_extrapolation;
      if (extrapolate_steps(lambda, working_set, history, current)) steps_since_extrapolation = 0;
    }
    total.status = LambdaStatus::max_passes_reached;
    return total;
  }

  // The largest of ElasticNet::coordinate_gain_bound over the working set
  // and the classes. Ungrouped fits only.
  double largest_coordinate_gain(double lambda, const std::vector<Eigen::Index>& working_set) {
    double largest = 0.0;
    for (Eigen::Index k = 0; k < n_responses_; ++k) {
      auto& updates = updates_[static_cast<std::size_t>(k)];
      for (Eigen::Index j : working_set) {
        const double b = response(k).coefficients[j];
        // The gradient first: the curvature refreshes what it caches.
        const double g = updates.gradient(j);
        const double curvature = updates.curvature(j);
        largest = std::max(largest, penalty_.coordinate_gain_bound(g, curvature, b, lambda, j));
      }
    }
    return largest;
  }

  // Records the coefficients and intercepts after a Newton step; every
  // depth + 1 steps, moves to their Anderson extrapolation if that lowers
  // the objective. Eta is affine in them and is combined with the same
  // weights, so that a try that fails costs no product with X.
  bool extrapolate_steps(double lambda, const std::vector<Eigen::Index>& working_set,
                         AndersonHistory& history, double& current) {
    const auto size = static_cast<Eigen::Index>(working_set.size());
    const Eigen::VectorXd iterate = coefficient_vector(working_set);
    if (!history.record(iterate, Eigen::Map<const Eigen::VectorXd>(eta_.data(), eta_.size()))) return false;
    Eigen::VectorXd target, target_eta;
    const bool combined = history.combination(target, target_eta);
    history.clear();
    if (!combined) return false;
    for (Eigen::Index k = 0; k < n_responses_; ++k)
      for (Eigen::Index s = 0; s < size; ++s)
        if (!penalty_.within_limits(target[k * size + s], working_set[static_cast<std::size_t>(s)]))
          return false;
    return move_if_lower(lambda, working_set, iterate, target, current, &target_eta);
  }

  // The working set's coefficients, class after class, then the
  // intercepts: the layout set_coefficients() reads.
  Eigen::VectorXd coefficient_vector(const std::vector<Eigen::Index>& working_set) {
    const auto size = static_cast<Eigen::Index>(working_set.size());
    Eigen::VectorXd values(size * n_responses_ + n_responses_);
    for (Eigen::Index k = 0; k < n_responses_; ++k) {
      for (Eigen::Index s = 0; s < size; ++s)
        values[k * size + s] = response(k).coefficients[working_set[static_cast<std::size_t>(s)]];
      values[size * n_responses_ + k] = intercept_[k];
    }
    return values;
  }

  // Moves to `target` if that lowers the objective below `current` (then
  // updated, with the model at the new point); else back to `start`, with
  // eta and the penalty totals as they were. Both laid out as
  // coefficient_vector() lays them out. Eta at the target is `target_eta`
  // (n x K, column after column) where given, else computed.
  bool move_if_lower(double lambda, const std::vector<Eigen::Index>& working_set,
                     const Eigen::VectorXd& start, const Eigen::VectorXd& target, double& current,
                     const Eigen::VectorXd* target_eta = nullptr) {
    const Eigen::MatrixXd saved_eta = eta_;
    const Eigen::VectorXd saved_penalties = response_penalties();
    const double saved_group_penalty = state_.group_penalty_total;
    double candidate = HUGE_VAL;
    if (target_eta != nullptr) {
      // A combined eta inherits the combination's weights times the
      // rounding of every stored eta (kept, it left the dense and sparse
      // fits of a fuzzed problem at thresh 1e-14 1e-11 apart, relative):
      // it only screens the target, whose eta is computed afresh before
      // the target is kept.
      assign_coefficients(working_set, target);
      eta_ = Eigen::Map<const Eigen::MatrixXd>(target_eta->data(), eta_.rows(), eta_.cols());
      recompute_penalties(0, n_responses_);
      candidate = objective(lambda);
    }
    if (target_eta == nullptr || (std::isfinite(candidate) && candidate < current)) {
      set_coefficients(working_set, target);
      candidate = objective(lambda);
    }
    if (std::isfinite(candidate) && candidate < current) {
      current = candidate;
      set_point();
      return true;
    }
    // Back to the start: its eta is the one saved, so only the values change.
    assign_coefficients(working_set, start);
    eta_ = saved_eta;
    for (Eigen::Index k = 0; k < n_responses_; ++k) response(k).penalty_total = saved_penalties[k];
    state_.group_penalty_total = saved_group_penalty;
    return false;
  }

  Eigen::VectorXd response_penalties() {
    Eigen::VectorXd totals(n_responses_);
    for (Eigen::Index k = 0; k < n_responses_; ++k) totals[k] = response(k).penalty_total;
    return totals;
  }

  // Sets the working set's coefficients and the intercepts from `values`
  // (laid out as in extrapolate_steps) and recomputes eta and the penalty
  // totals from scratch; the working set holds every nonzero coefficient.
  // Each class's eta is its own sum of columns, so the classes are summed
  // in parallel with the same numbers for any number of threads.
  void set_coefficients(const std::vector<Eigen::Index>& working_set, const Eigen::VectorXd& values) {
    assign_coefficients(working_set, values);
    class_columns_.resize(static_cast<std::size_t>(n_responses_));
    parallel_for_chunks(options_.n_threads, n_responses_, [&](Eigen::Index k) {
      Eigen::VectorXd& column = class_columns_[static_cast<std::size_t>(k)];
      column = data_.offset.col(k);
      column.array() += intercept_[k];
      for (Eigen::Index j : working_set) {
        const double b = response(k).coefficients[j];
        if (b != 0.0) x_.raw_axpy(j, b * x_.standardization().inv_scale(j), column);
      }
    });
    for (Eigen::Index k = 0; k < n_responses_; ++k) eta_.col(k) = class_columns_[static_cast<std::size_t>(k)];
    recompute_penalties(0, n_responses_);
  }

  // The coefficients and intercepts alone, from `values` laid out as above.
  void assign_coefficients(const std::vector<Eigen::Index>& working_set, const Eigen::VectorXd& values) {
    const auto size = static_cast<Eigen::Index>(working_set.size());
    for (Eigen::Index k = 0; k < n_responses_; ++k) {
      intercept_[k] = values[size * n_responses_ + k];
      for (Eigen::Index s = 0; s < size; ++s)
        response(k).coefficients[working_set[static_cast<std::size_t>(s)]] = values[k * size + s];
    }
  }

  void recompute_penalties(Eigen::Index first, Eigen::Index last) {
    if (grouped_) {
      double total = 0.0;
      for (Eigen::Index j : state_.active_set) total += group_penalty_.value(group_coefficients(j), j);
      state_.group_penalty_total = total;
      return;
    }
    for (Eigen::Index k = first; k < last; ++k) {
      double total = 0.0;
      for (Eigen::Index j : response(k).active_set) total += penalty_.value(response(k).coefficients[j], j);
      response(k).penalty_total = total;
    }
  }

  struct ClassMove {
    LambdaStatus status;  // of the inner solve
    bool cut_short;       // the line search took less than the whole step
  };
  // One proximal Newton step in the coefficients of classes [first, last):
  // solve their model at the current point, then a backtracking line search
  // on the true objective. `current` is the objective before and after;
  // `last_decrease` (negative if none yet) sets the inner accuracy.
  ClassMove move_classes(double lambda, const std::vector<Eigen::Index>& working_set,
                         Eigen::Index first, Eigen::Index last, double last_decrease,
                         int max_passes, SolveOutcome& total, double& current) {
    const auto size = static_cast<Eigen::Index>(working_set.size());
    start_values_.resize(n_responses_, size);
    Eigen::VectorXd start_penalties(n_responses_);
    double model_rss = 0.0, model_penalty = 0.0;
    for (Eigen::Index k = 0; k < n_responses_; ++k) {
      for (Eigen::Index s = 0; s < size; ++s)
        start_values_(k, s) = response(k).coefficients[working_set[static_cast<std::size_t>(s)]];
      start_penalties[k] = response(k).penalty_total;
      if (k < first || k >= last) continue;
      auto& updates = updates_[static_cast<std::size_t>(k)];
      CoordinateState& state = response(k);
      prepare_curvatures(updates, working_set, state, options_.n_threads,
                         grouped_ ? CurvatureNeed::every_one : CurvatureNeed::nonzero_unless_read_with_gradient);
      response(k).rss = updates.residual_sum_of_squares();
      model_rss += response(k).rss;
      model_penalty += response(k).penalty_total;
    }
    const double start_group_penalty = state_.group_penalty_total;
    const Eigen::VectorXd start_intercept = intercept_;
    const Eigen::MatrixXd start_eta = eta_;

    // The model's objective is about rss / 2 + lambda * penalty; its
    // tolerance follows it as the Gaussian path's does.
    const double model_size =
        0.5 * model_rss + lambda * (grouped_ ? state_.group_penalty_total : model_penalty);
    const double tolerance = std::max(
        tolerance_ * std::min(1.0, std::max(model_size, 0.0) / std::max(0.5 * null_model_rss_, 1e-300)),
        std::numeric_limits<double>::min());
    // Each model is solved more accurately than the last Newton step
    // gained; otherwise the steps would advance only as far as a loose
    // inner solve lets them, a few passes at a time.
    double inner_relative_tolerance = options_.thresh * newton_tolerance_factor;
    // (A step that gained nothing sets no bound: a zero tolerance could never be met.)
    if (last_decrease > 0.0 && model_size > 0.0)
      inner_relative_tolerance = std::min(inner_relative_tolerance, 0.01 * last_decrease / model_size);
    const SolveOutcome inner = solve_model(lambda, working_set, first, last, tolerance,
                                           inner_relative_tolerance, max_passes - total.n_passes,
                                           last_decrease < 0.0);
    total.n_passes += inner.n_passes;
    Eigen::VectorXd intercept_change = Eigen::VectorXd::Zero(n_responses_);
    full_step_.setZero(n_responses_, size);
    for (Eigen::Index k = first; k < last; ++k) {
      intercept_change[k] = updates_[static_cast<std::size_t>(k)].intercept_change();
      for (Eigen::Index s = 0; s < size; ++s)
        full_step_(k, s) =
            response(k).coefficients[working_set[static_cast<std::size_t>(s)]] - start_values_(k, s);
      compute_step_eta(k, working_set, intercept_change[k]);
    }

    // Move along the Newton direction, halving the step until the
    // objective does not increase.
    double fraction = 1.0;
    double candidate = 0.0;
    for (int halving = 0;; ++halving) {
      apply_step(working_set, first, last, start_eta, start_intercept, intercept_change, fraction);
      candidate = objective(lambda);
      if (std::isfinite(candidate) && candidate <= current + 1e-15 * std::abs(current)) break;
      if (halving == max_halvings) {
        // No descent along this direction: keep the start point.
        apply_step(working_set, first, last, start_eta, start_intercept, intercept_change, 0.0);
        for (Eigen::Index k = 0; k < n_responses_; ++k) response(k).penalty_total = start_penalties[k];
        state_.group_penalty_total = start_group_penalty;
        candidate = current;
        break;
      }
      fraction *= 0.5;
    }
    set_point();
    current = candidate;
    return {inner.status, fraction < 1.0};
  }

  // Coefficients at start + fraction * full_step_, with eta (from
  // step_eta_), the intercepts and the penalty totals to match.
  void apply_step(const std::vector<Eigen::Index>& working_set, Eigen::Index first,
                  Eigen::Index last, const Eigen::MatrixXd& start_eta,
                  const Eigen::VectorXd& start_intercept, const Eigen::VectorXd& intercept_change,
                  double fraction) {
    intercept_ = start_intercept + fraction * intercept_change;
    for (Eigen::Index k = first; k < last; ++k) {
      for (std::size_t s = 0; s < working_set.size(); ++s)
        response(k).coefficients[working_set[s]] =
            start_values_(k, static_cast<Eigen::Index>(s)) + fraction * full_step_(k, static_cast<Eigen::Index>(s));
      // No step at all is the start exactly, even where the step overflowed.
      if (fraction == 0.0)
        eta_.col(k) = start_eta.col(k);
      else
        eta_.col(k) = start_eta.col(k) + fraction * step_eta_.col(k);
    }
    recompute_penalties(first, last);
  }

  // Column k of step_eta_: the change of class k's eta over the full step
  // just solved (full_step_ and the intercept change), intercept_change +
  // X d. It is read off the class model's residual in O(n)
  // (IrlsUpdates::fitted_change_of), else taken from the moved columns.
  void compute_step_eta(Eigen::Index k, const std::vector<Eigen::Index>& working_set,
                        double intercept_change) {
    step_eta_.resize(x_.rows(), n_responses_);
    step_moves_.collect(x_, working_set,
                        [&](std::size_t s) { return full_step_(k, static_cast<Eigen::Index>(s)); });
    if (!updates_[static_cast<std::size_t>(k)].fitted_change_of(step_moves_, column_)) {
      column_.setZero(x_.rows());
      for (std::size_t m = 0; m < step_moves_.columns.size(); ++m)
        x_.raw_axpy(step_moves_.columns[m], step_moves_.raw_steps[m], column_);
    }
    column_.array() += intercept_change;
    step_eta_.col(k) = column_;
  }

  // For a shift-invariant loss (multinomial): moves each variable's
  // coefficients by the common shift that minimises its penalty. The model
  // of a Newton step ignores that the loss is flat along these shifts, so
  // steps alone would move along them only as fast as the penalty's
  // curvature allows (slowly for a small ridge term).
  // Returns whether any coefficient moved.
  bool shift_to_least_penalty(const std::vector<Eigen::Index>& working_set) {
    // A shift moves every class's eta on a row by the same amount: the
    // moves are summed in one column and added to each class once at the end.
    bool shifted = false;
    for (Eigen::Index j : working_set) {
      if (!penalty_.is_penalized(j)) continue;
      const Eigen::VectorXd b = group_coefficients(j);
      double shift = grouped_ ? b.mean() : elastic_net_shift(b, options_.alpha);
      // Keep every coefficient within its box: b_k - shift in [lower, upper].
      shift = std::min(std::max(shift, b.maxCoeff() - penalty_.upper(j)), b.minCoeff() - penalty_.lower(j));
      if (shift == 0.0) continue;
      // b_k - shift rounds: (b_k - (b_max - upper)) can land ulps of b_k
      // beyond an upper limit far smaller than b_k.
      Eigen::VectorXd moved(b.size());
      for (Eigen::Index k = 0; k < b.size(); ++k) moved[k] = penalty_.to_limits(b[k] - shift, j);
      const double gain = grouped_ ? group_penalty_.value(b, j) - group_penalty_.value(moved, j)
                                   : elastic_net_value(b, j) - elastic_net_value(moved, j);
      if (!(gain > 0.0)) continue;
      if (!shifted) row_shift_.setZero(x_.rows());
      shifted = true;
      x_.raw_axpy(j, -shift * x_.standardization().inv_scale(j), row_shift_);
      for (Eigen::Index k = 0; k < n_responses_; ++k) {
        response(k).coefficients[j] = moved[k];
        if (moved[k] != 0.0 && !response(k).in_active_set[j]) {
          response(k).in_active_set[j] = 1;
          response(k).active_set.push_back(j);
        }
      }
      state_.mark_active(j);
      if (grouped_) {
        state_.group_penalty_total -= gain;
      } else {
        for (Eigen::Index k = 0; k < n_responses_; ++k)
          response(k).penalty_total += penalty_.value(moved[k], j) - penalty_.value(b[k], j);
      }
    }
    if (shifted) eta_.colwise() += row_shift_;
    return shifted;
  }

  double elastic_net_value(const Eigen::VectorXd& b, Eigen::Index j) const {
    double total = 0.0;
    for (Eigen::Index k = 0; k < b.size(); ++k) total += penalty_.value(b[k], j);
    return total;
  }

  // argmin_c alpha * sum_k |b_k - c| + (1 - alpha) / 2 * sum_k (b_k - c)^2,
  // the point nearest 0 if there are several. The derivative is increasing
  // and piecewise linear between the sorted b_k; find where it crosses 0.
  static double elastic_net_shift(const Eigen::VectorXd& b, double alpha) {
    std::vector<double> sorted(b.data(), b.data() + b.size());
    std::sort(sorted.begin(), sorted.end());
    const auto count = static_cast<double>(sorted.size());
    const double total = b.sum();
    // Right derivative at c when exactly `below` of the b_k are <= c ...
    // evaluated on each piece: alpha * (2 * below - K) + (1 - alpha) * (K c - sum b).
    auto slope_on_piece = [&](double c, double below) {
      return alpha * (2.0 * below - count) + (1.0 - alpha) * (count * c - total);
    };
    for (std::size_t m = 0; m <= sorted.size(); ++m) {
      // Piece m: between sorted[m-1] and sorted[m], with m of the b_k below.
      const double left = m == 0 ? -HUGE_VAL : sorted[m - 1];
      const double right = m == sorted.size() ? HUGE_VAL : sorted[m];
      const double below = static_cast<double>(m);
      if (alpha < 1.0) {
        const double root = (total - alpha * (2.0 * below - count) / (1.0 - alpha)) / count;
        if (root >= left && root <= right) return root;
      } else if (2.0 * below == count) {
        // Flat piece (even K, lasso): every c in [left, right] is optimal.
        return std::min(std::max(0.0, left), right);
      }
      // The derivative jumps at right; a crossing inside the jump is a kink minimum.
      if (m < sorted.size() && slope_on_piece(right, below) < 0.0 &&
          slope_on_piece(right, below + 1.0) >= 0.0)
        return right;
    }
    return 0.0;
  }

  // Appends the current solution on the original scale; returns its deviance ratio.
  double record(MultiPathResult& result, double lambda, const SolveOutcome& outcome) {
    Eigen::VectorXd intercept = intercept_;
    if (Datafit::shift_invariant && options_.intercept) centre_to_zero_sum(intercept);
    std::vector<Eigen::Index> variables = state_.active_set;
    std::sort(variables.begin(), variables.end());
    std::vector<char> nonzero_anywhere(static_cast<std::size_t>(x_.cols()), 0);
    // An unpenalized multinomial variable's coefficients are determined only
    // up to a common shift across classes (the loss ignores it); report them
    // centred, like the intercepts, as far as their limits allow.
    std::vector<double> centre(static_cast<std::size_t>(x_.cols()), 0.0);
    if (Datafit::shift_invariant) {
      for (Eigen::Index j : variables) {
        if (penalty_.is_penalized(j)) continue;
        const Eigen::VectorXd b = group_coefficients(j);
        const double lowest_shift = b.maxCoeff() - penalty_.upper(j);
        const double highest_shift = b.minCoeff() - penalty_.lower(j);
        centre[static_cast<std::size_t>(j)] = std::min(std::max(b.mean(), lowest_shift), highest_shift);
      }
    }
    for (Eigen::Index k = 0; k < n_responses_; ++k) {
      auto& beta = result.beta[static_cast<std::size_t>(k)];
      int count = 0;
      for (Eigen::Index j : variables) {
        // A coefficient that underflows on the original scale (a column
        // spread of 1e100 under ridge at lambda 1e150) is 0 there.
        // b - centre rounds: with the centre at b_max - upper, the largest
        // b lands up to an ulp of b_max beyond its limit (found by the
        // fuzzer: 3e-10 beyond an upper limit of 2.5). So it is held within
        // the limits on both scales (within_caller_limits).
        const double b = within_caller_limits(data_,
            penalty_.to_limits(response(k).coefficients[j] - centre[static_cast<std::size_t>(j)], j) /
                columns_.scale[j],
            j);
        if (b == 0.0) continue;
        beta.row.push_back(static_cast<int>(j));
        beta.value.push_back(b);
        nonzero_anywhere[static_cast<std::size_t>(j)] = 1;
        ++count;
      }
      beta.column_start.push_back(static_cast<int>(beta.row.size()));
      result.response_df.push_back(count);
      result.intercept.push_back(intercept[k]);
    }
    int df = 0;
    for (char nonzero : nonzero_anywhere) df += nonzero;
    // From losses under the normalised weights: the deviances, on the
    // caller's weight scale, overflow with huge weights and a huge response.
    const double excess_loss = std::max(datafit_.loss(eta_) - datafit_.saturated_loss(), 0.0);
    const double dev_ratio = null_excess_loss_ > 0.0 ? 1.0 - excess_loss / null_excess_loss_ : 0.0;
    result.lambda.push_back(lambda);
    result.df.push_back(df);
    result.dev_ratio.push_back(dev_ratio);
    result.n_passes.push_back(outcome.n_passes);
    result.status.push_back(outcome.status);
    return dev_ratio;
  }

  // Newton steps over the classes (all at once or one at a time) converge linearly, slowly
  // on nearly collinear columns deep in an ungrouped multinomial path: 100
  // steps left such lambdas unconverged however large maxit; the passes,
  // not the steps, are what maxit bounds.
  static constexpr int max_newton_steps = 1000;
  static constexpr int max_halvings = 30;
  // Newton steps stop once the gain still to come is below thresh times
  // this times the objective.
  static constexpr double newton_tolerance_factor = 0.1;
  static constexpr Eigen::Index min_rows_split_across_responses = 8192;
  // The null model (intercepts only) is solved to near machine precision:
  // its deviance is the reference for every deviance ratio.
  static constexpr double null_fit_relative_tolerance = 1e-14;

  Design& x_;
  const MultiProblemData& data_;
  const FitOptions& options_;
  bool grouped_;
  Monitor& monitor_;
  double weight_total_;
  Eigen::VectorXd weights_;  // normalised to sum to 1
  Datafit datafit_;
  Eigen::Index n_responses_;
  ColumnSummary columns_;
  ElasticNet penalty_;
  GroupElasticNet group_penalty_;
  std::vector<IrlsUpdates<Design>> updates_;
  MultiState state_;
  std::vector<char> usable_;
  Eigen::MatrixXd eta_;
  Eigen::VectorXd intercept_;  // b0_k: eta_k = offset_k + b0_k + sum_j beta_jk x_j / s_j
  std::vector<PathSecant> secants_;  // one per response
  Eigen::MatrixXd model_weights_, model_residual_;
  Eigen::MatrixXd full_step_, start_values_;
  Eigen::MatrixXd step_eta_;  // n x K, compute_step_eta()
  ColumnMoves step_moves_;  // of compute_step_eta()
  Eigen::VectorXd column_;
  std::vector<Eigen::VectorXd> class_columns_;  // of set_coefficients()
  Eigen::VectorXd row_shift_;  // of shift_to_least_penalty()
  double null_excess_loss_ = 0.0;  // null loss less the saturated loss
  double null_model_rss_ = 0.0;
  double tolerance_ = 0.0;
};

template <class Datafit, class Design>
MultiPathResult fit_multi_path(Design& x, const MultiProblemData& data, const FitOptions& options,
                               bool grouped, const LambdaGrid& grid, Monitor& monitor) {
  return MultiResponsePath<Design, Datafit>(x, data, options, grouped, monitor).run(grid);
}

}  // namespace glmsparse
