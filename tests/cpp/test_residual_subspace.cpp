// ResidualSubspace: the gradient bound used by the Gaussian path's screening
// holds for any residual, and is exact for residuals in the recorded span.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <glmsparse/design.hpp>
#include <glmsparse/residual_subspace.hpp>

#include "helpers.hpp"

namespace {

// Standardized columns x~_j = (x_j - m_j) / s_j with weighted means m (so
// that the constant direction has zero gradients), and g_j(r) = <x~_j, W r>.
struct WeightedProblem {
  Eigen::MatrixXd standardized;
  Eigen::VectorXd weights;
  Eigen::VectorXd sqrt_weights;

  WeightedProblem(std::mt19937& rng, Eigen::Index n, Eigen::Index p) {
    const Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.3);
    weights = test_helpers::random_uniform(rng, n, 0.0, 2.0);
    weights[0] = 0.0;  // a row left out
    weights /= weights.sum();
    sqrt_weights = weights.cwiseSqrt();
    standardized = x;
    for (Eigen::Index j = 0; j < p; ++j) {
      const double mean = weights.dot(x.col(j));
      standardized.col(j).array() -= mean;
      standardized.col(j) /= std::sqrt(weights.dot(standardized.col(j).cwiseAbs2()));
    }
  }
  Eigen::VectorXd gradients(const Eigen::VectorXd& r) const {
    return standardized.transpose() * weights.cwiseProduct(r);
  }
  Eigen::VectorXd scaled(const Eigen::VectorXd& r) const { return sqrt_weights.cwiseProduct(r); }
};

}  // namespace

TEST_CASE("ResidualSubspace bounds every gradient, exactly within its span", "[screening]") {
  std::mt19937 rng(20261201);
  const Eigen::Index n = 60, p = 40;
  const WeightedProblem problem(rng, n, p);
  glmsparse::ResidualSubspace screen(p, 2, problem.sqrt_weights);
  const Eigen::VectorXd r1 = test_helpers::random_vector(rng, n);
  const Eigen::VectorXd r2 = test_helpers::random_vector(rng, n);
  const Eigen::VectorXd r3 = test_helpers::random_vector(rng, n);
  screen.add(problem.scaled(r1), problem.gradients(r1));
  screen.add(problem.scaled(r2), problem.gradients(r2));

  SECTION("in the span of the snapshots and the constant, the estimate is the gradient") {
    const Eigen::VectorXd r = 0.3 * r1 - 1.7 * r2 + Eigen::VectorXd::Constant(n, 4.0);
    const Eigen::VectorXd exact = problem.gradients(r);
    screen.project(problem.scaled(r));
    for (Eigen::Index j = 0; j < p; ++j) {
      CHECK(screen.estimate(j) == Approx(exact[j]).margin(1e-12));
      CHECK(screen.bound(j, 1.0) >= std::abs(exact[j]));
      CHECK(screen.bound(j, 1.0) <= std::abs(exact[j]) + 1e-8);
    }
  }
  SECTION("outside it, the bound holds and its unexplained part is at most the distance to the last snapshot") {
    const Eigen::VectorXd r = 0.5 * r2 + 0.1 * r3;
    const Eigen::VectorXd exact = problem.gradients(r);
    const double distance = (problem.scaled(r - r2)).norm();
    screen.project(problem.scaled(r));
    for (Eigen::Index j = 0; j < p; ++j) {
      CHECK(screen.bound(j, 1.0) >= std::abs(exact[j]));
      // The projection can only shrink what the plain rule, |g_j(r2)| +
      // ||r - r2||_W, leaves unexplained.
      const double unexplained = screen.bound(j, 1.0) - std::abs(screen.estimate(j));
      CHECK(unexplained <= distance + 1e-8);
      CHECK(unexplained < 0.5 * distance);  // the scaling of r2 explains most of r - r2
    }
  }
  SECTION("the oldest snapshot is dropped beyond the depth") {
    screen.add(problem.scaled(r3), problem.gradients(r3));
    screen.project(problem.scaled(r1));
    const Eigen::VectorXd exact = problem.gradients(r1);
    double largest_slack = 0.0;
    for (Eigen::Index j = 0; j < p; ++j) {
      CHECK(screen.bound(j, 1.0) >= std::abs(exact[j]));
      largest_slack = std::max(largest_slack, screen.bound(j, 1.0) - std::abs(exact[j]));
    }
    CHECK(largest_slack > 1e-3);  // r1 is no longer in the span
  }
}

TEST_CASE("ResidualSubspace without a constant direction or snapshots", "[screening]") {
  std::mt19937 rng(7);
  const Eigen::Index n = 30, p = 10;
  const WeightedProblem problem(rng, n, p);
  glmsparse::ResidualSubspace screen(p, 2, Eigen::VectorXd());
  const Eigen::VectorXd r = test_helpers::random_vector(rng, n);
  screen.project(problem.scaled(r));
  const Eigen::VectorXd exact = problem.gradients(r);
  for (Eigen::Index j = 0; j < p; ++j) {
    CHECK(screen.estimate(j) == 0.0);
    CHECK(screen.bound(j, 1.0) >= std::abs(exact[j]));
  }
  // Repeating a snapshot adds nothing to the basis: it is in the span.
  screen.add(problem.scaled(r), exact);
  screen.add(problem.scaled(2.0 * r), 2.0 * exact);
  screen.project(problem.scaled(-3.0 * r));
  for (Eigen::Index j = 0; j < p; ++j)
    CHECK(screen.estimate(j) == Approx(-3.0 * exact[j]).margin(1e-12));
}
