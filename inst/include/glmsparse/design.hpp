// Read-only views of the design matrix X.
//
// Column j acts as the standardized column  x~_j = (x_j - center_j) / scale_j
// without ever being formed: centring and scaling are folded into the inner
// products algebraically, so a dense X is read in place and a sparse X stays
// sparse. Both views expose the same small interface, which is all the solver
// needs; they are interchangeable template arguments.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include "parallel.hpp"
#include "vector_kernels.hpp"

namespace glmsparse {

using Eigen::Index;
using Eigen::VectorXd;

// Weighted second moments outside this range have lost digits to underflow
// (entries near 1e-158 square below the smallest normal double) or are near
// overflow: callers take them again of the column scaled near 1.
constexpr double moment_floor = 1e-280;
constexpr double moment_ceiling = 1e280;

// Shared standardization state: centre and reciprocal scale of each column.
class Standardization {
 public:
  explicit Standardization(Index n_cols)
      : center_(VectorXd::Zero(n_cols)), inv_scale_(VectorXd::Ones(n_cols)) {}

  void set(const VectorXd& center, const VectorXd& scale) {
    center_ = center;
    inv_scale_ = scale.cwiseInverse();
  }
  double center(Index j) const { return center_[j]; }
  double inv_scale(Index j) const { return inv_scale_[j]; }
  const VectorXd& centers() const { return center_; }
  const VectorXd& inv_scales() const { return inv_scale_; }

 private:
  VectorXd center_;
  VectorXd inv_scale_;
};

// Turns raw weighted cross products raw_k = sum_i w_i x_ik x_ij (weights
// summing to 1) into those of the standardized columns,
//
//   <x~_k, w o x~_j> = (raw_k - m_k c_j - m_j c_k + m_k m_j) / (s_k s_j),
//
// with c the weighted column sums, m the centres and s the scales, for the
// variables k listed in `rows` (all variables when `rows` is empty).
template <class Rows, class Vector>
void standardize_cross_products(const Standardization& standardization,
                                const VectorXd& column_weighted_sum, Index j, const Rows& rows,
                                Vector&& raw) {
  const double m_j = standardization.center(j);
  const double c_j = column_weighted_sum[j];
  const double inv_s_j = standardization.inv_scale(j);
  const Index size = raw.size();
  for (Index r = 0; r < size; ++r) {
    const Index k = rows.empty() ? r : static_cast<Index>(rows[static_cast<std::size_t>(r)]);
    const double m_k = standardization.center(k);
    raw[r] = (raw[r] - m_k * c_j - m_j * column_weighted_sum[k] + m_k * m_j) *
             standardization.inv_scale(k) * inv_s_j;
  }
}

// A subset of rows: the list, and each row's place in it (-1 if absent).
struct RowSelection {
  std::vector<Eigen::Index> rows;
  std::vector<Eigen::Index> place;

  RowSelection(Eigen::Index n, std::vector<Eigen::Index> selected)
      : rows(std::move(selected)), place(static_cast<std::size_t>(n), -1) {
    for (std::size_t k = 0; k < rows.size(); ++k)
      place[static_cast<std::size_t>(rows[k])] = static_cast<Eigen::Index>(k);
  }
};

class DenseDesign {
 public:
  using Matrix = Eigen::Map<const Eigen::MatrixXd>;

  explicit DenseDesign(const Matrix& x) : x_(x), standardization_(x.cols()) {}

  Index rows() const { return x_.rows(); }
  Index cols() const { return x_.cols(); }
  const Matrix& matrix() const { return x_; }
  Standardization& standardization() { return standardization_; }
  const Standardization& standardization() const { return standardization_; }

  // Stored entries per column: the cost of one inner product.
  double average_column_length() const { return static_cast<double>(x_.rows()); }

  // A dense column is one long run of memory, read as fast in any order.
  bool reads_faster_in_column_order(std::size_t /*n_columns*/) const { return false; }

