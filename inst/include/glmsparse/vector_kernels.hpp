// The inner loops over the rows of a dense column: inner products and
// axpy updates, most of the arithmetic of every fit on a dense X.
//
// R builds packages for the baseline instruction set, which on x86-64 means
// two-wide SSE2 vectors. Where the processor has AVX2 and FMA, these kernels
// run four-wide with fused multiply-adds instead, chosen once per process at
// run time; elsewhere they are Eigen's portable loops. Every thread uses the
// same kernels, so results do not depend on the number of threads; they may
// differ in the last bits between machines with and without AVX2, as with
// any optimized BLAS.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/Dense>

#if !defined(GLMSPARSE_PORTABLE_KERNELS) && defined(__x86_64__) && \
    (defined(__GNUC__) || defined(__clang__))
#define GLMSPARSE_AVX2_KERNELS 1
#include <immintrin.h>
#endif

namespace glmsparse {
namespace kernels {

using Eigen::Index;

// <x, r> with the moments (sum_i w_i x_i, sum_i w_i x_i^2).
struct DotAndMoments {
  double dot, first, second;
};

// Portable versions: Eigen's vectorization for the instruction set the
// package was compiled for.
namespace portable {

inline double dot(const double* a, const double* b, Index n) {
  return Eigen::Map<const Eigen::VectorXd>(a, n).dot(Eigen::Map<const Eigen::VectorXd>(b, n));
}

inline std::pair<double, double> dot_pair(const double* x, const double* a, const double* b, Index n) {
  return {dot(x, a, n), dot(x, b, n)};
}

// y += alpha * x
inline void axpy(double alpha, const double* x, double* y, Index n) {
  Eigen::Map<Eigen::VectorXd>(y, n).noalias() += alpha * Eigen::Map<const Eigen::VectorXd>(x, n);
}

// y += alpha * (x o w)
inline void weighted_axpy(double alpha, const double* x, const double* w, double* y, Index n) {
  Eigen::Map<Eigen::VectorXd>(y, n).noalias() +=
      alpha * Eigen::Map<const Eigen::VectorXd>(x, n).cwiseProduct(Eigen::Map<const Eigen::VectorXd>(w, n));
}

inline double largest_magnitude(const double* x, Index n) {
  double largest = 0.0;
  bool finite = true;
  for (Index i = 0; i < n; ++i) {
    const double magnitude = std::abs(x[i]);
    finite = finite && magnitude <= std::numeric_limits<double>::max();
    largest = magnitude > largest ? magnitude : largest;
  }
  return finite ? largest : std::numeric_limits<double>::quiet_NaN();
}

// (sum_i w_i x_i, sum_i w_i x_i^2).
inline std::pair<double, double> weighted_moments(const double* x, const double* w, Index n) {
  const Eigen::Map<const Eigen::VectorXd> column(x, n), weights(w, n);
  constexpr Index block = 512;  // the product stays in cache for the second sum
  Eigen::Matrix<double, block, 1> product;
  double first = 0.0, second = 0.0;
  Index begin = 0;
  for (; begin + block <= n; begin += block) {
    product = column.segment<block>(begin).cwiseProduct(weights.segment<block>(begin));
    first += product.sum();
    second += product.dot(column.segment<block>(begin));
  }
  const Index rest = n - begin;
  if (rest > 0) {
    first += column.tail(rest).dot(weights.tail(rest));
    second += column.tail(rest).cwiseProduct(column.tail(rest)).dot(weights.tail(rest));
  }
  return {first, second};
}

// out[k] = <columns[k], v> for k < count.
inline void dot_many(const double* const* columns, Index count, const double* v, Index n, double* out) {
  for (Index k = 0; k < count; ++k) out[k] = dot(columns[k], v, n);
}

inline DotAndMoments dot_and_weighted_moments(const double* x, const double* r, const double* w, Index n) {
  const auto moments = weighted_moments(x, w, n);
  return {dot(x, r, n), moments.first, moments.second};
}

}  // namespace portable

#ifdef GLMSPARSE_AVX2_KERNELS
// Four-wide with fused multiply-adds. The sums run in four accumulators of
// four lanes each, reduced in a fixed order, so a result depends only on
// the data and n, never on the pointers' alignment.
namespace avx2 {

__attribute__((target("avx2,fma"))) inline double horizontal_sum(__m256d v) {
  const __m128d low = _mm256_castpd256_pd128(v);
  const __m128d high = _mm256_extractf128_pd(v, 1);
  const __m128d pair = _mm_add_pd(low, high);
  return _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)));
}

