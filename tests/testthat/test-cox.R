# Cox paths against glmnet: the penalized objective (computed here from the
# coefficients with the Breslow partial likelihood of helper-oracle.R) at
# every lambda within 1e-6 (relative) of glmnet's at thresh = 1e-13 and no
# worse than glmnet's default run; nulldev and dev.ratio as glmnet's;
# survival::coxph() at a tiny lambda.

# `glmnet_solves_exactly = FALSE` where glmnet's reference stops at a higher
# objective than ours (stratified counting-process data): its deviance ratios
# are then not compared.
expect_cox_matches_glmnet <- function(x, y, ..., glmnet_solves_exactly = TRUE) {
  skip_if_not_installed("glmnet")
  skip_if_not_installed("survival")
  args <- list(...)
  objective_args <- args[intersect(names(args), c("weights", "offset", "alpha", "penalty.factor",
                                                  "standardize"))]
  # glmnet warns when its own solver stops short (p > n, sparse x); the
  # comparisons below judge its solutions by their objective.
  glmnet_fit <- function(...) suppressWarnings(do.call(glmnet::glmnet, c(list(x, y, family = "cox"), args, list(...))))
  lambda <- glmnet_fit()$lambda
  reference <- glmnet_fit(lambda = lambda, thresh = 1e-13, maxit = 1e6)
  glmnet_default <- glmnet_fit(lambda = lambda)
  ours <- do.call(glmsparse, c(list(x, y, family = "cox"), args, list(lambda = lambda)))
  expect_equal(ours$lambda, lambda)
  expect_true(all(ours$status == "converged"))
  # glmnet may stop short of the last lambdas when p > n; compare where both have solutions.
  compared <- seq_len(min(length(reference$lambda), length(glmnet_default$lambda)))
  lambda <- lambda[compared]
  objective <- function(fit) {
    do.call(cox_objective, c(list(fit$beta[, compared, drop = FALSE], lambda, x, y), objective_args))
  }
  reference_objective <- objective(reference)
  scale <- abs(reference_objective)
  our_gap <- (objective(ours) - reference_objective) / scale
  glmnet_gap <- (objective(glmnet_default) - reference_objective) / scale
  expect_lt(max(our_gap), 1e-6)
  expect_true(all(our_gap <= pmax(glmnet_gap, 0) + 1e-8))
  # glmnet's null deviance, and the deviance of our own coefficients computed here.
  expect_equal(ours$nulldev, reference$nulldev, tolerance = 1e-10)
  deviance_here <- cox_deviance(ours$beta, x, y, args$weights, args$offset)
  expect_equal(ours$dev.ratio, 1 - deviance_here / reference$nulldev, tolerance = 1e-10)
  # Where both objectives agree closely (the solution is unique and glmnet
  # reached it) so do the deviance ratios, to about the square root of the
  # objective's accuracy.
  agree <- abs(our_gap) < 1e-8
  if (nrow(x) > ncol(x) && glmnet_solves_exactly) {
    expect_gt(mean(agree), 0.5)
    expect_equal(ours$dev.ratio[compared][agree], reference$dev.ratio[compared][agree], tolerance = 1e-3)
  }
  invisible(ours)
}

test_that("glmnet's CoxExample matches glmnet, lasso and elastic net", {
  skip_if_not_installed("glmnet")
  skip_if_not_installed("survival")
  example <- new.env()
  utils::data("CoxExample", package = "glmnet", envir = example)
  x <- example$CoxExample$x
  y <- survival::Surv(example$CoxExample$y[, "time"], example$CoxExample$y[, "status"])
  expect_cox_matches_glmnet(x, y)
  expect_cox_matches_glmnet(x, y, alpha = 0.5)
})

skip_if_not_installed("survival")
tall <- simulate_cox(300, 20, seed = 41)

test_that("the default cox path has glmnet's lambdas and stops where glmnet's does", {
  skip_if_not_installed("glmnet")
  for (data in list(tall, simulate_cox(300, 20, seed = 57, ties = TRUE),
                    simulate_cox(300, 10, seed = 58, n_strata = 2))) {
    ours <- glmsparse(data$x, data$y, family = "cox")
    reference <- glmnet::glmnet(data$x, data$y, family = "cox")
    expect_equal(ours$lambda, reference$lambda, tolerance = 1e-8)
    expect_equal(ours$df, reference$df)
  }
})
wide <- simulate_cox(80, 200, seed = 42)

for (alpha in c(1, 0.5)) {
  test_that(sprintf("cox, alpha = %g matches glmnet (n > p and p > n)", alpha), {
    expect_cox_matches_glmnet(tall$x, tall$y, alpha = alpha)
    expect_cox_matches_glmnet(wide$x, wide$y, alpha = alpha)
  })
}

test_that("cox without standardization matches glmnet", {
  expect_cox_matches_glmnet(tall$x, tall$y, standardize = FALSE)
  expect_cox_matches_glmnet(wide$x, wide$y, standardize = FALSE)
})

