// The regularization path of a generalized linear model (binomial, poisson)
// or of any datafit with the interface of SeparableDatafit (datafit_glm.hpp),
// such as Cox's partial likelihood (datafit_cox.hpp):
// at each lambda, proximal Newton (IRLS) steps, each minimising a weighted
// least-squares model of the loss plus the penalty by the same coordinate
// descent as the Gaussian path, with a backtracking line search on the true
// objective. Screening is as for the Gaussian path: sequential strong rule,
// then a KKT check of every variable left out, at the converged point.
//
// The linear predictor is kept on the raw scale,
//   eta_i = o_i + b0 + sum_j beta_j x_ij / s_j,
// with beta on the standardized scale; b0 absorbs every centring term.
// A shift-invariant datafit (Cox) has no intercept: b0 then only carries
// constant shifts of eta, which change nothing, and is reported as 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Dense>

#include "coordinate_descent.hpp"
#include "datafit_cox.hpp"
#include "datafit_glm.hpp"
#include "gradient_bounds.hpp"
#include "irls_updates.hpp"
#include "monitor.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "path.hpp"
#include "path_driver.hpp"
#include "path_secant.hpp"
#include "penalty_elastic_net.hpp"

namespace glmsparse {

template <class Design, class Datafit>
class GlmPath {
 public:
  GlmPath(Design& x, const ProblemData& data, Datafit datafit, const FitOptions& options,
          Monitor& monitor)
      : x_(x), data_(data), options_(options), monitor_(monitor), datafit_(std::move(datafit)),
        weight_total_(data.weights.sum()),
        weights_(data.weights / weight_total_),
        columns_(summarize_columns(x, weights_, options.intercept, options.standardize)),
        penalty_(make_penalty()),
        updates_(x, options.intercept || Datafit::shift_invariant),
        state_(x.cols()),
        bounds_(weights_, bound_factors(true), bound_factors(false)) {
    x_.standardization().set(columns_.center, columns_.scale);
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      usable_.push_back(!data.excluded[j] && !columns_.is_constant[j]);
  }

  PathResult run(const LambdaGrid& grid) {
    PathResult result;

    // The null model: intercept (if any) and offset only.
    eta_ = data_.offset;
    intercept_ = 0.0;
    if (options_.intercept) {
      intercept_ = datafit_.null_intercept(data_.offset);
      eta_ = data_.offset.array() + intercept_;
    }
    null_loss_ = loss();
    saturated_loss_ = datafit_.saturated_loss();
    // A null model that already attains the saturated loss (every Cox event
    // at one time, a constant count) is the minimiser at every lambda: no
    // model has a smaller loss, and its penalty is 0. Its gradients and its
    // deviance are rounding noise, so none is solved for and the deviance
    // ratios are 0. Rounding is judged by the size of the loss's terms, not
    // by 1: a weight of 1e150 on a zero count leaves a loss of 1e-147 that
    // is all signal.
    null_is_saturated_ =
        std::isfinite(null_loss_) &&
        null_loss_ - saturated_loss_ <=
        64.0 * std::numeric_limits<double>::epsilon() *
        std::max(datafit_.loss_scale(eta_), std::numeric_limits<double>::min());
    result.null_deviance = null_is_saturated_ ? 0.0 : deviance(null_loss_);
    set_point();
    null_model_rss_ = updates_.residual_sum_of_squares();
    tolerance_ = pass_tolerance(options_, null_model_rss_);

    // Unpenalized variables are fitted before the first lambda.
    const std::vector<Eigen::Index> unpenalized = unpenalized_variables(penalty_, usable_);
    SolveOutcome first;
    // A null model whose loss overflows (a poisson offset of 3750 on a row of
    // weight 1e-150) is no minimiser: the first lambda is reported as
    // overflowed, as solve_at reports every other.
    if (!std::isfinite(null_loss_))
      first.status = LambdaStatus::overflow;
    else if (!unpenalized.empty() && !null_is_saturated_)
      first = newton(0.0, unpenalized, options_.max_passes_per_lambda, false);

    const bool default_grid = grid.user_lambda.empty();
    std::vector<double> lambdas = grid.user_lambda;
    if (default_grid) {
      // Any grid is exact for a saturated null model: lambda_max is 1.
      double lambda_max = 1.0;
      if (!null_is_saturated_) {
        compute_gradients(all_usable());
        lambda_max = lambda_max_from_gradients(penalty_, usable_, state_.gradient);
      }
      lambdas = default_lambda_grid(lambda_max, grid);
      first = first_lambda_outcome(first, lambda_max, largest_lambda_max,
                                   [this](double lambda, double previous) { return solve_at(lambda, previous); });
    }
    walk_path(
        lambdas, default_grid, first, options_, monitor_, result,
        [this](double lambda, double previous) { return solve_at(lambda, previous); },
        [&](std::size_t k, const SolveOutcome& outcome) {
          return record(result, lambdas[k], outcome);
        },
        [this]() { return static_cast<int>(state_.active_set.size()); }, Datafit::stall_rule);
    return result;
  }

