// Generalized linear models (binomial, poisson): the per-observation loss
// and its derivatives against finite differences, the IRLS quadratic model
// against the weighted loss and against an explicitly formed model, KKT
// conditions at every point of the path, and dense == sparse.
//
// Finite-difference tolerances are error bounds, not fitted constants: a
// central difference with step h has truncation error h^2/6 max|f'''| (first
// derivative) or h^2/12 max|f''''| (second derivative), and rounding error
// c eps M / h or 4 c eps M / h^2 when each f value carries a relative error
// of at most c eps on terms of size M. Steps are powers of two and the
// evaluation points dyadic, so eta +- h is exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <vector>

#include <glmsparse/glmsparse.hpp>

#include "helpers.hpp"

using glmsparse::Binomial;
using glmsparse::FitOptions;
using glmsparse::LambdaGrid;
using glmsparse::PathResult;
using glmsparse::Poisson;
using glmsparse::ProblemData;
using test_helpers::coefficients;
using test_helpers::default_grid;
using test_helpers::describe;
using test_helpers::Problem;
using test_helpers::Setting;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
// Relative error, in units of eps, allowed for one evaluation of the loss
// (a handful of correctly rounded operations plus exp/log1p, each within an ulp).
constexpr double kEvalUlps = 8.0;

// Derivative bounds of b(eta) for the truncation errors: binomial
// |b'''| = |mu (1 - mu)(1 - 2 mu)| <= 1 / (6 sqrt 3), |b''''| <= 1/8 everywhere;
// poisson b''' = b'''' = e^eta, bounded on [eta - h, eta + h] by e^(eta + h).
template <class Family>
struct Traits;

template <>
struct Traits<Binomial> {
  static std::vector<double> ys() { return {0.0, 0.3, 1.0}; }
  static std::vector<double> etas() { return {-6.0, -3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 5.0}; }
  static double third_bound(double /*eta*/, double /*h*/) { return 1.0 / (6.0 * std::sqrt(3.0)); }
  static double fourth_bound(double /*eta*/, double /*h*/) { return 0.125; }
  // Interior y, for which the saturated model has a finite linear predictor.
  static bool interior(double y) { return y > 0.0 && y < 1.0; }
  // The exact b''(eta) = mu (1 - mu), before the IRLS floor.
  static double b2(double eta) {
    const double mu = Binomial::mean(eta);
    return mu * (1.0 - mu);
  }
};

template <>
struct Traits<Poisson> {
  static std::vector<double> ys() { return {0.0, 1.0, 4.0}; }
  static std::vector<double> etas() { return {-3.0, -1.0, -0.25, 0.0, 0.5, 1.5, 3.0}; }
  static double third_bound(double eta, double h) { return std::exp(eta + h); }
  static double fourth_bound(double eta, double h) { return std::exp(eta + h); }
  static bool interior(double y) { return y > 0.0; }
  static double b2(double eta) { return std::exp(eta); }
};

// Size of the terms of l(y, eta) = b(eta) - y eta: the scale of its rounding error.
template <class Family>
double loss_magnitude(double y, double eta) {
  return std::abs(Family::loss(0.0, eta)) + std::abs(y * eta) + std::abs(Family::loss(y, eta));
}

template <class Family>
void check_observation_derivatives() {
  const double h1 = std::ldexp(1.0, -17);  // about 7.6e-6
  const double h2 = std::ldexp(1.0, -10);  // about 9.8e-4
  for (double y : Traits<Family>::ys()) {
    for (double eta : Traits<Family>::etas()) {
      INFO(Family::name << " y = " << y << " eta = " << eta);
      auto l = [y](double e) { return Family::loss(y, e); };

      // First derivative: mu - y.
      {
        const double fd = (l(eta + h1) - l(eta - h1)) / (2.0 * h1);
        const double m = std::max(loss_magnitude<Family>(y, eta + h1),
                                  loss_magnitude<Family>(y, eta - h1));
        const double tol = h1 * h1 / 6.0 * Traits<Family>::third_bound(eta, h1) +
                           kEvalUlps * kEps * m / h1;
        const double expected = Family::mean(eta) - y;
        INFO("fd " << fd << " mean - y " << expected << " tol " << tol);
        CHECK(std::abs(fd - expected) <= tol);
      }
      // Second derivative: b''(eta), which curvature() returns at moderate eta.
      {
        const double fd = (l(eta + h2) - 2.0 * l(eta) + l(eta - h2)) / (h2 * h2);
        const double m = std::max({loss_magnitude<Family>(y, eta + h2),
                                   loss_magnitude<Family>(y, eta),
                                   loss_magnitude<Family>(y, eta - h2)});
        const double tol = h2 * h2 / 12.0 * Traits<Family>::fourth_bound(eta, h2) +
                           4.0 * kEvalUlps * kEps * m / (h2 * h2);
        const double curvature = Family::curvature(Family::mean(eta));
        INFO("fd " << fd << " curvature " << curvature << " tol " << tol);
        CHECK(std::abs(fd - curvature) <= tol);
        // And curvature() is b'' itself there (no floor), to rounding.
        CHECK(std::abs(curvature - Traits<Family>::b2(eta)) <= 8.0 * kEps * Traits<Family>::b2(eta));
      }
      // The saturated model bounds the loss from below.
      {
        const double gap = Family::loss(y, eta) - Family::saturated_loss(y);
        const double tol = kEvalUlps * kEps *
                           (loss_magnitude<Family>(y, eta) + std::abs(Family::saturated_loss(y)));
        INFO("loss - saturated " << gap);
        CHECK(gap >= -tol);
      }
    }
    if (Traits<Family>::interior(y)) {
      // Equality at the saturated linear predictor; the loss is flat there,
      // so the rounding of link(y) costs only O(eps^2).
      const double eta = Family::link(y);
      INFO(Family::name << " y = " << y << " eta = link(y) = " << eta);
      CHECK(std::abs(Family::mean(eta) - y) <= 4.0 * kEps * y);
      const double gap = Family::loss(y, eta) - Family::saturated_loss(y);
      const double tol = kEvalUlps * kEps *
                         (loss_magnitude<Family>(y, eta) + std::abs(Family::saturated_loss(y)));
      INFO("loss - saturated " << gap << " tol " << tol);
      CHECK(std::abs(gap) <= tol);
      // Away from it the gap is positive, about b''(eta) d^2 / 2.
      for (double d : {-0.5, 0.5}) {
        const double away = Family::loss(y, eta + d) - Family::saturated_loss(y);
        CHECK(away > 0.1 * Traits<Family>::b2(eta) * d * d / 2.0);
      }
    }
  }
}

}  // namespace

