#' Plot the coefficient paths of a glmsparse fit
#'
#' One curve per variable that is nonzero somewhere on the path, against the
#' L1 norm of the coefficients, log lambda or the fraction of deviance
#' explained. The number of nonzero coefficients is marked along the top.
#'
#' @param x A fitted `glmsparse` object.
#' @param xvar `"norm"`, `"lambda"` or `"dev"`.
#' @param label If `TRUE`, label the curves with variable names at the right end.
#' @param type.coef For multi-response fits: `"coef"` draws one plot per
#'   class or response, `"2norm"` one plot of the norm of each variable's
#'   coefficients across them.
#' @param ... Further graphical parameters passed to [graphics::matplot()].
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y)
#' plot(fit, xvar = "lambda", label = TRUE)
#' @export
plot.glmsparse <- function(x, xvar = c("norm", "lambda", "dev"), label = FALSE,
                           type.coef = c("coef", "2norm"), ...) {
  xvar <- match_choice(xvar, "xvar", c("norm", "lambda", "dev"))
  type.coef <- match_choice(type.coef, "type.coef", c("coef", "2norm"))
  label <- check_flag(label, "label")
  if (!is_multi_response(x)) {
    plot_coefficient_paths(x$beta, x, xvar, label, "Coefficients", ...)
    return(invisible(x))
  }
  if (type.coef == "2norm") {
    # One curve per variable: the norm of its coefficients across responses.
    squares <- Reduce(`+`, lapply(x$beta, function(b) b^2))
    plot_coefficient_paths(sqrt(squares), x, xvar, label, "Coefficients (2-norm)", ...)
    return(invisible(x))
  }
  for (k in seq_along(x$beta)) {
    plot_coefficient_paths(x$beta[[k]], x, xvar, label,
                           paste("Coefficients:", names(x$beta)[k]), ...)
  }
  invisible(x)
}

# The paths of the rows of `beta` (one column per lambda of `fit`).
plot_coefficient_paths <- function(beta, fit, xvar, label, ylab, ...) {
  shown <- which(Matrix::rowSums(abs(beta)) > 0)
  if (length(shown) == 0L) {
    warning("No nonzero coefficients on the path: nothing to plot.", call. = FALSE)
    return(invisible(NULL))
  }
  paths <- t(as.matrix(beta[shown, , drop = FALSE]))
  position <- switch(xvar,
    norm = Matrix::colSums(abs(beta)),
    lambda = log(fit$lambda),
    dev = fit$dev.ratio
  )
  axis_label <- switch(xvar, norm = "L1 Norm", lambda = "Log Lambda",
                       dev = "Fraction Deviance Explained")
  graphics::matplot(position, paths, type = "l", lty = 1, xlab = axis_label,
                    ylab = ylab, ...)
  ticks <- pretty(position)
  ticks <- ticks[ticks >= min(position) & ticks <= max(position)]
  df_at_ticks <- fit$df[vapply(ticks, function(t) which.min(abs(position - t)), integer(1))]
  graphics::axis(3, at = ticks, labels = df_at_ticks, tick = FALSE, line = 0)
  if (label) {
    # Labels go beside the end of the path where the model is largest: the
    # left for log lambda, the right otherwise, outside the curves.
    at_left <- xvar == "lambda"
    end <- if (at_left) which.min(position) else which.max(position)
    graphics::text(position[end], paths[end, ], labels = rownames(beta)[shown],
                   pos = if (at_left) 2 else 4, cex = 0.6, xpd = TRUE)
  }
  invisible(NULL)
}
