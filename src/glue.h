// Shared Rcpp glue: R objects to the core's types (maps over R's memory,
// never copies of x), the core's results to plain R lists, and the monitor
// that lets the main thread check for interrupts and report progress.
#pragma once

#include <RcppEigen.h>

#include <glmsparse/glmsparse.hpp>

namespace glue {

// Interrupts and progress for the core, on the main thread only.
class RMonitor : public glmsparse::Monitor {
 public:
  explicit RMonitor(Rcpp::Nullable<Rcpp::Function> progress) : progress_(progress) {}
  void check_interrupt() override { Rcpp::checkUserInterrupt(); }
  void lambda_done(int index, int total) override {
    Rcpp::checkUserInterrupt();
    if (progress_.isNotNull()) Rcpp::Function(progress_.get())(index + 1, total);
  }

 private:
  Rcpp::Nullable<Rcpp::Function> progress_;
};

inline Eigen::VectorXd to_vector(const Rcpp::NumericVector& v) {
  return Eigen::Map<const Eigen::VectorXd>(v.begin(), v.size());
}

inline Eigen::MatrixXd to_matrix(const Rcpp::NumericMatrix& m) {
  return Eigen::Map<const Eigen::MatrixXd>(m.begin(), m.nrow(), m.ncol());
}

// For family "cox", y is the survival matrix, columns (time, status) or
// (start, stop, status), with integer stratum codes in attribute "strata".
inline glmsparse::SurvivalData survival_data(const Rcpp::NumericVector& y) {
  const Rcpp::IntegerVector dim = y.attr("dim");
  const Eigen::Index n = dim[0];
  const Eigen::Map<const Eigen::MatrixXd> columns(y.begin(), n, dim[1]);
  glmsparse::SurvivalData survival;
  if (dim[1] == 3) survival.start = columns.col(0);
  survival.stop = columns.col(dim[1] - 2);
  survival.status = columns.col(dim[1] - 1);
  if (y.hasAttribute("strata")) {
    const Rcpp::IntegerVector strata = y.attr("strata");
    survival.strata.assign(strata.begin(), strata.end());
  }
  return survival;
}

// The fields every family's problem data shares.
template <class Data>
void set_weights_and_penalty(Data& data, const Rcpp::NumericVector& weights,
                             const Rcpp::NumericVector& penalty_factor,
                             const Rcpp::NumericVector& lower_limit,
                             const Rcpp::NumericVector& upper_limit,
                             const Rcpp::LogicalVector& excluded) {
  data.weights = to_vector(weights);
  data.penalty_factor = to_vector(penalty_factor);
  data.lower_limit = to_vector(lower_limit);
  data.upper_limit = to_vector(upper_limit);
  data.excluded.assign(excluded.begin(), excluded.end());
}

inline glmsparse::FitOptions to_options(const Rcpp::List& control) {
  glmsparse::FitOptions options;
  options.alpha = Rcpp::as<double>(control["alpha"]);
  options.standardize = Rcpp::as<bool>(control["standardize"]);
  options.intercept = Rcpp::as<bool>(control["intercept"]);
  options.thresh = Rcpp::as<double>(control["thresh"]);
  options.thresh_factor = Rcpp::as<double>(control["thresh_factor"]);
  options.max_passes_per_lambda = Rcpp::as<int>(control["maxit"]);
  options.dfmax = Rcpp::as<int>(control["dfmax"]);
  options.pmax = Rcpp::as<int>(control["pmax"]);
  options.early_stop = Rcpp::as<bool>(control["early_stop"]);
  options.min_dev_ratio_change = Rcpp::as<double>(control["fdev"]);
  options.max_dev_ratio = Rcpp::as<double>(control["devmax"]);
  options.min_lambdas_before_stop = Rcpp::as<int>(control["mnlam"]);
  if (control.containsElementNamed("dev_ratio_lag"))
    options.dev_ratio_change_lag = Rcpp::as<int>(control["dev_ratio_lag"]);
  options.use_gram = Rcpp::as<int>(control["use_gram"]);
  options.support_solves = Rcpp::as<bool>(control["support_solves"]);
  options.n_threads = Rcpp::as<int>(control["n_threads"]);
  return options;
}

inline glmsparse::LambdaGrid to_grid(const Rcpp::NumericVector& lambda, int nlambda,
                              double lambda_min_ratio) {
  glmsparse::LambdaGrid grid;
  grid.user_lambda.assign(lambda.begin(), lambda.end());
  grid.nlambda = nlambda;
  grid.lambda_min_ratio = lambda_min_ratio;
  return grid;
}

inline std::vector<int> to_codes(const std::vector<glmsparse::LambdaStatus>& status) {
  std::vector<int> codes;
  for (auto s : status) codes.push_back(static_cast<int>(s));
  return codes;
}

// Calls fit(design) with x as a dense or a sparse design, each a map over
// R's memory.
template <class Fit>
auto with_design(SEXP x, Fit&& fit) {
  if (Rf_isS4(x)) {
    Rcpp::S4 sparse(x);
    const Rcpp::IntegerVector dim = sparse.slot("Dim");
    const Rcpp::IntegerVector row_index = sparse.slot("i");
    const Rcpp::IntegerVector column_start = sparse.slot("p");
    const Rcpp::NumericVector values = sparse.slot("x");
    glmsparse::SparseDesign::Matrix map(dim[0], dim[1], values.size(), column_start.begin(),
                                        row_index.begin(), values.begin());
    glmsparse::SparseDesign design(map);
    return fit(design);
  }
  Rcpp::NumericMatrix dense(x);
  glmsparse::DenseDesign::Matrix map(dense.begin(), dense.nrow(), dense.ncol());
  glmsparse::DenseDesign design(map);
  return fit(design);
}

inline Rcpp::List to_list(const glmsparse::PathResult& r) {
  return Rcpp::List::create(
      Rcpp::Named("lambda") = r.lambda, Rcpp::Named("a0") = r.intercept,
      Rcpp::Named("beta_i") = r.beta_row, Rcpp::Named("beta_p") = r.beta_col_start,
      Rcpp::Named("beta_x") = r.beta_value, Rcpp::Named("df") = r.df,
      Rcpp::Named("dev_ratio") = r.dev_ratio, Rcpp::Named("npasses") = r.n_passes,
      Rcpp::Named("status") = to_codes(r.status), Rcpp::Named("nulldev") = r.null_deviance,
      Rcpp::Named("stop") = static_cast<int>(r.stop));
}

inline Rcpp::List to_list(const glmsparse::MultiPathResult& r) {
  Rcpp::List beta(r.beta.size());
  for (std::size_t k = 0; k < r.beta.size(); ++k)
    beta[k] = Rcpp::List::create(Rcpp::Named("i") = r.beta[k].row,
                                 Rcpp::Named("p") = r.beta[k].column_start,
                                 Rcpp::Named("x") = r.beta[k].value);
  return Rcpp::List::create(
      Rcpp::Named("lambda") = r.lambda, Rcpp::Named("a0") = r.intercept,
      Rcpp::Named("beta") = beta, Rcpp::Named("df") = r.df,
      Rcpp::Named("dfmat") = r.response_df, Rcpp::Named("dev_ratio") = r.dev_ratio,
      Rcpp::Named("npasses") = r.n_passes, Rcpp::Named("status") = to_codes(r.status),
      Rcpp::Named("nulldev") = r.null_deviance, Rcpp::Named("stop") = static_cast<int>(r.stop));
}

// The problem data of a single-response family; for "cox", y is the
// survival matrix and goes to `survival`.
inline void single_response_data(const std::string& family, const Rcpp::NumericVector& y,
                                 const Rcpp::NumericVector& weights,
                                 const Rcpp::NumericVector& offset,
                                 const Rcpp::NumericVector& penalty_factor,
                                 const Rcpp::NumericVector& lower_limit,
                                 const Rcpp::NumericVector& upper_limit,
                                 const Rcpp::LogicalVector& excluded,
                                 glmsparse::ProblemData& data, glmsparse::SurvivalData& survival) {
  if (family == "cox")
    survival = survival_data(y);
  else
    data.y = to_vector(y);
  data.offset = to_vector(offset);
  set_weights_and_penalty(data, weights, penalty_factor, lower_limit, upper_limit, excluded);
}

// The one dispatch on a single-response family.
template <class Design>
glmsparse::PathResult fit_single_response(Design& design, const std::string& family,
                                          const glmsparse::ProblemData& data,
                                          const glmsparse::SurvivalData& survival,
                                          const glmsparse::FitOptions& options,
                                          const glmsparse::LambdaGrid& grid,
                                          glmsparse::Monitor& monitor) {
  if (family == "binomial")
    return glmsparse::fit_glm_path<glmsparse::Binomial>(design, data, options, grid, monitor);
  if (family == "poisson")
    return glmsparse::fit_glm_path<glmsparse::Poisson>(design, data, options, grid, monitor);
  if (family == "cox") return glmsparse::fit_cox_path(design, data, survival, options, grid, monitor);
  return glmsparse::fit_gaussian_path(design, data, options, grid, monitor);
}

// The problem data of a multi-response family: y and offset are n x K.
inline glmsparse::MultiProblemData multi_response_data(
    const Rcpp::NumericMatrix& y, const Rcpp::NumericVector& weights,
    const Rcpp::NumericMatrix& offset, const Rcpp::NumericVector& penalty_factor,
    const Rcpp::NumericVector& lower_limit, const Rcpp::NumericVector& upper_limit,
    const Rcpp::LogicalVector& excluded) {
  glmsparse::MultiProblemData data;
  data.y = to_matrix(y);
  data.offset = to_matrix(offset);
  set_weights_and_penalty(data, weights, penalty_factor, lower_limit, upper_limit, excluded);
  return data;
}

// The one dispatch on a multi-response family ("multinomial" or "mgaussian").
template <class Design>
glmsparse::MultiPathResult fit_multi_response(Design& design, const std::string& family,
                                              const glmsparse::MultiProblemData& data,
                                              const glmsparse::FitOptions& options, bool grouped,
                                              const glmsparse::LambdaGrid& grid,
                                              glmsparse::Monitor& monitor) {
  if (family == "multinomial")
    return glmsparse::fit_multi_path<glmsparse::Multinomial>(design, data, options, grouped, grid,
                                                             monitor);
  return glmsparse::fit_multi_path<glmsparse::MultiGaussian>(design, data, options, grouped, grid,
                                                             monitor);
}

}  // namespace glue
