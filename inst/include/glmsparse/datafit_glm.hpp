// Datafits of generalized linear models with a canonical link, as glmnet
// defines them: with weights w normalised to sum to 1, the loss is
//
//   L(eta) = sum_i w_i l(y_i, eta_i),   l(y, eta) = b(eta) - y eta,
//
// (minus the log-likelihood up to a constant), so dl/deta = mu - y and
// d2l/deta2 = b''(eta), the IRLS weight. Each family gives these
// per-observation functions; SeparableDatafit turns them into the datafit
// object that the GLM path (glm_path.hpp) talks to.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include <Eigen/Dense>

#include "path_driver.hpp"
#include "score_root.hpp"

namespace glmsparse {

// y in [0, 1] (a proportion; 0/1 for a single trial), logit link.
struct Binomial {
  static constexpr const char* name = "binomial";
  // glmnet stops a default binomial path once the deviance ratio gains
  // less than fdev outright.
  static constexpr StallRule stall_rule = StallRule::absolute;

  static double mean(double eta) {
    // Both branches avoid overflow in exp.
    if (eta >= 0.0) return 1.0 / (1.0 + std::exp(-eta));
    const double e = std::exp(eta);
    return e / (1.0 + e);
  }
  // b''(eta) = mu (1 - mu), floored as glmnet does so that the IRLS weights
  // of (nearly) separated observations stay positive.
  static double curvature(double mu) { return std::max(mu * (1.0 - mu), curvature_floor()); }
  static constexpr double curvature_floor() {
    return minimum_probability * (1.0 - minimum_probability);
  }
  // log(1 + e^eta) - y eta, without overflow.
  static double loss(double y, double eta) {
    const double softplus = eta > 0.0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta));
    return softplus - y * eta;
  }
  // The loss of the saturated model, mu = y.
  static double saturated_loss(double y) {
    return -(entropy_term(y) + entropy_term(1.0 - y));
  }
  // The linear predictor whose mean is mu (for the intercept-only start).
  static double link(double mu) { return std::log(mu / (1.0 - mu)); }

  static constexpr double minimum_probability = 1e-5;

 private:
  static double entropy_term(double p) { return p > 0.0 ? p * std::log(p) : 0.0; }
};

// Counts y >= 0, log link.
struct Poisson {
  static constexpr const char* name = "poisson";
  static constexpr StallRule stall_rule = StallRule::relative_to_explained;

  static double mean(double eta) { return std::exp(eta); }
  static double curvature(double mu) { return mu; }
  // No floor; a mean that underflows to 0 leaves a weight of 0 (see
  // SeparableDatafit::next_step_gain_bound).
  static constexpr double curvature_floor() { return 0.0; }
  static double loss(double y, double eta) { return std::exp(eta) - y * eta; }
  static double saturated_loss(double y) { return y > 0.0 ? y - y * std::log(y) : 0.0; }
  static double link(double mu) { return std::log(mu); }
};

// The datafit of a loss that is a sum over observations, L(eta) =
// sum_i w_i l(y_i, eta_i), from a family's per-observation functions. What
// the GLM path asks of any datafit:
//   loss(eta), the loss at the linear predictor eta;
//   quadratic_model(eta, v, v o r): the IRLS weights v (the diagonal of the
//     Hessian in eta) and the weighted residual v o r (minus the gradient);
//   saturated_loss(), the loss of the saturated model (the deviance is
//     2 sum(w) (loss - saturated loss) on the caller's weight scale);
//   loss_scale(eta), the size of the rounding in loss(eta) - saturated_loss()
//     over the unit roundoff: the sum of the magnitudes of their terms;
//   null_intercept(offset), the intercept of the model with the offset only;
//   stall_rule: when glmnet deems the deviance ratio of a default path stalled;
//   shift_invariant: whether L(eta + c) = L(eta) for every constant c;
//   exact_curvature: whether the IRLS weights are the whole Hessian;
//   next_step_gain_bound(eta, step), for such datafits: a bound on what a
//     Newton step can gain after a full step that minimised the model at eta.
template <class Family>
class SeparableDatafit {
 public:
  static constexpr const char* name = Family::name;
  static constexpr StallRule stall_rule = Family::stall_rule;
  static constexpr bool shift_invariant = false;
  // The IRLS weights are the whole Hessian: Newton steps converge quadratically.
  static constexpr bool exact_curvature = true;

