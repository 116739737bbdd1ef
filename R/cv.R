#' Cross-validation for glmsparse
#'
#' K-fold cross-validation of a glmsparse path, with glmnet's `cv.glmnet()`
#' arguments and result. The folds are fitted in parallel by the C++ core,
#' one fold per thread, all reading the same `x` (a fold leaves its held-out
#' observations out through zero weights, so `x` is never copied); the
#' results are identical whatever the number of threads.
#'
#' So far the gaussian, binomial and poisson families are supported, with
#' `alignment = "lambda"`.
#'
#' @inheritParams glmsparse
#' @param type.measure The loss to cross-validate: `"default"` (`"mse"` for
#'   gaussian, `"deviance"` otherwise), `"mse"`, `"mae"`, `"deviance"`, and
#'   for binomial also `"class"` (misclassification) and `"auc"`.
#' @param nfolds Number of folds, at least 3 (10 by default); ignored when
#'   `foldid` is given.
#' @param foldid Optional vector of fold numbers 1, ..., nfolds, one per
#'   observation.
#' @param alignment Only `"lambda"`: every fold is fitted at the lambdas of
#'   the fit on all the data.
#' @param grouped As in glmnet: `TRUE` computes the measure and its standard
#'   error from the per-fold averages; `FALSE` (and `"auc"` always) per
#'   observation.
#' @param keep If `TRUE`, the result also holds the pre-validated fits
#'   `fit.preval` (link scale, binomial: probabilities) and `foldid`.
#' @param stratified If `TRUE` and `foldid` is not given, binomial folds are
#'   drawn so that each class is spread evenly across the folds.
#' @param trace.it If 1, a progress bar over the folds.
#' @param nthreads Number of threads for the folds (and for the fit on all
#'   the data); by default, RcppParallel's default (all cores unless set by
#'   `RcppParallel::setThreadOptions()`).
#' @param ... Further arguments of [glmsparse()], such as `alpha`.
#' @return An object of class `"cv.glmsparse"` with glmnet's fields: `lambda`,
#'   `cvm`, `cvsd`, `cvup`, `cvlo`, `nzero`, `name`, `glmsparse.fit`,
#'   `lambda.min`, `lambda.1se`, `index`, `call`, and `fit.preval` and
#'   `foldid` when `keep = TRUE`.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' cv <- cv.glmsparse(diabetes$x, diabetes$y, nfolds = 5)
#' cv
#' coef(cv, s = "lambda.min")
#' plot(cv)
#' @export
cv.glmsparse <- function(x, y, family = "gaussian", weights = NULL, offset = NULL,
                         lambda = NULL,
                         type.measure = c("default", "mse", "deviance", "class", "auc", "mae", "C"),
                         nfolds = 10, foldid = NULL, alignment = c("lambda", "fraction"),
                         grouped = TRUE, keep = FALSE, stratified = FALSE, trace.it = 0,
                         nthreads = NULL, ...) {
  this.call <- match.call()
  family <- check_family(family)
  if (!family %in% c("gaussian", "binomial", "poisson")) {
    stop(sprintf("`family` = \"%s\" is not supported by cv.glmsparse yet; use \"gaussian\", \"binomial\" or \"poisson\".", family), call. = FALSE)
  }
  type.measure <- check_type_measure(type.measure, family)
  alignment <- check_choice(alignment, "alignment", c("lambda", "fraction"))
  if (alignment != "lambda") stop("`alignment = \"fraction\"` is not supported yet; use \"lambda\".", call. = FALSE)
  grouped <- check_flag(grouped, "grouped")
  keep <- check_flag(keep, "keep")
  stratified <- check_flag(stratified, "stratified")
  trace.it <- check_number(trace.it, "trace.it", 0)
  nthreads <- check_nthreads(nthreads)

  spec <- fit_spec(x = x, y = y, family = family, weights = weights, offset = offset,
                   lambda = lambda, nthreads = nthreads, ...)
  nobs <- spec$nobs
  foldid <- if (is.null(foldid)) {
    nfolds <- check_number(nfolds, "nfolds", 3, nobs, integer = TRUE)
    draw_folds(nobs, nfolds, if (stratified && family == "binomial") spec$y else NULL)
  } else {
    check_foldid(foldid, nobs)
  }
  nfolds <- max(foldid)

  full <- fit_from_spec(spec)
  fit <- full$fit
  # The full fit's call: this call without the arguments of cross-validation.
  fit_call <- this.call
  fit_call[[1]] <- quote(glmsparse)
  cv_only <- c("type.measure", "nfolds", "foldid", "alignment", "grouped", "keep", "stratified")
  fit_call <- fit_call[!names(fit_call) %in% cv_only]
  fit$call <- fit_call
  report_path_problems(fit, full$stop, spec$pmax, spec$dfmax)
  lambda <- fit$lambda
  # The core's own lambdas: the reported first lambda of a default grid is
  # extrapolated (as glmnet reports it) and the folds must be fitted at the
  # values actually used.
  fold_lambda <- if (is.null(spec$lambda)) fitted_lambdas(lambda) else lambda

  progress <- if (trace.it >= 1) fold_progress_bar(nfolds) else NULL
  raw_folds <- fit_folds_cpp(
    spec$x, family, spec$y, spec$weights,
    if (is.null(spec$offset)) rep(0, nobs) else spec$offset,
    spec$penalty.factor, spec$limits$lower, spec$limits$upper, spec$excluded, fold_lambda,
    spec$control, as.integer(foldid), as.integer(nfolds), nthreads,
    if (is.null(progress)) NULL else progress$update
  )
  if (!is.null(progress)) progress$finish()
  fold_link <- held_out_link(raw_folds, spec, foldid, lambda)

  cv_raw <- cv_raw_measure(fold_link, spec, foldid, type.measure, grouped)
  stats <- cv_statistics(cv_raw, foldid, lambda, fit$df)
  out <- c(stats, list(call = this.call, name = measure_name(type.measure, family),
                       glmsparse.fit = fit))
  if (keep) {
    preval <- if (family == "binomial") stats::plogis(fold_link) else fold_link
    out <- c(out, list(fit.preval = preval, foldid = foldid))
  }
  out <- c(out, optimal_lambdas(out$lambda, out$cvm, out$cvsd, type.measure))
  class(out) <- "cv.glmsparse"
  out
}

