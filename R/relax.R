# The relaxed lasso: glmsparse(..., relax = TRUE). The refits are the core's
# (relax.hpp); here the `$relaxed` component, the blend of the two fits at
# `gamma`, and the methods of class "gsrelaxed".

# glmnet's limit on the active sets refitted: maxp = nobs - 3.
relax_max_active <- function(nobs) as.integer(nobs - 3L)

# Runs relax(update) with a progress bar over the refits when trace.it >= 1.
with_relax_progress <- function(trace.it, relax) {
  if (trace.it < 1) return(relax(NULL))
  cat("Relaxed fits\n")
  progress <- lambda_progress_bar()
  on.exit(progress$finish())
  relax(progress$update)
}

# The penalized fit `fit` with classes "gsrelaxed" and "relaxed" first and
# the relaxed path `part` (path_object() or multi_path_object() of the
# core's relaxed result) as `$relaxed`: a fit of the same kind whose
# solutions are those of `fit` at indices `kept`, refitted without penalty
# on their active sets.
relaxed_object <- function(fit, part, kept) {
  multi <- is_multi_response(fit)
  step_names <- colnames(if (multi) fit$beta[[1]] else fit$beta)[kept]
  relaxed <- fit
  for (field in c("beta", "a0", "dfmat", "df", "dim", "dev.ratio", "npasses", "status")) {
    if (!is.null(fit[[field]])) relaxed[[field]] <- part[[field]]
  }
  relaxed$lambda <- fit$lambda[kept]
  if (multi) {
    relaxed$beta <- lapply(relaxed$beta, function(b) {
      colnames(b) <- step_names
      b
    })
    colnames(relaxed$a0) <- step_names
    colnames(relaxed$dfmat) <- step_names
  } else {
    colnames(relaxed$beta) <- step_names
    if (!is.null(relaxed$a0)) names(relaxed$a0) <- step_names
  }
  fit$relaxed <- relaxed
  # glmnet's relaxed fits have class "relaxed" and its methods are registered
  # for it; ours dispatch on "gsrelaxed" so that, with both packages loaded,
  # each package's methods see only its own fits.
  class(fit) <- c("gsrelaxed", "relaxed", class(fit))
  fit
}

# One warning for the lambdas whose refit did not converge.
report_relaxed_problems <- function(fit) {
  failed <- which(fit$relaxed$status != "converged")
  if (length(failed) > 0L) {
    warning(sprintf("The unpenalized refit of the relaxed fit did not converge at lambda = %s; those relaxed solutions are approximate (the maximum likelihood estimate on that active set may not exist, as for separable classes).",
                    paste(signif(fit$relaxed$lambda[failed], 4), collapse = ", ")), call. = FALSE)
  }
  invisible(NULL)
}

# The fit whose solutions are gamma * penalized + (1 - gamma) * relaxed, at
# the lambdas of the penalized fit, as glmnet blends them. Lambdas left out
# of the relaxed fit (active sets too large to refit) take the relaxed
# solution of the last lambda refitted when `extend`, and are dropped
# otherwise. gamma = 1 is the penalized fit itself.
blend_relaxed <- function(object, gamma, extend = TRUE) {
  penalized <- object
  penalized$relaxed <- NULL
  class(penalized) <- setdiff(class(object), c("gsrelaxed", "relaxed"))
  if (gamma == 1) return(penalized)
  relaxed <- object$relaxed
  which <- match(object$lambda, relaxed$lambda, 0L)
  if (!any(which > 0L)) {
    stop("This fit has no relaxed solutions (every active set has more than nobs - 3 variables), so `gamma` must be 1.", call. = FALSE)
  }
  if (extend) which[which == 0L] <- max(which)
  keep <- which > 0L
  which <- which[keep]
  mix <- function(a, b) gamma * a + (1 - gamma) * b
  blended <- penalized
  if (is_multi_response(object)) {
    blended$beta <- mapply(function(a, b) mix(a[, keep, drop = FALSE], b[, which, drop = FALSE]),
                           penalized$beta, relaxed$beta, SIMPLIFY = FALSE)
    blended$a0 <- mix(penalized$a0[, keep, drop = FALSE], relaxed$a0[, which, drop = FALSE])
    blended$dfmat <- penalized$dfmat[, keep, drop = FALSE]
  } else {
    blended$beta <- mix(penalized$beta[, keep, drop = FALSE], relaxed$beta[, which, drop = FALSE])
    if (!is.null(penalized$a0)) blended$a0 <- mix(penalized$a0[keep], relaxed$a0[which])
  }
  blended$dev.ratio <- mix(penalized$dev.ratio[keep], relaxed$dev.ratio[which])
  blended$lambda <- penalized$lambda[keep]
  blended$df <- penalized$df[keep]
  blended$dim[2] <- sum(keep)
  blended$status <- penalized$status[keep]
  blended$status[relaxed$status[which] != "converged"] <- "not converged"
  blended
}