TEST_CASE("GLM loss derivatives match finite differences", "[glm][datafit]") {
  SECTION("binomial") { check_observation_derivatives<Binomial>(); }
  SECTION("poisson") { check_observation_derivatives<Poisson>(); }
}

TEST_CASE("Binomial mean, loss and curvature stay finite and floored", "[glm][datafit]") {
  CHECK(Binomial::mean(800.0) == 1.0);
  CHECK(Binomial::mean(-800.0) == 0.0);
  CHECK(Binomial::mean(0.0) == 0.5);
  // mean(-eta) = 1 - mean(eta).
  for (double eta : {-7.0, -2.5, -0.1, 0.3, 4.0})
    CHECK(std::abs(Binomial::mean(-eta) - (1.0 - Binomial::mean(eta))) <= 2.0 * kEps);
  CHECK(std::isfinite(Binomial::loss(0.0, 800.0)));
  CHECK(Binomial::loss(0.0, 800.0) == Approx(800.0).epsilon(1e-15));
  CHECK(Binomial::loss(1.0, -800.0) == Approx(800.0).epsilon(1e-15));
  CHECK(Binomial::loss(0.0, -800.0) >= 0.0);
  // Far out mu (1 - mu) is below the floor.
  const double floor = Binomial::minimum_probability * (1.0 - Binomial::minimum_probability);
  CHECK(Binomial::curvature(Binomial::mean(20.0)) == floor);
  CHECK(Binomial::curvature(Binomial::mean(-20.0)) == floor);
  CHECK(Binomial::curvature(1.0) == floor);
  CHECK(Binomial::saturated_loss(0.0) == 0.0);
  CHECK(Binomial::saturated_loss(1.0) == 0.0);
  CHECK(Poisson::saturated_loss(0.0) == 0.0);
}

// ---------------------------------------------------------------------------
// The IRLS quadratic model against the weighted loss.

namespace {

template <class Family>
Eigen::VectorXd random_response(std::mt19937& rng, const Eigen::VectorXd& eta) {
  Eigen::VectorXd y(eta.size());
  for (Eigen::Index i = 0; i < eta.size(); ++i) {
    const double mu = Family::mean(eta[i]);
    if (std::is_same<Family, Binomial>::value) {
      std::bernoulli_distribution draw(mu);
      y[i] = draw(rng) ? 1.0 : 0.0;
    } else {
      std::poisson_distribution<int> draw(mu);
      y[i] = static_cast<double>(draw(rng));
    }
  }
  return y;
}

// L(eta) = sum_i w_i l(y_i, eta_i).
template <class Family>
double weighted_loss(const Eigen::VectorXd& y, const Eigen::VectorXd& w, const Eigen::VectorXd& eta) {
  double total = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) total += w[i] * Family::loss(y[i], eta[i]);
  return total;
}

// Size of the terms of L, for its rounding error (the sum adds n eps of them).
template <class Family>
double weighted_loss_magnitude(const Eigen::VectorXd& y, const Eigen::VectorXd& w,
                               const Eigen::VectorXd& eta) {
  double total = 0.0;
  for (Eigen::Index i = 0; i < y.size(); ++i) total += w[i] * loss_magnitude<Family>(y[i], eta[i]);
  return total;
}

// The intercept change a with sum_i w_i (y_i - mean(eta_i + a)) = 0, by Newton.
template <class Family>
double fit_intercept(const Eigen::VectorXd& y, const Eigen::VectorXd& w, const Eigen::VectorXd& eta) {
  double a = 0.0;
  for (int iteration = 0; iteration < 200; ++iteration) {
    double score = 0.0, information = 0.0;
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      const double mu = Family::mean(eta[i] + a);
      score += w[i] * (y[i] - mu);
      information += w[i] * Traits<Family>::b2(eta[i] + a);
    }
    const double step = score / information;
    a += step;
    if (std::abs(step) <= 1e-15 * std::max(1.0, std::abs(a))) break;
  }
  return a;
}

struct GlmPoint {
  Eigen::MatrixXd x;
  Eigen::VectorXd y, w, eta;
};

template <class Family>
GlmPoint random_point(std::mt19937& rng, Eigen::Index n, Eigen::Index p) {
  GlmPoint point;
  point.x = test_helpers::random_matrix(rng, n, p, 0.3);
  point.eta = test_helpers::random_vector(rng, n, 0.2, 0.8);
  point.y = random_response<Family>(rng, point.eta);
  const Eigen::VectorXd raw = test_helpers::random_uniform(rng, n, 0.2, 3.0);
  point.w = raw / raw.sum();
  return point;
}

// First and second central differences of f at 0 with step h, with bounds
// on their rounding errors when f carries an absolute error of at most `noise`.
struct Differences {
  double first, second, first_rounding, second_rounding;
};

template <class F>
Differences differences(const F& f, double h, double noise) {
  const double plus = f(h), zero = f(0.0), minus = f(-h);
  return {(plus - minus) / (2.0 * h), (plus - 2.0 * zero + minus) / (h * h), noise / h,
          4.0 * noise / (h * h)};
}

