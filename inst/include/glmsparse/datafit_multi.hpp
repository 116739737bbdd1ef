// Datafits of the multi-response families, on an n x K linear predictor Eta
// (one column per class or response), with weights w normalised to sum 1:
//
//   multinomial:  L = sum_i w_i ( log sum_k exp(eta_ik) - sum_k y_ik eta_ik ),
//                 y_i a vector of class proportions (indicators or counts / total);
//   mgaussian:    L = 1/2 sum_i w_i ||y_i - eta_i||^2.
//
// Each gives the loss, its value for the saturated model, and the quadratic
// model used by a proximal Newton step: per-entry weights V (the diagonal of
// each class's block of the Hessian) and the weighted residual R = -dL/dEta.
// The model ignores the coupling between classes, so it splits into one
// weighted least-squares problem per class.
#pragma once

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

#include "path_driver.hpp"

namespace glmsparse {

class Multinomial {
 public:
  static constexpr const char* name = "multinomial";

  Multinomial(const Eigen::MatrixXd& y, const Eigen::VectorXd& weights) : y_(y), weights_(weights) {}

  Eigen::Index n_responses() const { return y_.cols(); }

  double loss(const Eigen::MatrixXd& eta) const {
    double total = 0.0;
    for (Eigen::Index i = 0; i < eta.rows(); ++i) {
      if (!(weights_[i] > 0.0)) continue;
      const double top = eta.row(i).maxCoeff();
      const double log_normaliser = top + std::log((eta.row(i).array() - top).exp().sum());
      total += weights_[i] * (log_normaliser - y_.row(i).dot(eta.row(i)));
    }
    return total;
  }

  double saturated_loss() const {
    double total = 0.0;
    for (Eigen::Index i = 0; i < y_.rows(); ++i)
      for (Eigen::Index k = 0; k < y_.cols(); ++k)
        if (y_(i, k) > 0.0) total -= weights_[i] * y_(i, k) * std::log(y_(i, k));
    return total;
  }

  // V_ik = w_i p_ik (1 - p_ik), floored as for the binomial family so that
  // the weights of (nearly) separated observations stay positive;
  // R_ik = w_i (y_ik - p_ik).
  void quadratic_model(const Eigen::MatrixXd& eta, Eigen::MatrixXd& v, Eigen::MatrixXd& r) const {
    const Eigen::Index n = eta.rows(), classes = eta.cols();
    v.resize(n, classes);
    r.resize(n, classes);
    Eigen::VectorXd probability(classes);
    for (Eigen::Index i = 0; i < n; ++i) {
      const double top = eta.row(i).maxCoeff();
      probability = (eta.row(i).array() - top).exp().transpose();
      probability /= probability.sum();
      for (Eigen::Index k = 0; k < classes; ++k) {
        const double p = probability[k];
        v(i, k) = weights_[i] * std::max(p * (1.0 - p), minimum_curvature);
        r(i, k) = weights_[i] * (y_(i, k) - p);
      }
    }
  }

  // A start for the intercepts: the log of each class's weighted share, the
  // null model's root without offsets. Only a share of 0 is floored (to keep
  // it finite): a tiny one (a weight of 1e150 on another class) is the root,
  // and Newton steps under the curvature floor would take it there only
  // 1e-6 at a time.
  double initial_intercept(Eigen::Index k) const {
    const double share = weights_.dot(y_.col(k));
    return std::log(share > 0.0 ? share : 1e-10);
  }

  // Only differences between classes matter: adding the same constant to
  // every class's coefficient of a variable (or intercept) leaves the loss
  // unchanged. Intercepts are reported summing to 0.
  static constexpr bool shift_invariant = true;
  static constexpr StallRule stall_rule = StallRule::absolute;

 private:
  static constexpr double minimum_curvature = 1e-5 * (1.0 - 1e-5);
  const Eigen::MatrixXd& y_;
  const Eigen::VectorXd& weights_;
};

class MultiGaussian {
 public:
  static constexpr const char* name = "mgaussian";

  MultiGaussian(const Eigen::MatrixXd& y, const Eigen::VectorXd& weights) : y_(y), weights_(weights) {}

  Eigen::Index n_responses() const { return y_.cols(); }

  double loss(const Eigen::MatrixXd& eta) const {
    double total = 0.0;
    for (Eigen::Index i = 0; i < eta.rows(); ++i)
      if (weights_[i] > 0.0) total += 0.5 * weights_[i] * (y_.row(i) - eta.row(i)).squaredNorm();
    return total;
  }

  double saturated_loss() const { return 0.0; }

  void quadratic_model(const Eigen::MatrixXd& eta, Eigen::MatrixXd& v, Eigen::MatrixXd& r) const {
    v = weights_.replicate(1, eta.cols());
    r = (y_ - eta).array().colwise() * weights_.array();
  }

  double initial_intercept(Eigen::Index k) const { return weights_.dot(y_.col(k)); }

  static constexpr bool shift_invariant = false;
  static constexpr StallRule stall_rule = StallRule::relative_to_unexplained;

 private:
  const Eigen::MatrixXd& y_;
  const Eigen::VectorXd& weights_;
};

}  // namespace glmsparse
