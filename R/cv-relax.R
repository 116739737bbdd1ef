# Cross-validation of the relaxed lasso: cv.glmsparse(..., relax = TRUE).
# Every fold's relaxed path comes from the core's fold workers; here the
# measure at each gamma, the best (lambda, gamma) pairs and the methods of
# class "cv.gsrelaxed".

check_gamma_grid <- function(gamma) {
  if (!is.numeric(gamma) || length(gamma) < 1L || anyNA(gamma) || any(gamma < 0 | gamma > 1)) {
    stop("`gamma` must be a vector of values in [0, 1].", call. = FALSE)
  }
  sort(unique(as.double(gamma)))
}

# The result of cv.glmsparse(relax = TRUE), as glmnet's: the fields of the
# penalized cross-validation (gamma = 1) and `relaxed`, with the statistics
# at every gamma (`statlist`), `gamma` and the best pairs.
relaxed_cv <- function(spec, fit, folds, foldid, type.measure, grouped, alignment, gamma, keep,
                       call, name) {
  # gamma = 1 is the plain penalized cross-validation, always computed.
  all_gamma <- if (max(gamma) < 1) c(gamma, 1) else gamma
  per_gamma <- lapply(all_gamma, function(g) {
    blended_folds <- lapply(folds, blend_fold, gamma = g)
    cv_measure(spec, fit, blended_folds, foldid, type.measure, grouped, alignment, keep)
  })
  names(per_gamma) <- paste0("g:", all_gamma)
  penalized <- per_gamma[[length(all_gamma)]]
  out <- c(penalized$stats, list(call = call, name = name, glmsparse.fit = fit))
  out <- c(out, optimal_lambdas(out$lambda, out$cvm, out$cvsd, type.measure))
  if (keep) out <- c(out, list(fit.preval = lapply(per_gamma, `[[`, "link"), foldid = foldid))
  statlist <- lapply(per_gamma[seq_along(gamma)], `[[`, "stats")
  out$relaxed <- c(list(statlist = statlist, gamma = gamma),
                   optimal_relaxed(statlist, gamma, type.measure))
  # Not glmnet's class "cv.relaxed" first: its methods would take our fits.
  class(out) <- c("cv.gsrelaxed", "cv.relaxed", "cv.glmsparse")
  out
}

# A relaxed fold fit blended at gamma (see blend_relaxed()), with its
# held-out linear predictors blended alike.
blend_fold <- function(fold, gamma) {
  blended <- blend_relaxed(fold, gamma)
  if (gamma == 1) return(blended)
  which <- match(fold$lambda, fold$relaxed$lambda, 0L)
  which[which == 0L] <- max(which)
  keep <- which > 0L
  mix <- function(penalized, relaxed) gamma * penalized + (1 - gamma) * relaxed
  blended$held_out_link <- if (length(dim(fold$held_out_link)) == 3L) {
    mix(fold$held_out_link[, , keep, drop = FALSE], fold$relaxed$held_out_link[, , which[keep], drop = FALSE])
  } else {
    mix(fold$held_out_link[, keep, drop = FALSE], fold$relaxed$held_out_link[, which[keep], drop = FALSE])
  }
  blended
}

# The best (lambda, gamma) over every gamma's curve, as glmnet chooses:
# lambda.min/gamma.min the pair with the best measure (the largest lambda,
# then the largest gamma, among ties); lambda.1se/gamma.1se the pair with the
# largest lambda, then gamma, whose measure is within one standard error of
# the best.
optimal_relaxed <- function(statlist, gamma, type.measure) {
  stacked <- do.call(rbind, lapply(seq_along(statlist), function(g) {
    stats <- statlist[[g]]
    data.frame(lambda = stats$lambda, gamma = gamma[g], cvm = stats$cvm, cvsd = stats$cvsd,
               nzero = unname(stats$nzero), lambda_index = seq_along(stats$lambda), gamma_index = g)
  }))
  loss <- if (type.measure %in% c("auc", "C")) -stacked$cvm else stacked$cvm
  first_by_size <- function(rows) rows[order(stacked$lambda[rows], stacked$gamma[rows], decreasing = TRUE)[1]]
  best <- first_by_size(which(loss <= min(loss, na.rm = TRUE)))
  within_1se <- first_by_size(which(loss <= loss[best] + stacked$cvsd[best]))
  index <- matrix(c(stacked$lambda_index[c(best, within_1se)], stacked$gamma_index[c(best, within_1se)]),
                  2, 2, dimnames = list(c("min", "1se"), c("Lambda", "Gamma")))
  list(lambda.min = stacked$lambda[best], lambda.1se = stacked$lambda[within_1se],
       gamma.min = stacked$gamma[best], gamma.1se = stacked$gamma[within_1se],
       nzero.min = stacked$nzero[best], nzero.1se = stacked$nzero[within_1se], index = index)
}

# The lambda and gamma that `s` and `gamma` name: "lambda.1se" comes with
# gamma.1se and "lambda.min" with gamma.min unless gamma is given.
relaxed_choice <- function(object, s, gamma, gamma_missing) {
  relaxed <- object$relaxed
  if (is.numeric(s)) {
    lambda <- s
    if (gamma_missing) gamma <- "gamma.1se"
  } else if (is.character(s)) {
    s <- check_choice(s, "s", c("lambda.1se", "lambda.min"))
    lambda <- relaxed[[s]]
    if (gamma_missing) gamma <- if (s == "lambda.1se") "gamma.1se" else "gamma.min"
  } else {
    stop("`s` must be \"lambda.1se\", \"lambda.min\" or numeric lambda values.", call. = FALSE)
  }
  if (is.character(gamma)) gamma <- relaxed[[check_choice(gamma, "gamma", c("gamma.1se", "gamma.min"))]]
  list(lambda = lambda, gamma = check_number(gamma, "gamma", 0, 1))
}

