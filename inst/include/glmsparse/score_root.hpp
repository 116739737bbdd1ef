// The root of a decreasing score s(b) = dL/db (up to sign) of a convex 1-D
// loss, as the null intercepts need: Newton steps b + s(b) / I(b), with I
// the exact (unfloored) information, kept inside a bracket of the root.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

namespace glmsparse {

// The middle of [below, above] on an asinh scale: linear near 0,
// logarithmic for large |b|. A Newton step on an information of 4e-76
// (multinomial offsets thousands apart under weights of 1e150) once went
// 2e225 past a root of order 1e3; halving such a bracket arithmetically takes
// some 750 steps to come back to the root's scale, this about ten.
inline double bracket_midpoint(double below, double above) {
  const double middle = std::sinh(0.5 * (std::asinh(below) + std::asinh(above)));
  // Rounding of the round trip must not leave the bracket.
  return middle > below && middle < above ? middle : below + 0.5 * (above - below);
}

// `score_information(b, score, information)` sets s(b) and I(b). Starts at
// `start`; returns the root to about 1e-12 relative, or the last finite
// point. Where a Newton step leaves the bracket, or the information
// underflows (means rounded to their limits under large offsets), the
// bracket is halved, or widened while it is open on one side.
template <class ScoreInformation>
double decreasing_score_root(double start, ScoreInformation score_information, int max_iterations = 200) {
  double b = start;
  double below = -std::numeric_limits<double>::infinity();  // score > 0 there
  double above = std::numeric_limits<double>::infinity();   // score < 0 there
  for (int iteration = 0; iteration < max_iterations; ++iteration) {
    double score = 0.0, information = 0.0;
    score_information(b, score, information);
    if (score == 0.0 || !std::isfinite(score)) break;
    (score > 0.0 ? below : above) = b;
    double next = information > 0.0 ? b + score / information : b;
    // A Newton step within b's rounding (a score of 1e-156 at a mean of
    // 1e-142) means b is the root: the bracket test would reject it, b
    // being its own bound, and widen the bracket away from the root.
    if (information > 0.0 && std::abs(next - b) <= 1e-12 * std::max(1.0, std::abs(b))) return next;
    if (!(next > below && next < above)) {
      const double width = std::max(1.0, std::abs(b));
      if (std::isinf(above)) next = b + width;
      else if (std::isinf(below)) next = b - width;
      else next = bracket_midpoint(below, above);
    }
    const bool settled = std::abs(next - b) <= 1e-12 * std::max(1.0, std::abs(b));
    b = next;
    if (settled) break;
  }
  return std::isfinite(b) ? b : start;
}

}  // namespace glmsparse
