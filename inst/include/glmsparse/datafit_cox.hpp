// The Cox proportional hazards datafit, as glmnet's coxnet defines it: with
// weights w normalised to sum to 1, minus the weighted log partial likelihood
// with Breslow's handling of ties,
//
//   L(eta) = sum_t D_t log S_t - sum_i w_i d_i eta_i - sum_t D_t log D_t,
//   D_t = sum of w_i over the events at time t,
//   S_t = sum of w_j exp(eta_j) over the risk set of t,
//
// summed over strata, each with its own risk sets. The risk set of t holds
// the subjects with start_j < t <= stop_j (start = -infinity for right-censored
// data). The last term is the loss of the saturated model, subtracted so that
// L >= 0 and the deviance is 2 sum(w) L, as for the GLM datafits.
//
// L does not change when a constant is added to eta, so there is no intercept.
// Its Hessian is not diagonal; the quadratic model uses its diagonal,
//
//   dL/deta_k = w_k e^eta_k sum_{t: k at risk} D_t / S_t - w_k d_k,
//   H_kk      = w_k e^eta_k sum_{t: k at risk} D_t / S_t - (w_k e^eta_k)^2 sum D_t / S_t^2,
//
// which bounds the Hessian from above, so the model is a local majorizer.
// Subjects are sorted once, here; each evaluation is then O(n).
//
// Against overflow, S_t is kept as e^(m_t) s_t with m_t the largest eta of
// the weighted subjects of the stratum with stop >= t (a superset of the
// risk set, equal to it for right-censored data),
// so every exponential taken is of a non-positive number and s_t >= the
// largest term when that subject is at risk.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <Eigen/Dense>

#include "path_driver.hpp"

namespace glmsparse {

// A survival response: (start, stop] intervals or right-censored times.
struct SurvivalData {
  Eigen::VectorXd start;    // empty for right-censored data
  Eigen::VectorXd stop;     // time of the event or of censoring
  Eigen::VectorXd status;   // 1 event, 0 censored
  std::vector<int> strata;  // stratum of each subject; empty for one stratum
};

class Cox {
 public:
  static constexpr const char* name = "cox";
  // L(eta + c) = L(eta): the quadratic model may profile out a constant
  // shift, which amounts to centring each column by its curvature-weighted
  // mean and gives a closer model than the plain diagonal.
  static constexpr StallRule stall_rule = StallRule::relative_to_explained;
  static constexpr bool shift_invariant = true;
  // The IRLS weights are only the Hessian's diagonal.
  static constexpr bool exact_curvature = false;

