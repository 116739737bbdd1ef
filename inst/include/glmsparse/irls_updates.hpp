// Coordinate updates for the quadratic model of an IRLS (proximal Newton)
// step. At the current linear predictor the loss is approximated by
//
//   1/2 sum_i v_i (r_i - d0 - sum_j d_j x~_ij)^2,   r_i = (y_i - mu_i) / v_i * w_i,
//
// with IRLS weights v, in the changes d0 (intercept) and d (coefficients,
// standardized scale). The intercept change is profiled out: it is always
// the v-weighted mean of the residual, so each column acts as if centred by
// its v-weighted mean, and those centres are computed lazily, once per set
// of IRLS weights, for the columns actually visited. The residual is kept as w o r
// (v times the residual), raw and uncentred, as in naive Gaussian updates.
//
// Uncentred updates add to the residual a common shift, sum_j d_j m_j / s_j
// (m_j the column's mean), that the profiled intercept takes back. When the
// columns' means dwarf their spread that shift grows far beyond the
// residual itself, and every centred inner product then cancels it away,
// losing as many digits as the shift is larger. So once it exceeds the
// residual's scale at the model's point by a wide margin, it is moved out of
// the residual into the intercept change, at the cost of one pass over the
// rows.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <type_traits>
#include <vector>

#include <Eigen/Dense>

#include "design.hpp"
#include "lockstep.hpp"
#include "parallel.hpp"

namespace glmsparse {

// The moves of one inner solve on the raw columns: the variables whose
// coefficient changed and their steps d_j / s_j.
struct ColumnMoves {
  std::vector<Eigen::Index> columns;
  std::vector<double> raw_steps;

  // From the working set and `step(s)`, the change of working_set[s]'s
  // (standardized) coefficient.
  template <class Design, class Step>
  void collect(const Design& x, const std::vector<Eigen::Index>& working_set, Step&& step) {
    columns.clear();
    raw_steps.clear();
    for (std::size_t s = 0; s < working_set.size(); ++s) {
      const double change = step(s);
      if (change == 0.0) continue;
      columns.push_back(working_set[s]);
      raw_steps.push_back(change * x.standardization().inv_scale(working_set[s]));
    }
  }
};

// The change of IRLS weights, relative and row by row, within which a path
// whose Newton steps converge only linearly anyway (the diagonal Hessian of
// a cox fit, the classes' uncoupled models of a multinomial one) keeps its
// models' weights from one step to the next (IrlsUpdates::set_point). The
// steps' rate is set by what those models leave out, not by a tenth of
// their curvature: on the benchmark's cox and multinomial paths the steps
// and passes were the same in number, and the column moments that each
// new set of weights costs (a third of the multinomial fit) were mostly
// saved.
inline constexpr double reusable_weight_change = 0.1;

template <class Design>
class IrlsUpdates {
 public:
  // Each gradient costs an inner product over a column.
  static constexpr bool exact_gradients_are_free = false;

  IrlsUpdates(const Design& x, bool intercept)
      : x_(x),
        intercept_(intercept),
        column_sum_(x.cols()),
        column_sum_step_(x.cols(), -1),
        curvature_(x.cols()),
        curvature_step_(x.cols(), -1),
        column_max_abs_(static_cast<std::size_t>(x.cols()), -1.0) {
    // Dense columns of thousands of rows are split in two blocks of rows,
    // whose parts of each inner product are summed: with two threads each
    // block is one thread's (see split_between_threads). The split does not
    // depend on the number of threads, so neither do the results.
    if constexpr (std::is_same<Design, DenseDesign>::value) {
      if (x.rows() >= min_split_rows) split_row_ = x.rows() / 2 / 8 * 8;
    }
  }

  // While the returned guard lives (one inner solve), a helper thread takes
  // the second block of rows of every coordinate's inner product and
  // update, in lockstep with the calling thread; nothing without the split
  // or with one thread. Only the calling thread may use the updates then.
  class SplitScope {
   public:
    explicit SplitScope(IrlsUpdates* updates) : updates_(updates) {}
    SplitScope(SplitScope&& other) noexcept : updates_(other.updates_) { other.updates_ = nullptr; }
    SplitScope(const SplitScope&) = delete;
    SplitScope& operator=(const SplitScope&) = delete;
    SplitScope& operator=(SplitScope&&) = delete;
    ~SplitScope() {
      if (updates_) updates_->stop_helper();
    }

