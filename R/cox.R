# The Cox model: the survival response, strata and predictions without an
# intercept. The fit itself is glmsparse(x, y, family = "cox").

#' Add strata to a survival response
#'
#' Attaches a stratum to each observation of a `survival::Surv` response, for
#' `glmsparse(family = "cox")`: each stratum then has its own baseline hazard,
#' so risk sets are formed within strata and the partial likelihoods of the
#' strata are summed. The result is the same as that of `glmnet::stratifySurv()`
#' and either may be passed to `glmsparse()`.
#'
#' @param y A `survival::Surv` object of type `"right"` or `"counting"`.
#' @param strata A vector (numeric, character or factor) with one stratum per
#'   observation; default one stratum for all.
#' @return `y` with the strata in attribute `"strata"` and class
#'   `"stratifySurv"` added.
#' @examples
#' if (requireNamespace("survival", quietly = TRUE)) {
#'   set.seed(1)
#'   x <- matrix(rnorm(200 * 5), 200, 5)
#'   y <- survival::Surv(rexp(200, exp(x[, 1])), rbinom(200, 1, 0.7))
#'   centre <- sample(c("A", "B"), 200, replace = TRUE)
#'   fit <- glmsparse(x, stratifySurv(y, centre), family = "cox")
#'   coef(fit, s = 0.02)
#' }
#' @export
stratifySurv <- function(y, strata = rep(1, length(y))) {
  if (!inherits(y, "Surv")) stop("`y` must be a survival::Surv object.", call. = FALSE)
  if (length(strata) != nrow(y)) {
    stop(sprintf("`strata` has length %d but `y` has %d observations.", length(strata), nrow(y)), call. = FALSE)
  }
  if (anyNA(strata)) stop("`strata` must not contain NA values.", call. = FALSE)
  attr(y, "strata") <- strata
  if (!inherits(y, "stratifySurv")) class(y) <- c("stratifySurv", class(y))
  y
}

# A Surv response for family "cox" as the core reads it: a numeric matrix with
# columns (time, status) or (start, stop, status) and integer stratum codes
# in attribute "strata" when there are strata.
check_y_cox <- function(y, nobs, weights) {
  if (!inherits(y, "Surv")) {
    stop("`y` must be a survival::Surv object for family \"cox\", e.g. Surv(time, status).", call. = FALSE)
  }
  type <- attr(y, "type")
  if (!identical(type, "right") && !identical(type, "counting")) {
    stop(sprintf("`y` for family \"cox\" must be a Surv object of type \"right\" or \"counting\"; got \"%s\".",
                 paste(type, collapse = " ")), call. = FALSE)
  }
  if (nrow(y) != nobs) {
    stop(sprintf("`y` for family \"cox\" has %d rows but `x` has %d rows.", nrow(y), nobs), call. = FALSE)
  }
  response <- matrix(as.double(unclass(y)), nrow = nobs)
  if (any(!is.finite(response))) {
    stop("`y` for family \"cox\" must not contain NA, NaN or Inf values.", call. = FALSE)
  }
  status <- response[, ncol(response)]
  stop_time <- response[, ncol(response) - 1L]
  if (!all(status == 0 | status == 1)) {
    stop("`y` for family \"cox\" must have status 0 (censored) or 1 (event).", call. = FALSE)
  }
  if (any(stop_time <= 0)) {
    time_name <- if (type == "counting") "stop times" else "times"
    stop(sprintf("`y` for family \"cox\" must have positive %s.", time_name), call. = FALSE)
  }
  if (type == "counting" && any(response[, 1] >= stop_time)) {
    stop("`y` for family \"cox\" must have start < stop in every row.", call. = FALSE)
  }
  if (!any(status == 1 & weights > 0)) {
    stop("`y` for family \"cox\" has no events (with positive weight): there is nothing to fit.", call. = FALSE)
  }
  strata <- attr(y, "strata")
  if (!is.null(strata)) {
    if (length(strata) != nobs) {
      stop(sprintf("`y` for family \"cox\" has a \"strata\" attribute of length %d; it needs one value per row (%d).",
                   length(strata), nobs), call. = FALSE)
    }
    if (anyNA(strata)) {
      stop("`y` for family \"cox\" must not have NA values in its \"strata\" attribute.", call. = FALSE)
    }
    attr(response, "strata") <- as.integer(factor(strata))
  }
  response
}

# glmnet stops a default cox path by its own rule: once the deviance ratio
# has grown by less than 100 * fdev times itself over the last mnlam - 1
# lambdas, or exceeds 0.99 / 0.999 * devmax.
cox_early_stop <- function(control) {
  list(fdev = 100 * control$fdev, devmax = control$devmax * 0.99 / 0.999,
       dev_ratio_lag = as.integer(control$mnlam - 1L))
}

#' @rdname predict.glmsparse
#' @export
predict.gscox <- function(object, newx, s = NULL,
                          type = c("link", "response", "coefficients", "nonzero"),
                          exact = FALSE, newoffset, ...) {
  if (identical(type, "class")) {
    stop("`type = \"class\"` is only for families \"binomial\" and \"multinomial\"; this fit is \"cox\".", call. = FALSE)
  }
  type <- match_choice(type, "type", c("link", "response", "coefficients", "nonzero"))
  if (!isFALSE(exact)) stop("`exact = TRUE` is not supported; solutions are interpolated.", call. = FALSE)
  check_dots(substitute(list(...)), character(0), "predict")
  coefficients <- interpolated_coefficients(object$a0, object$beta, object$lambda, s)
  if (type == "coefficients") return(coefficients)
  if (type == "nonzero") return(nonzero_indices(coefficients))
  if (missing(newx)) stop(sprintf("`newx` is required for type = \"%s\".", type), call. = FALSE)
  newx <- check_newx(newx, nrow(object$beta))
  link <- as.matrix(newx %*% coefficients)
  if (isTRUE(object$offset)) {
    if (missing(newoffset) || is.null(newoffset)) {
      stop("`newoffset` is required because the model was fitted with an offset.", call. = FALSE)
    }
    newoffset <- check_offset(newoffset, nrow(newx), "newoffset", "newx")
    link <- link + newoffset
  }
  if (type == "response") exp(link) else link
}