  // <x_j, v>, raw column.
  double raw_dot(Index j, const VectorXd& v) const { return kernels::dot(column(j), v.data(), x_.rows()); }

  // x_ij, raw.
  double raw_value(Index i, Index j) const { return x_(i, j); }

  // out_k += a * x_{rows_k, j}, raw, over the selected rows.
  void raw_axpy_selected(Index j, double a, const RowSelection& selection, double* out) const {
    const auto column = x_.col(j);
    for (std::size_t k = 0; k < selection.rows.size(); ++k) out[k] += a * column[selection.rows[k]];
  }

  // (<x_j, a>, <x_j, b>) in one pass over the column.
  std::pair<double, double> raw_dot_pair(Index j, const VectorXd& a, const VectorXd& b) const {
    return kernels::dot_pair(column(j), a.data(), b.data(), x_.rows());
  }

  // <x~_j, v> where v_sum = sum(v) is supplied by the caller, who keeps it current.
  double dot(Index j, const VectorXd& v, double v_sum) const {
    return (raw_dot(j, v) - standardization_.center(j) * v_sum) *
           standardization_.inv_scale(j);
  }

  // v += a * (w o x_j), raw column: the centring part is a constant shift the
  // caller tracks as a scalar.
  void raw_weighted_axpy(Index j, double a, const VectorXd& w, VectorXd& v) const {
    kernels::weighted_axpy(a, column(j), w.data(), v.data(), x_.rows());
  }

  // v += a * x_j, raw column.
  void raw_axpy(Index j, double a, VectorXd& v) const { kernels::axpy(a, column(j), v.data(), x_.rows()); }

  // raw_dot and raw_weighted_axpy over rows [begin, end) only, for splitting
  // coordinate updates between threads by rows.
  double raw_dot_rows(Index j, const VectorXd& v, Index begin, Index end) const {
    return kernels::dot(column(j) + begin, v.data() + begin, end - begin);
  }
  void raw_weighted_axpy_rows(Index j, double a, const VectorXd& w, VectorXd& v, Index begin,
                              Index end) const {
    kernels::weighted_axpy(a, column(j) + begin, w.data() + begin, v.data() + begin, end - begin);
  }

  // v[begin:end) += a * x_j[begin:end), raw column: for splitting X b over
  // blocks of rows.
  void raw_axpy_rows(Index j, double a, VectorXd& v, Index begin, Index end) const {
    kernels::axpy(a, column(j) + begin, v.data() + begin, end - begin);
  }

  // out(r, c) = sum_i w_i x_{i, rows[r]} x_{i, cols[c]}, raw columns, read
  // in place: for a block of rows columns small enough to stay in cache, the
  // inner products with each weighted cols column, several rows columns at
  // a time (kernels::dot_many). Blocks of rows run in parallel; each entry
  // is summed the same way whatever the blocks, so the number of threads
  // does not change the result.
  void raw_weighted_cross_products(const std::vector<Index>& rows, const std::vector<Index>& cols,
                                   const VectorXd& w, Eigen::MatrixXd& out, int n_threads = 1) const {
    const Index n = x_.rows();
    const auto n_rows = static_cast<Index>(rows.size());
    const auto n_cols = static_cast<Index>(cols.size());
    out.resize(n_rows, n_cols);
    std::vector<const double*> row_columns(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) row_columns[r] = column(rows[r]);
    // About 1 MB of rows columns, and as much of weighted cols columns.
    const Index block = std::max<Index>(4, (Index{1} << 17) / std::max<Index>(n, 1));
    Eigen::MatrixXd weighted(n, std::min(block, n_cols));
    for (Index c0 = 0; c0 < n_cols; c0 += block) {
      const Index c_size = std::min(block, n_cols - c0);
      for (Index c = 0; c < c_size; ++c)
        weighted.col(c) = x_.col(cols[static_cast<std::size_t>(c0 + c)]).cwiseProduct(w);
      // Pieces small enough to share out, with at most one thread when the
      // work would not pay for starting another.
      const double work = static_cast<double>(n_rows) * static_cast<double>(c_size) * static_cast<double>(n);
      const int threads = work >= 1e6 ? n_threads : 1;
      const Index piece = std::max<Index>(4, std::min(block, (n_rows + 7) / 8));
      parallel_for_chunks(threads, (n_rows + piece - 1) / piece, [&](Index chunk) {
        const Index r0 = chunk * piece;
        const Index r_size = std::min(piece, n_rows - r0);
        for (Index c = 0; c < c_size; ++c)
          kernels::dot_many(row_columns.data() + r0, r_size, weighted.col(c).data(), n,
                            out.col(c0 + c).data() + r0);
      });
    }
  }

