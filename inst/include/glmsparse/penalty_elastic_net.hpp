// The elastic-net penalty of glmnet:
//
//   P(b) = lambda * sum_j pf_j * ( alpha * |b_j| + (1 - alpha) / 2 * b_j^2 ),
//
// with box constraints lower_j <= b_j <= upper_j (lower_j <= 0 <= upper_j).
// Everything here is on the standardized scale the solver works in.
#pragma once

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

namespace glmsparse {

class ElasticNet {
 public:
  ElasticNet(double alpha, Eigen::VectorXd penalty_factor, Eigen::VectorXd lower,
             Eigen::VectorXd upper)
      : alpha_(alpha),
        penalty_factor_(std::move(penalty_factor)),
        lower_(std::move(lower)),
        upper_(std::move(upper)) {}

  double alpha() const { return alpha_; }
  double penalty_factor(Eigen::Index j) const { return penalty_factor_[j]; }
  bool is_penalized(Eigen::Index j) const { return penalty_factor_[j] > 0.0; }

  // argmin_b  (v/2) b^2 - z b + P_j(b)  subject to the box: the exact
  // coordinate update, where z = gradient + v * b_old and v > 0 is the
  // curvature of the (quadratic) datafit along coordinate j.
  double threshold(double z, double v, double lambda, Eigen::Index j) const {
    const double l1 = lambda * alpha_ * penalty_factor_[j];
    const double l2 = lambda * (1.0 - alpha_) * penalty_factor_[j];
    const double magnitude = std::abs(z) - l1;
    if (magnitude <= 0.0) return 0.0;
    // No curvature: the objective falls linearly towards the limit in z's
    // direction; with none, there is no minimiser and the coordinate stays at 0.
    if (!(v + l2 > 0.0)) {
      const double limit = z > 0.0 ? upper_[j] : lower_[j];
      return std::isfinite(limit) ? limit : 0.0;
    }
    return to_limits(std::copysign(magnitude, z) / (v + l2), j);
  }

  // b moved into [lower_j, upper_j].
  double to_limits(double b, Eigen::Index j) const { return std::min(std::max(b, lower_[j]), upper_[j]); }
  bool within_limits(double b, Eigen::Index j) const {
    return b >= lower_[j] && b <= upper_[j];
  }
  bool strictly_within_limits(double b, Eigen::Index j) const {
    return b > lower_[j] && b < upper_[j];
  }
  double lower(Eigen::Index j) const { return lower_[j]; }
  double upper(Eigen::Index j) const { return upper_[j]; }

  // Value of P_j at b (without the factor lambda).
  double value(double b, Eigen::Index j) const {
    return penalty_factor_[j] * (alpha_ * std::abs(b) + 0.5 * (1.0 - alpha_) * b * b);
  }

  // Sequential strong rule: a variable whose gradient at the previous lambda
  // is below this cutoff is expected to stay at zero at `lambda`.
  double strong_rule_cutoff(double lambda, double previous_lambda, Eigen::Index j) const {
    return alpha_ * penalty_factor_[j] * (2.0 * lambda - previous_lambda);
  }

  // A coordinate at zero whose gradient is at most this in absolute value
  // satisfies the KKT conditions.
  double kkt_cutoff(double lambda, Eigen::Index j) const {
    return lambda * alpha_ * penalty_factor_[j];
  }

  // Does a coordinate sitting at zero with gradient g violate optimality?
  // True exactly when the update from zero would move it.
  bool violates_kkt_at_zero(double g, double lambda, Eigen::Index j) const {
    if (std::abs(g) <= kkt_cutoff(lambda, j)) return false;
    return g > 0.0 ? upper_[j] > 0.0 : lower_[j] < 0.0;
  }

  // A lower bound on what a quadratic model with gradient g (minus its
  // derivative) and curvature `curvature` along coordinate j gains from its
  // best step from b, taken in exact arithmetic: the step, cut where it
  // would cross zero, of a quadratic whose full step gains r^2 / (2c). A
  // solver computes the same step in floating point, where a coefficient
  // far larger than its step does not move at all (b + step == b), and a
  // model whose steps lose the objective's digits gains nothing; the steps
  // then stall on a point that is no minimiser, and this tells it apart
  // from convergence. A coordinate at a bound gains 0; one along which the
  // model falls without curvature gains without end (HUGE_VAL).
  double coordinate_gain_bound(double g, double curvature, double b, double lambda, Eigen::Index j) const {
    if (b != 0.0 && !strictly_within_limits(b, j)) return 0.0;
    const double l1 = lambda * alpha_ * penalty_factor_[j];
    const double l2 = lambda * (1.0 - alpha_) * penalty_factor_[j];
    const double c = curvature + l2;
    double r;  // minus the derivative of the model along b_j (one-sided at 0)
    if (b > 0.0) r = g - l1 - l2 * b;
    else if (b < 0.0) r = g + l1 - l2 * b;
    else r = std::copysign(std::max(std::abs(g) - l1, 0.0), g);
    if (r == 0.0 || !std::isfinite(r)) return 0.0;
    if (b == 0.0 && (r > 0.0 ? upper(j) : lower(j)) == 0.0) return 0.0;  // held at 0 by its limit
    // Without curvature the model falls along b_j without end.
    if (!(c > 0.0)) return HUGE_VAL;
    double fraction = 1.0;  // of the full step r / c
    if (b != 0.0 && r * b < 0.0) fraction = std::min(1.0, std::abs(b) * c / std::abs(r));
    return r * r / (2.0 * c) * fraction * (2.0 - fraction);
  }

  // The distance from 0 to the subdifferential of the objective along b_j
  // (the limits' normal cone included), g minus the datafit's derivative:
  // 0 exactly where b_j minimises it with the other coordinates fixed.
  double kkt_residual(double g, double b, double lambda, Eigen::Index j) const {
    const double l1 = lambda * alpha_ * penalty_factor_[j];
    const double h = g - lambda * (1.0 - alpha_) * penalty_factor_[j] * b;
    // Optimal where h lies in [low, high]: l1 times the subdifferential of
    // |b|, widened without end at a limit the coordinate sits on.
    double low = b > 0.0 ? l1 : -l1;
    double high = b < 0.0 ? -l1 : l1;
    if (b <= lower_[j]) low = -HUGE_VAL;
    if (b >= upper_[j]) high = HUGE_VAL;
    return h < low ? low - h : (h > high ? h - high : 0.0);
  }

  // Smallest lambda at which every penalized coefficient is zero, given the
  // gradient there. glmnet floors alpha at 1e-3 so that ridge paths start
  // from a finite lambda.
  double lambda_max_term(double g, Eigen::Index j) const {
    return std::abs(g) / (std::max(alpha_, 1e-3) * penalty_factor_[j]);
  }

 private:
  double alpha_;
  Eigen::VectorXd penalty_factor_;
  Eigen::VectorXd lower_;
  Eigen::VectorXd upper_;
};

}  // namespace glmsparse
