// ElasticNet::threshold against brute-force minimisation of the 1-D problem
//   f(b) = (v/2) b^2 - z b + lambda pf (alpha |b| + (1 - alpha)/2 b^2),  lower <= b <= upper.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include <glmsparse/penalty_elastic_net.hpp>

namespace {

struct Problem {
  double z, v, lambda, alpha, pf, lower, upper;

  double objective(double b) const {
    return 0.5 * v * b * b - z * b +
           lambda * pf * (alpha * std::abs(b) + 0.5 * (1.0 - alpha) * b * b);
  }

  glmsparse::ElasticNet penalty() const {
    return glmsparse::ElasticNet(alpha, Eigen::VectorXd::Constant(1, pf),
                                 Eigen::VectorXd::Constant(1, lower),
                                 Eigen::VectorXd::Constant(1, upper));
  }

  // The minimiser lies in [-|z|/v, |z|/v] (the penalty only shrinks), cut to the box.
  std::pair<double, double> bracket() const {
    const double reach = std::abs(z) / v + 1.0;
    return {std::max(lower, -reach), std::min(upper, reach)};
  }
};

// Golden-section search: f is strictly convex, so this converges to the minimiser.
double golden_section_argmin(const Problem& problem) {
  auto [a, b] = problem.bracket();
  const double ratio = (std::sqrt(5.0) - 1.0) / 2.0;
  double c = b - ratio * (b - a), d = a + ratio * (b - a);
  double fc = problem.objective(c), fd = problem.objective(d);
  for (int it = 0; it < 200 && b - a > 1e-13; ++it) {
    if (fc < fd) {
      b = d; d = c; fd = fc;
      c = b - ratio * (b - a); fc = problem.objective(c);
    } else {
      a = c; c = d; fc = fd;
      d = a + ratio * (b - a); fd = problem.objective(d);
    }
  }
  const double mid = 0.5 * (a + b);
  // The box ends and 0 are kinks or ends the search may approach only slowly.
  double best = mid;
  for (double candidate : {problem.bracket().first, problem.bracket().second, 0.0})
    if (candidate >= problem.lower && candidate <= problem.upper &&
        problem.objective(candidate) <= problem.objective(best))
      best = candidate;
  return best;
}

// Smallest objective over a uniform grid of the bracket.
double grid_min_objective(const Problem& problem, int n_points) {
  const auto [a, b] = problem.bracket();
  double best = std::numeric_limits<double>::infinity();
  for (int k = 0; k <= n_points; ++k)
    best = std::min(best, problem.objective(a + (b - a) * k / n_points));
  return best;
}

Problem random_problem(std::mt19937& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::normal_distribution<double> normal(0.0, 1.0);
  Problem p;
  p.z = 3.0 * normal(rng);
  p.v = 0.05 + 3.0 * unit(rng);
  p.lambda = 2.0 * unit(rng);
  const double alphas[] = {1.0, 0.5, 0.0, 0.01, unit(rng)};
  p.alpha = alphas[rng() % 5];
  const double pfs[] = {0.0, 1.0, 0.3, 2.5 * unit(rng)};
  p.pf = pfs[rng() % 4];
  const double inf = std::numeric_limits<double>::infinity();
  const double lowers[] = {-inf, 0.0, -0.2 * unit(rng), -2.0 * unit(rng)};
  const double uppers[] = {inf, 0.0, 0.2 * unit(rng), 2.0 * unit(rng)};
  p.lower = lowers[rng() % 4];
  p.upper = uppers[rng() % 4];
  return p;
}

}  // namespace

TEST_CASE("threshold is the exact 1-D elastic-net minimiser", "[threshold]") {
  std::mt19937 rng(20240611);
  int n_zero = 0, n_at_limit = 0, n_interior = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const Problem problem = random_problem(rng);
    const double b = problem.penalty().threshold(problem.z, problem.v, problem.lambda, 0);
    INFO("z=" << problem.z << " v=" << problem.v << " lambda=" << problem.lambda
              << " alpha=" << problem.alpha << " pf=" << problem.pf
              << " lower=" << problem.lower << " upper=" << problem.upper << " b=" << b);
    REQUIRE(b >= problem.lower);
    REQUIRE(b <= problem.upper);

    const double reference = golden_section_argmin(problem);
    const double scale = 1.0 + std::abs(reference);
    REQUIRE(std::abs(b - reference) <= 1e-6 * scale);
    // No point of a fine grid does better than the returned value.
    REQUIRE(problem.objective(b) <= grid_min_objective(problem, 20000) + 1e-12);

    if (b == 0.0) ++n_zero;
    else if (b == problem.lower || b == problem.upper) ++n_at_limit;
    else ++n_interior;
  }
  // The random cases exercise the dead zone, binding limits and interior solutions.
  CHECK(n_zero > 300);
  CHECK(n_at_limit > 300);
  CHECK(n_interior > 300);
}

TEST_CASE("threshold is exactly zero inside the dead zone", "[threshold]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 500; ++trial) {
    const double lambda = 0.1 + unit(rng), alpha = 0.05 + 0.95 * unit(rng), pf = 0.1 + unit(rng);
    const double l1 = lambda * alpha * pf;
    const double z = (2.0 * unit(rng) - 1.0) * l1;  // |z| <= l1
    const glmsparse::ElasticNet penalty(alpha, Eigen::VectorXd::Constant(1, pf),
                                        Eigen::VectorXd::Constant(1, -1.0),
                                        Eigen::VectorXd::Constant(1, 1.0));
    CHECK(penalty.threshold(z, 0.5 + unit(rng), lambda, 0) == 0.0);
    CHECK(penalty.threshold(std::copysign(l1, z), 1.0, lambda, 0) == 0.0);
  }
}