# The lambdas the core fitted on a default grid: the first is lambda_max,
# reported (as glmnet does) extrapolated from the next two.
fitted_lambdas <- function(lambda) {
  if (length(lambda) >= 3L) lambda[1] <- lambda[2]^2 / lambda[3]
  lambda
}

check_type_measure <- function(type.measure, family) {
  choices <- c("default", "mse", "deviance", "class", "auc", "mae", "C")
  type.measure <- check_choice(type.measure, "type.measure", choices)
  allowed <- switch(family,
    gaussian = c("mse", "mae", "deviance"),
    binomial = c("deviance", "class", "auc", "mse", "mae"),
    poisson = c("deviance", "mse", "mae"))
  if (type.measure == "default") return(if (family == "gaussian") "mse" else "deviance")
  if (!type.measure %in% allowed) {
    stop(sprintf("`type.measure` = \"%s\" does not suit family \"%s\"; use one of %s.",
                 type.measure, family, paste0("\"", allowed, "\"", collapse = ", ")), call. = FALSE)
  }
  type.measure
}

check_foldid <- function(foldid, nobs) {
  if (!is.numeric(foldid) || any(!is.finite(foldid)) || any(foldid != round(foldid))) {
    stop("`foldid` must be a vector of whole fold numbers.", call. = FALSE)
  }
  if (length(foldid) != nobs) {
    stop(sprintf("`foldid` has length %d but `x` has %d rows.", length(foldid), nobs), call. = FALSE)
  }
  nfolds <- max(foldid)
  if (min(foldid) < 1 || !all(seq_len(nfolds) %in% foldid)) {
    stop("`foldid` must number the folds 1, ..., nfolds, each with at least one observation.", call. = FALSE)
  }
  if (nfolds < 3) stop("`foldid` must define at least 3 folds.", call. = FALSE)
  as.integer(foldid)
}

# Folds from the session's random number generator, as glmnet draws them;
# stratified: each class's observations are dealt out across the folds in
# turn, starting where the previous class stopped.
draw_folds <- function(nobs, nfolds, y = NULL) {
  if (is.null(y)) return(sample(rep(seq_len(nfolds), length.out = nobs)))
  foldid <- integer(nobs)
  start <- 0L
  for (class in sort(unique(y))) {
    members <- which(y == class)
    members <- members[sample.int(length(members))]
    foldid[members] <- (start + seq_along(members) - 1L) %% nfolds + 1L
    start <- (start + length(members)) %% nfolds
  }
  foldid
}

# n x nlambda linear predictors of each observation from the fold that held
# it out, offset included.
held_out_link <- function(raw_folds, spec, foldid, lambda) {
  link <- matrix(NA_real_, spec$nobs, length(lambda))
  for (f in seq_along(raw_folds)) {
    held_out <- which(foldid == f)
    fold_fit <- path_object(raw_folds[[f]], spec$x, spec$nobs, spec$nvars, is_user_lambda = TRUE)
    coefficients <- rbind(fold_fit$a0, fold_fit$beta)
    fold_x <- spec$x[held_out, , drop = FALSE]
    link[held_out, ] <- as.matrix(cbind(1, fold_x) %*% coefficients)
    if (!is.null(spec$offset)) link[held_out, ] <- link[held_out, ] + spec$offset[held_out]
  }
  link
}

