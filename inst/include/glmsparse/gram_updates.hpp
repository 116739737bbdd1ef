// Weighted least-squares state for covariance ("Gram") updates: the gradient
// g = X~' W r of every variable is kept current, using the Gram columns
//
//   G_kj = sum_i w_i x~_ik x~_ij
//        = (sum_i w_i x_ik x_ij - m_k c_j - m_j c_k + m_k m_j) / (s_k s_j),
//
// (c = weighted column sums, m = centres, s = scales) computed once for each
// variable that enters a working set. A move then costs O(p) instead of O(n),
// which wins when n is much larger than p. From x the columns are computed as
//
//   G_kj = (<x_k, u_j> - m_k sum_i u_ij) / (s_k s_j),   u_j = w o (x_j - m_j),
//
// the same sum with column j centred first: raw cross products lose digits
// in proportion to the square of the ratio of a column's mean to its spread,
// these only in proportion to that ratio, as any centred inner product does.
#pragma once

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include "design.hpp"
#include "parallel.hpp"

namespace glmsparse {

// The raw weighted Gram matrix S = X' V X of every row (V = diag(weights),
// the weights as given), computed once and shared by fits that leave rows out
// through zero weights (cross-validation folds): their Gram columns are then
// S less the left-out rows' part, O(rows left out x p) per column instead of
// O(n x p).
struct SharedGram {
  Eigen::MatrixXd raw;
  Eigen::VectorXd weights;
};

// S for a dense design, in fixed pieces of columns shared out among the
// threads (the result does not depend on their number).
inline SharedGram compute_shared_gram(const DenseDesign& x, const Eigen::VectorXd& weights,
                                      int n_threads) {
  SharedGram shared;
  shared.weights = weights;
  const Eigen::Index p = x.cols();
  shared.raw.resize(p, p);
  constexpr Eigen::Index piece = 64;
  parallel_for_chunks(n_threads, (p + piece - 1) / piece, [&](Eigen::Index c) {
    const Eigen::Index begin = c * piece, width = std::min(p, begin + piece) - begin;
    const Eigen::MatrixXd weighted =
        weights.asDiagonal() * x.matrix().middleCols(begin, width);
    shared.raw.middleCols(begin, width).noalias() = x.matrix().transpose() * weighted;
  });
  return shared;
}

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

  GramUpdates(const Design& x, const Eigen::VectorXd& weights,
              const Eigen::VectorXd& response, const Eigen::VectorXd& column_weighted_sum,
              bool /*intercept*/, int n_threads = 1)
      : x_(x),
        n_threads_(n_threads),
        weights_(weights),
        column_weighted_sum_(column_weighted_sum),
        slot_(x.cols(), -1),
        initial_weighted_response_(weights.cwiseProduct(response)) {}

  // Arithmetic of one coordinate update: a Gram column added to the gradients.
  double coordinate_cost() const { return static_cast<double>(x_.cols()); }
  // One entry of cross_products() is read from a Gram column the passes
  // over the active set have already computed.
  double cross_product_cost() const { return 1.0; }

  double gradient(Eigen::Index j) const {
    ensure_initial_gradient();
    return gradient_[j];
  }

  void update(Eigen::Index j, double delta) {
    if (slot_[j] < 0) add_columns({j});
    gradient_.noalias() -= delta * gram_.col(slot_[j]);
  }

  // Gram columns from `shared` when these weights are its weights with some
  // rows set to zero (normalized to sum to 1): the rows left out and the
  // normalizing total are found here. Anything else leaves the columns to be
  // computed from x.
  void attach_shared_gram(const SharedGram* shared) {
    if (shared == nullptr || !std::is_same<Design, DenseDesign>::value ||
        shared->weights.size() != weights_.size())
      return;
    double kept_total = 0.0;
    std::vector<Eigen::Index> left_out;
    for (Eigen::Index i = 0; i < weights_.size(); ++i) {
      if (weights_[i] == 0.0) {
        if (shared->weights[i] != 0.0) left_out.push_back(i);
      } else {
        kept_total += shared->weights[i];
      }
    }
    if (!(kept_total > 0.0)) return;
    for (Eigen::Index i = 0; i < weights_.size(); ++i)
      if (weights_[i] != 0.0 &&
          std::abs(weights_[i] - shared->weights[i] / kept_total) > 1e-14 * (weights_[i] + 1e-300))
        return;
    shared_ = shared;
    left_out_rows_ = std::move(left_out);
    shared_scale_ = 1.0 / kept_total;
  }

