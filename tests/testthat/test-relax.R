# The relaxed lasso (relax = TRUE) against glmnet's relax = TRUE at the same
# lambdas and against lm(), glm() and coxph() on each lambda's active set;
# predictions and coefficients at gamma against the blend and against
# glmnet's; the active-set limit nobs - 3; errors.
#
# glmnet's lambdas are used without the first: that one is lambda_max, at
# which whether a variable is nonzero (with a coefficient of order 1e-16)
# depends on rounding, and a relaxed fit refits whatever is nonzero.

relaxed_pair <- function(family, x, y, ...) {
  skip_if_not_installed("glmnet")
  args <- list(...)
  lambda <- do.call(glmnet::glmnet, c(list(x, y, family = family), args))$lambda[-1]
  reference <- do.call(glmnet::glmnet, c(list(x, y, family = family), args,
                                         list(lambda = lambda, relax = TRUE, thresh = 1e-12,
                                              maxit = 1e6)))
  ours <- do.call(glmsparse, c(list(x, y, family = family), args,
                               list(lambda = lambda, relax = TRUE, thresh = 1e-12)))
  list(ours = ours, reference = reference, lambda = lambda)
}

# Multinomial coefficients are determined up to a shift common to the
# classes; compare them centred across classes.
centred_classes <- function(coefficients) {
  stacked <- simplify2array(lapply(coefficients, as.matrix))
  sweep(stacked, c(1, 2), apply(stacked, c(1, 2), mean))
}

as_dense <- function(coefficients, family) {
  if (family == "multinomial") return(centred_classes(coefficients))
  if (is.list(coefficients)) return(simplify2array(lapply(coefficients, as.matrix)))
  as.matrix(coefficients)
}

expect_relaxed_matches_glmnet <- function(family, x, y, tolerance = 1e-5, ...) {
  pair <- relaxed_pair(family, x, y, ...)
  ours <- pair$ours
  reference <- pair$reference
  expect_equal(class(ours), c("gsrelaxed", "relaxed", class(ours$relaxed)))
  expect_equal(ours$relaxed$lambda, reference$relaxed$lambda)
  expect_equal(ours$relaxed$df, reference$relaxed$df)
  expect_true(all(ours$relaxed$status == "converged"))
  # Unpenalized, the relaxed fits explain at least as much as the penalized ones.
  kept <- match(ours$relaxed$lambda, ours$lambda)
  expect_true(all(ours$relaxed$dev.ratio >= ours$dev.ratio[kept] - 1e-10))
  # glmnet's multinomial deviance ratios are approximate (see test-multi-glmnet.R).
  if (family != "multinomial") {
    expect_equal(ours$relaxed$dev.ratio, reference$relaxed$dev.ratio, tolerance = tolerance)
  }
  expect_equal(as_dense(coef(ours$relaxed), family), as_dense(coef(reference$relaxed), family),
               tolerance = tolerance, ignore_attr = TRUE)
  s <- stats::quantile(pair$lambda, c(0.9, 0.5, 0.1), names = FALSE)
  for (gamma in c(0, 0.3, 1)) {
    # glmnet blends with max(gamma, 1e-5); at gamma = 0 compare with that blend.
    ours_gamma <- as_dense(coef(ours, s = s, gamma = gamma), family)
    reference_gamma <- as_dense(coef(reference, s = s, gamma = max(gamma, 1e-5)), family)
    if (gamma == 0) {
      penalized <- as_dense(coef(ours, s = s, gamma = 1), family)
      ours_gamma <- 1e-5 * penalized + (1 - 1e-5) * ours_gamma
    }
    expect_equal(ours_gamma, reference_gamma, tolerance = tolerance, ignore_attr = TRUE)
  }
  newx <- x[1:5, , drop = FALSE]
  if (family != "cox") {
    type <- if (family %in% c("gaussian", "mgaussian")) "link" else "response"
    prediction_args <- list(newx = newx, s = s, gamma = 0.5, type = type)
    offset <- list(...)$offset
    if (!is.null(offset)) prediction_args$newoffset <- offset[1:5]
    expect_equal(do.call(predict, c(list(ours), prediction_args)),
                 do.call(predict, c(list(reference), prediction_args)),
                 tolerance = tolerance, ignore_attr = TRUE)
  }
  invisible(pair)
}

