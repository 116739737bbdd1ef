# Awkward but valid data: every fit is finite and agrees with an oracle (the
# same problem without the awkward part, lm/glm/coxph, or glmnet), or the
# data get a clear error. test-edge-cases.R has the gaussian basics.

# Every coefficient, intercept and lambda finite; dev.ratio in [0, 1].
expect_finite_fit <- function(fit) {
  beta <- if (is.list(fit$beta)) do.call(rbind, fit$beta) else fit$beta
  expect_true(all(is.finite(as.matrix(beta))))
  expect_true(all(is.finite(fit$a0)))
  expect_true(all(is.finite(fit$lambda)))
  expect_true(all(fit$dev.ratio >= 0 & fit$dev.ratio <= 1))
}

# The coefficients of a fit (without intercepts) as one matrix, classes stacked.
stacked_beta <- function(fit) {
  as.matrix(if (is.list(fit$beta)) do.call(rbind, unname(fit$beta)) else fit$beta)
}

# Responses of every family for a design x, from its first two columns.
family_responses <- function(x, seed) {
  set.seed(seed)
  n <- nrow(x)
  signal <- x[, 1] - 0.5 * x[, 2]
  responses <- list(
    gaussian = signal + rnorm(n),
    binomial = rbinom(n, 1, plogis(signal)),
    poisson = rpois(n, exp(0.5 + signal / 2)),
    multinomial = factor(cut(signal + rnorm(n), 3, labels = c("a", "b", "c"))),
    mgaussian = cbind(signal + rnorm(n), -signal + rnorm(n)))
  if (requireNamespace("survival", quietly = TRUE)) {
    responses$cox <- survival::Surv(rexp(n, exp(signal / 2)), rbinom(n, 1, 0.7))
  }
  responses
}

test_that("a constant column gets coefficient 0 and leaves every family's fit as without it", {
  set.seed(101)
  x <- matrix(rnorm(80 * 4), 80, 4)
  responses <- family_responses(x, 102)
  for (family in names(responses)) {
    y <- responses[[family]]
    fit <- glmsparse(cbind(x, 2.5), y, family = family, nlambda = 20)
    expect_finite_fit(fit)
    beta <- stacked_beta(fit)
    constant_rows <- which(rownames(beta) == "V5")
    expect_true(all(beta[constant_rows, ] == 0), label = family)
    reference <- glmsparse(x, y, family = family, lambda = fit$lambda)
    expect_equal(beta[-constant_rows, ], stacked_beta(reference), tolerance = 1e-8, ignore_attr = TRUE,
                 label = family)
  }
  # Sparse: a constant nonzero column and an empty one.
  y <- responses$binomial
  sparse <- Matrix::Matrix(cbind(x, 3, 0), sparse = TRUE)
  fit <- glmsparse(sparse, y, family = "binomial", nlambda = 20)
  reference <- glmsparse(x, y, family = "binomial", lambda = fit$lambda)
  expect_true(all(fit$beta[5:6, ] == 0))
  expect_equal(as.matrix(fit$beta[1:4, ]), as.matrix(reference$beta), tolerance = 1e-8, ignore_attr = TRUE)
})

