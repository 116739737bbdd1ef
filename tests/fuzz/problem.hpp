// Decodes fuzzer input bytes into a small path problem of any family, with
// the arguments the R layer can pass: R/validate.R's checks are mirrored, and
// an input that R would reject decodes to nothing.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include <Eigen/Dense>
#include <Eigen/SparseCore>

#include <glmsparse/glmsparse.hpp>

namespace fuzz {

constexpr double kInf = std::numeric_limits<double>::infinity();
// R/validate.R's largest_magnitude: check_magnitude() stops on x (and a
// gaussian or mgaussian y) with larger entries, whose squares come too close
// to overflow.
constexpr double kLargestMagnitude = 1e153;

enum class Family { gaussian, binomial, poisson, multinomial, mgaussian, cox };

inline const char* family_name(Family family) {
  static const char* const names[] = {"gaussian", "binomial", "poisson", "multinomial", "mgaussian", "cox"};
  return names[static_cast<int>(family)];
}

inline bool is_multi_response(Family family) {
  return family == Family::multinomial || family == Family::mgaussian;
}

struct Problem {
  Family family = Family::gaussian;
  Eigen::Index n = 1, p = 1, n_responses = 1;
  Eigen::MatrixXd x;
  // The same x in compressed sparse form, possibly with stored zeros.
  Eigen::SparseMatrix<double> x_sparse;
  Eigen::MatrixXd y;  // n x K; for cox unused
  glmsparse::SurvivalData survival;
  Eigen::VectorXd weights;
  Eigen::MatrixXd offset;  // n x K
  Eigen::VectorXd penalty_factor;  // rescaled as R does
  Eigen::VectorXd lower_limit, upper_limit;
  std::vector<char> excluded;
  bool grouped = false;
  glmsparse::FitOptions options;
  glmsparse::LambdaGrid grid;
  bool compare_threads = false;

  glmsparse::ProblemData single_data() const {
    glmsparse::ProblemData data;
    data.y = family == Family::cox ? Eigen::VectorXd::Zero(n) : Eigen::VectorXd(y.col(0));
    data.weights = weights;
    data.offset = offset.col(0);
    data.penalty_factor = penalty_factor;
    data.lower_limit = lower_limit;
    data.upper_limit = upper_limit;
    data.excluded = excluded;
    return data;
  }

  glmsparse::MultiProblemData multi_data() const {
    glmsparse::MultiProblemData data;
    data.y = y;
    data.weights = weights;
    data.offset = offset;
    data.penalty_factor = penalty_factor;
    data.lower_limit = lower_limit;
    data.upper_limit = upper_limit;
    data.excluded = excluded;
    return data;
  }

