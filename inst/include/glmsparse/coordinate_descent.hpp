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
#include <tuple>
#include <vector>
#include <cstdlib>
#include <type_traits>
#include <limits>
#include <stdexcept>
#include <utility>

#include <Eigen/Dense>

#include "monitor.hpp"
#include "options.hpp"
#include "parallel.hpp"
#include "support_newton.hpp"

namespace glmsparse {

struct CoordinateState {
  Eigen::VectorXd coefficients;     // standardized scale
  Eigen::VectorXd curvature;        // v_j = sum_i w_i x~_ij^2; NaN: not yet computed (below)
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

// A curvature left for the solver to compute when the coordinate first
// moves (Updates with curvature(j), such as IrlsUpdates): most coordinates
// at zero stay there, and whether one does depends on its gradient alone.
inline constexpr double curvature_not_computed = std::numeric_limits<double>::quiet_NaN();

// Which curvatures prepare_curvatures() computes before a solve.
enum class CurvatureNeed {
  every_one,                // the block updates of grouped fits read them all
  unless_read_with_gradient,
  nonzero_unless_read_with_gradient,
};

// The curvatures of `variables` at a new point of a model whose updates
// compute them (IrlsUpdates), before a solve there: those `need` asks for
// now, in parallel; the others left to the coordinate updates
// (curvature_not_computed). Where the updates read a curvature with the
// gradient from one read of the column (dense columns not split by rows)
// they are left to them: on the cox benchmark computing them apart was a
// sixth of the fit. The classes of an ungrouped multinomial fit leave their
// coefficients at zero, most of which stay there, to them as well. A GLM
// fit does not: the curvature also sets the column's IRLS-weighted sum the
// gradients are centred by, and the gradient's own reading of it rounds
// differently; on a column whose mean is 1e80 times its spread that took
// a path from converging in 5124 passes to not converging in 100000.
template <class Updates>
void prepare_curvatures(Updates& updates, const std::vector<Eigen::Index>& variables, CoordinateState& state,
                        int n_threads, CurvatureNeed need) {
  const bool left_to_updates = need != CurvatureNeed::every_one && updates.fuses_curvature();
  const bool zeros_left = need == CurvatureNeed::nonzero_unless_read_with_gradient;
  parallel_for_each(n_threads, variables, 64, [&](Eigen::Index j) {
    const bool now = !left_to_updates && !(zeros_left && state.coefficients[j] == 0.0);
    state.curvature[j] = now ? updates.curvature(j) : curvature_not_computed;
  });
}

struct SolveOutcome {
  int n_passes = 0;
  LambdaStatus status = LambdaStatus::converged;
  // The final pass met a coordinate along which the model falls without
  // curvature: it has no minimiser there, and the coordinate did not move.
  bool flat_descent = false;
};

// Objective decreases of the last two passes of a coordinate solver, to
// judge convergence by the objective still to be gained, extrapolated
// assuming linear convergence.
struct ProgressEstimate {
  double last_decrease = 0.0;
  double previous_decrease = 0.0;
  int n_recorded = 0;
  int minimum_passes = 0;
  // Whether one pass that moves no coordinate by more than the change
  // tolerance settles the solve by itself, however much it gained. Only
  // for solvers whose callers judge convergence by the objective again.
  bool single_pass_settles = false;
  // The largest rate of convergence per pass that settled() assumes.
  static constexpr double max_rate = 0.99999;
  // The rate of the passes before an extrapolation, and their last
  // decrease (restart_after_extrapolation()); the rate is assumed until
  // the next restart where the decreases since show a faster one, and is
  // 0 when there is none.
  double carried_rate = 0.0;
  double decrease_before_jump = 0.0;

  // Forgets the decreases recorded so far, after the iterate jumped (a
  // solve on the support); the settings stay.
  void restart(int minimum) {
    carried_rate = 0.0;
    last_decrease = previous_decrease = 0.0;
    n_recorded = 0;
    minimum_passes = minimum;
  }

  // As restart(), after an extrapolation of the passes: the passes that
  // follow are the same iteration, so their rate is taken to be at least
  // the one before the jump, and one pass after it can settle the solve if
  // it gained no more than that rate predicts. Without a rate from before
  // the jump three passes are made first: the decreases right after a
  // jump are not yet geometric. On the binomial benchmark's sparse path
  // this took 551 passes against 605 (three after every jump), at the same
  // accuracy.
  void restart_after_extrapolation() {
    const bool known = n_recorded >= 2 && last_decrease > 0.0 && previous_decrease > 0.0;
    const double rate = known ? std::min(last_decrease / previous_decrease, max_rate) : 0.0;
    const double before_jump = last_decrease;
    restart(known ? 1 : 3);
    carried_rate = rate;
    decrease_before_jump = before_jump;
  }

