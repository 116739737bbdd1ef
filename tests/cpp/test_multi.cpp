// Multi-response families (multinomial, mgaussian): the datafits' quadratic
// model against finite differences of the loss, the grouped elastic-net block
// update against its optimality conditions and a projected-gradient search,
// and the KKT conditions of the original objective at every point of the
// multi-response path, dense == sparse.
//
// Finite-difference tolerances are error bounds, as in test_glm.cpp: a
// central difference with step h has truncation error h^2/6 max|f'''| (first
// derivative) or h^2/12 max|f''''| (second), plus rounding noise / h or
// 4 noise / h^2 when each loss value carries an absolute error of at most
// `noise`. Steps are powers of two and the evaluation points dyadic, so
// eta +- h is exact.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include <glmsparse/glmsparse.hpp>

#include "helpers.hpp"

using glmsparse::FitOptions;
using glmsparse::GroupElasticNet;
using glmsparse::LambdaGrid;
using glmsparse::MultiGaussian;
using glmsparse::Multinomial;
using glmsparse::MultiPathResult;
using glmsparse::MultiProblemData;
using test_helpers::default_grid;
using test_helpers::describe;
using test_helpers::Setting;

namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Softmax of one row, shifted by its maximum.
Eigen::RowVectorXd softmax(const Eigen::RowVectorXd& eta) {
  const Eigen::RowVectorXd e = (eta.array() - eta.maxCoeff()).exp().matrix();
  return e / e.sum();
}

// The losses written out independently of datafit_multi.hpp, with
//   loss:      L(eta) of the header comment,
//   residual:  -dL/deta,
//   curvature: d^2 L / deta_ik^2 (no floor),
//   magnitude: size of the terms of L, for its rounding error,
//   third, fourth: bounds on |d^3 L / deta_ik^3| and |d^4 L / deta_ik^4| per unit weight.
template <class Datafit>
struct Family;

template <>
struct Family<Multinomial> {
  static double loss(const Eigen::MatrixXd& y, const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
    double total = 0.0;
    for (Eigen::Index i = 0; i < eta.rows(); ++i) {
      const double top = eta.row(i).maxCoeff();
      const double log_sum = top + std::log((eta.row(i).array() - top).exp().sum());
      total += w[i] * (log_sum - y.row(i).dot(eta.row(i)));
    }
    return total;
  }
  static Eigen::MatrixXd residual(const Eigen::MatrixXd& y, const Eigen::VectorXd& w,
                                  const Eigen::MatrixXd& eta) {
    Eigen::MatrixXd r(eta.rows(), eta.cols());
    for (Eigen::Index i = 0; i < eta.rows(); ++i)
      r.row(i) = w[i] * (y.row(i) - softmax(eta.row(i)));
    return r;
  }
  static Eigen::MatrixXd curvature(const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
    Eigen::MatrixXd v(eta.rows(), eta.cols());
    for (Eigen::Index i = 0; i < eta.rows(); ++i) {
      const Eigen::RowVectorXd p = softmax(eta.row(i));
      v.row(i) = w[i] * p.array() * (1.0 - p.array());
    }
    return v;
  }
  // Along eta_ik the probability is a logistic function of eta_ik, so the
  // binomial bounds hold: |p(1-p)(1-2p)| <= 1/(6 sqrt 3), |p(1-p)(1-6p+6p^2)| <= 1/8.
  static double third() { return 1.0 / (6.0 * std::sqrt(3.0)); }
  static double fourth() { return 0.125; }
  static double magnitude(const Eigen::MatrixXd& y, const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
    double total = 0.0;
    for (Eigen::Index i = 0; i < eta.rows(); ++i)
      total += w[i] * (eta.row(i).cwiseAbs().maxCoeff() + 1.0 + std::log(double(eta.cols())) +
                       y.row(i).cwiseAbs().dot(eta.row(i).cwiseAbs() + Eigen::RowVectorXd::Ones(eta.cols())));
    return total;
  }
  static double saturated(const Eigen::MatrixXd& y, const Eigen::VectorXd& w) {
    double total = 0.0;
    for (Eigen::Index i = 0; i < y.rows(); ++i)
      for (Eigen::Index k = 0; k < y.cols(); ++k)
        if (y(i, k) > 0.0) total -= w[i] * y(i, k) * std::log(y(i, k));
    return total;
  }
};

template <>
struct Family<MultiGaussian> {
  static double loss(const Eigen::MatrixXd& y, const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
    return 0.5 * w.dot((y - eta).rowwise().squaredNorm());
  }
  static Eigen::MatrixXd residual(const Eigen::MatrixXd& y, const Eigen::VectorXd& w,
                                  const Eigen::MatrixXd& eta) {
    return w.asDiagonal() * (y - eta);
  }
  static Eigen::MatrixXd curvature(const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
    return w.replicate(1, eta.cols());
  }
  static double third() { return 0.0; }
  static double fourth() { return 0.0; }
  static double magnitude(const Eigen::MatrixXd& y, const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
    const Eigen::MatrixXd size = y.cwiseAbs() + eta.cwiseAbs() + Eigen::MatrixXd::Ones(y.rows(), y.cols());
    return w.dot(size.rowwise().squaredNorm());
  }
  static double saturated(const Eigen::MatrixXd&, const Eigen::VectorXd&) { return 0.0; }
};

// Bound on the rounding error of one evaluation of L: n row terms of K
// entries each, a few operations per entry.
template <class Datafit>
double loss_noise(const Eigen::MatrixXd& y, const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
  return double(eta.rows() + eta.cols() + 8) * kEps * Family<Datafit>::magnitude(y, w, eta);
}

Eigen::MatrixXd dyadic(Eigen::MatrixXd m, int bits) {
  for (Eigen::Index i = 0; i < m.size(); ++i)
    m(i) = std::ldexp(std::round(std::ldexp(m(i), bits)), -bits);
  return m;
}

// n x K matrix of independent N(0, sd^2) entries.
Eigen::MatrixXd random_eta(std::mt19937& rng, Eigen::Index n, Eigen::Index classes, double sd) {
  Eigen::MatrixXd eta(n, classes);
  for (Eigen::Index k = 0; k < classes; ++k) eta.col(k) = test_helpers::random_vector(rng, n, 0.0, sd);
  return eta;
}

Eigen::VectorXd random_weights(std::mt19937& rng, Eigen::Index n) {
  const Eigen::VectorXd raw = test_helpers::random_uniform(rng, n, 0.2, 3.0);
  return raw / raw.sum();
}