 private:
  ElasticNet make_penalty() const {
    const Eigen::Index p = x_.cols();
    Eigen::VectorXd lower(p), upper(p);
    for (Eigen::Index j = 0; j < p; ++j) {
      // Limits apply to original-scale coefficients b_j = beta_j / s_j.
      lower[j] = data_.lower_limit[j] * columns_.scale[j];
      upper[j] = data_.upper_limit[j] * columns_.scale[j];
    }
    return ElasticNet(options_.alpha, data_.penalty_factor, lower, upper);
  }

  std::vector<Eigen::Index> all_usable() const {
    std::vector<Eigen::Index> all;
    for (Eigen::Index j = 0; j < x_.cols(); ++j)
      if (usable_[j]) all.push_back(j);
    return all;
  }

  double loss() const { return datafit_.loss(eta_); }

  double objective(double lambda) const { return loss() + lambda * state_.penalty_total; }

  // The penalty of the active coefficients, lambda's factor in the objective.
  double active_penalty() const {
    double total = 0.0;
    for (Eigen::Index j : state_.active_set) total += penalty_.value(state_.coefficients[j], j);
    return total;
  }

  // On the caller's weight scale, as glmnet reports it.
  double deviance(double loss_value) const {
    return 2.0 * weight_total_ * std::max(loss_value - saturated_loss_, 0.0);
  }

  // The quadratic model at the current eta.
  void set_point() {
    datafit_.quadratic_model(eta_, point_weights_, weighted_residual_);
    // Exact curvature makes the steps converge quadratically; only then are
    // the model's weights (updates_.irls_weights()) always the point's.
    updates_.set_point(point_weights_, weighted_residual_,
                       Datafit::exact_curvature ? 0.0 : reusable_weight_change);
    ++point_;
  }

  // Exact gradients (of the loss, minus) at the current point, in parallel.
  // A gradient computed at this point before is not computed again: the
  // KKT check at the end of one lambda leaves the gradients of every
  // variable left out exact for the strong rule at the next.
  void compute_gradients(const std::vector<Eigen::Index>& variables) {
    if (gradient_point_.empty()) gradient_point_.assign(static_cast<std::size_t>(x_.cols()), -1);
    std::vector<Eigen::Index>& stale = stale_gradients_;
    stale.clear();
    for (Eigen::Index j : variables)
      if (gradient_point_[static_cast<std::size_t>(j)] != point_) stale.push_back(j);
    if (stale.empty()) return;
    updates_.prepare_gradient_sweep();
    parallel_for_each(options_.n_threads, stale, 256, [&](Eigen::Index j) {
      state_.gradient[j] = updates_.sweep_gradient(j);
      gradient_point_[static_cast<std::size_t>(j)] = point_;
    });
  }

  // As compute_gradients, for a screening or KKT decision that only asks
  // whether |g_j| reaches cutoff(j): a variable whose bound at this point
  // (gradient_bounds.hpp) is below its cutoff gets gradient 0 and is not
  // computed; the decisions are the same. Where the bounds settle fewer
  // than half of the variables, every one is computed and this point
  // becomes the bounds' reference.
  template <class Cutoff>
  void compute_gradients_below(const std::vector<Eigen::Index>& variables, const Cutoff& cutoff) {
    if (gradient_point_.empty()) gradient_point_.assign(static_cast<std::size_t>(x_.cols()), -1);
    std::vector<Eigen::Index>& stale = screened_;
    stale.clear();
    for (Eigen::Index j : variables)
      if (gradient_point_[static_cast<std::size_t>(j)] != point_) stale.push_back(j);
    if (stale.empty()) return;
    const bool centred = updates_.centred_at_point();
    if (bounds_.has_reference()) {
      const GradientBounds::Point here = bounds_.summarize(weighted_residual_, updates_.irls_weights(), centred);
      std::vector<Eigen::Index>& exact = screened_exact_;
      std::vector<Eigen::Index>& settled = screened_settled_;
      exact.clear();
      settled.clear();
      for (Eigen::Index j : stale) {
        if (bounds_.bound(j, here) < cutoff(j))
          settled.push_back(j);
        else
          exact.push_back(j);
      }
      if (2 * exact.size() <= stale.size()) {
        for (Eigen::Index j : settled) state_.gradient[j] = 0.0;
        compute_gradients(exact);
        return;
      }
    }
    compute_gradients(stale);
    bounds_.set_reference(weighted_residual_, updates_.irls_weights(), centred);
    for (Eigen::Index j : variables) bounds_.set_reference_gradient(j, state_.gradient[j]);
  }

