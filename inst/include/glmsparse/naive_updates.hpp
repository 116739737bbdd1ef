// Weighted least-squares state for "naive" coordinate updates: the weighted
// residual wr = w o r is kept current, so a coordinate's gradient costs one
// pass over its column and an update one more.
//
// With an intercept, a move along the centred column x~_j shifts every
// residual by a constant; that constant never needs applying, because
// <x~_j, w o (r + c)> = <x~_j, w o r> when the centres are weighted means. Only
// sum(w o r) is tracked, so sparse columns stay sparse.
//
// That constant is still added to the residual, and on columns whose mean
// dwarfs their spread it grows far beyond the residual itself; each centred
// inner product then cancels it away and loses as many digits as it is
// larger (NaN coefficients in the end). So once it exceeds the residual's
// scale by a wide margin it is taken out of the residual, at the cost of one
// pass over the rows (as IrlsUpdates does).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Dense>

#include "design.hpp"
#include "parallel.hpp"

namespace glmsparse {
struct SharedGram;  // gram_updates.hpp
}

namespace glmsparse {

template <class Design>
class NaiveUpdates {
 public:
  NaiveUpdates(const Design& x, const Eigen::VectorXd& weights,
               const Eigen::VectorXd& response, const Eigen::VectorXd& column_weighted_sum,
               bool intercept, int n_threads = 1)
      : x_(x),
        weights_(weights),
        column_weighted_sum_(column_weighted_sum),
        weighted_residual_(weights.cwiseProduct(response)),
        weighted_residual_sum_(weighted_residual_.sum()),
        common_weight_(common_value(weights)),
        weight_total_(weights.sum()),
        intercept_(intercept),
        n_threads_(n_threads) {
    residual_scale_ = root_mean_square();
    // Below this the residual is rounding noise of the response's scale.
    residual_scale_floor_ = residual_scale_ * std::numeric_limits<double>::epsilon();
  }

  // A shared Gram matrix is of no use to naive updates.
  void attach_shared_gram(const SharedGram* /*shared*/) {}

  // <x~_j, w o r>: minus the derivative of the loss in coordinate j.
  double gradient(Eigen::Index j) const {
    return x_.dot(j, weighted_residual_, weighted_residual_sum_);
  }

  // out[k] = gradient(variables[k]): independent inner products, shared
  // out among the threads in pieces of fixed size once there are enough to
  // pay for starting a thread.
  void gradients(const std::vector<Eigen::Index>& variables, Eigen::VectorXd& out) const {
    out.resize(static_cast<Eigen::Index>(variables.size()));
    const double work = static_cast<double>(variables.size()) * x_.average_column_length();
    const int n_threads = work >= parallel_gradient_work ? n_threads_ : 1;
    const Eigen::Index piece = 64;
    const auto count = static_cast<Eigen::Index>(variables.size());
    parallel_for_chunks(n_threads, (count + piece - 1) / piece, [&](Eigen::Index c) {
      const Eigen::Index end = std::min(count, (c + 1) * piece);
      for (Eigen::Index k = c * piece; k < end; ++k) out[k] = gradient(variables[static_cast<std::size_t>(k)]);
    });
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
    if (intercept_ && std::abs(weighted_residual_sum_) > max_shift * residual_scale_ * weight_total_)
      remove_shift();
  }

  // sum_i w_i r_i^2 from the residual itself, so that many coordinates can
  // move by update() alone. With an intercept the residual is only known up
  // to a constant, which the intercept absorbs: the weighted-mean-zero
  // residual is the one that counts. It is summed about its mean, not as
  // sum w r^2 - (sum w r)^2 / sum w, which cancels when the mean is large.
  double working_rss() const {
    const double mean = intercept_ && weight_total_ > 0.0 ? weighted_residual_sum_ / weight_total_ : 0.0;
    double sum_of_squares = 0.0;
    for (Eigen::Index i = 0; i < weights_.size(); ++i) {
      if (!(weights_[i] > 0.0)) continue;
      const double r = weighted_residual_[i] / weights_[i] - mean;
      sum_of_squares += weights_[i] * r * r;
    }
    return sum_of_squares;
  }

  // Arithmetic of one coordinate update (an inner product and an axpy).
  double coordinate_cost() const { return 2.0 * x_.average_column_length(); }
  // One entry of cross_products() is an inner product of two columns, at
  // most the arithmetic of a coordinate update.
  double cross_product_cost() const { return coordinate_cost(); }

  // Whether passes over this many coordinates should take them in column
  // order (see the design's reads_faster_in_column_order).
  bool reads_faster_in_column_order(std::size_t n_columns) const {
    return x_.reads_faster_in_column_order(n_columns);
  }

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
    x_.raw_weighted_cross_products(rows, columns, weights_, out, n_threads_);
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

  // Gradients are computed on demand. The residual's scale is measured
  // afresh before each solve: the shift it may carry is bounded relative to
  // it, and near an exact fit the residual is far smaller than when last
  // measured, so a shift tolerated then would drown the gradients now.
  void prepare(const std::vector<Eigen::Index>& /*working_set*/) {
    residual_scale_ = std::max(root_mean_square(), residual_scale_floor_);
    if (intercept_ && std::abs(weighted_residual_sum_) > max_shift * residual_scale_ * weight_total_)
      remove_shift();
  }
  void prepare_full_gradient() {}

 private:
  // The weight shared by every row, or 0 when the weights differ.
  static double common_value(const Eigen::VectorXd& weights) {
    if (weights.size() == 0) return 0.0;
    const double first = weights[0];
    return (weights.array() == first).all() ? first : 0.0;
  }

  // sqrt(sum_i w_i r_i^2 / sum_i w_i), about the mean with an intercept.
  double root_mean_square() const {
    return weight_total_ > 0.0 ? std::sqrt(working_rss() / weight_total_) : 0.0;
  }

  // The residual's common shift sum(w o r) / sum(w) leaves the residual; the
  // sum is recomputed from the residual, not tracked.
  void remove_shift() {
    const double shift = weighted_residual_sum_ / weight_total_;
    weighted_residual_ -= shift * weights_;
    weighted_residual_sum_ = weighted_residual_.sum();
    residual_scale_ = std::max(root_mean_square(), residual_scale_floor_);
  }

  // A shift this many times the residual's scale costs the centred inner
  // products about three digits; ordinary columns seldom get there, so the
  // pass over the rows is rare.
  static constexpr double max_shift = 1e3;
  // Entries of x read by gradients() below which one thread does them all:
  // starting a thread costs some tens of microseconds.
  static constexpr double parallel_gradient_work = 1e5;

  const Design& x_;
  const Eigen::VectorXd& weights_;
  const Eigen::VectorXd& column_weighted_sum_;
  Eigen::VectorXd weighted_residual_;
  double weighted_residual_sum_;
  double common_weight_;
  double weight_total_;
  bool intercept_;
  double residual_scale_ = 0.0;  // root mean square of r when last measured
  double residual_scale_floor_ = 0.0;
  int n_threads_;
};

}  // namespace glmsparse