  void record(double decrease) {
    previous_decrease = last_decrease;
    last_decrease = decrease;
    ++n_recorded;
  }
  bool settled(double relative_tolerance, double objective) const {
    if (last_decrease <= 0.0) return true;
    // Right after an extrapolation the decreases are not yet geometric.
    if (n_recorded < minimum_passes) return false;
    // One pass alone gives no rate: what it gained is taken as what is left
    // (a poisson pass that moved two identical columns against each other,
    // under a change tolerance scaled by a model rss of 1e24, had gained 13
    // where 8e-4 was asked, and the Newton steps took the model as solved).
    if (n_recorded < 2 && carried_rate > 0.0) {
      if (!(last_decrease <= carried_rate * decrease_before_jump)) return false;  // not yet back to the rate
      return last_decrease * carried_rate / (1.0 - carried_rate) <= relative_tolerance * std::max(objective, 0.0);
    }
    if (n_recorded < 2 && !single_pass_settles) return last_decrease <= relative_tolerance * std::max(objective, 0.0);
    double rate = previous_decrease > 0.0 ? last_decrease / previous_decrease : 0.0;
    rate = std::max(rate, carried_rate);
    // Nearly collinear columns can converge at 0.9999 per pass: a cap of
    // 0.999 took what was left for a tenth of what it was, and a gaussian
    // fit at thresh 1e-10 stopped 5e-7 (relative) short. Decreases that
    // grow count as converging at the largest rate.
    rate = std::min(rate, max_rate);
    const double remaining = last_decrease * rate / (1.0 - rate);
    return remaining <= relative_tolerance * std::max(objective, 0.0);
  }
};

// The last `depth + 1` iterates of a linearly converging iteration, for
// Anderson extrapolation: the combination of the iterates whose combined
// successive differences are smallest.
class AndersonHistory {
 public:
  static constexpr int depth = 5;

  // Stores an iterate; true when enough are stored to extrapolate. An
  // iterate of another size than the stored ones starts a new history.
  bool record(const Eigen::VectorXd& iterate) {
    const Eigen::Index size = iterate.size();
    if (size == 0) return false;  // nothing to extrapolate
    if (size != iterates_.rows() || iterates_.cols() != depth + 1) {
      iterates_.resize(size, depth + 1);
      count_ = 0;
    }
    iterates_.col(count_) = iterate;
    return ++count_ == depth + 1;
  }
  // With a companion: a quantity affine in the iterate (eta = offset + X b),
  // kept beside it and combined with the same weights, so that the
  // extrapolated point's costs no product with X.
  bool record(const Eigen::VectorXd& iterate, const Eigen::VectorXd& companion) {
    if (iterate.size() == 0) return false;
    if (companion.size() != companions_.rows() || iterate.size() != iterates_.rows()) {
      companions_.resize(companion.size(), depth + 1);
      count_ = 0;
    }
    companions_.col(count_) = companion;
    return record(iterate);
  }
  // The coefficients b_j, j in active_set, as an iterate.
  bool record(const std::vector<Eigen::Index>& active_set, const Eigen::VectorXd& b) {
    Eigen::VectorXd iterate(static_cast<Eigen::Index>(active_set.size()));
    for (std::size_t k = 0; k < active_set.size(); ++k)
      iterate[static_cast<Eigen::Index>(k)] = b[active_set[k]];
    return record(iterate);
  }
  void clear() { count_ = 0; }

  // sum_i c_i b^(i) with weights c (summing to 1) minimising the norm of the
  // combined successive differences; false if that system is degenerate.
  bool combination(Eigen::VectorXd& extrapolated) const {
    Eigen::VectorXd weights;
    if (!combination_weights(weights)) return false;
    extrapolated = iterates_.rightCols(depth) * weights;
    return extrapolated.allFinite();
  }
  // The same, and the companions combined with the same weights.
  bool combination(Eigen::VectorXd& extrapolated, Eigen::VectorXd& companion) const {
    Eigen::VectorXd weights;
    if (!combination_weights(weights)) return false;
    extrapolated = iterates_.rightCols(depth) * weights;
    companion = companions_.rightCols(depth) * weights;
    return extrapolated.allFinite() && companion.allFinite();
  }

 private:
  bool combination_weights(Eigen::VectorXd& weights) const {
    const Eigen::MatrixXd differences = iterates_.rightCols(depth) - iterates_.leftCols(depth);
    const Eigen::MatrixXd normal = differences.transpose() * differences;
    const Eigen::VectorXd z = normal.ldlt().solve(Eigen::VectorXd::Ones(depth));
    const double total = z.sum();
    if (!z.allFinite() || !(std::abs(total) > 0.0)) return false;
    weights = z / total;
    return true;
  }