test_that("gaussian relaxed fits match glmnet's and lm() on the active sets", {
  data <- simulate_gaussian(120, 15, seed = 81)
  set.seed(82)
  weights <- runif(120, 0.3, 2)
  offset <- rnorm(120, sd = 0.5)
  pair <- expect_relaxed_matches_glmnet("gaussian", data$x, data$y, weights = weights, offset = offset)
  ours <- pair$ours
  for (k in seq(2, length(ours$relaxed$lambda), by = 7)) {
    active <- which(ours$relaxed$beta[, k] != 0)
    ols <- stats::lm.wfit(cbind(1, data$x[, active, drop = FALSE]), data$y - offset, weights)$coefficients
    expect_equal(unname(coef(ours$relaxed)[c(1, active + 1), k]), unname(ols), tolerance = 1e-9)
  }
  expect_relaxed_matches_glmnet("gaussian", data$x, data$y, standardize = FALSE, intercept = FALSE)
})

test_that("gaussian relaxed fits on glmnet's QuickStartExample, dense and sparse", {
  skip_if_not_installed("glmnet")
  example <- new.env()
  utils::data("QuickStartExample", package = "glmnet", envir = example)
  x <- example$QuickStartExample$x
  y <- drop(example$QuickStartExample$y)
  pair <- expect_relaxed_matches_glmnet("gaussian", x, y)
  set.seed(83)
  sparse_x <- x * matrix(rbinom(length(x), 1, 0.3), nrow(x))
  dense <- glmsparse(sparse_x, y, relax = TRUE, lambda = pair$lambda, thresh = 1e-12)
  sparse <- glmsparse(Matrix::Matrix(sparse_x, sparse = TRUE), y, relax = TRUE,
                      lambda = pair$lambda, thresh = 1e-12)
  expect_equal(as.matrix(coef(sparse, gamma = 0)), as.matrix(coef(dense, gamma = 0)), tolerance = 1e-9)
  expect_equal(sparse$relaxed$dev.ratio, dense$relaxed$dev.ratio, tolerance = 1e-10)
})

test_that("binomial relaxed fits match glmnet's and glm() on the active sets", {
  data <- simulate_glm("binomial", 300, 12, seed = 84)
  set.seed(85)
  weights <- runif(300, 0.3, 2)
  offset <- rnorm(300, sd = 0.3)
  pair <- expect_relaxed_matches_glmnet("binomial", data$x, data$y, weights = weights, offset = offset)
  ours <- pair$ours
  for (k in seq(2, length(ours$relaxed$lambda), by = 9)) {
    active <- which(ours$relaxed$beta[, k] != 0)
    reference <- suppressWarnings(stats::glm.fit(cbind(1, data$x[, active, drop = FALSE]), data$y,
                                                 weights = weights, offset = offset,
                                                 family = stats::binomial(),
                                                 control = stats::glm.control(epsilon = 1e-14, maxit = 100)))
    expect_equal(unname(coef(ours$relaxed)[c(1, active + 1), k]), unname(reference$coefficients),
                 tolerance = 1e-7)
  }
})

test_that("binomial relaxed fits on glmnet's BinomialExample, dense and sparse", {
  skip_if_not_installed("glmnet")
  example <- new.env()
  utils::data("BinomialExample", package = "glmnet", envir = example)
  x <- example$BinomialExample$x
  y <- example$BinomialExample$y
  # glmnet's default path ends where the classes are separated on the
  # active set, so that the unpenalized fits do not exist; the first 25
  # lambdas are short of that.
  lambda <- glmnet::glmnet(x, y, family = "binomial")$lambda[2:25]
  reference <- glmnet::glmnet(x, y, family = "binomial", lambda = lambda, relax = TRUE,
                              thresh = 1e-12)
  for (design in list(x, Matrix::Matrix(x, sparse = TRUE))) {
    ours <- glmsparse(design, y, family = "binomial", lambda = lambda, relax = TRUE, thresh = 1e-12)
    expect_equal(ours$relaxed$lambda, reference$relaxed$lambda)
    expect_true(all(ours$relaxed$status == "converged"))
    expect_equal(ours$relaxed$dev.ratio, reference$relaxed$dev.ratio, tolerance = 1e-6)
    expect_equal(as.matrix(coef(ours, gamma = 0.2)), as.matrix(coef(reference, gamma = 0.2)),
                 tolerance = 1e-5, ignore_attr = TRUE)
  }
})

