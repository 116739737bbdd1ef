#' Predictions and coefficients from a glmsparse path
#'
#' `s` may be any lambda values: solutions between fitted lambdas are linearly
#' interpolated, as in glmnet; values outside the fitted range are clamped.
#'
#' @param object A fitted `glmsparse` object.
#' @param newx Matrix (dense or `dgCMatrix`) of new observations; needed for
#'   `type = "link"` and `"response"`.
#' @param s Lambda values at which predictions are wanted; default the whole path.
#' @param type `"link"` (linear predictor), `"response"` (the fitted mean:
#'   the linear predictor for gaussian and mgaussian, the probability of the
#'   second class for binomial, the class probabilities for multinomial, the
#'   expected count for poisson, the relative risk \eqn{e^\eta} for cox),
#'   `"class"` (binomial and multinomial: the most probable class),
#'   `"coefficients"` or `"nonzero"`
#'   (indices of the nonzero coefficients at each `s`).
#' @param exact Not supported: solutions are always interpolated.
#' @param newoffset Offset for `newx` (a matrix for the multi-response
#'   families); required if the fit used an offset.
#' @param ... Not used.
#' @return A matrix with one column per value of `s` (a list for `"nonzero"`).
#'   For the multi-response families, `"link"` and `"response"` give an
#'   array (observation x class x `s`), `"class"` a matrix of class labels,
#'   and `"coefficients"` and `"nonzero"` a list with an element per class.
#'   Coefficients of a cox fit have no intercept row, as glmnet's.
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y)
#' predict(fit, newx = diabetes$x[1:3, ], s = c(5, 1))
#' predict(fit, type = "nonzero", s = 5)
#' @export
predict.glmsparse <- function(object, newx, s = NULL,
                              type = c("link", "response", "coefficients", "nonzero", "class"),
                              exact = FALSE, newoffset, ...) {
  type <- match_choice(type, "type", c("link", "response", "coefficients", "nonzero", "class"))
  if (!isFALSE(exact)) stop("`exact = TRUE` is not supported; solutions are interpolated.", call. = FALSE)
  check_dots(substitute(list(...)), character(0), "predict")
  family <- sub("^gs", "", class(object)[1])
  multi <- is_multi_response(object)
  coefficients <- if (multi) {
    lapply(seq_along(object$beta), function(k) {
      interpolated_coefficients(object$a0[k, ], object$beta[[k]], object$lambda, s)
    })
  } else {
    interpolated_coefficients(object$a0, object$beta, object$lambda, s)
  }
  if (multi) names(coefficients) <- names(object$beta)
  if (type == "coefficients") return(coefficients)
  if (type == "nonzero") {
    if (multi) return(lapply(coefficients, function(b) nonzero_indices(b[-1, , drop = FALSE])))
    return(nonzero_indices(coefficients[-1, , drop = FALSE]))
  }
  if (type == "class" && !family %in% c("binomial", "multinomial")) {
    stop(sprintf("`type = \"class\"` is only for families \"binomial\" and \"multinomial\"; this fit is \"%s\".", family), call. = FALSE)
  }
  if (missing(newx)) stop(sprintf("`newx` is required for type = \"%s\".", type), call. = FALSE)
  newx <- check_newx(newx, object$dim[1])
  if (isTRUE(object$offset) && (missing(newoffset) || is.null(newoffset))) {
    stop("`newoffset` is required because the model was fitted with an offset.", call. = FALSE)
  }
  if (multi) return(predict_multi_response(object, family, newx, coefficients, type, newoffset))
  link <- as.matrix(methods::cbind2(1, newx) %*% coefficients)
  if (isTRUE(object$offset)) link <- link + check_offset(newoffset, nrow(newx), "newoffset", "newx")
  if (type == "link" || family == "gaussian") return(link)
  if (family == "poisson") return(exp(link))
  if (type == "response") return(stats::plogis(link))
  classes <- matrix(object$classnames[(link > 0) + 1L], nrow(link), ncol(link), dimnames = dimnames(link))
  classes
}

