# cv.glmsparse(relax = TRUE) against cv.glmnet(relax = TRUE, thresh = 1e-12)
# with the same folds and lambdas: the curve of every gamma, the chosen
# (lambda, gamma) pairs, and the methods.

simulate_relax_data <- function(family, n = 200, p = 30, seed = 31) {
  set.seed(seed)
  x <- matrix(stats::rnorm(n * p), n, p)
  signal <- drop(x[, 1:4] %*% c(1, -1, 0.6, 0.5))
  y <- switch(family,
    gaussian = signal + stats::rnorm(n),
    binomial = stats::rbinom(n, 1, stats::plogis(signal)),
    poisson = stats::rpois(n, exp(signal / 3)),
    multinomial = apply(cbind(signal, -signal, 0) + matrix(stats::rexp(n * 3), n), 1, which.max))
  list(x = x, y = y, foldid = sample(rep(1:5, length.out = n)))
}

expect_relaxed_cv_matches_glmnet <- function(family, ...) {
  data <- simulate_relax_data(family)
  ours <- cv.glmsparse(data$x, data$y, family = family, foldid = data$foldid, relax = TRUE,
                       thresh = 1e-10, ...)
  reference <- glmnet::cv.glmnet(data$x, data$y, family = family, foldid = data$foldid,
                                 relax = TRUE, lambda = ours$lambda, thresh = 1e-12, ...)
  expect_s3_class(ours, "cv.gsrelaxed")
  expect_equal(ours$relaxed$gamma, reference$relaxed$gamma)
  for (g in seq_along(ours$relaxed$gamma)) {
    expect_equal(ours$relaxed$statlist[[g]]$cvm, unname(reference$relaxed$statlist[[g]]$cvm),
                 tolerance = 1e-3)
    expect_equal(ours$relaxed$statlist[[g]]$cvsd, unname(reference$relaxed$statlist[[g]]$cvsd),
                 tolerance = 1e-3)
  }
  for (field in c("lambda.min", "lambda.1se", "gamma.min", "gamma.1se")) {
    expect_equal(ours$relaxed[[field]], reference$relaxed[[field]], label = field)
  }
  expect_equal(ours$cvm, unname(reference$cvm), tolerance = 1e-3)
  expect_equal(ours$lambda.min, reference$lambda.min)
  invisible(ours)
}

test_that("relaxed cross-validation matches cv.glmnet's for gaussian, binomial and poisson", {
  skip_if_not_installed("glmnet")
  expect_relaxed_cv_matches_glmnet("gaussian")
  expect_relaxed_cv_matches_glmnet("binomial", type.measure = "class")
  expect_relaxed_cv_matches_glmnet("poisson", gamma = c(0, 0.5))
  expect_relaxed_cv_matches_glmnet("multinomial", gamma = c(0, 0.5))
})

test_that("coef and predict take the cross-validated (lambda, gamma) pairs", {
  data <- simulate_relax_data("gaussian")
  cv <- cv.glmsparse(data$x, data$y, foldid = data$foldid, relax = TRUE, keep = TRUE)
  fit <- cv$glmsparse.fit
  expect_s3_class(fit, "gsrelaxed")
  expect_equal(coef(cv), coef(fit, s = cv$relaxed$lambda.1se, gamma = cv$relaxed$gamma.1se))
  expect_equal(coef(cv, s = "lambda.min"),
               coef(fit, s = cv$relaxed$lambda.min, gamma = cv$relaxed$gamma.min))
  expect_equal(coef(cv, s = "lambda.min", gamma = 0.3), coef(fit, s = cv$relaxed$lambda.min, gamma = 0.3))
  expect_equal(predict(cv, newx = data$x[1:3, ], s = 0.1, gamma = 0),
               predict(fit, newx = data$x[1:3, ], s = 0.1, gamma = 0))
  expect_named(cv$fit.preval, paste0("g:", cv$relaxed$gamma))
  expect_output(print(cv), "Gamma")
  # The plain (gamma = 1) fields are the penalized cross-validation.
  plain <- cv.glmsparse(data$x, data$y, foldid = data$foldid)
  expect_identical(cv$cvm, plain$cvm)
  expect_identical(cv$lambda.min, plain$lambda.min)

  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  grDevices::dev.control("enable")
  plot(cv)
  drawn <- grDevices::recordPlot()[[1]]
  calls_of <- function(name) Filter(function(entry) identical(entry[[2]][[1]]$name, name), drawn)
  expect_equal(calls_of("C_abline")[[1]][[2]][[5]], log(c(cv$relaxed$lambda.min, cv$relaxed$lambda.1se)))
  # One curve per gamma (lines() draws through C_plotXY with type "l").
  curves <- Filter(function(entry) identical(entry[[2]][[3]], "l"), calls_of("C_plotXY"))
  expect_length(curves, length(cv$relaxed$gamma))
  expect_equal(curves[[1]][[2]][[2]]$y, cv$relaxed$statlist[[1]]$cvm)
})

test_that("relaxed cross-validation does not depend on the number of threads", {
  data <- simulate_relax_data("binomial")
  one <- cv.glmsparse(data$x, data$y, family = "binomial", foldid = data$foldid, relax = TRUE, nthreads = 1)
  two <- cv.glmsparse(data$x, data$y, family = "binomial", foldid = data$foldid, relax = TRUE, nthreads = 2)
  expect_identical(one$relaxed, two$relaxed)
})

test_that("bad gamma and s of relaxed cross-validation give errors that name them", {
  data <- simulate_relax_data("gaussian", n = 60)
  expect_error(cv.glmsparse(data$x, data$y, relax = TRUE, gamma = c(0, 1.5)), "`gamma` must be a vector of values in \\[0, 1\\]")
  expect_error(cv.glmsparse(data$x, data$y, relax = "yes"), "`relax`")
  cv <- cv.glmsparse(data$x, data$y, relax = TRUE, nfolds = 3)
  expect_error(coef(cv, gamma = "gamma.best"), "`gamma`")
  expect_error(coef(cv, gamma = 2), "`gamma`")
  expect_error(coef(cv, s = "lambda.best"), "`s`")
  expect_error(cva.glmsparse(data$x, data$y, alpha = c(0.5, 1), relax = TRUE), "`relax` is not supported")
})
