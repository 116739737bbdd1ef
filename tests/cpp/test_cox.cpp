// The Cox datafit: its loss against the partial likelihood written out from
// its definition, its gradient and Hessian diagonal against that definition
// and against finite differences (with ties, (start, stop] data, strata and
// zero weights), invariance to a constant shift and to overflow, and the KKT
// conditions at every point of a path.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <glmsparse/glmsparse.hpp>

#include "helpers.hpp"

using glmsparse::Cox;
using glmsparse::FitOptions;
using glmsparse::LambdaGrid;
using glmsparse::PathResult;
using glmsparse::SurvivalData;
using test_helpers::coefficients;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// The loss, its gradient and Hessian diagonal straight from the definition,
// O(n^2): for each stratum and event time t with D_t > 0, the risk set is
// every subject of the stratum with start < t <= stop. Sums and
// exponentials in long double, whose range holds e^(+-900).
struct Reference {
  double loss = 0.0;
  double magnitude = 0.0;  // sum of the absolute terms, for rounding bounds
  Eigen::VectorXd gradient, hessian_diagonal;
};

Reference reference(const SurvivalData& s, const Eigen::VectorXd& raw_weights, const Eigen::VectorXd& eta) {
  const Eigen::Index n = eta.size();
  const Eigen::VectorXd w = raw_weights / raw_weights.sum();
  const bool counting = s.start.size() > 0;
  auto stratum = [&](Eigen::Index i) { return s.strata.empty() ? 0 : s.strata[static_cast<std::size_t>(i)]; };
  Reference r;
  r.gradient = Eigen::VectorXd::Zero(n);
  r.hessian_diagonal = Eigen::VectorXd::Zero(n);
  std::vector<char> done(static_cast<std::size_t>(n), 0);
  for (Eigen::Index e = 0; e < n; ++e) {
    if (s.status[e] == 0.0 || done[static_cast<std::size_t>(e)]) continue;
    const double t = s.stop[e];
    long double death_weight = 0.0, linear = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (stratum(i) == stratum(e) && s.status[i] != 0.0 && s.stop[i] == t) {
        death_weight += w[i];
        linear += w[i] * eta[i];
        done[static_cast<std::size_t>(i)] = 1;
      }
    }
    if (!(death_weight > 0.0)) continue;
    std::vector<Eigen::Index> at_risk;
    long double risk_sum = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) {
      if (stratum(j) == stratum(e) && s.stop[j] >= t && (!counting || s.start[j] < t)) {
        at_risk.push_back(j);
        risk_sum += w[j] * std::exp(static_cast<long double>(eta[j]));
      }
    }
    r.loss += static_cast<double>(death_weight * (std::log(risk_sum) - std::log(death_weight)) - linear);
    r.magnitude += static_cast<double>(
        death_weight * (std::abs(std::log(risk_sum)) + std::abs(std::log(death_weight))) + std::abs(linear));
    for (Eigen::Index j : at_risk) {
      const long double share = w[j] * std::exp(static_cast<long double>(eta[j])) / risk_sum;
      r.gradient[j] += static_cast<double>(death_weight * share);
      r.hessian_diagonal[j] += static_cast<double>(death_weight * share * (1.0 - share));
    }
  }
  for (Eigen::Index i = 0; i < n; ++i)
    if (s.status[i] != 0.0) r.gradient[i] -= w[i];
  return r;
}

// Survival data with many ties (times on a grid of 6 values), optionally as
// (start, stop] intervals and in 3 strata; weights in [0.2, 3] with one zero.
SurvivalData random_survival(std::mt19937& rng, Eigen::Index n, bool counting, bool strata) {
  std::uniform_int_distribution<int> grid(1, 6), coin(0, 2);
  SurvivalData s;
  s.stop.resize(n);
  s.status.resize(n);
  if (counting) s.start.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    s.stop[i] = grid(rng);
    s.status[i] = coin(rng) > 0 ? 1.0 : 0.0;
    if (counting) s.start[i] = std::uniform_int_distribution<int>(0, static_cast<int>(s.stop[i]) - 1)(rng);
    if (strata) s.strata.push_back(coin(rng));
  }
  return s;
}

struct Case {
  bool counting, strata;
};
const Case kCases[] = {{false, false}, {true, false}, {false, true}, {true, true}};

// First and second central differences of f at 0 with step h.
template <class F>
std::pair<double, double> differences(const F& f, double h) {
  const double plus = f(h), zero = f(0.0), minus = f(-h);
  return {(plus - minus) / (2.0 * h), (plus - 2.0 * zero + minus) / (h * h)};
}

}  // namespace

