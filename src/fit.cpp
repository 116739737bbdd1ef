// Rcpp glue for path fits: R objects in, Eigen maps over R's memory, one
// dispatch on family and design type, a plain list back.
#include "glue.h"

using namespace glue;


// [[Rcpp::export]]
Rcpp::List fit_path_cpp(SEXP x, std::string family, Rcpp::NumericVector y,
                        Rcpp::NumericVector weights, Rcpp::NumericVector offset,
                        Rcpp::NumericVector penalty_factor, Rcpp::NumericVector lower_limit,
                        Rcpp::NumericVector upper_limit, Rcpp::LogicalVector excluded,
                        Rcpp::NumericVector lambda, int nlambda, double lambda_min_ratio,
                        Rcpp::List control, Rcpp::Nullable<Rcpp::Function> progress) {
  glmsparse::ProblemData data;
  glmsparse::SurvivalData survival;
  single_response_data(family, y, weights, offset, penalty_factor, lower_limit, upper_limit,
                       excluded, data, survival);
  const glmsparse::FitOptions options = to_options(control);
  const glmsparse::LambdaGrid grid = to_grid(lambda, nlambda, lambda_min_ratio);
  RMonitor monitor(progress);
  return to_list(with_design(x, [&](auto& design) {
    return fit_single_response(design, family, data, survival, options, grid, monitor);
  }));
}

// Multi-response families: y and offset are n x K matrices.
// [[Rcpp::export]]
Rcpp::List fit_multi_path_cpp(SEXP x, std::string family, Rcpp::NumericMatrix y,
                              Rcpp::NumericVector weights, Rcpp::NumericMatrix offset,
                              bool grouped, Rcpp::NumericVector penalty_factor,
                              Rcpp::NumericVector lower_limit, Rcpp::NumericVector upper_limit,
                              Rcpp::LogicalVector excluded, Rcpp::NumericVector lambda,
                              int nlambda, double lambda_min_ratio, Rcpp::List control,
                              Rcpp::Nullable<Rcpp::Function> progress) {
  const glmsparse::MultiProblemData data = multi_response_data(
      y, weights, offset, penalty_factor, lower_limit, upper_limit, excluded);
  const glmsparse::FitOptions options = to_options(control);
  const glmsparse::LambdaGrid grid = to_grid(lambda, nlambda, lambda_min_ratio);
  RMonitor monitor(progress);
  return to_list(with_design(x, [&](auto& design) {
    return fit_multi_response(design, family, data, options, grouped, grid, monitor);
  }));
}