  Eigen::MatrixXd iterates_;
  Eigen::MatrixXd companions_;
  int count_ = 0;
};

// Whether Updates can report sum_i w_i r_i^2 from its residual (working_rss()).
template <class Updates, class = void>
struct has_working_rss : std::false_type {};
template <class Updates>
struct has_working_rss<Updates, std::void_t<decltype(std::declval<const Updates&>().working_rss())>>
    : std::true_type {};

// Whether Updates can compute a curvature with the gradient, reading the
// column once (gradient_and_curvature(j), where fuses_curvature()).
template <class Updates, class = void>
struct has_fused_curvature : std::false_type {};
template <class Updates>
struct has_fused_curvature<Updates, std::void_t<decltype(std::declval<const Updates&>().fuses_curvature())>>
    : std::true_type {};

// Whether Updates can say when passes run faster in column order
// (reads_faster_in_column_order(n)); without it the order does not matter.
template <class Updates, class = void>
struct has_column_order_preference : std::false_type {};
template <class Updates>
struct has_column_order_preference<
    Updates, std::void_t<decltype(std::declval<const Updates&>().reads_faster_in_column_order(std::size_t{}))>>
    : std::true_type {};

// Whether Updates computes curvatures itself (curvature(j)).
template <class Updates, class = void>
struct has_curvature : std::false_type {};
template <class Updates>
struct has_curvature<Updates, std::void_t<decltype(std::declval<Updates&>().curvature(Eigen::Index{}))>>
    : std::true_type {};

// Whether Updates can compute many gradients at once (gradients()).
template <class Updates, class = void>
struct has_batch_gradients : std::false_type {};
template <class Updates>
struct has_batch_gradients<Updates, std::void_t<decltype(std::declval<const Updates&>().gradients(
                                        std::declval<const std::vector<Eigen::Index>&>(),
                                        std::declval<Eigen::VectorXd&>()))>> : std::true_type {};

// Whether Updates can evaluate a move of many coordinates before making it
// (trial_move_rss(), make_trial_move()).
template <class Updates, class = void>
struct has_trial_moves : std::false_type {};
template <class Updates>
struct has_trial_moves<Updates, std::void_t<decltype(std::declval<Updates&>().trial_move_rss(
                                    std::declval<const std::vector<Eigen::Index>&>(),
                                    std::declval<const Eigen::VectorXd&>(), int{}))>> : std::true_type {};

template <class Updates, class Penalty>
class CoordinateDescent {
 public:
  // `support_factor`, when given, enables exact solves on the support once
  // coordinate descent is slow to converge (see support_newton.hpp).
  CoordinateDescent(Updates& updates, const Penalty& penalty, Monitor& monitor,
                    SupportFactor* support_factor = nullptr)
      : updates_(updates), penalty_(penalty), monitor_(monitor), support_factor_(support_factor) {}

  // Converged when a full pass moves no coefficient by more than
  // `tolerance` (glmnet's criterion) and, in addition, the objective still to
  // be gained, extrapolated from the last two passes' decreases assuming
  // linear convergence, is below `relative_tolerance` times the objective.
  // The second test keeps ill-conditioned (p > n) problems from stopping early.
  // At least this many passes before the objective's progress can count as
  // settled: one pass alone gives no convergence rate to extrapolate from.
  void set_minimum_passes(int passes) { minimum_passes_ = passes; }
  void set_single_pass_settles(bool settles) { single_pass_settles_ = settles; }
  // Threads for the work that is split between them (trial moves).
  void set_threads(int n_threads) { n_threads_ = n_threads; }