test_that("duplicated columns share the lasso coefficient of the single column and split the elastic net's equally", {
  set.seed(103)
  x <- matrix(rnorm(80 * 4), 80, 4)
  responses <- family_responses(x, 104)
  for (family in c("gaussian", "binomial", "poisson", intersect("cox", names(responses)))) {
    y <- responses[[family]]
    lasso <- glmsparse(cbind(x, x[, 1]), y, family = family, nlambda = 20, thresh = 1e-12)
    expect_finite_fit(lasso)
    single <- glmsparse(x, y, family = family, lambda = lasso$lambda, thresh = 1e-12)
    # The lasso fixes only the sum of the two coefficients.
    expect_equal(lasso$beta[1, ] + lasso$beta[5, ], single$beta[1, ], tolerance = 1e-5,
                 ignore_attr = TRUE, label = family)
    expect_true(all(sign(lasso$beta[1, ]) * sign(lasso$beta[5, ]) >= 0), label = family)
    # With a ridge part the split is unique: half each. The objective is
    # nearly flat along the split, so the halves agree to less than the fit.
    net <- glmsparse(cbind(x, x[, 1]), y, family = family, alpha = 0.5, nlambda = 20, thresh = 1e-12)
    expect_equal(net$beta[1, ], net$beta[5, ], tolerance = 1e-3, label = family)
  }
  skip_if_not_installed("glmnet")
  y <- responses$gaussian
  net <- glmsparse(cbind(x, x[, 1]), y, alpha = 0.5, nlambda = 20, thresh = 1e-12)
  reference <- glmnet::glmnet(cbind(x, x[, 1]), y, alpha = 0.5, lambda = net$lambda, thresh = 1e-12)
  expect_equal(predict(net, newx = cbind(x, x[, 1])), predict(reference, newx = cbind(x, x[, 1])),
               tolerance = 1e-6, ignore_attr = TRUE)
})

test_that("perfectly collinear columns give finite fits with glmnet's fitted values, and lm's at lambda = 0", {
  set.seed(105)
  x <- matrix(rnorm(100 * 5), 100, 5)
  x[, 5] <- 2 * x[, 1] - x[, 2]
  responses <- family_responses(x, 106)
  fit <- glmsparse(x, responses$gaussian, lambda = 0, thresh = 1e-14)
  expect_finite_fit(fit)
  ols <- lm(responses$gaussian ~ x)
  expect_equal(as.vector(predict(fit, newx = x)), unname(fitted(ols)), tolerance = 1e-6)
  skip_if_not_installed("glmnet")
  for (family in c("gaussian", "binomial", "poisson")) {
    y <- responses[[family]]
    fit <- glmsparse(x, y, family = family, nlambda = 20, thresh = 1e-12)
    expect_finite_fit(fit)
    reference <- glmnet::glmnet(x, y, family = family, lambda = fit$lambda, thresh = 1e-12)
    # The lasso's coefficients are not unique on collinear columns; its fit is.
    expect_equal(predict(fit, newx = x), predict(reference, newx = x), tolerance = 1e-5,
                 ignore_attr = TRUE, label = family)
  }
})

test_that("a constant gaussian y gives the intercept-only path with weights, sparse x, lambda = 0 and in cross-validation", {
  set.seed(107)
  x <- matrix(rnorm(40 * 5), 40, 5)
  y <- rep(1 / 3, 40)
  for (fit in list(glmsparse(x, y, weights = runif(40)),
                   glmsparse(Matrix::Matrix(x * (abs(x) > 1), sparse = TRUE), y),
                   glmsparse(x, y, lambda = c(1, 0)),
                   glmsparse(x, y, standardize = FALSE))) {
    expect_finite_fit(fit)
    expect_true(all(fit$beta == 0))
    expect_equal(unname(fit$a0), rep(1 / 3, length(fit$lambda)))
    expect_true(all(fit$status == "converged"))
  }
  expect_silent(cv <- cv.glmsparse(x, y, nfolds = 4))
  expect_true(all(abs(cv$cvm) < 1e-20))
  expect_true(is.finite(cv$lambda.min))
})

test_that("a constant count gives the intercept-only poisson path at every lambda, 0 included, as glm", {
  set.seed(109)
  x <- matrix(rnorm(50 * 4), 50, 4)
  y <- rep(3, 50)
  # The null model attains the saturated loss: no lambda can do better.
  reference <- glm(y ~ 1, family = poisson)
  weights <- runif(50, 0.5, 2)
  for (fit in list(glmsparse(x, y, family = "poisson"),
                   glmsparse(x, y, family = "poisson", lambda = c(0.1, 0)),
                   glmsparse(Matrix::Matrix(x * (abs(x) > 1), sparse = TRUE), y, family = "poisson",
                             weights = weights, penalty.factor = c(0, 1, 1, 1)))) {
    expect_finite_fit(fit)
    expect_true(all(fit$beta == 0))
    expect_equal(unname(fit$a0), rep(unname(coef(reference)), length(fit$lambda)), tolerance = 1e-12)
    expect_true(all(fit$dev.ratio == 0))
    expect_equal(fit$nulldev, 0)
    expect_true(all(fit$status == "converged"))
  }
  expect_silent(glmsparse(x, y, family = "poisson", lambda = 0))
})