#' Coefficients and predictions from a cross-validated relaxed fit
#'
#' For `cv.glmsparse(..., relax = TRUE)`: the relaxed fit on all the data at
#' the chosen lambda and blend `gamma` (see [predict.gsrelaxed()]). With
#' `s = "lambda.1se"` (the default) or `"lambda.min"` and no `gamma`, the
#' pair chosen by cross-validation: (`lambda.1se`, `gamma.1se`) or
#' (`lambda.min`, `gamma.min`) of `object$relaxed`.
#'
#' @param object A `cv.gsrelaxed` object.
#' @param newx Matrix of new observations.
#' @param s `"lambda.1se"`, `"lambda.min"` or lambda values.
#' @param gamma `"gamma.1se"`, `"gamma.min"` or a number in \[0, 1\].
#' @param ... Passed to [predict.gsrelaxed()] (for example `type`).
#' @return As for [predict.gsrelaxed()].
#' @examples
#' data(diabetes)
#' set.seed(1)
#' cv <- cv.glmsparse(diabetes$x, diabetes$y, relax = TRUE, nfolds = 5)
#' cv$relaxed$gamma.min
#' coef(cv, s = "lambda.min")
#' predict(cv, newx = diabetes$x[1:3, ], s = "lambda.min", gamma = 0)
#' @export
predict.cv.gsrelaxed <- function(object, newx, s = c("lambda.1se", "lambda.min"),
                                 gamma = c("gamma.1se", "gamma.min"), ...) {
  if (missing(s)) s <- "lambda.1se"
  choice <- relaxed_choice(object, s, gamma, missing(gamma))
  stats::predict(object$glmsparse.fit, newx, s = choice$lambda, gamma = choice$gamma, ...)
}

#' @rdname predict.cv.gsrelaxed
#' @export
coef.cv.gsrelaxed <- function(object, s = c("lambda.1se", "lambda.min"),
                              gamma = c("gamma.1se", "gamma.min"), ...) {
  if (missing(s)) s <- "lambda.1se"
  choice <- relaxed_choice(object, s, gamma, missing(gamma))
  stats::coef(object$glmsparse.fit, s = choice$lambda, gamma = choice$gamma, ...)
}

#' @method print cv.gsrelaxed
#' @export
print.cv.gsrelaxed <- function(x, digits = max(3, getOption("digits") - 3), ...) {
  cat("\nCall: ", deparse(x$call), "\n\n")
  cat("Measure:", x$name, "\n\n")
  relaxed <- x$relaxed
  row <- function(which) {
    g <- relaxed$index[which, "Gamma"]
    l <- relaxed$index[which, "Lambda"]
    stats <- relaxed$statlist[[g]]
    c(relaxed$gamma[g], g, stats$lambda[l], l, stats$cvm[l], stats$cvsd[l], stats$nzero[l])
  }
  table <- data.frame(rbind(row("min"), row("1se")), row.names = c("min", "1se"))
  names(table) <- c("Gamma", "Index", "Lambda", "Index", "Measure", "SE", "Nonzero")
  print(table, digits = digits)
  invisible(x)
}

#' Plot the cross-validation curves of a relaxed fit
#'
#' One curve per value of `gamma` (coloured; 1 is the penalized fit), with
#' bands of one standard error, dotted vertical lines at the relaxed
#' `lambda.min` and `lambda.1se` and the number of nonzero coefficients
#' along the top.
#'
#' @param x A `cv.gsrelaxed` object.
#' @param se.bands Whether to draw the standard-error bands.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' plot(cv.glmsparse(diabetes$x, diabetes$y, relax = TRUE, nfolds = 5))
#' @export
plot.cv.gsrelaxed <- function(x, se.bands = TRUE, ...) {
  se.bands <- check_flag(se.bands, "se.bands")
  relaxed <- x$relaxed
  statlist <- relaxed$statlist
  n_gamma <- length(statlist)
  colours <- grDevices::hcl.colors(n_gamma, "viridis")
  values <- unlist(lapply(statlist, `[[`, "cvm"))
  if (se.bands) values <- c(values, unlist(lapply(statlist, function(s) c(s$cvup, s$cvlo))))
  lambda <- unlist(lapply(statlist, `[[`, "lambda"))
  graphics::plot(range(log(lambda)), range(values), type = "n", xlab = "Log(Lambda)",
                 ylab = x$name, ...)
  for (g in seq_len(n_gamma)) {
    stats <- statlist[[g]]
    if (se.bands) {
      graphics::polygon(c(log(stats$lambda), rev(log(stats$lambda))), c(stats$cvup, rev(stats$cvlo)),
                        col = grDevices::adjustcolor(colours[g], 0.12), border = NA)
    }
    graphics::lines(log(stats$lambda), stats$cvm, lwd = 2, col = colours[g])
  }
  graphics::abline(v = log(c(relaxed$lambda.min, relaxed$lambda.1se)), lty = 3)
  graphics::axis(side = 3, at = log(statlist[[1]]$lambda), labels = paste(statlist[[1]]$nzero),
                 tick = FALSE, line = 0)
  graphics::legend("topleft", legend = format(relaxed$gamma, digits = 2), col = colours, lwd = 2,
                   title = "gamma", bty = "n", cex = 0.8)
  invisible(x)
}