  // (sum_i w_i x_ij, sum_i w_i x_ij^2), reading the column once.
  std::pair<double, double> weighted_moments(Index j, const VectorXd& w) const {
    return kernels::weighted_moments(column(j), w.data(), x_.rows());
  }

  // raw_dot(j, r) and weighted_moments(j, w), the same numbers, reading the
  // column once.
  kernels::DotAndMoments raw_dot_and_weighted_moments(Index j, const VectorXd& r, const VectorXd& w) const {
    return kernels::dot_and_weighted_moments(column(j), r.data(), w.data(), x_.rows());
  }

  // (sum_i w_i d_i, sum_i w_i d_i^2), d_i = (x_ij - c) * scale, w summing
  // to weight_total: moments about a point c near the column's weighted
  // mean, without the cancellation of raw moments when the mean is far from
  // 0; `scale` (1 / the column's spread) keeps w d^2 finite where w x^2
  // would overflow.
  std::pair<double, double> weighted_moments_about(Index j, const VectorXd& w, double /*weight_total*/,
                                                   double c, double scale = 1.0) const {
    const auto col = x_.col(j);
    double first = 0.0, second = 0.0;
    for (Index i = 0; i < x_.rows(); ++i) {
      const double d = (col[i] - c) * scale;
      first += w[i] * d;
      second += w[i] * d * d;
    }
    return {first, second};
  }

  // The largest |x_ij| of column j.
  double max_abs(Index j) const { return x_.rows() == 0 ? 0.0 : x_.col(j).cwiseAbs().maxCoeff(); }

  // True when every entry of column j equals its first entry.
  bool is_constant(Index j) const {
    if (x_.rows() == 0) return true;
    const double first = x_(0, j);
    return (x_.col(j).array() == first).all();
  }

 private:
  const double* column(Index j) const { return x_.data() + j * x_.rows(); }

  Matrix x_;
  Standardization standardization_;
};

class SparseDesign {
 public:
  using Matrix = Eigen::Map<const Eigen::SparseMatrix<double>>;

  explicit SparseDesign(const Matrix& x) : x_(x), standardization_(x.cols()) {}

  Index rows() const { return x_.rows(); }
  Index cols() const { return x_.cols(); }
  Standardization& standardization() { return standardization_; }
  const Standardization& standardization() const { return standardization_; }

  double average_column_length() const {
    return x_.cols() > 0 ? static_cast<double>(x_.nonZeros()) / static_cast<double>(x_.cols()) : 0.0;
  }

  // Whether a pass over this many columns runs faster taking them in
  // column order, the order of their entries in memory. Sparse columns are
  // short runs; once the pass reads more than the cache holds, each run
  // read out of order costs a fresh stream from memory. On the sparse
  // benchmark design (200 entries a column) a pass over 10,000 random
  // columns took about 500 ns a column in column order against 700 in a
  // random one.
  bool reads_faster_in_column_order(std::size_t n_columns) const {
    return static_cast<double>(n_columns) * average_column_length() > entries_beyond_cache;
  }

  // x_ij, raw (a search within the column).
  double raw_value(Index i, Index j) const { return x_.coeff(i, j); }