test_that("cox with weights, offset and penalty factors matches glmnet", {
  set.seed(43)
  weights <- runif(nrow(tall$x), 0.2, 2)
  offset <- rnorm(nrow(tall$x), sd = 0.3)
  expect_cox_matches_glmnet(tall$x, tall$y, weights = weights)
  expect_cox_matches_glmnet(tall$x, tall$y, offset = offset)
  expect_cox_matches_glmnet(tall$x, tall$y, penalty.factor = c(0, 0, rep(1, ncol(tall$x) - 2)))
  expect_cox_matches_glmnet(wide$x, wide$y, weights = runif(nrow(wide$x), 0.2, 2),
                            offset = rnorm(nrow(wide$x), sd = 0.3), alpha = 0.5)
  # Zero weights drop observations from the fit but not from the risk-set bookkeeping.
  expect_cox_matches_glmnet(tall$x, tall$y, weights = replace(weights, 1:30, 0))
})

test_that("cox with tied times matches glmnet", {
  tied <- simulate_cox(300, 15, seed = 44, ties = TRUE)
  expect_gt(sum(duplicated(tied$y[tied$y[, "status"] == 1, "time"])), 50)
  expect_cox_matches_glmnet(tied$x, tied$y)
  set.seed(45)
  expect_cox_matches_glmnet(tied$x, tied$y, weights = runif(300, 0.2, 2), alpha = 0.5)
})

test_that("cox with counting-process (start, stop] data matches glmnet", {
  counting <- simulate_cox(250, 12, seed = 46, counting = TRUE)
  expect_identical(attr(counting$y, "type"), "counting")
  expect_cox_matches_glmnet(counting$x, counting$y)
  counting_ties <- simulate_cox(250, 12, seed = 47, counting = TRUE, ties = TRUE)
  set.seed(48)
  expect_cox_matches_glmnet(counting_ties$x, counting_ties$y,
                            weights = runif(nrow(counting_ties$x), 0.2, 2), alpha = 0.5)
})

test_that("cox with strata matches glmnet, through either package's stratifySurv", {
  stratified <- simulate_cox(300, 15, seed = 49, n_strata = 3)
  expect_s3_class(stratified$y, "stratifySurv")
  expect_cox_matches_glmnet(stratified$x, stratified$y)
  set.seed(50)
  expect_cox_matches_glmnet(stratified$x, stratified$y, weights = runif(300, 0.2, 2),
                            offset = rnorm(300, sd = 0.3))
  counting <- simulate_cox(250, 12, seed = 51, counting = TRUE, ties = TRUE, n_strata = 2)
  expect_cox_matches_glmnet(counting$x, counting$y, glmnet_solves_exactly = FALSE)
  skip_if_not_installed("glmnet")
  strata <- attr(stratified$y, "strata")
  plain <- survival::Surv(stratified$y[, "time"], stratified$y[, "status"])
  ours <- stratifySurv(plain, strata)
  theirs <- glmnet::stratifySurv(plain, strata)
  expect_identical(unclass(ours), unclass(theirs))
  lambda <- c(0.1, 0.03, 0.01)
  expect_equal(coef(glmsparse(stratified$x, ours, family = "cox", lambda = lambda)),
               coef(glmsparse(stratified$x, theirs, family = "cox", lambda = lambda)))
})

test_that("cox with a dgCMatrix x matches glmnet and the dense fit", {
  set.seed(52)
  dense <- wide$x * matrix(rbinom(length(wide$x), 1, 0.2), nrow(wide$x))
  sparse <- Matrix::Matrix(dense, sparse = TRUE)
  fit_sparse <- expect_cox_matches_glmnet(sparse, wide$y)
  fit_dense <- glmsparse(dense, wide$y, family = "cox", lambda = fit_sparse$lambda)
  expect_equal(cox_objective(fit_sparse$beta, fit_sparse$lambda, dense, wide$y),
               cox_objective(fit_dense$beta, fit_sparse$lambda, dense, wide$y), tolerance = 1e-7)
  tall_sparse <- Matrix::Matrix(tall$x * matrix(rbinom(length(tall$x), 1, 0.3), nrow(tall$x)), sparse = TRUE)
  expect_cox_matches_glmnet(tall_sparse, tall$y, weights = runif(nrow(tall$x), 0.2, 2))
})