test_that("poisson relaxed fits match glmnet's and glm() on the active sets", {
  data <- simulate_glm("poisson", 300, 12, seed = 86)
  set.seed(87)
  weights <- runif(300, 0.3, 2)
  offset <- rnorm(300, sd = 0.3)
  pair <- expect_relaxed_matches_glmnet("poisson", data$x, data$y, weights = weights, offset = offset)
  ours <- pair$ours
  k <- length(ours$relaxed$lambda) %/% 2
  active <- which(ours$relaxed$beta[, k] != 0)
  reference <- stats::glm.fit(cbind(1, data$x[, active, drop = FALSE]), data$y, weights = weights,
                              offset = offset, family = stats::poisson(),
                              control = stats::glm.control(epsilon = 1e-14, maxit = 100))
  expect_equal(unname(coef(ours$relaxed)[c(1, active + 1), k]), unname(reference$coefficients),
               tolerance = 1e-7)
})

test_that("poisson relaxed fits with coefficient limits match glmnet's", {
  data <- simulate_glm("poisson", 200, 8, seed = 88)
  expect_relaxed_matches_glmnet("poisson", data$x, data$y, lower.limits = -0.1, upper.limits = 0.15)
})

test_that("cox relaxed fits match glmnet's and coxph() on the active sets", {
  skip_if_not_installed("survival")
  data <- simulate_cox(200, 10, seed = 89)
  set.seed(90)
  weights <- runif(200, 0.3, 2)
  offset <- rnorm(200, sd = 0.3)
  pair <- expect_relaxed_matches_glmnet("cox", data$x, data$y, weights = weights, offset = offset)
  ours <- pair$ours
  expect_null(ours$relaxed$a0)
  k <- length(ours$relaxed$lambda) %/% 2
  active <- which(ours$relaxed$beta[, k] != 0)
  reference <- survival::coxph(data$y ~ data$x[, active, drop = FALSE] + offset(offset),
                               weights = weights, ties = "breslow",
                               control = survival::coxph.control(eps = 1e-10, toler.chol = 1e-12, iter.max = 100))
  # The cox steps majorize the loss and converge linearly, so less tightly.
  expect_equal(unname(coef(ours$relaxed)[active, k]), unname(stats::coef(reference)),
               tolerance = 1e-6)
  expect_equal(predict(ours, newx = data$x[1:4, ], s = ours$lambda[k], gamma = 0, newoffset = offset[1:4]),
               predict(ours$relaxed, newx = data$x[1:4, ], s = ours$lambda[k], newoffset = offset[1:4]))
})

test_that("multinomial relaxed fits match glmnet's, grouped and ungrouped", {
  data <- simulate_multi("multinomial", 300, 8, 3, seed = 91)
  for (type in c("ungrouped", "grouped")) {
    expect_relaxed_matches_glmnet("multinomial", data$x, data$y, type.multinomial = type)
  }
  # The relaxed deviance ratios are the deviance of the relaxed coefficients.
  ours <- glmsparse(data$x, data$y, family = "multinomial", relax = TRUE, nlambda = 15, thresh = 1e-12)
  y_matrix <- outer(as.integer(data$y), 1:3, "==") * 1
  expect_equal(ours$relaxed$dev.ratio,
               1 - multinomial_deviance(ours$relaxed, data$x, y_matrix) / ours$nulldev,
               tolerance = 1e-10)
})

test_that("mgaussian relaxed fits match glmnet's and lm() on the active sets", {
  data <- simulate_multi("mgaussian", 150, 10, 3, seed = 92)
  pair <- expect_relaxed_matches_glmnet("mgaussian", data$x, data$y)
  ours <- pair$ours
  k <- length(ours$relaxed$lambda) %/% 2
  active <- which(ours$relaxed$beta[[1]][, k] != 0)
  ols <- stats::lm.fit(cbind(1, data$x[, active, drop = FALSE]), data$y)$coefficients
  relaxed <- sapply(coef(ours$relaxed, s = ours$relaxed$lambda[k]), function(b) as.vector(b)[c(1, active + 1)])
  expect_equal(unname(relaxed), unname(ols), tolerance = 1e-9)
  expect_relaxed_matches_glmnet("mgaussian", data$x, data$y, standardize.response = TRUE)
})

