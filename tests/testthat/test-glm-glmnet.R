# Binomial and poisson paths against glmnet: the penalized objective at every
# lambda within 1e-6 (relative) of glmnet's at thresh = 1e-13 and no worse
# than glmnet's default run; glm() at a tiny lambda.

expect_glm_matches_glmnet <- function(family, x, y, y_numeric = y, objective_weights = NULL, ...) {
  skip_if_not_installed("glmnet")
  args <- list(...)
  objective_args <- args[intersect(names(args), c("weights", "offset", "alpha", "penalty.factor",
                                                  "standardize"))]
  lambda <- do.call(glmnet::glmnet, c(list(x, y, family = family), args))$lambda
  reference <- do.call(glmnet::glmnet, c(list(x, y, family = family), args,
                                         list(lambda = lambda, thresh = 1e-13, maxit = 1e6)))
  glmnet_default <- do.call(glmnet::glmnet, c(list(x, y, family = family), args, list(lambda = lambda)))
  ours <- do.call(glmsparse, c(list(x, y, family = family), args, list(lambda = lambda)))
  if (!is.null(objective_weights)) objective_args$weights <- objective_weights
  objective <- function(fit) {
    do.call(glm_objective, c(list(family, fit$a0, fit$beta, lambda, x, y_numeric), objective_args))
  }
  reference_objective <- objective(reference)
  scale <- abs(reference_objective)
  our_gap <- (objective(ours) - reference_objective) / scale
  glmnet_gap <- (objective(glmnet_default) - reference_objective) / scale
  expect_equal(ours$lambda, lambda)
  expect_true(all(ours$status == "converged"))
  expect_lt(max(our_gap), 1e-6)
  expect_true(all(our_gap <= pmax(glmnet_gap, 0) + 1e-8))
  # glmnet's null deviance, and the deviance of our own coefficients computed here.
  expect_equal(ours$nulldev, reference$nulldev, tolerance = 1e-10)
  deviance_here <- glm_deviance(family, ours$a0, ours$beta, x, y_numeric, objective_args$weights, args$offset)
  expect_equal(ours$dev.ratio, 1 - deviance_here / reference$nulldev, tolerance = 1e-10)
  invisible(ours)
}

for (family in c("binomial", "poisson")) {
  tall <- simulate_glm(family, 300, 20, seed = 21)
  wide <- simulate_glm(family, 80, 300, seed = 22)

  for (alpha in c(1, 0.5, 0.05)) {
    test_that(sprintf("%s, alpha = %g matches glmnet (n > p and p > n)", family, alpha), {
      expect_glm_matches_glmnet(family, tall$x, tall$y, alpha = alpha)
      expect_glm_matches_glmnet(family, wide$x, wide$y, alpha = alpha)
    })
  }

  test_that(sprintf("%s without standardization or intercept matches glmnet", family), {
    expect_glm_matches_glmnet(family, tall$x, tall$y, standardize = FALSE)
    expect_glm_matches_glmnet(family, tall$x, tall$y, intercept = FALSE)
    expect_glm_matches_glmnet(family, wide$x, wide$y, standardize = FALSE, intercept = FALSE)
  })

  test_that(sprintf("%s with weights, offset and penalty factors matches glmnet", family), {
    set.seed(23)
    weights <- runif(nrow(tall$x), 0.2, 2)
    offset <- rnorm(nrow(tall$x), sd = 0.3)
    expect_glm_matches_glmnet(family, tall$x, tall$y, weights = weights)
    expect_glm_matches_glmnet(family, tall$x, tall$y, offset = offset)
    expect_glm_matches_glmnet(family, tall$x, tall$y,
                              penalty.factor = c(0, 0, rep(1, ncol(tall$x) - 2)))
    expect_glm_matches_glmnet(family, wide$x, wide$y, weights = runif(nrow(wide$x), 0.2, 2),
                              offset = rnorm(nrow(wide$x), sd = 0.3))
  })

  test_that(sprintf("%s with coefficient limits matches glmnet", family), {
    expect_glm_matches_glmnet(family, tall$x, tall$y, lower.limits = -0.1, upper.limits = 0.2)
    expect_glm_matches_glmnet(family, wide$x, wide$y, lower.limits = 0)
  })

  test_that(sprintf("%s with a dgCMatrix x matches glmnet and the dense fit", family), {
    set.seed(24)
    dense <- wide$x * matrix(rbinom(length(wide$x), 1, 0.2), nrow(wide$x))
    sparse <- Matrix::Matrix(dense, sparse = TRUE)
    fit_sparse <- expect_glm_matches_glmnet(family, sparse, wide$y)
    fit_dense <- glmsparse(dense, wide$y, family = family, lambda = fit_sparse$lambda)
    # Deep in this p > n path the objective is nearly flat along some
    # directions, so the two fits are compared by objective, to the accuracy
    # to which both are solved.
    expect_equal(glm_objective(family, fit_sparse$a0, fit_sparse$beta, fit_sparse$lambda, dense, wide$y),
                 glm_objective(family, fit_dense$a0, fit_dense$beta, fit_sparse$lambda, dense, wide$y),
                 tolerance = 1e-7)
    # Solved tightly, the linear predictors agree: the loss is strictly convex in them.
    tight_sparse <- glmsparse(sparse, wide$y, family = family, lambda = fit_sparse$lambda[1:40], thresh = 1e-12)
    tight_dense <- glmsparse(dense, wide$y, family = family, lambda = fit_sparse$lambda[1:40], thresh = 1e-12)
    expect_equal(predict(tight_sparse, sparse), predict(tight_dense, dense), tolerance = 1e-6)
  })
}

