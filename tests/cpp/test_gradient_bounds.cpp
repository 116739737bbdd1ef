// GradientBounds: the bound on a left-out variable's gradient at one point,
// from its gradient at a reference point, must hold (the screening and KKT
// decisions of the GLM path rely on it), and must be tight enough to settle
// variables when the point has not moved far.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

#include <glmsparse/glmsparse.hpp>

#include "helpers.hpp"

namespace {

using glmsparse::GradientBounds;

// The gradients of every column and the bounds' summary at linear predictor
// eta, as GlmPath computes them.
template <class Datafit>
struct PointGradients {
  Eigen::VectorXd gradient, v, u;
  bool centred = false;
};

template <class Datafit, class Design>
PointGradients<Datafit> gradients_at(const Datafit& datafit, Design& design, bool centring,
                                     const Eigen::VectorXd& eta) {
  PointGradients<Datafit> out;
  datafit.quadratic_model(eta, out.v, out.u);
  glmsparse::IrlsUpdates<Design> updates(design, centring);
  updates.set_point(out.v, out.u);
  out.centred = updates.centred_at_point();
  out.gradient.resize(design.cols());
  for (Eigen::Index j = 0; j < design.cols(); ++j) out.gradient[j] = updates.gradient(j);
  return out;
}

// Shifts eta by the constant that zeroes the intercept's score S = sum_i u_i,
// as at every point of a path with an intercept (Newton steps on the shift).
template <class Datafit>
Eigen::VectorXd with_zero_score(const Datafit& datafit, Eigen::VectorXd eta) {
  Eigen::VectorXd v, u;
  for (int step = 0; step < 100; ++step) {
    datafit.quadratic_model(eta, v, u);
    eta.array() += u.sum() / v.sum();
  }
  return eta;
}

// Columns of different means and spreads, weights with zeros; reference
// linear predictors and points moved from them by steps of several sizes.
template <class Datafit>
void check_bounds(const Datafit& datafit, const Eigen::MatrixXd& x, const Eigen::VectorXd& weights,
                  bool intercept, bool standardize, bool centring, std::mt19937& rng) {
  test_helpers::DenseFixture fixture(x);
  const Eigen::VectorXd w = weights / weights.sum();
  const glmsparse::ColumnSummary columns = glmsparse::summarize_columns(fixture.design, w, intercept, standardize);
  fixture.design.standardization().set(columns.center, columns.scale);
  GradientBounds bounds(w,
                        glmsparse::gradient_bound_factors(columns.weighted_sum, columns.scale, columns.curvature,
                                                          intercept, true),
                        glmsparse::gradient_bound_factors(columns.weighted_sum, columns.scale, columns.curvature,
                                                          intercept, false));
  const Eigen::Index n = x.rows(), p = x.cols();
  auto point_eta = [&](Eigen::VectorXd eta) { return intercept ? with_zero_score(datafit, eta) : eta; };
  const Eigen::VectorXd eta_reference = point_eta(test_helpers::random_vector(rng, n, 0.2, 0.7));
  const auto reference = gradients_at(datafit, fixture.design, centring, eta_reference);
  REQUIRE_FALSE(bounds.has_reference());
  bounds.set_reference(reference.u, reference.v, reference.centred);
  for (Eigen::Index j = 0; j < p; ++j) bounds.set_reference_gradient(j, reference.gradient[j]);

  // At the reference itself the bound is the gradient, up to rounding.
  const GradientBounds::Point same = bounds.summarize(reference.u, reference.v, reference.centred);
  for (Eigen::Index j = 0; j < p; ++j) {
    CHECK(bounds.bound(j, same) >= std::abs(reference.gradient[j]));
    CHECK(bounds.bound(j, same) <= std::abs(reference.gradient[j]) + 1e-9 * (1.0 + std::abs(reference.gradient[j])));
  }
  for (double step : {1e-4, 1e-2, 0.3, 2.0}) {
    INFO("step " << step);
    const Eigen::VectorXd eta = point_eta(eta_reference + step * test_helpers::random_vector(rng, n, 0.1, 1.0));
    const auto here = gradients_at(datafit, fixture.design, centring, eta);
    const GradientBounds::Point point = bounds.summarize(here.u, here.v, here.centred);
    int tight = 0;
    for (Eigen::Index j = 0; j < p; ++j) {
      INFO("variable " << j << " gradient " << here.gradient[j] << " at the reference " << reference.gradient[j]);
      const double bound = bounds.bound(j, point);
      CHECK(std::abs(here.gradient[j]) <= bound);
      if (bound <= std::abs(reference.gradient[j]) + 0.1 * (std::abs(reference.gradient[j]) + 1e-3)) ++tight;
    }
    // A small move moves the bounds little.
    if (step <= 1e-4) CHECK(tight == p);
  }
}

}  // namespace

