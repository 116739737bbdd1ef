# cv.glmsparse against cv.glmnet run to thresh = 1e-12 with the same folds
# and lambdas: cvm and cvsd to 1e-3 (relative), the same lambda.min and
# lambda.1se, for every family and measure.

simulate_cv_data <- function(family, n = 240, p = 30, seed = 11) {
  set.seed(seed)
  x <- matrix(stats::rnorm(n * p), n, p)
  signal <- drop(x[, 1:5] %*% c(1, -1, 0.8, -0.6, 0.5))
  y <- switch(family,
    gaussian = signal + stats::rnorm(n),
    binomial = stats::rbinom(n, 1, stats::plogis(signal)),
    poisson = stats::rpois(n, exp(signal / 3)),
    multinomial = {
      class_signal <- cbind(signal, -drop(x[, 6:8] %*% c(1, 0.7, -0.5)), 0)
      apply(class_signal + matrix(stats::rexp(n * 3), n), 1, which.max)
    },
    mgaussian = cbind(signal + stats::rnorm(n), 2 * x[, 2] - x[, 9] + stats::rnorm(n, sd = 2)),
    cox = {
      event <- stats::rexp(n, exp(signal / 2))
      censoring <- stats::rexp(n, 0.5 * mean(exp(signal / 2)))
      survival::Surv(pmin(event, censoring), as.numeric(event <= censoring))
    })
  list(x = x, y = y, foldid = sample(rep(1:8, length.out = n)))
}

