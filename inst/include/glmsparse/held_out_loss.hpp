// Per-observation losses of held-out observations under a path of linear
// predictors: the cross-validation measures of every family but cox, as
// glmnet defines them.
//
// y holds one row per observation: one column for gaussian, binomial (the
// proportion of successes) and poisson; K columns for multinomial (class
// proportions) and mgaussian. link holds the linear predictors: rows x L for
// the single-response families, and for the K-response families rows x
// (K L), column k + K l for response k at solution l (the memory layout of
// R's rows x K x L array).
//
// Computed in one pass without temporaries, so that cross-validation can
// take its measure fold by fold without building n x L matrices.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace glmsparse {

enum class LossFamily { gaussian, binomial, poisson, multinomial, mgaussian };
enum class LossMeasure { squared_error, absolute_error, deviance, misclassification };

namespace detail {

// glmnet keeps probabilities within [1e-5, 1 - 1e-5] for the deviances.
constexpr double kProbabilityFloor = 1e-5;

inline double clamp_probability(double p) {
  return std::min(std::max(p, kProbabilityFloor), 1.0 - kProbabilityFloor);
}

// y log y, with 0 log 0 = 0.
inline double y_log_y(double y) { return y > 0.0 ? y * std::log(y) : 0.0; }

inline double logistic(double eta) { return 1.0 / (1.0 + std::exp(-eta)); }

inline double binomial_loss(LossMeasure measure, double y, double eta) {
  const double p = logistic(eta);
  switch (measure) {
    case LossMeasure::squared_error:  // summed over the two classes
      return 2.0 * (y - p) * (y - p);
    case LossMeasure::absolute_error:
      return 2.0 * std::abs(y - p);
    case LossMeasure::misclassification:
      return (1.0 - y) * (p >= 0.5 ? 1.0 : 0.0) + y * (p <= 0.5 ? 1.0 : 0.0);
    case LossMeasure::deviance: {
      const double clamped = clamp_probability(p);
      return 2.0 * (y_log_y(y) + y_log_y(1.0 - y) -
                    (y * std::log(clamped) + (1.0 - y) * std::log(1.0 - clamped)));
    }
  }
  return 0.0;
}

inline double poisson_loss(LossMeasure measure, double y, double eta) {
  const double mu = std::exp(eta);
  switch (measure) {
    case LossMeasure::squared_error:
      return (y - mu) * (y - mu);
    case LossMeasure::absolute_error:
      return std::abs(y - mu);
    case LossMeasure::deviance:
      return 2.0 * (y_log_y(y) - y * eta - y + mu);
    case LossMeasure::misclassification:
      break;
  }
  throw std::invalid_argument("poisson has no misclassification measure");
}

inline double gaussian_loss(LossMeasure measure, double y, double eta) {
  if (measure == LossMeasure::absolute_error) return std::abs(y - eta);
  return (y - eta) * (y - eta);  // "deviance" is the squared error
}

// The loss of row i at solution l of a K-response family.
inline double multi_response_loss(LossFamily family, LossMeasure measure,
                                  const Eigen::Ref<const Eigen::MatrixXd>& y,
                                  const Eigen::Ref<const Eigen::MatrixXd>& link, Eigen::Index i,
                                  Eigen::Index l, Eigen::VectorXd& probability) {
  const Eigen::Index n_responses = y.cols();
  const Eigen::Index first = n_responses * l;
  if (family == LossFamily::mgaussian) {
    double total = 0.0;
    for (Eigen::Index k = 0; k < n_responses; ++k)
      total += gaussian_loss(measure, y(i, k), link(i, first + k));
    return total;
  }
  double largest = link(i, first);
  Eigen::Index most_likely = 0;  // the first class of highest probability, as glmnet
  for (Eigen::Index k = 1; k < n_responses; ++k) {
    if (link(i, first + k) > largest) {
      largest = link(i, first + k);
      most_likely = k;
    }
  }
  double total_exp = 0.0;
  for (Eigen::Index k = 0; k < n_responses; ++k) {
    probability[k] = std::exp(link(i, first + k) - largest);
    total_exp += probability[k];
  }
  probability /= total_exp;
  double total = 0.0;
  switch (measure) {
    case LossMeasure::squared_error:
      for (Eigen::Index k = 0; k < n_responses; ++k)
        total += (y(i, k) - probability[k]) * (y(i, k) - probability[k]);
      return total;
    case LossMeasure::absolute_error:
      for (Eigen::Index k = 0; k < n_responses; ++k) total += std::abs(y(i, k) - probability[k]);
      return total;
    case LossMeasure::misclassification:
      return 1.0 - y(i, most_likely);
    case LossMeasure::deviance:
      for (Eigen::Index k = 0; k < n_responses; ++k)
        total += y_log_y(y(i, k)) - y(i, k) * std::log(clamp_probability(probability[k]));
      return 2.0 * total;
  }
  return 0.0;
}

// Calls visit(i, l, loss) for every observation i and solution l.
template <class Visit>
void for_each_held_out_loss(LossFamily family, LossMeasure measure,
                            const Eigen::Ref<const Eigen::MatrixXd>& y,
                            const Eigen::Ref<const Eigen::MatrixXd>& link, Visit visit) {
  const bool multi_response = family == LossFamily::multinomial || family == LossFamily::mgaussian;
  const Eigen::Index rows = y.rows();
  const Eigen::Index n_responses = multi_response ? y.cols() : 1;
  if (link.rows() != rows || n_responses < 1 || link.cols() % n_responses != 0 ||
      (!multi_response && y.cols() != 1))
    throw std::invalid_argument("held-out losses: y and link do not agree in shape");
  const Eigen::Index n_solutions = link.cols() / n_responses;
  Eigen::VectorXd probability(n_responses);
  for (Eigen::Index l = 0; l < n_solutions; ++l) {
    for (Eigen::Index i = 0; i < rows; ++i) {
      double loss = 0.0;
      switch (family) {
        case LossFamily::gaussian:
          loss = gaussian_loss(measure, y(i, 0), link(i, l));
          break;
        case LossFamily::binomial:
          loss = binomial_loss(measure, y(i, 0), link(i, l));
          break;
        case LossFamily::poisson:
          loss = poisson_loss(measure, y(i, 0), link(i, l));
          break;
        case LossFamily::multinomial:
        case LossFamily::mgaussian:
          loss = multi_response_loss(family, measure, y, link, i, l, probability);
          break;
      }
      visit(i, l, loss);
    }
  }
}

}  // namespace detail