  // Computes the Gram columns of a working set in blocks (one matrix product
  // per block, far faster than one column at a time).
  void prepare(const std::vector<Eigen::Index>& working_set) {
    std::vector<Eigen::Index> missing;
    for (Eigen::Index j : working_set)
      if (slot_[j] < 0) missing.push_back(j);
    if (missing.empty()) return;
    add_likely_entrants(missing);
    add_columns(missing);
  }

  void prepare_full_gradient() { ensure_initial_gradient(); }

  // out(r, c) = G_{rows[r], columns[c]}, read from the stored Gram columns.
  void cross_products(const std::vector<Eigen::Index>& columns,
                      const std::vector<Eigen::Index>& rows, Eigen::MatrixXd& out) {
    std::vector<Eigen::Index> missing;
    for (Eigen::Index j : columns)
      if (slot_[j] < 0) missing.push_back(j);
    if (!missing.empty()) add_columns(missing);
    out.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns.size()));
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const auto column = gram_.col(slot_[columns[c]]);
      for (std::size_t r = 0; r < rows.size(); ++r)
        out(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = column[rows[r]];
    }
  }

 private:
  // Matrix products over a few columns are dominated by packing X, so the
  // columns are computed in wider batches: the batch is padded with the
  // variables most likely to enter next (largest |gradient|) to at least half
  // the columns held so far. The geometric growth bounds the columns never
  // used to about half of those used.
  void add_likely_entrants(std::vector<Eigen::Index>& missing) {
    constexpr Eigen::Index minimum_batch = 32;
    const Eigen::Index p = x_.cols();
    const Eigen::Index wanted = std::min<Eigen::Index>(
        p - n_slots_, std::max<Eigen::Index>(minimum_batch, n_slots_ / 2));
    const auto n_missing = static_cast<Eigen::Index>(missing.size());
    if (n_missing >= wanted) return;
    ensure_initial_gradient();
    std::vector<char> chosen(p, 0);
    for (Eigen::Index j : missing) chosen[j] = 1;
    std::vector<Eigen::Index> candidates;
    for (Eigen::Index k = 0; k < p; ++k)
      if (slot_[k] < 0 && !chosen[k]) candidates.push_back(k);
    const auto extra = std::min<std::size_t>(candidates.size(), wanted - n_missing);
    std::partial_sort(candidates.begin(), candidates.begin() + extra, candidates.end(),
                      [this](Eigen::Index a, Eigen::Index b) {
                        return std::abs(gradient_[a]) > std::abs(gradient_[b]);
                      });
    missing.insert(missing.end(), candidates.begin(), candidates.begin() + extra);
  }

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
    constexpr std::size_t block = 256;
    Eigen::MatrixXd cross;
    std::vector<double> centred_sums;
    for (std::size_t start = 0; start < columns.size(); start += block) {
      const std::size_t stop = std::min(columns.size(), start + block);
      // G is symmetric: entries against variables that already have a column
      // are read from it, so only the other rows need inner products. Over a
      // path this halves the cost of the Gram matrix.
      const Eigen::Index first_new_slot = n_slots_;
      const std::vector<RowRun> runs = rows_without_columns();
      if (shared_ != nullptr)
        shared_cross_products(columns, start, stop, runs, cross);
      else
        centred_cross_products(columns, start, stop, runs, cross, centred_sums);
      for (std::size_t b = start; b < stop; ++b) {
        const Eigen::Index j = columns[b];
        const Eigen::Index slot = n_slots_++;
        slot_[j] = slot;
        Eigen::VectorXd column = cross.col(static_cast<Eigen::Index>(b - start));
        if (shared_ != nullptr) {
          standardize_cross_products(standardization, column_weighted_sum_, j, all_rows_, column);
        } else {
          const double sum_j = centred_sums[b - start];
          const double inv_scale_j = standardization.inv_scale(j);
          for (Eigen::Index k = 0; k < p; ++k)
            column[k] = (column[k] - standardization.center(k) * sum_j) * standardization.inv_scale(k) *
                        inv_scale_j;
        }
        for (Eigen::Index k = 0; k < p; ++k)
          if (slot_[k] >= 0 && slot_[k] < first_new_slot) column[k] = gram_(j, slot_[k]);
        gram_.col(slot) = column;
      }
    }
  }

  // Ranges [begin, end) of variables, covering every variable without a Gram
  // column. Short gaps are bridged: one longer matrix product beats two.
  struct RowRun {
    Eigen::Index begin, end;
  };
  std::vector<RowRun> rows_without_columns() const {
    constexpr Eigen::Index bridged_gap = 32;
    std::vector<RowRun> runs;
    const Eigen::Index p = x_.cols();
    for (Eigen::Index k = 0; k < p; ++k) {
      if (slot_[k] >= 0) continue;
      if (!runs.empty() && k - runs.back().end <= bridged_gap)
        runs.back().end = k + 1;
      else
        runs.push_back({k, k + 1});
    }
    return runs;
  }

  // The runs cut into fixed-size pieces, shared out among the threads (the
  // pieces do not depend on the number of threads).
  static std::vector<RowRun> split_into_pieces(const std::vector<RowRun>& runs) {
    constexpr Eigen::Index piece_rows = 128;
    std::vector<RowRun> pieces;
    for (const RowRun& run : runs)
      for (Eigen::Index begin = run.begin; begin < run.end; begin += piece_rows)
        pieces.push_back({begin, std::min(run.end, begin + piece_rows)});
    return pieces;
  }

  // cross(k, b - start) = <x_k, u_j>, u_j = w o (x_j - m_j), j = columns[b],
  // for b in [start, stop) and k in the runs (other rows are left unset), and
  // sums[b - start] = sum_i u_ij.
  void centred_cross_products(const std::vector<Eigen::Index>& columns, std::size_t start,
                              std::size_t stop, const std::vector<RowRun>& runs,
                              Eigen::MatrixXd& cross, std::vector<double>& sums) const;

  // With a shared Gram: cross(k, .) = scale * (S(k, j) - sum over the
  // left-out rows of v_i x_ik x_ij).
  void shared_cross_products(const std::vector<Eigen::Index>& columns, std::size_t start,
                             std::size_t stop, const std::vector<RowRun>& runs,
                             Eigen::MatrixXd& cross) const;

  const Design& x_;
  int n_threads_;  // for computing Gram columns
  const SharedGram* shared_ = nullptr;
  std::vector<Eigen::Index> left_out_rows_;
  double shared_scale_ = 1.0;
  const Eigen::VectorXd& weights_;
  const Eigen::VectorXd& column_weighted_sum_;
  const std::vector<Eigen::Index> all_rows_;  // empty: standardize every row
  std::vector<Eigen::Index> slot_;
  Eigen::MatrixXd gram_;
  Eigen::Index n_slots_ = 0;
  Eigen::VectorXd initial_weighted_response_;
  mutable Eigen::VectorXd gradient_;
  mutable bool gradient_ready_ = false;
};

