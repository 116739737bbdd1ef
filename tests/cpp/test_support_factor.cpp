// SupportFactor: the Cholesky factor kept across appends, removals and ridge
// changes solves the same systems as a factorization from scratch.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include <glmsparse/support_newton.hpp>

#include "helpers.hpp"

namespace {

struct GramFixture {
  Eigen::MatrixXd gram;
  Eigen::VectorXd penalty_factor;

  GramFixture(std::mt19937& rng, Eigen::Index n, Eigen::Index p) {
    const Eigen::MatrixXd x = test_helpers::random_matrix(rng, n, p, 0.2);
    gram = x.transpose() * x / static_cast<double>(n);
    penalty_factor = test_helpers::random_uniform(rng, p, 0.0, 2.0);
  }

  Eigen::VectorXd curvature() const { return gram.diagonal(); }

  auto cross_products() const {
    return [this](const std::vector<Eigen::Index>& columns, const std::vector<Eigen::Index>& rows,
                  Eigen::MatrixXd& out) {
      out.resize(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(columns.size()));
      for (std::size_t c = 0; c < columns.size(); ++c)
        for (std::size_t r = 0; r < rows.size(); ++r)
          out(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = gram(rows[r], columns[c]);
    };
  }
  auto factors() const {
    return [this](Eigen::Index j) { return penalty_factor[j]; };
  }

  // Solves (G_SS + ridge diag(pf_S)) x = rhs directly, members in the factor's order.
  Eigen::VectorXd direct_solve(const std::vector<Eigen::Index>& members, double ridge,
                               const Eigen::VectorXd& rhs) const {
    const auto m = static_cast<Eigen::Index>(members.size());
    Eigen::MatrixXd h(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
      for (Eigen::Index b = 0; b < m; ++b)
        h(a, b) = gram(members[static_cast<std::size_t>(a)], members[static_cast<std::size_t>(b)]);
    for (Eigen::Index a = 0; a < m; ++a)
      h(a, a) += ridge * penalty_factor[members[static_cast<std::size_t>(a)]];
    return h.ldlt().solve(rhs);
  }
};

void check_solves(const GramFixture& fixture, const glmsparse::SupportFactor& factor,
                  const std::vector<Eigen::Index>& support, double ridge, std::mt19937& rng) {
  std::vector<Eigen::Index> members = factor.members();
  std::vector<Eigen::Index> sorted_members = members, sorted_support = support;
  std::sort(sorted_members.begin(), sorted_members.end());
  std::sort(sorted_support.begin(), sorted_support.end());
  REQUIRE(sorted_members == sorted_support);
  const Eigen::VectorXd rhs = test_helpers::random_vector(rng, factor.size());
  Eigen::VectorXd solution = rhs;
  factor.solve(solution);
  const Eigen::VectorXd expected = fixture.direct_solve(members, ridge, rhs);
  CHECK((solution - expected).cwiseAbs().maxCoeff() <= 1e-9 * (1.0 + expected.cwiseAbs().maxCoeff()));
}

// A random nonempty subset of the variables 0, ..., p - 1, in random order.
std::vector<Eigen::Index> random_support(std::mt19937& rng, Eigen::Index p) {
  std::vector<Eigen::Index> all(static_cast<std::size_t>(p));
  std::iota(all.begin(), all.end(), Eigen::Index{0});
  std::shuffle(all.begin(), all.end(), rng);
  const std::size_t size = 1 + static_cast<std::size_t>(rng() % static_cast<unsigned>(p));
  return std::vector<Eigen::Index>(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(size));
}

}  // namespace

TEST_CASE("SupportFactor follows supports that grow, shrink and change", "[support]") {
  std::mt19937 rng(31);
  const Eigen::Index p = 40;
  GramFixture fixture(rng, 200, p);
  for (bool keep_gram : {false, true}) {
    INFO("keep_gram " << keep_gram);
    glmsparse::SupportFactor factor(p, p, keep_gram);
    double ridge = 0.0;
    for (int round = 0; round < 30; ++round) {
      INFO("round " << round);
      const std::vector<Eigen::Index> support = random_support(rng, p);
      if (round % 5 == 4) ridge = 0.05 * static_cast<double>(round);
      REQUIRE(factor.factorize(support, ridge, fixture.curvature(), fixture.factors(),
                               fixture.cross_products()));
      check_solves(fixture, factor, support, ridge, rng);
      // Removing members one at a time keeps the factor exact.
      for (int drop = 0; drop < 3 && factor.size() > 1; ++drop) {
        const auto k = static_cast<Eigen::Index>(rng() % static_cast<unsigned>(factor.size()));
        std::vector<Eigen::Index> remaining = factor.members();
        remaining.erase(remaining.begin() + k);
        factor.remove_member(k);
        check_solves(fixture, factor, remaining, ridge, rng);
      }
    }
  }
}

TEST_CASE("SupportFactor leaves out a column in the span of the others", "[support]") {
  std::mt19937 rng(32);
  Eigen::MatrixXd x = test_helpers::random_matrix(rng, 50, 5, 0.0);
  x.col(4) = x.col(0) - 2.0 * x.col(1);
  GramFixture fixture(rng, 50, 5);
  fixture.gram = x.transpose() * x;
  glmsparse::SupportFactor factor(5, 5, false);
  CHECK(factor.factorize({0, 1, 2}, 0.0, fixture.curvature(), fixture.factors(),
                         fixture.cross_products()));
  // The dependent column is left out; the others stay usable.
  CHECK(factor.factorize({0, 1, 2, 4}, 0.0, fixture.curvature(), fixture.factors(),
                         fixture.cross_products()));
  std::vector<Eigen::Index> members = factor.members();
  std::sort(members.begin(), members.end());
  CHECK(members == std::vector<Eigen::Index>{0, 1, 2});
  // Joining in one batch, the dependent column is left out and those after
  // it still join with exact rows.
  glmsparse::SupportFactor batch(5, 5, true);
  CHECK(batch.factorize({0, 1, 4, 3, 2}, 0.0, fixture.curvature(), fixture.factors(),
                        fixture.cross_products()));
  members = batch.members();
  CHECK(members == std::vector<Eigen::Index>{0, 1, 3, 2});
  check_solves(fixture, batch, {0, 1, 2, 3}, 0.0, rng);
  // A ridge makes the same support well posed.
  glmsparse::SupportFactor ridged(5, 5, true);
  CHECK(ridged.factorize({0, 1, 2, 4}, 1.0, fixture.curvature(), fixture.factors(),
                         fixture.cross_products()));
}

TEST_CASE("SupportFactor declines supports above its size limit", "[support]") {
  std::mt19937 rng(33);
  GramFixture fixture(rng, 60, 10);
  glmsparse::SupportFactor factor(10, 4, false);
  CHECK(factor.factorize({1, 2, 3, 4}, 0.0, fixture.curvature(), fixture.factors(),
                         fixture.cross_products()));
  CHECK_FALSE(factor.factorize({1, 2, 3, 4, 5}, 0.0, fixture.curvature(), fixture.factors(),
                               fixture.cross_products()));
}

TEST_CASE("SupportFactor::update_cost counts the cross products that factorize asks for", "[support]") {
  std::mt19937 rng(34);
  const Eigen::Index p = 30;
  GramFixture fixture(rng, 120, p);
  // With a cross product far dearer than any other step, the estimate over
  // its price is the number of cross products factorize() requests.
  const double price = 1e12;
  for (bool keep_gram : {false, true}) {
    INFO("keep_gram " << keep_gram);
    glmsparse::SupportFactor factor(p, p, keep_gram);
    double ridge = 0.0;
    for (int round = 0; round < 20; ++round) {
      INFO("round " << round);
      const std::vector<Eigen::Index> support = random_support(rng, p);
      if (round % 4 == 3) ridge = 0.1 * static_cast<double>(round);
      const double estimate = factor.update_cost(support, ridge, price);
      double requested = 0.0;
      const auto inner = fixture.cross_products();
      auto counting = [&](const std::vector<Eigen::Index>& columns, const std::vector<Eigen::Index>& rows,
                          Eigen::MatrixXd& out) {
        requested += static_cast<double>(columns.size() * rows.size());
        inner(columns, rows, out);
      };
      REQUIRE(factor.factorize(support, ridge, fixture.curvature(), fixture.factors(), counting));
      CHECK(estimate / price == Approx(requested).margin(1e-3));
      // Once the factor describes the support, a solve needs no update.
      std::vector<Eigen::Index> members = factor.members();
      CHECK(factor.update_cost(members, ridge, price) == 0.0);
      // A new ridge shift refactors a kept Gram block without new cross
      // products, or rebuilds the factor from them.
      const double shifted = factor.update_cost(members, ridge + 1.0, price);
      const auto m = static_cast<double>(members.size());
      if (keep_gram) {
        CHECK(shifted > 0.0);
        CHECK(shifted < price);
      } else {
        CHECK(shifted / price == Approx(m * m).margin(1e-3));
      }
    }
  }
}
