#' glmsparse: fast regularization paths for penalized regression
#'
#' Fits lasso and elastic-net regularization paths with the interface of
#' glmnet: [glmsparse()] fits a path; `print()`, `coef()`, `predict()`,
#' `plot()`, `deviance()` and `summary()` work on the result.
#'
#' @useDynLib glmsparse, .registration = TRUE
#' @importFrom Rcpp evalCpp
#' @importFrom RcppParallel RcppParallelLibs
#' @import Matrix
#' @keywords internal
"_PACKAGE"