template <>
inline void GramUpdates<DenseDesign>::centred_cross_products(
    const std::vector<Eigen::Index>& columns, std::size_t start, std::size_t stop,
    const std::vector<RowRun>& runs, Eigen::MatrixXd& cross, std::vector<double>& sums) const {
  const Eigen::Index n = x_.rows();
  const auto width = static_cast<Eigen::Index>(stop - start);
  Eigen::MatrixXd weighted_block(n, width);
  sums.resize(stop - start);
  for (std::size_t b = start; b < stop; ++b) {
    const Eigen::Index j = columns[b];
    auto u = weighted_block.col(static_cast<Eigen::Index>(b - start));
    u = (x_.matrix().col(j).array() - x_.standardization().center(j)).matrix().cwiseProduct(weights_);
    sums[b - start] = u.sum();
  }
  cross.resize(x_.cols(), width);
  const std::vector<RowRun> pieces = split_into_pieces(runs);
  parallel_for_chunks(n_threads_, static_cast<Eigen::Index>(pieces.size()), [&](Eigen::Index c) {
    const RowRun& piece = pieces[static_cast<std::size_t>(c)];
    cross.middleRows(piece.begin, piece.end - piece.begin).noalias() =
        x_.matrix().middleCols(piece.begin, piece.end - piece.begin).transpose() *
        weighted_block;
  });
}

