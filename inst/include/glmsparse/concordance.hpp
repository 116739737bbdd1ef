// Harrell's concordance index of risk scores for survival data, the
// cross-validation measure "C" of the Cox family.
//
// A pair (i, j) is comparable when i has an event at time t and j is at risk
// at t without an event there: stop_j > t, or stop_j = t and j censored (for
// counting-process data also start_j < t). The pair is concordant when the
// subject that failed first has the higher risk score, tied when the scores
// are equal, and weighs w_i w_j. Pairs of events at the same time are not
// comparable. Then
//
//   C = (concordant + tied / 2) / (concordant + discordant + tied).
//
// Strata are ignored: pairs are compared across the whole sample.
//
// Cost O(n log n) per score vector: subjects enter a Fenwick tree over the
// ranks of their scores as a sweep moves backwards in time through the
// stop times, and (counting-process data) leave it when the sweep passes
// their start time.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

namespace glmsparse {

namespace detail {

// Prefix sums of weights over score ranks 0..size-1.
class FenwickTree {
 public:
  explicit FenwickTree(std::size_t size) : tree_(size + 1, 0.0) {}
  void add(std::size_t rank, double weight) {
    for (std::size_t k = rank + 1; k < tree_.size(); k += k & (~k + 1)) tree_[k] += weight;
  }
  // Sum of the weights at ranks 0..rank-1.
  double below(std::size_t rank) const {
    double total = 0.0;
    for (std::size_t k = rank; k > 0; k -= k & (~k + 1)) total += tree_[k];
    return total;
  }

 private:
  std::vector<double> tree_;
};

}  // namespace detail

// Empty `start` for right-censored data. Returns NaN when no pair is
// comparable.
inline double concordance_index(const Eigen::VectorXd& start, const Eigen::VectorXd& stop,
                                const Eigen::VectorXd& status, const Eigen::VectorXd& weights,
                                const Eigen::VectorXd& score) {
  const std::size_t n = static_cast<std::size_t>(stop.size());
  const bool counting = start.size() > 0;
  auto at = [](const Eigen::VectorXd& v, std::size_t i) { return v[static_cast<Eigen::Index>(i)]; };

  // Score ranks, equal scores sharing a rank.
  std::vector<std::size_t> by_score(n);
  std::iota(by_score.begin(), by_score.end(), std::size_t{0});
  std::sort(by_score.begin(), by_score.end(),
            [&](std::size_t a, std::size_t b) { return at(score, a) < at(score, b); });
  std::vector<std::size_t> rank(n);
  std::size_t n_ranks = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (k > 0 && at(score, by_score[k]) > at(score, by_score[k - 1])) ++n_ranks;
    rank[by_score[k]] = n_ranks;
  }
  ++n_ranks;

  // Stop times descending, events before censorings at equal times so that,
  // sweeping backwards, the censored subjects of time t are in the tree when
  // the events of t are scored.
  std::vector<std::size_t> by_stop(n);
  std::iota(by_stop.begin(), by_stop.end(), std::size_t{0});
  std::sort(by_stop.begin(), by_stop.end(), [&](std::size_t a, std::size_t b) {
    if (at(stop, a) != at(stop, b)) return at(stop, a) > at(stop, b);
    return at(status, a) < at(status, b);
  });
  std::vector<std::size_t> by_start;
  if (counting) {
    by_start.resize(n);
    std::iota(by_start.begin(), by_start.end(), std::size_t{0});
    std::sort(by_start.begin(), by_start.end(),
              [&](std::size_t a, std::size_t b) { return at(start, a) > at(start, b); });
  }

  detail::FenwickTree at_risk(n_ranks);
  double tree_weight = 0.0;
  double concordant = 0.0, discordant = 0.0, tied = 0.0;
  std::size_t next_start = 0;
  std::size_t k = 0;
  while (k < n) {
    const double time = at(stop, by_stop[k]);
    // Subjects whose interval starts at or after t are not at risk at t.
    if (counting) {
      while (next_start < n && at(start, by_start[next_start]) >= time) {
        const std::size_t j = by_start[next_start++];
        // In the tree since the sweep passed stop_j > start_j >= t.
        at_risk.add(rank[j], -at(weights, j));
        tree_weight -= at(weights, j);
      }
    }
    // Censored subjects at t join first; then the events at t are scored
    // against the tree; then they join it too (for earlier times).
    std::size_t group_end = k;
    while (group_end < n && at(stop, by_stop[group_end]) == time) ++group_end;
    std::size_t first_event = group_end;
    for (std::size_t m = k; m < group_end; ++m) {
      const std::size_t i = by_stop[m];
      if (at(status, i) > 0) {
        first_event = std::min(first_event, m);
        continue;
      }
      if (counting && at(start, i) >= time) continue;
      at_risk.add(rank[i], at(weights, i));
      tree_weight += at(weights, i);
    }
    for (std::size_t m = k; m < group_end; ++m) {
      const std::size_t i = by_stop[m];
      if (!(at(status, i) > 0) || at(weights, i) <= 0.0) continue;
      const double lower = at_risk.below(rank[i]);
      const double lower_or_equal = at_risk.below(rank[i] + 1);
      const double w = at(weights, i);
      concordant += w * lower;
      tied += w * (lower_or_equal - lower);
      discordant += w * (tree_weight - lower_or_equal);
    }
    for (std::size_t m = first_event; m < group_end; ++m) {
      const std::size_t i = by_stop[m];
      if (!(at(status, i) > 0) || (counting && at(start, i) >= time)) continue;
      at_risk.add(rank[i], at(weights, i));
      tree_weight += at(weights, i);
    }
    k = group_end;
  }
  const double comparable = concordant + discordant + tied;
  if (!(comparable > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return (concordant + 0.5 * tied) / comparable;
}

}  // namespace glmsparse