  SolveOutcome solve(double lambda, const std::vector<Eigen::Index>& working_set,
                     CoordinateState& state, double tolerance, double relative_tolerance,
                     int max_passes, bool first_pass_made = false) {
    // A support solve before the loop would come after a pass the caller made.
    if (first_pass_made && support_factor_ != nullptr)
      throw std::logic_error("CoordinateDescent::solve: a first pass made by the caller with a support factor");
    SolveOutcome outcome;
    int next_bound_check = passes_before_certified_stop;
    ProgressEstimate progress;
    progress.minimum_passes = minimum_passes_;
    progress.single_pass_settles = single_pass_settles_;
    // Anderson extrapolation of the active coefficients over successive
    // passes speeds up slow (ill-conditioned) convergence; its history
    // restarts whenever the active set grows.
    AndersonHistory history;
    auto count_pass = [&]() {
      if (++outcome.n_passes % 16 == 0) monitor_.check_interrupt();
    };
    // Once the support has stopped changing, an exact solve on it usually
    // finishes the job; coordinate descent then only has to confirm it.
    bool support_solve_failed = false;
    const double pass_cost = static_cast<double>(working_set.size()) * updates_.coordinate_cost();
    auto support_solve_is_worth_it = [&]() {
      // Spend on a solve no more than the passes at this lambda have cost
      // so far.
      return support_factor_ != nullptr && !support_solve_failed &&
             outcome.n_passes * pass_cost >= support_solve_cost(lambda, state);
    };
    // What the passes have gained since the last solve on the support moved
    // the coefficients to its minimiser; infinite once the support has
    // changed since, or before any such solve.
    double gain_since_support_solve = HUGE_VAL;
    auto note_support_solve = [&](SupportStep step) {
      if (step == SupportStep::moved) gain_since_support_solve = 0.0;
    };
    auto note_pass = [&]() {
      if (support_changes_ > 0)
        gain_since_support_solve = HUGE_VAL;
      else
        gain_since_support_solve += std::max(progress.last_decrease, 0.0);
    };
    // True when a final solve on the support gained more than the tolerance.
    // None is made when the passes since the last one gained only rounding
    // error: the coefficients are still at the support's minimiser.
    auto polish = [&]() {
      if (!support_solve_is_worth_it()) return false;
      if (gain_since_support_solve <=
          negligible_gain * relative_tolerance * std::max(model_objective(lambda, state), 0.0))
        return false;
      const double before = model_objective(lambda, state);
      const SupportStep step = solve_on_support(lambda, state);
      note_support_solve(step);
      if (step == SupportStep::failed) support_solve_failed = true;
      if (step != SupportStep::moved) return false;
      const double after = model_objective(lambda, state);
      return before - after > relative_tolerance * std::max(after, 0.0);
    };
    auto maybe_solve_on_support = [&]() {
      if (outcome.n_passes < passes_before_support_solve ||
          support_changes_ > support_changes_tolerated || !support_solve_is_worth_it())
        return;
      count_pass();
      const SupportStep step = solve_on_support(lambda, state);
      if (step == SupportStep::failed) {
        support_solve_failed = true;
        return;
      }
      if (step == SupportStep::no_gain) return;
      note_support_solve(step);
      progress.restart(0);
      history.clear();
    };
    auto maybe_extrapolate = [&]() {
      if (!history.record(state.active_set, state.coefficients)) return;
      count_pass();
      if (extrapolate(lambda, history, state)) {
        gain_since_support_solve = HUGE_VAL;
        progress.restart_after_extrapolation();
      }
      history.clear();
    };
    // Between neighbouring lambdas the support and signs mostly persist, and
    // the solution then moves linearly with lambda on that support: an exact
    // solve there, reusing the factor the previous lambda left, replaces the
    // passes that would follow that move coordinate by coordinate. It is
    // done when it costs no more than one pass.
    if (support_factor_ != nullptr && support_factor_->size() > 0 && !state.active_set.empty() &&
        support_solve_cost(lambda, state) <= pass_cost) {
      count_pass();
      const SupportStep step = solve_on_support(lambda, state);
      if (step == SupportStep::failed) support_solve_failed = true;
      note_support_solve(step);
      // One pass after a jump gives no convergence rate to judge by.
      if (step == SupportStep::moved) progress.minimum_passes = std::max(minimum_passes_, 2);
    }
    while (true) {
      // The first pass over the working set may have been made by the
      // caller, in segments (begin_pass()).
      const double change = first_pass_made ? end_pass(progress) : pass(lambda, working_set, state, progress);
      first_pass_made = false;
      note_pass();
      count_pass();
      if (change < tolerance && progress.settled(relative_tolerance, model_objective(lambda, state))) {
        // A last solve on the support removes what slow convergence left;
        // if it gains more than the tolerance, the passes resume from there.
        if (!polish()) {
          // A solve that took this long converges slowly, and the rate read
          // off two decreases can miss a far slower mode: it ends only where
          // a bound on what is left agrees (where the penalty gives one),
          // checked every quarter more passes.
          const bool needs_bound = outcome.n_passes >= passes_before_certified_stop;
          const bool bound_due = outcome.n_passes >= next_bound_check;
          if (!needs_bound || (bound_due && remaining_bound(lambda, working_set, state) <=
                                                relative_tolerance * std::max(model_objective(lambda, state), 0.0))) {
            outcome.flat_descent = flat_descent_in_pass_;
            return outcome;
          }
          if (bound_due) next_bound_check = outcome.n_passes + outcome.n_passes / 4;
        } else {
          count_pass();
          // Polishing solves that keep gaining (slow, ill-conditioned
          // convergence) are bounded by the same pass budget as the passes.
          if (outcome.n_passes >= max_passes) break;
          progress.restart(0);
          history.clear();
          continue;
        }
      }
      if (outcome.n_passes >= max_passes) break;
      maybe_solve_on_support();
      maybe_extrapolate();
      // The active set, in the order the variables entered, unless the
      // passes over it read the columns faster in memory order. It cannot
      // grow during these passes.
      std::vector<Eigen::Index> active_in_column_order;
      if constexpr (has_column_order_preference<Updates>::value) {
        if (updates_.reads_faster_in_column_order(state.active_set.size())) {
          active_in_column_order = state.active_set;
          std::sort(active_in_column_order.begin(), active_in_column_order.end());
        }
      }
      const std::vector<Eigen::Index>& active_order =
          active_in_column_order.empty() ? state.active_set : active_in_column_order;
      while (true) {
        const double active_change = pass(lambda, active_order, state, progress);
        note_pass();
        count_pass();
        if (outcome.n_passes >= max_passes) break;
        if (active_change < tolerance && progress.settled(relative_tolerance, model_objective(lambda, state))) break;
        maybe_solve_on_support();
        maybe_extrapolate();
      }
      if (outcome.n_passes >= max_passes) break;
    }
    outcome.status = LambdaStatus::max_passes_reached;
    return outcome;
  }