TEST_CASE("Gradient bounds hold between two points of a GLM path", "[glm][bounds]") {
  std::mt19937 rng(71);
  const Eigen::Index n = 60, p = 12;
  Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.4);
  for (Eigen::Index j = 0; j < p; j += 3) x.col(j).array() += 3.0 * static_cast<double>(j + 1);  // means that dwarf spreads
  Eigen::VectorXd weights = test_helpers::random_uniform(rng, n, 0.2, 3.0);
  weights[4] = 0.0;
  weights[17] = 0.0;
  Eigen::VectorXd binary(n), counts(n);
  std::bernoulli_distribution coin(0.4);
  std::poisson_distribution<int> count(2.0);
  for (Eigen::Index i = 0; i < n; ++i) {
    binary[i] = coin(rng) ? 1.0 : 0.0;
    counts[i] = count(rng);
  }
  const glmsparse::SeparableDatafit<glmsparse::Binomial> binomial(binary, weights);
  const glmsparse::SeparableDatafit<glmsparse::Poisson> poisson(counts, weights);
  glmsparse::SurvivalData survival;
  survival.stop = test_helpers::random_uniform(rng, n, 1.0, 10.0);
  survival.status = binary;
  const glmsparse::Cox cox(survival, weights);
  for (bool intercept : {true, false}) {
    for (bool standardize : {true, false}) {
      INFO("intercept " << intercept << " standardize " << standardize);
      SECTION("binomial " + std::to_string(intercept) + std::to_string(standardize)) {
        check_bounds(binomial, x, weights, intercept, standardize, intercept, rng);
      }
      SECTION("poisson " + std::to_string(intercept) + std::to_string(standardize)) {
        check_bounds(poisson, x, weights, intercept, standardize, intercept, rng);
      }
    }
    // Cox has no intercept; its updates centre all the same.
    SECTION("cox " + std::to_string(intercept)) {
      check_bounds(cox, x, weights, false, intercept, true, rng);
    }
  }
}

// Cauchy-Schwarz is tight when the residual moves along the column itself:
// u(P) = u(R) + e w o (x_j - c_j) / s_j moves g_j by e f_j^2 and D is e f_j,
// so the bound is attained (up to rounding) when g_j(R) has the sign of the
// move. Scores are zero at both points, as on a path with an intercept.
TEST_CASE("Gradient bounds are attained when the residual moves along the column", "[glm][bounds]") {
  std::mt19937 rng(72);
  const Eigen::Index n = 50, p = 6;
  Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.2);
  x.col(2).array() += 40.0;  // a mean that dwarfs the spread
  Eigen::VectorXd weights = test_helpers::random_uniform(rng, n, 0.5, 2.0);
  weights[3] = 0.0;
  const Eigen::VectorXd w = weights / weights.sum();
  test_helpers::DenseFixture fixture(x);
  const glmsparse::ColumnSummary columns = glmsparse::summarize_columns(fixture.design, w, true, true);
  fixture.design.standardization().set(columns.center, columns.scale);
  const Eigen::VectorXd centred_factor =
      glmsparse::gradient_bound_factors(columns.weighted_sum, columns.scale, columns.curvature, true, true);
  GradientBounds bounds(w, centred_factor,
                        glmsparse::gradient_bound_factors(columns.weighted_sum, columns.scale, columns.curvature,
                                                          true, false));
  // IRLS weights of rows of weight 0 are 0; the residual there too.
  Eigen::VectorXd v = w.cwiseProduct(test_helpers::random_uniform(rng, n, 0.1, 0.3));
  Eigen::VectorXd u = w.cwiseProduct(test_helpers::random_vector(rng, n, 0.0, 1.0));
  u.array() -= u.sum() * w.array();  // sum 0
  auto gradients = [&](const Eigen::VectorXd& residual) {
    glmsparse::IrlsUpdates<glmsparse::DenseDesign> updates(fixture.design, true);
    updates.set_point(v, residual);
    Eigen::VectorXd g(p);
    for (Eigen::Index j = 0; j < p; ++j) g[j] = updates.gradient(j);
    return g;
  };
  const Eigen::VectorXd reference = gradients(u);
  bounds.set_reference(u, v, true);
  for (Eigen::Index j = 0; j < p; ++j) bounds.set_reference_gradient(j, reference[j]);
  for (Eigen::Index j = 0; j < p; ++j) {
    INFO("variable " << j);
    const double e = reference[j] >= 0.0 ? 0.05 : -0.05;
    Eigen::VectorXd moved = u;
    for (Eigen::Index i = 0; i < n; ++i)
      moved[i] += e * w[i] * (x(i, j) - columns.weighted_sum[j]) / columns.scale[j];
    const Eigen::VectorXd here = gradients(moved);
    const double bound = bounds.bound(j, bounds.summarize(moved, v, true));
    CHECK(std::abs(here[j]) <= bound);
    CHECK(std::abs(here[j]) >= bound - 1e-9 * (1.0 + bound));
    CHECK(std::abs(here[j]) - std::abs(reference[j]) == Approx(std::abs(e) * centred_factor[j] * centred_factor[j]).epsilon(1e-8));
  }
}