#' Predictions and coefficients of a relaxed lasso fit
#'
#' A fit made with `glmsparse(..., relax = TRUE)` holds, besides the
#' penalized path, its relaxed version `$relaxed`: at each lambda, the
#' unpenalized fit (same family, weights, offset and limits) on the variables
#' nonzero at that lambda. Predictions and coefficients at `gamma` are those
#' of the blend
#' \deqn{\gamma \hat\beta_{\lambda} + (1 - \gamma) \hat\beta^{relaxed}_{\lambda},}
#' so `gamma = 1` (the default) is the penalized fit and `gamma = 0` the
#' fully relaxed one. Lambdas whose active set had more than `nobs - 3`
#' variables were not refitted; at those, as in glmnet, the relaxed
#' solution of the last lambda refitted is used.
#'
#' @param object A relaxed fit, from `glmsparse(..., relax = TRUE)` (class
#'   `"gsrelaxed"`).
#' @param gamma The blend, a single number in \[0, 1\].
#' @inheritParams predict.glmsparse
#' @return As [predict.glmsparse()] and [coef.glmsparse()].
#' @seealso [glmsparse()], [print.gsrelaxed()], [plot.gsrelaxed()]
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y, relax = TRUE)
#' coef(fit, s = 5, gamma = 0)    # least squares on the lasso's selection at lambda = 5
#' coef(fit, s = 5, gamma = 0.5)
#' predict(fit, newx = diabetes$x[1:3, ], s = c(5, 1), gamma = 0.25)
#' @export
predict.gsrelaxed <- function(object, newx, s = NULL, gamma = 1,
                            type = c("link", "response", "coefficients", "nonzero", "class"),
                            exact = FALSE, newoffset, ...) {
  type <- match_choice(type, "type", c("link", "response", "coefficients", "nonzero", "class"))
  gamma <- check_number(gamma, "gamma", 0, 1)
  stats::predict(blend_relaxed(object, gamma), newx = newx, s = s, type = type, exact = exact,
                 newoffset = newoffset, ...)
}

#' @rdname predict.gsrelaxed
#' @export
coef.gsrelaxed <- function(object, s = NULL, gamma = 1, ...) {
  stats::predict(object, s = s, gamma = gamma, type = "coefficients", ...)
}

#' Print a relaxed lasso fit
#'
#' As [print.glmsparse()], with the percentage of null deviance explained
#' by the relaxed fit (`%Dev R`) beside that of the penalized fit; `NA` at
#' lambdas that were not refitted (active set larger than `nobs - 3`).
#'
#' @param x A relaxed fit, from `glmsparse(..., relax = TRUE)`.
#' @inheritParams print.glmsparse
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y, relax = TRUE, nlambda = 10)
#' print(fit)
#' @method print gsrelaxed
#' @export
print.gsrelaxed <- function(x, digits = max(3, getOption("digits") - 3), ...) {
  cat("\nCall: ", deparse(x$call), "\n")
  cat("Relaxed\n\n")
  relaxed_dev <- rep(NA_real_, length(x$lambda))
  relaxed_dev[match(x$relaxed$lambda, x$lambda)] <- round(x$relaxed$dev.ratio * 100, 2)
  table <- data.frame(Df = x$df, `%Dev` = round(x$dev.ratio * 100, 2), `%Dev R` = relaxed_dev,
                      Lambda = signif(x$lambda, digits), check.names = FALSE)
  print(table)
  invisible(x)
}

#' Plot the coefficient paths of a relaxed lasso fit
#'
#' The coefficient paths of the blend at `gamma` (see [predict.gsrelaxed()]),
#' one plot per value of `gamma`, over the lambdas that were refitted.
#'
#' @param x A relaxed fit, from `glmsparse(..., relax = TRUE)`.
#' @param xvar `"lambda"` (log lambda) or `"dev"` (fraction of deviance
#'   explained, blended as the coefficients are).
#' @param gamma Values of the blend in \[0, 1\]; 1, the default, is the
#'   penalized fit.
#' @inheritParams plot.glmsparse
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y, relax = TRUE)
#' plot(fit, gamma = 0)
#' @export
plot.gsrelaxed <- function(x, xvar = c("lambda", "dev"), label = FALSE, gamma = 1, ...) {
  xvar <- match_choice(xvar, "xvar", c("lambda", "dev"))
  if (!is.numeric(gamma) || length(gamma) < 1L || anyNA(gamma) || any(gamma < 0 | gamma > 1)) {
    stop("`gamma` must be a numeric vector of values in [0, 1].", call. = FALSE)
  }
  for (g in gamma) plot(blend_relaxed(x, g, extend = FALSE), xvar = xvar, label = label, ...)
  invisible(x)
}
