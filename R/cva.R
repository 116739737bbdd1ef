#' Cross-validation over alpha and lambda
#'
#' Tunes the elastic-net mixing parameter `alpha` together with `lambda`:
#' for each value of `alpha`, a [cv.glmsparse()] on the same folds. The
#' fits on all the data come first, one per alpha; then every (alpha, fold)
#' fit runs in one parallel pool of the C++ core, so the threads stay busy
#' across alphas.
#'
#' @inheritParams cv.glmsparse
#' @param alpha Values of the elastic-net mixing parameter, in \[0, 1\];
#'   by default `seq(0, 1, len = 11)^3`, denser near the ridge end where
#'   the fits change fastest.
#' @param ... Further arguments of [glmsparse()] (not `alpha` or `relax`),
#'   shared by every alpha; glmnet's `parallel` is accepted and has no
#'   effect. Any other argument is an error.
#' @return An object of class `"cva.glmsparse"`: `alpha`, `nfolds`,
#'   `foldid`, `modlist` (a `cv.glmsparse` object per alpha, in the order
#'   of `alpha`), `alpha.min` and `lambda.min` (the pair with the best
#'   cross-validated measure), `type.measure` and `call`.
#' @seealso [cv.glmsparse()], [predict.cva.glmsparse()], [plot.cva.glmsparse()]
#' @examples
#' data(diabetes)
#' set.seed(1)
#' tuned <- cva.glmsparse(diabetes$x, diabetes$y, alpha = c(0.1, 0.5, 1), nfolds = 5)
#' tuned
#' coef(tuned)                  # at the best alpha, lambda.min
#' coef(tuned, alpha = 0.5, s = "lambda.1se")
#' plot(tuned)
#' @export
cva.glmsparse <- function(x, y, alpha = seq(0, 1, len = 11)^3, family = "gaussian",
                          weights = NULL, offset = NULL, lambda = NULL,
                          type.measure = c("default", "mse", "deviance", "class", "auc", "mae", "C"),
                          nfolds = 10, foldid = NULL, alignment = c("lambda", "fraction"),
                          grouped = TRUE, keep = FALSE, stratified = FALSE, trace.it = 0,
                          nthreads = NULL, ...) {
  this.call <- match.call()
  check_required(missing(x), missing(y))
  if ("relax" %in% names(list(...))) {
    stop("`relax` is not supported by cva.glmsparse; use cv.glmsparse(relax = TRUE) at a chosen alpha.", call. = FALSE)
  }
  check_dots(substitute(list(...)), c(setdiff(fit_arguments(), c("alpha", "relax")), "parallel"),
             "cva.glmsparse")
  alpha <- check_alpha_grid(alpha)
  family <- check_family(family)
  checked <- check_cv_arguments(family, type.measure, alignment, lambda, grouped, keep,
                                stratified, trace.it, nthreads)
  list2env(checked, environment())  # the arguments, rebound to their checked values

  specs <- lapply(alpha, function(a) {
    fit_spec(x = x, y = y, family = family, weights = weights, offset = offset, alpha = a,
             lambda = lambda, nthreads = nthreads, ...)
  })
  foldid <- cv_folds(specs[[1]], nfolds, foldid, stratified)
  fits <- lapply(seq_along(alpha), function(k) {
    full <- fit_from_spec(specs[[k]])
    fit <- full$fit
    fit_call <- fit_call(this.call)
    fit_call$alpha <- alpha[k]
    fit$call <- fit_call
    report_path_problems(fit, full$stop, specs[[k]]$pmax, specs[[k]]$dfmax)
    fit
  })
  settings <- lapply(seq_along(alpha), function(k) {
    list(control = specs[[k]]$control, lambda = fits[[k]]$lambda)
  })
  folds <- fit_folds(specs[[1]], settings, foldid, alignment, nthreads, trace.it,
                     measure = worker_measure(specs[[1]], type.measure, grouped, keep, FALSE, foldid))
  name <- measure_name(type.measure, family)
  modlist <- lapply(seq_along(alpha), function(k) {
    cv <- cv_measure(specs[[k]], fits[[k]], folds[[k]], foldid, type.measure, grouped, alignment, keep)
    out <- c(cv$stats, list(call = this.call, name = name, glmsparse.fit = fits[[k]]))
    if (keep) out <- c(out, list(fit.preval = cv$link, foldid = foldid))
    out <- c(out, optimal_lambdas(out$lambda, out$cvm, out$cvsd, type.measure))
    class(out) <- "cv.glmsparse"
    out
  })
  best <- best_alpha_index(modlist, type.measure)
  structure(list(alpha = alpha, nfolds = max(foldid), foldid = foldid, modlist = modlist,
                 alpha.min = alpha[best], lambda.min = modlist[[best]]$lambda.min,
                 type.measure = type.measure, call = this.call),
            class = "cva.glmsparse")
}