template <class Design>
void GramUpdates<Design>::shared_cross_products(const std::vector<Eigen::Index>& columns,
                                                std::size_t start, std::size_t stop,
                                                const std::vector<RowRun>& runs,
                                                Eigen::MatrixXd& cross) const {
  const auto width = static_cast<Eigen::Index>(stop - start);
  const auto n_left_out = static_cast<Eigen::Index>(left_out_rows_.size());
  // The left-out rows of the block's columns, times their weights.
  Eigen::MatrixXd weighted_left_out(n_left_out, width);
  for (Eigen::Index b = 0; b < width; ++b) {
    const Eigen::Index j = columns[start + static_cast<std::size_t>(b)];
    for (Eigen::Index r = 0; r < n_left_out; ++r) {
      const Eigen::Index i = left_out_rows_[static_cast<std::size_t>(r)];
      weighted_left_out(r, b) = shared_->weights[i] * x_.raw_value(i, j);
    }
  }
  cross.resize(x_.cols(), width);
  const std::vector<RowRun> pieces = split_into_pieces(runs);
  parallel_for_chunks(n_threads_, static_cast<Eigen::Index>(pieces.size()), [&](Eigen::Index c) {
    const RowRun& piece = pieces[static_cast<std::size_t>(c)];
    const Eigen::Index rows = piece.end - piece.begin;
    Eigen::MatrixXd left_out(n_left_out, rows);
    for (Eigen::Index k = 0; k < rows; ++k)
      for (Eigen::Index r = 0; r < n_left_out; ++r)
        left_out(r, k) = x_.raw_value(left_out_rows_[static_cast<std::size_t>(r)], piece.begin + k);
    auto block = cross.middleRows(piece.begin, rows);
    for (Eigen::Index b = 0; b < width; ++b)
      block.col(b) = shared_->raw.col(columns[start + static_cast<std::size_t>(b)])
                         .segment(piece.begin, rows);
    block.noalias() -= left_out.transpose() * weighted_left_out;
    block *= shared_scale_;
  });
}

template <>
inline void GramUpdates<SparseDesign>::centred_cross_products(
    const std::vector<Eigen::Index>& columns, std::size_t start, std::size_t stop,
    const std::vector<RowRun>& runs, Eigen::MatrixXd& cross, std::vector<double>& sums) const {
  cross.resize(x_.cols(), static_cast<Eigen::Index>(stop - start));
  sums.resize(stop - start);
  Eigen::VectorXd weighted_column(x_.rows());
  for (std::size_t b = start; b < stop; ++b) {
    weighted_column.setZero();
    x_.raw_weighted_axpy(columns[b], 1.0, weights_, weighted_column);
    weighted_column -= x_.standardization().center(columns[b]) * weights_;
    sums[b - start] = weighted_column.sum();
    for (const RowRun& run : runs)
      for (Eigen::Index k = run.begin; k < run.end; ++k)
        cross(k, static_cast<Eigen::Index>(b - start)) = x_.raw_dot(k, weighted_column);
  }
}

}  // namespace glmsparse