// Rows of class proportions: counts of 1 to 4 draws over the K classes,
// divided by the number of draws, so both 0/1 rows and fractions occur.
Eigen::MatrixXd random_proportions(std::mt19937& rng, const Eigen::MatrixXd& eta) {
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(eta.rows(), eta.cols());
  std::uniform_int_distribution<int> draws(1, 4);
  for (Eigen::Index i = 0; i < eta.rows(); ++i) {
    const Eigen::RowVectorXd p = softmax(eta.row(i));
    std::discrete_distribution<int> draw(p.data(), p.data() + p.size());
    const int m = draws(rng);
    for (int t = 0; t < m; ++t) y(i, draw(rng)) += 1.0;
    y.row(i) /= double(m);
  }
  return y;
}

// quadratic_model(eta, V, R) against central differences of loss(eta): R is
// -dL/deta entry by entry, V the second derivative along each entry (the
// diagonal of each class's Hessian block) except where the multinomial
// floor applies. Returns the number of floored entries.
template <class Datafit>
int check_quadratic_model(const Eigen::MatrixXd& y, const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
  const Datafit datafit(y, w);
  REQUIRE(datafit.n_responses() == y.cols());
  Eigen::MatrixXd v, r;
  datafit.quadratic_model(eta, v, r);
  REQUIRE(v.rows() == eta.rows());
  REQUIRE(v.cols() == eta.cols());
  REQUIRE(r.rows() == eta.rows());
  REQUIRE(r.cols() == eta.cols());

  const double h1 = std::ldexp(1.0, -17), h2 = std::ldexp(1.0, -10);
  const double floor = 1e-5 * (1.0 - 1e-5);
  const Eigen::MatrixXd exact_curvature = Family<Datafit>::curvature(w, eta);
  // Evaluation points lie within |eta| + 1.
  const Eigen::MatrixXd reach = eta.cwiseAbs().array() + 1.0;
  const double noise = loss_noise<Datafit>(y, w, reach);
  // The header's loss is the one written out here.
  CHECK(std::abs(datafit.loss(eta) - Family<Datafit>::loss(y, w, eta)) <= 2.0 * noise);
  int floored = 0;
  for (Eigen::Index i = 0; i < eta.rows(); ++i) {
    for (Eigen::Index k = 0; k < eta.cols(); ++k) {
      INFO(Datafit::name << " entry (" << i << ", " << k << ") eta row " << eta.row(i) << " y row "
                         << y.row(i) << " w " << w[i]);
      auto loss_along = [&](double t) {
        Eigen::MatrixXd moved = eta;
        moved(i, k) += t;
        return datafit.loss(moved);
      };

      const double first = (loss_along(h1) - loss_along(-h1)) / (2.0 * h1);
      const double tol1 = h1 * h1 / 6.0 * w[i] * Family<Datafit>::third() + noise / h1;
      INFO("R " << r(i, k) << " -dL/deta by differences " << -first << " tol " << tol1);
      CHECK(std::abs(r(i, k) + first) <= tol1);

      const double second = (loss_along(h2) - 2.0 * loss_along(0.0) + loss_along(-h2)) / (h2 * h2);
      const double tol2 = h2 * h2 / 12.0 * w[i] * Family<Datafit>::fourth() + 4.0 * noise / (h2 * h2);
      INFO("V " << v(i, k) << " second difference " << second << " tol " << tol2);
      // Entries are chosen well away from the floor, so which side they fall
      // on is not a matter of rounding.
      const double unit_curvature = exact_curvature(i, k) / w[i];
      if (std::is_same<Datafit, Multinomial>::value && unit_curvature < 0.5 * floor) {
        ++floored;
        CHECK(v(i, k) == w[i] * floor);
        // The true curvature is below the floor.
        CHECK(second <= w[i] * floor + tol2);
      } else {
        REQUIRE((std::is_same<Datafit, MultiGaussian>::value || unit_curvature > 2.0 * floor));
        CHECK(std::abs(v(i, k) - second) <= tol2);
      }
    }
  }

  // V is the diagonal of the class's Hessian block: the gradient -R_.k moves
  // along eta_ik only in its own row, at rate V_ik.
  const double h3 = std::ldexp(1.0, -13);
  for (Eigen::Index i = 0; i < eta.rows(); ++i) {
    for (Eigen::Index k = 0; k < eta.cols(); ++k) {
      Eigen::MatrixXd plus = eta, minus = eta, v_unused, r_plus, r_minus;
      plus(i, k) += h3;
      minus(i, k) -= h3;
      datafit.quadratic_model(plus, v_unused, r_plus);
      datafit.quadratic_model(minus, v_unused, r_minus);
      const Eigen::VectorXd column_change = (r_minus.col(k) - r_plus.col(k)) / (2.0 * h3);
      // R_ik carries a rounding error of a few eps w_i (|y_ik| + |eta_ik| + 1).
      const double tol = h3 * h3 / 6.0 * w[i] * Family<Datafit>::fourth() +
                         8.0 * kEps * w[i] * (std::abs(y(i, k)) + std::abs(eta(i, k)) + 1.0) / h3;
      INFO(Datafit::name << " entry (" << i << ", " << k << ") V " << v(i, k) << " dR by differences "
                         << column_change[i] << " tol " << tol);
      const double unit_curvature = exact_curvature(i, k) / w[i];
      if (!(std::is_same<Datafit, Multinomial>::value && unit_curvature < 0.5 * floor))
        CHECK(std::abs(column_change[i] - v(i, k)) <= tol);
      for (Eigen::Index other = 0; other < eta.rows(); ++other)
        if (other != i) CHECK(column_change[other] == 0.0);
    }
  }
  return floored;
}

}  // namespace

TEST_CASE("Multi-response quadratic models are the loss's gradient and curvature", "[multi][datafit]") {
  std::mt19937 rng(51);
  const Eigen::Index n = 7, classes = 4;
  const Eigen::VectorXd w = random_weights(rng, n);
  REQUIRE(std::abs(w.sum() - 1.0) <= 8.0 * kEps);

  SECTION("multinomial, proportions and moderate eta") {
    const Eigen::MatrixXd eta = dyadic(random_eta(rng, n, classes, 1.5), 10);
    const Eigen::MatrixXd y = random_proportions(rng, eta);
    CHECK(check_quadratic_model<Multinomial>(y, w, eta) == 0);
  }
  SECTION("multinomial, extreme eta where the floor is active") {
    Eigen::MatrixXd eta = dyadic(random_eta(rng, n, classes, 0.6), 10);
    eta.row(0) << 800.0, 0.0, -800.0, 0.5;  // p = (1, 0, 0, 0)
    eta.row(1) << 20.0, 18.5, 0.0, -30.0;   // two moderate classes, two floored
    eta.row(2) << -25.0, 0.0, 0.25, -0.5;   // one floored class
    Eigen::MatrixXd y = random_proportions(rng, Eigen::MatrixXd::Zero(n, classes));
    y.row(0) << 0.25, 0.5, 0.0, 0.25;
    // Rows 0 to 2 hold 4 + 2 + 1 floored entries.
    CHECK(check_quadratic_model<Multinomial>(y, w, eta) == 7);
  }
  SECTION("mgaussian") {
    const Eigen::MatrixXd eta = dyadic(random_eta(rng, n, classes, 2.0), 10);
    const Eigen::MatrixXd y = test_helpers::random_matrix(rng, n, classes, 0.2);
    check_quadratic_model<MultiGaussian>(y, w, eta);
  }
}