TEST_CASE("Cox loss, gradient and Hessian diagonal match their definition", "[cox][datafit]") {
  std::mt19937 rng(61);
  const Eigen::Index n = 40;
  for (const Case& c : kCases) {
    INFO("counting=" << c.counting << " strata=" << c.strata);
    const SurvivalData survival = random_survival(rng, n, c.counting, c.strata);
    Eigen::VectorXd weights = test_helpers::random_uniform(rng, n, 0.2, 3.0);
    weights[3] = 0.0;
    const Eigen::VectorXd eta = test_helpers::random_vector(rng, n, 0.0, 1.0);
    const Cox cox(survival, weights);
    const Reference expected = reference(survival, weights, eta);
    // Both sums take n terms of at most `magnitude` each, correctly rounded.
    const double loss_tolerance = 4.0 * n * kEps * expected.magnitude;
    CHECK(std::abs(cox.loss(eta) - expected.loss) <= loss_tolerance);
    CHECK(cox.loss(eta) >= -loss_tolerance);  // measured from the saturated model

    Eigen::VectorXd irls_weights, weighted_residual;
    cox.quadratic_model(eta, irls_weights, weighted_residual);
    for (Eigen::Index k = 0; k < n; ++k) {
      INFO("subject " << k);
      CHECK(std::abs(-weighted_residual[k] - expected.gradient[k]) <= 64.0 * n * kEps);
      CHECK(std::abs(irls_weights[k] - expected.hessian_diagonal[k]) <= 64.0 * n * kEps);
      CHECK(irls_weights[k] >= 0.0);
    }
    CHECK(irls_weights[3] == 0.0);
    CHECK(weighted_residual[3] == 0.0);
    // The loss is invariant to a constant shift, so the gradient sums to 0.
    CHECK(std::abs(weighted_residual.sum()) <= 64.0 * n * kEps);

    // Finite differences of the loss itself, along each coordinate. The
    // truncation error of the step h is bounded by |D(h) - D(h/2)|; the
    // rounding error by the loss's rounding over h (first) or h^2 (second).
    for (Eigen::Index k = 0; k < n; ++k) {
      INFO("subject " << k);
      auto along = [&](double t) {
        Eigen::VectorXd moved = eta;
        moved[k] += t;
        return cox.loss(moved);
      };
      const double h1 = std::ldexp(1.0, -14), h2 = std::ldexp(1.0, -8);
      const auto d1 = differences(along, h1), d1_half = differences(along, h1 / 2.0);
      const auto d2 = differences(along, h2), d2_half = differences(along, h2 / 2.0);
      const double tol1 = std::abs(d1.first - d1_half.first) + 4.0 * loss_tolerance / h1;
      const double tol2 = std::abs(d2.second - d2_half.second) + 16.0 * loss_tolerance / (h2 * h2);
      CHECK(std::abs(-weighted_residual[k] - d1_half.first) <= tol1);
      CHECK(std::abs(irls_weights[k] - d2_half.second) <= tol2);
    }
  }
}

TEST_CASE("Cox loss is invariant to a shift and does not overflow", "[cox][datafit]") {
  std::mt19937 rng(62);
  const Eigen::Index n = 30;
  for (const Case& c : kCases) {
    INFO("counting=" << c.counting << " strata=" << c.strata);
    const SurvivalData survival = random_survival(rng, n, c.counting, c.strata);
    const Eigen::VectorXd weights = test_helpers::random_uniform(rng, n, 0.2, 3.0);
    const Eigen::VectorXd eta = test_helpers::random_vector(rng, n, 0.0, 1.0);
    const Cox cox(survival, weights);
    const double loss = cox.loss(eta);
    const double magnitude = reference(survival, weights, eta).magnitude;
    for (double shift : {-3.0, 2.5, 800.0, -800.0}) {
      INFO("shift " << shift);
      const Eigen::VectorXd moved = eta.array() + shift;
      const double moved_loss = cox.loss(moved);
      REQUIRE(std::isfinite(moved_loss));
      // The linear term grows by shift times the event weight; its rounding with it.
      CHECK(std::abs(moved_loss - loss) <= 8.0 * n * kEps * (magnitude + std::abs(shift)));
      Eigen::VectorXd v, r, v0, r0;
      cox.quadratic_model(moved, v, r);
      cox.quadratic_model(eta, v0, r0);
      CHECK((v - v0).cwiseAbs().maxCoeff() <= 64.0 * n * kEps);
      CHECK((r - r0).cwiseAbs().maxCoeff() <= 64.0 * n * kEps);
    }
  }
}