   private:
    IrlsUpdates* updates_;
  };
  SplitScope split_between_threads(int n_threads) {
    if constexpr (std::is_same<Design, DenseDesign>::value) {
      if (split_row_ > 0 && n_threads >= 2 && !helper_) {
        helper_ = std::make_shared<LockstepHelper>([this] { run_second_block(); });
        return SplitScope(this);
      }
    }
    return SplitScope(nullptr);
  }

  // A new quadratic model: IRLS weights v and weighted residual v o r.
  // With `reusable_change` > 0, the weights already in use are kept where
  // every row's new weight is within that fraction of it, and with them the
  // column sums and curvatures computed from them: the model's curvature is
  // then off by at most that fraction, but its gradient (the residual) is
  // the new point's. Returns whether the weights were replaced.
  bool set_point(const Eigen::VectorXd& irls_weights, const Eigen::VectorXd& weighted_residual,
                 double reusable_change = 0.0) {
    pending_column_ = -1;  // the residual is replaced
    const bool replace = !(reusable_change > 0.0 && weights_within(irls_weights, reusable_change));
    if (replace) {
      irls_weights_ = irls_weights;
      weight_total_ = irls_weights_.sum();
      ++step_;
    }
    weighted_residual_ = weighted_residual;
    point_weighted_residual_ = weighted_residual;
    moved_since_point_ = 0.0;
    weighted_residual_sum_ = weighted_residual_.sum();
    absorbed_intercept_change_ = 0.0;
    // The root mean square of r: its mean, the largest shift before any
    // update, is at most this.
    double square_sum = 0.0;
    for (Eigen::Index i = 0; i < weighted_residual_.size(); ++i)
      if (irls_weights_[i] > 0.0) square_sum += weighted_residual_[i] * weighted_residual_[i] / irls_weights_[i];
    residual_scale_ = weight_total_ > 0.0 ? std::sqrt(square_sum / weight_total_) : 0.0;
    return replace;
  }

  // The IRLS weights of the model (set_point() may have kept earlier ones).
  const Eigen::VectorXd& irls_weights() const { return irls_weights_; }

  // <x~_j, v o r> with x~_j centred by its v-weighted mean (when there is an
  // intercept) and scaled: minus the model's derivative in coordinate j.
  // Weights that are all zero (a cox model whose risk sets are single
  // subjects) leave nothing to centre: the model is flat.
  double gradient(Eigen::Index j) {
    if (!centred()) return gradient_from_dot(j, residual_dot(j));
    double dot;
    if (column_sum_step_[j] == step_) {
      dot = residual_dot(j);
    } else if (split_row_ > 0) {
      dot = residual_dot(j);
      column_sum_[j] = x_.raw_dot(j, irls_weights_);
      column_sum_step_[j] = step_;
    } else {
      const auto both = x_.raw_dot_pair(j, weighted_residual_, irls_weights_);
      dot = both.first;
      column_sum_[j] = both.second;
      column_sum_step_[j] = step_;
    }
    return gradient_from_dot(j, dot);
  }

  // sum_i v_i x~_ij^2 under the current IRLS weights. Centred, it is
  // computed from raw moments, which cancel when the column's mean is far
  // larger than its spread; where most digits are lost, it is computed again
  // from moments about the v-weighted mean (else a curvature of 0 would
  // make the coordinate update divide by it).
  double curvature(Eigen::Index j) {
    if (curvature_step_[j] == step_) return curvature_[j];
    return curvature_from_moments(j, x_.weighted_moments(j, irls_weights_));
  }

  // Whether gradient_and_curvature() reads the column once (a dense column
  // not split by rows); otherwise it costs a gradient and a curvature.
  bool fuses_curvature() const {
    if constexpr (std::is_same<Design, DenseDesign>::value) return split_row_ == 0;
    return false;
  }