template <class Family>
void check_model_against_loss(std::mt19937& rng, bool standardize_scale) {
  const Eigen::Index n = 30, p = 4;
  const GlmPoint point = random_point<Family>(rng, n, p);
  const Eigen::VectorXd& y = point.y;
  const Eigen::VectorXd& w = point.w;
  test_helpers::DenseFixture fixture(point.x);
  const Eigen::VectorXd scale = standardize_scale ? test_helpers::random_uniform(rng, p, 0.5, 2.0)
                                                  : Eigen::VectorXd::Ones(p);

  for (bool intercept : {false, true}) {
    INFO(Family::name << " intercept=" << intercept << " scaled=" << standardize_scale);
    // With an intercept, move to the point where the intercept is optimal:
    // there the profiled loss P(t) = min_a L(eta + a + t x~_j) has slope
    // dL/db_j (envelope theorem) and curvature H_jj - H_j0^2 / H_00.
    Eigen::VectorXd eta = point.eta;
    if (intercept) eta.array() += fit_intercept<Family>(y, w, eta);

    Eigen::VectorXd v(n), residual(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double mu = Family::mean(eta[i]);
      v[i] = w[i] * Family::curvature(mu);
      residual[i] = w[i] * (y[i] - mu);
    }
    // Newton leaves only the rounding of the score: n eps times its terms.
    if (intercept) CHECK(std::abs(residual.sum()) <= 2.0 * n * kEps * residual.cwiseAbs().sum());

    fixture.design.standardization().set(Eigen::VectorXd::Zero(p), scale);
    glmsparse::IrlsUpdates<glmsparse::DenseDesign> updates(fixture.design, intercept);
    updates.set_point(v, residual);
    CHECK(updates.intercept_change() == Approx(0.0).margin(intercept ? 1e-13 : 0.0));

    for (Eigen::Index j = 0; j < p; ++j) {
      INFO("variable " << j);
      const Eigen::VectorXd direction = point.x.col(j) / scale[j];
      const double abs_direction_cubed = w.dot(direction.cwiseAbs().array().cube().matrix());
      const double abs_direction_fourth = w.dot(direction.array().square().square().matrix());
      // Rounding of L: n additions of terms of size M plus the evaluations,
      // and the rounding of eta + t d_i (relative eps) times |dl/deta|.
      auto noise_at = [&](const Eigen::VectorXd& e) {
        double slope_term = 0.0;
        for (Eigen::Index i = 0; i < n; ++i)
          slope_term += w[i] * std::abs(Family::mean(e[i]) - y[i]) * (std::abs(e[i]) + 1.0);
        return (static_cast<double>(n) + kEvalUlps) * kEps *
                   weighted_loss_magnitude<Family>(y, w, e) +
               kEps * slope_term;
      };
      const double noise = 2.0 * noise_at(eta);
      const double eta_reach = eta.cwiseAbs().maxCoeff();

      // Order matters for the cached column sums: ask for the curvature
      // first for even j, the gradient first for odd j.
      double gradient, curvature;
      if (j % 2 == 0) {
        curvature = updates.curvature(j);
        gradient = updates.gradient(j);
      } else {
        gradient = updates.gradient(j);
        curvature = updates.curvature(j);
      }

      if (!intercept) {
        auto loss_along = [&](double t) {
          return weighted_loss<Family>(y, w, eta + t * direction);
        };
        const double h1 = std::ldexp(1.0, -16), h2 = std::ldexp(1.0, -10);
        const double reach = eta_reach + h2 * direction.cwiseAbs().maxCoeff();
        const Differences d1 = differences(loss_along, h1, noise);
        const Differences d2 = differences(loss_along, h2, noise);
        const double tol1 = h1 * h1 / 6.0 * abs_direction_cubed * Traits<Family>::third_bound(reach, 0.0) +
                            d1.first_rounding;
        const double tol2 = h2 * h2 / 12.0 * abs_direction_fourth * Traits<Family>::fourth_bound(reach, 0.0) +
                            d2.second_rounding;
        INFO("gradient " << gradient << " -fd " << -d1.first << " tol " << tol1);
        CHECK(std::abs(gradient + d1.first) <= tol1);
        INFO("curvature " << curvature << " fd " << d2.second << " tol " << tol2);
        CHECK(std::abs(curvature - d2.second) <= tol2);
      } else {
        // P(t), with the intercept re-fitted by Newton at each t (its error
        // enters P only squared). The profiled function has no simple
        // derivative bound, so the truncation error of the step h/2 is
        // bounded by |D(h) - D(h/2)| (three times its Richardson estimate).
        auto profiled = [&](double t) {
          const Eigen::VectorXd moved = eta + t * direction;
          const double a = fit_intercept<Family>(y, w, moved);
          return weighted_loss<Family>(y, w, moved.array() + a);
        };
        const double h1 = std::ldexp(1.0, -14), h2 = std::ldexp(1.0, -9);
        const Differences d1 = differences(profiled, h1, noise);
        const Differences d1_half = differences(profiled, h1 / 2.0, noise);
        const Differences d2 = differences(profiled, h2, noise);
        const Differences d2_half = differences(profiled, h2 / 2.0, noise);
        const double tol1 = std::abs(d1.first - d1_half.first) + d1_half.first_rounding + d1.first_rounding;
        const double tol2 = std::abs(d2.second - d2_half.second) + d2_half.second_rounding + d2.second_rounding;
        INFO("gradient " << gradient << " -fd " << -d1_half.first << " tol " << tol1);
        CHECK(std::abs(gradient + d1_half.first) <= tol1);
        INFO("curvature " << curvature << " fd " << d2_half.second << " tol " << tol2);
        CHECK(std::abs(curvature - d2_half.second) <= tol2);
        // The unprofiled slope is the same at this point.
        auto loss_along = [&](double t) { return weighted_loss<Family>(y, w, eta + t * direction); };
        const Differences plain = differences(loss_along, h1, noise);
        const double reach = eta_reach + h1 * direction.cwiseAbs().maxCoeff();
        const double tol_plain = h1 * h1 / 6.0 * abs_direction_cubed * Traits<Family>::third_bound(reach, 0.0) +
                                 plain.first_rounding;
        CHECK(std::abs(gradient + plain.first) <= tol_plain);
        // And the profiled curvature is below the plain one by H_j0^2 / H_00 > 0.
        CHECK(curvature < plain.second);
      }
    }
  }
}

}  // namespace

TEST_CASE("IRLS gradient and curvature are those of the weighted loss", "[glm][irls]") {
  std::mt19937 rng(31);
  for (bool scaled : {false, true}) {
    SECTION("binomial scaled=" + std::to_string(scaled)) { check_model_against_loss<Binomial>(rng, scaled); }
    SECTION("poisson scaled=" + std::to_string(scaled)) { check_model_against_loss<Poisson>(rng, scaled); }
  }
}

namespace {

// The model of irls_updates.hpp formed explicitly: Q(d0, d) =
// 1/2 sum_i v_i (r_i - d0 - sum_j d_j x_ij / s_j)^2, r = w (y - mu) / v,
// with d0 minimising Q when there is an intercept (0 otherwise).
struct ExplicitModel {
  Eigen::MatrixXd xs;  // x_ij / s_j
  Eigen::VectorXd v, r;
  bool intercept;