  // out_k += a * x_{rows_k, j}, raw, over the selected rows.
  void raw_axpy_selected(Index j, double a, const RowSelection& selection, double* out) const {
    for (Matrix::InnerIterator it(x_, j); it; ++it) {
      const Index k = selection.place[static_cast<std::size_t>(it.index())];
      if (k >= 0) out[k] += a * it.value();
    }
  }

  double raw_dot(Index j, const VectorXd& v) const {
    double sum = 0.0;
    for (Matrix::InnerIterator it(x_, j); it; ++it) sum += it.value() * v[it.index()];
    return sum;
  }

  std::pair<double, double> raw_dot_pair(Index j, const VectorXd& a, const VectorXd& b) const {
    double sum_a = 0.0, sum_b = 0.0;
    for (Matrix::InnerIterator it(x_, j); it; ++it) {
      sum_a += it.value() * a[it.index()];
      sum_b += it.value() * b[it.index()];
    }
    return {sum_a, sum_b};
  }

  double dot(Index j, const VectorXd& v, double v_sum) const {
    return (raw_dot(j, v) - standardization_.center(j) * v_sum) *
           standardization_.inv_scale(j);
  }

  void raw_weighted_axpy(Index j, double a, const VectorXd& w, VectorXd& v) const {
    for (Matrix::InnerIterator it(x_, j); it; ++it)
      v[it.index()] += a * it.value() * w[it.index()];
  }

  void raw_axpy(Index j, double a, VectorXd& v) const {
    for (Matrix::InnerIterator it(x_, j); it; ++it) v[it.index()] += a * it.value();
  }

  // raw_weighted_axpy over rows [begin, end) only, for splitting a sum of
  // columns between threads by rows (IrlsUpdates::trial_move_rss).
  void raw_weighted_axpy_rows(Index j, double a, const VectorXd& w, VectorXd& v, Index begin, Index end) const {
    const auto* rows = x_.innerIndexPtr();
    const auto* values = x_.valuePtr();
    const auto* first = rows + x_.outerIndexPtr()[j];
    const auto* last = rows + x_.outerIndexPtr()[j + 1];
    for (const auto* r = std::lower_bound(first, last, begin); r != last && *r < end; ++r)
      v[*r] += a * values[r - rows] * w[*r];
  }

  void raw_axpy_rows(Index j, double a, VectorXd& v, Index begin, Index end) const {
    const auto* rows = x_.innerIndexPtr();
    const auto* values = x_.valuePtr();
    const auto* first = rows + x_.outerIndexPtr()[j];
    const auto* last = rows + x_.outerIndexPtr()[j + 1];
    for (const auto* r = std::lower_bound(first, last, begin); r != last && *r < end; ++r)
      v[*r] += a * values[r - rows];
  }

  // out(r, c) = sum_i w_i x_{i, rows[r]} x_{i, cols[c]}, raw columns. The
  // entries of the cols columns are regrouped by row once; then one walk
  // down each rows column meets every product it takes part in, so the cost
  // is that of reading the columns once, not once per pair.
  void raw_weighted_cross_products(const std::vector<Index>& rows, const std::vector<Index>& cols,
                                   const VectorXd& w, Eigen::MatrixXd& out, int /*n_threads*/ = 1) const {
    out.setZero(static_cast<Index>(rows.size()), static_cast<Index>(cols.size()));
    const Index n = x_.rows();
    std::vector<Index> row_start(static_cast<std::size_t>(n) + 1, 0);
    for (Index j : cols)
      for (Matrix::InnerIterator it(x_, j); it; ++it) ++row_start[static_cast<std::size_t>(it.index()) + 1];
    for (Index i = 0; i < n; ++i) row_start[static_cast<std::size_t>(i) + 1] += row_start[static_cast<std::size_t>(i)];
    std::vector<Index> entry_col(static_cast<std::size_t>(row_start.back()));
    std::vector<double> entry_value(entry_col.size());
    std::vector<Index> next(row_start.begin(), row_start.end() - 1);
    for (std::size_t c = 0; c < cols.size(); ++c) {
      for (Matrix::InnerIterator it(x_, cols[c]); it; ++it) {
        const auto e = static_cast<std::size_t>(next[static_cast<std::size_t>(it.index())]++);
        entry_col[e] = static_cast<Index>(c);
        entry_value[e] = w[it.index()] * it.value();
      }
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (Matrix::InnerIterator it(x_, rows[r]); it; ++it) {
        const auto i = static_cast<std::size_t>(it.index());
        for (Index e = row_start[i]; e < row_start[i + 1]; ++e)
          out(static_cast<Index>(r), entry_col[static_cast<std::size_t>(e)]) +=
              it.value() * entry_value[static_cast<std::size_t>(e)];
      }
    }
  }

