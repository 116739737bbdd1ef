// A start for the next lambda from the path's last two solutions: along a
// stretch where the support and signs persist, the solution moves smoothly
// in log(lambda), so the secant through the last two solutions,
//
//   b(lambda) ~ b1 + t (b1 - b2),   t = log(lambda / lambda1) / log(lambda1 / lambda2),
//
// lands far closer to the new solution than b1, the usual warm start. A
// coefficient the secant would carry through zero stops at zero (it is
// leaving the support; not in a group) and one outside its limits stops at the limit; one
// that is zero at lambda1 stays zero. The caller keeps the prediction only
// if it lowers the objective at the new lambda, so it can save passes but
// never change what the solver converges to.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Dense>

namespace glmsparse {

class PathSecant {
 public:
  // `stop_at_zero`: whether a penalized coefficient the secant carries
  // through zero stops there. Not for a group's coefficients, which may
  // change sign while the group stays in.
  // `step_fraction`: the fraction of the secant's step taken (t above
  // times it), below 1 for a solver that should approach the solution from
  // the warm start's side (see GlmPath::secant_step_fraction).
  explicit PathSecant(bool stop_at_zero = true, double step_fraction = 1.0)
      : stop_at_zero_(stop_at_zero), step_fraction_(step_fraction) {}


  // The solution just found at `lambda`: the coefficients of the active set
  // (which only grows along a path) and the intercept. A solution that did
  // not converge starts the history again.
  // `linear_predictor`, when given, is kept with the solution (see
  // predict's `stopped_change`).
  void record(double lambda, const std::vector<Eigen::Index>& active_set,
              const Eigen::VectorXd& coefficients, double intercept, bool converged,
              const Eigen::VectorXd* linear_predictor = nullptr) {
    if (!converged) {
      n_recorded_ = 0;
      n_linear_predictors_ = 0;
      return;
    }
    if (linear_predictor) {
      older_linear_predictor_.swap(latest_linear_predictor_);
      latest_linear_predictor_ = *linear_predictor;
      n_linear_predictors_ = std::min(n_linear_predictors_ + 1, 2);
    } else {
      n_linear_predictors_ = 0;
    }
    older_ = std::move(latest_);
    older_lambda_ = latest_lambda_;
    older_intercept_ = latest_intercept_;
    latest_.resize(active_set.size());
    for (std::size_t k = 0; k < active_set.size(); ++k) latest_[k] = coefficients[active_set[k]];
    latest_lambda_ = lambda;
    latest_intercept_ = intercept;
    ++n_recorded_;
  }

  // The linear predictors recorded with the last two solutions; null
  // unless both were recorded with one.
  const Eigen::VectorXd* latest_linear_predictor() const {
    return n_linear_predictors_ == 2 && n_recorded_ >= 2 ? &latest_linear_predictor_ : nullptr;
  }
  const Eigen::VectorXd* older_linear_predictor() const {
    return n_linear_predictors_ == 2 && n_recorded_ >= 2 ? &older_linear_predictor_ : nullptr;
  }

  // change[k]: the predicted move of coefficient active_set[k] from its
  // current value, which must be the latest recorded solution; and the
  // intercept's. False when there is no prediction to make: fewer than two
  // solutions recorded, lambdas not decreasing, or a step further than
  // twice the last one.
  //
  // `stopped_change`, when given, gets for each k the part of change[k]
  // that is not t (b1 - b2): nonzero only where the move stopped at zero or
  // at a limit (or b1 is 0 and b2 is not); `step` gets t. A caller that kept
  // the linear predictors eta1 and eta2 of the last two solutions has the
  // unstopped moves' change of eta as t (eta1 - eta2), an O(n) combination
  // instead of a product with x, and adds only the stopped columns'. (It
  // differs from X change by the rounding of b1 + t (b1 - b2) - b1.)
  template <class Penalty>
  bool predict(double lambda, const std::vector<Eigen::Index>& active_set,
               const Eigen::VectorXd& coefficients, const Penalty& penalty,
               std::vector<double>& change, double& intercept_change,
               std::vector<double>* stopped_change = nullptr, double* step = nullptr) const {
    if (n_recorded_ < 2 || !(lambda > 0.0 && lambda < latest_lambda_ && latest_lambda_ < older_lambda_))
      return false;
    const double t =
        step_fraction_ * std::log(lambda / latest_lambda_) / std::log(latest_lambda_ / older_lambda_);
    if (!(t > 0.0 && t <= max_secant_step)) return false;
    change.assign(active_set.size(), 0.0);
    if (stopped_change) stopped_change->assign(active_set.size(), 0.0);
    if (step) *step = t;
    bool moves = false;
    for (std::size_t k = 0; k < active_set.size(); ++k) {
      const Eigen::Index j = active_set[k];
      const double b1 = coefficients[j];
      // Not started from the recorded solution: nothing to extrapolate.
      if (k >= latest_.size() || b1 != latest_[k]) return false;
      const double b2 = k < older_.size() ? older_[k] : 0.0;
      const double unstopped = b1 + t * (b1 - b2);
      double predicted = b1 == 0.0 ? 0.0 : unstopped;
      if (b1 != 0.0 && stop_at_zero_ && penalty.is_penalized(j) && !(predicted * b1 > 0.0)) predicted = 0.0;
      predicted = std::min(std::max(predicted, penalty.lower(j)), penalty.upper(j));
      change[k] = predicted - b1;
      if (stopped_change && predicted != unstopped) (*stopped_change)[k] = predicted - unstopped;
      moves = moves || change[k] != 0.0;
    }
    intercept_change = t * (latest_intercept_ - older_intercept_);
    return moves && std::isfinite(intercept_change);
  }

 private:
  // Beyond twice the last step in log(lambda) a secant is a guess.
  static constexpr double max_secant_step = 2.0;

  bool stop_at_zero_;
  double step_fraction_;
  std::vector<double> latest_, older_;
  double latest_lambda_ = 0.0, older_lambda_ = 0.0;
  double latest_intercept_ = 0.0, older_intercept_ = 0.0;
  int n_recorded_ = 0;
  Eigen::VectorXd latest_linear_predictor_, older_linear_predictor_;
  int n_linear_predictors_ = 0;  // recorded with the latest consecutive solutions, at most 2
};

}  // namespace glmsparse
