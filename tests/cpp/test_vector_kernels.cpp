// The dense inner-product and axpy kernels, every implementation this
// machine can run, against sums in long double: each result within the
// rounding bound of its length, for every length up to past the unrolled
// blocks and at every alignment.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include <glmsparse/vector_kernels.hpp>

namespace {

using glmsparse::kernels::Index;
constexpr double eps = std::numeric_limits<double>::epsilon();

struct Kernels {
  const char* name;
  double (*dot)(const double*, const double*, Index);
  std::pair<double, double> (*dot_pair)(const double*, const double*, const double*, Index);
  void (*axpy)(double, const double*, double*, Index);
  void (*weighted_axpy)(double, const double*, const double*, double*, Index);
  std::pair<double, double> (*weighted_moments)(const double*, const double*, Index);
};

std::vector<Kernels> runnable_kernels() {
  namespace k = glmsparse::kernels;
  std::vector<Kernels> all{{"portable", k::portable::dot, k::portable::dot_pair, k::portable::axpy,
                            k::portable::weighted_axpy, k::portable::weighted_moments},
                           {"dispatched", k::dot, k::dot_pair, k::axpy, k::weighted_axpy, k::weighted_moments}};
#ifdef GLMSPARSE_AVX2_KERNELS
  if (k::avx2_available())
    all.push_back({"avx2", k::avx2::dot, k::avx2::dot_pair, k::avx2::axpy, k::avx2::weighted_axpy,
                   k::avx2::weighted_moments});
#endif
  return all;
}

// Vectors of `length` values starting `offset` doubles into their buffer,
// so that every alignment is met.
struct Operands {
  std::vector<double> buffer_a, buffer_b, buffer_c, buffer_w;
  double *a, *b, *c, *w;
  Operands(std::mt19937& rng, Index length, Index offset) {
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_real_distribution<double> positive(0.0, 2.0);
    const auto size = static_cast<std::size_t>(length + offset + 1);
    buffer_a.resize(size);
    buffer_b.resize(size);
    buffer_c.resize(size);
    buffer_w.resize(size);
    for (std::size_t i = 0; i < size; ++i) {
      // Mixed magnitudes, so that the order of summation shows in the bits.
      buffer_a[i] = normal(rng) * std::pow(10.0, static_cast<double>(i % 5) - 2.0);
      buffer_b[i] = normal(rng);
      buffer_c[i] = normal(rng);
      buffer_w[i] = positive(rng);
    }
    a = buffer_a.data() + offset;
    b = buffer_b.data() + offset;
    c = buffer_c.data() + offset;
    w = buffer_w.data() + offset;
  }
};

// The exact-enough sum and the rounding bound of any order of summation
// (fused or not): n eps sum |a_i b_i|, plus underflow slack.
std::pair<long double, double> reference_dot(const double* a, const double* b, Index n) {
  long double sum = 0.0L, magnitude = 0.0L;
  for (Index i = 0; i < n; ++i) {
    sum += static_cast<long double>(a[i]) * b[i];
    magnitude += std::abs(static_cast<long double>(a[i]) * b[i]);
  }
  return {sum, static_cast<double>(n + 1) * eps * static_cast<double>(magnitude) + 1e-300};
}

}  // namespace

TEST_CASE("dense kernels agree with long double sums for every length and alignment", "[kernels]") {
  std::mt19937 rng(20261205);
  std::vector<Index> lengths;
  for (Index n = 0; n <= 70; ++n) lengths.push_back(n);
  for (Index n : {127, 128, 129, 1000, 4099}) lengths.push_back(n);
  const double alpha = -0.73;
  for (const Kernels& kernels : runnable_kernels()) {
    for (Index n : lengths) {
      for (Index offset = 0; offset < 4; ++offset) {
        INFO(kernels.name << ", length " << n << ", offset " << offset);
        Operands v(rng, n, offset);

        const auto expected = reference_dot(v.a, v.b, n);
        const double dot = kernels.dot(v.a, v.b, n);
        CHECK(std::abs(dot - static_cast<double>(expected.first)) <= expected.second);

        const auto pair = kernels.dot_pair(v.a, v.b, v.c, n);
        const auto expected_c = reference_dot(v.a, v.c, n);
        CHECK(std::abs(pair.first - static_cast<double>(expected.first)) <= expected.second);
        CHECK(std::abs(pair.second - static_cast<double>(expected_c.first)) <= expected_c.second);

        long double first = 0.0L, second = 0.0L, first_size = 0.0L;
        for (Index i = 0; i < n; ++i) {
          first += static_cast<long double>(v.w[i]) * v.a[i];
          first_size += std::abs(static_cast<long double>(v.w[i]) * v.a[i]);
          second += static_cast<long double>(v.w[i]) * v.a[i] * v.a[i];
        }
        const auto moments = kernels.weighted_moments(v.a, v.w, n);
        // Each term is itself a rounded product: one more eps per term.
        CHECK(std::abs(moments.first - static_cast<double>(first)) <=
              static_cast<double>(n + 1) * eps * static_cast<double>(first_size) + 1e-300);
        CHECK(std::abs(moments.second - static_cast<double>(second)) <=
              static_cast<double>(n + 2) * eps * static_cast<double>(second) + 1e-300);

        std::vector<double> y(v.c, v.c + n), weighted_y(v.c, v.c + n);
        kernels.axpy(alpha, v.a, y.data(), n);
        kernels.weighted_axpy(alpha, v.a, v.w, weighted_y.data(), n);
        for (Index i = 0; i < n; ++i) {
          const long double term = static_cast<long double>(alpha) * v.a[i];
          const long double weighted_term = term * v.w[i];
          const double exact = static_cast<double>(v.c[i] + term);
          const double weighted_exact = static_cast<double>(v.c[i] + weighted_term);
          REQUIRE(std::abs(y[static_cast<std::size_t>(i)] - exact) <=
                  2.0 * eps * (std::abs(v.c[i]) + std::abs(static_cast<double>(term))));
          REQUIRE(std::abs(weighted_y[static_cast<std::size_t>(i)] - weighted_exact) <=
                  3.0 * eps * (std::abs(v.c[i]) + std::abs(static_cast<double>(weighted_term))));
        }
      }
    }
  }
}

