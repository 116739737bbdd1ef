// The cross-validation losses of held-out observations: known values of each
// family's loss, the multinomial loss with two classes against the binomial
// one, mgaussian with one response against gaussian, and the weighted means
// against the per-observation losses.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <glmsparse/held_out_loss.hpp>

using glmsparse::LossFamily;
using glmsparse::LossMeasure;

namespace {

double one_loss(LossFamily family, LossMeasure measure, double y, double eta) {
  const Eigen::MatrixXd response = Eigen::MatrixXd::Constant(1, 1, y);
  const Eigen::MatrixXd link = Eigen::MatrixXd::Constant(1, 1, eta);
  return glmsparse::held_out_losses(family, measure, response, link)(0, 0);
}

}  // namespace

TEST_CASE("held-out losses take their known values", "[held_out_loss]") {
  using Catch::Matchers::WithinRel;
  CHECK_THAT(one_loss(LossFamily::gaussian, LossMeasure::squared_error, 3.0, 1.0), WithinRel(4.0));
  CHECK_THAT(one_loss(LossFamily::gaussian, LossMeasure::deviance, 3.0, 1.0), WithinRel(4.0));
  CHECK_THAT(one_loss(LossFamily::gaussian, LossMeasure::absolute_error, 3.0, 1.0), WithinRel(2.0));
  // A fitted probability of 1/2: deviance 2 log 2 whatever the outcome.
  CHECK_THAT(one_loss(LossFamily::binomial, LossMeasure::deviance, 1.0, 0.0), WithinRel(2.0 * std::log(2.0)));
  CHECK_THAT(one_loss(LossFamily::binomial, LossMeasure::deviance, 0.0, 0.0), WithinRel(2.0 * std::log(2.0)));
  CHECK_THAT(one_loss(LossFamily::binomial, LossMeasure::squared_error, 1.0, 0.0), WithinRel(0.5));
  CHECK_THAT(one_loss(LossFamily::binomial, LossMeasure::absolute_error, 0.0, 0.0), WithinRel(1.0));
  // A probability of exactly 1/2 counts as a misclassification either way.
  CHECK(one_loss(LossFamily::binomial, LossMeasure::misclassification, 1.0, 0.0) == 1.0);
  CHECK(one_loss(LossFamily::binomial, LossMeasure::misclassification, 0.0, 0.0) == 1.0);
  CHECK(one_loss(LossFamily::binomial, LossMeasure::misclassification, 1.0, 0.1) == 0.0);
  CHECK(one_loss(LossFamily::binomial, LossMeasure::misclassification, 0.0, 0.1) == 1.0);
  // Probabilities are kept within [1e-5, 1 - 1e-5]: a confident wrong
  // prediction costs -2 log(1e-5), not infinity.
  CHECK_THAT(one_loss(LossFamily::binomial, LossMeasure::deviance, 0.0, 800.0), WithinRel(-2.0 * std::log(1e-5), 1e-9));
  // The poisson deviance vanishes at the observed count and is mu at y = 0.
  CHECK(std::abs(one_loss(LossFamily::poisson, LossMeasure::deviance, 4.0, std::log(4.0))) < 1e-14);
  CHECK_THAT(one_loss(LossFamily::poisson, LossMeasure::deviance, 0.0, std::log(3.0)), WithinRel(6.0));
  CHECK_THAT(one_loss(LossFamily::poisson, LossMeasure::squared_error, 2.0, std::log(3.0)), WithinRel(1.0));
  CHECK_THROWS(one_loss(LossFamily::poisson, LossMeasure::misclassification, 2.0, 0.0));
}

TEST_CASE("two-class multinomial losses equal the binomial ones", "[held_out_loss]") {
  std::mt19937 rng(11);
  std::normal_distribution<double> normal(0.0, 2.0);
  std::bernoulli_distribution coin(0.4);
  const Eigen::Index rows = 40, n_lambda = 3;
  Eigen::MatrixXd y_binomial(rows, 1), y_multinomial(rows, 2);
  Eigen::MatrixXd link_binomial(rows, n_lambda), link_multinomial(rows, 2 * n_lambda);
  for (Eigen::Index i = 0; i < rows; ++i) {
    y_binomial(i, 0) = coin(rng) ? 1.0 : 0.0;
    y_multinomial(i, 0) = 1.0 - y_binomial(i, 0);
    y_multinomial(i, 1) = y_binomial(i, 0);
    for (Eigen::Index l = 0; l < n_lambda; ++l) {
      // Class 2 against class 1: the binomial log-odds. Shifting both
      // classes' predictors leaves the probabilities unchanged.
      const double shift = normal(rng), eta = normal(rng);
      link_binomial(i, l) = eta;
      link_multinomial(i, 2 * l) = shift;
      link_multinomial(i, 2 * l + 1) = shift + eta;
    }
  }
  for (LossMeasure measure : {LossMeasure::deviance, LossMeasure::squared_error,
                              LossMeasure::absolute_error, LossMeasure::misclassification}) {
    const Eigen::MatrixXd binomial =
        glmsparse::held_out_losses(LossFamily::binomial, measure, y_binomial, link_binomial);
    const Eigen::MatrixXd multinomial = glmsparse::held_out_losses(
        LossFamily::multinomial, measure, y_multinomial, link_multinomial);
    REQUIRE(multinomial.rows() == rows);
    REQUIRE(multinomial.cols() == n_lambda);
    CHECK((binomial - multinomial).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("one-response mgaussian losses equal the gaussian ones; means are weighted means",
          "[held_out_loss]") {
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.1, 2.0);
  const Eigen::Index rows = 25, n_lambda = 4;
  Eigen::MatrixXd y(rows, 1), link(rows, n_lambda);
  Eigen::VectorXd weights(rows);
  for (Eigen::Index i = 0; i < rows; ++i) {
    y(i, 0) = normal(rng);
    weights[i] = unit(rng);
    for (Eigen::Index l = 0; l < n_lambda; ++l) link(i, l) = normal(rng);
  }
  for (LossMeasure measure : {LossMeasure::squared_error, LossMeasure::absolute_error}) {
    const Eigen::MatrixXd gaussian = glmsparse::held_out_losses(LossFamily::gaussian, measure, y, link);
    const Eigen::MatrixXd mgaussian = glmsparse::held_out_losses(LossFamily::mgaussian, measure, y, link);
    CHECK((gaussian - mgaussian).cwiseAbs().maxCoeff() == 0.0);
    const Eigen::VectorXd means =
        glmsparse::held_out_mean_losses(LossFamily::gaussian, measure, y, link, weights);
    const Eigen::VectorXd expected = gaussian.transpose() * weights / weights.sum();
    CHECK((means - expected).cwiseAbs().maxCoeff() < 1e-13 * expected.cwiseAbs().maxCoeff());
  }
  // A link with a number of columns that is not a multiple of K is refused.
  const Eigen::MatrixXd two_responses = Eigen::MatrixXd::Zero(rows, 2);
  CHECK_THROWS(glmsparse::held_out_losses(LossFamily::mgaussian, LossMeasure::squared_error,
                                          two_responses, Eigen::MatrixXd::Zero(rows, 3)));
}