TEST_CASE("Multi-response saturated losses are the infimum of the loss", "[multi][datafit]") {
  std::mt19937 rng(52);
  const Eigen::Index n = 9, classes = 3;
  const Eigen::VectorXd w = random_weights(rng, n);

  SECTION("multinomial") {
    Eigen::MatrixXd y = random_proportions(rng, Eigen::MatrixXd::Zero(n, classes));
    y.row(0) << 0.2, 0.3, 0.5;  // every class present
    const Multinomial datafit(y, w);
    const double saturated = datafit.saturated_loss();
    CHECK(saturated == Approx(Family<Multinomial>::saturated(y, w)).epsilon(1e-14));
    CHECK(saturated > 0.0);  // some rows are not 0/1
    // eta_ik = log y_ik, and -t for the classes with y_ik = 0 (t -> infinity),
    // plus an arbitrary shift per row: the loss tends to the saturated loss.
    const Eigen::VectorXd shift = test_helpers::random_vector(rng, n);
    auto eta_at = [&](double t) {
      Eigen::MatrixXd eta(n, classes);
      for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index k = 0; k < classes; ++k) eta(i, k) = (y(i, k) > 0.0 ? std::log(y(i, k)) : -t) + shift[i];
      return eta;
    };
    double previous_gap = kInf;
    for (double t : {2.0, 5.0, 10.0, 20.0}) {
      const double gap = datafit.loss(eta_at(t)) - saturated;
      INFO("t " << t << " loss - saturated " << gap);
      CHECK(gap > 0.0);
      CHECK(gap < previous_gap);
      previous_gap = gap;
    }
    // The limit, to rounding (the terms of the zero classes are below e^-60).
    const Eigen::MatrixXd limit = eta_at(60.0);
    CHECK(std::abs(datafit.loss(limit) - saturated) <= loss_noise<Multinomial>(y, w, limit));
    // It is a lower bound elsewhere.
    for (int trial = 0; trial < 20; ++trial)
      CHECK(datafit.loss(random_eta(rng, n, classes, 3.0)) > saturated);
    // 0/1 rows have saturated loss 0.
    Eigen::MatrixXd indicators = Eigen::MatrixXd::Zero(n, classes);
    for (Eigen::Index i = 0; i < n; ++i) indicators(i, i % classes) = 1.0;
    CHECK(Multinomial(indicators, w).saturated_loss() == 0.0);
  }
  SECTION("mgaussian") {
    const Eigen::MatrixXd y = test_helpers::random_matrix(rng, n, classes, 0.2);
    const MultiGaussian datafit(y, w);
    CHECK(datafit.saturated_loss() == 0.0);
    CHECK(datafit.loss(y) == 0.0);
    CHECK(datafit.loss(y.array() + 0.5) == Approx(0.125 * classes).epsilon(1e-13));
  }
}

// ---------------------------------------------------------------------------
// GroupElasticNet::threshold: argmin over the box of
//   f(b) = (v/2) ||b||^2 - <z, b> + lambda pf (alpha ||b|| + (1 - alpha)/2 ||b||^2).

namespace {

struct GroupProblem {
  Eigen::VectorXd z;
  double v, lambda, alpha, pf, lower, upper;

  double l1() const { return lambda * alpha * pf; }
  // Curvature of the smooth quadratic part: f is c-strongly convex.
  double c() const { return v + lambda * (1.0 - alpha) * pf; }