TEST_CASE("the largest magnitude is exact, and NaN wherever an entry is not finite", "[kernels]") {
  namespace k = glmsparse::kernels;
  std::vector<double (*)(const double*, Index)> implementations{k::portable::largest_magnitude,
                                                                 k::largest_magnitude};
#ifdef GLMSPARSE_AVX2_KERNELS
  if (k::avx2_available()) implementations.push_back(k::avx2::largest_magnitude);
#endif
  std::mt19937 rng(5);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double not_finite[] = {std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::infinity(),
                               -std::numeric_limits<double>::infinity()};
  for (auto largest_magnitude : implementations) {
    CHECK(largest_magnitude(nullptr, 0) == 0.0);
    for (Index n = 1; n <= 21; ++n) {
      std::vector<double> x(static_cast<std::size_t>(n));
      for (double& value : x) value = normal(rng);
      for (Index at = 0; at < n; ++at) {
        INFO("length " << n << ", special entry at " << at);
        std::vector<double> y = x;
        y[static_cast<std::size_t>(at)] = -1e300;
        CHECK(largest_magnitude(y.data(), n) == 1e300);
        for (double bad : not_finite) {
          y[static_cast<std::size_t>(at)] = bad;
          CHECK(std::isnan(largest_magnitude(y.data(), n)));
        }
      }
    }
  }
}

TEST_CASE("a kernel's result depends on the data only, not on its alignment", "[kernels]") {
  std::mt19937 rng(7);
  const Index n = 1031;
  Operands aligned(rng, n, 0);
  for (Index offset = 1; offset < 4; ++offset) {
    Operands shifted(rng, n, offset);
    std::copy(aligned.a, aligned.a + n, shifted.a);
    std::copy(aligned.b, aligned.b + n, shifted.b);
    std::copy(aligned.c, aligned.c + n, shifted.c);
    for (const Kernels& kernels : runnable_kernels()) {
      INFO(kernels.name << ", offset " << offset);
      CHECK(kernels.dot(shifted.a, shifted.b, n) == kernels.dot(aligned.a, aligned.b, n));
      CHECK(kernels.dot_pair(shifted.a, shifted.b, shifted.c, n) ==
            kernels.dot_pair(aligned.a, aligned.b, aligned.c, n));
    }
  }
}

TEST_CASE("the dispatched kernels are the AVX2 ones wherever the processor has AVX2 and FMA", "[kernels]") {
  namespace k = glmsparse::kernels;
  std::mt19937 rng(11);
  Operands v(rng, 999, 1);
  double expected = k::portable::dot(v.a, v.b, 999);
#ifdef GLMSPARSE_AVX2_KERNELS
  if (k::avx2_available()) expected = k::avx2::dot(v.a, v.b, 999);
#endif
  CHECK(k::dot(v.a, v.b, 999) == expected);
}

// The coordinate updates read a curvature with the gradient through
// dot_and_weighted_moments instead of calling dot and weighted_moments in
// turn: a path must not change by a bit, so every implementation must give
// exactly the separate kernels' numbers, whatever the length (the 16-row
// blocks, each function's own tail) and the alignment.
TEST_CASE("the dot and the weighted moments read together are the separate kernels' numbers", "[kernels]") {
  namespace k = glmsparse::kernels;
  struct Implementation {
    const char* name;
    double (*dot)(const double*, const double*, Index);
    std::pair<double, double> (*weighted_moments)(const double*, const double*, Index);
    k::DotAndMoments (*together)(const double*, const double*, const double*, Index);
  };
  std::vector<Implementation> implementations{
      {"portable", k::portable::dot, k::portable::weighted_moments, k::portable::dot_and_weighted_moments},
      {"dispatched", k::dot, k::weighted_moments, k::dot_and_weighted_moments}};
#ifdef GLMSPARSE_AVX2_KERNELS
  if (k::avx2_available())
    implementations.push_back({"avx2", k::avx2::dot, k::avx2::weighted_moments, k::avx2::dot_and_weighted_moments});
#endif
  std::mt19937 rng(13);
  std::vector<Index> lengths;
  for (Index n = 0; n <= 70; ++n) lengths.push_back(n);
  for (Index n : {1000, 4999, 5003}) lengths.push_back(n);
  for (const Implementation& implementation : implementations) {
    for (Index n : lengths) {
      for (Index offset = 0; offset < 4; ++offset) {
        Operands v(rng, n, offset);
        INFO(implementation.name << ", n = " << n << ", offset " << offset);
        const k::DotAndMoments together = implementation.together(v.a, v.b, v.w, n);
        const auto moments = implementation.weighted_moments(v.a, v.w, n);
        CHECK(together.dot == implementation.dot(v.a, v.b, n));
        CHECK(together.first == moments.first);
        CHECK(together.second == moments.second);
      }
    }
  }
}
