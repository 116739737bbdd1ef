// Weighted least-squares state for covariance ("Gram") updates: the gradient
// g = X~' W r of every variable is kept current, using the Gram columns
//
//   G_kj = sum_i w_i x~_ik x~_ij
//        = (sum_i w_i x_ik x_ij - m_k c_j - m_j c_k + m_k m_j) / (s_k s_j),
//
// (c = weighted column sums, m = centres, s = scales) computed once for each
// variable that enters a working set. A move then costs O(p) instead of O(n),
// which wins when n is much larger than p.
#pragma once

#include <algorithm>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include "design.hpp"

namespace glmsparse {

// Covariance updates pay off for tall dense designs whose Gram fits in memory.
template <class Design>
bool prefer_gram_updates(const Design& x) {
  return std::is_same<Design, DenseDesign>::value && x.rows() > 2 * x.cols() &&
         x.cols() <= 4000;
}

template <class Design>
class GramUpdates {
 public:
  // Every gradient is kept current: no screening needed.
  static constexpr bool exact_gradients_are_free = true;
  void take_snapshot() {}
  double distance_from_snapshot() const { return 0.0; }

  GramUpdates(const Design& x, const Eigen::VectorXd& weights,
              const Eigen::VectorXd& response, const Eigen::VectorXd& column_weighted_sum,
              bool /*intercept*/)
      : x_(x),
        weights_(weights),
        column_weighted_sum_(column_weighted_sum),
        slot_(x.cols(), -1),
        initial_weighted_response_(weights.cwiseProduct(response)) {}

  double gradient(Eigen::Index j) const {
    ensure_initial_gradient();
    return gradient_[j];
  }

  void update(Eigen::Index j, double delta) {
    if (slot_[j] < 0) add_columns({j});
    gradient_.noalias() -= delta * gram_.col(slot_[j]);
  }

  // Computes the Gram columns of a working set in blocks (one matrix product
  // per block, far faster than one column at a time).
  void prepare(const std::vector<Eigen::Index>& working_set) {
    std::vector<Eigen::Index> missing;
    for (Eigen::Index j : working_set)
      if (slot_[j] < 0) missing.push_back(j);
    if (!missing.empty()) add_columns(missing);
  }

  void prepare_full_gradient() { ensure_initial_gradient(); }

 private:
  // The gradient at b = 0 depends on the standardization, which the path sets
  // after constructing this object, so it is computed on first use.
  void ensure_initial_gradient() const {
    if (gradient_ready_) return;
    const Eigen::Index p = x_.cols();
    const double sum = initial_weighted_response_.sum();
    gradient_.resize(p);
    for (Eigen::Index j = 0; j < p; ++j)
      gradient_[j] = x_.dot(j, initial_weighted_response_, sum);
    gradient_ready_ = true;
  }

  void add_columns(const std::vector<Eigen::Index>& columns) {
    ensure_initial_gradient();
    const Eigen::Index p = x_.cols();
    const Eigen::Index needed = n_slots_ + static_cast<Eigen::Index>(columns.size());
    if (needed > gram_.cols()) {
      const Eigen::Index capacity = std::min<Eigen::Index>(p, std::max(needed, 2 * gram_.cols()));
      gram_.conservativeResize(p, capacity);
    }
    const auto& standardization = x_.standardization();
    constexpr std::size_t block = 64;
    Eigen::MatrixXd cross;
    for (std::size_t start = 0; start < columns.size(); start += block) {
      const std::size_t stop = std::min(columns.size(), start + block);
      raw_cross_products(columns, start, stop, cross);
      for (std::size_t b = start; b < stop; ++b) {
        const Eigen::Index j = columns[b];
        const Eigen::Index slot = n_slots_++;
        slot_[j] = slot;
        const double m_j = standardization.center(j);
        const double c_j = column_weighted_sum_[j];
        auto column = gram_.col(slot);
        column = cross.col(b - start) - standardization.centers() * c_j -
                 column_weighted_sum_ * m_j;
        column.array() += standardization.centers().array() * m_j;
        column.array() *= standardization.inv_scales().array() * standardization.inv_scale(j);
      }
    }
  }

  // cross.col(b - start) = X' (w o x_{columns[b]}) for b in [start, stop).
  void raw_cross_products(const std::vector<Eigen::Index>& columns, std::size_t start,
                          std::size_t stop, Eigen::MatrixXd& cross) const;

  const Design& x_;
  const Eigen::VectorXd& weights_;
  const Eigen::VectorXd& column_weighted_sum_;
  std::vector<Eigen::Index> slot_;
  Eigen::MatrixXd gram_;
  Eigen::Index n_slots_ = 0;
  Eigen::VectorXd initial_weighted_response_;
  mutable Eigen::VectorXd gradient_;
  mutable bool gradient_ready_ = false;
};

template <>
inline void GramUpdates<DenseDesign>::raw_cross_products(
    const std::vector<Eigen::Index>& columns, std::size_t start, std::size_t stop,
    Eigen::MatrixXd& cross) const {
  const Eigen::Index n = x_.rows();
  Eigen::MatrixXd weighted_block(n, static_cast<Eigen::Index>(stop - start));
  for (std::size_t b = start; b < stop; ++b)
    weighted_block.col(b - start) = x_.matrix().col(columns[b]).cwiseProduct(weights_);
  cross.noalias() = x_.matrix().transpose() * weighted_block;
}

template <>
inline void GramUpdates<SparseDesign>::raw_cross_products(
    const std::vector<Eigen::Index>& columns, std::size_t start, std::size_t stop,
    Eigen::MatrixXd& cross) const {
  const Eigen::Index p = x_.cols();
  cross.resize(p, static_cast<Eigen::Index>(stop - start));
  Eigen::VectorXd weighted_column(x_.rows());
  for (std::size_t b = start; b < stop; ++b) {
    weighted_column.setZero();
    x_.raw_weighted_axpy(columns[b], 1.0, weights_, weighted_column);
    for (Eigen::Index k = 0; k < p; ++k) cross(k, b - start) = x_.raw_dot(k, weighted_column);
  }
}

}  // namespace glmsparse