  double best_intercept(const Eigen::VectorXd& d) const {
    if (!intercept) return 0.0;
    return v.dot(r - xs * d) / v.sum();
  }
  Eigen::VectorXd residual(const Eigen::VectorXd& d) const {
    return (r - xs * d).array() - best_intercept(d);
  }
  // -dQ/dd_j at the best intercept (the profiled model's slope).
  double gradient(const Eigen::VectorXd& d, Eigen::Index j) const {
    return xs.col(j).dot(v.cwiseProduct(residual(d)));
  }
  double cross(Eigen::Index j, Eigen::Index k) const {
    double value = xs.col(j).dot(v.cwiseProduct(xs.col(k)));
    if (intercept) value -= v.dot(xs.col(j)) * v.dot(xs.col(k)) / v.sum();
    return value;
  }
  double rss(const Eigen::VectorXd& d) const { return v.dot(residual(d).cwiseAbs2()); }
  // Scale of the terms in gradient(d, j), for its rounding error.
  double gradient_magnitude(const Eigen::VectorXd& d, Eigen::Index j) const {
    const Eigen::VectorXd raw = r - xs * d;
    const double raw_size = v.dot(xs.col(j).cwiseAbs().cwiseProduct(raw.cwiseAbs() + (xs.cwiseAbs() * d.cwiseAbs())));
    return raw_size + xs.col(j).cwiseAbs().maxCoeff() * v.dot(raw.cwiseAbs() + r.cwiseAbs());
  }
};

template <class Family>
void check_model_updates(std::mt19937& rng) {
  const Eigen::Index n = 30, p = 5;
  const GlmPoint point = random_point<Family>(rng, n, p);
  Eigen::VectorXd v(n), residual(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double mu = Family::mean(point.eta[i]);
    v[i] = point.w[i] * Family::curvature(mu);
    residual[i] = point.w[i] * (point.y[i] - mu);
  }
  const Eigen::VectorXd scale = test_helpers::random_uniform(rng, p, 0.5, 2.0);
  const double gamma = 4.0 * static_cast<double>(n) * kEps;  // dot products of length n, twice

  for (bool intercept : {false, true}) {
    INFO(Family::name << " intercept=" << intercept);
    test_helpers::DenseFixture dense(point.x);
    test_helpers::SparseFixture sparse(point.x);
    // Centres as the path sets them; the model ignores them (the profiled
    // intercept centres each column by its v-weighted mean).
    const Eigen::VectorXd center =
        intercept ? Eigen::VectorXd(point.x.transpose() * point.w) : Eigen::VectorXd::Zero(p);
    dense.design.standardization().set(center, scale);
    sparse.design.standardization().set(center, scale);
    glmsparse::IrlsUpdates<glmsparse::DenseDesign> dense_updates(dense.design, intercept);
    glmsparse::IrlsUpdates<glmsparse::SparseDesign> sparse_updates(sparse.design, intercept);

    ExplicitModel model{point.x * scale.cwiseInverse().asDiagonal(), v,
                        residual.cwiseQuotient(v), intercept};
    Eigen::VectorXd d = Eigen::VectorXd::Zero(p);

    // Four IRLS steps on the same updates object: the cached column sums and
    // curvatures of one must not leak into the next. The third offers
    // weights within the reusable change of the second's, which are kept
    // (the model is the kept weights' with the new residual); the fourth
    // weights beyond it, which replace them.
    for (int step = 0; step < 4; ++step) {
      INFO("set_point number " << step);
      Eigen::VectorXd offered = model.v;
      Eigen::VectorXd weighted = model.v.cwiseProduct(model.r);
      double reusable_change = 0.0;
      bool kept = false;
      if (step == 1) {
        model.v = v.cwiseProduct(test_helpers::random_uniform(rng, n, 0.5, 1.5));
        model.r = residual.cwiseQuotient(model.v);
        offered = model.v;
        weighted = model.v.cwiseProduct(model.r);
      } else if (step >= 2) {
        reusable_change = 0.1;
        kept = step == 2;
        offered = model.v.cwiseProduct(kept ? test_helpers::random_uniform(rng, n, 0.95, 1.05)
                                            : test_helpers::random_uniform(rng, n, 1.2, 1.5));
        weighted = residual.cwiseProduct(test_helpers::random_uniform(rng, n, 0.5, 1.5));
        if (!kept) model.v = offered;
        model.r = weighted.cwiseQuotient(model.v);
      }
      d.setZero();
      CHECK(dense_updates.set_point(offered, weighted, reusable_change) == !kept);
      CHECK(sparse_updates.set_point(offered, weighted, reusable_change) == !kept);
      CHECK(dense_updates.irls_weights() == model.v);
      CHECK(sparse_updates.irls_weights() == model.v);

      const double rss_scale = weighted.cwiseAbs().dot(model.r.cwiseAbs());
      CHECK(std::abs(dense_updates.residual_sum_of_squares() - model.rss(d)) <= gamma * rss_scale);
      CHECK(std::abs(sparse_updates.residual_sum_of_squares() - model.rss(d)) <= gamma * rss_scale);

      const std::vector<std::pair<Eigen::Index, double>> moves = {
          {1, 0.3}, {3, -0.2}, {1, 0.1}, {0, 0.5}, {4, -0.05}, {3, 0.2}};
      for (std::size_t m = 0; m <= moves.size(); ++m) {
        INFO("after " << m << " updates");
        for (Eigen::Index j = 0; j < p; ++j) {
          INFO("variable " << j);
          const double expected = model.gradient(d, j);
          const double tol = gamma * model.gradient_magnitude(d, j);
          CHECK(std::abs(dense_updates.gradient(j) - expected) <= tol);
          CHECK(std::abs(sparse_updates.gradient(j) - expected) <= tol);
          const double cross_scale = model.v.dot(model.xs.col(j).cwiseAbs2()) +
                                     std::pow(model.v.dot(model.xs.col(j).cwiseAbs()), 2) / model.v.sum();
          CHECK(std::abs(dense_updates.curvature(j) - model.cross(j, j)) <= gamma * cross_scale);
          CHECK(std::abs(sparse_updates.curvature(j) - model.cross(j, j)) <= gamma * cross_scale);
        }
        // The intercept change on the raw-column scale: d0 minimising Q.
        const double d0 = model.best_intercept(d);
        const double d0_scale = model.v.dot(model.r.cwiseAbs() + model.xs.cwiseAbs() * d.cwiseAbs()) /
                                model.v.sum();
        CHECK(std::abs(dense_updates.intercept_change() - d0) <= gamma * d0_scale);
        CHECK(std::abs(sparse_updates.intercept_change() - d0) <= gamma * d0_scale);
        if (m == moves.size()) break;
        dense_updates.update(moves[m].first, moves[m].second);
        sparse_updates.update(moves[m].first, moves[m].second);
        d[moves[m].first] += moves[m].second;
      }

      // Cross products of the (v-centred) standardized columns.
      const std::vector<Eigen::Index> members = {0, 2, 3, 4};
      for (Eigen::Index j = 0; j < p; ++j) {
        Eigen::VectorXd dense_out, sparse_out;
        dense_updates.cross_products(j, members, dense_out);
        sparse_updates.cross_products(j, members, sparse_out);
        REQUIRE(dense_out.size() == 4);
        REQUIRE(sparse_out.size() == 4);
        for (std::size_t k = 0; k < members.size(); ++k) {
          const Eigen::Index m = members[k];
          const double expected = model.cross(m, j);
          const double tol = gamma * (model.v.dot(model.xs.col(m).cwiseAbs().cwiseProduct(model.xs.col(j).cwiseAbs())) +
                                      model.v.dot(model.xs.col(m).cwiseAbs()) *
                                          model.v.dot(model.xs.col(j).cwiseAbs()) / model.v.sum());
          INFO("cross product " << m << ", " << j);
          CHECK(std::abs(dense_out[static_cast<Eigen::Index>(k)] - expected) <= tol);
          CHECK(std::abs(sparse_out[static_cast<Eigen::Index>(k)] - expected) <= tol);
        }
      }
    }
  }
}

}  // namespace