  double objective(const Eigen::VectorXd& b) const {
    const double norm = b.norm();
    return 0.5 * v * b.squaredNorm() - z.dot(b) +
           lambda * pf * (alpha * norm + 0.5 * (1.0 - alpha) * norm * norm);
  }
  // Size of the terms of f(b), for its rounding error.
  double objective_magnitude(const Eigen::VectorXd& b) const {
    return 0.5 * c() * b.squaredNorm() + z.cwiseAbs().dot(b.cwiseAbs()) + l1() * b.norm();
  }
  Eigen::VectorXd project(Eigen::VectorXd b) const {
    return b.cwiseMax(lower).cwiseMin(upper);
  }
  // Gradient of f away from 0.
  Eigen::VectorXd gradient(const Eigen::VectorXd& b) const {
    return c() * b - z + l1() * b / b.norm();
  }
  // The directions in which b may leave 0: the cone D = {d : d_k >= 0 if
  // lower = 0, d_k <= 0 if upper = 0}. 0 is optimal iff <z, d> <= l1 ||d||
  // on D, i.e. iff the projection of z on D has norm <= l1.
  double feasible_norm_at_zero() const {
    Eigen::VectorXd d = z;
    if (lower == 0.0) d = d.cwiseMax(0.0);
    if (upper == 0.0) d = d.cwiseMin(0.0);
    return d.norm();
  }
};

std::string describe_group(const GroupProblem& g) {
  std::ostringstream out;
  out << "z = (" << g.z.transpose() << ") v = " << g.v << " lambda = " << g.lambda << " alpha = " << g.alpha
      << " pf = " << g.pf << " box [" << g.lower << ", " << g.upper << "]";
  return out.str();
}

// Projected gradient with backtracking (sufficient decrease against the
// quadratic upper model) from the box projection of z / c, run to a fixed
// point. The gradient is that of the smooth f away from 0; an iterate at 0
// stops the search (then f = 0).
Eigen::VectorXd projected_gradient_argmin(const GroupProblem& g) {
  Eigen::VectorXd b = g.project(g.z / g.c());
  double step = 1.0 / g.c();
  for (int iteration = 0; iteration < 200000; ++iteration) {
    if (b.norm() == 0.0) break;
    const Eigen::VectorXd grad = g.gradient(b);
    const double f = g.objective(b);
    Eigen::VectorXd next;
    for (int halving = 0; halving < 100; ++halving) {
      next = g.project(b - step * grad);
      const Eigen::VectorXd move = next - b;
      if (g.objective(next) <= f + grad.dot(move) + 0.5 / step * move.squaredNorm()) break;
      step *= 0.5;
    }
    const double moved = (next - b).norm();
    b = next;
    if (moved <= 1e-15 * (1.0 + b.norm())) break;
    step *= 1.25;
  }
  return b;
}

// Checks b = threshold(z, v, lambda, 0) for the single group of `g`.
// Returns whether b is nonzero.
bool check_group_threshold(const GroupProblem& g, std::mt19937& rng) {
  INFO(describe_group(g));
  const GroupElasticNet penalty(g.alpha, Eigen::VectorXd::Constant(1, g.pf),
                                Eigen::VectorXd::Constant(1, g.lower), Eigen::VectorXd::Constant(1, g.upper));
  const Eigen::Index classes = g.z.size();
  Eigen::VectorXd b;
  penalty.threshold(g.z, g.v, g.lambda, 0, b);
  REQUIRE(b.size() == classes);
  INFO("b = (" << b.transpose() << ")");
  for (Eigen::Index k = 0; k < classes; ++k) {
    CHECK(b[k] >= g.lower);
    CHECK(b[k] <= g.upper);
  }

  // Optimality conditions.
  const double tol_kkt = 64.0 * kEps * (g.z.norm() + g.l1() + g.c() * b.norm());
  if (b.norm() == 0.0) {
    INFO("feasible |z| at 0 " << g.feasible_norm_at_zero() << " l1 " << g.l1());
    CHECK(g.feasible_norm_at_zero() <= g.l1() * (1.0 + 1e-14));
  } else {
    const Eigen::VectorXd grad = g.gradient(b);
    for (Eigen::Index k = 0; k < classes; ++k) {
      INFO("class " << k << " gradient " << grad[k]);
      // Interior: zero gradient; at an end of the box it may point outward only.
      double violation = std::abs(grad[k]);
      if (b[k] == g.upper) violation = std::max(grad[k], 0.0);
      if (b[k] == g.lower) violation = std::max(-grad[k], 0.0);
      CHECK(violation <= tol_kkt);
    }
  }

  // f is c-strongly convex and b minimises it over the box, so every
  // feasible b' has f(b') - f(b) >= c/2 ||b' - b||^2.
  const double f_b = g.objective(b);
  auto check_against = [&](const Eigen::VectorXd& other) {
    const double gain = g.objective(other) - f_b;
    const double tol = 8.0 * kEps * (g.objective_magnitude(other) + g.objective_magnitude(b));
    INFO("b' = (" << other.transpose() << ") f(b') - f(b) = " << gain);
    CHECK(gain >= 0.5 * g.c() * (other - b).squaredNorm() * (1.0 - 1e-6) - tol);
  };
  std::normal_distribution<double> normal(0.0, 1.0);
  const double size = b.norm() + g.z.norm() / g.c();
  for (double radius : {1.0, 1e-2, 1e-4, 1e-6}) {
    for (int trial = 0; trial < 50; ++trial) {
      Eigen::VectorXd direction(classes);
      for (Eigen::Index k = 0; k < classes; ++k) direction[k] = normal(rng);
      check_against(g.project(b + radius * size * direction / direction.norm()));
    }
  }
  check_against(Eigen::VectorXd::Zero(classes));
  check_against(g.project(g.z / g.c()));

  // An independent search reaches the same point.
  const Eigen::VectorXd searched = projected_gradient_argmin(g);
  INFO("projected gradient = (" << searched.transpose() << ")");
  check_against(searched);
  CHECK((searched - b).norm() <= 1e-7 * (1.0 + size));

  // From zero (z = gradient there), violates_kkt_at_zero says whether the
  // update moves, and that is whether 0 fails to be optimal.
  const bool moves = b.norm() > 0.0;
  CHECK(penalty.violates_kkt_at_zero(g.z, g.lambda, 0) == moves);
  CHECK(moves == (g.feasible_norm_at_zero() > g.l1()));
  return moves;
}

Eigen::VectorXd scaled_to_norm(Eigen::VectorXd z, double norm) { return z * (norm / z.norm()); }

}  // namespace

TEST_CASE("Group threshold minimises the block objective over the box", "[multi][threshold]") {
  std::mt19937 rng(53);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  struct Box {
    double lower, upper;
  };
  const Box boxes[] = {{-kInf, kInf}, {-0.2, 0.3}, {0.0, kInf}, {-kInf, 0.0}, {0.0, 0.25}, {-0.5, kInf}};

  SECTION("random problems") {
    int moved = 0, total = 0;
    for (double alpha : {1.0, 0.5, 0.0}) {
      for (const Box& box : boxes) {
        for (int trial = 0; trial < 12; ++trial) {
          GroupProblem g;
          const Eigen::Index classes = 3 + trial % 2;
          g.z = test_helpers::random_vector(rng, classes, 0.0, 1.0);
          g.v = 0.3 + 2.7 * unit(rng);
          g.lambda = 0.1 + 2.0 * unit(rng);
          g.alpha = alpha;
          g.pf = 0.5 + 1.5 * unit(rng);
          g.lower = box.lower;
          g.upper = box.upper;
          moved += check_group_threshold(g, rng);
          ++total;
        }
      }
    }
    // Both outcomes occur.
    CHECK(moved > 0);
    CHECK(moved < total);
  }

  SECTION("no limits: group soft-thresholding") {
    for (double alpha : {1.0, 0.5, 0.0}) {
      GroupProblem g{Eigen::VectorXd(3), 1.3, 0.8, alpha, 1.2, -kInf, kInf};
      g.z << 0.6, -1.1, 0.4;
      CHECK(check_group_threshold(g, rng));
      // Small ||z|| gives exactly 0 (unless alpha = 0).
      if (alpha > 0.0) {
        g.z = scaled_to_norm(g.z, 0.9 * g.l1());
        CHECK_FALSE(check_group_threshold(g, rng));
        g.z = scaled_to_norm(g.z, 1.1 * g.l1());
        CHECK(check_group_threshold(g, rng));
      }
    }
  }

  SECTION("limits that bind") {
    for (double alpha : {1.0, 0.5, 0.0}) {
      GroupProblem g{Eigen::VectorXd(4), 0.7, 0.3, alpha, 1.0, -0.2, 0.3};
      g.z << 2.0, -3.0, 0.05, 1.0;
      REQUIRE(check_group_threshold(g, rng));
      Eigen::VectorXd b;
      GroupElasticNet(alpha, Eigen::VectorXd::Ones(1), Eigen::VectorXd::Constant(1, g.lower),
                      Eigen::VectorXd::Constant(1, g.upper))
          .threshold(g.z, g.v, g.lambda, 0, b);
      CHECK(b[0] == g.upper);
      CHECK(b[1] == g.lower);
      CHECK(b[3] == g.upper);
      CHECK(b[2] > 0.0);
      CHECK(b[2] < g.upper);
    }
  }

  SECTION("lower = 0 with negative z components") {
    for (double alpha : {1.0, 0.5, 0.0}) {
      GroupProblem g{Eigen::VectorXd(4), 1.0, 0.5, alpha, 1.0, 0.0, kInf};
      g.z << 0.3, -2.0, 0.4, -0.1;
      // ||z|| > l1 always; its feasible part (0.3, 0, 0.4, 0) has norm 0.5,
      // above l1 = 0.4 alpha and below l1 = 1.2 alpha.
      const GroupElasticNet penalty(alpha, Eigen::VectorXd::Ones(1), Eigen::VectorXd::Zero(1),
                                    Eigen::VectorXd::Constant(1, kInf));
      for (double lambda : {0.4, 1.2}) {
        g.lambda = lambda;
        INFO("lambda " << lambda);
        const bool moves = check_group_threshold(g, rng);
        CHECK(moves == (0.5 > g.l1()));
        Eigen::VectorXd b;
        penalty.threshold(g.z, g.v, g.lambda, 0, b);
        CHECK(b[1] == 0.0);
        CHECK(b[3] == 0.0);
      }
    }
  }
}

