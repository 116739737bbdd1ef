// Datafits of generalized linear models with a canonical link, as glmnet
// defines them: with weights w normalised to sum to 1, the loss is
//
//   L(eta) = sum_i w_i l(y_i, eta_i),   l(y, eta) = b(eta) - y eta,
//
// (minus the log-likelihood up to a constant), so dl/deta = mu - y and
// d2l/deta2 = b''(eta), the IRLS weight. Each family gives these
// per-observation functions; the path driver (glm_path.hpp) does the rest.
#pragma once

#include <algorithm>
#include <cmath>

namespace glmsparse {

// y in [0, 1] (a proportion; 0/1 for a single trial), logit link.
struct Binomial {
  static constexpr const char* name = "binomial";

  static double mean(double eta) {
    // Both branches avoid overflow in exp.
    if (eta >= 0.0) return 1.0 / (1.0 + std::exp(-eta));
    const double e = std::exp(eta);
    return e / (1.0 + e);
  }
  // b''(eta) = mu (1 - mu), floored as glmnet does so that the IRLS weights
  // of (nearly) separated observations stay positive.
  static double curvature(double mu) {
    return std::max(mu * (1.0 - mu), minimum_probability * (1.0 - minimum_probability));
  }
  // log(1 + e^eta) - y eta, without overflow.
  static double loss(double y, double eta) {
    const double softplus = eta > 0.0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta));
    return softplus - y * eta;
  }
  // The loss of the saturated model, mu = y.
  static double saturated_loss(double y) {
    return -(entropy_term(y) + entropy_term(1.0 - y));
  }
  // The linear predictor whose mean is mu (for the intercept-only start).
  static double link(double mu) { return std::log(mu / (1.0 - mu)); }

  static constexpr double minimum_probability = 1e-5;

 private:
  static double entropy_term(double p) { return p > 0.0 ? p * std::log(p) : 0.0; }
};

// Counts y >= 0, log link.
struct Poisson {
  static constexpr const char* name = "poisson";

  static double mean(double eta) { return std::exp(eta); }
  static double curvature(double mu) { return mu; }
  static double loss(double y, double eta) { return std::exp(eta) - y * eta; }
  static double saturated_loss(double y) { return y > 0.0 ? y - y * std::log(y) : 0.0; }
  static double link(double mu) { return std::log(mu); }
};

}  // namespace glmsparse