TEST_CASE("IRLS updates follow the explicit quadratic model", "[glm][irls]") {
  std::mt19937 rng(32);
  SECTION("binomial") { check_model_updates<Binomial>(rng); }
  SECTION("poisson") { check_model_updates<Poisson>(rng); }
}

// ---------------------------------------------------------------------------
// The path.

namespace {

template <class Family>
Problem random_problem(std::mt19937& rng, const Setting& s) {
  Problem problem;
  const Eigen::Index n = s.n, p = s.p;
  problem.x = test_helpers::random_matrix(rng, n, p, 0.5);
  ProblemData& data = problem.data;
  // A sparse truth on the first columns; the linear predictor stays moderate.
  const double size = std::is_same<Family, Binomial>::value ? 0.6 : 0.25;
  Eigen::VectorXd truth = Eigen::VectorXd::Zero(p);
  for (Eigen::Index j = 0; j < std::min<Eigen::Index>(5, p); ++j) truth[j] = (j % 2 ? -size : size);
  data.offset = s.offset ? test_helpers::random_vector(rng, n, 0.0, 0.3) : Eigen::VectorXd::Zero(n);
  const Eigen::MatrixXd centered_x = problem.x.rowwise() - problem.x.colwise().mean();
  const Eigen::VectorXd eta = (centered_x * truth + data.offset).array() +
                              (std::is_same<Family, Binomial>::value ? -0.3 : 0.5);
  data.y = random_response<Family>(rng, eta);
  data.weights = s.weights ? test_helpers::random_uniform(rng, n, 0.2, 3.0) : Eigen::VectorXd::Ones(n);
  test_helpers::set_variable_defaults(rng, p, data);
  return problem;
}

FitOptions options_for(const Setting& s, double thresh) {
  FitOptions options;
  options.alpha = s.alpha;
  options.intercept = s.intercept;
  options.standardize = s.standardize;
  options.thresh = thresh;
  return options;
}

template <class Family>
PathResult fit_dense(const Problem& problem, const FitOptions& options, const LambdaGrid& grid) {
  test_helpers::DenseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  return glmsparse::fit_glm_path<Family>(fixture.design, problem.data, options, grid, monitor);
}

template <class Family>
PathResult fit_sparse(const Problem& problem, const FitOptions& options, const LambdaGrid& grid) {
  test_helpers::SparseFixture fixture(problem.x);
  glmsparse::Monitor monitor;
  return glmsparse::fit_glm_path<Family>(fixture.design, problem.data, options, grid, monitor);
}

void check_shape(const PathResult& fit, Eigen::Index p) {
  const std::size_t n_lambda = fit.lambda.size();
  REQUIRE(n_lambda > 0);
  REQUIRE(fit.intercept.size() == n_lambda);
  REQUIRE(fit.status.size() == n_lambda);
  REQUIRE(fit.dev_ratio.size() == n_lambda);
  REQUIRE(fit.df.size() == n_lambda);
  REQUIRE(fit.beta_col_start.size() == n_lambda + 1);
  REQUIRE(fit.beta_col_start.front() == 0);
  REQUIRE(fit.beta_col_start.back() == static_cast<int>(fit.beta_row.size()));
  REQUIRE(fit.beta_value.size() == fit.beta_row.size());
  for (std::size_t k = 0; k < n_lambda; ++k) {
    REQUIRE(fit.beta_col_start[k] <= fit.beta_col_start[k + 1]);
    REQUIRE(fit.df[k] == fit.beta_col_start[k + 1] - fit.beta_col_start[k]);
    for (int e = fit.beta_col_start[k]; e < fit.beta_col_start[k + 1]; ++e) {
      REQUIRE(fit.beta_row[e] >= 0);
      REQUIRE(fit.beta_row[e] < p);
      if (e > fit.beta_col_start[k]) REQUIRE(fit.beta_row[e - 1] < fit.beta_row[e]);
    }
  }
}

// Optimality of every path point for
//   L(eta) + lambda sum_j pf_j (alpha |b_j| s_j + (1 - alpha)/2 b_j^2 s_j^2),
//   eta = o + a0 + X b,
// checked on the standardized scale beta_j = b_j s_j, where the gradient is
// g_j = sum_i w_i x~_ij (y_i - mu_i), x~_ij = (x_ij - m_j) / s_j.
//
// Tolerance: the solver stops when the objective still to be gained is about
// thresh times the objective F (Newton steps gaining less than thresh F / 10,
// coordinate descent extrapolating less than thresh times its model's value).
// A point whose objective is within delta of the minimum has a proximal
// gradient residual of at most sqrt(2 L delta), L the largest eigenvalue of
// the Hessian of the smooth part, itself at most its trace T. So each KKT
// residual is at most sqrt(2 T thresh F). The stopping rules are estimates,
// not bounds, but T overestimates L several times over for these designs
// (L ~ (1 + sqrt(p/n))^2 T / p for random standardized columns), so no
// further margin is added.
template <class Family>
void check_kkt(const Problem& problem, const FitOptions& options, const PathResult& fit) {
  const Eigen::MatrixXd& x = problem.x;
  const ProblemData& data = problem.data;
  const Eigen::Index n = x.rows(), p = x.cols();
  check_shape(fit, p);

  const Eigen::VectorXd w = data.weights / data.weights.sum();
  Eigen::VectorXd m(p), s(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double mean = w.dot(x.col(j));
    m[j] = options.intercept ? mean : 0.0;
    s[j] = options.standardize ? std::sqrt(w.dot(x.col(j).cwiseAbs2()) - mean * mean) : 1.0;
  }
  const Eigen::MatrixXd xt = (x.rowwise() - m.transpose()) * s.cwiseInverse().asDiagonal();
  const double alpha = options.alpha;

  // The null deviance, from the intercept-only (or offset-only) model.
  double saturated = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) saturated += w[i] * Family::saturated_loss(data.y[i]);
  Eigen::VectorXd null_eta = data.offset;
  if (options.intercept) null_eta.array() += fit_intercept<Family>(data.y, w, null_eta);
  const double null_deviance =
      2.0 * data.weights.sum() * (weighted_loss<Family>(data.y, w, null_eta) - saturated);
  CHECK(fit.null_deviance == Approx(null_deviance).epsilon(1e-10));