  // (gradient(j), curvature(j)), the same numbers as calling them in turn.
  std::pair<double, double> gradient_and_curvature(Eigen::Index j) {
    if constexpr (std::is_same<Design, DenseDesign>::value) {
      if (split_row_ == 0 && curvature_step_[j] != step_) {
        const kernels::DotAndMoments sums = x_.raw_dot_and_weighted_moments(j, weighted_residual_, irls_weights_);
        const double v = curvature_from_moments(j, {sums.first, sums.second});  // sets column_sum_[j]
        return {gradient_from_dot(j, sums.dot), v};
      }
    }
    const double g = gradient(j);
    return {g, curvature(j)};
  }

  // The model's residual after d_j += delta. The centring constant is left
  // to the profiled intercept; only sum(v o r) is tracked.
  void update(Eigen::Index j, double delta) {
    const double step = -delta * x_.standardization().inv_scale(j);
    moved_since_point_ += std::abs(step) * column_max_abs(j);
    if (helper_) {
      // Applied by both threads with the next inner product.
      apply_pending();
      pending_column_ = j;
      pending_step_ = step;
    } else {
      x_.raw_weighted_axpy(j, step, irls_weights_, weighted_residual_);
    }
    if (intercept_) {
      weighted_residual_sum_ += step * column_sum(j);
      if (centred() && std::abs(weighted_residual_sum_) > max_shift * residual_scale_ * weight_total_)
        absorb_shift();
    }
  }

  // Whether the gradients are centred by the IRLS-weighted column means
  // (an intercept, or a loss blind to constant shifts, with weights that
  // are not all zero).
  bool centred_at_point() const { return centred(); }

  // The intercept change that minimises the model for the current d.
  double intercept_change() const {
    return centred() ? absorbed_intercept_change_ + weighted_residual_sum_ / weight_total_ : 0.0;
  }

  // X d for `moves`, the moves made since set_point(), into `out`: read
  // off the residual in O(n) (fitted_change below), the rows it cannot give
  // taken from the moved columns. False when those rows are over a quarter
  // of all, where the columns cost as little, or when the result fails the
  // check of its weighted sum (fitted_change_adds_up): the caller then
  // computes X d from the columns.
  bool fitted_change_of(const ColumnMoves& moves, Eigen::VectorXd& out) {
    const Eigen::Index n = weighted_residual_.size();
    if (!residual_kept_digits(moves)) return false;
    fitted_change(out, exact_rows_);
    if (4 * static_cast<Eigen::Index>(exact_rows_.size()) > n) return false;
    if (!exact_rows_.empty()) {
      const RowSelection selection(n, exact_rows_);
      std::vector<double> exact(exact_rows_.size(), 0.0);
      for (std::size_t k = 0; k < moves.columns.size(); ++k)
        x_.raw_axpy_selected(moves.columns[k], moves.raw_steps[k], selection, exact.data());
      for (std::size_t r = 0; r < exact_rows_.size(); ++r) out[exact_rows_[r]] = exact[r];
    }
    return fitted_change_adds_up(out, moves);
  }

  // Whether the residual carries no more rounding than X d computed from
  // the columns would. Each move of the solve rounded v o r by about eps v_i
  // |x_ij step| in row i, and X d read off it keeps the sum of those over
  // v_i; from the columns X d rounds by eps sum_j |x_ij d_j|. Moves that
  // cancel (coordinates zigzagging along a flat direction) make the first
  // far larger than the second (found by the fuzzer: a separable
  // two-row multinomial fit whose eta, carried from step to step, drifted
  // 1.5e-4 from X b, its deviance ratio 7e-7 off).
  bool residual_kept_digits(const ColumnMoves& moves) {
    double direct = 0.0;
    for (std::size_t k = 0; k < moves.columns.size(); ++k)
      direct += std::abs(moves.raw_steps[k]) * column_max_abs(moves.columns[k]);
    return moved_since_point_ <= max_readoff_rounding_ratio * direct;
  }

  // sum_i v_i x_ij under the current IRLS weights, raw column.
  double weighted_column_sum(Eigen::Index j) { return column_sum(j); }

