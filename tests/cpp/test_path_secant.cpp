// PathSecant: the start it predicts for the next lambda, and when it
// predicts nothing.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include <glmsparse/path_secant.hpp>
#include <glmsparse/penalty_elastic_net.hpp>

namespace {

using glmsparse::ElasticNet;
using glmsparse::PathSecant;

// Four variables, the last unpenalized; limits [-10, 10] except variable 1's
// upper limit of 1.5.
ElasticNet test_penalty() {
  Eigen::VectorXd penalty_factor(4), lower(4), upper(4);
  penalty_factor << 1.0, 1.0, 1.0, 0.0;
  lower.setConstant(-10.0);
  upper.setConstant(10.0);
  upper[1] = 1.5;
  return ElasticNet(1.0, penalty_factor, lower, upper);
}

const std::vector<Eigen::Index> kActiveSet{0, 1, 2, 3};

Eigen::VectorXd values(double b0, double b1, double b2, double b3) {
  Eigen::VectorXd v(4);
  v << b0, b1, b2, b3;
  return v;
}

}  // namespace

TEST_CASE("The secant is exact for coefficients linear in log(lambda)", "[secant]") {
  const ElasticNet penalty = test_penalty();
  // b_j(lambda) = a_j + c_j log(lambda), all staying inside their limits and signs.
  const Eigen::VectorXd a = values(2.0, 0.5, -3.0, 1.0), c = values(-0.3, -0.1, 0.4, 0.2);
  auto at = [&](double lambda) -> Eigen::VectorXd { return a + c * std::log(lambda); };
  const double lambda2 = 0.5, lambda1 = 0.4, lambda = 0.3;  // steps of different sizes
  PathSecant secant;
  secant.record(lambda2, kActiveSet, at(lambda2), 0.1 + std::log(lambda2), true);
  secant.record(lambda1, kActiveSet, at(lambda1), 0.1 + std::log(lambda1), true);
  std::vector<double> change;
  double intercept_change = 0.0;
  REQUIRE(secant.predict(lambda, kActiveSet, at(lambda1), penalty, change, intercept_change));
  const Eigen::VectorXd expected = at(lambda) - at(lambda1);
  for (Eigen::Index j = 0; j < 4; ++j) CHECK(change[j] == Approx(expected[j]).margin(1e-12));
  CHECK(intercept_change == Approx(std::log(lambda / lambda1)).margin(1e-12));
}

TEST_CASE("A secant of step fraction f moves f of the way to the full secant's prediction",
          "[secant]") {
  const ElasticNet penalty = test_penalty();
  const Eigen::VectorXd a = values(2.0, 0.5, -3.0, 1.0), c = values(-0.3, -0.1, 0.4, 0.2);
  auto at = [&](double lambda) -> Eigen::VectorXd { return a + c * std::log(lambda); };
  const double lambda2 = 0.5, lambda1 = 0.4, lambda = 0.3;
  PathSecant full, partial(true, 0.9);
  for (PathSecant* secant : {&full, &partial}) {
    secant->record(lambda2, kActiveSet, at(lambda2), 0.1 + std::log(lambda2), true);
    secant->record(lambda1, kActiveSet, at(lambda1), 0.1 + std::log(lambda1), true);
  }
  std::vector<double> full_change, partial_change;
  double full_intercept = 0.0, partial_intercept = 0.0, full_step = 0.0, partial_step = 0.0;
  REQUIRE(full.predict(lambda, kActiveSet, at(lambda1), penalty, full_change, full_intercept, nullptr,
                       &full_step));
  REQUIRE(partial.predict(lambda, kActiveSet, at(lambda1), penalty, partial_change, partial_intercept,
                          nullptr, &partial_step));
  CHECK(partial_step == Approx(0.9 * full_step).epsilon(1e-14));
  for (std::size_t j = 0; j < 4; ++j) CHECK(partial_change[j] == Approx(0.9 * full_change[j]).epsilon(1e-13));
  CHECK(partial_intercept == Approx(0.9 * full_intercept).epsilon(1e-13));
}