  for (std::size_t k = 0; k < fit.lambda.size(); ++k) {
    INFO("lambda index " << k << " lambda " << fit.lambda[k]);
    CHECK(fit.status[k] == glmsparse::LambdaStatus::converged);
    const double lambda = fit.lambda[k];
    const Eigen::VectorXd b = coefficients(fit, k, p);
    if (!options.intercept) CHECK(fit.intercept[k] == 0.0);
    const Eigen::VectorXd eta = (data.offset + x * b).array() + fit.intercept[k];
    Eigen::VectorXd residual(n), curvature(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double mu = Family::mean(eta[i]);
      residual[i] = w[i] * (data.y[i] - mu);
      curvature[i] = w[i] * Traits<Family>::b2(eta[i]);
    }
    const Eigen::VectorXd beta = b.cwiseProduct(s);
    const Eigen::VectorXd g = xt.transpose() * residual;
    double penalty = 0.0, max_pf = 0.0;
    for (Eigen::Index j = 0; j < p; ++j) {
      const double pf = data.penalty_factor[j];
      penalty += pf * (alpha * std::abs(beta[j]) + 0.5 * (1.0 - alpha) * beta[j] * beta[j]);
      max_pf = std::max(max_pf, pf);
    }
    const double loss = weighted_loss<Family>(data.y, w, eta);
    const double objective = loss + lambda * penalty;
    const double trace = curvature.dot(xt.cwiseAbs2().rowwise().sum()) + curvature.sum() +
                         lambda * (1.0 - alpha) * max_pf * static_cast<double>(p);
    // The solver measures progress against |F| (Newton steps; the loss of a
    // poisson model can have either sign) and against its quadratic model's
    // value, about L - L_saturated + lambda P (coordinate descent).
    const double scale = std::max(std::abs(objective), loss - saturated + lambda * penalty);
    const double tol = std::sqrt(2.0 * trace * options.thresh * scale);
    INFO("tolerance " << tol << " objective " << objective);

    // The deviance ratio matches the returned coefficients.
    const double deviance = 2.0 * data.weights.sum() * (loss - saturated);
    CHECK(fit.dev_ratio[k] == Approx(1.0 - deviance / null_deviance).margin(1e-10));

    if (options.intercept) {
      INFO("intercept score " << residual.sum());
      CHECK(std::abs(residual.sum()) <= tol);
    }
    for (Eigen::Index j = 0; j < p; ++j) {
      const double pf = data.penalty_factor[j];
      INFO("variable " << j << " beta " << beta[j] << " gradient " << g[j] << " pf " << pf);
      double violation;
      if (beta[j] != 0.0) {
        const double sign = beta[j] > 0.0 ? 1.0 : -1.0;
        violation = std::abs(g[j] - lambda * pf * (alpha * sign + (1.0 - alpha) * beta[j]));
      } else {
        violation = std::max(std::abs(g[j]) - lambda * alpha * pf, 0.0);
      }
      CHECK(violation <= tol);
    }
  }
}

const Setting kSettings[] = {
    {80, 10, false, false, true, true, 1.0},  {80, 10, true, true, true, true, 0.5},
    {80, 10, true, false, false, true, 1.0},  {80, 10, false, true, true, false, 0.5},
    {40, 100, false, false, true, true, 1.0}, {40, 100, true, true, true, true, 0.5},
    {40, 100, true, false, false, false, 1.0},
};

template <class Family>
void check_kkt_along_paths(unsigned seed) {
  std::mt19937 rng(seed);
  for (const Setting& setting : kSettings) {
    const Problem problem = random_problem<Family>(rng, setting);
    INFO(Family::name << " " << describe(setting));
    for (double thresh : {1e-7, 1e-10, 1e-14}) {
      INFO("thresh " << thresh);
      const FitOptions options = options_for(setting, thresh);
      const PathResult fit = fit_dense<Family>(problem, options, default_grid(setting));
      CHECK(fit.lambda.size() == 25u);
      CHECK(fit.stop == glmsparse::PathStop::completed);
      check_kkt<Family>(problem, options, fit);
      // At lambda_max only unpenalized coefficients are nonzero, and the
      // path does select variables further down.
      const Eigen::VectorXd first = coefficients(fit, 0, setting.p);
      for (Eigen::Index j = 0; j < setting.p; ++j)
        if (problem.data.penalty_factor[j] > 0.0) CHECK(first[j] == 0.0);
      CHECK(fit.df.back() >= 4);
    }
  }
}

}  // namespace

TEST_CASE("GLM paths satisfy the KKT conditions at every lambda", "[glm][path][kkt]") {
  SECTION("binomial") { check_kkt_along_paths<Binomial>(41); }
  SECTION("poisson") { check_kkt_along_paths<Poisson>(42); }
}

namespace {

template <class Family>
void check_user_grid(unsigned seed) {
  std::mt19937 rng(seed);
  for (const Setting& setting : {kSettings[1], kSettings[5]}) {
    const Problem problem = random_problem<Family>(rng, setting);
    INFO(Family::name << " " << describe(setting));
    LambdaGrid grid;
    // Unsorted, with a lambda above lambda_max and a repeated value.
    grid.user_lambda = {0.05, 10.0, 0.004, 0.02, 0.02, 0.01};
    const FitOptions options = options_for(setting, 1e-10);
    const PathResult fit = fit_dense<Family>(problem, options, grid);
    REQUIRE(fit.lambda.size() == grid.user_lambda.size());
    for (std::size_t k = 0; k < grid.user_lambda.size(); ++k) CHECK(fit.lambda[k] == grid.user_lambda[k]);
    check_kkt<Family>(problem, options, fit);
    const Eigen::VectorXd above = coefficients(fit, 1, setting.p);
    for (Eigen::Index j = 0; j < setting.p; ++j)
      if (problem.data.penalty_factor[j] > 0.0) CHECK(above[j] == 0.0);
  }
}

}  // namespace

TEST_CASE("GLM paths on a user lambda grid satisfy the KKT conditions", "[glm][path][kkt]") {
  SECTION("binomial") { check_user_grid<Binomial>(43); }
  SECTION("poisson") { check_user_grid<Poisson>(44); }
}

