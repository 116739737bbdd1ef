# The penalized objective at every lambda must be within 1e-6 (relative) of
# glmnet's at thresh = 1e-13, and no worse than glmnet's default run.

expect_matches_glmnet <- function(x, y, ...) {
  skip_if_not_installed("glmnet")
  args <- list(...)
  objective_args <- args[intersect(names(args), c("weights", "offset", "alpha", "penalty.factor",
                                                  "standardize", "intercept"))]
  lambda <- do.call(glmnet::glmnet, c(list(x, y), args))$lambda
  reference <- do.call(glmnet::glmnet, c(list(x, y), args, list(lambda = lambda, thresh = 1e-13)))
  glmnet_default <- do.call(glmnet::glmnet, c(list(x, y), args, list(lambda = lambda)))
  ours <- do.call(glmsparse, c(list(x, y), args, list(lambda = lambda)))
  objective <- function(fit) {
    do.call(gaussian_objective, c(list(fit$a0, fit$beta, lambda, x, y), objective_args))
  }
  reference_objective <- objective(reference)
  scale <- abs(reference_objective)
  our_gap <- (objective(ours) - reference_objective) / scale
  glmnet_gap <- (objective(glmnet_default) - reference_objective) / scale
  expect_equal(ours$lambda, lambda)
  expect_lt(max(our_gap), 1e-6)
  # No worse than glmnet's default: over the path, and at each lambda up to
  # a slack far below the 1e-6 requirement (both are then at rounding level).
  expect_lte(max(our_gap), max(glmnet_gap, 0) + 1e-8)
  expect_true(all(our_gap <= pmax(glmnet_gap, 0) + 1e-8))
  invisible(ours)
}

tall <- simulate_gaussian(200, 40, seed = 11)
wide <- simulate_gaussian(100, 600, seed = 12)

for (alpha in c(1, 0.5, 0.05)) {
  for (standardize in c(TRUE, FALSE)) {
    for (intercept in c(TRUE, FALSE)) {
      test_that(sprintf("alpha = %g, standardize = %s, intercept = %s matches glmnet (n > p and p > n)",
                        alpha, standardize, intercept), {
        expect_matches_glmnet(tall$x, tall$y, alpha = alpha, standardize = standardize, intercept = intercept)
        expect_matches_glmnet(wide$x, wide$y, alpha = alpha, standardize = standardize, intercept = intercept)
      })
    }
  }
}

test_that("weights and offset match glmnet", {
  set.seed(21)
  weights <- runif(nrow(tall$x), 0.1, 2)
  offset <- rnorm(nrow(tall$x))
  expect_matches_glmnet(tall$x, tall$y, weights = weights)
  expect_matches_glmnet(tall$x, tall$y, offset = offset, alpha = 0.5)
  expect_matches_glmnet(tall$x, tall$y, weights = weights, offset = offset, intercept = FALSE)
  expect_matches_glmnet(wide$x, wide$y, weights = runif(nrow(wide$x)), offset = rnorm(nrow(wide$x)))
})

test_that("penalty.factor with zeros matches glmnet and keeps those variables", {
  penalty <- c(0, 0, rep(1, ncol(tall$x) - 2))
  fit <- expect_matches_glmnet(tall$x, tall$y, penalty.factor = penalty)
  expect_true(all(fit$beta[1:2, ] != 0))
  expect_matches_glmnet(wide$x, wide$y, penalty.factor = c(0, 2, rep(1, ncol(wide$x) - 2)), alpha = 0.5)
})

test_that("lower and upper limits match glmnet and are respected", {
  fit <- expect_matches_glmnet(tall$x, tall$y, lower.limits = -0.1, upper.limits = 0.1)
  expect_true(all(fit$beta >= -0.1 - 1e-12 & fit$beta <= 0.1 + 1e-12))
  expect_true(any(abs(abs(fit$beta) - 0.1) < 1e-12))
  fit <- expect_matches_glmnet(tall$x, tall$y, lower.limits = 0, alpha = 0.5, standardize = FALSE)
  expect_true(all(fit$beta >= 0))
  expect_matches_glmnet(wide$x, wide$y, upper.limits = 0)
})

test_that("a dgCMatrix x matches glmnet and equals the dense fit", {
  set.seed(31)
  dense <- wide$x * (matrix(runif(length(wide$x)), nrow(wide$x)) < 0.2)
  sparse <- Matrix::Matrix(dense, sparse = TRUE)
  expect_s4_class(sparse, "dgCMatrix")
  fit_sparse <- expect_matches_glmnet(sparse, wide$y, alpha = 0.5)
  fit_dense <- glmsparse(dense, wide$y, alpha = 0.5, lambda = fit_sparse$lambda)
  expect_equal(as.matrix(fit_sparse$beta), as.matrix(fit_dense$beta), tolerance = 1e-6)
  expect_equal(fit_sparse$a0, fit_dense$a0, tolerance = 1e-6)
  tall_sparse <- Matrix::Matrix(tall$x * (abs(tall$x) > 1), sparse = TRUE)
  expect_matches_glmnet(tall_sparse, tall$y, weights = runif(nrow(tall$x)), intercept = FALSE)
})

test_that("the default lambda grid is glmnet's", {
  skip_if_not_installed("glmnet")
  for (alpha in c(1, 0.2)) {
    ours <- glmsparse(tall$x, tall$y, alpha = alpha)
    theirs <- glmnet::glmnet(tall$x, tall$y, alpha = alpha)
    expect_equal(length(ours$lambda), length(theirs$lambda))
    expect_equal(ours$lambda, theirs$lambda, tolerance = 1e-12)
    expect_equal(ours$nulldev, theirs$nulldev, tolerance = 1e-12)
  }
  ours <- glmsparse(wide$x, wide$y, penalty.factor = c(0, rep(1, ncol(wide$x) - 1)))
  theirs <- glmnet::glmnet(wide$x, wide$y, penalty.factor = c(0, rep(1, ncol(wide$x) - 1)))
  expect_equal(ours$lambda[1:10], theirs$lambda[1:10], tolerance = 1e-10)
})

test_that("deviance ratios and degrees of freedom agree with glmnet's accurate fit", {
  skip_if_not_installed("glmnet")
  reference <- glmnet::glmnet(tall$x, tall$y, thresh = 1e-13)
  ours <- glmsparse(tall$x, tall$y, lambda = reference$lambda)
  expect_equal(ours$dev.ratio, reference$dev.ratio, tolerance = 1e-6)
  # At the first lambda the leading variable sits exactly at its threshold.
  expect_equal(ours$df[-1], reference$df[-1])
  expect_equal(deviance(ours), deviance(reference), tolerance = 1e-6)
})

test_that("lm() agrees at lambda = 0 when n > p", {
  weights <- runif(nrow(tall$x), 0.5, 1.5)
  fit <- glmsparse(tall$x, tall$y, lambda = 0, weights = weights, thresh = 1e-14)
  ols <- lm(tall$y ~ tall$x, weights = weights)
  expect_equal(as.vector(coef(fit)), unname(coef(ols)), tolerance = 1e-7)
  fit <- glmsparse(tall$x, tall$y, lambda = 0, intercept = FALSE, thresh = 1e-14)
  expect_equal(as.vector(fit$beta), unname(coef(lm(tall$y ~ tall$x - 1))), tolerance = 1e-7)
})
