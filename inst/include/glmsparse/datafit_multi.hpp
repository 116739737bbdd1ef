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
#include "score_root.hpp"

namespace glmsparse {

// Shifts v to sum to 0. One subtraction of the mean leaves a sum of the
// rounding of that mean, eps times the size of v before the shift, which
// can dwarf what is left (intercepts near 35 centred to 1e-3); a second
// takes that residue out.
inline void centre_to_zero_sum(Eigen::VectorXd& v) {
  v.array() -= v.mean();
  v.array() -= v.mean();
}

class Multinomial {
 public:
  static constexpr const char* name = "multinomial";

  Multinomial(const Eigen::MatrixXd& y, const Eigen::VectorXd& weights) : y_(y), weights_(weights) {}

  Eigen::Index n_responses() const { return y_.cols(); }

  // With y_i summing to 1, row i's term is sum_k y_ik (-log p_ik), and
  // -log p_ik = (top - eta_ik) + log1p(sum over the other classes of
  // exp(eta_ij - top)), top the row's largest eta (its first class when
  // tied): a sum of non-negative terms. Taking log sum exp(eta_i) - y_i'eta_i
  // instead would cancel the two to a tiny loss when one class dominates
  // (eta near 35 against -22), leaving only the rounding of eta, far above
  // the decreases the Newton steps measure.
  double loss(const Eigen::MatrixXd& eta) const {
    double total = 0.0;
    for (Eigen::Index i = 0; i < eta.rows(); ++i) {
      if (!(weights_[i] > 0.0)) continue;
      Eigen::Index top_class = 0;
      const double top = eta.row(i).maxCoeff(&top_class);
      double others = 0.0;
      for (Eigen::Index k = 0; k < eta.cols(); ++k)
        if (k != top_class) others += std::exp(eta(i, k) - top);
      const double log_normaliser_above_top = std::log1p(others);
      double row = 0.0;
      for (Eigen::Index k = 0; k < eta.cols(); ++k)
        if (y_(i, k) != 0.0) row += y_(i, k) * ((top - eta(i, k)) + log_normaliser_above_top);
      total += weights_[i] * row;
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

  // The null model's intercepts (offsets and intercepts only), by
  // Gauss-Seidel over the classes: each class's score
  // sum_i w_i (y_ik - p_ik) is solved for its intercept with the others
  // fixed, by safeguarded 1-D Newton on the exact information
  // sum_i w_i p_ik (1 - p_ik). Newton steps under the curvature floor of
  // quadratic_model() would crawl where one class dominates a heavy row
  // (p_ik (1 - p_ik) near 1e-9). Each class starts from the log of its
  // weighted share, the root without offsets; only a share of 0 is floored
  // (to keep it finite), a tiny one (a weight of 1e150 on another class)
  // is the root. Returned summing to 0.
  Eigen::VectorXd null_intercepts(const Eigen::MatrixXd& offset) const {
    const Eigen::Index n = offset.rows(), classes = offset.cols();
    Eigen::VectorXd intercept(classes);
    for (Eigen::Index k = 0; k < classes; ++k) {
      const double share = weights_.dot(y_.col(k));
      intercept[k] = std::log(share > 0.0 ? share : 1e-10);
    }
    Eigen::MatrixXd eta = offset.rowwise() + intercept.transpose();
    // Two classes need one solve (only their difference matters); more
    // converge linearly, the faster the weaker the classes' coupling.
    const int max_sweeps = classes == 2 ? 1 : 100;
    for (int sweep = 0; sweep < max_sweeps; ++sweep) {
      double largest_move = 0.0;
      for (Eigen::Index k = 0; k < classes; ++k) {
        const double start = intercept[k];
        const double root = decreasing_score_root(start, [&](double b, double& score, double& information) {
          eta.col(k) = offset.col(k).array() + b;
          for (Eigen::Index i = 0; i < n; ++i) {
            if (!(weights_[i] > 0.0)) continue;
            // p and q = 1 - p each from its own sum, so that a q near 1e-150
            // keeps its digits; y - p as y q - (1 - y) p for the same reason.
            const double top = eta.row(i).maxCoeff();
            const double own = std::exp(eta(i, k) - top);
            double others = 0.0;
            for (Eigen::Index j = 0; j < classes; ++j)
              if (j != k) others += std::exp(eta(i, j) - top);
            const double p = own / (own + others), q = others / (own + others);
            score += weights_[i] * (y_(i, k) * q - (1.0 - y_(i, k)) * p);
            information += weights_[i] * p * q;
          }
        });
        intercept[k] = root;
        eta.col(k) = offset.col(k).array() + root;
        largest_move = std::max(largest_move, std::abs(root - start) / std::max(1.0, std::abs(root)));
      }
      if (largest_move <= 1e-12) break;
    }
    centre_to_zero_sum(intercept);
    return intercept;
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

  // The null model's intercepts: each response's weighted mean of y - offset.
  Eigen::VectorXd null_intercepts(const Eigen::MatrixXd& offset) const {
    return (y_ - offset).transpose() * weights_;
  }

  static constexpr bool shift_invariant = false;
  static constexpr StallRule stall_rule = StallRule::relative_to_unexplained;

 private:
  const Eigen::MatrixXd& y_;
  const Eigen::VectorXd& weights_;
};

}  // namespace glmsparse
