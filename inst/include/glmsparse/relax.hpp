// The relaxed lasso (Meinshausen 2007; glmnet's relax = TRUE): for each
// lambda of a penalized path, the unpenalized fit (lambda = 0) restricted to
// that lambda's active set, the variables nonzero there (in any response, for
// a multi-response path). Lambdas sharing an active set share one refit.
// Active sets with more than `max_active` variables are not refitted, and
// their lambdas are left out of the relaxed path.
//
// The refit itself is the caller's: refit(excluded, monitor) fits the same
// problem at the single user lambda 0 with every variable outside the active
// set excluded (excluded[j] != 0), and returns that one-lambda path.
#pragma once

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

#include <Eigen/Dense>

#include "monitor.hpp"
#include "multi_path.hpp"
#include "options.hpp"

namespace glmsparse {

// The options of a refit: nothing may stop its single lambda early.
inline FitOptions refit_options(FitOptions options) {
  options.dfmax = -1;
  options.pmax = -1;
  options.early_stop = false;
  return options;
}

// The grid of a refit: the one user lambda 0.
inline LambdaGrid refit_grid() {
  LambdaGrid grid;
  grid.user_lambda = {0.0};
  return grid;
}

namespace relax_detail {

// Passes interrupt checks on to the caller's monitor, but not the progress
// of the refits' one-lambda paths: the relaxed path reports its own.
class InterruptsOnly : public Monitor {
 public:
  explicit InterruptsOnly(Monitor& outer) : outer_(outer) {}
  void check_interrupt() override { outer_.check_interrupt(); }

 private:
  Monitor& outer_;
};

// The sorted variables nonzero at solution k.
inline std::vector<int> active_variables(const PathResult& path, std::size_t k) {
  std::vector<int> active;
  for (int e = path.beta_col_start[k]; e < path.beta_col_start[k + 1]; ++e)
    if (path.beta_value[static_cast<std::size_t>(e)] != 0.0)
      active.push_back(path.beta_row[static_cast<std::size_t>(e)]);
  return active;
}

inline std::vector<int> active_variables(const MultiPathResult& path, std::size_t k) {
  std::vector<int> active;
  for (const auto& beta : path.beta)
    for (int e = beta.column_start[k]; e < beta.column_start[k + 1]; ++e)
      if (beta.value[static_cast<std::size_t>(e)] != 0.0)
        active.push_back(beta.row[static_cast<std::size_t>(e)]);
  std::sort(active.begin(), active.end());
  active.erase(std::unique(active.begin(), active.end()), active.end());
  return active;
}

inline void append_columns(const std::vector<int>& row, const std::vector<int>& column_start,
                           const std::vector<double>& value, std::size_t k,
                           std::vector<int>& to_row, std::vector<int>& to_column_start,
                           std::vector<double>& to_value) {
  for (int e = column_start[k]; e < column_start[k + 1]; ++e) {
    to_row.push_back(row[static_cast<std::size_t>(e)]);
    to_value.push_back(value[static_cast<std::size_t>(e)]);
  }
  to_column_start.push_back(static_cast<int>(to_row.size()));
}

// Appends solution k of `from` to `to` as the solution at `lambda`, with `df`
// (the penalized path's, as glmnet reports) and `n_passes`.
inline void append_solution(PathResult& to, const PathResult& from, std::size_t k, double lambda,
                            int df, int n_passes) {
  append_columns(from.beta_row, from.beta_col_start, from.beta_value, k, to.beta_row,
                 to.beta_col_start, to.beta_value);
  to.lambda.push_back(lambda);
  to.intercept.push_back(from.intercept[k]);
  to.df.push_back(df);
  to.dev_ratio.push_back(from.dev_ratio[k]);
  to.n_passes.push_back(n_passes);
  to.status.push_back(from.status[k]);
}

inline void append_solution(MultiPathResult& to, const MultiPathResult& from, std::size_t k,
                            double lambda, int df, int n_passes) {
  const std::size_t n_responses = from.beta.size();
  to.beta.resize(n_responses);
  for (std::size_t r = 0; r < n_responses; ++r) {
    const auto& beta = from.beta[r];
    append_columns(beta.row, beta.column_start, beta.value, k, to.beta[r].row,
                   to.beta[r].column_start, to.beta[r].value);
    to.intercept.push_back(from.intercept[k * n_responses + r]);
    to.response_df.push_back(from.response_df[k * n_responses + r]);
  }
  to.lambda.push_back(lambda);
  to.df.push_back(df);
  to.dev_ratio.push_back(from.dev_ratio[k]);
  to.n_passes.push_back(n_passes);
  to.status.push_back(from.status[k]);
}

}  // namespace relax_detail

// The relaxed path of `penalized` (a PathResult or a MultiPathResult) over p
// variables. Solution k keeps the penalized lambda and df; its coefficients,
// intercept(s), deviance ratio and status are those of the refit on its
// active set (an empty active set needs no refit: the penalized solution is
// already the null model). A refit's passes are counted once, at the first
// lambda that uses it. The monitor sees interrupt checks and one
// lambda_done(i, n) per distinct active set refitted.
template <class Result, class Refit>
Result relax_path(const Result& penalized, Eigen::Index p, int max_active, Refit&& refit,
                  Monitor& monitor) {
  const std::size_t n_lambda = penalized.lambda.size();
  std::vector<std::vector<int>> active(n_lambda);
  std::map<std::vector<int>, std::size_t> refit_index;  // active set -> position in `refits`
  std::vector<std::vector<int>> distinct;
  for (std::size_t k = 0; k < n_lambda; ++k) {
    active[k] = relax_detail::active_variables(penalized, k);
    if (active[k].empty() || static_cast<int>(active[k].size()) > max_active) continue;
    if (refit_index.emplace(active[k], distinct.size()).second) distinct.push_back(active[k]);
  }

  std::vector<Result> refits;
  refits.reserve(distinct.size());
  relax_detail::InterruptsOnly quiet(monitor);
  for (std::size_t i = 0; i < distinct.size(); ++i) {
    monitor.check_interrupt();
    std::vector<char> excluded(static_cast<std::size_t>(p), 1);
    for (int j : distinct[i]) excluded[static_cast<std::size_t>(j)] = 0;
    refits.push_back(refit(excluded, quiet));
    if (refits.back().lambda.size() != 1)
      throw std::logic_error("relax_path: a refit must return exactly one solution");
    monitor.lambda_done(static_cast<int>(i), static_cast<int>(distinct.size()));
  }

  Result relaxed;
  relaxed.null_deviance = penalized.null_deviance;
  relaxed.stop = penalized.stop;
  std::vector<char> counted(distinct.size(), 0);
  for (std::size_t k = 0; k < n_lambda; ++k) {
    if (static_cast<int>(active[k].size()) > max_active) continue;
    if (active[k].empty()) {
      relax_detail::append_solution(relaxed, penalized, k, penalized.lambda[k], penalized.df[k], 0);
      continue;
    }
    const std::size_t i = refit_index.at(active[k]);
    const Result& fit = refits[i];
    const int n_passes = counted[i] ? 0 : fit.n_passes.front();
    counted[i] = 1;
    relax_detail::append_solution(relaxed, fit, 0, penalized.lambda[k], penalized.df[k], n_passes);
  }
  return relaxed;
}

}  // namespace glmsparse