  // `weights` as given by the caller; they are normalised here.
  Cox(const SurvivalData& survival, const Eigen::VectorXd& weights)
      : weights_(weights / weights.sum()), counting_(survival.start.size() > 0) {
    const Eigen::Index n = survival.stop.size();
    events_ = survival.status;
    stop_ = survival.stop;
    start_ = survival.start;
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    auto stratum_of = [&](Eigen::Index i) {
      return survival.strata.empty() ? 0 : survival.strata[static_cast<std::size_t>(i)];
    };
    std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
      return stratum_of(a) != stratum_of(b) ? stratum_of(a) < stratum_of(b) : stop_[a] < stop_[b];
    });
    by_stop_ = order;
    for (std::size_t begin = 0; begin < order.size();) {
      std::size_t end = begin;
      while (end < order.size() && stratum_of(order[end]) == stratum_of(order[begin])) ++end;
      add_stratum(begin, end);
      begin = end;
    }
    cumulative_first_.resize(n);
    cumulative_second_.resize(n);
  }

  // Each event time's term is taken with its own events' w_i eta_i, as
  // sum_i w_i (m_t - eta_i) + D_t (log s_t - log D_t) over the events i at t
  // (the D_t sum to those events' weights): m_t >= eta_i since i is at risk
  // at t, so no term is larger than the spread of eta within one risk set.
  // A shift common to all of eta would leave a fit with eta from 0 to 3e150
  // nothing of L but rounding error: -6e142 and +6e142 in other strata.
  double loss(const Eigen::VectorXd& eta) const {
    compute_risk_sums(eta);
    double total = 0.0;
    for_each_time_term(eta, [&](double event_part, double log_risk_part, double log_death_weight) {
      total += event_part + log_risk_part - log_death_weight;
    });
    return total;
  }

  // The diagonal of the Hessian (IRLS weights) and minus the gradient at eta.
  void quadratic_model(const Eigen::VectorXd& eta, Eigen::VectorXd& irls_weights,
                       Eigen::VectorXd& weighted_residual) const {
    compute_risk_sums(eta);
    const Eigen::Index n = eta.size();
    irls_weights.resize(n);
    weighted_residual.resize(n);
    // Per subject, the sums over its risk times of w_k e^eta_k D_t / S_t and
    // of its square over D_t: cumulative sums over the event times up to
    // stop_k, less those up to start_k.
    for (const Stratum& stratum : strata_) {
      accumulate_over_times(stratum, by_stop_, stop_, eta, +1.0);
      if (counting_) accumulate_over_times(stratum, by_start_, start_, eta, -1.0);
    }
    for (Eigen::Index k = 0; k < n; ++k) {
      const double first = cumulative_first_[k];
      const double second = cumulative_second_[k];
      irls_weights[k] = std::max(first - second, 0.0);
      weighted_residual[k] = (events_[k] != 0.0 ? weights_[k] : 0.0) - first;
    }
  }

  // The loss is measured from the saturated model.
  double saturated_loss() const { return 0.0; }

  // The sum of the magnitudes of the loss's terms, as loss() takes them;
  // each log errs by the unit roundoff whatever its size, hence the 2 D_t.
  double loss_scale(const Eigen::VectorXd& eta) const {
    compute_risk_sums(eta);
    double total = 0.0;
    for_each_time_term(eta, [&](double event_part, double log_risk_part, double log_death_weight) {
      total += event_part + std::abs(log_risk_part) + std::abs(log_death_weight);
    });
    for (const EventTime& time : times_) total += 2.0 * time.death_weight;
    return total;
  }

  // No intercept: any constant is absorbed by the risk sums.
  double null_intercept(const Eigen::VectorXd& /*offset*/) const { return 0.0; }

 private:
  // A distinct event time of a stratum, with positions in the sorted orders:
  // subjects from stop_position on (by stop) have stop >= t, those from
  // start_position on (by start) have start >= t and are not at risk.
  struct EventTime {
    double time;
    double death_weight;
    std::size_t stop_position;
    std::size_t ties_end;  // by stop, stop_position to here have stop == t
    std::size_t start_position;
  };
  struct Stratum {
    std::size_t begin, end;             // range in by_stop_ and by_start_
    std::size_t first_time, end_time;   // range in times_
  };

  void add_stratum(std::size_t begin, std::size_t end) {
    Stratum stratum{begin, end, times_.size(), times_.size()};
    if (counting_) {
      by_start_.resize(by_stop_.size());
      std::copy(by_stop_.begin() + begin, by_stop_.begin() + end, by_start_.begin() + begin);
      std::stable_sort(by_start_.begin() + begin, by_start_.begin() + end,
                       [&](Eigen::Index a, Eigen::Index b) { return start_[a] < start_[b]; });
    }
    for (std::size_t k = begin; k < end;) {
      const double time = stop_[by_stop_[k]];
      std::size_t next = k;
      double death_weight = 0.0;
      while (next < end && stop_[by_stop_[next]] == time) {
        const Eigen::Index i = by_stop_[next];
        if (events_[i] != 0.0) death_weight += weights_[i];
        ++next;
      }
      if (death_weight > 0.0) {
        std::size_t start_position = end;
        if (counting_) {
          start_position = static_cast<std::size_t>(
              std::lower_bound(by_start_.begin() + begin, by_start_.begin() + end, time,
                               [&](Eigen::Index i, double t) { return start_[i] < t; }) -
              by_start_.begin());
        }
        times_.push_back({time, death_weight, k, next, start_position});
      }
      k = next;
    }
    stratum.end_time = times_.size();
    strata_.push_back(stratum);
  }

  // For each event time, m_t and s_t = S_t e^(-m_t).
  void compute_risk_sums(const Eigen::VectorXd& eta) const {
    risk_sum_.resize(times_.size());
    risk_shift_.resize(times_.size());
    for (const Stratum& stratum : strata_) {
      // From the last event time back: subjects enter the risk set by stop
      // and (counting data) leave it by start. Compensated summation keeps
      // s_t accurate when most of what was added has left again.
      CompensatedSum sum;
      // What has been added and taken away, in magnitude: the running sum
      // errs by about eps times it (a term rescaled when the shift moves is
      // not taken away exactly as it was added).
      double gross = 0.0;
      double shift = -std::numeric_limits<double>::infinity();
      std::size_t stop_next = stratum.end, start_next = stratum.end;
      for (std::size_t t = stratum.end_time; t-- > stratum.first_time;) {
        while (stop_next > times_[t].stop_position) {
          const Eigen::Index i = by_stop_[--stop_next];
          if (weights_[i] > 0.0 && eta[i] > shift) {
            if (std::isfinite(shift)) {
              const double factor = std::exp(shift - eta[i]);
              sum.scale(factor);
              gross *= factor;
            }
            shift = eta[i];
          }
          if (weights_[i] > 0.0) {
            const double term = weights_[i] * std::exp(eta[i] - shift);
            sum.add(term);
            gross += term;
          }
        }
        if (counting_) {
          while (start_next > times_[t].start_position) {
            const Eigen::Index i = by_start_[--start_next];
            if (weights_[i] > 0.0) {
              const double term = weights_[i] * std::exp(eta[i] - shift);
              sum.add(-term);
              gross += term;
            }
          }
          // Subjects of weight 1 that have left, and one of weight 1e-300
          // still at risk, left a risk sum of -2e-17 (its log NaN): where
          // what is left is not far above the error, it is summed afresh.
          if (!(sum.value() > cancellation_limit * gross)) {
            sum = CompensatedSum();
            sum.add(risk_set_sum(stratum, t, eta, shift));
            gross = sum.value();
          }
        }
        risk_sum_[t] = sum.value();
        risk_shift_[t] = shift;
      }
    }
  }

  // A running risk sum below this fraction of the gross sum it came from has
  // lost more than its last five digits.
  static constexpr double cancellation_limit = 1e5 * std::numeric_limits<double>::epsilon();

  // For each event time t, after compute_risk_sums(eta): the events' part
  // sum_i w_i (m_t - eta_i) (>= 0), D_t log s_t and D_t log D_t.
  template <typename Visit>
  void for_each_time_term(const Eigen::VectorXd& eta, Visit visit) const {
    for (std::size_t t = 0; t < times_.size(); ++t) {
      const EventTime& time = times_[t];
      double event_part = 0.0;
      for (std::size_t k = time.stop_position; k < time.ties_end; ++k) {
        const Eigen::Index i = by_stop_[k];
        if (events_[i] != 0.0 && weights_[i] > 0.0) event_part += weights_[i] * (risk_shift_[t] - eta[i]);
      }
      visit(event_part, time.death_weight * std::log(risk_sum_[t]),
            time.death_weight * std::log(time.death_weight));
    }
  }

  // sum_j w_j e^(eta_j - shift) over the risk set of event time t (counting
  // data: the subjects with stop >= t whose start is before t), directly.
  double risk_set_sum(const Stratum& stratum, std::size_t t, const Eigen::VectorXd& eta, double shift) const {
    const double time = times_[t].time;
    double total = 0.0;
    for (std::size_t k = times_[t].stop_position; k < stratum.end; ++k) {
      const Eigen::Index i = by_stop_[k];
      if (weights_[i] > 0.0 && start_[i] < time) total += weights_[i] * std::exp(eta[i] - shift);
    }
    return total;
  }

  // For each subject k of the stratum, sign * sum over the event times
  // t <= time_k of w_k e^eta_k D_t / S_t and (w_k e^eta_k)^2 D_t / S_t^2,
  // with the subjects in `order` sorted by `time`; sign +1 sets, -1
  // subtracts. The running sums are kept relative to e^(m_t) of the last
  // time added, which can only fall as t grows, and k's factor
  // e^(eta_k - m_t) <= 1 since k has stop >= t.
  void accumulate_over_times(const Stratum& stratum, const std::vector<Eigen::Index>& order,
                             const Eigen::VectorXd& time, const Eigen::VectorXd& eta,
                             double sign) const {
    double first = 0.0, second = 0.0, shift = 0.0;
    std::size_t t = stratum.first_time;
    for (std::size_t k = stratum.begin; k < stratum.end; ++k) {
      const Eigen::Index i = order[k];
      while (t < stratum.end_time && times_[t].time <= time[i]) {
        if (t > stratum.first_time) {
          const double factor = std::exp(risk_shift_[t] - shift);
          first *= factor;
          second *= factor * factor;
        }
        shift = risk_shift_[t];
        const double inverse = 1.0 / risk_sum_[t];
        first += times_[t].death_weight * inverse;
        second += times_[t].death_weight * inverse * inverse;
        ++t;
      }
      double own_first = 0.0, own_second = 0.0;
      if (t > stratum.first_time && weights_[i] > 0.0) {
        const double relative_risk = weights_[i] * std::exp(eta[i] - shift);
        own_first = relative_risk * first;
        own_second = relative_risk * relative_risk * second;
      }
      if (sign > 0.0) {
        cumulative_first_[i] = own_first;
        cumulative_second_[i] = own_second;
      } else {
        cumulative_first_[i] -= own_first;
        cumulative_second_[i] -= own_second;
      }
    }
  }

  // Neumaier's compensated summation.
  class CompensatedSum {
   public:
    void add(double x) {
      const double t = sum_ + x;
      compensation_ += std::abs(sum_) >= std::abs(x) ? (sum_ - t) + x : (x - t) + sum_;
      sum_ = t;
    }
    double value() const { return sum_ + compensation_; }
    void scale(double factor) {
      sum_ *= factor;
      compensation_ *= factor;
    }

   private:
    double sum_ = 0.0, compensation_ = 0.0;
  };

  Eigen::VectorXd weights_;
  bool counting_;
  Eigen::VectorXd events_, stop_, start_;
  std::vector<Eigen::Index> by_stop_, by_start_;
  std::vector<EventTime> times_;
  std::vector<Stratum> strata_;
  // Workspace of each evaluation; an object serves one fit at a time.
  mutable Eigen::VectorXd cumulative_first_, cumulative_second_;
  mutable std::vector<double> risk_sum_, risk_shift_;
};

}  // namespace glmsparse
