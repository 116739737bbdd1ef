// Each family's loss on the original scale, written out independently of the
// core's datafits: with w the weights normalised to sum to 1 and Eta the
// n x K linear predictor,
//
//   gaussian, mgaussian:  L = 1/2 sum_i w_i ||y_i - eta_i||^2
//   binomial:             L = sum_i w_i (log(1 + e^eta_i) - y_i eta_i)
//   poisson:              L = sum_i w_i (e^eta_i - y_i eta_i)
//   multinomial:          L = sum_i w_i (log sum_k e^eta_ik - y_i' eta_i)
//   cox:                  L = sum_t D_t (log S_t - log D_t) - sum_i w_i d_i eta_i
//                         (Breslow; D_t the weight of the events at t, S_t the
//                         sum of w_j e^eta_j over the risk set, per stratum)
//
// with the gradient dL/dEta, a diagonal bound on the Hessian in Eta (exact for
// the separable families, the diagonal dominating the Hessian for multinomial
// and cox), the loss of the saturated model and the size of the terms (for
// the rounding error of L). For binomial and multinomial the bound is floored
// at the IRLS weight floor of glmnet (and the core), p (1 - p) >= 1e-5 (1 -
// 1e-5): nearly separated observations then take short Newton steps, and the
// solver's accuracy is relative to that curvature.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Dense>

#include "problem.hpp"

namespace fuzz {

constexpr double kCurvatureFloor = 1e-5 * (1.0 - 1e-5);

struct LossAt {
  double loss = 0.0;
  Eigen::MatrixXd gradient;   // dL/dEta, n x K
  Eigen::MatrixXd curvature;  // diagonal bound on d2L/dEta2, n x K
  double magnitude = 0.0;     // sum of the absolute values of the terms of L
};

inline double softplus(double eta) {
  return eta > 0.0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta));
}

inline double sigmoid(double eta) {
  return eta >= 0.0 ? 1.0 / (1.0 + std::exp(-eta)) : std::exp(eta) / (1.0 + std::exp(eta));
}

inline LossAt cox_loss(const Problem& problem, const Eigen::VectorXd& w, const Eigen::VectorXd& eta) {
  const glmsparse::SurvivalData& s = problem.survival;
  const Eigen::Index n = problem.n;
  LossAt at;
  at.gradient = Eigen::MatrixXd::Zero(n, 1);
  at.curvature = Eigen::MatrixXd::Zero(n, 1);
  auto stratum = [&](Eigen::Index i) { return s.strata.empty() ? 0 : s.strata[static_cast<std::size_t>(i)]; };
  auto at_risk = [&](Eigen::Index j, Eigen::Index event) {
    const double t = s.stop[event];
    return stratum(j) == stratum(event) && w[j] > 0.0 && s.stop[j] >= t &&
           (s.start.size() == 0 || s.start[j] < t);
  };
  std::vector<char> time_done(static_cast<std::size_t>(n), 0);
  for (Eigen::Index e = 0; e < n; ++e) {
    if (time_done[e] || s.status[e] != 1.0) continue;
    // Every event of e's stratum at e's time.
    double death_weight = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (s.status[i] == 1.0 && stratum(i) == stratum(e) && s.stop[i] == s.stop[e]) {
        death_weight += w[i];
        time_done[i] = 1;
      }
    }
    if (!(death_weight > 0.0)) continue;
    double top = -kInf;
    for (Eigen::Index j = 0; j < n; ++j)
      if (at_risk(j, e)) top = std::max(top, eta[j]);
    double scaled_sum = 0.0;
    for (Eigen::Index j = 0; j < n; ++j)
      if (at_risk(j, e)) scaled_sum += w[j] * std::exp(eta[j] - top);
    const double log_risk = top + std::log(scaled_sum);
    at.loss += death_weight * (log_risk - std::log(death_weight));
    // The log of a rounded sum is off by about eps even where it is near 0
    // (a risk set whose other rows weigh 1e-150 against 1): a log's
    // rounding is counted as that of a term of size |log| + 1.
    at.magnitude += death_weight * (std::abs(log_risk) + std::abs(std::log(death_weight)) + 1.0);
    for (Eigen::Index j = 0; j < n; ++j) {
      if (!at_risk(j, e)) continue;
      const double share = w[j] * std::exp(eta[j] - top) / scaled_sum;
      at.gradient(j, 0) += death_weight * share;
      at.curvature(j, 0) += death_weight * share;
    }
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    if (s.status[i] == 1.0 && w[i] > 0.0) {
      at.loss -= w[i] * eta[i];
      at.magnitude += w[i] * std::abs(eta[i]);
      at.gradient(i, 0) -= w[i];
    }
  }
  return at;
}