 private:
  // Solves on the support start after this many passes at a lambda, once a
  // pass changes at most this many coefficients from or to zero.
  static constexpr int passes_before_support_solve = 2;
  static constexpr int support_changes_tolerated = 3;
  static constexpr int max_support_segments = 200;
  // A solve still running after this many passes stops only where
  // remaining_bound() agrees that it has converged.
  static constexpr int passes_before_certified_stop = 1000;
  // A gain below this fraction of the convergence tolerance is rounding.
  static constexpr double negligible_gain = 1e-3;

  enum class SupportStep { failed, no_gain, moved };

  // A bound on how far the model's objective is above its minimum over the
  // working set: with the ridge part of the penalty the objective is
  // mu-strongly convex, mu = lambda (1 - alpha) times the least penalty
  // factor, so it is at most |d|^2 / (2 mu), d the shortest subgradient
  // (ElasticNet::kkt_residual of each coordinate at its exact gradient).
  // 0 (no bound, so no veto) without a ridge part or with an unpenalized
  // variable in the working set. Costs one gradient per coordinate.
  double remaining_bound(double lambda, const std::vector<Eigen::Index>& working_set, CoordinateState& state) {
    double mu = HUGE_VAL;
    for (Eigen::Index j : working_set) mu = std::min(mu, lambda * (1.0 - penalty_.alpha()) * penalty_.penalty_factor(j));
    if (!(mu > 0.0) || !std::isfinite(mu)) return 0.0;
    Eigen::VectorXd gradient(static_cast<Eigen::Index>(working_set.size()));
    if constexpr (has_batch_gradients<Updates>::value) {
      updates_.gradients(working_set, gradient);
    } else {
      for (std::size_t k = 0; k < working_set.size(); ++k)
        gradient[static_cast<Eigen::Index>(k)] = updates_.gradient(working_set[k]);
    }
    double squared = 0.0;
    for (std::size_t k = 0; k < working_set.size(); ++k) {
      const Eigen::Index j = working_set[k];
      const double g = gradient[static_cast<Eigen::Index>(k)];
      state.gradient[j] = g;
      const double residual = penalty_.kkt_residual(g, state.coefficients[j], lambda, j);
      squared += residual * residual;
    }
    return squared / (2.0 * mu);
  }

  static double model_objective(double lambda, const CoordinateState& state) {
    return 0.5 * state.rss + lambda * state.penalty_total;
  }

  // The variables a solve on the support moves: the nonzero coefficients
  // strictly within their limits.
  std::vector<Eigen::Index> free_support(const CoordinateState& state) const {
    std::vector<Eigen::Index> support;
    for (Eigen::Index j : state.active_set) {
      const double b = state.coefficients[j];
      if (b != 0.0 && penalty_.strictly_within_limits(b, j)) support.push_back(j);
    }
    return support;
  }

  // The cost of solve_on_support() now, in flops of a pass: two triangular
  // solves with the factor, and bringing the factor up to date with the
  // support, which dominates when many variables have joined since it was
  // last used. The update's blocked kernels (many inner products per column
  // read, products of dense blocks) run about 8 times as many flops a second
  // as the passes' inner products and axpys: on the benchmark's Gaussian
  // cases, 14 GFlop/s against 1.6 with dense columns (n = 1000) and 6.6
  // against 0.8 with sparse ones.
  double support_solve_cost(double lambda, const CoordinateState& state) const {
    constexpr double factor_flop_cost = 1.0 / 8.0;
    const std::vector<Eigen::Index> support = free_support(state);
    const auto size = static_cast<double>(support.size());
    return 2.0 * size * size +
           factor_flop_cost * support_factor_->update_cost(support, lambda * (1.0 - penalty_.alpha()),
                                                           updates_.cross_product_cost());
  }

