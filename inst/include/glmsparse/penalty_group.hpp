// The grouped elastic-net penalty of glmnet's multi-response families
// (mgaussian, grouped multinomial): each variable's K coefficients form a
// group,
//
//   P(B) = lambda * sum_j pf_j * ( alpha * ||b_j||_2 + (1 - alpha) / 2 * ||b_j||_2^2 ),
//
// with the same box lower_j <= b_jk <= upper_j (lower_j <= 0 <= upper_j) on
// every coefficient of the group. Standardized scale, as ElasticNet.
#pragma once

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

namespace glmsparse {

class GroupElasticNet {
 public:
  GroupElasticNet(double alpha, Eigen::VectorXd penalty_factor, Eigen::VectorXd lower,
                  Eigen::VectorXd upper)
      : alpha_(alpha),
        penalty_factor_(std::move(penalty_factor)),
        lower_(std::move(lower)),
        upper_(std::move(upper)) {}

  double alpha() const { return alpha_; }
  bool is_penalized(Eigen::Index j) const { return penalty_factor_[j] > 0.0; }
  bool has_limits(Eigen::Index j) const {
    return std::isfinite(lower_[j]) || std::isfinite(upper_[j]);
  }

  // argmin_b (v/2) ||b||^2 - <z, b> + P_j(b) over the box: the exact block
  // update, where z = gradient + v * b_old and v > 0 is the curvature of the
  // datafit along every coefficient of the group.
  void threshold(const Eigen::VectorXd& z, double v, double lambda, Eigen::Index j,
                 Eigen::VectorXd& b) const {
    const double l1 = lambda * alpha_ * penalty_factor_[j];
    const double c = v + lambda * (1.0 - alpha_) * penalty_factor_[j];
    if (!has_limits(j)) {
      const double norm = z.stableNorm();
      // z is scaled first and divided by c last: 1 / c overflows where c is
      // below 1 / DBL_MAX (a curvature of 1e-316 from a column near 1e-158
      // without standardization), though z / c does not.
      if (norm <= l1)
        b.setZero(z.size());
      else
        b = (z * (1.0 - l1 / norm)) / c;
      return;
    }
    threshold(z, Eigen::VectorXd::Constant(z.size(), v), lambda, j, b);
  }

  // The same with a curvature v_k per coefficient: argmin_b
  // sum_k (v_k/2) b_k^2 - <z, b> + P_j(b) over the box. b = 0 when the
  // gradient along the feasible directions is within l1 = lambda alpha pf_j.
  // Otherwise b_k = clip_k(z_k / (c_k + l1 / t)) with c_k = v_k + the ridge
  // term and t = ||b||; ||b(t)|| / t decreases in t, so t is the unique root
  // of ||b(t)|| = t, found by bisection.
  void threshold(const Eigen::VectorXd& z, const Eigen::VectorXd& v, double lambda,
                 Eigen::Index j, Eigen::VectorXd& b) const {
    const double l1 = lambda * alpha_ * penalty_factor_[j];
    const double l2 = lambda * (1.0 - alpha_) * penalty_factor_[j];
    b.resize(z.size());
    if (feasible_norm(z, j) <= l1) {
      b.setZero();
      return;
    }
    // b(t), and the derivative of ||b(t)|| in t (clipped entries do not move).
    double slope = 0.0;
    auto coefficients_at = [&](double t) {
      const double shrink = l1 > 0.0 ? l1 / t : 0.0;
      double slope_sum = 0.0;
      for (Eigen::Index k = 0; k < z.size(); ++k) {
        const double denominator = v[k] + l2 + shrink;
        const double unclipped = z[k] / denominator;
        b[k] = std::min(std::max(unclipped, lower_[j]), upper_[j]);
        // d b_k / dt = z_k l1 / (t^2 denominator^2) when not clipped.
        if (b[k] == unclipped && l1 > 0.0) slope_sum += b[k] * unclipped * l1 / (t * t * denominator);
      }
      const double norm = b.stableNorm();
      slope = norm > 0.0 ? slope_sum / norm : 0.0;
      return norm;
    };
    double high = coefficients_at(HUGE_VAL);  // ||b|| is largest without shrinkage
    if (l1 == 0.0) return;
    // Root of f(t) = ||b(t)|| - t in (0, high]: Newton steps kept inside
    // the bracket [low, high], bisection when a step would leave it.
    double low = 0.0;
    double t = high;
    for (int iteration = 0; iteration < 200 && high - low > 1e-15 * high; ++iteration) {
      const double f = coefficients_at(t) - t;
      if (f > 0.0)
        low = t;
      else
        high = t;
      if (f == 0.0) return;
      const double newton = t - f / (slope - 1.0);
      t = newton > low && newton < high ? newton : 0.5 * (low + high);
    }
    coefficients_at(high);
  }

  // Value of P_j at b (without the factor lambda).
  double value(const Eigen::VectorXd& b, Eigen::Index j) const {
    const double squared = b.squaredNorm();
    return penalty_factor_[j] * (alpha_ * std::sqrt(squared) + 0.5 * (1.0 - alpha_) * squared);
  }

  double strong_rule_cutoff(double lambda, double previous_lambda, Eigen::Index j) const {
    return alpha_ * penalty_factor_[j] * (2.0 * lambda - previous_lambda);
  }

  // Does a group sitting at zero with gradient g violate optimality? True
  // exactly when the block update from zero would move it.
  bool violates_kkt_at_zero(const Eigen::VectorXd& g, double lambda, Eigen::Index j) const {
    return feasible_norm(g, j) > lambda * alpha_ * penalty_factor_[j];
  }

  // Smallest lambda at which the group is zero, given its gradient there
  // (alpha floored at 1e-3 as glmnet does).
  double lambda_max_term(const Eigen::VectorXd& g, Eigen::Index j) const {
    return g.stableNorm() / (std::max(alpha_, 1e-3) * penalty_factor_[j]);
  }

 private:
  // The norm of the entries of z along which the box lets the group move
  // from zero. Norms here are taken without overflow (stableNorm): gradients
  // of data near 1e150 reach 1e300, whose squares do not exist.
  double feasible_norm(const Eigen::VectorXd& z, Eigen::Index j) const {
    Eigen::VectorXd feasible = z;
    for (Eigen::Index k = 0; k < z.size(); ++k)
      if (!((z[k] > 0.0 && upper_[j] > 0.0) || (z[k] < 0.0 && lower_[j] < 0.0))) feasible[k] = 0.0;
    return feasible.stableNorm();
  }

  double alpha_;
  Eigen::VectorXd penalty_factor_;
  Eigen::VectorXd lower_;
  Eigen::VectorXd upper_;
};

}  // namespace glmsparse
