// Rcpp glue for the relaxed lasso: the penalized path comes back from R in
// the plain-list form that fit_path_cpp / fit_multi_path_cpp returned, and
// the relaxed path goes back in the same form.
#include "relax.h"

using namespace glue;

namespace {

std::vector<glmsparse::LambdaStatus> to_status(const Rcpp::IntegerVector& codes) {
  std::vector<glmsparse::LambdaStatus> status;
  for (int code : codes) status.push_back(static_cast<glmsparse::LambdaStatus>(code));
  return status;
}

template <class Result>
void set_path_fields(const Rcpp::List& raw, Result& result) {
  result.lambda = Rcpp::as<std::vector<double>>(raw["lambda"]);
  result.intercept = Rcpp::as<std::vector<double>>(raw["a0"]);
  result.df = Rcpp::as<std::vector<int>>(raw["df"]);
  result.dev_ratio = Rcpp::as<std::vector<double>>(raw["dev_ratio"]);
  result.n_passes = Rcpp::as<std::vector<int>>(raw["npasses"]);
  result.status = to_status(raw["status"]);
  result.null_deviance = Rcpp::as<double>(raw["nulldev"]);
  result.stop = static_cast<glmsparse::PathStop>(Rcpp::as<int>(raw["stop"]));
}

glmsparse::PathResult path_from_list(const Rcpp::List& raw) {
  glmsparse::PathResult result;
  set_path_fields(raw, result);
  result.beta_row = Rcpp::as<std::vector<int>>(raw["beta_i"]);
  result.beta_col_start = Rcpp::as<std::vector<int>>(raw["beta_p"]);
  result.beta_value = Rcpp::as<std::vector<double>>(raw["beta_x"]);
  return result;
}

glmsparse::MultiPathResult multi_path_from_list(const Rcpp::List& raw) {
  glmsparse::MultiPathResult result;
  set_path_fields(raw, result);
  result.response_df = Rcpp::as<std::vector<int>>(raw["dfmat"]);
  const Rcpp::List beta = raw["beta"];
  for (R_xlen_t k = 0; k < beta.size(); ++k) {
    const Rcpp::List part = beta[k];
    glmsparse::CompressedColumns columns;
    columns.row = Rcpp::as<std::vector<int>>(part["i"]);
    columns.column_start = Rcpp::as<std::vector<int>>(part["p"]);
    columns.value = Rcpp::as<std::vector<double>>(part["x"]);
    result.beta.push_back(std::move(columns));
  }
  return result;
}

}  // namespace

// The relaxed path of `penalized` (fit_path_cpp's result on the same
// arguments); `max_active` is the largest active set refitted.
// [[Rcpp::export]]
Rcpp::List relax_path_cpp(SEXP x, std::string family, Rcpp::NumericVector y,
                          Rcpp::NumericVector weights, Rcpp::NumericVector offset,
                          Rcpp::NumericVector penalty_factor, Rcpp::NumericVector lower_limit,
                          Rcpp::NumericVector upper_limit, Rcpp::LogicalVector excluded,
                          Rcpp::List penalized, Rcpp::List control, int max_active,
                          Rcpp::Nullable<Rcpp::Function> progress) {
  glmsparse::ProblemData data;
  glmsparse::SurvivalData survival;
  single_response_data(family, y, weights, offset, penalty_factor, lower_limit, upper_limit,
                       excluded, data, survival);
  const glmsparse::FitOptions options = to_options(control);
  const glmsparse::PathResult path = path_from_list(penalized);
  RMonitor monitor(progress);
  return to_list(with_design(x, [&](auto& design) {
    return relax_single_response(design, family, data, survival, options, path, max_active,
                                 monitor);
  }));
}

// The relaxed path of a multi-response path (fit_multi_path_cpp's result).
// [[Rcpp::export]]
Rcpp::List relax_multi_path_cpp(SEXP x, std::string family, Rcpp::NumericMatrix y,
                                Rcpp::NumericVector weights, Rcpp::NumericMatrix offset,
                                bool grouped, Rcpp::NumericVector penalty_factor,
                                Rcpp::NumericVector lower_limit, Rcpp::NumericVector upper_limit,
                                Rcpp::LogicalVector excluded, Rcpp::List penalized,
                                Rcpp::List control, int max_active,
                                Rcpp::Nullable<Rcpp::Function> progress) {
  const glmsparse::MultiProblemData data = multi_response_data(
      y, weights, offset, penalty_factor, lower_limit, upper_limit, excluded);
  const glmsparse::FitOptions options = to_options(control);
  const glmsparse::MultiPathResult path = multi_path_from_list(penalized);
  RMonitor monitor(progress);
  return to_list(with_design(x, [&](auto& design) {
    return relax_multi_response(design, family, data, options, grouped, path, max_active,
                                monitor);
  }));
}
