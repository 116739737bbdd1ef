#' glmsparse: fast regularization paths for penalized regression
#'
#' Fits lasso and elastic-net regularization paths with the interface of
#' glmnet: [glmsparse()] fits a path; `print()`, `coef()`, `predict()`,
#' `plot()`, `deviance()` and `summary()` work on the result.
#'
#' @docType package
#' @name glmsparse-package
#' @aliases glmsparse-package
#' @useDynLib glmsparse, .registration = TRUE
#' @importFrom Rcpp evalCpp
#' @importFrom RcppParallel RcppParallelLibs
#' @importFrom stats predict
#' @import Matrix
#' @keywords internal
NULL