check_alpha_grid <- function(alpha) {
  if (!is.numeric(alpha) || length(alpha) < 1L || anyNA(alpha) || any(alpha < 0 | alpha > 1)) {
    stop("`alpha` must be a vector of values in [0, 1].", call. = FALSE)
  }
  if (anyDuplicated(alpha)) stop("`alpha` must not repeat a value.", call. = FALSE)
  as.double(alpha)
}

# The alpha whose lambda.min has the best measure (the smallest loss, or
# the largest AUC or C); ties go to the first.
best_alpha_index <- function(modlist, type.measure) {
  best_measure <- vapply(modlist, function(cv) cv$cvm[cv$index["min", 1]], numeric(1))
  if (type.measure %in% c("auc", "C")) best_measure <- -best_measure
  which.min(best_measure)
}

# The cv.glmsparse of `alpha` (default: the best), which must be one of the
# grid's.
cva_model <- function(object, alpha) {
  if (is.null(alpha)) return(object$modlist[[match(object$alpha.min, object$alpha)]])
  if (!is.numeric(alpha) || length(alpha) != 1L || is.na(alpha)) {
    stop("`alpha` must be a single number.", call. = FALSE)
  }
  index <- which(abs(object$alpha - alpha) < 1e-8)
  if (length(index) == 0L) {
    stop(sprintf("`alpha` = %s is not one of the cross-validated values: %s.", format(alpha),
                 paste(format(object$alpha, digits = 4), collapse = ", ")), call. = FALSE)
  }
  object$modlist[[index[1]]]
}

#' Predictions and coefficients of a cross-validated alpha and lambda
#'
#' @param object A `cva.glmsparse` object.
#' @param newx Matrix of new observations, as for [predict.glmsparse()].
#' @param alpha One of the cross-validated alphas; by default `alpha.min`,
#'   the best.
#' @param s `"lambda.min"` (the default here), `"lambda.1se"` or lambda
#'   values, as for [predict.cv.glmsparse()].
#' @param ... Passed to [predict.glmsparse()] (for example `type`).
#' @return As for [predict.glmsparse()], at the chosen alpha and lambda.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' tuned <- cva.glmsparse(diabetes$x, diabetes$y, alpha = c(0.2, 1), nfolds = 5)
#' predict(tuned, newx = diabetes$x[1:3, ])
#' predict(tuned, newx = diabetes$x[1:3, ], alpha = 0.2, s = "lambda.1se")
#' @export
predict.cva.glmsparse <- function(object, newx, alpha = NULL, s = c("lambda.min", "lambda.1se"), ...) {
  if (missing(s)) s <- "lambda.min"
  stats::predict(cva_model(object, alpha), newx, s = s, ...)
}

#' @rdname predict.cva.glmsparse
#' @export
coef.cva.glmsparse <- function(object, alpha = NULL, s = c("lambda.min", "lambda.1se"), ...) {
  if (missing(s)) s <- "lambda.min"
  stats::coef(cva_model(object, alpha), s = s, ...)
}

#' @method print cva.glmsparse
#' @export
print.cva.glmsparse <- function(x, digits = max(3, getOption("digits") - 3), ...) {
  cat("\nCall: ", deparse(x$call), "\n\n")
  cat("Measure:", x$modlist[[1]]$name, "\n\n")
  rows <- lapply(x$modlist, function(cv) {
    index <- cv$index[, 1]
    c(cv$lambda[index[1]], cv$cvm[index[1]], cv$cvsd[index[1]], cv$nzero[index[1]],
      cv$lambda[index[2]], cv$nzero[index[2]])
  })
  table <- data.frame(x$alpha, do.call(rbind, rows))
  names(table) <- c("Alpha", "lambda.min", "Measure", "SE", "Nonzero", "lambda.1se", "Nonzero.1se")
  table$Best <- ifelse(x$alpha == x$alpha.min, "*", "")
  print(table, digits = digits, row.names = FALSE)
  invisible(x)
}

#' Plot the cross-validated minimum against alpha
#'
#' For each alpha, the cross-validated measure at its `lambda.min` with an
#' error bar of one standard error; the best alpha is marked by a dotted
#' vertical line.
#'
#' @param x A `cva.glmsparse` object.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' plot(cva.glmsparse(diabetes$x, diabetes$y, alpha = c(0, 0.3, 1), nfolds = 5))
#' @export
plot.cva.glmsparse <- function(x, ...) {
  at_min <- vapply(x$modlist, function(cv) {
    index <- cv$index["min", 1]
    c(cv$cvm[index], cv$cvlo[index], cv$cvup[index])
  }, numeric(3))
  graphics::plot(x$alpha, at_min[1, ], ylim = range(at_min[2:3, ]), type = "n", xlab = "Alpha",
                 ylab = x$modlist[[1]]$name, ...)
  graphics::segments(x$alpha, at_min[2, ], x$alpha, at_min[3, ], col = "darkgrey")
  graphics::points(x$alpha, at_min[1, ], pch = 20, col = "red")
  graphics::abline(v = x$alpha.min, lty = 3)
  invisible(x)
}