inline LossAt loss_at(const Problem& problem, const Eigen::VectorXd& w, const Eigen::MatrixXd& eta) {
  if (problem.family == Family::cox) return cox_loss(problem, w, eta.col(0));
  const Eigen::Index n = problem.n, classes = problem.n_responses;
  const Eigen::MatrixXd& y = problem.y;
  LossAt at;
  at.gradient.resize(n, classes);
  at.curvature.resize(n, classes);
  for (Eigen::Index i = 0; i < n; ++i) {
    // Zero-weight observations add nothing, even where their terms overflow.
    if (!(w[i] > 0.0)) {
      at.gradient.row(i).setZero();
      at.curvature.row(i).setZero();
      continue;
    }
    switch (problem.family) {
      case Family::gaussian:
      case Family::mgaussian:
        for (Eigen::Index k = 0; k < classes; ++k) {
          const double r = y(i, k) - eta(i, k);
          at.loss += 0.5 * w[i] * r * r;
          at.magnitude += 0.5 * w[i] * (y(i, k) * y(i, k) + eta(i, k) * eta(i, k));
          at.gradient(i, k) = -w[i] * r;
          at.curvature(i, k) = w[i];
        }
        break;
      case Family::binomial: {
        const double e = eta(i, 0), mu = sigmoid(e);
        at.loss += w[i] * (softplus(e) - y(i, 0) * e);
        at.magnitude += w[i] * (softplus(e) + std::abs(y(i, 0) * e));
        at.gradient(i, 0) = w[i] * (mu - y(i, 0));
        at.curvature(i, 0) = w[i] * std::max(mu * (1.0 - mu), kCurvatureFloor);
        break;
      }
      case Family::poisson: {
        const double e = eta(i, 0), mu = std::exp(e);
        at.loss += w[i] * (mu - y(i, 0) * e);
        at.magnitude += w[i] * (mu + std::abs(y(i, 0) * e));
        at.gradient(i, 0) = w[i] * (mu - y(i, 0));
        at.curvature(i, 0) = w[i] * mu;
        break;
      }
      case Family::multinomial: {
        const double top = eta.row(i).maxCoeff();
        const Eigen::RowVectorXd e = (eta.row(i).array() - top).exp().matrix();
        const double total = e.sum();
        const double log_normaliser = top + std::log(total);
        at.loss += w[i] * (log_normaliser - y.row(i).dot(eta.row(i)));
        at.magnitude += w[i] * (std::abs(log_normaliser) + y.row(i).cwiseAbs().dot(eta.row(i).cwiseAbs()));
        for (Eigen::Index k = 0; k < classes; ++k) {
          const double probability = e[k] / total;
          at.gradient(i, k) = w[i] * (probability - y(i, k));
          at.curvature(i, k) = w[i] * std::max(probability * (1.0 - probability), kCurvatureFloor);
        }
        break;
      }
      case Family::cox:
        break;
    }
  }
  return at;
}

inline double saturated_loss(const Problem& problem, const Eigen::VectorXd& w) {
  auto entropy = [](double q) { return q > 0.0 ? q * std::log(q) : 0.0; };
  double total = 0.0;
  for (Eigen::Index i = 0; i < problem.n; ++i) {
    if (!(w[i] > 0.0)) continue;
    const double y = problem.y(i, 0);
    switch (problem.family) {
      case Family::binomial: total -= w[i] * (entropy(y) + entropy(1.0 - y)); break;
      case Family::poisson: total += w[i] * (y > 0.0 ? y - y * std::log(y) : 0.0); break;
      case Family::multinomial:
        for (Eigen::Index k = 0; k < problem.n_responses; ++k) total -= w[i] * entropy(problem.y(i, k));
        break;
      default: break;
    }
  }
  return total;
}

}  // namespace fuzz