TEST_CASE("threshold clamps to a binding limit exactly", "[threshold]") {
  // Unconstrained minimiser (|z| - l1) / (v + l2) = (3 - 0.5) / (2 + 0.5) = 1.
  const glmsparse::ElasticNet penalty(0.5, Eigen::VectorXd::Constant(1, 1.0),
                                      Eigen::VectorXd::Constant(1, -0.25),
                                      Eigen::VectorXd::Constant(1, 0.75));
  CHECK(penalty.threshold(3.0, 2.0, 1.0, 0) == 0.75);
  CHECK(penalty.threshold(-3.0, 2.0, 1.0, 0) == -0.25);
  CHECK(penalty.threshold(1.5, 2.0, 1.0, 0) == Approx(0.4));
  const glmsparse::ElasticNet nonnegative(1.0, Eigen::VectorXd::Constant(1, 1.0),
                                          Eigen::VectorXd::Constant(1, 0.0),
                                          Eigen::VectorXd::Constant(1, 1.0));
  CHECK(nonnegative.threshold(-5.0, 1.0, 0.1, 0) == 0.0);
}

TEST_CASE("violates_kkt_at_zero agrees with a move of threshold from zero", "[threshold]") {
  std::mt19937 rng(99);
  int n_violations = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const Problem problem = random_problem(rng);
    const glmsparse::ElasticNet penalty = problem.penalty();
    // From b = 0 the update's argument is z = g + v * 0 = g.
    const double g = problem.z;
    const bool moves = penalty.threshold(g, problem.v, problem.lambda, 0) != 0.0;
    INFO("g=" << g << " lambda=" << problem.lambda << " alpha=" << problem.alpha
              << " pf=" << problem.pf << " lower=" << problem.lower << " upper=" << problem.upper);
    REQUIRE(penalty.violates_kkt_at_zero(g, problem.lambda, 0) == moves);
    // Independent statement of optimality of 0: |g| <= l1, or the move is blocked by a zero limit.
    const double l1 = problem.lambda * problem.alpha * problem.pf;
    const bool optimal_at_zero = std::abs(g) <= l1 || (g > 0.0 && problem.upper == 0.0) ||
                                 (g < 0.0 && problem.lower == 0.0);
    REQUIRE(moves == !optimal_at_zero);
    n_violations += moves;
  }
  CHECK(n_violations > 500);
  CHECK(n_violations < 2500);
}

TEST_CASE("kkt_residual is the distance from 0 to the 1-D subdifferential", "[threshold][kkt]") {
  // phi(t) = -g t + lambda pf (alpha |t| + (1 - alpha)/2 t^2) over [lower, upper]:
  // the objective along one coordinate with the datafit's derivative -g at
  // b. Its subdifferential at b is [phi'(b-), phi'(b+)], one side without
  // end at a limit; both sides are taken here by finite differences.
  std::mt19937 rng(404);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> pick(0, 4);
  int nonzero = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const double alpha = trial % 3 == 0 ? 1.0 : (trial % 3 == 1 ? 0.5 : 0.0);
    const double pf = 0.5 + std::abs(normal(rng));
    const double lambda = std::abs(normal(rng));
    const double lower = trial % 5 == 0 ? 0.0 : (trial % 5 == 1 ? -HUGE_VAL : -std::abs(normal(rng)));
    const double upper = trial % 7 == 0 ? 0.0 : (trial % 7 == 1 ? HUGE_VAL : std::abs(normal(rng)));
    double b = 0.0;
    switch (pick(rng)) {
      case 0: b = 0.0; break;
      case 1: b = std::isfinite(lower) ? lower : -1.0; break;
      case 2: b = std::isfinite(upper) ? upper : 1.0; break;
      default: b = std::min(std::max(normal(rng), lower), upper);
    }
    const double g = 2.0 * normal(rng);
    const glmsparse::ElasticNet penalty(alpha, Eigen::VectorXd::Constant(1, pf), Eigen::VectorXd::Constant(1, lower),
                                        Eigen::VectorXd::Constant(1, upper));
    auto phi = [&](double t) {
      return -g * t + lambda * pf * (alpha * std::abs(t) + 0.5 * (1.0 - alpha) * t * t);
    };
    const double h = 1e-7;
    const double right = b + h <= upper ? (phi(b + h) - phi(b)) / h : HUGE_VAL;
    const double left = b - h >= lower ? (phi(b) - phi(b - h)) / h : -HUGE_VAL;
    const double expected = left > 0.0 ? left : (right < 0.0 ? -right : 0.0);
    const double residual = penalty.kkt_residual(g, b, lambda, 0);
    INFO("trial " << trial << " b " << b << " g " << g << " limits " << lower << " " << upper);
    CHECK(residual >= 0.0);
    CHECK(std::abs(residual - expected) <= 1e-6 * (1.0 + std::abs(g) + lambda * pf * (1.0 + std::abs(b))));
    if (expected > 1e-3) ++nonzero;
  }
  CHECK(nonzero > 1000);  // most draws are not at the coordinate's minimiser
}