  std::string describe() const {
    std::ostringstream out;
    out.precision(17);
    out << "family " << family_name(family) << " n " << n << " p " << p << " K " << n_responses
        << " grouped " << grouped << " alpha " << options.alpha << " intercept " << options.intercept
        << " standardize " << options.standardize << " thresh " << options.thresh << " maxit "
        << options.max_passes_per_lambda << " dfmax " << options.dfmax << " pmax " << options.pmax
        << " use_gram " << options.use_gram << " support_solves " << options.support_solves
        << " nlambda " << grid.nlambda << " lambda_min_ratio " << grid.lambda_min_ratio << "\nuser lambda";
    for (double l : grid.user_lambda) out << ' ' << l;
    out << "\nx\n" << x << "\ny\n" << y << "\nweights " << weights.transpose() << "\noffset\n" << offset
        << "\npenalty_factor " << penalty_factor.transpose() << "\nlower " << lower_limit.transpose()
        << "\nupper " << upper_limit.transpose() << "\nexcluded";
    for (char e : excluded) out << ' ' << int(e);
    if (family == Family::cox) {
      out << "\nstart " << survival.start.transpose() << "\nstop " << survival.stop.transpose()
          << "\nstatus " << survival.status.transpose() << "\nstrata";
      for (int s : survival.strata) out << ' ' << s;
    }
    return out.str();
  }
};

// A power of ten from tiny to huge, mostly 1.
inline double magnitude(FuzzedDataProvider& in) {
  static const double scales[] = {1e-150, 1e-100, 1e-20, 1e-8, 1e-3, 1.0, 1.0, 1.0,
                                  1.0,    1.0,    1e3,   1e8,  1e20, 1e100, 1e150};
  return in.PickValueInArray(scales);
}

// A small number: a multiple of 1/4 in [-4, 4] (ties and duplicates are
// likely) or a value with all bits of a fraction.
inline double small_value(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return 0.25 * in.ConsumeIntegralInRange<int>(-16, 16);
  return in.ConsumeFloatingPointInRange<double>(-3.0, 3.0);
}

inline void fill_column(FuzzedDataProvider& in, Eigen::MatrixXd& x, Eigen::Index j) {
  const Eigen::Index n = x.rows();
  const double scale = magnitude(in);
  switch (in.ConsumeIntegralInRange<int>(0, 8)) {
    case 0:  // generic
      for (Eigen::Index i = 0; i < n; ++i) x(i, j) = scale * small_value(in);
      break;
    case 1:  // zero
      x.col(j).setZero();
      break;
    case 2:  // constant
      x.col(j).setConstant(scale * small_value(in));
      break;
    case 3:  // mostly zero
      for (Eigen::Index i = 0; i < n; ++i)
        x(i, j) = in.ConsumeIntegralInRange<int>(0, 3) == 0 ? scale * small_value(in) : 0.0;
      break;
    case 4:  // binary
      for (Eigen::Index i = 0; i < n; ++i) x(i, j) = in.ConsumeBool() ? scale : 0.0;
      break;
    case 5: {  // a multiple of an earlier column (collinear)
      if (j == 0) {
        x.col(j).setConstant(1.0);
        break;
      }
      const Eigen::Index source = in.ConsumeIntegralInRange<Eigen::Index>(0, j - 1);
      static const double factors[] = {1.0, -1.0, 2.0, 1e-8, 1e8};
      x.col(j) = in.PickValueInArray(factors) * x.col(source);
      break;
    }
    case 6: {  // large mean, small spread
      static const double ratios[] = {1e2, 1e4, 1e6};
      const double location = in.PickValueInArray(ratios) * (in.ConsumeBool() ? 1.0 : -1.0);
      for (Eigen::Index i = 0; i < n; ++i) x(i, j) = scale * (location + small_value(in));
      break;
    }
    case 7:  // one nonzero entry
      x.col(j).setZero();
      x(in.ConsumeIntegralInRange<Eigen::Index>(0, n - 1), j) = scale * (1.0 + std::abs(small_value(in)));
      break;
    default: {  // constant but for a few entries
      x.col(j).setConstant(scale * small_value(in));
      const int changed = in.ConsumeIntegralInRange<int>(1, 2);
      for (int c = 0; c < changed; ++c)
        x(in.ConsumeIntegralInRange<Eigen::Index>(0, n - 1), j) = scale * small_value(in);
      break;
    }
  }
}

// x as a compressed sparse matrix: exact zeros dropped, except (when asked)
// some stored explicitly, as a dgCMatrix may hold them.
inline Eigen::SparseMatrix<double> to_sparse(FuzzedDataProvider& in, const Eigen::MatrixXd& x) {
  const bool stored_zeros = in.ConsumeIntegralInRange<int>(0, 7) == 0;
  std::vector<Eigen::Triplet<double>> entries;
  for (Eigen::Index j = 0; j < x.cols(); ++j)
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      if (x(i, j) != 0.0 || (stored_zeros && in.ConsumeIntegralInRange<int>(0, 3) == 0))
        entries.emplace_back(static_cast<int>(i), static_cast<int>(j), x(i, j));
  Eigen::SparseMatrix<double> sparse(x.rows(), x.cols());
  sparse.setFromTriplets(entries.begin(), entries.end());
  sparse.makeCompressed();
  return sparse;
}

inline Eigen::VectorXd decode_weights(FuzzedDataProvider& in, Eigen::Index n) {
  Eigen::VectorXd w = Eigen::VectorXd::Ones(n);
  switch (in.ConsumeIntegralInRange<int>(0, 3)) {
    case 0:
      break;
    case 1:
      w.setConstant(magnitude(in));
      break;
    default: {
      static const double choices[] = {0.0, 0.0, 1.0, 1.0, 2.0, 0.5, 3.0, 1e-150, 1e-8, 1e8, 1e150};
      for (Eigen::Index i = 0; i < n; ++i) w[i] = in.PickValueInArray(choices);
      break;
    }
  }
  return w;
}

// Each family's response, as R's checks leave it (check_y_* in R/); false
// when R would stop with an error.
inline bool decode_response(FuzzedDataProvider& in, Problem& problem) {
  const Eigen::Index n = problem.n;
  Eigen::VectorXd& w = problem.weights;
  switch (problem.family) {
    case Family::gaussian:
    case Family::mgaussian: {
      for (Eigen::Index k = 0; k < problem.n_responses; ++k) {
        const double scale = magnitude(in);
        const double location = in.ConsumeBool() ? 0.0 : scale * small_value(in);
        const bool constant = in.ConsumeIntegralInRange<int>(0, 7) == 0;
        for (Eigen::Index i = 0; i < n; ++i)
          problem.y(i, k) = constant ? location : location + scale * small_value(in);
      }
      return true;
    }
    case Family::binomial: {
      if (in.ConsumeBool()) {
        // A factor: both classes among the rows, whatever their weights.
        for (Eigen::Index i = 0; i < n; ++i) problem.y(i, 0) = in.ConsumeBool() ? 1.0 : 0.0;
        const auto ones = (problem.y.col(0).array() == 1.0).count();
        return ones > 0 && ones < n;
      }
      // A matrix of (failures, successes): proportions, totals into the weights.
      bool any_success = false, any_failure = false;
      for (Eigen::Index i = 0; i < n; ++i) {
        const double failures = in.ConsumeIntegralInRange<int>(0, 4);
        const double successes = in.ConsumeIntegralInRange<int>(0, 4);
        const double total = failures + successes;
        if (total == 0.0 && w[i] > 0.0) return false;
        problem.y(i, 0) = total > 0.0 ? successes / total : 0.0;
        w[i] *= total;
        if (w[i] > 0.0) {
          any_success = any_success || successes > 0.0;
          any_failure = any_failure || failures > 0.0;
        }
      }
      return any_success && any_failure;
    }
    case Family::poisson: {
      static const double scales[] = {1.0, 1.0, 1.0, 1e3, 1e7, 1e15, 1e150};
      const double scale = in.PickValueInArray(scales);
      for (Eigen::Index i = 0; i < n; ++i)
        problem.y(i, 0) = std::round(scale * in.ConsumeIntegralInRange<int>(0, 6));
      return (problem.y.col(0).array() != 0.0).any();
    }
    case Family::multinomial: {
      const bool counts = in.ConsumeBool();
      const Eigen::Index classes = problem.n_responses;
      for (Eigen::Index i = 0; i < n; ++i) {
        if (counts) {
          double total = 0.0;
          for (Eigen::Index k = 0; k < classes; ++k) total += problem.y(i, k) = in.ConsumeIntegralInRange<int>(0, 3);
          if (total == 0.0 && w[i] > 0.0) return false;
          if (total > 0.0) problem.y.row(i) /= total;
          w[i] *= total;
        } else {
          problem.y.row(i).setZero();
          problem.y(i, in.ConsumeIntegralInRange<Eigen::Index>(0, classes - 1)) = 1.0;
        }
      }
      // Every class needs a positive weighted count.
      for (Eigen::Index k = 0; k < classes; ++k)
        if (!(w.dot(problem.y.col(k)) > 0.0)) return false;
      return true;
    }
    case Family::cox: {
      glmsparse::SurvivalData& s = problem.survival;
      const bool counting = in.ConsumeIntegralInRange<int>(0, 3) == 0;
      const double scale = magnitude(in);
      s.stop.resize(n);
      s.status.resize(n);
      if (counting) s.start.resize(n);
      bool any_event = false;
      for (Eigen::Index i = 0; i < n; ++i) {
        s.stop[i] = scale * in.ConsumeIntegralInRange<int>(1, 8);
        s.status[i] = in.ConsumeBool() ? 1.0 : 0.0;
        if (counting) s.start[i] = s.stop[i] - scale * in.ConsumeIntegralInRange<int>(1, 8);
        any_event = any_event || (s.status[i] == 1.0 && w[i] > 0.0);
      }
      if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
        for (Eigen::Index i = 0; i < n; ++i) s.strata.push_back(in.ConsumeIntegralInRange<int>(1, 3));
      return any_event;
    }
  }
  return false;
}

// Penalty factors, exclusions and limits, as R's fit_spec() prepares them.
inline bool decode_variables(FuzzedDataProvider& in, Problem& problem) {
  const Eigen::Index p = problem.p;
  Eigen::VectorXd pf = Eigen::VectorXd::Ones(p);
  problem.excluded.assign(static_cast<std::size_t>(p), 0);
  problem.lower_limit = Eigen::VectorXd::Constant(p, -kInf);
  problem.upper_limit = Eigen::VectorXd::Constant(p, kInf);
  if (in.ConsumeBool()) {
    // Factors 1e8 apart here; decode() may spread them to 1e300 apart.
    static const double choices[] = {1.0, 1.0, 0.0, 0.5, 2.0, 10.0, kInf, 1e-4, 1e4};
    for (Eigen::Index j = 0; j < p; ++j) pf[j] = in.PickValueInArray(choices);
  }
  if (in.ConsumeIntegralInRange<int>(0, 3) == 0)
    for (Eigen::Index j = 0; j < p; ++j) problem.excluded[j] = in.ConsumeIntegralInRange<int>(0, 3) == 0;
  for (Eigen::Index j = 0; j < p; ++j) {
    if (std::isinf(pf[j])) problem.excluded[j] = 1;
    if (problem.excluded[j]) pf[j] = 1.0;
  }
  if (!(pf.array() > 0.0).any()) return false;
  problem.penalty_factor = pf;  // rescaled by decode()
  if (in.ConsumeIntegralInRange<int>(0, 2) == 0) {
    for (Eigen::Index j = 0; j < p; ++j) {
      switch (in.ConsumeIntegralInRange<int>(0, 3)) {
        case 0: break;
        case 1: problem.lower_limit[j] = 0.0; break;
        case 2: problem.upper_limit[j] = 0.0; break;
        default:
          problem.lower_limit[j] = -magnitude(in) * std::abs(small_value(in));
          problem.upper_limit[j] = magnitude(in) * std::abs(small_value(in));
          break;
      }
    }
  }
  return true;
}

inline void decode_options(FuzzedDataProvider& in, Problem& problem) {
  glmsparse::FitOptions& o = problem.options;
  static const double alphas[] = {1.0, 1.0, 0.5, 0.0, 1e-4, 0.999};
  o.alpha = in.ConsumeBool() ? in.PickValueInArray(alphas) : in.ConsumeProbability<double>();
  o.intercept = problem.family != Family::cox && in.ConsumeIntegralInRange<int>(0, 3) != 0;
  o.standardize = in.ConsumeIntegralInRange<int>(0, 3) != 0;
  static const double threshes[] = {1e-7, 1e-7, 1e-7, 1e-4, 1e-10, 1e-14};
  o.thresh = in.PickValueInArray(threshes);
  // What R passes (fit_spec() and cox_early_stop()).
  o.thresh_factor = 0.1;
  static const int maxits[] = {100000, 100000, 100000, 1, 3, 50, 1000};
  o.max_passes_per_lambda = in.PickValueInArray(maxits);
  const int p = static_cast<int>(problem.p);
  o.dfmax = p + 1;
  o.pmax = std::min(2 * o.dfmax + 20, p);
  if (in.ConsumeIntegralInRange<int>(0, 5) == 0) {
    o.dfmax = in.ConsumeIntegralInRange<int>(0, p + 1);
    o.pmax = in.ConsumeIntegralInRange<int>(0, p);
  }
  o.early_stop = true;
  o.min_dev_ratio_change = 1e-5;
  o.max_dev_ratio = 0.999;
  o.min_lambdas_before_stop = 5;
  if (problem.family == Family::cox) {
    o.min_dev_ratio_change = 1e-3;
    o.max_dev_ratio = 0.999 * 0.99 / 0.999;
    o.dev_ratio_change_lag = 4;
  }
  // Core settings R fixes, varied: the solution must not depend on them.
  o.use_gram = in.ConsumeIntegralInRange<int>(-1, 1);
  o.support_solves = in.ConsumeIntegralInRange<int>(0, 3) != 0;
  o.n_threads = 1;
  problem.compare_threads = in.ConsumeIntegralInRange<int>(0, 15) == 0;

  glmsparse::LambdaGrid& g = problem.grid;
  if (in.ConsumeIntegralInRange<int>(0, 2) == 0) {
    const int count = in.ConsumeIntegralInRange<int>(1, 5);
    for (int k = 0; k < count; ++k) {
      static const double scales[] = {0.0, 1e-150, 1e-8, 1e-3, 1e-1, 1.0, 10.0, 1e8, 1e150};
      g.user_lambda.push_back(in.PickValueInArray(scales) * (1.0 + std::abs(small_value(in))));
    }
    std::sort(g.user_lambda.begin(), g.user_lambda.end(), std::greater<double>());
  } else {
    g.nlambda = in.ConsumeIntegralInRange<int>(1, 10);
    static const double ratios[] = {0.0, 0.0, 0.5, 1e-10, 0.999};
    g.lambda_min_ratio = in.PickValueInArray(ratios);
    if (g.lambda_min_ratio == 0.0) g.lambda_min_ratio = problem.n < problem.p ? 1e-2 : 1e-4;
  }
}

// The problem these bytes describe, or nothing if R would reject it.
inline std::optional<Problem> decode(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Problem problem;
  problem.family = static_cast<Family>(in.ConsumeIntegralInRange<int>(0, 5));
  problem.n = in.ConsumeIntegralInRange<Eigen::Index>(1, 30);
  problem.p = in.ConsumeIntegralInRange<Eigen::Index>(1, 20);
  if (problem.family == Family::multinomial) problem.n_responses = in.ConsumeIntegralInRange<Eigen::Index>(2, 4);
  if (problem.family == Family::mgaussian) problem.n_responses = in.ConsumeIntegralInRange<Eigen::Index>(1, 4);
  problem.grouped = problem.family == Family::mgaussian ||
                    (problem.family == Family::multinomial && in.ConsumeBool());
  const Eigen::Index n = problem.n, p = problem.p, k = problem.n_responses;

  problem.x.resize(n, p);
  for (Eigen::Index j = 0; j < p; ++j) fill_column(in, problem.x, j);
  if (problem.x.cwiseAbs().maxCoeff() > kLargestMagnitude) return std::nullopt;
  problem.x_sparse = to_sparse(in, problem.x);

  problem.weights = decode_weights(in, n);
  problem.y = Eigen::MatrixXd::Zero(n, k);
  if (!decode_response(in, problem)) return std::nullopt;
  if ((problem.family == Family::gaussian || problem.family == Family::mgaussian) &&
      problem.y.cwiseAbs().maxCoeff() > kLargestMagnitude)
    return std::nullopt;
  if (!(problem.weights.array() > 0.0).any()) return std::nullopt;

  problem.offset = Eigen::MatrixXd::Zero(n, k);
  if (in.ConsumeIntegralInRange<int>(0, 2) == 0) {
    static const double scales[] = {0.1, 1.0, 1.0, 10.0, 100.0, 1e3};
    const double scale = in.PickValueInArray(scales);
    for (Eigen::Index c = 0; c < k; ++c)
      for (Eigen::Index i = 0; i < n; ++i) problem.offset(i, c) = scale * small_value(in);
  }
  if (!decode_variables(in, problem)) return std::nullopt;
  decode_options(in, problem);
  // Factors as far apart as 1e300, as R allows: lambda_max = |gradient| /
  // (alpha pf) may exceed the largest double, and the core starts the grid
  // lower. Drawn last, and false when the bytes have run out, so that the
  // committed inputs (checked) decode as they did before this choice.
  if (in.ConsumeIntegralInRange<int>(0, 7) == 7) {
    for (Eigen::Index j = 0; j < problem.p; ++j) {
      double& f = problem.penalty_factor[j];
      if (f == 1e-4) f = 1e-150;
      if (f == 1e4) f = 1e150;
    }
  }
  Eigen::VectorXd& pf = problem.penalty_factor;
  pf = pf * static_cast<double>(p) / pf.sum();
  return problem;
}

}  // namespace fuzz