  // Minimises the objective over the nonzero coefficients with their signs
  // fixed by a primal active-set walk: solve for the minimiser on the
  // support, move towards it until the first coefficient reaches zero or its
  // bound, fix that one there, drop it from the support and solve again,
  // until a step completes. Along each segment the objective is the
  // sign-fixed quadratic, so it only decreases. After a partial step t the
  // remaining Newton right-hand side is exactly (1 - t) times the old one, so
  // the walk costs O(|S|^2) per segment and no inner products.
  SupportStep solve_on_support(double lambda, CoordinateState& state) {
    const std::vector<Eigen::Index> support = free_support(state);
    if (support.empty()) return SupportStep::no_gain;
    const double alpha = penalty_.alpha();
    auto cross_products = [this](const std::vector<Eigen::Index>& columns,
                                 const std::vector<Eigen::Index>& rows, Eigen::MatrixXd& out) {
      updates_.cross_products(columns, rows, out);
    };
    auto penalty_factor = [this](Eigen::Index j) { return penalty_.penalty_factor(j); };
    if (!support_factor_->factorize(support, lambda * (1.0 - alpha), state.curvature,
                                    penalty_factor, cross_products))
      return SupportStep::failed;
    const auto& members = support_factor_->members();
    Eigen::Index m = support_factor_->size();
    // rhs: minus the gradient of the smooth objective on the support.
    Eigen::VectorXd rhs(m), b(m), member_gradient(m);
    if constexpr (has_batch_gradients<Updates>::value) {
      updates_.gradients(members, member_gradient);
    } else {
      for (Eigen::Index k = 0; k < m; ++k) member_gradient[k] = updates_.gradient(members[static_cast<std::size_t>(k)]);
    }
    for (Eigen::Index k = 0; k < m; ++k) {
      const Eigen::Index j = members[static_cast<std::size_t>(k)];
      b[k] = state.coefficients[j];
      const double g = member_gradient[k];
      state.gradient[j] = g;
      rhs[k] = g - lambda * penalty_.penalty_factor(j) *
                       (alpha * (b[k] > 0.0 ? 1.0 : -1.0) + (1.0 - alpha) * b[k]);
    }
    std::vector<Eigen::Index> moved = members;  // every coordinate the walk may change
    std::vector<Eigen::Index> fixed;            // left the support, with their final values
    std::vector<double> fixed_value;
    Eigen::VectorXd step;
    bool walk_completed = false;
    for (int segment = 0;; ++segment) {
      if (segment == max_support_segments || m == 0) break;
      step = rhs.head(m);  // entries past m belong to dropped members
      support_factor_->solve(step);
      double fraction = 1.0;
      Eigen::Index blocking = -1;
      double blocking_value = 0.0;
      auto limit_step = [&](Eigen::Index k, double distance, double value) {
        const double candidate = distance / step[k];
        if (candidate < fraction) {
          fraction = std::max(candidate, 0.0);
          blocking = k;
          blocking_value = value;
        }
      };
      for (Eigen::Index k = 0; k < m; ++k) {
        const Eigen::Index j = members[static_cast<std::size_t>(k)];
        const double end = b[k] + step[k];
        if (penalty_.is_penalized(j) && end * b[k] < 0.0) limit_step(k, -b[k], 0.0);
        if (end > penalty_.upper(j)) limit_step(k, penalty_.upper(j) - b[k], penalty_.upper(j));
        if (end < penalty_.lower(j)) limit_step(k, penalty_.lower(j) - b[k], penalty_.lower(j));
      }
      b.head(m) += fraction * step;
      if (!b.head(m).allFinite()) return SupportStep::failed;
      if (blocking < 0) {
        walk_completed = true;
        break;
      }
      rhs.head(m) *= 1.0 - fraction;
      fixed.push_back(members[static_cast<std::size_t>(blocking)]);
      fixed_value.push_back(blocking_value);
      remove_entry(b, blocking, m);
      remove_entry(rhs, blocking, m);
      support_factor_->remove_member(blocking);
      --m;
    }
    Eigen::VectorXd current(static_cast<Eigen::Index>(moved.size()));
    for (std::size_t k = 0; k < moved.size(); ++k)
      current[static_cast<Eigen::Index>(k)] = state.coefficients[moved[k]];
    // Targets: the walk's end point for members, the fixed values for the rest.
    Eigen::VectorXd target = current;
    {
      std::vector<std::pair<Eigen::Index, double>> final_values;
      for (Eigen::Index k = 0; k < m; ++k)
        final_values.emplace_back(members[static_cast<std::size_t>(k)], b[k]);
      for (std::size_t f = 0; f < fixed.size(); ++f)
        final_values.emplace_back(fixed[f], fixed_value[f]);
      std::sort(final_values.begin(), final_values.end());
      for (std::size_t k = 0; k < moved.size(); ++k) {
        const auto it = std::lower_bound(final_values.begin(), final_values.end(),
                                         std::make_pair(moved[k], -HUGE_VAL));
        target[static_cast<Eigen::Index>(k)] = it->second;
      }
    }
    const double before = model_objective(lambda, state);
    move_to(moved, target, state);
    const double after = model_objective(lambda, state);
    if (after < before) {
      // The members left in the factor now minimise the objective with the
      // other coordinates fixed, until one of those moves.
      if (walk_completed) {
        at_support_minimiser_.assign(static_cast<std::size_t>(state.coefficients.size()), 0);
        for (Eigen::Index k = 0; k < m; ++k) at_support_minimiser_[members[static_cast<std::size_t>(k)]] = 1;
        skip_support_members_ = true;
      }
      return SupportStep::moved;
    }
    move_to(moved, current, state);
    return SupportStep::no_gain;
  }