test_that("a single column matches glm, coxph and lm per response at lambda = 0", {
  set.seed(109)
  x <- matrix(rnorm(120), 120, 1)
  responses <- family_responses(cbind(x, rnorm(120)), 110)
  for (family in c("binomial", "poisson")) {
    y <- responses[[family]]
    path <- glmsparse(x, y, family = family)
    expect_finite_fit(path)
    fit <- glmsparse(x, y, family = family, lambda = 0, thresh = 1e-14)
    reference <- glm(y ~ x, family = family)
    expect_equal(as.vector(coef(fit)), unname(coef(reference)), tolerance = 1e-7, label = family)
  }
  y <- responses$mgaussian
  fit <- glmsparse(x, y, family = "mgaussian", lambda = 0, thresh = 1e-14)
  for (k in 1:2) {
    expect_equal(as.vector(coef(fit)[[k]]), unname(coef(lm(y[, k] ~ x))), tolerance = 1e-7)
  }
  expect_finite_fit(glmsparse(x, responses$multinomial, family = "multinomial"))
  expect_finite_fit(glmsparse(Matrix::Matrix(x, sparse = TRUE), responses$gaussian))
  skip_if_not_installed("survival")
  y <- responses$cox
  fit <- glmsparse(x, y, family = "cox", lambda = 0, thresh = 1e-14)
  reference <- survival::coxph(y ~ x, ties = "breslow")
  expect_equal(as.vector(coef(fit)), unname(coef(reference)), tolerance = 1e-6)
})

test_that("p = 100000 with n = 50 (dense) matches glmnet", {
  set.seed(111)
  n <- 50
  p <- 1e5
  x <- matrix(rnorm(n * p), n, p)
  y <- as.vector(x[, 1:3] %*% c(2, -2, 1)) + rnorm(n)
  fit <- glmsparse(x, y, nlambda = 20)
  expect_finite_fit(fit)
  expect_true(max(fit$df) <= n)
  skip_if_not_installed("glmnet")
  # Deep in a p >> n path the coefficients are ill-determined; the objective
  # is not: no higher than glmnet's at any lambda.
  lambda <- fit$lambda[1:10]
  reference <- glmnet::glmnet(x, y, lambda = lambda)
  ours <- gaussian_objective(fit$a0[1:10], fit$beta[, 1:10], lambda, x, y)
  theirs <- gaussian_objective(reference$a0, reference$beta, lambda, x, y)
  expect_true(all(ours <= theirs * (1 + 1e-9)))
  expect_equal(ours, theirs, tolerance = 1e-4)
})

test_that("n = 1000000 with p = 5 fits, matches least squares at lambda = 0, in memory linear in n", {
  set.seed(112)
  n <- 1e6
  x <- matrix(rnorm(n * 5), n, 5)
  y <- as.vector(x %*% c(1, 0, -1, 0.5, 0)) + rnorm(n)
  fit <- glmsparse(x, y, nlambda = 20)
  expect_finite_fit(fit)
  ols <- glmsparse(x, y, lambda = 0, thresh = 1e-14)
  expect_equal(as.vector(coef(ols)), .lm.fit(cbind(1, x), y)$coefficients, tolerance = 1e-8)
  # The peak resident memory a fit adds (Linux; not under preloaded
  # sanitizers, which add their own) stays within a few copies of x.
  status_file <- "/proc/self/status"
  skip_if_not(file.exists(status_file) && file.access("/proc/self/clear_refs", 2) == 0)
  skip_if(nzchar(Sys.getenv("LD_PRELOAD")))
  peak <- function() {
    line <- grep("^VmHWM:", readLines(status_file), value = TRUE)
    as.numeric(gsub("[^0-9]", "", line)) * 1024
  }
  invisible(gc())
  writeLines("5", "/proc/self/clear_refs")
  before <- peak()
  fit <- glmsparse(x, y, nlambda = 20)
  expect_lt(peak() - before, 8 * as.numeric(object.size(x)))
})