# nzero_mismatches: lambdas at which the counts of nonzero coefficients may
# differ (a coefficient near zero in one fit, exactly zero in the other).
# thresh: for our fits only (glmnet's is 1e-12).
expect_cv_matches_glmnet <- function(data, family, type.measure, ..., nzero_mismatches = 0,
                                     thresh = 1e-7) {
  ours <- cv.glmsparse(data$x, data$y, family = family, foldid = data$foldid,
                       type.measure = type.measure, thresh = thresh, ...)
  reference <- glmnet::cv.glmnet(data$x, data$y, family = family, foldid = data$foldid,
                                 type.measure = type.measure, lambda = ours$lambda,
                                 thresh = 1e-12, ...)
  expect_equal(ours$cvm, unname(reference$cvm), tolerance = 1e-3)
  expect_equal(ours$cvsd, unname(reference$cvsd), tolerance = 1e-3)
  expect_equal(ours$lambda.min, reference$lambda.min)
  expect_equal(ours$lambda.1se, reference$lambda.1se)
  # The first lambda is lambda_max, where glmnet, given it as a user value,
  # may leave a coefficient of rounding size.
  if (family == "multinomial" && isTRUE(ours$glmsparse.fit$grouped)) {
    # glmnet's grouped multinomial nzero counts the intercept too; ours
    # counts variables.
    expect_equal(unname(ours$nzero), ours$glmsparse.fit$df)
  } else {
    expect_lte(sum(unname(ours$nzero)[-1] != unname(reference$nzero)[-1]), nzero_mismatches)
  }
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
  for (measure in c("deviance", "auc", "mse", "mae")) {
    expect_cv_matches_glmnet(data, "binomial", measure)
  }
  # The misclassification rate jumps by 1/30 in a fold where one held-out
  # linear predictor changes sign. At the 26th lambda observation 185 sits
  # at -1.8e-5 in the reference; a fold fit at thresh 1e-7 is that close
  # (ours 2.6e-5 away, glmnet's default 8e-4) and may put it on either
  # side. The measure itself is compared on fits solved to 1e-9.
  expect_cv_matches_glmnet(data, "binomial", "class", thresh = 1e-9)
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

test_that("multinomial cross-validation matches cv.glmnet, grouped and ungrouped", {
  skip_if_not_installed("glmnet")
  data <- simulate_cv_data("multinomial")
  for (measure in c("deviance", "mse", "mae")) {
    expect_cv_matches_glmnet(data, "multinomial", measure, nzero_mismatches = 3)
  }
  # At the 8th lambda a held-out observation of fold 7 is nearly a tie: the
  # reference's probabilities of its first two classes are 3e-6 apart, and
  # fits at the default thresh (about 1e-8 above the optimum) move them by
  # 2e-5, so its predicted class is down to rounding. The misclassification
  # rates are compared on fits solved tighter.
  expect_cv_matches_glmnet(data, "multinomial", "class", nzero_mismatches = 3, thresh = 1e-11)
  set.seed(3)
  weights <- stats::runif(nrow(data$x), 0.5, 2)
  expect_cv_matches_glmnet(data, "multinomial", "deviance", type.multinomial = "grouped",
                           weights = weights, nzero_mismatches = 3)
})

test_that("mgaussian cross-validation matches cv.glmnet, with standardized responses", {
  skip_if_not_installed("glmnet")
  data <- simulate_cv_data("mgaussian")
  compare <- function(...) {
    ours <- cv.glmsparse(data$x, data$y, family = "mgaussian", foldid = data$foldid, ...)
    reference <- glmnet::cv.glmnet(data$x, data$y, family = "mgaussian", foldid = data$foldid,
                                   lambda = ours$lambda, thresh = 1e-12, ...)
    expect_equal(ours$cvm, unname(reference$cvm), tolerance = 1e-3)
    expect_equal(ours$cvsd, unname(reference$cvsd), tolerance = 1e-3)
    expect_equal(ours$lambda.min, reference$lambda.min)
    expect_equal(ours$lambda.1se, reference$lambda.1se)
    # glmnet's mgaussian nzero counts the intercept too; ours counts variables.
    expect_equal(unname(ours$nzero), ours$glmsparse.fit$df)
  }
  compare(type.measure = "mse")
  compare(type.measure = "mae", standardize.response = TRUE)
  set.seed(4)
  compare(type.measure = "mse", offset = matrix(stats::rnorm(2 * nrow(data$x), sd = 0.3), ncol = 2))
})

test_that("cox cross-validation matches cv.glmnet: deviance and C, strata, counting data", {
  skip_if_not_installed("glmnet")
  skip_if_not_installed("survival")
  data <- simulate_cv_data("cox")
  expect_cv_matches_glmnet(data, "cox", "deviance")
  expect_cv_matches_glmnet(data, "cox", "deviance", grouped = FALSE)
  # The concordance changes only when two predictions change order, so the
  # fits are run to a tighter threshold than the default.
  expect_cv_matches_glmnet(data, "cox", "C", thresh = 1e-10)
  set.seed(5)
  weights <- stats::runif(nrow(data$x), 0.5, 2)
  expect_cv_matches_glmnet(data, "cox", "deviance", weights = weights, thresh = 1e-10)
  expect_cv_matches_glmnet(data, "cox", "C", weights = weights, thresh = 1e-10)
  stratified <- data
  stratified$y <- stratifySurv(data$y, rep(1:3, length.out = nrow(data$x)))
  expect_cv_matches_glmnet(stratified, "cox", "deviance")
  counting <- data
  counting$y <- survival::Surv(data$y[, 1] * stats::runif(nrow(data$x), 0, 0.6), data$y[, 1], data$y[, 2])
  expect_cv_matches_glmnet(counting, "cox", "deviance")
  expect_cv_matches_glmnet(counting, "cox", "C", thresh = 1e-10)
  expect_cv_matches_glmnet(data, "cox", "deviance",
                           offset = stats::rnorm(nrow(data$x), sd = 0.3))
})

test_that("the concordance index is survival's, with weights and counting data", {
  skip_if_not_installed("survival")
  set.seed(8)
  n <- 150
  time <- round(stats::rexp(n), 1) + 0.1  # rounded: tied times
  status <- stats::rbinom(n, 1, 0.6)
  score <- round(stats::rnorm(n), 1)      # and tied scores
  weights <- stats::runif(n, 0.5, 2)
  start <- time * stats::runif(n, 0, 0.8)
  ours <- concordance_cpp(cbind(time, status), weights, matrix(score))
  reference <- survival::concordance(survival::Surv(time, status) ~ I(-score), weights = weights)
  expect_equal(ours, reference$concordance, tolerance = 1e-12)
  ours <- concordance_cpp(cbind(start, time, status), rep(1, n), matrix(score))
  reference <- survival::concordance(survival::Surv(start, time, status) ~ I(-score))
  expect_equal(ours, reference$concordance, tolerance = 1e-12)
})

test_that("alignment = \"fraction\" matches cv.glmnet's and is replaced when lambda is given", {
  skip_if_not_installed("glmnet")
  for (family in c("gaussian", "binomial")) {
    data <- simulate_cv_data(family)
    ours <- cv.glmsparse(data$x, data$y, family = family, foldid = data$foldid, alignment = "fraction")
    reference <- glmnet::cv.glmnet(data$x, data$y, family = family, foldid = data$foldid,
                                   alignment = "fraction", thresh = 1e-12)
    expect_equal(ours$lambda, reference$lambda, tolerance = 1e-10)
    expect_equal(ours$cvm, unname(reference$cvm), tolerance = 1e-3)
    expect_equal(ours$cvsd, unname(reference$cvsd), tolerance = 1e-3)
    expect_equal(ours$lambda.min, reference$lambda.min)
  }
  expect_warning(cv.glmsparse(data$x, data$y, family = "binomial", foldid = data$foldid,
                              lambda = c(0.1, 0.01), alignment = "fraction"),
                 "`alignment = \"lambda\"` is used")
})

test_that("one and two threads give identical cross-validation results", {
  data <- simulate_cv_data("binomial")
  one <- cv.glmsparse(data$x, data$y, family = "binomial", foldid = data$foldid, nthreads = 1)
  two <- cv.glmsparse(data$x, data$y, family = "binomial", foldid = data$foldid, nthreads = 2)
  expect_identical(one$cvm, two$cvm)
  expect_identical(one$cvsd, two$cvsd)
  expect_identical(one$glmsparse.fit$beta, two$glmsparse.fit$beta)
  for (family in c("multinomial", "cox")) {
    data <- simulate_cv_data(family)
    one <- cv.glmsparse(data$x, data$y, family = family, foldid = data$foldid, nthreads = 1)
    two <- cv.glmsparse(data$x, data$y, family = family, foldid = data$foldid, nthreads = 2)
    expect_identical(one$cvm, two$cvm)
    expect_identical(one$cvsd, two$cvsd)
  }
})

test_that("the plot draws the curve, its error bars and lines at lambda.min and lambda.1se", {
  data <- simulate_cv_data("gaussian")
  cv <- cv.glmsparse(data$x, data$y, foldid = data$foldid)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  grDevices::dev.control("enable")
  plot(cv, sign.lambda = -1)
  # The display list: one entry per graphics call; entry[[2]] holds the
  # native routine and then its arguments.
  drawn <- grDevices::recordPlot()[[1]]
  calls_of <- function(name) Filter(function(entry) identical(entry[[2]][[1]]$name, name), drawn)
  lines <- calls_of("C_abline")
  expect_length(lines, 1)
  # abline(a, b, h, v, ...): v holds the two positions.
  expect_equal(lines[[1]][[2]][[5]], -log(c(cv$lambda.min, cv$lambda.1se)))
  bars <- calls_of("C_segments")
  expect_length(bars, 1)
  expect_equal(bars[[1]][[2]][[3]], cv$cvlo)
  expect_equal(bars[[1]][[2]][[5]], cv$cvup)
  points <- calls_of("C_plotXY")
  expect_equal(points[[length(points)]][[2]][[2]]$y, cv$cvm)
  top <- calls_of("C_axis")
  expect_identical(top[[length(top)]][[2]][[4]], paste(cv$nzero))
})

test_that("an interrupt during parallel cross-validation returns within a second", {
  skip_if_not_installed("callr")
  session <- callr::r_session$new()
  on.exit(session$close())
  session$run(function() {
    library(glmsparse)
    set.seed(1)
    x <<- matrix(stats::rnorm(4000 * 400), 4000, 400)
    y <<- stats::rbinom(4000, 1, stats::plogis(x[, 1] - x[, 2]))
    NULL
  })
  session$call(function() cv.glmsparse(x, y, family = "binomial", nthreads = 2, thresh = 1e-14,
                                       nlambda = 300, lambda.min.ratio = 1e-6))
  Sys.sleep(1.5)
  expect_null(session$read())  # still running
  interrupted_at <- Sys.time()
  session$interrupt()
  session$poll_process(5000)
  result <- session$read()
  elapsed <- as.numeric(difftime(Sys.time(), interrupted_at, units = "secs"))
  # callr reports the child's interrupt as an error "callr subprocess interrupted".
  expect_match(conditionMessage(result$error), "interrupted")
  expect_lt(elapsed, 2.5)  # about a second, with slack for a loaded machine
  # The session is still usable.
  expect_equal(session$run(function() sum(1:10)), 55)
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
  data <- simulate_cv_data("multinomial")
  stratified <- cv.glmsparse(data$x, data$y, family = "multinomial", nfolds = 7, keep = TRUE,
                             stratified = TRUE)
  per_fold <- table(stratified$foldid, data$y)
  expect_lte(max(apply(per_fold, 2, function(counts) diff(range(counts)))), 1)
  expect_equal(dim(stratified$fit.preval), c(nrow(data$x), 3L, length(stratified$lambda)))
})

test_that("keep = TRUE returns the pre-validated fits of the held-out folds", {
  data <- simulate_cv_data("gaussian")
  cv <- cv.glmsparse(data$x, data$y, foldid = data$foldid, keep = TRUE)
  held_out <- data$foldid == 3
  fold_fit <- glmsparse(data$x[!held_out, ], data$y[!held_out], lambda = cv$lambda)
  expect_equal(cv$fit.preval[held_out, ],
               unname(predict(fold_fit, newx = data$x[held_out, ])), tolerance = 1e-6)
})

test_that("the measure taken by the fold workers equals the one taken from kept predictions", {
  # Without keep the workers take the per-fold measure themselves; with keep
  # it is taken in R from the held-out linear predictors.
  for (family in c("gaussian", "binomial", "poisson", "multinomial", "mgaussian")) {
    data <- simulate_cv_data(family)
    offset <- if (family %in% c("binomial", "poisson")) rnorm(nrow(data$x), sd = 0.2) else NULL
    measures <- switch(family, binomial = c("deviance", "class", "mse", "mae"),
                       multinomial = c("deviance", "class", "mae"), poisson = c("deviance", "mse"),
                       "mse")
    # mgaussian folds fit responses scaled by their own standard deviations.
    standardize.response <- family == "mgaussian"
    for (type.measure in measures) {
      run_cv <- function(keep) {
        arguments <- list(data$x, data$y, family = family, foldid = data$foldid, offset = offset,
                          type.measure = type.measure, keep = keep)
        if (standardize.response) arguments$standardize.response <- TRUE
        do.call(cv.glmsparse, arguments)
      }
      by_workers <- run_cv(keep = FALSE)
      from_kept <- run_cv(keep = TRUE)
      expect_null(by_workers$fit.preval)
      expect_equal(by_workers$cvm, from_kept$cvm, tolerance = 1e-12, info = paste(family, type.measure))
      expect_equal(by_workers$cvsd, from_kept$cvsd, tolerance = 1e-12, info = paste(family, type.measure))
    }
  }
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
  expect_error(cv.glmsparse(data$x, data$y, family = "cox"), "`y` must be a survival::Surv")
  expect_error(cv.glmsparse(data$x, data$y, lambda = 0.1), "`lambda` must have at least two")
  expect_error(cv.glmsparse(data$x, data$y, alignment = "middle"), "`alignment`")
  expect_error(cv.glmsparse(data$x, cbind(data$y, data$y), family = "mgaussian", type.measure = "class"),
               "`type.measure` = \"class\" does not suit family \"mgaussian\"")
  cv <- cv.glmsparse(data$x, data$y, nfolds = 3)
  expect_error(coef(cv, s = "lambda.best"), "`s`")
})
