// Gradient screening from a subspace of past residuals. The gradient of
// variable j at residual r is g_j(r) = <x~_j, W r>, linear in r. Given
// residuals r_1..r_m at which every gradient was computed exactly, write the
// current residual as r = sum_k c_k r_k + e with e W-orthogonal to them
// (and, with an intercept, to the constant vector, to which every centred
// column is W-orthogonal). Then
//
//   g_j(r) = sum_k c_k g_j(r_k) + <x~_j, W e>,   |<x~_j, W e>| <= sqrt(v_j) ||e||_W
//
// (Cauchy-Schwarz, v_j = ||x~_j||_W^2), so |g_j(r)| <= |estimate_j| +
// sqrt(v_j) ||e||_W. With the last snapshot alone (c = 1) this is the plain
// bound |g_j(r_1)| + sqrt(v_j) ||r - r_1||_W; the projection can only shrink
// ||e||, and the best scaling of the last residuals (they shrink along a
// path) and the constant shift usually shrink it a lot.
//
// Vectors are held as z = sqrt(w) o r, in which the W-inner product is the
// plain one.
#pragma once

#include <cmath>
#include <deque>
#include <utility>

#include <Eigen/Dense>

namespace glmsparse {

class ResidualSubspace {
 public:
  // `constant_direction`: sqrt(w) with an intercept (its gradients are all
  // 0), empty without one. `depth`: how many snapshots are kept.
  ResidualSubspace(Eigen::Index p, int depth, Eigen::VectorXd constant_direction)
      : p_(p), depth_(depth), constant_(std::move(constant_direction)), basis_gradient_(0, p) {}

  // Records the residual z at which `gradient` holds every exact gradient.
  void add(const Eigen::VectorXd& z, const Eigen::VectorXd& gradient) {
    snapshots_.emplace_back(z, gradient);
    if (static_cast<int>(snapshots_.size()) > depth_) snapshots_.pop_front();
    rebuild();
  }

  // Projects z on the subspace; afterwards bound(j, sqrt_v_j) bounds |g_j(z)|.
  void project(const Eigen::VectorXd& z) {
    if (basis_.rows() != z.size()) basis_.resize(z.size(), 0);  // nothing recorded yet
    const Eigen::Index m = basis_.cols();
    Eigen::VectorXd e = z;
    coefficients_.setZero(m);
    // Twice, so that rounding in the first projection leaves no component
    // along the basis in e.
    for (int sweep = 0; sweep < 2; ++sweep) {
      const Eigen::VectorXd c = basis_.transpose() * e;
      e.noalias() -= basis_ * c;
      coefficients_ += c;
    }
    // Rounding in the estimates is far below this margin: every |g_j(z)| is
    // at most sqrt(v_j) ||z||, and the basis is well conditioned.
    unexplained_norm_ = e.norm() + rounding_margin * z.norm();
  }

  double estimate(Eigen::Index j) const { return basis_gradient_.col(j).dot(coefficients_); }

  // An upper bound of |g_j| at the last projected residual.
  double bound(Eigen::Index j, double sqrt_curvature) const {
    return std::abs(estimate(j)) + sqrt_curvature * unexplained_norm_;
  }

 private:
  static constexpr double rounding_margin = 1e-10;
  // A snapshot whose part outside the basis so far is smaller than this
  // fraction of its norm is skipped: keeping it would amplify rounding in
  // its gradients by the inverse of that fraction.
  static constexpr double independence = 1e-3;

  // Modified Gram-Schmidt, twice, over the constant direction and the
  // snapshots, newest first; the gradients follow the same combinations.
  void rebuild() {
    const Eigen::Index n = snapshots_.back().first.size();
    const auto capacity = static_cast<Eigen::Index>(snapshots_.size()) + 1;
    basis_.resize(n, capacity);
    basis_gradient_.resize(capacity, p_);
    Eigen::Index m = 0;
    auto append = [&](Eigen::VectorXd q, Eigen::VectorXd h) {
      const double original = q.norm();
      for (int sweep = 0; sweep < 2; ++sweep) {
        for (Eigen::Index k = 0; k < m; ++k) {
          const double c = basis_.col(k).dot(q);
          q -= c * basis_.col(k);
          h -= c * basis_gradient_.row(k).transpose();
        }
      }
      const double remaining = q.norm();
      if (!(remaining > independence * original)) return;
      basis_.col(m) = q / remaining;
      basis_gradient_.row(m) = h.transpose() / remaining;
      ++m;
    };
    if (constant_.size() == n) append(constant_, Eigen::VectorXd::Zero(p_));
    for (auto it = snapshots_.rbegin(); it != snapshots_.rend(); ++it) append(it->first, it->second);
    basis_.conservativeResize(n, m);
    basis_gradient_.conservativeResize(m, p_);
  }

  Eigen::Index p_;
  int depth_;
  Eigen::VectorXd constant_;
  std::deque<std::pair<Eigen::VectorXd, Eigen::VectorXd>> snapshots_;
  Eigen::MatrixXd basis_;           // n x m, orthonormal columns
  Eigen::MatrixXd basis_gradient_;  // m x p: row k holds the gradients at basis column k
  Eigen::VectorXd coefficients_;
  double unexplained_norm_ = 0.0;
};

}  // namespace glmsparse