test_that("x near 1e150 gives the fit of x, rescaled, in every family, dense and sparse", {
  set.seed(113)
  x <- matrix(rnorm(100 * 4), 100, 4)
  scale <- 1e150
  responses <- family_responses(x, 114)
  for (family in names(responses)) {
    y <- responses[[family]]
    lambda <- glmsparse(x, y, family = family, nlambda = 20)$lambda
    reference <- glmsparse(x, y, family = family, lambda = lambda)
    for (big in list(x * scale, Matrix::Matrix(x * scale, sparse = TRUE))) {
      fit <- glmsparse(big, y, family = family, lambda = lambda)
      expect_finite_fit(fit)
      expect_equal(stacked_beta(fit) * scale, stacked_beta(reference), tolerance = 1e-6, label = family)
      expect_equal(fit$dev.ratio, reference$dev.ratio, tolerance = 1e-8, label = family)
    }
  }
  # Unstandardized, lambda scales with x: the problem in beta * scale is the same.
  y <- responses$gaussian
  reference <- glmsparse(x, y, standardize = FALSE, nlambda = 20)
  fit <- glmsparse(x * scale, y, standardize = FALSE, nlambda = 20)
  expect_equal(fit$lambda / scale, reference$lambda, tolerance = 1e-10)
  expect_equal(as.matrix(fit$beta) * scale, as.matrix(reference$beta), tolerance = 1e-6)
})

test_that("separable binomial and multinomial data stop the path early with finite coefficients, as glmnet", {
  set.seed(115)
  x <- matrix(rnorm(100 * 5), 100, 5)
  x[, 1] <- x[, 1] + sign(x[, 1]) * 0.5  # a margin between the classes
  y <- as.numeric(x[, 1] > 0)
  expect_silent(fit <- glmsparse(x, y, family = "binomial"))
  expect_finite_fit(fit)
  # Stopped once the deviance ratio passed 0.999.
  expect_lt(length(fit$lambda), 100L)
  expect_gt(max(fit$dev.ratio), 0.999)
  # At lambda = 0 the maximum likelihood estimate does not exist: a warning, finite values.
  expect_warning(unpenalized <- glmsparse(x, y, family = "binomial", lambda = c(0.1, 0)),
                 "did not converge within `maxit` passes at lambda = 0 (index 2)", fixed = TRUE)
  expect_finite_fit(unpenalized)
  classes <- factor(ifelse(x[, 1] > 0, ifelse(x[, 2] > 0, "a", "b"), "c"))
  multinomial <- glmsparse(x, classes, family = "multinomial")
  expect_finite_fit(multinomial)
  expect_lt(length(multinomial$lambda), 100L)
  expect_gt(max(multinomial$dev.ratio), 0.999)
  skip_if_not_installed("glmnet")
  reference <- glmnet::glmnet(x, y, family = "binomial")
  expect_identical(length(fit$lambda), length(reference$lambda))
  multinomial_reference <- glmnet::glmnet(x, classes, family = "multinomial")
  expect_lte(abs(length(multinomial$lambda) - length(multinomial_reference$lambda)), 1L)
  middle <- fit$lambda[30]
  expect_equal(as.matrix(coef(fit, s = middle)), as.matrix(coef(reference, s = middle)), tolerance = 1e-4,
               ignore_attr = TRUE)
})