TEST_CASE("Cox loss is invariant to a shift of one stratum's eta, however far", "[cox][datafit]") {
  // Each stratum's terms are unchanged by a constant added to its own eta.
  // A shift common to every stratum (their largest eta, say) would leave
  // terms of -3.5e13 and +3.5e13 to cancel in the strata not moved. eta in
  // multiples of 1/8 below 8 in size, so that eta + 2^45 is exact.
  std::mt19937 rng(66);
  const Eigen::Index n = 30;
  for (bool counting : {false, true}) {
    INFO("counting=" << counting);
    const SurvivalData survival = random_survival(rng, n, counting, true);
    const Eigen::VectorXd weights = test_helpers::random_uniform(rng, n, 0.2, 3.0);
    const Eigen::VectorXd eta = (8.0 * test_helpers::random_vector(rng, n, 0.0, 1.0)).array().round() / 8.0;
    const Cox cox(survival, weights);
    const Reference expected = reference(survival, weights, eta);
    const double scale = cox.loss_scale(eta);
    for (double shift : {std::ldexp(1.0, 45), -std::ldexp(1.0, 45), std::ldexp(1.0, 30)}) {
      INFO("shift of stratum 0 " << shift);
      Eigen::VectorXd moved = eta;
      for (Eigen::Index i = 0; i < n; ++i)
        if (survival.strata[static_cast<std::size_t>(i)] == 0) moved[i] += shift;
      const double loss = cox.loss(moved);
      REQUIRE(std::isfinite(loss));
      CHECK(std::abs(loss - expected.loss) <= 8.0 * n * kEps * expected.magnitude);
      CHECK(cox.loss_scale(moved) <= scale * (1.0 + 1e-12));
    }
  }
}

TEST_CASE("Cox loss stays exact when one subject's eta dwarfs the others'", "[cox][datafit]") {
  // Right-censored data: the risk sets are nested, so each is rescaled by
  // its own largest eta and nothing underflows when that subject leaves.
  std::mt19937 rng(64);
  const Eigen::Index n = 30;
  for (bool strata : {false, true}) {
    INFO("strata=" << strata);
    const SurvivalData survival = random_survival(rng, n, false, strata);
    const Eigen::VectorXd weights = test_helpers::random_uniform(rng, n, 0.2, 3.0);
    Eigen::VectorXd eta = test_helpers::random_vector(rng, n, 0.0, 1.0);
    Eigen::Index earliest = 0, latest = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (survival.stop[i] < survival.stop[earliest]) earliest = i;
      if (survival.stop[i] > survival.stop[latest]) latest = i;
    }
    eta[earliest] += 900.0;
    eta[latest] -= 900.0;
    const Cox cox(survival, weights);
    const Reference expected = reference(survival, weights, eta);
    const double loss = cox.loss(eta);
    REQUIRE(std::isfinite(loss));
    CHECK(std::abs(loss - expected.loss) <= 4.0 * n * kEps * expected.magnitude);
    Eigen::VectorXd v, r;
    cox.quadratic_model(eta, v, r);
    for (Eigen::Index k = 0; k < n; ++k) {
      INFO("subject " << k);
      REQUIRE(std::isfinite(v[k]));
      REQUIRE(std::isfinite(r[k]));
      CHECK(std::abs(-r[k] - expected.gradient[k]) <= 64.0 * n * kEps);
      CHECK(std::abs(v[k] - expected.hessian_diagonal[k]) <= 64.0 * n * kEps);
    }
  }
}