  static void remove_entry(Eigen::VectorXd& v, Eigen::Index k, Eigen::Index size) {
    for (Eigen::Index r = k; r + 1 < size; ++r) v[r] = v[r + 1];
  }

  // Moves the listed coefficients to `target` one coordinate at a time,
  // keeping the residual, rss and penalty exact. Updates that can recompute
  // the rss from their residual need no inner product per coordinate.
  void move_to(const std::vector<Eigen::Index>& coordinates, const Eigen::VectorXd& target,
               CoordinateState& state) {
    skip_support_members_ = false;
    if constexpr (has_working_rss<Updates>::value) {
      bool moved = false;
      for (std::size_t k = 0; k < coordinates.size(); ++k) {
        const Eigen::Index j = coordinates[k];
        const double old_value = state.coefficients[j];
        const double delta = target[static_cast<Eigen::Index>(k)] - old_value;
        if (delta == 0.0) continue;
        updates_.update(j, delta);
        state.penalty_total += penalty_.value(old_value + delta, j) - penalty_.value(old_value, j);
        state.coefficients[j] = old_value + delta;
        moved = true;
      }
      if (moved) state.rss = updates_.working_rss();
      return;
    }
    for (std::size_t k = 0; k < coordinates.size(); ++k) {
      const Eigen::Index j = coordinates[k];
      const double old_value = state.coefficients[j];
      const double delta = target[static_cast<Eigen::Index>(k)] - old_value;
      if (delta == 0.0) continue;
      const double g = updates_.gradient(j);
      const double v = known_curvature(j, state);
      updates_.update(j, delta);
      state.rss -= delta * (2.0 * g - delta * v);
      state.penalty_total += penalty_.value(old_value + delta, j) - penalty_.value(old_value, j);
      state.coefficients[j] = old_value + delta;
      state.gradient[j] = g - delta * v;
    }
  }

  // Tries the Anderson-extrapolated point; keeps it only if the objective
  // drops. A penalized coefficient that the extrapolation would carry
  // across zero, or move off it, stays where it is: at the penalty's kink
  // the passes are not a linear iteration. On the binomial benchmark's
  // sparse path about 10 such coordinates of 13,000 made the extrapolated
  // objective worse at 27 of 29 attempts; held, every attempt gained (24
  // of 24).
  bool extrapolate(double lambda, const AndersonHistory& history, CoordinateState& state) {
    Eigen::VectorXd target;
    if (!history.combination(target)) return false;
    const auto& active_set = state.active_set;
    for (std::size_t k = 0; k < active_set.size(); ++k) {
      const auto position = static_cast<Eigen::Index>(k);
      const Eigen::Index j = active_set[k];
      const double current = state.coefficients[j];
      if (penalty_.is_penalized(j) && !(current * target[position] > 0.0)) target[position] = current;
      if (!penalty_.within_limits(target[position], j)) return false;
    }
    return move_if_lower(lambda, active_set, target, state);
  }

  // v_j, computed now if it was left as curvature_not_computed.
  double known_curvature(Eigen::Index j, CoordinateState& state) {
    if constexpr (has_curvature<Updates>::value) {
      if (std::isnan(state.curvature[j])) state.curvature[j] = updates_.curvature(j);
    }
    return state.curvature[j];
  }

  // One sweep; returns max_j v_j * (change in b_j)^2.
  double pass(double lambda, const std::vector<Eigen::Index>& coordinates,
              CoordinateState& state, ProgressEstimate& progress) {
    begin_pass();
    // Indexing, not iterators: the active set may grow during the sweep.
    pass_segment(lambda, coordinates, 0, coordinates.size(), state);
    return end_pass(progress);
  }