test_that("poisson counts near 1e7 match glm and glmnet", {
  set.seed(116)
  x <- matrix(rnorm(100 * 4), 100, 4)
  y <- rpois(100, exp(log(1e7) + 0.3 * x[, 1] - 0.1 * x[, 2]))
  fit <- glmsparse(x, y, family = "poisson")
  expect_finite_fit(fit)
  unpenalized <- glmsparse(x, y, family = "poisson", lambda = 0, thresh = 1e-14)
  expect_equal(as.vector(coef(unpenalized)), unname(coef(glm(y ~ x, family = poisson))), tolerance = 1e-8)
  cv <- cv.glmsparse(x, y, family = "poisson", nfolds = 3)
  expect_true(all(is.finite(cv$cvm)))
  skip_if_not_installed("glmnet")
  reference <- glmnet::glmnet(x, y, family = "poisson", lambda = fit$lambda, thresh = 1e-12)
  expect_equal(as.matrix(coef(fit)), as.matrix(coef(reference)), tolerance = 1e-5, ignore_attr = TRUE)
})

test_that("cox data with every observation censored are a clear error", {
  skip_if_not_installed("survival")
  set.seed(117)
  x <- matrix(rnorm(30 * 3), 30, 3)
  y <- survival::Surv(rexp(30), rep(0, 30))
  message <- "`y` for family \"cox\" has no events (with positive weight): there is nothing to fit."
  for (call in list(quote(glmsparse(x, y, family = "cox")), quote(cv.glmsparse(x, y, family = "cox", nfolds = 3)))) {
    error <- tryCatch(eval(call), error = identity)
    expect_s3_class(error, "error")
    expect_null(conditionCall(error))
    expect_identical(conditionMessage(error), message)
  }
})

test_that("cox data with every time tied: all events give the zero path; some censored match coxph and glmnet", {
  skip_if_not_installed("survival")
  set.seed(118)
  n <- 100
  x <- matrix(rnorm(n * 5), n, 5)
  # Every subject fails at one time: the partial likelihood is largest at
  # beta = 0, where it equals the saturated model's.
  for (y in list(survival::Surv(rep(1, n), rep(1, n)), survival::Surv(rep(0, n), rep(1, n), rep(1, n)))) {
    expect_silent(fit <- glmsparse(x, y, family = "cox"))
    expect_finite_fit(fit)
    expect_true(all(fit$beta == 0))
    expect_true(all(fit$dev.ratio == 0))
    expect_true(all(fit$status == "converged"))
  }
  y <- survival::Surv(rep(1, n), rbinom(n, 1, 0.5))
  fit <- glmsparse(x, y, family = "cox")
  expect_finite_fit(fit)
  unpenalized <- glmsparse(x, y, family = "cox", lambda = 0, thresh = 1e-14)
  expect_equal(as.vector(coef(unpenalized)), unname(coef(survival::coxph(y ~ x, ties = "breslow"))),
               tolerance = 1e-6)
  skip_if_not_installed("glmnet")
  reference <- glmnet::glmnet(x, y, family = "cox", lambda = fit$lambda, thresh = 1e-12)
  expect_equal(as.matrix(fit$beta), as.matrix(reference$beta), tolerance = 1e-4, ignore_attr = TRUE)
})