namespace {

// KKT conditions of L(o + X b) + lambda sum_j pf_j (alpha |b_j| s_j +
// (1 - alpha)/2 b_j^2 s_j^2) on the standardized scale beta_j = b_j s_j, with
// the gradient from the definition above. Tolerance as in test_glm.cpp:
// sqrt(2 T thresh F), T the trace of the Hessian of the smooth part (here
// bounded through its diagonal: X~' H X~ <= X~' diag(H) X~).
void check_cox_kkt(const Eigen::MatrixXd& x, const glmsparse::ProblemData& data,
                   const SurvivalData& survival, const FitOptions& options, const PathResult& fit) {
  const Eigen::Index n = x.rows(), p = x.cols();
  const Eigen::VectorXd w = data.weights / data.weights.sum();
  Eigen::VectorXd s(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double mean = w.dot(x.col(j));
    s[j] = options.standardize ? std::sqrt(w.dot(x.col(j).cwiseAbs2()) - mean * mean) : 1.0;
  }
  const Eigen::MatrixXd xt = x * s.cwiseInverse().asDiagonal();
  const double null_deviance = 2.0 * data.weights.sum() * reference(survival, data.weights, data.offset).loss;
  CHECK(fit.null_deviance == Approx(null_deviance).epsilon(1e-10));
  for (std::size_t k = 0; k < fit.lambda.size(); ++k) {
    INFO("lambda index " << k << " lambda " << fit.lambda[k]);
    CHECK(fit.status[k] == glmsparse::LambdaStatus::converged);
    CHECK(fit.intercept[k] == 0.0);
    const double lambda = fit.lambda[k];
    const Eigen::VectorXd b = coefficients(fit, k, p);
    const Reference at = reference(survival, data.weights, data.offset + x * b);
    const Eigen::VectorXd beta = b.cwiseProduct(s);
    const Eigen::VectorXd g = -(xt.transpose() * at.gradient);
    double penalty = 0.0, max_pf = 0.0;
    for (Eigen::Index j = 0; j < p; ++j) {
      const double pf = data.penalty_factor[j];
      penalty += pf * (options.alpha * std::abs(beta[j]) + 0.5 * (1.0 - options.alpha) * beta[j] * beta[j]);
      max_pf = std::max(max_pf, pf);
    }
    const double trace = at.hessian_diagonal.dot(xt.cwiseAbs2().rowwise().sum()) +
                         lambda * (1.0 - options.alpha) * max_pf * static_cast<double>(p);
    const double tol = std::sqrt(2.0 * trace * options.thresh * (at.loss + lambda * penalty));
    CHECK(fit.dev_ratio[k] == Approx(1.0 - 2.0 * data.weights.sum() * at.loss / null_deviance).margin(1e-10));
    for (Eigen::Index j = 0; j < p; ++j) {
      const double pf = data.penalty_factor[j];
      INFO("variable " << j << " beta " << beta[j] << " gradient " << g[j] << " pf " << pf << " tol " << tol);
      double violation;
      if (beta[j] != 0.0) {
        const double sign = beta[j] > 0.0 ? 1.0 : -1.0;
        violation = std::abs(g[j] - lambda * pf * (options.alpha * sign + (1.0 - options.alpha) * beta[j]));
      } else {
        violation = std::max(std::abs(g[j]) - lambda * options.alpha * pf, 0.0);
      }
      CHECK(violation <= tol);
    }
  }
  (void)n;
}

}  // namespace

TEST_CASE("Cox paths satisfy the KKT conditions at every lambda", "[cox][path][kkt]") {
  std::mt19937 rng(63);
  struct Shape {
    Eigen::Index n, p;
    double alpha;
    bool standardize;
  };
  for (const Shape shape : {Shape{120, 8, 1.0, true}, Shape{120, 8, 0.5, false}, Shape{50, 80, 1.0, true},
                            Shape{50, 80, 0.5, true}}) {
    for (const Case& c : kCases) {
      INFO("n=" << shape.n << " p=" << shape.p << " alpha=" << shape.alpha << " counting=" << c.counting
                << " strata=" << c.strata);
      const Eigen::MatrixXd x = test_helpers::random_matrix(rng, shape.n, shape.p, 0.3);
      const SurvivalData survival = random_survival(rng, shape.n, c.counting, c.strata);
      glmsparse::ProblemData data;
      data.weights = test_helpers::random_uniform(rng, shape.n, 0.2, 3.0);
      data.offset = test_helpers::random_vector(rng, shape.n, 0.0, 0.3);
      test_helpers::set_variable_defaults(rng, shape.p, data);
      for (double thresh : {1e-7, 1e-12}) {
        INFO("thresh " << thresh);
        FitOptions options;
        options.alpha = shape.alpha;
        options.standardize = shape.standardize;
        options.intercept = false;
        options.thresh = thresh;
        LambdaGrid grid;
        grid.nlambda = 20;
        grid.lambda_min_ratio = shape.n > shape.p ? 1e-3 : 5e-2;
        test_helpers::DenseFixture fixture(x);
        glmsparse::Monitor monitor;
        const PathResult fit = glmsparse::fit_cox_path(fixture.design, data, survival, options, grid, monitor);
        REQUIRE(fit.lambda.size() == 20u);
        CHECK(fit.df.back() >= 3);
        check_cox_kkt(x, data, survival, options, fit);
        // Sparse X gives the same path to the accuracy asked.
        test_helpers::SparseFixture sparse_fixture(x);
        const PathResult sparse_fit =
            glmsparse::fit_cox_path(sparse_fixture.design, data, survival, options, grid, monitor);
        REQUIRE(sparse_fit.lambda.size() == fit.lambda.size());
        for (std::size_t k = 0; k < fit.lambda.size(); ++k)
          CHECK(sparse_fit.dev_ratio[k] == Approx(fit.dev_ratio[k]).margin(std::sqrt(thresh)));
      }
    }
  }
}