test_that("survival::coxph() agrees at a tiny lambda, with weights and strata", {
  data <- simulate_cox(500, 6, seed = 53, ties = TRUE)
  set.seed(54)
  weights <- runif(500, 0.5, 1.5)
  offset <- rnorm(500, sd = 0.2)
  fit <- glmsparse(data$x, data$y, family = "cox", weights = weights, offset = offset,
                   lambda = 1e-9, thresh = 1e-12)
  reference <- survival::coxph(data$y ~ data$x + offset(offset), weights = weights, ties = "breslow",
                               control = survival::coxph.control(eps = 1e-10, iter.max = 100))
  expect_equal(as.vector(coef(fit)), unname(coef(reference)), tolerance = 1e-4)
  # The deviance: twice the gap between saturated and fitted log partial likelihood.
  expect_equal(deviance(fit), 2 * (cox_saturated_log_likelihood(data$y, weights) - reference$loglik[2]),
               tolerance = 1e-6)

  stratified <- simulate_cox(500, 6, seed = 55, n_strata = 3)
  stratum <- attr(stratified$y, "strata")
  fit <- glmsparse(stratified$x, stratified$y, family = "cox", weights = weights,
                   lambda = 1e-9, thresh = 1e-12)
  plain <- survival::Surv(stratified$y[, "time"], stratified$y[, "status"])
  # coxph() recognises strata() in a formula by its name.
  strata <- survival::strata
  reference <- survival::coxph(plain ~ stratified$x + strata(stratum), weights = weights,
                               ties = "breslow", control = survival::coxph.control(eps = 1e-10, iter.max = 100))
  expect_equal(as.vector(coef(fit)), unname(coef(reference)), tolerance = 1e-4)

  counting <- simulate_cox(400, 5, seed = 56, counting = TRUE, ties = TRUE, n_strata = 2)
  fit <- glmsparse(counting$x, counting$y, family = "cox", lambda = 1e-9, thresh = 1e-12)
  stratum <- attr(counting$y, "strata")
  plain <- survival::Surv(counting$y[, "start"], counting$y[, "stop"], counting$y[, "status"])
  reference <- survival::coxph(plain ~ counting$x + strata(stratum), ties = "breslow",
                               control = survival::coxph.control(eps = 1e-10, iter.max = 100))
  expect_equal(as.vector(coef(fit)), unname(coef(reference)), tolerance = 1e-4)
  unstratified <- glmsparse(counting$x, plain, family = "cox", lambda = 1e-9, thresh = 1e-12)
  reference <- survival::coxph(plain ~ counting$x, ties = "breslow",
                               control = survival::coxph.control(eps = 1e-10, iter.max = 100))
  expect_equal(as.vector(coef(unstratified)), unname(coef(reference)), tolerance = 1e-4)
})

test_that("a cox fit has no intercept and predicts the link and the relative risk", {
  fit <- glmsparse(tall$x, tall$y, family = "cox")
  expect_s3_class(fit, c("gscox", "glmsparse"), exact = TRUE)
  expect_true("a0" %in% names(fit))
  expect_null(fit$a0)
  s <- fit$lambda[c(10, 20)]
  coefficients <- coef(fit, s = s)
  expect_identical(rownames(coefficients), paste0("V", seq_len(ncol(tall$x))))
  link <- predict(fit, tall$x[1:5, ], s = s)
  expect_equal(link, as.matrix(tall$x[1:5, ] %*% coefficients), ignore_attr = TRUE)
  expect_equal(predict(fit, tall$x[1:5, ], s = s, type = "response"), exp(link))
  expect_identical(predict(fit, type = "nonzero", s = s[1])[[1]],
                   which(as.vector(coefficients[, 1]) != 0))
  expect_equal(deviance(fit), cox_deviance(fit$beta, tall$x, tall$y), tolerance = 1e-10)
  offset_fit <- glmsparse(tall$x, tall$y, family = "cox", offset = rep(0.5, nrow(tall$x)))
  expect_equal(predict(offset_fit, tall$x[1:3, ], s = s, newoffset = rep(0.5, 3)),
               predict(offset_fit, tall$x[1:3, ], s = s, newoffset = rep(0, 3)) + 0.5)
  expect_error(predict(offset_fit, tall$x[1:3, ], s = s),
               "`newoffset` is required because the model was fitted with an offset.", fixed = TRUE)
  expect_error(predict(fit, tall$x, type = "class"),
               "`type = \"class\"` is only for families \"binomial\" and \"multinomial\"; this fit is \"cox\".",
               fixed = TRUE)
  expect_output(print(fit), "%Dev")
  expect_identical(summary(fit)$family, "cox")
  skip_if_not_installed("glmnet")
  reference <- glmnet::glmnet(tall$x, tall$y, family = "cox", lambda = fit$lambda, thresh = 1e-13)
  expect_equal(as.matrix(coef(fit, s = s)), as.matrix(coef(reference, s = s)),
               tolerance = 1e-4, ignore_attr = TRUE)
  expect_identical(dim(coef(fit, s = s)), dim(coef(reference, s = s)))
  expect_equal(predict(fit, tall$x[1:5, ], s = s, type = "response"),
               predict(reference, tall$x[1:5, ], s = s, type = "response"),
               tolerance = 1e-4, ignore_attr = TRUE)
})

test_that("a cox fit plots its coefficient paths", {
  fit <- glmsparse(tall$x, tall$y, family = "cox")
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(fit, xvar = "lambda", label = TRUE), fit)
  expect_equal(graphics::par("usr")[1:2], extendrange(log(fit$lambda), f = 0.04), tolerance = 1e-8)
  plot(fit, xvar = "dev")
  expect_equal(graphics::par("usr")[1:2], extendrange(fit$dev.ratio, f = 0.04), tolerance = 1e-8)
  expect_equal(graphics::par("usr")[3:4], extendrange(as.matrix(fit$beta), f = 0.04), tolerance = 1e-8)
})