  std::pair<double, double> weighted_moments(Index j, const VectorXd& w) const {
    double s1 = 0.0, s2 = 0.0;
    for (Matrix::InnerIterator it(x_, j); it; ++it) {
      const double wx = w[it.index()] * it.value();
      s1 += wx;
      s2 += wx * it.value();
    }
    return {s1, s2};
  }

  // As DenseDesign's; the implicit zeros carry the weight not on stored entries.
  std::pair<double, double> weighted_moments_about(Index j, const VectorXd& w, double weight_total,
                                                   double c, double scale = 1.0) const {
    double first = 0.0, second = 0.0, stored_weight = 0.0;
    for (Matrix::InnerIterator it(x_, j); it; ++it) {
      const double wi = w[it.index()], d = (it.value() - c) * scale;
      first += wi * d;
      second += wi * d * d;
      stored_weight += wi;
    }
    double zero_weight = weight_total - stored_weight;
    // A difference of the size of its rounding is not the zeros' weight: on
    // a full column it would add eps c^2 of spread that is not there, which
    // hides a column whose spread is far below its mean from the flatness
    // test. Such a weight is summed from the rows themselves.
    if (std::abs(zero_weight) <= 64.0 * std::numeric_limits<double>::epsilon() * weight_total)
      zero_weight = implicit_zero_weight(j, w);
    const double zero_d = -c * scale;
    return {first + zero_weight * zero_d, second + zero_weight * zero_d * zero_d};
  }

  // sum_i w_i over the rows column j does not store.
  double implicit_zero_weight(Index j, const VectorXd& w) const {
    const Index stored = x_.outerIndexPtr()[j + 1] - x_.outerIndexPtr()[j];
    if (stored == x_.rows()) return 0.0;
    double total = 0.0;
    Index next_row = 0;
    for (Matrix::InnerIterator it(x_, j); it; ++it) {
      for (; next_row < it.index(); ++next_row) total += w[next_row];
      next_row = it.index() + 1;
    }
    for (; next_row < x_.rows(); ++next_row) total += w[next_row];
    return total;
  }

  double max_abs(Index j) const {
    double largest = 0.0;
    for (Matrix::InnerIterator it(x_, j); it; ++it) largest = std::max(largest, std::abs(it.value()));
    return largest;
  }

  // Constant means all stored entries equal and, unless the column is full,
  // equal to the implicit zero.
  bool is_constant(Index j) const {
    const Index nnz = x_.outerIndexPtr()[j + 1] - x_.outerIndexPtr()[j];
    Matrix::InnerIterator it(x_, j);
    if (!it) return true;
    const double first = it.value();
    if (nnz < x_.rows() && first != 0.0) return false;
    for (; it; ++it)
      if (it.value() != first) return false;
    return true;
  }

 private:
  // About 8 MB of entries (a value and a row index each): more than a
  // core's share of the last-level cache.
  static constexpr double entries_beyond_cache = 8.0 * (1 << 20) / 12.0;

  Matrix x_;
  Standardization standardization_;
};

}  // namespace glmsparse