  Eigen::VectorXd bound_factors(bool centred) const {
    return gradient_bound_factors(columns_.weighted_sum, columns_.scale, columns_.curvature, options_.intercept,
                                  centred);
  }

  // Strong set, Newton steps, KKT check of everything left out, repeat.
  SolveOutcome solve_at(double lambda, double previous_lambda) {
    if (null_is_saturated_) return SolveOutcome();  // the null model, in place
    // The loss overflows at the start (without an intercept, an offset of
    // 4000 gives a poisson mean of e^4000): no step can be judged against
    // it, and the start is no minimiser.
    if (!std::isfinite(objective(lambda))) {
      SolveOutcome outcome;
      outcome.status = LambdaStatus::overflow;
      return outcome;
    }
    bool started = false;
    return solve_with_screening(
        usable_, options_.max_passes_per_lambda,
        [&](Eigen::Index j) { return state_.in_active_set[j] || !penalty_.is_penalized(j); },
        [&](const std::vector<Eigen::Index>& variables, ScreeningSweep sweep) {
          if (sweep == ScreeningSweep::strong_rule)
            compute_gradients_below(variables, [&](Eigen::Index j) {
              return penalty_.strong_rule_cutoff(lambda, previous_lambda, j);
            });
          else
            compute_gradients_below(variables, [&](Eigen::Index j) { return penalty_.kkt_cutoff(lambda, j); });
        },
        [&](Eigen::Index j) {
          return std::abs(state_.gradient[j]) >= penalty_.strong_rule_cutoff(lambda, previous_lambda, j);
        },
        [&](Eigen::Index j) { return penalty_.violates_kkt_at_zero(state_.gradient[j], lambda, j); },
        [&](const std::vector<Eigen::Index>& working_set, int max_passes) {
          if (!started) {
            started = true;
            start_from_secant(lambda);
          }
          return newton(lambda, working_set, max_passes);
        });
  }

  // Moves to the secant's prediction of the solution at lambda
  // (path_secant.hpp) if that lowers the objective; else stays at the warm
  // start, exactly. The change of eta is the secant of the last two
  // solutions' linear predictors, plus the columns whose move the secant
  // stopped at zero or a limit: O(n) and a few columns, not a product of x
  // with the whole change.
  void start_from_secant(double lambda) {
    const std::vector<Eigen::Index>& active_set = state_.active_set;
    double intercept_change = 0.0, t = 0.0;
    if (!secant_.predict(lambda, active_set, state_.coefficients, penalty_, full_step_, intercept_change,
                         &stopped_change_, &t))
      return;
    const double unstopped_intercept_change = intercept_change;
    if (!options_.intercept || Datafit::shift_invariant) intercept_change = 0.0;
    const double before = objective(lambda);
    const double start_penalty = state_.penalty_total;
    const double start_intercept = intercept_;
    const Eigen::VectorXd start_eta = eta_;
    std::vector<double> start_values(active_set.size());
    for (std::size_t k = 0; k < active_set.size(); ++k) start_values[k] = state_.coefficients[active_set[k]];
    const Eigen::VectorXd* latest_eta = secant_.latest_linear_predictor();
    const Eigen::VectorXd* older_eta = secant_.older_linear_predictor();
    if (latest_eta && older_eta && eta_ == *latest_eta) {
      // eta is still that of the latest recorded solution.
      std::swap(full_step_, stopped_change_);
      compute_step_eta(active_set, intercept_change - unstopped_intercept_change);
      std::swap(full_step_, stopped_change_);
      step_eta_ += t * (*latest_eta - *older_eta);
    } else {
      compute_step_eta(active_set, intercept_change);
    }
    eta_ += step_eta_;
    intercept_ += intercept_change;
    for (std::size_t k = 0; k < active_set.size(); ++k)
      state_.coefficients[active_set[k]] = start_values[k] + full_step_[k];
    state_.penalty_total = active_penalty();
    if (objective(lambda) < before) {
      set_point();
      return;
    }
    for (std::size_t k = 0; k < active_set.size(); ++k) state_.coefficients[active_set[k]] = start_values[k];
    state_.penalty_total = start_penalty;
    intercept_ = start_intercept;
    eta_ = start_eta;
  }

