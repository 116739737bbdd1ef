// Upper bounds on the gradients of the variables a GLM path leaves out, so
// that the screening and KKT sweeps compute only those that might reach
// their cutoffs. On a very wide design (p = 50,000, n = 500) those sweeps
// are most of a fit.
//
// At a point of the path the gradient of variable j is (IrlsUpdates)
//
//   g_j = (sum_i x_ij u_i - m_j(v) S) / s_j,   u = -dL/deta, S = sum_i u_i,
//
// m_j(v) = sum_i v_i x_ij / V the column's mean under the IRLS weights v
// (V = sum_i v_i) when the updates are centred, else no such term; s_j is
// the column's scale. Write c_j for the column's mean under the
// observation weights w (sum 1). Then
//
//   g_j s_j = sum_i (x_ij - c_j) u_i + S sum_i (w_i - v_i / V) (x_ij - c_j),
//
// and by Cauchy-Schwarz in the w-weighted inner product, between a
// reference point R and the current point P,
//
//   |g_j(P)| <= |g_j(R)| + f_j (D + |S_R| k_R + |S_P| k_P),
//
// with f_j = sqrt(sum_i w_i (x_ij - c_j)^2) / s_j, D^2 = sum_i (u_i(P) -
// u_i(R))^2 / w_i and k^2 = sum_i (w_i - v_i / V)^2 / w_i (over w_i > 0;
// where w_i = 0, u_i and v_i are 0). Uncentred, the same holds with f_j
// the root of the raw second moment over s_j and no S terms. To the bound
// is added the rounding of the computed gradients at both points, at most
// about n eps (sum_i |x_ij u_i| + |m_j(v) S|) / s_j, bounded by the
// uncentred f_j times sqrt(sum_i u_i^2 / w_i) + |S| (1 + k).
//
// A variable whose bound is below its cutoff needs no gradient: the
// screening and KKT decisions are the same as with it, so the path is
// unchanged.
#pragma once

#include <cmath>
#include <limits>

#include <Eigen/Dense>

namespace glmsparse {

// f_j, centred or not, from a column summary (path.hpp's ColumnSummary):
// `weighted_sum` the weighted mean, `scale` s_j, `curvature` the scaled
// column's second moment about the weighted mean with an intercept, else
// about 0. Without an intercept the centred factor (for cox, whose updates
// centre) is taken about 0 as well: at least the one about the mean, so a
// looser bound.
inline Eigen::VectorXd gradient_bound_factors(const Eigen::VectorXd& weighted_sum, const Eigen::VectorXd& scale,
                                              const Eigen::VectorXd& curvature, bool intercept, bool centred) {
  Eigen::VectorXd factor(curvature.size());
  for (Eigen::Index j = 0; j < curvature.size(); ++j) {
    const double mean_over_scale = weighted_sum[j] / scale[j];
    const double about_zero = intercept ? curvature[j] + mean_over_scale * mean_over_scale : curvature[j];
    factor[j] = std::sqrt(centred ? curvature[j] : about_zero);
  }
  return factor;
}

class GradientBounds {
 public:
  struct Point {
    double distance = HUGE_VAL;  // D from the reference
    double slack = HUGE_VAL;     // |S| k
    double size = HUGE_VAL;      // sqrt(sum_i u_i^2 / w_i)
    double score = HUGE_VAL;     // |S|
    bool centred = false;
  };

  // `weights` w (summing to 1); `centred_factor` and `uncentred_factor`: f_j
  // as above, centred and uncentred.
  GradientBounds(Eigen::VectorXd weights, Eigen::VectorXd centred_factor, Eigen::VectorXd uncentred_factor)
      : weights_(std::move(weights)),
        centred_factor_(std::move(centred_factor)),
        uncentred_factor_(std::move(uncentred_factor)),
        reference_gradient_(Eigen::VectorXd::Constant(centred_factor_.size(), HUGE_VAL)) {}

  bool has_reference() const { return has_reference_; }

  // Makes the point with residual u (= -dL/deta) and IRLS weights v the
  // reference; no gradient is known there yet.
  void set_reference(const Eigen::VectorXd& u, const Eigen::VectorXd& v, bool centred) {
    reference_residual_ = u;
    reference_ = summarize(u, v, centred);
    reference_.distance = 0.0;
    reference_gradient_.setConstant(HUGE_VAL);
    has_reference_ = true;
  }
  // The gradient of j computed at the reference.
  void set_reference_gradient(Eigen::Index j, double gradient) { reference_gradient_[j] = std::abs(gradient); }

  // The current point's summary, its distance from the reference included.
  Point summarize(const Eigen::VectorXd& u, const Eigen::VectorXd& v, bool centred) const {
    Point point;
    point.centred = centred;
    double weight_total = 0.0;
    if (centred) weight_total = v.sum();
    double size = 0.0, distance = 0.0, divergence = 0.0, score = 0.0;
    const bool compare = has_reference_ && reference_residual_.size() == u.size();
    for (Eigen::Index i = 0; i < u.size(); ++i) {
      const double w = weights_[i];
      if (!(w > 0.0)) continue;
      size += u[i] * u[i] / w;
      score += u[i];
      if (compare) {
        const double change = u[i] - reference_residual_[i];
        distance += change * change / w;
      }
      if (centred && weight_total > 0.0) {
        const double excess = w - v[i] / weight_total;
        divergence += excess * excess / w;
      }
    }
    point.size = std::sqrt(size);
    point.score = std::abs(score);
    point.distance = compare ? std::sqrt(distance) : HUGE_VAL;
    point.slack = centred ? (weight_total > 0.0 ? std::abs(score) * std::sqrt(divergence) : 0.0) : 0.0;
    return point;
  }

  // An upper bound on |g_j| at `here` (a summary from summarize()); infinite
  // when none is known. Not finite (overflowing sums) means none, too.
  double bound(Eigen::Index j, const Point& here) const {
    if (!has_reference_ || here.centred != reference_.centred) return HUGE_VAL;
    const double factor = here.centred ? centred_factor_[j] : uncentred_factor_[j];
    const double drift = here.distance + reference_.slack + here.slack;
    const double rounding = rounding_units * static_cast<double>(weights_.size()) *
                            std::numeric_limits<double>::epsilon() * uncentred_factor_[j] *
                            (reference_.size + here.size + reference_.score + here.score +
                             reference_.slack + here.slack);
    const double value = reference_gradient_[j] + factor * drift + rounding;
    return std::isfinite(value) ? value : HUGE_VAL;
  }

 private:
  // The rounding of an inner product of n terms is at most about n eps
  // times the sum of their sizes; twice that, for both points, and a margin.
  static constexpr double rounding_units = 8.0;

  Eigen::VectorXd weights_;
  Eigen::VectorXd centred_factor_, uncentred_factor_;
  Eigen::VectorXd reference_residual_;
  Point reference_;
  Eigen::VectorXd reference_gradient_;  // |g_j| at the reference; infinite where not computed
  bool has_reference_ = false;
};

}  // namespace glmsparse