// ---------------------------------------------------------------------------
// The multi-response path.

namespace {

struct MultiProblem {
  Eigen::MatrixXd x;
  MultiProblemData data;
};

template <class Datafit>
MultiProblem random_multi_problem(std::mt19937& rng, const Setting& s, Eigen::Index classes) {
  MultiProblem problem;
  const Eigen::Index n = s.n, p = s.p;
  problem.x = test_helpers::random_matrix(rng, n, p, 0.5);
  MultiProblemData& data = problem.data;
  // A sparse truth on the first columns, different for each class.
  Eigen::MatrixXd truth = Eigen::MatrixXd::Zero(p, classes);
  for (Eigen::Index j = 0; j < std::min<Eigen::Index>(5, p); ++j)
    for (Eigen::Index k = 0; k < classes; ++k) truth(j, k) = 0.5 * std::cos(double(3 * j + 2 * k));
  data.offset = s.offset ? random_eta(rng, n, classes, 0.3) : Eigen::MatrixXd::Zero(n, classes);
  const Eigen::MatrixXd centered_x = problem.x.rowwise() - problem.x.colwise().mean();
  Eigen::MatrixXd eta = centered_x * truth + data.offset;
  for (Eigen::Index k = 0; k < classes; ++k) eta.col(k).array() += 0.2 * double(k) - 0.3;
  if (std::is_same<Datafit, Multinomial>::value) {
    data.y = random_proportions(rng, eta);
  } else {
    data.y = eta;
    for (Eigen::Index k = 0; k < classes; ++k)
      data.y.col(k) += test_helpers::random_vector(rng, n, 0.0, 0.5 + 0.5 * double(k));
  }
  data.weights = s.weights ? test_helpers::random_uniform(rng, n, 0.2, 3.0) : Eigen::VectorXd::Ones(n);
  // The single-response defaults: one unpenalized variable, no limits.
  glmsparse::ProblemData single;
  test_helpers::set_variable_defaults(rng, p, single);
  data.penalty_factor = single.penalty_factor;
  data.lower_limit = single.lower_limit;
  data.upper_limit = single.upper_limit;
  data.excluded = single.excluded;
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

template <class Datafit, class Fixture>
MultiPathResult fit(const MultiProblem& problem, const FitOptions& options, bool grouped,
                    const LambdaGrid& grid) {
  Fixture fixture(problem.x);
  glmsparse::Monitor monitor;
  return glmsparse::fit_multi_path<Datafit>(fixture.design, problem.data, options, grouped, grid, monitor);
}

// Coefficients at lambda index l on the original scale, p x K.
Eigen::MatrixXd coefficient_matrix(const MultiPathResult& fit, std::size_t l, Eigen::Index p) {
  Eigen::MatrixXd beta = Eigen::MatrixXd::Zero(p, static_cast<Eigen::Index>(fit.beta.size()));
  for (std::size_t k = 0; k < fit.beta.size(); ++k) {
    const auto& column = fit.beta[k];
    for (int e = column.column_start[l]; e < column.column_start[l + 1]; ++e)
      beta(column.row[e], static_cast<Eigen::Index>(k)) = column.value[e];
  }
  return beta;
}

Eigen::VectorXd intercepts(const MultiPathResult& fit, std::size_t l, Eigen::Index classes) {
  Eigen::VectorXd a(classes);
  for (Eigen::Index k = 0; k < classes; ++k) a[k] = fit.intercept[l * classes + static_cast<std::size_t>(k)];
  return a;
}

void check_shape(const MultiPathResult& fit, Eigen::Index p, Eigen::Index classes) {
  const std::size_t n_lambda = fit.lambda.size();
  const auto k_count = static_cast<std::size_t>(classes);
  REQUIRE(n_lambda > 0);
  REQUIRE(fit.beta.size() == k_count);
  REQUIRE(fit.intercept.size() == n_lambda * k_count);
  REQUIRE(fit.response_df.size() == n_lambda * k_count);
  REQUIRE(fit.df.size() == n_lambda);
  REQUIRE(fit.dev_ratio.size() == n_lambda);
  REQUIRE(fit.status.size() == n_lambda);
  for (const auto& column : fit.beta) {
    REQUIRE(column.column_start.size() == n_lambda + 1);
    REQUIRE(column.column_start.front() == 0);
    REQUIRE(column.column_start.back() == static_cast<int>(column.row.size()));
    REQUIRE(column.value.size() == column.row.size());
    for (std::size_t l = 0; l < n_lambda; ++l)
      for (int e = column.column_start[l]; e < column.column_start[l + 1]; ++e) {
        REQUIRE(column.row[e] >= 0);
        REQUIRE(column.row[e] < p);
        if (e > column.column_start[l]) REQUIRE(column.row[e - 1] < column.row[e]);
      }
  }
  for (std::size_t l = 0; l < n_lambda; ++l) {
    const Eigen::MatrixXd beta = coefficient_matrix(fit, l, p);
    int any = 0;
    for (Eigen::Index j = 0; j < p; ++j) any += (beta.row(j).array() != 0.0).any() ? 1 : 0;
    CHECK(fit.df[l] == any);
    for (std::size_t k = 0; k < k_count; ++k)
      CHECK(fit.response_df[l * k_count + k] ==
            static_cast<int>((beta.col(static_cast<Eigen::Index>(k)).array() != 0.0).count()));
  }
}

// The intercepts alone (null model), by Newton's method on the full K x K
// Hessian. Multinomial: the Hessian H = sum_i w_i (diag p_i - p_i p_i^T) is
// singular along (1, ..., 1), which the gradient is orthogonal to; H + 11^T
// solves H d = g with d orthogonal to it as well.
template <class Datafit>
Eigen::VectorXd null_intercepts(const Eigen::MatrixXd& y, const Eigen::VectorXd& w, const Eigen::MatrixXd& offset) {
  const Eigen::Index classes = y.cols();
  Eigen::VectorXd a = Eigen::VectorXd::Zero(classes);
  if (std::is_same<Datafit, MultiGaussian>::value) return (y - offset).transpose() * w;
  for (int iteration = 0; iteration < 100; ++iteration) {
    const Eigen::MatrixXd eta = offset.rowwise() + a.transpose();
    const Eigen::VectorXd g = Family<Multinomial>::residual(y, w, eta).colwise().sum().transpose();
    Eigen::MatrixXd h = Eigen::MatrixXd::Ones(classes, classes);
    for (Eigen::Index i = 0; i < y.rows(); ++i) {
      const Eigen::RowVectorXd p = softmax(eta.row(i));
      h += w[i] * (Eigen::MatrixXd(p.asDiagonal()) - p.transpose() * p);
    }
    const Eigen::VectorXd step = h.ldlt().solve(g);
    a += step;
    if (step.norm() <= 1e-15 * (1.0 + a.norm())) break;
  }
  return a;
}

// Optimality of every path point for
//   L(Eta) + lambda sum_j pf_j P(beta_j),  Eta = O + 1 a^T + X B,  beta_jk = b_jk s_j,
// P the elastic net on each beta_jk (ungrouped) or on the group beta_j
// (grouped), checked on the standardized scale, where the gradient is
// g_jk = sum_i x~_ij R_ik, x~_ij = (x_ij - m_j) / s_j, R = -dL/dEta.
//
// Tolerance as in test_glm.cpp: a point within delta of the minimum has a
// proximal-gradient residual of at most sqrt(2 T delta), T the trace of the
// Hessian of the smooth part (loss and ridge term), which bounds its largest
// eigenvalue; the solver stops when the objective still to be gained is
// about thresh times the objective (Newton steps gaining less than thresh / 10
// of it, extrapolated).
template <class Datafit>
void check_kkt(const MultiProblem& problem, const FitOptions& options, bool grouped, const MultiPathResult& fit,
               std::size_t first_index = 0) {
  const Eigen::MatrixXd& x = problem.x;
  const MultiProblemData& data = problem.data;
  const Eigen::Index p = x.cols(), classes = data.y.cols();
  check_shape(fit, p, classes);
  const bool multinomial = std::is_same<Datafit, Multinomial>::value;

  const Eigen::VectorXd w = data.weights / data.weights.sum();
  Eigen::VectorXd m(p), s(p);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double mean = w.dot(x.col(j));
    m[j] = options.intercept ? mean : 0.0;
    s[j] = options.standardize ? std::sqrt(w.dot(x.col(j).cwiseAbs2()) - mean * mean) : 1.0;
  }
  const Eigen::MatrixXd xt = (x.rowwise() - m.transpose()) * s.cwiseInverse().asDiagonal();
  const Eigen::VectorXd column_squares = xt.cwiseAbs2().rowwise().sum();
  const double alpha = options.alpha;
  const double max_pf = data.penalty_factor.maxCoeff();

  // Null and saturated deviance.
  const double saturated = Family<Datafit>::saturated(data.y, w);
  Eigen::MatrixXd null_eta = data.offset;
  if (options.intercept) null_eta.rowwise() += null_intercepts<Datafit>(data.y, w, data.offset).transpose();
  const double null_deviance = 2.0 * data.weights.sum() * (Family<Datafit>::loss(data.y, w, null_eta) - saturated);
  CHECK(fit.null_deviance == Approx(null_deviance).epsilon(1e-10));

  for (std::size_t l = 0; l < fit.lambda.size(); ++l) {
    INFO("lambda index " << l << " lambda " << fit.lambda[l]);
    CHECK(fit.status[l] == glmsparse::LambdaStatus::converged);
    if (l < first_index) continue;
    const double lambda = fit.lambda[l];
    const Eigen::MatrixXd b = coefficient_matrix(fit, l, p);
    const Eigen::VectorXd a = intercepts(fit, l, classes);
    if (!options.intercept) CHECK(a.isZero(0.0));
    if (multinomial && options.intercept)
      CHECK(std::abs(a.sum()) <= 4.0 * double(classes) * kEps * a.cwiseAbs().sum());

    const Eigen::MatrixXd eta = (data.offset + x * b).rowwise() + a.transpose();
    const Eigen::MatrixXd residual = Family<Datafit>::residual(data.y, w, eta);
    const Eigen::MatrixXd curvature = Family<Datafit>::curvature(w, eta);
    const Eigen::MatrixXd beta = s.asDiagonal() * b;
    const Eigen::MatrixXd g = xt.transpose() * residual;

    double penalty = 0.0;
    for (Eigen::Index j = 0; j < p; ++j) {
      const double pf = data.penalty_factor[j];
      if (grouped)
        penalty += pf * (alpha * beta.row(j).norm() + 0.5 * (1.0 - alpha) * beta.row(j).squaredNorm());
      else
        penalty += pf * (alpha * beta.row(j).lpNorm<1>() + 0.5 * (1.0 - alpha) * beta.row(j).squaredNorm());
    }
    const double loss = Family<Datafit>::loss(data.y, w, eta);
    const double objective = loss + lambda * penalty;
    const double trace = (curvature.transpose() * column_squares).sum() +
                         (options.intercept ? curvature.sum() : 0.0) +
                         lambda * (1.0 - alpha) * max_pf * double(p * classes);
    const double scale = std::max(std::abs(objective), loss - saturated + lambda * penalty);
    const double tol = std::sqrt(2.0 * trace * options.thresh * scale);
    INFO("tolerance " << tol << " objective " << objective);

    const double deviance = 2.0 * data.weights.sum() * (loss - saturated);
    CHECK(fit.dev_ratio[l] == Approx(1.0 - deviance / null_deviance).margin(1e-9));

    if (options.intercept) {
      for (Eigen::Index k = 0; k < classes; ++k) {
        INFO("intercept " << k << " score " << residual.col(k).sum());
        CHECK(std::abs(residual.col(k).sum()) <= tol);
      }
    }
    for (Eigen::Index j = 0; j < p; ++j) {
      const double pf = data.penalty_factor[j];
      INFO("variable " << j << " pf " << pf << " beta (" << beta.row(j) << ") gradient (" << g.row(j) << ")");
      if (grouped) {
        const double norm = beta.row(j).norm();
        double violation;
        if (norm > 0.0)
          violation = (g.row(j) - lambda * pf * (alpha / norm + (1.0 - alpha)) * beta.row(j)).norm();
        else
          violation = std::max(g.row(j).norm() - lambda * alpha * pf, 0.0);
        CHECK(violation <= tol);
      } else {
        for (Eigen::Index k = 0; k < classes; ++k) {
          const double bjk = beta(j, k), gjk = g(j, k);
          double violation;
          if (bjk != 0.0)
            violation = std::abs(gjk - lambda * pf * (alpha * (bjk > 0.0 ? 1.0 : -1.0) + (1.0 - alpha) * bjk));
          else
            violation = std::max(std::abs(gjk) - lambda * alpha * pf, 0.0);
          INFO("class " << k);
          CHECK(violation <= tol);
        }
      }
    }
  }
}

const Setting kSettings[] = {
    {60, 8, false, false, true, true, 1.0},  {60, 8, true, true, true, true, 0.5},
    {60, 8, true, false, false, true, 1.0},  {60, 8, false, true, true, false, 0.0},
    {30, 50, false, false, true, true, 1.0}, {30, 50, true, true, true, true, 0.5},
};

// Setting c with 3 or 4 classes, drawn from its own seed.
template <class Datafit>
MultiProblem setting_problem(std::size_t c, unsigned seed) {
  std::mt19937 rng(seed + static_cast<unsigned>(c));
  return random_multi_problem<Datafit>(rng, kSettings[c], 3 + static_cast<Eigen::Index>(c % 2));
}

// The KKT conditions along the default path, dense and sparse. A ridge
// path (alpha = 0) starts, as glmnet's, at a lambda_max computed with
// alpha = 1e-3 and reports 0 there, which is not the ridge solution at that
// lambda: its check starts at index 1.
template <class Datafit>
void check_path_kkt(const MultiProblem& problem, const Setting& setting, bool grouped, double thresh) {
  INFO(Datafit::name << " " << describe(setting) << " K=" << problem.data.y.cols() << " grouped=" << grouped
                     << " thresh " << thresh);
  const std::size_t first_index = setting.alpha > 0.0 ? 0 : 1;
  const FitOptions options = options_for(setting, thresh);
  for (bool sparse : {false, true}) {
    INFO("sparse design " << sparse);
    const MultiPathResult path =
        sparse ? fit<Datafit, test_helpers::SparseFixture>(problem, options, grouped, default_grid(setting))
               : fit<Datafit, test_helpers::DenseFixture>(problem, options, grouped, default_grid(setting));
    CHECK(path.lambda.size() == 25u);
    CHECK(path.stop == glmsparse::PathStop::completed);
    check_kkt<Datafit>(problem, options, grouped, path, first_index);
    // At lambda_max only unpenalized coefficients are nonzero, and the path
    // does select variables further down.
    const Eigen::MatrixXd first = coefficient_matrix(path, 0, setting.p);
    for (Eigen::Index j = 0; j < setting.p; ++j)
      if (problem.data.penalty_factor[j] > 0.0) CHECK(first.row(j).isZero(0.0));
    CHECK(path.df.back() >= 4);
  }
}

// Dense and sparse designs give the same path. Two solutions that both meet
// the stopping rule agree only to about sqrt(thresh) (the Newton steps
// converge linearly, and lambda_max itself comes from the fit of the
// unpenalized variables), so the paths are compared solved tightly.
//
// Multinomial: the loss does not change when the same constant is added to
// every class's coefficient of a variable; the penalty fixes that constant
// for a penalized variable (uniquely, as every alpha = 1 setting has an odd
// number of classes) but not for an unpenalized one, whose coefficients are
// compared centred over the classes.
template <class Datafit>
void check_dense_equals_sparse(const MultiProblem& problem, const Setting& setting, bool grouped) {
  const Eigen::Index classes = problem.data.y.cols();
  INFO(Datafit::name << " " << describe(setting) << " K=" << classes << " grouped=" << grouped);
  const FitOptions options = options_for(setting, 1e-13);
  const MultiPathResult dense =
      fit<Datafit, test_helpers::DenseFixture>(problem, options, grouped, default_grid(setting));
  const MultiPathResult sparse =
      fit<Datafit, test_helpers::SparseFixture>(problem, options, grouped, default_grid(setting));
  const std::size_t first_index = setting.alpha > 0.0 ? 0 : 1;
  check_kkt<Datafit>(problem, options, grouped, dense, first_index);
  check_kkt<Datafit>(problem, options, grouped, sparse, first_index);
  REQUIRE(sparse.lambda.size() == dense.lambda.size());
  CHECK(sparse.null_deviance == Approx(dense.null_deviance).epsilon(1e-12));
  auto identified = [&](Eigen::MatrixXd beta) {
    if (std::is_same<Datafit, Multinomial>::value)
      for (Eigen::Index j = 0; j < setting.p; ++j)
        if (problem.data.penalty_factor[j] == 0.0) beta.row(j).array() -= beta.row(j).mean();
    return beta;
  };
  for (std::size_t l = 0; l < dense.lambda.size(); ++l) {
    INFO("lambda index " << l);
    CHECK(sparse.lambda[l] == Approx(dense.lambda[l]).epsilon(1e-6));
    const Eigen::MatrixXd beta_dense = identified(coefficient_matrix(dense, l, setting.p));
    const Eigen::MatrixXd beta_sparse = identified(coefficient_matrix(sparse, l, setting.p));
    const double size = 1.0 + beta_dense.cwiseAbs().maxCoeff();
    const double difference = (beta_dense - beta_sparse).cwiseAbs().maxCoeff();
    INFO("max coefficient difference " << difference);
    CHECK(difference <= 1e-6 * size);
    const Eigen::VectorXd a_dense = intercepts(dense, l, classes), a_sparse = intercepts(sparse, l, classes);
    CHECK((a_dense - a_sparse).cwiseAbs().maxCoeff() <= 1e-6 * (size + a_dense.cwiseAbs().maxCoeff()));
    CHECK(sparse.dev_ratio[l] == Approx(dense.dev_ratio[l]).margin(1e-9));
  }
}

template <class Datafit>
void check_paths(unsigned seed) {
  for (std::size_t c = 0; c < std::size(kSettings); ++c) {
    const MultiProblem problem = setting_problem<Datafit>(c, seed);
    for (bool grouped : {false, true}) {
      for (double thresh : {1e-7, 1e-10}) check_path_kkt<Datafit>(problem, kSettings[c], grouped, thresh);
      check_dense_equals_sparse<Datafit>(problem, kSettings[c], grouped);
    }
  }
}

}  // namespace

