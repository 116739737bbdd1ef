// Exact minimisation on a fixed support. Once coordinate descent has found
// which coefficients are nonzero and their signs s, the objective restricted
// to them is a smooth quadratic,
//
//   1/2 sum_i w_i r_i^2 + lambda sum_{j in S} pf_j (alpha s_j b_j + (1 - alpha)/2 b_j^2),
//
// minimised by one linear solve with H = G_SS + lambda (1 - alpha) diag(pf_S),
// G the Gram matrix of the standardized columns. Coordinate descent needs
// hundreds of passes to get there when the columns of S are nearly collinear
// (deep in a p > n path); the solve needs none. The Cholesky factor of H is
// kept across solves and lambdas and updated as variables join or leave S,
// so a solve costs O(|S|^2) plus O(n |S| + |S|^2) per variable that joins
// (update_cost()).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <Eigen/Dense>

namespace glmsparse {

class SupportFactor {
 public:
  // `max_size` bounds the factor (and its memory, 8 or 16 max_size^2 bytes).
  // `keep_gram` stores G_SS as well, needed when the ridge shift can change
  // (alpha < 1).
  SupportFactor(Eigen::Index p, Eigen::Index max_size, bool keep_gram)
      : position_(p, -1), max_size_(max_size), keep_gram_(keep_gram) {}

  Eigen::Index size() const { return static_cast<Eigen::Index>(members_.size()); }
  const std::vector<Eigen::Index>& members() const { return members_; }

  // Makes the factor describe H for the variables in `support` (in its own
  // order, available from members()). `cross_products(columns, rows, out)`
  // fills out(r, c) = G_{rows[r], columns[c]}; `curvature[j]` = G_jj; the
  // ridge shift of j is ridge * penalty_factor(j). Variables that would make
  // H numerically singular are left out of members(). False when S is too
  // large, the ridge shift could not be applied, or no member is left.
  template <class CrossProducts, class PenaltyFactor>
  bool factorize(const std::vector<Eigen::Index>& support, double ridge,
                 const Eigen::VectorXd& curvature, const PenaltyFactor& penalty_factor,
                 CrossProducts&& cross_products) {
    if (static_cast<Eigen::Index>(support.size()) > max_size_) return false;
    std::vector<char> wanted(position_.size(), 0);
    for (Eigen::Index j : support) wanted[j] = 1;
    // Leave from the end backwards so that fewer rows are shifted.
    for (Eigen::Index k = size() - 1; k >= 0; --k)
      if (!wanted[members_[k]]) remove(k);
    if (ridge != ridge_) {
      ridge_ = ridge;
      if (!keep_gram_)
        clear();  // rebuilt by the appends below
      else if (!refactor(penalty_factor))
        return false;
    }
    std::vector<Eigen::Index> joining;
    for (Eigen::Index j : support)
      if (position_[j] < 0) joining.push_back(j);
    if (!joining.empty()) {
      std::vector<Eigen::Index> rows = members_;
      rows.insert(rows.end(), joining.begin(), joining.end());
      Eigen::MatrixXd cross;
      cross_products(joining, rows, cross);
      append(joining, cross, curvature, penalty_factor);
    }
    return size() > 0;
  }