# Per-observation losses (or, for "auc", per-fold values) as glmnet defines
# them, with the weights they are averaged with.
cv_raw_measure <- function(link, spec, foldid, type.measure, grouped) {
  y <- spec$y
  weights <- spec$weights
  nfolds <- max(foldid)
  if (spec$nobs / nfolds < 3 && grouped) {
    warning("Fewer than 3 observations per fold: `grouped = FALSE` is used.", call. = FALSE)
    grouped <- FALSE
  }
  if (spec$family == "binomial" && type.measure == "auc") {
    probability <- stats::plogis(link)
    per_fold <- t(vapply(seq_len(nfolds), function(f) {
      held_out <- foldid == f
      apply(probability[held_out, , drop = FALSE], 2, weighted_auc,
            y = y[held_out], weights = weights[held_out])
    }, numeric(ncol(link))))
    return(list(values = per_fold, weights = as.vector(tapply(weights, foldid, sum)),
                by_fold = TRUE))
  }
  values <- switch(spec$family,
    gaussian = switch(type.measure, mae = abs(y - link), (y - link)^2),
    poisson = {
      mu <- exp(link)
      switch(type.measure,
        mse = (y - mu)^2,
        mae = abs(y - mu),
        deviance = 2 * (ifelse(y > 0, y * log(y), 0) - y * link - y + mu))
    },
    binomial = {
      probability <- stats::plogis(link)
      switch(type.measure,
        mse = 2 * (y - probability)^2,
        mae = 2 * abs(y - probability),
        class = (1 - y) * (probability >= 0.5) + y * (probability <= 0.5),
        deviance = {
          # As glmnet: probabilities kept within [1e-5, 1 - 1e-5].
          clamped <- pmin(pmax(probability, 1e-5), 1 - 1e-5)
          saturated <- ifelse(y > 0, y * log(y), 0) + ifelse(y < 1, (1 - y) * log(1 - y), 0)
          2 * (saturated - (y * log(clamped) + (1 - y) * log(1 - clamped)))
        })
    })
  if (!grouped) return(list(values = values, weights = weights, by_fold = FALSE))
  per_fold <- t(vapply(seq_len(nfolds), function(f) {
    held_out <- foldid == f
    colSums(values[held_out, , drop = FALSE] * weights[held_out]) / sum(weights[held_out])
  }, numeric(ncol(values))))
  list(values = per_fold, weights = as.vector(tapply(weights, foldid, sum)), by_fold = TRUE)
}

# Weighted area under the ROC curve: the weighted share of (event, non-event)
# pairs ranked correctly, ties counting one half.
weighted_auc <- function(probability, y, weights) {
  event_weight <- weights * y
  other_weight <- weights * (1 - y)
  if (sum(event_weight) <= 0 || sum(other_weight) <= 0) return(NA_real_)
  order_index <- order(probability)
  probability <- probability[order_index]
  event_weight <- event_weight[order_index]
  other_weight <- other_weight[order_index]
  # Per distinct value: the non-event weight strictly below it and at it.
  groups <- match(probability, unique(probability))
  other_at <- as.vector(tapply(other_weight, groups, sum))
  event_at <- as.vector(tapply(event_weight, groups, sum))
  other_below <- cumsum(other_at) - other_at
  sum(event_at * (other_below + 0.5 * other_at)) / (sum(event_weight) * sum(other_weight))
}

# glmnet's summary of the cross-validated measure: the weighted mean over
# folds (or observations) and its standard error.
cv_statistics <- function(cv_raw, foldid, lambda, nzero) {
  values <- cv_raw$values
  weights <- cv_raw$weights
  count <- colSums(!is.na(values))
  cvm <- apply(values, 2, stats::weighted.mean, w = weights, na.rm = TRUE)
  spread <- apply(sweep(values, 2, cvm)^2, 2, stats::weighted.mean, w = weights, na.rm = TRUE)
  cvsd <- sqrt(spread / (count - 1))
  keep <- !is.na(cvsd)
  list(lambda = lambda[keep], cvm = cvm[keep], cvsd = cvsd[keep], cvup = cvm[keep] + cvsd[keep],
       cvlo = cvm[keep] - cvsd[keep], nzero = stats::setNames(nzero[keep], paste0("s", which(keep) - 1L)))
}