 public:
  // Moves the listed coefficients to `target` if that lowers the model's
  // objective, else back to where they were; returns whether it moved.
  bool move_if_lower(double lambda, const std::vector<Eigen::Index>& coordinates, const Eigen::VectorXd& target,
                     CoordinateState& state) {
    if constexpr (has_trial_moves<Updates>::value) {
      // Both objectives from the residual: the rss kept by the passes has
      // drifted by their rounding.
      Eigen::VectorXd changes(target.size());
      double penalty_total = state.penalty_total;
      for (std::size_t k = 0; k < coordinates.size(); ++k) {
        const Eigen::Index j = coordinates[k];
        const double old_value = state.coefficients[j];
        changes[static_cast<Eigen::Index>(k)] = target[static_cast<Eigen::Index>(k)] - old_value;
        penalty_total += penalty_.value(target[static_cast<Eigen::Index>(k)], j) - penalty_.value(old_value, j);
      }
      const double before = 0.5 * updates_.residual_sum_of_squares() + lambda * state.penalty_total;
      const double rss = updates_.trial_move_rss(coordinates, changes, n_threads_);
      if (!(0.5 * rss + lambda * penalty_total < before)) return false;
      updates_.make_trial_move();
      skip_support_members_ = false;
      for (std::size_t k = 0; k < coordinates.size(); ++k)
        state.coefficients[coordinates[k]] = target[static_cast<Eigen::Index>(k)];
      state.rss = rss;
      state.penalty_total = penalty_total;
      return true;
    }
    Eigen::VectorXd current(target.size());
    for (std::size_t k = 0; k < coordinates.size(); ++k)
      current[static_cast<Eigen::Index>(k)] = state.coefficients[coordinates[k]];
    const double before = model_objective(lambda, state);
    move_to(coordinates, target, state);
    const double after = model_objective(lambda, state);
    if (after < before) return true;
    move_to(coordinates, current, state);
    return false;
  }

  // A pass made in segments of the coordinates, so that a caller can
  // interleave the first passes of independent solvers over the same
  // columns (each column then read from memory once for all of them):
  // begin_pass(), pass_segment() over consecutive ranges, then
  // solve(..., first_pass_made = true), which ends it.
  void begin_pass() {
    pass_max_change_ = 0.0;
    pass_decrease_ = 0.0;
    support_changes_ = 0;
    flat_descent_in_pass_ = false;
    // Right after a solve on the support its members are at their
    // minimiser: the pass visits only the others. The members are left
    // alone for the whole pass even once another coordinate moves; the next
    // support solve or pass takes them up again.
    pass_skips_members_ = skip_support_members_;
  }

  void pass_segment(double lambda, const std::vector<Eigen::Index>& coordinates, std::size_t begin,
                    std::size_t end, CoordinateState& state) {
    const bool skip_members = pass_skips_members_;
    double max_change = pass_max_change_;
    double decrease = pass_decrease_;
    for (std::size_t k = begin; k < end; ++k) {
      const Eigen::Index j = coordinates[k];
      if (skip_members && at_support_minimiser_[j]) continue;
      double v = state.curvature[j];
      const double old_value = state.coefficients[j];
      double g = 0.0;
      bool read_together = false;
      if constexpr (has_fused_curvature<Updates>::value) {
        if (std::isnan(v) && updates_.fuses_curvature()) {
          // Read with the gradient, at no extra cost.
          std::tie(g, v) = updates_.gradient_and_curvature(j);
          state.curvature[j] = v;
          read_together = true;
        }
      }
      if (!read_together) {
        g = updates_.gradient(j);
        if (std::isnan(v)) {
          // At zero, whether the coordinate moves does not depend on v (> 0).
          if (old_value == 0.0 && penalty_.threshold(g, 1.0, lambda, j) == 0.0) {
            state.gradient[j] = g;
            continue;
          }
          v = known_curvature(j, state);
        }
      }
      const double new_value = penalty_.threshold(g + v * old_value, v, lambda, j);
      state.gradient[j] = g;
      if (new_value == old_value) {
        // No curvature (IRLS weights that underflow on the rows that tell
        // this column apart), yet the model falls along it.
        if (!(v > 0.0) && penalty_.coordinate_gain_bound(g, v, old_value, lambda, j) > 0.0)
          flat_descent_in_pass_ = true;
        continue;
      }
      skip_support_members_ = false;
      if ((old_value == 0.0) != (new_value == 0.0)) ++support_changes_;
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
    pass_max_change_ = max_change;
    pass_decrease_ = decrease;
  }

 private:
  double end_pass(ProgressEstimate& progress) {
    progress.record(pass_decrease_);
    return pass_max_change_;
  }

  Updates& updates_;
  const Penalty& penalty_;
  Monitor& monitor_;
  SupportFactor* support_factor_;
  int support_changes_ = 0;
  bool flat_descent_in_pass_ = false;
  // The pass in progress (begin_pass() to end_pass()).
  double pass_max_change_ = 0.0;
  double pass_decrease_ = 0.0;
  bool pass_skips_members_ = false;
  std::vector<char> at_support_minimiser_;  // members left by the last completed support solve
  bool skip_support_members_ = false;       // true while nothing has moved since that solve
  int minimum_passes_ = 0;
  bool single_pass_settles_ = false;
  int n_threads_ = 1;
};

}  // namespace glmsparse