  // `weights` as given by the caller; they are normalised here.
  SeparableDatafit(const Eigen::VectorXd& y, const Eigen::VectorXd& weights)
      : y_(y), weights_(weights / weights.sum()) {
    saturated_loss_ = 0.0;
    for (Eigen::Index i = 0; i < y_.size(); ++i)
      saturated_loss_ += weights_[i] * Family::saturated_loss(y_[i]);
  }

  double loss(const Eigen::VectorXd& eta) const {
    double total = 0.0;
    for (Eigen::Index i = 0; i < eta.size(); ++i)
      if (weights_[i] > 0.0) total += weights_[i] * Family::loss(y_[i], eta[i]);
    return total;
  }

  void quadratic_model(const Eigen::VectorXd& eta, Eigen::VectorXd& irls_weights,
                       Eigen::VectorXd& weighted_residual) const {
    const Eigen::Index n = eta.size();
    irls_weights.resize(n);
    weighted_residual.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      // A row of weight 0 is out of the model even where its mean overflows
      // (0 * Inf would be NaN).
      if (!(weights_[i] > 0.0)) {
        irls_weights[i] = 0.0;
        weighted_residual[i] = 0.0;
        continue;
      }
      const double mu = Family::mean(eta[i]);
      irls_weights[i] = weights_[i] * Family::curvature(mu);
      weighted_residual[i] = weights_[i] * (y_[i] - mu);
    }
  }

  double saturated_loss() const { return saturated_loss_; }

  // After a full Newton step that moved eta by `step` to the minimiser of
  // the model whose IRLS weights were `irls_weights` (quadratic_model's at
  // the start), a bound on what the next step can gain; infinite where there
  // is none (a weight of 0 on a row in the loss).
  //
  // The third derivative of the per-row loss is at most its second in size
  // (mu (1 - mu) |1 - 2 mu| for binomial, mu for poisson), so along a move
  // of d the curvature stays within a factor e^|d| of v_i. The gradient at
  // the new point then differs from the model's prediction by e_i per row,
  // at most v_i (e^|d| - 1 - |d|), or v_i (e^|d| - 1) where v_i is at the
  // floor (above the loss's own curvature); and the new model's weights are
  // at least v_i e^-|d|. As the old model's minimiser satisfies its
  // optimality conditions, the new model gains at most what a quadratic of
  // those weights gains on the gradient X'e: 1/2 sum_i e_i^2 e^|d_i| / v_i
  // (the projection onto the range of V^1/2 X shrinks it; p > n is fine).
  // Row by row, unlike a bound from the largest move alone, and valid where
  // some fitted probabilities are at the floor: at the end of the binomial
  // benchmark's sparse path it is about 1e-12 against a tolerance of 2e-8.
  // For moves below 1/2 the exponentials are bounded by the series
  // 1 / (1 - d) (e^d - 1 <= d / (1 - d), e^d - 1 - d <= d^2 / (2 (1 - d))):
  // no exp per row, which cost 2% of that fit.
  double next_step_gain_bound(const Eigen::VectorXd& irls_weights, const Eigen::VectorXd& step) const {
    double total = 0.0;
    for (Eigen::Index i = 0; i < step.size(); ++i) {
      if (!(weights_[i] > 0.0)) continue;
      const double v = irls_weights[i];
      if (!(v > 0.0)) return HUGE_VAL;
      const bool floored = v <= weights_[i] * Family::curvature_floor();
      const double move = std::abs(step[i]);
      double growth, excess, exponential;  // at least e^d - 1, e^d - 1 - d, e^d
      if (move < 0.5) {
        exponential = 1.0 / (1.0 - move);
        growth = move * exponential;
        excess = 0.5 * move * growth;
      } else {
        growth = std::expm1(move);
        excess = growth - move;
        exponential = std::exp(move);
      }
      const double error = v * (floored ? growth : excess);
      total += error * error * exponential / v;
    }
    return std::isfinite(total) ? 0.5 * total : HUGE_VAL;
  }

  // The loss is a sum of terms that may cancel (e^eta - y eta for a count
  // of e), so its rounding follows their magnitudes, not its value; a log
  // of y errs by the unit roundoff, hence |y|.
  double loss_scale(const Eigen::VectorXd& eta) const {
    double total = 0.0;
    for (Eigen::Index i = 0; i < eta.size(); ++i)
      if (weights_[i] > 0.0)
        total += weights_[i] * (std::abs(Family::loss(y_[i], eta[i])) + 2.0 * std::abs(y_[i] * eta[i]) +
                                std::abs(Family::saturated_loss(y_[i])) + std::abs(y_[i]));
    return total;
  }

  // The root of sum_i w_i (y_i - mu_i) = 0: for Poisson in closed form,
  //   b0 = log(sum_i w_i y_i) - log(sum_i w_i e^o_i),
  // the second term as m + log(sum_i w_i e^(o_i - m)), m the largest offset,
  // so that offsets of a few thousand do not overflow; otherwise by 1-D
  // Newton, safeguarded, from the link of the weighted mean.
  double null_intercept(const Eigen::VectorXd& offset) const {
    const Eigen::Index n = offset.size();
    double y_mean = weights_.dot(y_);
    // Only a mean of 0 (no events) is floored, to keep the intercept finite;
    // a small positive one (a weight of 1e150 on a zero count) is the root.
    if (!(y_mean > 0.0)) y_mean = 1e-10;
    if constexpr (std::is_same<Family, Poisson>::value) {
      double largest = -std::numeric_limits<double>::infinity();
      for (Eigen::Index i = 0; i < n; ++i)
        if (weights_[i] > 0.0) largest = std::max(largest, offset[i]);
      double scaled_sum = 0.0;
      for (Eigen::Index i = 0; i < n; ++i)
        if (weights_[i] > 0.0) scaled_sum += weights_[i] * std::exp(offset[i] - largest);
      return std::log(y_mean) - (largest + std::log(scaled_sum));
    }
    double start = 0.0;
    if constexpr (std::is_same<Family, Binomial>::value) {
      // The log odds from the two shares summed apart: 1 - mean loses a
      // share of the non-events below eps (a weight of 1e-150 on the only
      // one), and with it the root. Only a share of 0 is floored.
      double non_events = weights_.dot((1.0 - y_.array()).matrix());
      if (!(non_events > 0.0)) non_events = 1e-10;
      start = std::log(y_mean) - std::log(non_events);
    } else {
      start = Family::link(y_mean);
    }
    // The score sum_i w_i (y_i - mu(o_i + b0)) decreases in b0; its root
    // from the start above.
    return decreasing_score_root(start, [&](double b0, double& score, double& information) {
      for (Eigen::Index i = 0; i < n; ++i) {
        if (!(weights_[i] > 0.0)) continue;
        const double eta = offset[i] + b0;
        const double mu = Family::mean(eta);
        if constexpr (std::is_same<Family, Binomial>::value) {
          // y - mu as y (1 - mu) - (1 - y) mu, 1 - mu = mean(-eta) from its
          // own exponential, so that a 1 - mu near 1e-150 keeps its digits.
          const double one_minus_mu = Family::mean(-eta);
          score += weights_[i] * (y_[i] * one_minus_mu - (1.0 - y_[i]) * mu);
          // The exact information, not the IRLS weights' floor: under the
          // floor Newton steps crawl (a root near -1125, from offsets of 0
          // and 2250, was left at -16 with its score 4.6 times the
          // tolerance after the allowed steps).
          information += weights_[i] * mu * one_minus_mu;
        } else {
          score += weights_[i] * (y_[i] - mu);
          information += weights_[i] * Family::curvature(mu);
        }
      }
    });
  }

 private:
  Eigen::VectorXd y_;
  Eigen::VectorXd weights_;  // normalised to sum to 1
  double saturated_loss_ = 0.0;
};

}  // namespace glmsparse