namespace {

// Dense designs of 8192 rows or more split each coordinate's work between
// two blocks of rows (irls_updates.hpp), run by two threads when there are
// two (ungrouped paths): the path must not depend on the number of threads.
template <class Datafit>
void check_row_split(unsigned seed) {
  std::mt19937 rng(seed);
  const Setting setting{8400, 8, true, true, true, true, 1.0};
  const MultiProblem problem = random_multi_problem<Datafit>(rng, setting, 3);
  for (bool grouped : {false, true}) {
    INFO(Datafit::name << " grouped=" << grouped);
    FitOptions options = options_for(setting, 1e-10);
    options.n_threads = 1;
    const MultiPathResult one = fit<Datafit, test_helpers::DenseFixture>(problem, options, grouped, default_grid(setting));
    options.n_threads = 2;
    const MultiPathResult two = fit<Datafit, test_helpers::DenseFixture>(problem, options, grouped, default_grid(setting));
    REQUIRE(one.beta.size() == two.beta.size());
    for (std::size_t k = 0; k < one.beta.size(); ++k) {
      CHECK(one.beta[k].value == two.beta[k].value);
      CHECK(one.beta[k].row == two.beta[k].row);
    }
    CHECK(one.intercept == two.intercept);
    CHECK(one.n_passes == two.n_passes);
    CHECK(two.df.back() >= 4);
    check_kkt<Datafit>(problem, options, grouped, two);
  }
}

}  // namespace