# lambda.min: the largest lambda with the best measure; lambda.1se: the
# largest lambda whose measure is within one standard error of it.
optimal_lambdas <- function(lambda, cvm, cvsd, type.measure) {
  if (type.measure == "auc") cvm <- -cvm
  best <- min(cvm, na.rm = TRUE)
  lambda.min <- max(lambda[cvm <= best], na.rm = TRUE)
  index_min <- match(lambda.min, lambda)
  lambda.1se <- max(lambda[cvm <= (cvm + cvsd)[index_min]], na.rm = TRUE)
  index_1se <- match(lambda.1se, lambda)
  list(lambda.min = lambda.min, lambda.1se = lambda.1se,
       index = matrix(c(index_min, index_1se), 2, 1, dimnames = list(c("min", "1se"), "Lambda")))
}

measure_name <- function(type.measure, family) {
  name <- switch(type.measure,
    mse = "Mean-Squared Error",
    mae = "Mean Absolute Error",
    class = "Misclassification Error",
    auc = "AUC",
    deviance = switch(family, gaussian = "Mean-Squared Error",
                      binomial = "Binomial Deviance", poisson = "Poisson Deviance"))
  stats::setNames(name, type.measure)
}

# A text progress bar over the folds; the core calls update() from the main thread.
fold_progress_bar <- function(nfolds) {
  bar <- utils::txtProgressBar(min = 0, max = nfolds, style = 3)
  list(update = function(done, total) utils::setTxtProgressBar(bar, done),
       finish = function() close(bar))
}

#' @method print cv.glmsparse
#' @export
print.cv.glmsparse <- function(x, digits = max(3, getOption("digits") - 3), ...) {
  cat("\nCall: ", deparse(x$call), "\n\n")
  cat("Measure:", x$name, "\n\n")
  rows <- x$index[, 1]
  table <- data.frame(Lambda = x$lambda[rows], Index = rows, Measure = x$cvm[rows],
                      SE = x$cvsd[rows], Nonzero = x$nzero[rows], row.names = c("min", "1se"))
  print(table, digits = digits)
  invisible(x)
}

#' Coefficients and predictions from a cross-validated glmsparse fit
#'
#' @param object A `cv.glmsparse` object.
#' @param newx Matrix of new observations, as for [predict.glmsparse()].
#' @param s `"lambda.1se"` (the default), `"lambda.min"` or lambda values.
#' @param ... Passed to [predict.glmsparse()] (for example `newx`, `type`).
#' @return As for [predict.glmsparse()], at the chosen lambda.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' cv <- cv.glmsparse(diabetes$x, diabetes$y, nfolds = 5)
#' predict(cv, newx = diabetes$x[1:3, ], s = "lambda.min")
#' @export
predict.cv.glmsparse <- function(object, newx, s = c("lambda.1se", "lambda.min"), ...) {
  stats::predict(object$glmsparse.fit, newx, s = cv_lambda(object, s), ...)
}

#' @rdname predict.cv.glmsparse
#' @export
coef.cv.glmsparse <- function(object, s = c("lambda.1se", "lambda.min"), ...) {
  stats::coef(object$glmsparse.fit, s = cv_lambda(object, s), ...)
}

cv_lambda <- function(object, s) {
  if (is.numeric(s)) return(s)
  if (!is.character(s)) stop("`s` must be \"lambda.1se\", \"lambda.min\" or numeric lambda values.", call. = FALSE)
  s <- check_choice(s, "s", c("lambda.1se", "lambda.min"))
  object[[s]]
}

#' Plot the cross-validation curve
#'
#' The cross-validated measure against log(lambda), with error bars of one
#' standard error, dotted vertical lines at `lambda.min` and `lambda.1se`,
#' and the number of nonzero coefficients along the top.
#'
#' @param x A `cv.glmsparse` object.
#' @param sign.lambda Plot against `sign.lambda * log(lambda)`; -1 reverses the axis.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' plot(cv.glmsparse(diabetes$x, diabetes$y, nfolds = 5))
#' @export
plot.cv.glmsparse <- function(x, sign.lambda = 1, ...) {
  sign.lambda <- check_number(sign.lambda, "sign.lambda", -1, 1)
  position <- sign.lambda * log(x$lambda)
  xlab <- if (sign.lambda < 0) "-Log(Lambda)" else "Log(Lambda)"
  graphics::plot(position, x$cvm, ylim = range(x$cvup, x$cvlo), type = "n", xlab = xlab,
                 ylab = x$name, ...)
  graphics::segments(position, x$cvlo, position, x$cvup, col = "darkgrey")
  graphics::points(position, x$cvm, pch = 20, col = "red")
  graphics::axis(side = 3, at = position, labels = paste(x$nzero), tick = FALSE, line = 0)
  graphics::abline(v = sign.lambda * log(c(x$lambda.min, x$lambda.1se)), lty = 3)
  invisible(x)
}