  // sum_i v_i r_i^2 of the model at d = 0 with the intercept profiled out.
  double residual_sum_of_squares() {
    apply_pending();
    double total = 0.0;
    for (Eigen::Index i = 0; i < weighted_residual_.size(); ++i)
      if (irls_weights_[i] > 0.0) total += weighted_residual_[i] * weighted_residual_[i] / irls_weights_[i];
    if (centred())
      total -= product_over_total(weighted_residual_sum_, weighted_residual_sum_);
    return std::max(total, 0.0);
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

  // The model's sum_i v_i r_i^2 (as residual_sum_of_squares()) after the
  // moves d_{columns[k]} += changes[k], without making them;
  // make_trial_move() then makes them. It reads each column once (the rows
  // in two fixed blocks, one a thread), where moving there one coordinate at
  // a time costs an inner product and an update per column, and as much
  // again to move back when the objective did not fall.
  double trial_move_rss(const std::vector<Eigen::Index>& columns, const Eigen::VectorXd& changes, int n_threads) {
    apply_pending();
    const Eigen::Index n = weighted_residual_.size();
    trial_change_.setZero(n);
    Eigen::VectorXd steps(changes.size());
    double entries = 0.0;
    trial_residual_sum_ = weighted_residual_sum_;
    trial_moved_ = 0.0;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      const Eigen::Index j = columns[k];
      const double step = -changes[static_cast<Eigen::Index>(k)] * x_.standardization().inv_scale(j);
      steps[static_cast<Eigen::Index>(k)] = step;
      if (step == 0.0) continue;
      entries += x_.average_column_length();
      trial_moved_ += std::abs(step) * column_max_abs(j);
      if (intercept_) trial_residual_sum_ += step * column_sum(j);
    }
    const Eigen::Index half = n / 2;
    const int threads = entries >= min_parallel_trial_entries ? n_threads : 1;
    parallel_for_chunks(threads, 2, [&](Eigen::Index block) {
      const Eigen::Index begin = block == 0 ? 0 : half, end = block == 0 ? half : n;
      for (std::size_t k = 0; k < columns.size(); ++k) {
        const double step = steps[static_cast<Eigen::Index>(k)];
        if (step != 0.0) x_.raw_weighted_axpy_rows(columns[k], step, irls_weights_, trial_change_, begin, end);
      }
    });
    double total = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!(irls_weights_[i] > 0.0)) continue;
      const double moved = weighted_residual_[i] + trial_change_[i];
      total += moved * moved / irls_weights_[i];
    }
    if (centred()) total -= product_over_total(trial_residual_sum_, trial_residual_sum_);
    return std::max(total, 0.0);
  }

  // Makes the moves of the last trial_move_rss().
  void make_trial_move() {
    weighted_residual_ += trial_change_;
    weighted_residual_sum_ = trial_residual_sum_;
    moved_since_point_ += trial_moved_;
    if (centred() && std::abs(weighted_residual_sum_) > max_shift * residual_scale_ * weight_total_) absorb_shift();
  }

  // out(r, c) = <x~_{rows[r]}, v o x~_{columns[c]}> under the current centring.
  void cross_products(const std::vector<Eigen::Index>& columns,
                      const std::vector<Eigen::Index>& rows, Eigen::MatrixXd& out) {
    x_.raw_weighted_cross_products(rows, columns, irls_weights_, out);
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const Eigen::Index j = columns[c];
      const double inv_scale_j = x_.standardization().inv_scale(j);
      const double sum_j = centred() ? column_sum(j) : 0.0;
      for (std::size_t r = 0; r < rows.size(); ++r) {
        const Eigen::Index k = rows[r];
        double& value = out(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
        if (centred()) value -= product_over_total(column_sum(k), sum_j);
        value *= x_.standardization().inv_scale(k) * inv_scale_j;
      }
    }
  }

  // out_k = <x~_{members[k]}, v o x~_j>.
  void cross_products(Eigen::Index j, const std::vector<Eigen::Index>& members,
                      Eigen::VectorXd& out) {
    Eigen::MatrixXd column;
    cross_products(std::vector<Eigen::Index>{j}, members, column);
    out = column.col(0);
  }

  void prepare(const std::vector<Eigen::Index>& /*working_set*/) {}
  void prepare_full_gradient() {}

  // Gradients of many columns at the current residual, as for the
  // screening and KKT sweeps over the variables left out: centred, each
  // column is read once against v o r less v sum(v o r) / sum(v), formed
  // here, where gradient() reads it against v o r and v (for its weighted
  // sum). On the binomial benchmark's sparse path those sweeps were about a
  // fifth of the work. The residual must not move before the last
  // sweep_gradient().
  void prepare_gradient_sweep() {
    if (centred()) centred_residual_ = weighted_residual_ - (weighted_residual_sum_ / weight_total_) * irls_weights_;
  }
  double sweep_gradient(Eigen::Index j) const {
    const double inv_scale = x_.standardization().inv_scale(j);
    return x_.raw_dot(j, centred() ? centred_residual_ : weighted_residual_) * inv_scale;
  }

 private:
  // X d on the raw columns (scaled coefficients d_j / s_j), for the moves d
  // made since set_point(), read off the residual instead of the columns:
  // each move changed v o r by -v o x_j times its step, and each absorbed
  // shift by -shift v, so X d = (v o r then - v o r now) / v - the shifts.
  // Beyond the rounding of X d itself, the quotient loses eps times the
  // working residual at the point, r = (v o r) / v; rows where that is
  // large, or where v is 0 or so small that v o x_j underflows, are listed
  // in `exact_rows` (their `out` is 0), to be computed from the columns.
  void fitted_change(Eigen::VectorXd& out, std::vector<Eigen::Index>& exact_rows) {
    apply_pending();
    const Eigen::Index n = weighted_residual_.size();
    out.resize(n);
    exact_rows.clear();
    for (Eigen::Index i = 0; i < n; ++i) {
      const double v = irls_weights_[i];
      const double then = point_weighted_residual_[i];
      if (v >= smallest_quotient_weight && std::abs(then) <= working_residual_limit * v) {
        out[i] = (then - weighted_residual_[i]) / v - absorbed_intercept_change_;
      } else {
        out[i] = 0.0;
        exact_rows.push_back(i);
      }
    }
  }

  // Whether X d read off the residual (`out`, fitted_change's, its exact
  // rows filled in) passes a check of its v-weighted sum, which must be
  // sum_j (moved_j's raw step) sum_i v_i x_ij: a move of 1e184 on a
  // column of 1e-100, undone by the next, leaves the residual as the
  // rounding of what it cancelled to, and X d with it (found by the
  // fuzzer: an intercept of -4e121 with an eta that did not move).
  bool fitted_change_adds_up(const Eigen::VectorXd& out, const ColumnMoves& moves) {
    double from_rows = 0.0, from_columns = 0.0, size = 0.0;
    for (Eigen::Index i = 0; i < out.size(); ++i) {
      const double term = irls_weights_[i] * out[i];
      from_rows += term;
      size += std::abs(term);
    }
    for (std::size_t k = 0; k < moves.columns.size(); ++k) {
      const double term = moves.raw_steps[k] * column_sum(moves.columns[k]);
      from_columns += term;
      size += std::abs(term);
    }
    return std::abs(from_rows - from_columns) <= fitted_change_check_tolerance * size;
  }

  // The gradient from <x_j, v o r>, raw; centred, column_sum_[j] must be
  // current.
  double gradient_from_dot(Eigen::Index j, double dot) const {
    const double inv_scale = x_.standardization().inv_scale(j);
    if (!centred()) return dot * inv_scale;
    return (dot - column_sum_[j] / weight_total_ * weighted_residual_sum_) * inv_scale;
  }

  // curvature(j) from the column's raw moments under the IRLS weights.
  // The result is kept for curvature(j) while the weights stay.
  double curvature_from_moments(Eigen::Index j, const std::pair<double, double>& moments) {
    curvature_[j] = compute_curvature(j, moments);
    curvature_step_[j] = step_;
    return curvature_[j];
  }

  double compute_curvature(Eigen::Index j, const std::pair<double, double>& moments) {
    column_sum_[j] = moments.first;
    column_sum_step_[j] = step_;
    const double inv_scale = x_.standardization().inv_scale(j);
    if (!(moments.second >= moment_floor && moments.second <= moment_ceiling))
      return scaled_curvature(j, inv_scale);
    double second = moments.second;
    if (centred()) {
      second -= product_over_total(moments.first, moments.first);
      if (second <= cancellation_limit * moments.second) {
        const auto about = x_.weighted_moments_about(j, irls_weights_, weight_total_,
                                                     moments.first / weight_total_);
        second = about.second - product_over_total(about.first, about.first);
      }
    }
    return std::max(second, 0.0) * inv_scale * inv_scale;
  }

  // The curvature from moments of the scaled column, for IRLS weights so
  // large (a poisson mean near 1e150) that v x^2 overflows, or entries so
  // small that it underflows. Its column sum may still overflow; the
  // gradient then does too, and the path reports it.
  double scaled_curvature(Eigen::Index j, double inv_scale) {
    const auto raw = x_.weighted_moments_about(j, irls_weights_, weight_total_, 0.0, inv_scale);
    column_sum_[j] = raw.first / inv_scale;
    if (!centred()) return raw.second;
    const auto about = x_.weighted_moments_about(j, irls_weights_, weight_total_,
                                                 raw.first / weight_total_ / inv_scale, inv_scale);
    return std::max(about.second - product_over_total(about.first, about.first), 0.0);
  }

  // Whether every weight in `fresh` is within `change` (a fraction) of the
  // one in use, row by row; a weight of 0 only matches 0.
  bool weights_within(const Eigen::VectorXd& fresh, double change) const {
    if (fresh.size() != irls_weights_.size()) return false;
    for (Eigen::Index i = 0; i < fresh.size(); ++i)
      if (!(std::abs(fresh[i] - irls_weights_[i]) <= change * irls_weights_[i])) return false;
    return true;
  }

  // a * b / weight_total, the centring term of a product of sums. Weighted
  // sums near 1e170 (IRLS weights near 1e150 on a column of 1e20) have a
  // product beyond the largest double although the term is not: there it
  // divides first. Elsewhere it keeps the rounding of the plain product.
  double product_over_total(double a, double b) const {
    const double product = a * b;
    return std::isfinite(product) ? product / weight_total_ : a / weight_total_ * b;
  }

  // Whether the profiled intercept centres the columns.
  bool centred() const { return intercept_ && weight_total_ > 0.0; }

  double column_sum(Eigen::Index j) {
    if (column_sum_step_[j] != step_) {
      column_sum_[j] = x_.raw_dot(j, irls_weights_);
      column_sum_step_[j] = step_;
    }
    return column_sum_[j];
  }

  // The residual's common shift, sum(v o r) / sum(v), moves to the intercept
  // change; the sum is recomputed from the residual, not tracked.
  void absorb_shift() {
    apply_pending();
    const double shift = weighted_residual_sum_ / weight_total_;
    weighted_residual_ -= shift * irls_weights_;
    moved_since_point_ += std::abs(shift);
    absorbed_intercept_change_ += shift;
    weighted_residual_sum_ = weighted_residual_.sum();
  }

  // <x_j, v o r>, raw. Split, the two blocks' parts are summed in that
  // order; with the helper, it takes the second block's part and the move
  // still pending on its rows, while this thread does the first's.
  double residual_dot(Eigen::Index j) {
    if constexpr (std::is_same<Design, DenseDesign>::value) {
      if (split_row_ > 0) {
        if (!helper_)
          return x_.raw_dot_rows(j, weighted_residual_, 0, split_row_) +
                 x_.raw_dot_rows(j, weighted_residual_, split_row_, x_.rows());
        helper_dot_column_ = j;
        helper_->post();
        if (pending_column_ >= 0)
          x_.raw_weighted_axpy_rows(pending_column_, pending_step_, irls_weights_, weighted_residual_, 0,
                                    split_row_);
        const double first = x_.raw_dot_rows(j, weighted_residual_, 0, split_row_);
        helper_->wait();
        pending_column_ = -1;
        return first + helper_dot_;
      }
    }
    return x_.raw_dot(j, weighted_residual_);
  }

  // The helper's share: the pending move and the inner product (if asked)
  // on the second block of rows.
  void run_second_block() {
    if constexpr (std::is_same<Design, DenseDesign>::value) {
      const Eigen::Index n = x_.rows();
      if (pending_column_ >= 0)
        x_.raw_weighted_axpy_rows(pending_column_, pending_step_, irls_weights_, weighted_residual_,
                                  split_row_, n);
      if (helper_dot_column_ >= 0) helper_dot_ = x_.raw_dot_rows(helper_dot_column_, weighted_residual_, split_row_, n);
    }
  }

  // max_i |x_ij|, computed once per column.
  double column_max_abs(Eigen::Index j) {
    double& largest = column_max_abs_[static_cast<std::size_t>(j)];
    if (largest < 0.0) largest = x_.max_abs(j);
    return largest;
  }

  // Applies a pending move to the residual (both blocks, in parallel).
  void apply_pending() {
    if constexpr (std::is_same<Design, DenseDesign>::value) {
      if (pending_column_ < 0) return;
      helper_dot_column_ = -1;
      helper_->post();
      x_.raw_weighted_axpy_rows(pending_column_, pending_step_, irls_weights_, weighted_residual_, 0, split_row_);
      helper_->wait();
      pending_column_ = -1;
    }
  }

  void stop_helper() {
    apply_pending();
    helper_.reset();
  }

  // Below this many rows a coordinate's work is too small to split: at 5000
  // rows two threads in lockstep were 20 to 40% slower than one on the
  // cox benchmark and a binomial fit of the same design (the meetings cost
  // more than half a column's work); at 10000 about even or faster.
  static constexpr Eigen::Index min_split_rows = 8192;
  // Below this many entries in its columns a trial move is one thread's
  // work: starting a thread costs tens of microseconds.
  static constexpr double min_parallel_trial_entries = 1e5;

  // A shift this many times the residual's scale costs the centred inner
  // products about three digits; ordinary columns (means a few times their
  // spread) seldom get there, so the pass over the rows is rare.
  // fitted_change() divides by v only where the working residual at the
  // point is at most this (so that it adds at most about 1e-13 to the
  // rounding of X d) and v is at least this (so that v o x_j kept its
  // digits).
  static constexpr double working_residual_limit = 1e3;
  // X d is read off the residual only while the moves that rounded it sum
  // to at most this many times the moves' net size (residual_kept_digits).
  static constexpr double max_readoff_rounding_ratio = 16.0;
  static constexpr double smallest_quotient_weight = 1e-250;
  static constexpr double max_shift = 1e3;
  // The residual's X d keeps about 1e-13 of its weighted sum; a loss
  // beyond this is a loss of its digits.
  static constexpr double fitted_change_check_tolerance = 1e-8;

  // Raw moments leaving less than this fraction of themselves have lost
  // about half of their digits.
  static constexpr double cancellation_limit = 1e-8;

  const Design& x_;
  bool intercept_;
  Eigen::VectorXd irls_weights_;
  Eigen::VectorXd weighted_residual_;
  Eigen::VectorXd point_weighted_residual_;  // as set_point() set it
  Eigen::VectorXd centred_residual_;         // of prepare_gradient_sweep()
  // The last trial_move_rss(): its change of v o r, sum(v o r) after it,
  // and what it adds to moved_since_point_.
  Eigen::VectorXd trial_change_;
  double trial_residual_sum_ = 0.0;
  double trial_moved_ = 0.0;
  // sum |raw step| max_i |x_ij| over the moves since set_point(), and the
  // shifts absorbed: what the residual's rounding is proportional to.
  double moved_since_point_ = 0.0;
  std::vector<Eigen::Index> exact_rows_;      // of fitted_change_of()
  double weight_total_ = 0.0;
  double weighted_residual_sum_ = 0.0;
  double absorbed_intercept_change_ = 0.0;
  double residual_scale_ = 0.0;  // root mean square of r at the model's point
  // sum_i v_i x_ij, valid when column_sum_step_[j] == step_; likewise
  // curvature(j). step_ counts the weights set_point() has replaced.
  Eigen::VectorXd column_sum_;
  std::vector<long> column_sum_step_;
  Eigen::VectorXd curvature_;
  std::vector<long> curvature_step_;
  std::vector<double> column_max_abs_;  // max_i |x_ij|; -1 until computed
  long step_ = 0;
  // Rows [split_row_, n) are the second block; 0 when not split.
  Eigen::Index split_row_ = 0;
  // Shared, so that the updates stay copyable (a vector of them); it only
  // lives during a solve, when no copy is made.
  std::shared_ptr<LockstepHelper> helper_;
  // A move not yet applied to the residual (only while the helper runs),
  // and what the helper is asked for besides it.
  Eigen::Index pending_column_ = -1;
  double pending_step_ = 0.0;
  Eigen::Index helper_dot_column_ = -1;
  double helper_dot_ = 0.0;
};

}  // namespace glmsparse