TEST_CASE("Multi-response paths split by rows are the same for any number of threads", "[multi][path][threads]") {
  SECTION("multinomial") { check_row_split<Multinomial>(56); }
}

TEST_CASE("Multi-response paths satisfy the KKT conditions at every lambda", "[multi][path][kkt]") {
  SECTION("multinomial") { check_paths<Multinomial>(54); }
  SECTION("mgaussian") { check_paths<MultiGaussian>(55); }
}

TEST_CASE("Group threshold with one curvature per class minimises its block objective",
          "[multi][threshold]") {
  // f(b) = sum_k v_k / 2 b_k^2 - <z, b> + l1 ||b|| + l2 / 2 ||b||^2 over the box,
  // minimised here by projected gradient with backtracking, independently.
  std::mt19937 rng(71);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  int moved = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const Eigen::Index classes = 2 + trial % 4;
    Eigen::VectorXd z(classes), v(classes);
    for (Eigen::Index k = 0; k < classes; ++k) {
      z[k] = normal(rng);
      v[k] = std::exp(3.0 * normal(rng));  // curvatures spanning orders of magnitude
    }
    const double alpha = (trial % 3 == 0) ? 1.0 : (trial % 3 == 1 ? 0.5 : 0.1);
    const double lambda = 2.0 * uniform(rng);
    const double lower = (trial % 5 == 0) ? 0.0 : (trial % 5 == 1 ? -0.2 : -HUGE_VAL);
    const double upper = (trial % 7 == 0) ? 0.3 : HUGE_VAL;
    const GroupElasticNet penalty(alpha, Eigen::VectorXd::Ones(1), Eigen::VectorXd::Constant(1, lower),
                                  Eigen::VectorXd::Constant(1, upper));
    const double l1 = lambda * alpha, l2 = lambda * (1.0 - alpha);
    auto objective = [&](const Eigen::VectorXd& b) {
      return 0.5 * b.dot(v.cwiseProduct(b)) - z.dot(b) + l1 * b.norm() + 0.5 * l2 * b.squaredNorm();
    };
    auto project = [&](Eigen::VectorXd b) { return Eigen::VectorXd(b.cwiseMax(lower).cwiseMin(upper)); };
    Eigen::VectorXd b;
    penalty.threshold(z, v, lambda, 0, b);
    INFO("trial " << trial << " z = (" << z.transpose() << ") v = (" << v.transpose() << ") b = ("
                  << b.transpose() << ")");
    REQUIRE(b.size() == classes);
    CHECK((b.array() >= lower).all());
    CHECK((b.array() <= upper).all());
    // Projected gradient from the unshrunk point; stops at 0 (f = 0 there).
    Eigen::VectorXd search = project((z.array() / (v.array() + l2)).matrix());
    double step = 1.0 / (v.maxCoeff() + l2);
    for (int iteration = 0; iteration < 200000 && search.norm() > 0.0; ++iteration) {
      const Eigen::VectorXd grad = v.cwiseProduct(search) - z + l2 * search + l1 * search / search.norm();
      const double f = objective(search);
      Eigen::VectorXd next;
      for (int halving = 0; halving < 100; ++halving) {
        next = project(search - step * grad);
        if (objective(next) <= f + grad.dot(next - search) + 0.5 / step * (next - search).squaredNorm()) break;
        step *= 0.5;
      }
      const double change = (next - search).norm();
      search = next;
      if (change <= 1e-15 * (1.0 + search.norm())) break;
      step *= 1.25;
    }
    const Eigen::VectorXd zero = Eigen::VectorXd::Zero(classes);
    const double best_other = std::min(objective(search), objective(zero));
    const double scale = 1e-12 * (1.0 + std::abs(best_other) + z.cwiseAbs().sum());
    CHECK(objective(b) <= best_other + scale);
    // Random feasible perturbations never do better.
    for (int perturbation = 0; perturbation < 30; ++perturbation) {
      Eigen::VectorXd direction(classes);
      for (Eigen::Index k = 0; k < classes; ++k) direction[k] = normal(rng);
      const Eigen::VectorXd other = project(b + 1e-3 * (1.0 + b.norm()) * direction);
      CHECK(objective(other) >= objective(b) - scale);
    }
    moved += b.norm() > 0.0;
  }
  // Both outcomes occur.
  CHECK(moved > 20);
  CHECK(moved < 190);
}

