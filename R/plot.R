#' Plot the coefficient paths of a glmsparse fit
#'
#' One curve per variable that is nonzero somewhere on the path, against the
#' L1 norm of the coefficients, log lambda or the fraction of deviance
#' explained. The number of nonzero coefficients is marked along the top.
#'
#' @param x A fitted `glmsparse` object.
#' @param xvar `"norm"`, `"lambda"` or `"dev"`.
#' @param label If `TRUE`, label the curves with variable names at the right end.
#' @param ... Further graphical parameters passed to [graphics::matplot()].
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x, diabetes$y)
#' plot(fit, xvar = "lambda", label = TRUE)
#' @export
plot.glmsparse <- function(x, xvar = c("norm", "lambda", "dev"), label = FALSE, ...) {
  xvar <- match.arg(xvar)
  label <- check_flag(label, "label")
  beta <- x$beta
  shown <- which(Matrix::rowSums(abs(beta)) > 0)
  if (length(shown) == 0L) {
    warning("No nonzero coefficients on the path: nothing to plot.", call. = FALSE)
    return(invisible(x))
  }
  paths <- t(as.matrix(beta[shown, , drop = FALSE]))
  position <- switch(xvar,
    norm = Matrix::colSums(abs(beta)),
    lambda = log(x$lambda),
    dev = x$dev.ratio
  )
  axis_label <- switch(xvar, norm = "L1 Norm", lambda = "Log Lambda",
                       dev = "Fraction Deviance Explained")
  graphics::matplot(position, paths, type = "l", lty = 1, xlab = axis_label,
                    ylab = "Coefficients", ...)
  ticks <- pretty(position)
  ticks <- ticks[ticks >= min(position) & ticks <= max(position)]
  df_at_ticks <- x$df[vapply(ticks, function(t) which.min(abs(position - t)), integer(1))]
  graphics::axis(3, at = ticks, labels = df_at_ticks, tick = FALSE, line = 0)
  if (label) {
    # Labels go beside the end of the path where the model is largest: the
    # left for log lambda, the right otherwise, outside the curves.
    at_left <- xvar == "lambda"
    end <- if (at_left) which.min(position) else which.max(position)
    graphics::text(position[end], paths[end, ], labels = rownames(beta)[shown],
                   pos = if (at_left) 2 else 4, cex = 0.6, xpd = TRUE)
  }
  invisible(x)
}