  // Proximal Newton steps on the working set until the objective stops
  // decreasing by more than the tolerance; on return the quadratic model
  // is that of the final point. Without `may_skip_confirmation` the last
  // step is always one that gains within the tolerance (see below): the
  // fit of the unpenalized variables, whose gradients set lambda_max.
  SolveOutcome newton(double lambda, const std::vector<Eigen::Index>& working_set,
                      int max_passes, bool may_skip_confirmation = true) {
    SolveOutcome total;
    double current = objective(lambda);
    std::vector<double> start_values(working_set.size());
    double previous_decrease = 0.0;
    const int max_steps = Datafit::exact_curvature ? max_newton_steps : max_majorization_steps;
    AndersonHistory step_history;
    for (int step = 0; step < max_steps; ++step) {
      // The model at the current point (set_point() was called for it).
      prepare_curvatures(updates_, working_set, state_, options_.n_threads,
                         CurvatureNeed::unless_read_with_gradient);
      state_.rss = updates_.residual_sum_of_squares();
      const double start_rss = state_.rss;
      for (std::size_t k = 0; k < working_set.size(); ++k)
        start_values[k] = state_.coefficients[working_set[k]];
      const double start_penalty = state_.penalty_total;
      const double start_intercept = intercept_;
      const Eigen::VectorXd start_eta = eta_;

      CoordinateDescent<IrlsUpdates<Design>, ElasticNet> solver(updates_, penalty_, monitor_);
      // The first model at a lambda is solved well past the accuracy asked of
      // the Newton steps (at least two passes, so that the rate of
      // convergence is known); otherwise the steps converge only linearly,
      // one pass at a time. Later steps start next to the model's minimiser,
      // and one pass that changes nothing confirms it. So for a majorization
      // (cox): a second pass at every step bought nothing measurable (the
      // benchmark's cox case, 886 passes against 664, largest objective gap
      // 9e-10 against 3e-9; glmnet's is 1e-5). On the test suite's p > n
      // paths, which converge slowly, it saves or costs a few passes either
      // way (-7% and +34% on two). Its tolerance is what keeps those
      // accurate: at thresh times the objective, not a tenth, one ended
      // 1.2e-6 above the optimum.
      solver.set_minimum_passes(step == 0 ? 2 : 1);
      solver.set_threads(options_.n_threads);
      // The model's objective is about rss / 2 + lambda * penalty; its
      // tolerance follows it as the Gaussian path's does.
      const double model_size = 0.5 * state_.rss + lambda * state_.penalty_total;
      const double tolerance = std::max(
          tolerance_ * std::min(1.0, std::max(model_size, 0.0) / std::max(0.5 * null_model_rss_, 1e-300)),
          std::numeric_limits<double>::min());
      // What the model leaves unsolved is left in the objective: relative to
      // the model's size, its tolerance is the objective's, where that is
      // smaller (a poisson objective whose terms cancel).
      const double relative_tolerance =
          options_.thresh * newton_tolerance_factor() *
          std::min(1.0, std::abs(current) / std::max(model_size, 1e-300));
      SolveOutcome inner;
      {
        const auto split = updates_.split_between_threads(options_.n_threads);
        inner = solver.solve(lambda, working_set, state_, tolerance, relative_tolerance,
                             max_passes - total.n_passes);
      }
      total.n_passes += inner.n_passes;
      // What the model expects this step to gain (its objective, as the
      // solver keeps it, at the start less at its minimiser).
      const double model_decrease =
          0.5 * (start_rss - state_.rss) + lambda * (start_penalty - state_.penalty_total);
      // A loss that ignores constant shifts of eta (Cox) has no intercept: the
      // profiled one only absorbs the centring of the columns, a constant
      // that changes nothing there and is left out of eta. Its value is the
      // rounding of a zero score over the IRLS weights' total, which can be
      // huge (5.6e267 once), and would wipe out eta's digits.
      const double intercept_change = Datafit::shift_invariant ? 0.0 : updates_.intercept_change();
      if (!step_is_finite(working_set, intercept_change)) {
        // Curvatures or gradients beyond the largest double: no step can be
        // taken, and the start point is returned as it was.
        for (std::size_t k = 0; k < working_set.size(); ++k)
          state_.coefficients[working_set[k]] = start_values[k];
        state_.penalty_total = start_penalty;
        eta_ = start_eta;
        intercept_ = start_intercept;
        set_point();
        total.status = LambdaStatus::overflow;
        return total;
      }

      // Move along the Newton direction, halving the step until the
      // objective does not increase. Where the model's curvature is far
      // below the loss's (an exponential mean on a large column) the step
      // overshoots by many orders of magnitude and the objective overflows:
      // those halvings do not count, as each brings the step back towards a
      // finite one.
      double fraction = 1.0;
      double candidate = 0.0;
      bool no_descent = false;
      for (int halving = 0, overflowed = 0;; ++halving) {
        apply_step(working_set, start_values, start_eta, start_intercept, intercept_change, fraction);
        candidate = objective(lambda);
        if (std::isfinite(candidate) && candidate <= current + 1e-15 * std::abs(current)) break;
        if (!std::isfinite(candidate) && overflowed < max_overflow_halvings) {
          ++overflowed;
          --halving;
        } else if (halving == max_halvings) {
          // No descent along this direction: keep the start point.
          apply_step(working_set, start_values, start_eta, start_intercept, intercept_change, 0.0);
          state_.penalty_total = start_penalty;
          candidate = current;
          no_descent = true;
          break;
        }
        fraction *= 0.5;
      }
      // What a confirming step could gain (see below), from the weights
      // of the model just solved, before set_point() replaces them.
      double next_gain_bound = HUGE_VAL;
      if constexpr (Datafit::exact_curvature) {
        if (fraction == 1.0 && !no_descent)
          next_gain_bound = datafit_.next_step_gain_bound(updates_.irls_weights(), step_eta_);
      }
      set_point();
      const double decrease = current - candidate;
      current = candidate;
      if (inner.status != LambdaStatus::converged) {
        total.status = inner.status;
        return total;
      }
      const double tolerance_here =
          options_.thresh * newton_tolerance_factor() * std::max(std::abs(current), 1e-300);
      // A direction along which nothing is gained although the model
      // promised more than the tolerance is not a minimum but a model that
      // misjudges the loss (its gradients lost to rounding): the point is
      // kept and reported as not converged. The model's promise is measured
      // by its residual, which can lose every digit of it (a cox row whose
      // curvature is 1e-74 against a score of 1e-8 puts that residual at
      // 1e57), so the best single coordinate's gain is asked as well. A step
      // cut short that gains no more than the tolerance proves no more: a
      // poisson row with y = 3 and a mean near 1e-148 asks for a step of
      // about 1e148 in its eta, halved to 5e-20 of it, and the point was
      // taken for a minimum with a (standardized) score of 3. So does a step
      // whose model had no curvature along a coordinate it falls along
      // (poisson means that underflow on the rows a column tells apart). A
      // model that is not even finite (a cox model after coefficients of
      // 1e21) promises nothing either way: written so that NaN counts as a
      // promise.
      // Gains below the rounding of the objective's evaluation cannot be
      // told apart: a poisson objective whose terms (about 10) cancel to
      // 0.004 rounds at 1e-15, far above 1e-14 times itself.
      const bool cut_short = no_descent || fraction < 1.0 || inner.flat_descent;
      const double stall_tolerance =
          cut_short ? std::max(tolerance_here, objective_rounding * std::numeric_limits<double>::epsilon() *
                                                   datafit_.loss_scale(eta_))
                    : tolerance_here;
      const bool stalled =
          no_descent || ((fraction < 1.0 || inner.flat_descent) && decrease <= stall_tolerance);
      if (stalled && (!(model_decrease <= stall_tolerance) ||
                      !(largest_coordinate_gain(lambda, working_set) <= stalled_gain_factor * stall_tolerance))) {
        total.status = LambdaStatus::max_passes_reached;
        return total;
      }
      // A stall whose model promised only rounding: nothing measurable is left.
      if (stalled && !(model_decrease <= tolerance_here)) return total;
      // A step that gains within the tolerance while its model still
      // promised more overshot (a cox full step that lands where it started,
      // its halving gaining the 1.6e-11 promised): step again.
      const bool model_settled = model_decrease <= tolerance_here;
      if constexpr (Datafit::exact_curvature) {
        if (decrease <= tolerance_here && model_settled) return total;
        // The next step's gain is bounded without taking it
        // (SeparableDatafit::next_step_gain_bound), besides what the inner
        // solver left (below the tolerance). At a tenth of the tolerance the
        // confirming step is not taken. On the binomial benchmark's sparse
        // path such steps (deep in it a pass over some 13,000 columns and
        // their curvatures) were taken at 9 of the 100 lambdas, against 82
        // with a bound from the largest move of eta alone.
        if (may_skip_confirmation && !cut_short && next_gain_bound <= 0.1 * tolerance_here) return total;
      } else if (decrease <= tolerance_here && model_settled && step > 0) {
        // With the diagonal of the Hessian the steps converge only linearly,
        // at a rate estimated from the last two decreases; what remains to be
        // gained is about decrease * rate / (1 - rate).
        const double rate = std::min(decrease / std::max(previous_decrease, 1e-300), 0.999);
        if (decrease * rate / (1.0 - rate) <= tolerance_here) return total;
      }
      previous_decrease = decrease;
      if constexpr (!Datafit::exact_curvature) {
        // The decreases before a jump say nothing of the rate after it.
        if (extrapolate_steps(lambda, working_set, step_history, current)) previous_decrease = 0.0;
      }
    }
    total.status = LambdaStatus::max_passes_reached;
    return total;
  }