// dot()'s accumulators, each four lanes.
struct DotSums {
  __m256d s0, s1, s2, s3;
};

// Adds rows [0, 16) of a and b, four to an accumulator.
__attribute__((target("avx2,fma"))) inline void add_dot_of_16(DotSums& sums, const double* a, const double* b) {
  sums.s0 = _mm256_fmadd_pd(_mm256_loadu_pd(a), _mm256_loadu_pd(b), sums.s0);
  sums.s1 = _mm256_fmadd_pd(_mm256_loadu_pd(a + 4), _mm256_loadu_pd(b + 4), sums.s1);
  sums.s2 = _mm256_fmadd_pd(_mm256_loadu_pd(a + 8), _mm256_loadu_pd(b + 8), sums.s2);
  sums.s3 = _mm256_fmadd_pd(_mm256_loadu_pd(a + 12), _mm256_loadu_pd(b + 12), sums.s3);
}

// The rows from i on, four-wide then one at a time, and the sum.
__attribute__((target("avx2,fma"))) inline double finish_dot(DotSums sums, const double* a, const double* b, Index i,
                                                             Index n) {
  for (; i + 4 <= n; i += 4) sums.s0 = _mm256_fmadd_pd(_mm256_loadu_pd(a + i), _mm256_loadu_pd(b + i), sums.s0);
  double sum = horizontal_sum(_mm256_add_pd(_mm256_add_pd(sums.s0, sums.s1), _mm256_add_pd(sums.s2, sums.s3)));
  for (; i < n; ++i) sum = std::fma(a[i], b[i], sum);
  return sum;
}

__attribute__((target("avx2,fma"))) inline double dot(const double* a, const double* b, Index n) {
  const __m256d zero = _mm256_setzero_pd();
  DotSums sums{zero, zero, zero, zero};
  Index i = 0;
  for (; i + 16 <= n; i += 16) add_dot_of_16(sums, a + i, b + i);
  return finish_dot(sums, a, b, i, n);
}

__attribute__((target("avx2,fma"))) inline std::pair<double, double> dot_pair(
    const double* x, const double* a, const double* b, Index n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = _mm256_setzero_pd();
  __m256d b0 = _mm256_setzero_pd(), b1 = _mm256_setzero_pd();
  Index i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256d x0 = _mm256_loadu_pd(x + i), x1 = _mm256_loadu_pd(x + i + 4);
    a0 = _mm256_fmadd_pd(x0, _mm256_loadu_pd(a + i), a0);
    a1 = _mm256_fmadd_pd(x1, _mm256_loadu_pd(a + i + 4), a1);
    b0 = _mm256_fmadd_pd(x0, _mm256_loadu_pd(b + i), b0);
    b1 = _mm256_fmadd_pd(x1, _mm256_loadu_pd(b + i + 4), b1);
  }
  for (; i + 4 <= n; i += 4) {
    const __m256d x0 = _mm256_loadu_pd(x + i);
    a0 = _mm256_fmadd_pd(x0, _mm256_loadu_pd(a + i), a0);
    b0 = _mm256_fmadd_pd(x0, _mm256_loadu_pd(b + i), b0);
  }
  double sum_a = horizontal_sum(_mm256_add_pd(a0, a1));
  double sum_b = horizontal_sum(_mm256_add_pd(b0, b1));
  for (; i < n; ++i) {
    sum_a += x[i] * a[i];
    sum_b += x[i] * b[i];
  }
  return {sum_a, sum_b};
}

__attribute__((target("avx2,fma"))) inline void axpy(double alpha, const double* x, double* y, Index n) {
  const __m256d factor = _mm256_set1_pd(alpha);
  Index i = 0;
  for (; i + 8 <= n; i += 8) {
    _mm256_storeu_pd(y + i, _mm256_fmadd_pd(factor, _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i)));
    _mm256_storeu_pd(y + i + 4,
                     _mm256_fmadd_pd(factor, _mm256_loadu_pd(x + i + 4), _mm256_loadu_pd(y + i + 4)));
  }
  for (; i + 4 <= n; i += 4)
    _mm256_storeu_pd(y + i, _mm256_fmadd_pd(factor, _mm256_loadu_pd(x + i), _mm256_loadu_pd(y + i)));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

