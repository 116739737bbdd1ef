// Linear predictors of a subset of rows (a cross-validation fold's held-out
// observations) under every solution of a path, from x in place: no copy of
// the rows. Offsets are not included.
#pragma once

#include <Eigen/Dense>
#include <type_traits>
#include <utility>
#include <vector>

#include "design.hpp"
#include "multi_path.hpp"
#include "options.hpp"

namespace glmsparse {

namespace detail {

// Column l of `out` (rows x n_lambda, column-major, columns `stride` apart)
// gets intercept(l) + sum_j beta_jl x_{rows, j}.
template <class Design, class Intercept>
void add_linear_predictors(const Design& x, const RowSelection& selection,
                           const std::vector<int>& beta_row, const std::vector<int>& column_start,
                           const std::vector<double>& beta_value, Intercept intercept,
                           double* out, Eigen::Index stride) {
  const auto n_rows = static_cast<Eigen::Index>(selection.rows.size());
  const std::size_t n_lambda = column_start.size() - 1;
  for (std::size_t l = 0; l < n_lambda; ++l) {
    double* column = out + static_cast<Eigen::Index>(l) * stride;
    const double a0 = intercept(l);
    for (Eigen::Index r = 0; r < n_rows; ++r) column[r] = a0;
  }
  if constexpr (std::is_same<Design, DenseDesign>::value) {
    // Variable by variable: its selected rows are gathered once and added to
    // every solution in which it is nonzero, contiguously.
    std::vector<std::vector<std::pair<std::size_t, double>>> uses(
        static_cast<std::size_t>(x.cols()));
    for (std::size_t l = 0; l < n_lambda; ++l)
      for (int k = column_start[l]; k < column_start[l + 1]; ++k)
        uses[static_cast<std::size_t>(beta_row[static_cast<std::size_t>(k)])].emplace_back(
            l, beta_value[static_cast<std::size_t>(k)]);
    Eigen::VectorXd gathered(n_rows);
    for (std::size_t j = 0; j < uses.size(); ++j) {
      if (uses[j].empty()) continue;
      const auto column = x.matrix().col(static_cast<Eigen::Index>(j));
      for (Eigen::Index r = 0; r < n_rows; ++r) gathered[r] = column[selection.rows[static_cast<std::size_t>(r)]];
      for (const auto& [l, value] : uses[j]) {
        Eigen::Map<Eigen::VectorXd> target(out + static_cast<Eigen::Index>(l) * stride, n_rows);
        target.noalias() += value * gathered;
      }
    }
  } else {
    for (std::size_t l = 0; l < n_lambda; ++l)
      for (int k = column_start[l]; k < column_start[l + 1]; ++k)
        x.raw_axpy_selected(beta_row[static_cast<std::size_t>(k)],
                            beta_value[static_cast<std::size_t>(k)], selection,
                            out + static_cast<Eigen::Index>(l) * stride);
  }
}

}  // namespace detail

// rows x n_lambda.
template <class Design>
Eigen::MatrixXd linear_predictors(const Design& x, const RowSelection& selection,
                                  const PathResult& path) {
  const auto n_rows = static_cast<Eigen::Index>(selection.rows.size());
  Eigen::MatrixXd out(n_rows, static_cast<Eigen::Index>(path.lambda.size()));
  detail::add_linear_predictors(
      x, selection, path.beta_row, path.beta_col_start, path.beta_value,
      [&](std::size_t l) { return path.intercept[l]; }, out.data(), n_rows);
  return out;
}

// rows x (K * n_lambda): the rows x K x n_lambda array, response fastest
// after the rows.
template <class Design>
Eigen::MatrixXd linear_predictors(const Design& x, const RowSelection& selection,
                                  const MultiPathResult& path) {
  const auto n_rows = static_cast<Eigen::Index>(selection.rows.size());
  const auto n_responses = static_cast<Eigen::Index>(path.beta.size());
  const auto n_lambda = static_cast<Eigen::Index>(path.lambda.size());
  Eigen::MatrixXd out(n_rows, n_responses * n_lambda);
  for (Eigen::Index k = 0; k < n_responses; ++k) {
    const CompressedColumns& beta = path.beta[static_cast<std::size_t>(k)];
    detail::add_linear_predictors(
        x, selection, beta.row, beta.column_start, beta.value,
        [&](std::size_t l) {
          return path.intercept[l * static_cast<std::size_t>(n_responses) + static_cast<std::size_t>(k)];
        },
        out.data() + k * n_rows, n_rows * n_responses);
  }
  return out;
}

}  // namespace glmsparse