  // Majorization steps (cox) converge linearly, and on a wide, nearly
  // saturated fit slowly: testthat's sparse cox path (n = 80, p = 200) took
  // 8,652 steps of one pass each at its 81st lambda, at a rate of 0.9998 per
  // step. Their iterates are Anderson-extrapolated as the coordinate
  // solver's passes are; eta, affine in the coefficients, is combined with
  // the same weights. The extrapolated point is kept (and `current` set to
  // its objective) only where it lowers the objective, keeps every zero at
  // zero and no penalized coefficient changes sign: there the objective is
  // smooth and the steps a linear iteration.
  bool extrapolate_steps(double lambda, const std::vector<Eigen::Index>& working_set,
                         AndersonHistory& history, double& current) {
    Eigen::VectorXd iterate(static_cast<Eigen::Index>(working_set.size()));
    for (std::size_t k = 0; k < working_set.size(); ++k)
      iterate[static_cast<Eigen::Index>(k)] = state_.coefficients[working_set[k]];
    if (!history.record(iterate, eta_)) return false;
    history.clear();
    Eigen::VectorXd target, target_eta;
    if (!history.combination(target, target_eta)) return false;
    for (std::size_t k = 0; k < working_set.size(); ++k) {
      const Eigen::Index j = working_set[k];
      const double now = iterate[static_cast<Eigen::Index>(k)], then = target[static_cast<Eigen::Index>(k)];
      if ((now == 0.0) != (then == 0.0) || (penalty_.is_penalized(j) && now * then < 0.0) ||
          !penalty_.within_limits(then, j))
        return false;
    }
    const Eigen::VectorXd start_eta = eta_;
    const double start_penalty = state_.penalty_total;
    for (std::size_t k = 0; k < working_set.size(); ++k)
      state_.coefficients[working_set[k]] = target[static_cast<Eigen::Index>(k)];
    state_.penalty_total = active_penalty();
    eta_ = target_eta;
    const double candidate = objective(lambda);
    if (candidate < current) {
      current = candidate;
      set_point();
      return true;
    }
    for (std::size_t k = 0; k < working_set.size(); ++k)
      state_.coefficients[working_set[k]] = iterate[static_cast<Eigen::Index>(k)];
    state_.penalty_total = start_penalty;
    eta_ = start_eta;
    return false;
  }

