// Shared fixtures: random designs held alive next to their Eigen::Map views.
#pragma once

#include <random>

#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include <glmsparse/design.hpp>

namespace test_helpers {

// Random n x p matrix with about `zero_fraction` exact zeros.
inline Eigen::MatrixXd random_matrix(std::mt19937& rng, Eigen::Index n, Eigen::Index p,
                                     double zero_fraction) {
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Eigen::MatrixXd x(n, p);
  for (Eigen::Index j = 0; j < p; ++j)
    for (Eigen::Index i = 0; i < n; ++i)
      x(i, j) = unit(rng) < zero_fraction ? 0.0 : 1.0 + normal(rng) * (1.0 + 0.3 * static_cast<double>(j % 4));
  return x;
}

inline Eigen::VectorXd random_vector(std::mt19937& rng, Eigen::Index n, double mean = 0.0,
                                     double sd = 1.0) {
  std::normal_distribution<double> normal(mean, sd);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = normal(rng);
  return v;
}

inline Eigen::VectorXd random_uniform(std::mt19937& rng, Eigen::Index n, double low,
                                      double high) {
  std::uniform_real_distribution<double> unif(low, high);
  Eigen::VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v[i] = unif(rng);
  return v;
}

// Owns a dense matrix and exposes a DenseDesign over it.
struct DenseFixture {
  Eigen::MatrixXd storage;
  glmsparse::DenseDesign::Matrix map;
  glmsparse::DenseDesign design;

  explicit DenseFixture(const Eigen::MatrixXd& x)
      : storage(x), map(storage.data(), storage.rows(), storage.cols()), design(map) {}
};

// Owns a compressed sparse matrix and exposes a SparseDesign over it, mapped
// the way the R glue maps a dgCMatrix.
struct SparseFixture {
  Eigen::SparseMatrix<double> storage;
  glmsparse::SparseDesign::Matrix map;
  glmsparse::SparseDesign design;

  explicit SparseFixture(const Eigen::SparseMatrix<double>& x)
      : storage(compressed(x)),
        map(storage.rows(), storage.cols(), storage.nonZeros(), storage.outerIndexPtr(),
            storage.innerIndexPtr(), storage.valuePtr()),
        design(map) {}

  explicit SparseFixture(const Eigen::MatrixXd& x)
      : SparseFixture(Eigen::SparseMatrix<double>(x.sparseView())) {}

 private:
  static Eigen::SparseMatrix<double> compressed(Eigen::SparseMatrix<double> x) {
    x.makeCompressed();
    return x;
  }
};

}  // namespace test_helpers