// With 8192 rows or more a dense design splits each coordinate's work
// between two blocks of rows (irls_updates.hpp), run by two threads when
// there are two: the path must not depend on the number of threads.
TEST_CASE("Cox paths split by rows are the same for any number of threads", "[cox][path][threads]") {
  std::mt19937 rng(64);
  const Eigen::Index n = 8400, p = 6;
  for (const Case& c : {kCases[0], kCases[3]}) {
    INFO("counting=" << c.counting << " strata=" << c.strata);
    const Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.3);
    const SurvivalData survival = random_survival(rng, n, c.counting, c.strata);
    glmsparse::ProblemData data;
    data.weights = test_helpers::random_uniform(rng, n, 0.2, 3.0);
    data.offset = test_helpers::random_vector(rng, n, 0.0, 0.3);
    test_helpers::set_variable_defaults(rng, p, data);
    FitOptions options;
    options.intercept = false;
    options.thresh = 1e-10;
    LambdaGrid grid;
    grid.nlambda = 12;
    grid.lambda_min_ratio = 1e-3;
    test_helpers::DenseFixture fixture(x);
    glmsparse::Monitor monitor;
    options.n_threads = 1;
    const PathResult one = glmsparse::fit_cox_path(fixture.design, data, survival, options, grid, monitor);
    options.n_threads = 2;
    const PathResult two = glmsparse::fit_cox_path(fixture.design, data, survival, options, grid, monitor);
    CHECK(one.beta_value == two.beta_value);
    CHECK(one.beta_row == two.beta_row);
    CHECK(one.n_passes == two.n_passes);
    CHECK(two.df.back() >= 3);
    check_cox_kkt(x, data, survival, options, two);
  }
}

// Every subject has its event at the same time: the partial likelihood
// sum_i w_i eta_i - log sum_j w_j e^eta_j is largest at beta = 0, where it
// equals the saturated model's, so the path is zero throughout. Its gradients
// there are rounding noise and must not set lambda_max (which made a grid of
// lambdas near 1e-32 at which no pass could converge).
TEST_CASE("Cox data with every event at one time give a zero path that converges", "[cox][path]") {
  std::mt19937 rng(1);
  const Eigen::Index n = 100, p = 5;
  const Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.0);
  SurvivalData survival;
  survival.stop = Eigen::VectorXd::Constant(n, 1.0);
  survival.status = Eigen::VectorXd::Ones(n);
  glmsparse::ProblemData data;
  data.weights = Eigen::VectorXd::Ones(n);
  data.offset = Eigen::VectorXd::Zero(n);
  data.penalty_factor = Eigen::VectorXd::Ones(p);
  data.lower_limit = Eigen::VectorXd::Constant(p, -std::numeric_limits<double>::infinity());
  data.upper_limit = Eigen::VectorXd::Constant(p, std::numeric_limits<double>::infinity());
  data.excluded.assign(static_cast<std::size_t>(p), 0);
  FitOptions options;
  options.intercept = false;
  options.max_passes_per_lambda = 1000;
  LambdaGrid grid;
  grid.nlambda = 10;
  grid.lambda_min_ratio = 1e-4;
  test_helpers::DenseFixture fixture(x);
  glmsparse::Monitor monitor;
  const PathResult fit = glmsparse::fit_cox_path(fixture.design, data, survival, options, grid, monitor);
  REQUIRE(fit.lambda.size() == 10u);
  CHECK(fit.lambda.front() == 1.0);
  for (std::size_t k = 0; k < fit.lambda.size(); ++k) {
    CHECK(fit.status[k] == glmsparse::LambdaStatus::converged);
    CHECK(coefficients(fit, k, p).isZero(0.0));
    CHECK(fit.dev_ratio[k] == 0.0);
  }
}