TEST_CASE("The secant stops at zero, at the limits, and leaves zeros alone", "[secant]") {
  const ElasticNet penalty = test_penalty();
  const double lambda2 = 0.2, lambda1 = 0.1, lambda = 0.05;  // t = 1
  // Variable 0 would cross zero (0.3 -> 0.1 -> -0.1); variable 1 would pass
  // its upper limit (1.0 -> 1.4 -> 1.8); variable 2 is zero at lambda1;
  // variable 3, unpenalized, crosses zero freely.
  const Eigen::VectorXd older = values(0.3, 1.0, 0.7, 0.2), latest = values(0.1, 1.4, 0.0, 0.05);
  std::vector<double> change;
  double intercept_change = 0.0;

  PathSecant secant;
  secant.record(lambda2, kActiveSet, older, 0.0, true);
  secant.record(lambda1, kActiveSet, latest, 0.0, true);
  REQUIRE(secant.predict(lambda, kActiveSet, latest, penalty, change, intercept_change));
  CHECK(change[0] == Approx(-0.1).margin(1e-15));  // to 0, not to -0.1
  CHECK(change[1] == Approx(0.1).margin(1e-15));   // to the limit 1.5, not to 1.8
  CHECK(change[2] == 0.0);
  CHECK(change[3] == Approx(-0.15).margin(1e-15));  // to -0.1

  // What the moves stopped at zero or a limit leave out of t (b1 - b2): the
  // unstopped moves would be -0.2, 0.4, -0.7 (b1 = 0 stays, b2 = 0.7) and
  // -0.15; only variable 3's is taken as is, and its stopped part is exactly 0.
  std::vector<double> stopped;
  double step = 0.0;
  REQUIRE(secant.predict(lambda, kActiveSet, latest, penalty, change, intercept_change, &stopped, &step));
  CHECK(step == Approx(1.0).epsilon(1e-14));
  CHECK(stopped[0] == Approx(0.1).margin(1e-15));
  CHECK(stopped[1] == Approx(-0.3).margin(1e-15));
  CHECK(stopped[2] == Approx(0.7).margin(1e-15));
  CHECK(stopped[3] == 0.0);
  for (std::size_t k = 0; k < 4; ++k)
    CHECK(change[k] - stopped[k] == Approx(step * (latest[k] - older[k])).margin(1e-15));

  // A group's coefficients may change sign.
  PathSecant group_secant(false);
  group_secant.record(lambda2, kActiveSet, older, 0.0, true);
  group_secant.record(lambda1, kActiveSet, latest, 0.0, true);
  REQUIRE(group_secant.predict(lambda, kActiveSet, latest, penalty, change, intercept_change));
  CHECK(change[0] == Approx(-0.2).margin(1e-15));
}

TEST_CASE("The secant predicts nothing without two recorded solutions it starts from", "[secant]") {
  const ElasticNet penalty = test_penalty();
  const Eigen::VectorXd older = values(0.3, 1.0, 0.7, 0.2), latest = values(0.4, 1.2, 0.9, 0.3);
  std::vector<double> change;
  double intercept_change = 0.0;

  PathSecant one_record;
  one_record.record(0.1, kActiveSet, latest, 0.0, true);
  CHECK_FALSE(one_record.predict(0.05, kActiveSet, latest, penalty, change, intercept_change));

  PathSecant secant;
  secant.record(0.2, kActiveSet, older, 0.0, true);
  secant.record(0.1, kActiveSet, latest, 0.0, true);
  CHECK(secant.predict(0.05, kActiveSet, latest, penalty, change, intercept_change));
  // Not below the last lambda, or further than twice the last step.
  CHECK_FALSE(secant.predict(0.1, kActiveSet, latest, penalty, change, intercept_change));
  CHECK_FALSE(secant.predict(0.2, kActiveSet, latest, penalty, change, intercept_change));
  CHECK_FALSE(secant.predict(0.01, kActiveSet, latest, penalty, change, intercept_change));
  // Not from a point other than the last recorded solution.
  CHECK_FALSE(secant.predict(0.05, kActiveSet, older, penalty, change, intercept_change));
  // Not on an active set that has grown since.
  const std::vector<Eigen::Index> grown{0, 1, 2, 3, 4};
  Eigen::VectorXd five(5);
  five << latest, 0.0;
  CHECK_FALSE(secant.predict(0.05, grown, five, penalty, change, intercept_change));

  // A solution that did not converge starts the history again.
  secant.record(0.05, kActiveSet, latest, 0.0, false);
  secant.record(0.025, kActiveSet, latest, 0.0, true);
  CHECK_FALSE(secant.predict(0.0125, kActiveSet, latest, penalty, change, intercept_change));
}

TEST_CASE("The secant keeps the linear predictors of its last two solutions", "[secant]") {
  const Eigen::VectorXd b = values(0.1, 0.2, 0.3, 0.4);
  Eigen::VectorXd eta1(2), eta2(2), eta3(2);
  eta1 << 1.0, 2.0;
  eta2 << 3.0, 4.0;
  eta3 << 5.0, 6.0;
  PathSecant secant;
  secant.record(0.5, kActiveSet, b, 0.0, true, &eta1);
  CHECK(secant.latest_linear_predictor() == nullptr);  // one solution only
  secant.record(0.4, kActiveSet, b, 0.0, true, &eta2);
  REQUIRE(secant.latest_linear_predictor() != nullptr);
  REQUIRE(secant.older_linear_predictor() != nullptr);
  CHECK(*secant.latest_linear_predictor() == eta2);
  CHECK(*secant.older_linear_predictor() == eta1);
  secant.record(0.3, kActiveSet, b, 0.0, true, &eta3);
  CHECK(*secant.latest_linear_predictor() == eta3);
  CHECK(*secant.older_linear_predictor() == eta2);
  // A solution recorded without one, or one that did not converge, leaves none.
  secant.record(0.2, kActiveSet, b, 0.0, true);
  CHECK(secant.latest_linear_predictor() == nullptr);
  secant.record(0.1, kActiveSet, b, 0.0, true, &eta1);
  secant.record(0.05, kActiveSet, b, 0.0, true, &eta2);
  REQUIRE(secant.latest_linear_predictor() != nullptr);
  secant.record(0.04, kActiveSet, b, 0.0, false, &eta3);
  CHECK(secant.latest_linear_predictor() == nullptr);
}
