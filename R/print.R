#' Print or summarize a glmsparse path
#'
#' `print` shows, for each lambda, the number of nonzero coefficients (Df),
#' the percentage of null deviance explained (%Dev) and lambda. `summary`
#' adds the family, the dimensions and the convergence status.
#'
#' @param x,object A fitted `glmsparse` object.
#' @param digits Significant digits to print.
#' @param ... Not used.
#' @return `print` returns `x` invisibly; `summary` an object of class
#'   `summary.glmsparse`, printed by its own method.
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y)
#' print(fit)
#' summary(fit)
#' @method print glmsparse
#' @export
print.glmsparse <- function(x, digits = max(3, getOption("digits") - 3), ...) {
  cat("\nCall: ", deparse(x$call), "\n\n")
  table <- data.frame(Df = x$df, `%Dev` = round(x$dev.ratio * 100, 2),
                      Lambda = signif(x$lambda, digits), check.names = FALSE)
  print(table)
  invisible(x)
}

#' @rdname print.glmsparse
#' @method summary glmsparse
#' @export
summary.glmsparse <- function(object, ...) {
  structure(list(call = object$call, family = sub("^gs", "", class(object)[1]),
                 nobs = object$nobs, nvars = object$dim[1], nlambda = length(object$lambda),
                 lambda_range = range(object$lambda), max_df = max(object$df),
                 max_dev_ratio = max(object$dev.ratio), npasses = object$npasses,
                 not_converged = object$lambda[object$status != "converged"]),
            class = "summary.glmsparse")
}

#' @rdname print.glmsparse
#' @method print summary.glmsparse
#' @export
print.summary.glmsparse <- function(x, digits = max(3, getOption("digits") - 3), ...) {
  cat("\nCall: ", deparse(x$call), "\n\n")
  cat("Family:            ", x$family, "\n")
  cat("Observations:      ", x$nobs, "\n")
  cat("Variables:         ", x$nvars, "\n")
  cat("Lambdas fitted:    ", x$nlambda, " (from ", signif(x$lambda_range[2], digits),
      " to ", signif(x$lambda_range[1], digits), ")\n", sep = "")
  cat("Largest model:     ", x$max_df, " nonzero coefficients, ",
      round(100 * x$max_dev_ratio, 2), "% deviance explained\n", sep = "")
  cat("Passes over data:  ", x$npasses, "\n")
  if (length(x$not_converged) > 0L) {
    cat("Not converged at lambda:", paste(signif(x$not_converged, digits), collapse = ", "), "\n")
  } else {
    cat("Converged at every lambda.\n")
  }
  invisible(x)
}
