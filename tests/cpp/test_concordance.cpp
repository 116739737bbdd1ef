// Harrell's concordance index against its definition, pair by pair: right
// censored and (start, stop] data, tied times, tied scores, zero weights.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include <glmsparse/concordance.hpp>

namespace {

// O(n^2) over the pairs, straight from the definition in concordance.hpp.
double concordance_by_pairs(const Eigen::VectorXd& start, const Eigen::VectorXd& stop,
                            const Eigen::VectorXd& status, const Eigen::VectorXd& weights,
                            const Eigen::VectorXd& score) {
  double concordant = 0, discordant = 0, tied = 0;
  for (Eigen::Index i = 0; i < stop.size(); ++i) {
    if (status[i] == 0) continue;
    const double t = stop[i];
    for (Eigen::Index j = 0; j < stop.size(); ++j) {
      if (j == i) continue;
      const bool later = stop[j] > t || (stop[j] == t && status[j] == 0);
      const bool entered = start.size() == 0 || start[j] < t;
      if (!later || !entered) continue;
      const double w = weights[i] * weights[j];
      if (score[i] > score[j]) concordant += w;
      else if (score[i] < score[j]) discordant += w;
      else tied += w;
    }
  }
  return (concordant + 0.5 * tied) / (concordant + discordant + tied);
}

struct SurvivalSample {
  Eigen::VectorXd start, stop, status, weights, score;
};

// Times on a coarse grid so that ties are common; scores rounded likewise.
SurvivalSample random_sample(std::mt19937& rng, Eigen::Index n, bool counting) {
  std::uniform_int_distribution<int> time(1, 12), coarse(0, 6);
  std::bernoulli_distribution event(0.6), zero_weight(0.1);
  std::uniform_real_distribution<double> weight(0.2, 2.0);
  SurvivalSample s;
  s.stop.resize(n);
  s.status.resize(n);
  s.weights.resize(n);
  s.score.resize(n);
  if (counting) s.start.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    s.stop[i] = time(rng);
    if (counting) s.start[i] = s.stop[i] - 1 - coarse(rng) % 3;
    s.status[i] = event(rng) ? 1 : 0;
    s.weights[i] = zero_weight(rng) ? 0.0 : weight(rng);
    s.score[i] = 0.5 * coarse(rng);
  }
  return s;
}

}  // namespace

TEST_CASE("concordance index equals the pairwise definition", "[concordance]") {
  std::mt19937 rng(42);
  for (bool counting : {false, true}) {
    for (int replicate = 0; replicate < 20; ++replicate) {
      const SurvivalSample s = random_sample(rng, 40 + replicate, counting);
      const double expected = concordance_by_pairs(s.start, s.stop, s.status, s.weights, s.score);
      const double got = glmsparse::concordance_index(s.start, s.stop, s.status, s.weights, s.score);
      CHECK(got == Approx(expected).epsilon(1e-12));
    }
  }
}

TEST_CASE("concordance index is 1 for a perfect ranking and NaN without comparable pairs",
          "[concordance]") {
  Eigen::VectorXd none, stop(4), status(4), weights = Eigen::VectorXd::Ones(4), score(4);
  stop << 1, 2, 3, 4;
  status << 1, 1, 0, 1;
  score << 4, 3, 2, 1;  // the earliest failure has the highest risk
  CHECK(glmsparse::concordance_index(none, stop, status, weights, score) == 1.0);
  CHECK(glmsparse::concordance_index(none, stop, status, weights, -score) == 0.0);
  status.setZero();
  CHECK(std::isnan(glmsparse::concordance_index(none, stop, status, weights, score)));
}