namespace {

// As test_path.cpp: tall problems agree to 1e-8 of the coefficients' size;
// wide ones end in nearly singular active sets, where rounding alone moves
// the coefficients by about 1e-7, and where two fits that each stop within
// thresh (1e-14) of the optimal objective can differ by some 1e-6 along the
// nearly flat directions (a wide poisson fit, 2.6e-6, once the confirming
// Newton step was no longer taken where a bound showed it would gain
// nothing; their deviance ratios still agree to 1e-9).
template <class Family>
void check_dense_equals_sparse(unsigned seed) {
  std::mt19937 rng(seed);
  for (const Setting& setting : kSettings) {
    const Problem problem = random_problem<Family>(rng, setting);
    INFO(Family::name << " " << describe(setting));
    const FitOptions options = options_for(setting, 1e-14);
    const PathResult a = fit_dense<Family>(problem, options, default_grid(setting));
    const PathResult b = fit_sparse<Family>(problem, options, default_grid(setting));
    const Eigen::Index p = setting.p;
    const double tolerance = setting.n > p ? 1e-8 : 1e-5;
    REQUIRE(a.lambda.size() == b.lambda.size());
    CHECK(a.null_deviance == Approx(b.null_deviance).epsilon(1e-12));
    for (std::size_t k = 0; k < a.lambda.size(); ++k) {
      INFO("lambda index " << k);
      CHECK(a.status[k] == glmsparse::LambdaStatus::converged);
      CHECK(b.status[k] == glmsparse::LambdaStatus::converged);
      CHECK(a.lambda[k] == Approx(b.lambda[k]).epsilon(1e-10));
      const Eigen::VectorXd beta_a = coefficients(a, k, p), beta_b = coefficients(b, k, p);
      const double size = 1.0 + beta_a.cwiseAbs().maxCoeff();
      INFO("max coefficient difference " << (beta_a - beta_b).cwiseAbs().maxCoeff());
      CHECK((beta_a - beta_b).cwiseAbs().maxCoeff() <= tolerance * size);
      CHECK(std::abs(a.intercept[k] - b.intercept[k]) <= tolerance * (size + std::abs(a.intercept[k])));
      CHECK(a.dev_ratio[k] == Approx(b.dev_ratio[k]).margin(1e-9));
      CHECK(a.df[k] == b.df[k]);
    }
  }
}

}  // namespace

TEST_CASE("GLM paths are the same for dense and sparse designs", "[glm][path]") {
  SECTION("binomial") { check_dense_equals_sparse<Binomial>(45); }
  SECTION("poisson") { check_dense_equals_sparse<Poisson>(46); }
}

// A constant response with a finite saturated linear predictor: the null
// model fits exactly, so every path point has zero coefficients and the
// intercept link(c). This once aborted: the null model's working residual
// sum of squares is 0, so coordinate descent was handed a tolerance of
// exactly 0, a pass that moved nothing never counted as converged, and the
// Anderson history of an empty active set was read out of bounds.
namespace {

template <class Family>
void check_constant_response(double value) {
  std::mt19937 rng(47);
  const Setting setting{40, 6, true, false, true, true, 1.0};
  Problem problem = random_problem<Family>(rng, setting);
  problem.data.y.setConstant(value);
  problem.data.penalty_factor.setOnes();
  INFO(Family::name << " y = " << value);
  const FitOptions options = options_for(setting, 1e-10);
  const PathResult fit = fit_dense<Family>(problem, options, default_grid(setting));
  check_shape(fit, setting.p);
  CHECK(fit.beta_row.empty());
  for (std::size_t k = 0; k < fit.lambda.size(); ++k) {
    INFO("lambda index " << k);
    CHECK(fit.status[k] == glmsparse::LambdaStatus::converged);
    CHECK(fit.intercept[k] == Approx(Family::link(value)).epsilon(1e-12));
  }
}

}  // namespace

TEST_CASE("GLM paths with a constant response", "[glm][glm-constant]") {
  SECTION("binomial") { check_constant_response<Binomial>(0.3); }
  SECTION("poisson") { check_constant_response<Poisson>(2.0); }
}

// Dense designs of 8192 rows or more split each coordinate's inner product
// and update between two blocks of rows, run by two threads in lockstep when
// there are two (irls_updates.hpp). The blocks are the same for any number of
// threads, so the path must be the same bit for bit; it must also satisfy the
// KKT conditions and agree with the sparse design, which is not split.
namespace {

template <class Family>
void check_row_split(unsigned seed) {
  std::mt19937 rng(seed);
  for (const Setting& setting : {Setting{8803, 12, true, true, true, true, 1.0},
                                 Setting{8500, 8, false, false, false, false, 0.5}}) {
    const Problem problem = random_problem<Family>(rng, setting);
    INFO(Family::name << " " << describe(setting));
    FitOptions options = options_for(setting, 1e-10);
    options.n_threads = 1;
    const PathResult one = fit_dense<Family>(problem, options, default_grid(setting));
    options.n_threads = 2;
    const PathResult two = fit_dense<Family>(problem, options, default_grid(setting));
    options.n_threads = 3;
    const PathResult three = fit_dense<Family>(problem, options, default_grid(setting));
    CHECK(one.beta_value == two.beta_value);
    CHECK(one.beta_row == two.beta_row);
    CHECK(one.intercept == two.intercept);
    CHECK(one.n_passes == two.n_passes);
    CHECK(one.beta_value == three.beta_value);
    CHECK(one.intercept == three.intercept);
    CHECK(one.df.back() >= 4);
    check_kkt<Family>(problem, options, two);

    const PathResult sparse = fit_sparse<Family>(problem, options, default_grid(setting));
    REQUIRE(sparse.lambda.size() == two.lambda.size());
    for (std::size_t k = 0; k < two.lambda.size(); ++k) {
      INFO("lambda index " << k);
      const Eigen::VectorXd a = coefficients(two, k, setting.p), b = coefficients(sparse, k, setting.p);
      CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-6 * (1.0 + a.cwiseAbs().maxCoeff()));
      CHECK(two.dev_ratio[k] == Approx(sparse.dev_ratio[k]).margin(1e-9));
    }
  }
}

}  // namespace

TEST_CASE("GLM paths split by rows are the same for any number of threads", "[glm][path][threads]") {
  SECTION("binomial") { check_row_split<Binomial>(48); }
  SECTION("poisson") { check_row_split<Poisson>(49); }
}