// Two columns with correlation near 0.999 deep in an ungrouped multinomial
// path: the Newton steps over the classes converge slowly, and a cap of 100
// steps left four lambdas unconverged, whatever the number of passes allowed.
TEST_CASE("Ungrouped multinomial paths converge on nearly collinear columns", "[multi][path]") {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  const Eigen::Index n = 200, p = 30;
  Eigen::MatrixXd x(n, p);
  for (Eigen::Index j = 0; j < p; ++j)
    for (Eigen::Index i = 0; i < n; ++i) x(i, j) = normal(rng);
  for (Eigen::Index i = 0; i < n; ++i) x(i, 1) = x(i, 0) + 0.05 * normal(rng);
  Eigen::VectorXd score(n);
  for (Eigen::Index i = 0; i < n; ++i)
    score[i] = x(i, 0) - x(i, 2) + 0.5 * x(i, 3) + 0.5 * x(i, 4) - 0.5 * x(i, 5) + normal(rng);
  Eigen::VectorXd sorted = score;
  std::sort(sorted.data(), sorted.data() + n);
  const double low = sorted[n / 3], high = sorted[2 * n / 3];
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(n, 3);
  for (Eigen::Index i = 0; i < n; ++i) y(i, score[i] < low ? 0 : score[i] < high ? 1 : 2) = 1.0;
  const MultiProblemData data = test_helpers::plain_multi_data(y, p);
  LambdaGrid grid;
  grid.nlambda = 100;
  grid.lambda_min_ratio = 1e-4;
  test_helpers::DenseFixture fixture(x);
  glmsparse::Monitor monitor;
  const MultiPathResult fit =
      glmsparse::fit_multi_path<Multinomial>(fixture.design, data, FitOptions(), false, grid, monitor);
  REQUIRE(fit.lambda.size() == 100u);
  for (std::size_t k = 0; k < fit.lambda.size(); ++k) {
    INFO("lambda index " << k);
    CHECK(fit.status[k] == glmsparse::LambdaStatus::converged);
  }
}
