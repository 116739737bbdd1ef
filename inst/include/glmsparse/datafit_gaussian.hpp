// Gaussian datafit, glmnet's convention:
//
//   L(a, b) = 1/2 * sum_i w_i (y_i - o_i - a - x_i' b)^2,   sum_i w_i = 1,
//
// solved on the response scaled by its weighted standard deviation s_y (so
// lambda and the convergence threshold are scale free) and mapped back: on
// the original scale the ridge part of the penalty is therefore divided by
// s_y, exactly as in glmnet.
#pragma once

#include <cmath>
#include <limits>
#include <stdexcept>

#include <Eigen/Dense>

namespace glmsparse {

class Gaussian {
 public:
  // Quadratic, so one weighted least-squares problem is the whole fit.
  static constexpr bool is_quadratic = true;

  Gaussian(const Eigen::VectorXd& y, const Eigen::VectorXd& weights,
           const Eigen::VectorXd& offset, bool intercept) {
    const double weight_total = weights.sum();
    if (!(weight_total > 0.0)) throw std::invalid_argument("weights must have a positive sum");
    weights_ = weights / weight_total;
    working_response_ = y - offset;
    const double mean = weights_.dot(working_response_);
    // glmnet scales by the weighted standard deviation with or without an
    // intercept. A constant response leaves, after centring, only rounding
    // noise of about eps (|v_i| + |mean|) in each row: it is treated as
    // exactly constant rather than having that noise rescaled to unit size.
    // The test is row by row, not on the variance, because heavily
    // down-weighted rows that differ give a tiny variance that is real.
    constexpr double eps = std::numeric_limits<double>::epsilon();
    bool constant = true;
    double variance = 0.0;
    for (Eigen::Index i = 0; i < working_response_.size(); ++i) {
      if (!(weights_[i] > 0.0)) continue;
      const double v = working_response_[i], deviation = v - mean;
      variance += weights_[i] * deviation * deviation;
      if (std::abs(deviation) > 8.0 * eps * (std::abs(v) + std::abs(mean))) constant = false;
    }
    response_mean_ = intercept ? mean : 0.0;
    working_response_.array() -= response_mean_;
    double second_moment = weights_.dot(working_response_.cwiseAbs2());
    if (constant || !(variance > 0.0)) {
      if (intercept) {
        working_response_.setZero();
        second_moment = 0.0;
      }
      response_scale_ = 1.0;
    } else {
      response_scale_ = std::sqrt(variance);
    }
    working_response_ /= response_scale_;
    // Null deviance on the user's weight scale: sum w (y - o - mean)^2.
    null_deviance_ = weight_total * second_moment;
    null_working_rss_ = second_moment / (response_scale_ * response_scale_);
  }

  const Eigen::VectorXd& weights() const { return weights_; }
  const Eigen::VectorXd& working_response() const { return working_response_; }
  double response_mean() const { return response_mean_; }
  double response_scale() const { return response_scale_; }
  double null_deviance() const { return null_deviance_; }
  // sum w r^2 of the null model on the working scale: the deviance-ratio denominator.
  double null_working_rss() const { return null_working_rss_; }

 private:
  Eigen::VectorXd weights_;
  Eigen::VectorXd working_response_;
  double response_mean_ = 0.0;
  double response_scale_ = 1.0;
  double null_deviance_ = 0.0;
  double null_working_rss_ = 0.0;
};

}  // namespace glmsparse