  // Arithmetic (in flops) of factorize(support, ridge, ...) from the factor
  // as it is: each member that leaves costs a rank-one update of the rows
  // after it; the k that join cost their cross products with the m + k
  // members (`cross_product_cost` each), a triangular solve against the
  // members (m^2 each), the Schur complement (2 m k^2) and the factor of
  // their own block (k^3 / 3). A ridge shift that differs from the factor's
  // rebuilds it. Far above the solve's own 2 |S|^2 when many variables
  // have joined since the last factorization (on a sparse p > n path, 499
  // joiners to 948 members took 146 ms, a tenth of the fit).
  double update_cost(const std::vector<Eigen::Index>& support, double ridge, double cross_product_cost) const {
    const bool rebuilt = ridge != ridge_ && !keep_gram_;
    double kept = 0.0;
    double leaving_cost = 0.0;
    if (!rebuilt) {
      std::vector<char> stays(members_.size(), 0);
      for (Eigen::Index j : support) {
        if (position_[j] < 0) continue;
        stays[static_cast<std::size_t>(position_[j])] = 1;
        kept += 1.0;
      }
      const auto m = static_cast<double>(size());
      for (Eigen::Index k = 0; k < size(); ++k) {
        if (stays[static_cast<std::size_t>(k)]) continue;
        const double after = m - static_cast<double>(k) - 1.0;
        leaving_cost += 4.0 * after * after;
      }
    }
    const double joining = static_cast<double>(support.size()) - kept;
    double cost = leaving_cost;
    if (ridge != ridge_ && keep_gram_) cost += kept * kept * kept / 3.0;  // refactor()
    if (joining > 0.0)
      cost += joining * (kept + joining) * cross_product_cost + joining * kept * kept +
              2.0 * kept * joining * joining + joining * joining * joining / 3.0;
    return cost;
  }

  // Solves H x = rhs (rhs in members() order) in place.
  void solve(Eigen::VectorXd& rhs) const {
    const Eigen::Index m = size();
    const auto lower = factor_.topLeftCorner(m, m).triangularView<Eigen::Lower>();
    lower.solveInPlace(rhs);
    lower.transpose().solveInPlace(rhs);
  }

  // Drops the member at position k.
  void remove_member(Eigen::Index k) { remove(k); }

 private:
  // Appends the joining variables in turn, with `cross` their cross products
  // against the members and then against each other. The members' part of
  // the new rows is one triangular solve for all of them, R = L^-1 C; each
  // joiner's remaining entries come from the Schur complement D - R'R. A
  // joiner whose pivot is tiny (x~_j numerically in the span of the members
  // and the joiners before it) is left out: the solve then moves the others
  // with it held fixed, still a descent step.
  template <class PenaltyFactor>
  void append(const std::vector<Eigen::Index>& joining, const Eigen::MatrixXd& cross,
              const Eigen::VectorXd& curvature, const PenaltyFactor& penalty_factor) {
    const Eigen::Index m = size();
    const auto k = static_cast<Eigen::Index>(joining.size());
    Eigen::MatrixXd member_part = cross.topRows(m);
    factor_.topLeftCorner(m, m).triangularView<Eigen::Lower>().solveInPlace(member_part);
    Eigen::MatrixXd schur = cross.bottomRows(k);
    schur.noalias() -= member_part.transpose() * member_part;
    reserve(m + k);
    std::vector<Eigen::Index> accepted;  // positions in `joining`
    Eigen::VectorXd tail;
    for (Eigen::Index i = 0; i < k; ++i) {
      const Eigen::Index j = joining[static_cast<std::size_t>(i)];
      const auto n_accepted = static_cast<Eigen::Index>(accepted.size());
      // Forward substitution against the rows of the joiners already taken.
      tail.resize(n_accepted);
      for (Eigen::Index q = 0; q < n_accepted; ++q) {
        double value = schur(i, accepted[static_cast<std::size_t>(q)]);
        for (Eigen::Index t = 0; t < q; ++t) value -= tail[t] * factor_(m + q, m + t);
        tail[q] = value / factor_(m + q, m + q);
      }
      const double diagonal = curvature[j] + ridge_ * penalty_factor(j);
      const double pivot = diagonal - member_part.col(i).squaredNorm() - tail.squaredNorm();
      if (!(pivot > 1e-10 * diagonal)) continue;
      const Eigen::Index row = m + n_accepted;
      factor_.row(row).head(m) = member_part.col(i).transpose();
      factor_.row(row).segment(m, n_accepted) = tail.transpose();
      factor_(row, row) = std::sqrt(pivot);
      if (keep_gram_) {
        for (Eigen::Index r = 0; r < row; ++r) {
          const Eigen::Index source = r < m ? r : m + accepted[static_cast<std::size_t>(r - m)];
          gram_(row, r) = gram_(r, row) = cross(source, i);
        }
        gram_(row, row) = curvature[j];
      }
      position_[j] = row;
      members_.push_back(j);
      accepted.push_back(i);
    }
  }