__attribute__((target("avx2,fma"))) inline void weighted_axpy(double alpha, const double* x, const double* w,
                                                               double* y, Index n) {
  const __m256d factor = _mm256_set1_pd(alpha);
  Index i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d product = _mm256_mul_pd(_mm256_loadu_pd(x + i), _mm256_loadu_pd(w + i));
    _mm256_storeu_pd(y + i, _mm256_fmadd_pd(factor, product, _mm256_loadu_pd(y + i)));
  }
  for (; i < n; ++i) y[i] += alpha * (x[i] * w[i]);
}

__attribute__((target("avx2,fma"))) inline double largest_magnitude(const double* x, Index n) {
  const __m256d sign = _mm256_set1_pd(-0.0);
  const __m256d finite_limit = _mm256_set1_pd(std::numeric_limits<double>::max());
  __m256d largest = _mm256_setzero_pd();
  // All ones while every magnitude compared is at most the largest finite
  // double (a NaN compares false).
  __m256d finite = _mm256_castsi256_pd(_mm256_set1_epi64x(-1));
  Index i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d magnitude = _mm256_andnot_pd(sign, _mm256_loadu_pd(x + i));
    finite = _mm256_and_pd(finite, _mm256_cmp_pd(magnitude, finite_limit, _CMP_LE_OQ));
    largest = _mm256_max_pd(largest, magnitude);
  }
  double lanes[4];
  _mm256_storeu_pd(lanes, largest);
  const double head = portable::largest_magnitude(lanes, 4);
  const double tail = portable::largest_magnitude(x + i, n - i);
  if (_mm256_movemask_pd(finite) != 0xF || std::isnan(tail)) return std::numeric_limits<double>::quiet_NaN();
  return std::max(head, tail);
}

// weighted_moments()'s accumulators: (sum w x, sum w x^2), two of each.
struct MomentSums {
  __m256d first0, first1, second0, second1;
};

// Adds rows [0, 8) of x and w.
__attribute__((target("avx2,fma"))) inline void add_moments_of_8(MomentSums& sums, const double* x, const double* w) {
  const __m256d x0 = _mm256_loadu_pd(x), x1 = _mm256_loadu_pd(x + 4);
  const __m256d wx0 = _mm256_mul_pd(_mm256_loadu_pd(w), x0);
  const __m256d wx1 = _mm256_mul_pd(_mm256_loadu_pd(w + 4), x1);
  sums.first0 = _mm256_add_pd(sums.first0, wx0);
  sums.first1 = _mm256_add_pd(sums.first1, wx1);
  sums.second0 = _mm256_fmadd_pd(wx0, x0, sums.second0);
  sums.second1 = _mm256_fmadd_pd(wx1, x1, sums.second1);
}

// The rows from i on, eight at a time then one at a time, and the moments.
__attribute__((target("avx2,fma"))) inline std::pair<double, double> finish_moments(MomentSums sums, const double* x,
                                                                                    const double* w, Index i,
                                                                                    Index n) {
  for (; i + 8 <= n; i += 8) add_moments_of_8(sums, x + i, w + i);
  double first = horizontal_sum(_mm256_add_pd(sums.first0, sums.first1));
  double second = horizontal_sum(_mm256_add_pd(sums.second0, sums.second1));
  for (; i < n; ++i) {
    const double wx = w[i] * x[i];
    first += wx;
    second = std::fma(wx, x[i], second);
  }
  return {first, second};
}

__attribute__((target("avx2,fma"))) inline std::pair<double, double> weighted_moments(const double* x,
                                                                                       const double* w,
                                                                                       Index n) {
  const __m256d zero = _mm256_setzero_pd();
  return finish_moments(MomentSums{zero, zero, zero, zero}, x, w, 0, n);
}

// dot(x, r) and weighted_moments(x, w) in one read of x, bit for bit the
// same numbers: blocks of 16 rows feed both functions' accumulators in
// their order; the rows after the last block go through their own tails.
// The tails are the same functions as theirs; their fused multiply-adds
// are explicit (std::fma): left to the compiler, one kernel contracted
// where another did not.
__attribute__((target("avx2,fma"))) inline DotAndMoments dot_and_weighted_moments(const double* x,
                                                                                   const double* r,
                                                                                   const double* w,
                                                                                   Index n) {
  const __m256d zero = _mm256_setzero_pd();
  DotSums dot_sums{zero, zero, zero, zero};
  MomentSums moment_sums{zero, zero, zero, zero};
  Index i = 0;
  for (; i + 16 <= n; i += 16) {
    add_dot_of_16(dot_sums, x + i, r + i);
    add_moments_of_8(moment_sums, x + i, w + i);
    add_moments_of_8(moment_sums, x + i + 8, w + i + 8);
  }
  const auto moments = finish_moments(moment_sums, x, w, i, n);
  return {finish_dot(dot_sums, x, r, i, n), moments.first, moments.second};
}

