// Weighted least-squares state for "naive" coordinate updates: the weighted
// residual wr = w o r is kept current, so a coordinate's gradient costs one
// pass over its column and an update one more.
//
// With an intercept, a move along the centred column x~_j shifts every
// residual by a constant; that constant never needs applying, because
// <x~_j, w o (r + c)> = <x~_j, w o r> when the centres are weighted means. Only
// sum(w o r) is tracked, so sparse columns stay sparse.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Dense>

#include "design.hpp"

namespace glmsparse {
struct SharedGram;  // gram_updates.hpp
}

namespace glmsparse {

template <class Design>
class NaiveUpdates {
 public:
  NaiveUpdates(const Design& x, const Eigen::VectorXd& weights,
               const Eigen::VectorXd& response, const Eigen::VectorXd& column_weighted_sum,
               bool intercept, int /*n_threads*/ = 1)
      : x_(x),
        weights_(weights),
        column_weighted_sum_(column_weighted_sum),
        weighted_residual_(weights.cwiseProduct(response)),
        weighted_residual_sum_(weighted_residual_.sum()),
        common_weight_(common_value(weights)),
        intercept_(intercept) {}

  // A shared Gram matrix is of no use to naive updates.
  void attach_shared_gram(const SharedGram* /*shared*/) {}

  // <x~_j, w o r>: minus the derivative of the loss in coordinate j.
  double gradient(Eigen::Index j) const {
    return x_.dot(j, weighted_residual_, weighted_residual_sum_);
  }

  // The residual after b_j += delta.
  void update(Eigen::Index j, double delta) {
    const double step = -delta * x_.standardization().inv_scale(j);
    // Equal weights (the common case) need no per-row multiplication.
    if (common_weight_ > 0.0)
      x_.raw_axpy(j, step * common_weight_, weighted_residual_);
    else
      x_.raw_weighted_axpy(j, step, weights_, weighted_residual_);
    weighted_residual_sum_ += step * column_weighted_sum_[j];
  }

  // sum_i w_i r_i^2 from the residual itself, so that many coordinates can
  // move by update() alone. With an intercept the residual is only known up
  // to a constant, which the intercept absorbs: the weighted-mean-zero
  // residual is the one that counts.
  double working_rss() const {
    double sum_of_squares = 0.0;
    double total_weight = 0.0;
    for (Eigen::Index i = 0; i < weights_.size(); ++i) {
      if (!(weights_[i] > 0.0)) continue;
      sum_of_squares += weighted_residual_[i] * weighted_residual_[i] / weights_[i];
      total_weight += weights_[i];
    }
    if (intercept_ && total_weight > 0.0)
      sum_of_squares -= weighted_residual_sum_ * weighted_residual_sum_ / total_weight;
    return std::max(sum_of_squares, 0.0);
  }

  // Arithmetic of one coordinate update (an inner product and an axpy).
  double coordinate_cost() const { return 2.0 * x_.average_column_length(); }

  // Each gradient costs an inner product over a column.
  static constexpr bool exact_gradients_are_free = false;

  // z = sqrt(w) o r, in which the W-inner product of residuals is the plain
  // one (for ResidualSubspace).
  void scaled_residual(Eigen::VectorXd& z) const {
    z.resize(weighted_residual_.size());
    for (Eigen::Index i = 0; i < z.size(); ++i)
      z[i] = weights_[i] > 0.0 ? weighted_residual_[i] / std::sqrt(weights_[i]) : 0.0;
  }

  // out(r, c) = <x~_{rows[r]}, w o x~_{columns[c]}>: Gram entries for an
  // exact solve on a support.
  void cross_products(const std::vector<Eigen::Index>& columns,
                      const std::vector<Eigen::Index>& rows, Eigen::MatrixXd& out) const {
    x_.raw_weighted_cross_products(rows, columns, weights_, out);
    for (std::size_t c = 0; c < columns.size(); ++c)
      standardize_cross_products(x_.standardization(), column_weighted_sum_, columns[c], rows,
                                 out.col(static_cast<Eigen::Index>(c)));
  }

  // out_k = <x~_{members[k]}, w o x~_j>.
  void cross_products(Eigen::Index j, const std::vector<Eigen::Index>& members,
                      Eigen::VectorXd& out) const {
    Eigen::MatrixXd column;
    cross_products(std::vector<Eigen::Index>{j}, members, column);
    out = column.col(0);
  }

  // Gradients are computed on demand: nothing to prepare.
  void prepare(const std::vector<Eigen::Index>& /*working_set*/) {}
  void prepare_full_gradient() {}

 private:
  // The weight shared by every row, or 0 when the weights differ.
  static double common_value(const Eigen::VectorXd& weights) {
    if (weights.size() == 0) return 0.0;
    const double first = weights[0];
    return (weights.array() == first).all() ? first : 0.0;
  }

  const Design& x_;
  const Eigen::VectorXd& weights_;
  const Eigen::VectorXd& column_weighted_sum_;
  Eigen::VectorXd weighted_residual_;
  double weighted_residual_sum_;
  double common_weight_;
  bool intercept_;
};

}  // namespace glmsparse