  // The largest of ElasticNet::coordinate_gain_bound over the working set,
  // from the model at the current point.
  double largest_coordinate_gain(double lambda, const std::vector<Eigen::Index>& working_set) {
    double largest = 0.0;
    for (Eigen::Index j : working_set) {
      // The gradient first: the curvature refreshes what it caches.
      const double g = updates_.gradient(j);
      const double curvature = updates_.curvature(j);
      largest = std::max(largest, penalty_.coordinate_gain_bound(g, curvature, state_.coefficients[j], lambda, j));
    }
    return largest;
  }

  bool step_is_finite(const std::vector<Eigen::Index>& working_set, double intercept_change) const {
    if (!std::isfinite(intercept_change)) return false;
    for (Eigen::Index j : working_set)
      if (!std::isfinite(state_.coefficients[j])) return false;
    return true;
  }

  // Coefficients at start + fraction * (solver's result - start), with eta,
  // the intercept and the penalty total to match. The solver's result is
  // read from state_ the first time and remembered.
  void apply_step(const std::vector<Eigen::Index>& working_set,
                  const std::vector<double>& start_values, const Eigen::VectorXd& start_eta,
                  double start_intercept, double intercept_change, double fraction) {
    if (fraction == 1.0) {
      full_step_.resize(working_set.size());
      for (std::size_t k = 0; k < working_set.size(); ++k)
        full_step_[k] = state_.coefficients[working_set[k]] - start_values[k];
      // X d read off the model's residual in O(n) where it can be.
      collect_step_moves(working_set);
      if (updates_.fitted_change_of(step_moves_, step_eta_))
        step_eta_.array() += intercept_change;
      else
        step_eta_from_columns(intercept_change);
    }
    eta_ = start_eta + fraction * step_eta_;
    intercept_ = start_intercept + fraction * intercept_change;
    for (std::size_t k = 0; k < working_set.size(); ++k)
      state_.coefficients[working_set[k]] = start_values[k] + fraction * full_step_[k];
    state_.penalty_total = active_penalty();
  }