  // Drops member k: the factor of the remaining rows follows from a rank-one
  // update of the trailing block with the dropped column. Storage is
  // column-major, so rows and columns are shifted column by column.
  void remove(Eigen::Index k) {
    const Eigen::Index m = size();
    const Eigen::Index tail = m - k - 1;
    if (tail > 0) {
      Eigen::VectorXd column = factor_.col(k).segment(k + 1, tail);
      rank_one_update(k + 1, tail, column);
    }
    for (Eigen::Index c = 0; c < k; ++c) drop_entry(factor_.col(c).data(), k, m);
    for (Eigen::Index c = k; c + 1 < m; ++c) {
      const double* from = factor_.col(c + 1).data();
      std::copy(from + c + 1, from + m, factor_.col(c).data() + c);
    }
    if (keep_gram_) {
      for (Eigen::Index c = 0; c < k; ++c) drop_entry(gram_.col(c).data(), k, m);
      for (Eigen::Index c = k; c + 1 < m; ++c) {
        const double* from = gram_.col(c + 1).data();
        double* to = gram_.col(c).data();
        std::copy(from, from + k, to);
        std::copy(from + k + 1, from + m, to + k);
      }
    }
    position_[members_[k]] = -1;
    members_.erase(members_.begin() + k);
    for (Eigen::Index r = k; r < m - 1; ++r) position_[members_[r]] = r;
  }

  // Removes entry k of the first m entries of a column, shifting the rest up.
  static void drop_entry(double* column, Eigen::Index k, Eigen::Index m) {
    std::copy(column + k + 1, column + m, column + k);
  }

  // L L' + v v' for the trailing block of the factor starting at `start`.
  void rank_one_update(Eigen::Index start, Eigen::Index length, Eigen::VectorXd& v) {
    for (Eigen::Index i = 0; i < length; ++i) {
      const Eigen::Index d = start + i;
      const double a = factor_(d, d);
      const double radius = std::hypot(a, v[i]);
      const double c = radius / a;
      const double s = v[i] / a;
      factor_(d, d) = radius;
      for (Eigen::Index r = i + 1; r < length; ++r) {
        const Eigen::Index row = start + r;
        factor_(row, d) = (factor_(row, d) + s * v[r]) / c;
        v[r] = c * v[r] - s * factor_(row, d);
      }
    }
  }

  template <class PenaltyFactor>
  bool refactor(const PenaltyFactor& penalty_factor) {
    const Eigen::Index m = size();
    if (m == 0) return true;
    Eigen::MatrixXd h = gram_.topLeftCorner(m, m);
    for (Eigen::Index k = 0; k < m; ++k) h(k, k) += ridge_ * penalty_factor(members_[k]);
    Eigen::LLT<Eigen::MatrixXd> llt(h);
    if (llt.info() != Eigen::Success) {
      clear();
      return false;
    }
    factor_.topLeftCorner(m, m) = llt.matrixL();
    return true;
  }

  void clear() {
    for (Eigen::Index j : members_) position_[j] = -1;
    members_.clear();
  }

  void reserve(Eigen::Index needed) {
    if (needed <= factor_.rows()) return;
    const Eigen::Index capacity =
        std::min(max_size_, std::max<Eigen::Index>(needed, 2 * factor_.rows()));
    factor_.conservativeResize(capacity, capacity);
    if (keep_gram_) gram_.conservativeResize(capacity, capacity);
  }

  std::vector<Eigen::Index> members_;
  std::vector<Eigen::Index> position_;
  Eigen::MatrixXd factor_;  // lower-triangular Cholesky factor of H
  Eigen::MatrixXd gram_;    // G_SS, to refactor when the ridge shift changes
  double ridge_ = 0.0;
  Eigen::Index max_size_;
  bool keep_gram_;
};

}  // namespace glmsparse
