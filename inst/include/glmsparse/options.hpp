// Options and results of a path fit, as plain data.
#pragma once

#include <vector>

#include <Eigen/Dense>

namespace glmsparse {

struct FitOptions {
  double alpha = 1.0;
  bool standardize = true;
  bool intercept = true;
  // Convergence at a lambda: a pass moves no coefficient by more than
  // max_j v_j * (change in b_j)^2 < thresh * thresh_factor * null deviance
  // (glmnet's criterion, made tighter), and the objective still to be gained,
  // extrapolated from the last passes, is below thresh times the objective.
  double thresh = 1e-7;
  double thresh_factor = 0.01;
  int max_passes_per_lambda = 100000;
  int dfmax = -1;  // < 0: no limit
  int pmax = -1;   // < 0: no limit
  // Default-grid early stop (glmnet.control's fdev, devmax, mnlam).
  bool early_stop = false;
  double min_dev_ratio_change = 1e-5;
  double max_dev_ratio = 0.999;
  int min_lambdas_before_stop = 5;
  // The change in deviance ratio is measured from this many lambdas back
  // (glmnet: 1, and min_lambdas_before_stop - 1 for cox).
  int dev_ratio_change_lag = 1;
  // Use covariance (Gram) updates: 1 yes, 0 no, -1 choose automatically.
  int use_gram = -1;
  // Exact solves on a settled support when coordinate descent is slow.
  bool support_solves = true;
  // Threads for the parallel parts (Gram columns); results do not depend on it.
  int n_threads = 1;
};

// Lambda grid request: either user lambdas (decreasing order not required) or
// nlambda log-spaced values from lambda_max down to lambda_min_ratio * lambda_max.
struct LambdaGrid {
  std::vector<double> user_lambda;
  int nlambda = 100;
  double lambda_min_ratio = 1e-4;
};

enum class LambdaStatus : int {
  converged = 0,
  max_passes_reached = 1,
  // The model's step overflowed (x times the fitted means beyond the largest
  // double): the solution is the last finite point, not a minimiser.
  overflow = 2,
};

enum class PathStop : int {
  completed = 0,
  dfmax_reached = 1,
  pmax_exceeded = 2,
  deviance_flat = 3,
  deviance_saturated = 4,
};

struct PathResult {
  std::vector<double> lambda;
  std::vector<double> intercept;
  // Coefficients on the original scale, column-compressed: one column per lambda.
  std::vector<int> beta_row;
  std::vector<int> beta_col_start{0};
  std::vector<double> beta_value;
  std::vector<int> df;
  std::vector<double> dev_ratio;
  std::vector<int> n_passes;
  std::vector<LambdaStatus> status;
  double null_deviance = 0.0;
  PathStop stop = PathStop::completed;
};

}  // namespace glmsparse