test_that("predictions and coefficients at gamma are the blend of the two fits", {
  data <- simulate_glm("binomial", 200, 10, seed = 93)
  fit <- glmsparse(data$x, data$y, family = "binomial", relax = TRUE)
  s <- fit$lambda[c(5, 20, 40)]
  penalized <- coef(fit, s = s, gamma = 1)
  relaxed <- coef(fit$relaxed, s = s)
  expect_equal(penalized, coef(fit, s = s))
  for (gamma in c(0, 0.4, 0.75)) {
    expect_equal(as.matrix(coef(fit, s = s, gamma = gamma)),
                 as.matrix(gamma * penalized + (1 - gamma) * relaxed), tolerance = 1e-14)
    link <- as.matrix(cbind(1, data$x[1:6, ]) %*% (gamma * penalized + (1 - gamma) * relaxed))
    expect_equal(predict(fit, newx = data$x[1:6, ], s = s, gamma = gamma), link,
                 tolerance = 1e-12, ignore_attr = TRUE)
    expect_equal(predict(fit, newx = data$x[1:6, ], s = s, gamma = gamma, type = "response"),
                 stats::plogis(link), tolerance = 1e-12, ignore_attr = TRUE)
  }
  expect_equal(predict(fit, newx = data$x[1:6, ], s = s, gamma = 0, type = "class"),
               predict(fit$relaxed, newx = data$x[1:6, ], s = s, type = "class"))
})

test_that("active sets larger than nobs - 3 are not refitted, as in glmnet", {
  data <- simulate_gaussian(25, 60, seed = 94, n_effects = 15)
  pair <- relaxed_pair("gaussian", data$x, data$y)
  ours <- pair$ours
  omitted <- ours$df > nrow(data$x) - 3
  expect_true(any(omitted))
  expect_equal(ours$relaxed$lambda, ours$lambda[!omitted])
  expect_equal(ours$relaxed$lambda, pair$reference$relaxed$lambda)
  # At an omitted lambda the relaxed solution is that of the last lambda
  # refitted, as glmnet's blend has it.
  last <- length(ours$relaxed$lambda)
  at_omitted <- coef(ours, s = ours$lambda[which(omitted)[1]], gamma = 0)
  expect_equal(as.vector(at_omitted), as.vector(coef(ours$relaxed)[, last]))
  expect_equal(as.vector(at_omitted),
               as.vector(coef(pair$reference, s = ours$lambda[which(omitted)[1]], gamma = 1e-5)),
               tolerance = 1e-3)
  printed <- utils::capture.output(print(ours))
  expect_true("Relaxed" %in% printed)
  header <- grep("%Dev R", printed, fixed = TRUE)
  expect_length(header, 1L)
  rows <- printed[-seq_len(header)]
  expect_length(rows, length(ours$lambda))
  expect_equal(grepl("\\bNA\\b", rows), omitted)
})

test_that("separable classes give finite relaxed coefficients and a warning", {
  set.seed(95)
  x <- matrix(rnorm(100 * 4), 100, 4)
  y <- as.numeric(x[, 1] > 0)
  expect_warning(fit <- glmsparse(x, y, family = "binomial", lambda = c(0.1, 0.05), relax = TRUE),
                 "relaxed fit did not converge")
  expect_true(all(is.finite(as.matrix(coef(fit, gamma = 0)))))
  expect_true(all(fit$relaxed$status == "not converged"))
})

test_that("plot draws the blended paths", {
  data <- simulate_gaussian(80, 8, seed = 96)
  fit <- glmsparse(data$x, data$y, relax = TRUE)
  file <- tempfile(fileext = ".pdf")
  grDevices::pdf(file)
  on.exit({
    grDevices::dev.off()
    unlink(file)
  })
  expect_identical(plot(fit, gamma = c(0, 0.5)), fit)
  expect_identical(plot(fit, xvar = "dev"), fit)
})

test_that("relax and gamma are checked", {
  data <- simulate_gaussian(50, 5, seed = 97)
  expect_error(glmsparse(data$x, data$y, relax = "yes"), "`relax` must be TRUE or FALSE.", fixed = TRUE)
  expect_error(glmsparse(data$x, data$y, relax = NA), "`relax` must be TRUE or FALSE.", fixed = TRUE)
  fit <- glmsparse(data$x, data$y, relax = TRUE)
  expect_error(coef(fit, gamma = 1.5), "`gamma` must be in [0, 1]; got 1.5.", fixed = TRUE)
  expect_error(predict(fit, newx = data$x, gamma = -0.1), "`gamma` must be in [0, 1]; got -0.1.", fixed = TRUE)
  expect_error(coef(fit, gamma = c(0, 1)), "`gamma` must be a single finite number.", fixed = TRUE)
  expect_error(plot(fit, gamma = 2), "`gamma` must be a numeric vector of values in [0, 1].", fixed = TRUE)
  expect_false(inherits(glmsparse(data$x, data$y), "relaxed"))
})