# Predictions of a multi-response fit: an array (observation x class x s)
# for "link" and "response", a matrix of class labels for "class".
predict_multi_response <- function(object, family, newx, coefficients, type, newoffset) {
  n_responses <- length(coefficients)
  n_s <- ncol(coefficients[[1]])
  link <- array(0, c(nrow(newx), n_responses, n_s),
                dimnames = list(rownames(newx), names(coefficients), colnames(coefficients[[1]])))
  for (k in seq_len(n_responses)) {
    link[, k, ] <- as.matrix(methods::cbind2(1, newx) %*% coefficients[[k]])
  }
  if (isTRUE(object$offset)) {
    newoffset <- check_offset_matrix(newoffset, nrow(newx), n_responses, family, "newoffset")
    link <- link + as.vector(newoffset)
  }
  if (type == "link" || family == "mgaussian") return(link)
  if (type == "response") {
    for (s in seq_len(n_s)) {
      eta <- link[, , s, drop = FALSE]
      dim(eta) <- dim(eta)[1:2]
      eta <- exp(eta - apply(eta, 1, max))
      link[, , s] <- eta / rowSums(eta)
    }
    return(link)
  }
  best <- apply(link, c(1, 3), which.max)
  if (!is.matrix(best)) best <- matrix(best, nrow(newx), n_s)
  matrix(names(coefficients)[best], nrow(newx), n_s, dimnames = list(rownames(newx), colnames(coefficients[[1]])))
}

#' @rdname predict.glmsparse
#' @export
coef.glmsparse <- function(object, s = NULL, exact = FALSE, ...) {
  check_dots(substitute(list(...)), character(0), "coef")
  predict(object, s = s, type = "coefficients", exact = exact, ...)
}

# Coefficients (intercept first, unless the model has none, as for cox) at
# lambda values s, as a dgCMatrix, from a path's intercepts a0 (NULL for
# none) and coefficients beta.
interpolated_coefficients <- function(a0, beta, lambda, s) {
  path <- beta
  if (!is.null(a0)) {
    path <- methods::rbind2(Matrix::Matrix(unname(a0), nrow = 1, sparse = TRUE), beta)
    rownames(path) <- c("(Intercept)", rownames(beta))
  }
  if (is.null(s)) return(path)
  if (!is.numeric(s) || length(s) < 1L || any(!is.finite(s)) || any(s < 0)) {
    stop("`s` must be a numeric vector of non-negative lambda values.", call. = FALSE)
  }
  weights <- lambda_interpolation(lambda, s)
  left <- path[, weights$left, drop = FALSE]
  right <- path[, weights$right, drop = FALSE]
  blended <- left %*% Matrix::Diagonal(x = weights$frac) +
    right %*% Matrix::Diagonal(x = 1 - weights$frac)
  blended <- methods::as(methods::as(blended, "CsparseMatrix"), "generalMatrix")
  dimnames(blended) <- list(rownames(path), paste0("s", seq_along(s)))
  blended
}

nonzero_indices <- function(beta) {
  beta <- methods::as(beta, "TsparseMatrix")
  keep <- beta@x != 0
  columns <- split(beta@i[keep] + 1L, factor(beta@j[keep] + 1L, levels = seq_len(ncol(beta))))
  names(columns) <- colnames(beta)
  lapply(columns, sort)
}

check_newx <- function(newx, nvars) {
  newx <- as_numeric_design(newx, "`newx` must be a numeric matrix or a sparse Matrix.")
  if (ncol(newx) != nvars) {
    stop(sprintf("`newx` must have %d columns, as the fitted `x`; got %d.", nvars, ncol(newx)), call. = FALSE)
  }
  if (nrow(newx) < 1L) stop("`newx` must have at least one row.", call. = FALSE)
  if (!all_finite_cpp(if (inherits(newx, "dgCMatrix")) newx@x else newx)) {
    stop("`newx` must not contain NA, NaN or Inf values.", call. = FALSE)
  }
  newx
}

#' Deviance along a glmsparse path
#'
#' @param object A fitted `glmsparse` object.
#' @param ... Not used.
#' @return The deviance, `(1 - dev.ratio) * nulldev`, at each lambda.
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y)
#' head(deviance(fit))
#' @export
deviance.glmsparse <- function(object, ...) {
  (1 - object$dev.ratio) * object$nulldev
}