  // The change of eta over a full step (full_step_ on the working set),
  // intercept_change + X d, computed once per step (the line search only
  // rescales it).
  void compute_step_eta(const std::vector<Eigen::Index>& working_set, double intercept_change) {
    collect_step_moves(working_set);
    step_eta_from_columns(intercept_change);
  }

  void collect_step_moves(const std::vector<Eigen::Index>& working_set) {
    step_moves_.collect(x_, working_set, [&](std::size_t k) { return full_step_[k]; });
  }

  // intercept_change + X d from the columns of step_moves_, in parallel over
  // blocks of rows: each row sums over the variables in the same order
  // whatever the blocks, so the result does not depend on the number of
  // threads. Dense blocks are sized to stay in cache; a sparse column is
  // searched for each block's first row, so sparse x gets one block per
  // thread.
  void step_eta_from_columns(double intercept_change) {
    const std::vector<Eigen::Index>& moved = step_moves_.columns;
    const std::vector<double>& raw_steps = step_moves_.raw_steps;
    const Eigen::Index n = x_.rows();
    step_eta_.setConstant(n, intercept_change);
    const int n_threads = std::max(options_.n_threads, 1);
    const Eigen::Index block = std::is_same<Design, DenseDesign>::value
                                   ? Eigen::Index{4096}
                                   : std::max<Eigen::Index>((n + n_threads - 1) / n_threads, 1);
    parallel_for_chunks(n_threads, (n + block - 1) / block, [&](Eigen::Index c) {
      const Eigen::Index begin = c * block, end = std::min(n, begin + block);
      for (std::size_t k = 0; k < moved.size(); ++k)
        x_.raw_axpy_rows(moved[k], raw_steps[k], step_eta_, begin, end);
    });
  }

  // Appends the current solution on the original scale; returns its deviance ratio.
  double record(PathResult& result, double lambda, const SolveOutcome& outcome) {
    const double intercept = Datafit::shift_invariant ? 0.0 : intercept_;
    int df = 0;
    std::vector<Eigen::Index> nonzero;
    for (Eigen::Index j : state_.active_set)
      if (state_.coefficients[j] != 0.0) nonzero.push_back(j);
    std::sort(nonzero.begin(), nonzero.end());
    for (Eigen::Index j : nonzero) {
      // A coefficient that underflows on the original scale (a column
      // spread of 1e100 under ridge at lambda 1e150) is 0 there.
      const double beta = within_caller_limits(data_, state_.coefficients[j] / columns_.scale[j], j);
      if (beta == 0.0) continue;
      result.beta_row.push_back(static_cast<int>(j));
      result.beta_value.push_back(beta);
      ++df;
    }
    result.beta_col_start.push_back(static_cast<int>(result.beta_row.size()));
    // A converged solution does no worse than the null model; a loss a
    // rounding error above the null loss (a Cox eta shifted by a constant,
    // which changes nothing) is reported as none explained, as is any loss
    // when the null model's own overflows (its lambdas are all "overflow").
    const double null_deviance = result.null_deviance;
    const double dev_ratio =
        null_deviance > 0.0 && std::isfinite(null_deviance) ? std::max(1.0 - deviance(loss()) / null_deviance, 0.0) : 0.0;
    result.lambda.push_back(lambda);
    result.intercept.push_back(intercept);
    result.df.push_back(df);
    result.dev_ratio.push_back(dev_ratio);
    result.n_passes.push_back(outcome.n_passes);
    result.status.push_back(outcome.status);
    secant_.record(lambda, state_.active_set, state_.coefficients, intercept_,
                   outcome.status == LambdaStatus::converged, &eta_);
    return dev_ratio;
  }