// The classes of an ungrouped multinomial step make their first passes
// together, a block of columns at a time (MultiResponsePath::solve_model):
// a pass made in segments and ended by solve() must be the pass made there.
TEST_CASE("A first pass made in segments is the solver's own first pass", "[glm][irls]") {
  std::mt19937 rng(2027);
  for (const Eigen::Index n : {200, 203}) {  // the kernels' tails too
    const Eigen::Index p = 30;
    INFO("n = " << n);
    const Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.4);
    test_helpers::DenseFixture fixture(x);
    fixture.design.standardization().set(x.colwise().mean(), test_helpers::random_uniform(rng, p, 0.5, 2.0));
    const Eigen::VectorXd v = test_helpers::random_uniform(rng, n, 0.05, 0.25);
    const Eigen::VectorXd weighted_residual = v.cwiseProduct(test_helpers::random_vector(rng, n, 0.0, 2.0));
    const glmsparse::ElasticNet penalty(0.7, Eigen::VectorXd::Ones(p), Eigen::VectorXd::Constant(p, -HUGE_VAL),
                                        Eigen::VectorXd::Constant(p, HUGE_VAL));
    std::vector<Eigen::Index> working_set(static_cast<std::size_t>(p));
    for (Eigen::Index j = 0; j < p; ++j) working_set[static_cast<std::size_t>(j)] = j;
    glmsparse::Monitor monitor;
    const double lambda = 0.02;

    glmsparse::IrlsUpdates<glmsparse::DenseDesign> at_once(fixture.design, true), in_segments(fixture.design, true);
    at_once.set_point(v, weighted_residual);
    in_segments.set_point(v, weighted_residual);
    glmsparse::CoordinateState state_at_once(p), state_in_segments(p);
    for (glmsparse::CoordinateState* state : {&state_at_once, &state_in_segments})
      state->curvature.setConstant(glmsparse::curvature_not_computed);
    glmsparse::CoordinateDescent<glmsparse::IrlsUpdates<glmsparse::DenseDesign>, glmsparse::ElasticNet> solver_at_once(
        at_once, penalty, monitor),
        solver_in_segments(in_segments, penalty, monitor);
    const glmsparse::SolveOutcome expected = solver_at_once.solve(lambda, working_set, state_at_once, 1e-14, 1e-12, 1000);
    solver_in_segments.begin_pass();
    for (const auto& [begin, end] : std::vector<std::pair<std::size_t, std::size_t>>{{0, 7}, {7, 8}, {8, 30}})
      solver_in_segments.pass_segment(lambda, working_set, begin, end, state_in_segments);
    const glmsparse::SolveOutcome outcome =
        solver_in_segments.solve(lambda, working_set, state_in_segments, 1e-14, 1e-12, 1000, true);

    REQUIRE(state_at_once.active_set.size() >= 3);  // the pass moved coefficients
    CHECK(outcome.n_passes == expected.n_passes);
    CHECK(outcome.status == expected.status);
    CHECK(state_in_segments.coefficients == state_at_once.coefficients);
    CHECK(state_in_segments.active_set == state_at_once.active_set);
    CHECK(in_segments.intercept_change() == at_once.intercept_change());
  }
}

TEST_CASE("The change of eta read off the IRLS residual is X d from the columns", "[glm][irls]") {
  std::mt19937 rng(2026);
  for (const Eigen::Index n : {300, 9000}) {  // unsplit, and split by rows
    const Eigen::Index p = 12;
    INFO("n = " << n);
    Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.3);
    x.col(3).array() += 1e4;  // a mean far above the spread: its moves shift v o r
    test_helpers::DenseFixture fixture(x);
    const Eigen::VectorXd center = x.colwise().mean();
    const Eigen::VectorXd scale = test_helpers::random_uniform(rng, p, 0.5, 2.0);
    fixture.design.standardization().set(center, scale);
    Eigen::VectorXd v = test_helpers::random_uniform(rng, n, 0.05, 0.25);
    Eigen::VectorXd working_residual = test_helpers::random_vector(rng, n, 0.0, 2.0);
    // Rows the quotient cannot serve: no weight, a weight near underflow, a
    // working residual far above the limit.
    v[7] = 0.0;
    v[11] = 1e-290;
    working_residual[19] = 1e6;
    const Eigen::VectorXd weighted_residual = v.cwiseProduct(working_residual);

    glmsparse::IrlsUpdates<glmsparse::DenseDesign> updates(fixture.design, true);
    updates.set_point(v, weighted_residual);
    Eigen::VectorXd moved = Eigen::VectorXd::Zero(p);  // total change of each scaled coefficient
    std::uniform_int_distribution<int> pick(0, static_cast<int>(p) - 1);
    for (int move = 0; move < 40; ++move) {
      const int j = move % 10 == 0 ? 3 : pick(rng);
      const double delta = test_helpers::random_vector(rng, 1, 0.0, 0.5)[0];
      updates.gradient(j);  // the column sums the updates keep
      updates.update(j, delta);
      moved[j] += delta;
    }
    glmsparse::ColumnMoves moves;
    std::vector<Eigen::Index> all_columns(static_cast<std::size_t>(p));
    for (Eigen::Index j = 0; j < p; ++j) all_columns[static_cast<std::size_t>(j)] = j;
    moves.collect(fixture.design, all_columns, [&](std::size_t j) { return moved[static_cast<Eigen::Index>(j)]; });
    Eigen::VectorXd from_residual;
    REQUIRE(updates.fitted_change_of(moves, from_residual));
    REQUIRE(from_residual.allFinite());
    // Rows 7, 11 and 19 cannot be read off the residual (a quotient by a
    // weight of 0 is not even finite); they come from the columns.
    for (Eigen::Index i = 0; i < n; ++i) {
      long double expected = 0.0L, size = 0.0L;
      for (Eigen::Index j = 0; j < p; ++j) {
        const long double term = static_cast<long double>(x(i, j)) * moved[j] / scale[j];
        expected += term;
        size += std::abs(term);
      }
      INFO("row " << i);
      // Rounding of the residual's updates and of the quotient: a few
      // hundred eps of the terms and of the working residual at the point.
      CHECK(std::abs(from_residual[i] - static_cast<double>(expected)) <=
            1e-13 * (static_cast<double>(size) + std::abs(working_residual[i])));
    }
    // With half the rows unreadable the columns cost as little: no answer.
    Eigen::VectorXd half_zero = v;
    half_zero.head(n / 2).setZero();
    glmsparse::IrlsUpdates<glmsparse::DenseDesign> half(fixture.design, true);
    half.set_point(half_zero, half_zero.cwiseProduct(working_residual));
    half.gradient(3);
    half.update(3, 0.25);
    glmsparse::ColumnMoves one_move;
    one_move.collect(fixture.design, std::vector<Eigen::Index>{3}, [](std::size_t) { return 0.25; });
    CHECK_FALSE(half.fitted_change_of(one_move, from_residual));
    // Moves that cancel leave their rounding in the residual, far more than
    // the net move's: no answer either (coordinates zigzagging along a flat
    // direction drifted eta 1.5e-4 from X b on a fuzzer's input).
    glmsparse::IrlsUpdates<glmsparse::DenseDesign> zigzag(fixture.design, true);
    zigzag.set_point(v, weighted_residual);
    zigzag.gradient(3);
    for (int move = 0; move < 10; ++move) zigzag.update(3, move % 2 == 0 ? 1e3 : -1e3);
    zigzag.update(3, 0.25);
    CHECK_FALSE(zigzag.fitted_change_of(one_move, from_residual));
  }
}