test_that("a fit short of passes warns once, naming exactly the lambdas that did not converge, and keeps every lambda", {
  set.seed(119)
  x <- matrix(rnorm(200 * 30), 200, 30)
  x[, 2] <- x[, 1] + 0.05 * rnorm(200)
  y <- as.vector(x[, 1:5] %*% c(1, -1, 0.5, 0.5, -0.5)) + rnorm(200)
  lambda <- glmsparse(x, y)$lambda[c(5, 20, 40, 60, 70)]
  warnings <- character(0)
  fit <- withCallingHandlers(glmsparse(x, y, lambda = lambda, maxit = 5), warning = function(w) {
    warnings <<- c(warnings, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  expect_length(warnings, 1L)
  failed <- which(fit$status == "not converged")
  expect_gt(length(failed), 0L)
  expect_lt(length(failed), length(lambda))
  expect_true(grepl(sprintf("at lambda = %s (index %s)", paste(signif(lambda[failed], 4), collapse = ", "),
                            paste(failed, collapse = ", ")), warnings, fixed = TRUE))
  expect_identical(fit$lambda, lambda)
  expect_finite_fit(fit)
  # The lambdas that converged have the solution of a fit with passes to spare.
  reference <- glmsparse(x, y, lambda = lambda, thresh = 1e-12)
  converged <- fit$status == "converged"
  expect_equal(as.matrix(fit$beta[, converged]), as.matrix(reference$beta[, converged]), tolerance = 1e-6)
  # Other families; and cross-validation warns once, for the fit on all the data.
  for (family in c("binomial", "poisson")) {
    response <- if (family == "binomial") as.numeric(y > 0) else rpois(200, exp(x[, 1] / 2))
    expect_warning(short <- glmsparse(x, response, family = family, maxit = 3, nlambda = 10),
                   "did not converge within `maxit` passes")
    expect_length(short$lambda, 10L)
    expect_finite_fit(short)
  }
  warnings <- character(0)
  cv <- withCallingHandlers(cv.glmsparse(x, y, maxit = 5, nfolds = 3, nlambda = 20), warning = function(w) {
    warnings <<- c(warnings, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  expect_length(warnings, 1L)
  expect_true(all(is.finite(cv$cvm)))
})

test_that("a poisson fit whose x times the fitted means overflows warns, naming the lambdas, and stays finite", {
  set.seed(120)
  n <- 20
  # exp(370) * 1e100 exceeds the largest double: the model's gradient and
  # curvature for the second column overflow at the first step.
  x <- cbind(rnorm(n), c(rep(1e100, 10), rep(-1e100, 10)) * runif(n))
  y <- rpois(n, 3)
  offset <- c(370, 370, rep(0, n - 2))
  warnings <- character(0)
  fit <- withCallingHandlers(
    glmsparse(x, y, family = "poisson", offset = offset, standardize = FALSE, intercept = FALSE),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  overflowed <- which(fit$status == "overflow")
  expect_gt(length(overflowed), 0L)
  expect_length(warnings, 1L)
  expect_match(warnings, sprintf("The fit overflowed at lambda = %s", signif(fit$lambda[overflowed[1]], 4)),
               fixed = TRUE)
  expect_match(warnings, sprintf("and %d more", length(overflowed) - 10L), fixed = TRUE)
  expect_finite_fit(fit)
  expect_true(all(is.finite(predict(fit, x, newoffset = offset))))
})

test_that("a poisson fit whose null model already overflows says so at every lambda", {
  set.seed(121)
  n <- 20
  x <- matrix(rnorm(n * 3), n, 3)
  y <- rpois(n, 3)
  # Without an intercept nothing absorbs the offset: the mean e^4000 of the
  # third observation is infinite before any coefficient moves. This fit was
  # once reported converged, with a deviance ratio of 0.
  offset <- replace(rep(0, n), 3, 4000)
  expect_warning(
    fit <- glmsparse(x, y, family = "poisson", offset = offset, intercept = FALSE, lambda = c(0.1, 0)),
    "The fit overflowed at lambda = 0.1, 0 (index 1, 2)", fixed = TRUE)
  expect_identical(as.character(fit$status), c("overflow", "overflow"))
  expect_identical(fit$dev.ratio, c(0, 0))
  expect_finite_fit(fit)
  # With an intercept the null model absorbs the offset and is finite. The
  # other rows' means are then e^-3996, 0 in double, and the quadratic model
  # has no curvature where it must move: the fit says it did not converge
  # rather than report the null model, whose score on the third column is
  # 50 times its KKT bound, as a minimum (as it once did).
  expect_warning(
    fit_intercept <- glmsparse(x, y, family = "poisson", offset = offset, lambda = c(0.1, 0)),
    "did not converge", fixed = TRUE)
  expect_false(any(fit_intercept$status == "overflow"))
  expect_finite_fit(fit_intercept)
  centred <- scale(x, center = TRUE, scale = FALSE)
  scales <- sqrt(colMeans(centred^2))
  for (l in which(fit_intercept$status == "converged")) {
    mu <- exp(drop(offset + fit_intercept$a0[l] + x %*% fit_intercept$beta[, l]))
    score <- colMeans((y - mu) * centred)
    expect_true(all(abs(score) <= fit_intercept$lambda[l] * scales * (1 + 1e-4) + 1e-6))
  }
})