  static constexpr int max_newton_steps = 100;
  // Steps with an inexact curvature (the diagonal of a non-diagonal Hessian)
  // majorize rather than approximate the loss and may need many more.
  static constexpr int max_majorization_steps = 10000;
  static constexpr int max_halvings = 30;
  // Two evaluations of the loss differ by rounding of up to about this many
  // unit roundoffs of its terms' magnitudes.
  static constexpr double objective_rounding = 8.0;
  // Enough to bring any finite step down to 0: 2^-1100 is below the smallest double.
  static constexpr int max_overflow_halvings = 1100;
  // Majorization steps (the diagonal of the Hessian, Cox) converge linearly
  // and stop once what is left to gain is below the tolerance, which can
  // leave a coefficient of 5e-6 where the solution has 0: a variable about
  // to enter, whose gradient a start beyond the solution pushes past
  // lambda. From 90% of the secant's step the path's supports matched the
  // exact ones (glmnet at thresh 1e-14) as often as from the plain warm
  // start, with 40% fewer passes on the benchmark's cox case; from the
  // whole step two of the test suite's cox paths took a variable in one
  // lambda early.
  static constexpr double secant_step_fraction() { return Datafit::exact_curvature ? 1.0 : 0.9; }

  // Newton steps stop once a step gains less than thresh times this times
  // the objective: they converge quadratically, so the next would gain far
  // less. Majorization steps converge linearly and stop ten times earlier,
  // with the remaining gain extrapolated.
  static constexpr double newton_tolerance_factor() {
    return Datafit::exact_curvature ? 1.0 : 0.1;
  }

  Design& x_;
  const ProblemData& data_;
  const FitOptions& options_;
  Monitor& monitor_;
  Datafit datafit_;
  double weight_total_;
  Eigen::VectorXd weights_;  // normalised to sum to 1
  ColumnSummary columns_;
  ElasticNet penalty_;
  IrlsUpdates<Design> updates_;
  CoordinateState state_;
  std::vector<char> usable_;
  Eigen::VectorXd eta_;
  double intercept_ = 0.0;  // b0: eta = offset + b0 + sum_j beta_j x_j / s_j
  double null_loss_ = 0.0;
  double saturated_loss_ = 0.0;
  bool null_is_saturated_ = false;
  double null_model_rss_ = 0.0;
  double tolerance_ = 0.0;
  std::vector<double> full_step_;
  Eigen::VectorXd step_eta_;
  ColumnMoves step_moves_;  // of the full step, for step_eta_
  PathSecant secant_{true, secant_step_fraction()};
  // The parts of the secant's moves that stopped at zero or a limit.
  std::vector<double> stopped_change_;
  // The quadratic model's point, counted; gradient_point_[j] is the point at
  // which state_.gradient[j] was last computed exactly (coordinate descent
  // overwrites it with the model's gradient, which is not).
  long point_ = 0;
  std::vector<long> gradient_point_;
  // The IRLS weights at the current point (the model may keep earlier
  // ones) and the weighted residual.
  Eigen::VectorXd point_weights_, weighted_residual_;
  // Bounds on the gradients left out of the working set.
  GradientBounds bounds_;
  // Lists of variables made at every screening sweep, kept so that their
  // memory is reused: freshly allocated, each page of them was a page fault
  // (with the lists reserved in solve_with_screening, a standalone run of
  // the binomial benchmark's sparse fit went from about 38,000 faults to
  // 13,000, at several microseconds each on this virtual machine).
  std::vector<Eigen::Index> stale_gradients_, screened_, screened_exact_, screened_settled_;
};

// The path of a GLM family of datafit_glm.hpp (Binomial, Poisson).
template <class Family, class Design>
PathResult fit_glm_path(Design& x, const ProblemData& data, const FitOptions& options,
                        const LambdaGrid& grid, Monitor& monitor) {
  return GlmPath<Design, SeparableDatafit<Family>>(
             x, data, SeparableDatafit<Family>(data.y, data.weights), options, monitor)
      .run(grid);
}

// The path of the Cox model; data.y is not used, the response is `survival`.
template <class Design>
PathResult fit_cox_path(Design& x, const ProblemData& data, const SurvivalData& survival,
                        const FitOptions& options, const LambdaGrid& grid, Monitor& monitor) {
  return GlmPath<Design, Cox>(x, data, Cox(survival, data.weights), options, monitor).run(grid);
}

}  // namespace glmsparse