inline LossFamily loss_family(const std::string& family) {
  if (family == "gaussian") return LossFamily::gaussian;
  if (family == "binomial") return LossFamily::binomial;
  if (family == "poisson") return LossFamily::poisson;
  if (family == "multinomial") return LossFamily::multinomial;
  if (family == "mgaussian") return LossFamily::mgaussian;
  throw std::invalid_argument("no held-out losses for family " + family);
}

inline LossMeasure loss_measure(const std::string& measure) {
  if (measure == "mse") return LossMeasure::squared_error;
  if (measure == "mae") return LossMeasure::absolute_error;
  if (measure == "deviance") return LossMeasure::deviance;
  if (measure == "class") return LossMeasure::misclassification;
  throw std::invalid_argument("no held-out loss for measure " + measure);
}

// losses(i, l): the loss of observation i under solution l.
inline Eigen::MatrixXd held_out_losses(LossFamily family, LossMeasure measure,
                                       const Eigen::Ref<const Eigen::MatrixXd>& y,
                                       const Eigen::Ref<const Eigen::MatrixXd>& link) {
  const Eigen::Index n_responses =
      family == LossFamily::multinomial || family == LossFamily::mgaussian ? y.cols() : 1;
  Eigen::MatrixXd losses(y.rows(), n_responses > 0 ? link.cols() / n_responses : 0);
  detail::for_each_held_out_loss(family, measure, y, link,
                                 [&](Eigen::Index i, Eigen::Index l, double loss) {
                                   losses(i, l) = loss;
                                 });
  return losses;
}

// The weighted mean loss under each solution: sum_i w_i loss_il / sum_i w_i.
inline Eigen::VectorXd held_out_mean_losses(LossFamily family, LossMeasure measure,
                                            const Eigen::Ref<const Eigen::MatrixXd>& y,
                                            const Eigen::Ref<const Eigen::MatrixXd>& link,
                                            const Eigen::Ref<const Eigen::VectorXd>& weights) {
  const Eigen::Index n_responses =
      family == LossFamily::multinomial || family == LossFamily::mgaussian ? y.cols() : 1;
  if (weights.size() != y.rows())
    throw std::invalid_argument("held-out losses: weights and y do not agree in length");
  Eigen::VectorXd means = Eigen::VectorXd::Zero(n_responses > 0 ? link.cols() / n_responses : 0);
  detail::for_each_held_out_loss(family, measure, y, link,
                                 [&](Eigen::Index i, Eigen::Index l, double loss) {
                                   means[l] += weights[i] * loss;
                                 });
  return means / weights.sum();
}

}  // namespace glmsparse