test_that("glmnet's own example datasets match glmnet", {
  skip_if_not_installed("glmnet")
  binomial_example <- new.env()
  utils::data("BinomialExample", package = "glmnet", envir = binomial_example)
  expect_glm_matches_glmnet("binomial", binomial_example$BinomialExample$x, binomial_example$BinomialExample$y)
  poisson_example <- new.env()
  utils::data("PoissonExample", package = "glmnet", envir = poisson_example)
  expect_glm_matches_glmnet("poisson", poisson_example$PoissonExample$x, poisson_example$PoissonExample$y)
})

test_that("binomial y as a factor or a two-column count matrix matches glmnet", {
  data <- simulate_glm("binomial", 200, 10, seed = 25)
  labels <- factor(c("no", "yes")[data$y + 1])
  fit <- expect_glm_matches_glmnet("binomial", data$x, labels, y_numeric = data$y)
  expect_identical(fit$classnames, c("no", "yes"))
  set.seed(26)
  trials <- sample(1:5, 200, replace = TRUE)
  successes <- rbinom(200, trials, stats::plogis(data$x[, 1]))
  counts <- cbind(trials - successes, successes)
  # The row totals act as weights.
  expect_glm_matches_glmnet("binomial", data$x, counts, y_numeric = successes / trials,
                            objective_weights = trials)
})

test_that("glm() agrees at a tiny lambda", {
  for (family in c("binomial", "poisson")) {
    data <- simulate_glm(family, 500, 8, seed = 27)
    set.seed(28)
    weights <- runif(500, 0.5, 1.5)
    offset <- rnorm(500, sd = 0.2)
    fit <- glmsparse(data$x, data$y, family = family, weights = weights, offset = offset,
                     lambda = 1e-9, thresh = 1e-12)
    # quasibinomial: the same estimates and deviance, without the warning
    # glm() gives for non-integer weighted counts.
    glm_family <- if (family == "binomial") stats::quasibinomial() else stats::poisson()
    reference <- stats::glm(data$y ~ data$x, family = glm_family, weights = weights, offset = offset)
    expect_equal(as.vector(coef(fit)), unname(coef(reference)), tolerance = 1e-4)
    expect_equal(deviance(fit), deviance(reference), tolerance = 1e-6)
  }
})

test_that("predict gives probabilities, classes and means", {
  data <- simulate_glm("binomial", 200, 10, seed = 29)
  labels <- factor(c("no", "yes")[data$y + 1])
  fit <- glmsparse(data$x, labels, family = "binomial")
  link <- predict(fit, data$x[1:5, ], s = 0.02)
  expect_equal(predict(fit, data$x[1:5, ], s = 0.02, type = "response"), stats::plogis(link))
  classes <- predict(fit, data$x[1:5, ], s = 0.02, type = "class")
  expect_identical(as.vector(classes), c("no", "yes")[(link > 0) + 1])
  counts <- simulate_glm("poisson", 200, 10, seed = 30)
  poisson_fit <- glmsparse(counts$x, counts$y, family = "poisson")
  expect_equal(predict(poisson_fit, counts$x[1:5, ], s = 0.05, type = "response"),
               exp(predict(poisson_fit, counts$x[1:5, ], s = 0.05)))
  expect_error(predict(poisson_fit, counts$x[1:5, ], type = "class"),
               "`type = \"class\"` is only for families \"binomial\" and \"multinomial\"", fixed = TRUE)
  skip_if_not_installed("glmnet")
  reference <- glmnet::glmnet(data$x, labels, family = "binomial", thresh = 1e-13)
  expect_identical(predict(glmsparse(data$x, labels, family = "binomial", lambda = reference$lambda),
                           data$x, s = reference$lambda[30], type = "class"),
                   predict(reference, data$x, s = reference$lambda[30], type = "class"),
                   ignore_attr = TRUE)
})