// Four columns at a time against one vector, which is then read once per
// four columns. Each column's sum runs in one accumulator of four lanes, the
// same whatever the column's place in the list (but not dot()'s order).
__attribute__((target("avx2,fma"))) inline void dot_many(const double* const* columns, Index count,
                                                          const double* v, Index n, double* out) {
  Index k = 0;
  for (; k + 4 <= count; k += 4) {
    const double* c0 = columns[k];
    const double* c1 = columns[k + 1];
    const double* c2 = columns[k + 2];
    const double* c3 = columns[k + 3];
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
    Index i = 0;
    for (; i + 4 <= n; i += 4) {
      const __m256d shared = _mm256_loadu_pd(v + i);
      s0 = _mm256_fmadd_pd(_mm256_loadu_pd(c0 + i), shared, s0);
      s1 = _mm256_fmadd_pd(_mm256_loadu_pd(c1 + i), shared, s1);
      s2 = _mm256_fmadd_pd(_mm256_loadu_pd(c2 + i), shared, s2);
      s3 = _mm256_fmadd_pd(_mm256_loadu_pd(c3 + i), shared, s3);
    }
    double sums[4] = {horizontal_sum(s0), horizontal_sum(s1), horizontal_sum(s2), horizontal_sum(s3)};
    for (; i < n; ++i) {
      sums[0] += c0[i] * v[i];
      sums[1] += c1[i] * v[i];
      sums[2] += c2[i] * v[i];
      sums[3] += c3[i] * v[i];
    }
    for (int q = 0; q < 4; ++q) out[k + q] = sums[q];
  }
  for (; k < count; ++k) {
    __m256d s0 = _mm256_setzero_pd();
    Index i = 0;
    for (; i + 4 <= n; i += 4) s0 = _mm256_fmadd_pd(_mm256_loadu_pd(columns[k] + i), _mm256_loadu_pd(v + i), s0);
    double sum = horizontal_sum(s0);
    for (; i < n; ++i) sum += columns[k][i] * v[i];
    out[k] = sum;
  }
}

}  // namespace avx2

// True when the processor and the operating system support AVX2 and FMA.
inline bool avx2_available() {
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  }();
  return available;
}
#else
inline bool avx2_available() { return false; }
#endif

// The dispatching entry points.

inline double dot(const double* a, const double* b, Index n) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::dot(a, b, n);
#endif
  return portable::dot(a, b, n);
}

// (<x, a>, <x, b>) in one read of x.
inline std::pair<double, double> dot_pair(const double* x, const double* a, const double* b, Index n) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::dot_pair(x, a, b, n);
#endif
  return portable::dot_pair(x, a, b, n);
}

inline void axpy(double alpha, const double* x, double* y, Index n) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::axpy(alpha, x, y, n);
#endif
  portable::axpy(alpha, x, y, n);
}

inline void weighted_axpy(double alpha, const double* x, const double* w, double* y, Index n) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::weighted_axpy(alpha, x, w, y, n);
#endif
  portable::weighted_axpy(alpha, x, w, y, n);
}

// The largest |x_i|, or NaN if any x_i is NaN or infinite: the checks of
// an input in one read.
inline double largest_magnitude(const double* x, Index n) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::largest_magnitude(x, n);
#endif
  return portable::largest_magnitude(x, n);
}

// (sum_i w_i x_i, sum_i w_i x_i^2) in one read of x and w.
inline std::pair<double, double> weighted_moments(const double* x, const double* w, Index n) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::weighted_moments(x, w, n);
#endif
  return portable::weighted_moments(x, w, n);
}

// (<x, r>, sum_i w_i x_i, sum_i w_i x_i^2) in one read of x: the same
// numbers as dot(x, r) and weighted_moments(x, w).
inline DotAndMoments dot_and_weighted_moments(const double* x, const double* r, const double* w, Index n) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::dot_and_weighted_moments(x, r, w, n);
#endif
  return portable::dot_and_weighted_moments(x, r, w, n);
}

// out[k] = <columns[k], v> for k < count: many inner products with one
// vector, as in a column of a Gram matrix.
inline void dot_many(const double* const* columns, Index count, const double* v, Index n, double* out) {
#ifdef GLMSPARSE_AVX2_KERNELS
  if (avx2_available()) return avx2::dot_many(columns, count, v, n, out);
#endif
  portable::dot_many(columns, count, v, n, out);
}

}  // namespace kernels
}  // namespace glmsparse
