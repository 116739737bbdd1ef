// Lazy standardization in DenseDesign and SparseDesign against explicitly
// formed columns (x_j - m_j) / s_j.
#include <catch2/catch.hpp>

#include <random>
#include <vector>

#include <glmsparse/design.hpp>

#include "helpers.hpp"

using test_helpers::DenseFixture;
using test_helpers::SparseFixture;

namespace {

template <class Design>
void check_against_explicit(Design& design, const Eigen::MatrixXd& x, std::mt19937& rng) {
  const Eigen::Index n = x.rows(), p = x.cols();
  const Eigen::VectorXd center = test_helpers::random_vector(rng, p);
  const Eigen::VectorXd scale = test_helpers::random_uniform(rng, p, 0.2, 3.0);
  design.standardization().set(center, scale);
  REQUIRE(design.rows() == n);
  REQUIRE(design.cols() == p);

  const Eigen::VectorXd v = test_helpers::random_vector(rng, n);
  const Eigen::VectorXd w = test_helpers::random_uniform(rng, n, 0.0, 2.0);
  for (Eigen::Index j = 0; j < p; ++j) {
    INFO("column " << j);
    const Eigen::VectorXd standardized =
        (x.col(j).array() - center[j]) / scale[j];
    const double expected_dot = standardized.dot(v);
    CHECK(design.dot(j, v, v.sum()) ==
          Approx(expected_dot).margin(1e-12 * (1.0 + v.cwiseAbs().sum())));
    CHECK(design.raw_dot(j, v) == Approx(x.col(j).dot(v)).margin(1e-12));

    const Eigen::VectorXd start = test_helpers::random_vector(rng, n);
    Eigen::VectorXd out = start;
    design.raw_axpy(j, -1.7, out);
    CHECK((out - (start + -1.7 * x.col(j))).cwiseAbs().maxCoeff() <= 1e-12);

    out = start;
    design.raw_weighted_axpy(j, 0.6, w, out);
    CHECK((out - (start + 0.6 * x.col(j).cwiseProduct(w))).cwiseAbs().maxCoeff() <= 1e-12);

    double sum_wx = 0.0, sum_wxx = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      sum_wx += w[i] * x(i, j);
      sum_wxx += w[i] * x(i, j) * x(i, j);
    }
    const auto moments = design.weighted_moments(j, w);
    CHECK(moments.first == Approx(sum_wx).margin(1e-12));
    CHECK(moments.second == Approx(sum_wxx).margin(1e-12));

    bool constant = true;
    for (Eigen::Index i = 1; i < n; ++i) constant = constant && x(i, j) == x(0, j);
    CHECK(design.is_constant(j) == constant);
  }
}

// Columns: random with zeros, constant nonzero, all zero, one nonzero entry,
// constant except the last row, and a full column with no zeros.
Eigen::MatrixXd mixed_matrix(std::mt19937& rng, Eigen::Index n) {
  Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, 8, 0.5);
  x.col(1).setConstant(2.5);
  x.col(2).setZero();
  x.col(3).setZero();
  x(n / 2, 3) = -4.0;
  x.col(4).setConstant(1.25);
  x(n - 1, 4) = 1.5;
  x.col(5) = test_helpers::random_uniform(rng, n, 1.0, 2.0);
  return x;
}

}  // namespace

TEST_CASE("DenseDesign folds centring and scaling in exactly", "[design]") {
  std::mt19937 rng(1);
  for (Eigen::Index n : {1, 7, 40}) {
    const Eigen::MatrixXd x = mixed_matrix(rng, n);
    DenseFixture fixture(x);
    check_against_explicit(fixture.design, x, rng);
  }
}

TEST_CASE("SparseDesign folds centring and scaling in exactly", "[design]") {
  std::mt19937 rng(2);
  for (Eigen::Index n : {1, 7, 40}) {
    const Eigen::MatrixXd x = mixed_matrix(rng, n);
    SparseFixture fixture(x);
    REQUIRE(fixture.storage.nonZeros() < x.size());
    check_against_explicit(fixture.design, x, rng);
  }
}

TEST_CASE("Default standardization is the identity", "[design]") {
  std::mt19937 rng(3);
  const Eigen::MatrixXd x = test_helpers::random_matrix(rng, 12, 4, 0.4);
  DenseFixture dense(x);
  SparseFixture sparse(x);
  const Eigen::VectorXd v = test_helpers::random_vector(rng, 12);
  for (Eigen::Index j = 0; j < 4; ++j) {
    CHECK(dense.design.dot(j, v, v.sum()) == Approx(x.col(j).dot(v)).margin(1e-12));
    CHECK(sparse.design.dot(j, v, v.sum()) == Approx(x.col(j).dot(v)).margin(1e-12));
  }
}

TEST_CASE("SparseDesign::is_constant handles explicitly stored zeros", "[design]") {
  // Column 0: explicit zeros only (constant 0). Column 1: explicit zero then 3 (not
  // constant). Column 2: 5 in every row, stored (constant). Column 3: 5 in all rows
  // but one, which is implicit zero (not constant). Column 4: nothing stored.
  const int n = 4;
  std::vector<Eigen::Triplet<double>> entries = {{0, 0, 0.0}, {2, 0, 0.0}, {0, 1, 0.0},
                                                 {2, 1, 3.0}};
  for (int i = 0; i < n; ++i) entries.emplace_back(i, 2, 5.0);
  for (int i = 0; i < n - 1; ++i) entries.emplace_back(i, 3, 5.0);
  Eigen::SparseMatrix<double> x(n, 5);
  x.setFromTriplets(entries.begin(), entries.end());
  SparseFixture fixture(x);
  REQUIRE(fixture.storage.nonZeros() == static_cast<Eigen::Index>(entries.size()));
  CHECK(fixture.design.is_constant(0));
  CHECK_FALSE(fixture.design.is_constant(1));
  CHECK(fixture.design.is_constant(2));
  CHECK_FALSE(fixture.design.is_constant(3));
  CHECK(fixture.design.is_constant(4));
}

TEST_CASE("Batched weighted cross products equal X_rows' W X_cols", "[design]") {
  std::mt19937 rng(4);
  // 300 rows and 270 columns of the product: more than one gathered block of
  // each, with variables repeated and in no particular order.
  const Eigen::Index n = 30, p = 320;
  const Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.3);
  const Eigen::VectorXd w = test_helpers::random_uniform(rng, n, 0.0, 2.0);
  std::uniform_int_distribution<Eigen::Index> variable(0, p - 1);
  std::vector<Eigen::Index> rows(300), cols(270);
  for (auto& j : rows) j = variable(rng);
  for (auto& j : cols) j = variable(rng);
  Eigen::MatrixXd expected(300, 270);
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < cols.size(); ++c)
      expected(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          x.col(rows[r]).cwiseProduct(w).dot(x.col(cols[c]));
  DenseFixture dense(x);
  SparseFixture sparse(x);
  Eigen::MatrixXd dense_out, sparse_out;
  dense.design.raw_weighted_cross_products(rows, cols, w, dense_out);
  sparse.design.raw_weighted_cross_products(rows, cols, w, sparse_out);
  REQUIRE(dense_out.rows() == 300);
  REQUIRE(dense_out.cols() == 270);
  REQUIRE(sparse_out.rows() == 300);
  REQUIRE(sparse_out.cols() == 270);
  CHECK((dense_out - expected).cwiseAbs().maxCoeff() <= 1e-12);
  CHECK((sparse_out - expected).cwiseAbs().maxCoeff() <= 1e-12);
}
