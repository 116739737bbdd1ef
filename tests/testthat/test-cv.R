# cv.glmsparse against cv.glmnet run to thresh = 1e-12 with the same folds
# and lambdas: cvm and cvsd to 1e-3 (relative), the same lambda.min and
# lambda.1se.

simulate_cv_data <- function(family, n = 240, p = 30, seed = 11) {
  set.seed(seed)
  x <- matrix(stats::rnorm(n * p), n, p)
  signal <- drop(x[, 1:5] %*% c(1, -1, 0.8, -0.6, 0.5))
  y <- switch(family,
    gaussian = signal + stats::rnorm(n),
    binomial = stats::rbinom(n, 1, stats::plogis(signal)),
    poisson = stats::rpois(n, exp(signal / 3)))
  list(x = x, y = y, foldid = sample(rep(1:8, length.out = n)))
}

expect_cv_matches_glmnet <- function(data, family, type.measure, ...) {
  ours <- cv.glmsparse(data$x, data$y, family = family, foldid = data$foldid,
                       type.measure = type.measure, ...)
  reference <- glmnet::cv.glmnet(data$x, data$y, family = family, foldid = data$foldid,
                                 type.measure = type.measure, lambda = ours$lambda,
                                 thresh = 1e-12, ...)
  expect_equal(ours$cvm, unname(reference$cvm), tolerance = 1e-3)
  expect_equal(ours$cvsd, unname(reference$cvsd), tolerance = 1e-3)
  expect_equal(ours$lambda.min, reference$lambda.min)
  expect_equal(ours$lambda.1se, reference$lambda.1se)
  # The first lambda is lambda_max, where glmnet, given it as a user value,
  # may leave a coefficient of rounding size.
  expect_equal(unname(ours$nzero)[-1], unname(reference$nzero)[-1])
  expect_identical(names(ours$name), names(reference$name))
  invisible(ours)
}

test_that("gaussian cross-validation matches cv.glmnet for mse and mae", {
  skip_if_not_installed("glmnet")
  data <- simulate_cv_data("gaussian")
  expect_cv_matches_glmnet(data, "gaussian", "mse")
  expect_cv_matches_glmnet(data, "gaussian", "mae")
  expect_cv_matches_glmnet(data, "gaussian", "mse", alpha = 0.5, grouped = FALSE)
})

test_that("binomial cross-validation matches cv.glmnet for every measure", {
  skip_if_not_installed("glmnet")
  data <- simulate_cv_data("binomial")
  for (measure in c("deviance", "class", "auc", "mse", "mae")) {
    expect_cv_matches_glmnet(data, "binomial", measure)
  }
})

test_that("poisson cross-validation matches cv.glmnet, with weights and an offset", {
  skip_if_not_installed("glmnet")
  data <- simulate_cv_data("poisson")
  for (measure in c("deviance", "mse", "mae")) expect_cv_matches_glmnet(data, "poisson", measure)
  set.seed(2)
  weights <- stats::runif(nrow(data$x), 0.5, 2)
  offset <- stats::rnorm(nrow(data$x), sd = 0.2)
  expect_cv_matches_glmnet(data, "poisson", "deviance", weights = weights, offset = offset)
})

test_that("one and two threads give identical cross-validation results", {
  data <- simulate_cv_data("binomial")
  one <- cv.glmsparse(data$x, data$y, family = "binomial", foldid = data$foldid, nthreads = 1)
  two <- cv.glmsparse(data$x, data$y, family = "binomial", foldid = data$foldid, nthreads = 2)
  expect_identical(one$cvm, two$cvm)
  expect_identical(one$cvsd, two$cvsd)
  expect_identical(one$glmsparse.fit$beta, two$glmsparse.fit$beta)
})

test_that("folds come from the session's random numbers and stratified folds are balanced", {
  data <- simulate_cv_data("binomial")
  set.seed(5)
  first <- cv.glmsparse(data$x, data$y, family = "binomial", nfolds = 5, keep = TRUE)
  set.seed(5)
  second <- cv.glmsparse(data$x, data$y, family = "binomial", nfolds = 5, keep = TRUE)
  expect_identical(first$foldid, second$foldid)
  expect_identical(first$cvm, second$cvm)
  set.seed(6)
  stratified <- cv.glmsparse(data$x, data$y, family = "binomial", nfolds = 5, keep = TRUE,
                             stratified = TRUE)
  per_fold <- table(stratified$foldid, data$y)
  expect_lte(max(apply(per_fold, 2, function(counts) diff(range(counts)))), 1)
})

test_that("keep = TRUE returns the pre-validated fits of the held-out folds", {
  data <- simulate_cv_data("gaussian")
  cv <- cv.glmsparse(data$x, data$y, foldid = data$foldid, keep = TRUE)
  held_out <- data$foldid == 3
  fold_fit <- glmsparse(data$x[!held_out, ], data$y[!held_out], lambda = cv$lambda)
  expect_equal(cv$fit.preval[held_out, ],
               unname(predict(fold_fit, newx = data$x[held_out, ])), tolerance = 1e-6)
})

test_that("coef, predict and plot use lambda.1se by default", {
  data <- simulate_cv_data("gaussian")
  cv <- cv.glmsparse(data$x, data$y, foldid = data$foldid)
  expect_equal(coef(cv), coef(cv$glmsparse.fit, s = cv$lambda.1se))
  expect_equal(coef(cv, s = "lambda.min"), coef(cv$glmsparse.fit, s = cv$lambda.min))
  expect_equal(predict(cv, newx = data$x[1:4, ]),
               predict(cv$glmsparse.fit, newx = data$x[1:4, ], s = cv$lambda.1se))
  expect_output(print(cv), "Mean-Squared Error")
  path <- tempfile(fileext = ".png")
  grDevices::png(path)
  plot(cv)
  grDevices::dev.off()
  expect_true(file.exists(path) && file.size(path) > 0)
})

test_that("bad arguments of cv.glmsparse give errors that name them", {
  data <- simulate_cv_data("gaussian", n = 60)
  expect_error(cv.glmsparse(data$x, data$y, nfolds = 2), "`nfolds`")
  expect_error(cv.glmsparse(data$x, data$y, nfolds = 61), "`nfolds`")
  expect_error(cv.glmsparse(data$x, data$y, foldid = 1:3), "`foldid` has length 3")
  expect_error(cv.glmsparse(data$x, data$y, foldid = rep(c(1, 2, 4), 20)), "`foldid` must number")
  expect_error(cv.glmsparse(data$x, data$y, type.measure = "auc"), "`type.measure` = \"auc\" does not suit")
  expect_error(cv.glmsparse(data$x, data$y, type.measure = "C"), "`type.measure`")
  expect_error(cv.glmsparse(data$x, data$y, nthreads = 0), "`nthreads`")
  expect_error(cv.glmsparse(data$x, data$y, family = "cox"), "`family`")
  cv <- cv.glmsparse(data$x, data$y, nfolds = 3)
  expect_error(coef(cv, s = "lambda.best"), "`s`")
})
