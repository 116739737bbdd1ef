# Multinomial and mgaussian paths against glmnet: the penalized objective at
# every lambda within 1e-6 (relative) of glmnet's tight run (thresh 1e-12
# for multinomial, 1e-13 for mgaussian) and no worse than glmnet's default
# run; lm() and glm()/multinom() at a tiny lambda.

expect_multi_matches_glmnet <- function(family, x, y, y_matrix, grouped = family == "mgaussian",
                                        objective_weights = NULL, ...) {
  skip_if_not_installed("glmnet")
  args <- list(...)
  if (family == "multinomial") args$type.multinomial <- if (grouped) "grouped" else "ungrouped"
  objective_args <- args[intersect(names(args), c("weights", "offset", "alpha", "penalty.factor",
                                                  "standardize"))]
  if (!is.null(objective_weights)) objective_args$weights <- objective_weights
  if (isTRUE(args$standardize.response)) {
    w <- if (is.null(args$weights)) rep(1, nrow(y_matrix)) else args$weights
    w <- w / sum(w)
    objective_args$response_scale <- sqrt(colSums(w * sweep(y_matrix, 2, colSums(w * y_matrix))^2))
  }
  tight <- if (family == "multinomial") 1e-12 else 1e-13
  glmnet_default <- do.call(glmnet::glmnet, c(list(x, y, family = family), args))
  lambda <- glmnet_default$lambda
  reference <- do.call(glmnet::glmnet, c(list(x, y, family = family), args,
                                         list(lambda = lambda, thresh = tight, maxit = 1e6)))
  ours <- do.call(glmsparse, c(list(x, y, family = family), args, list(lambda = lambda)))
  objective <- function(fit) {
    do.call(multi_objective, c(list(family, fit, lambda, x, y_matrix, grouped), objective_args))
  }
  reference_objective <- objective(reference)
  scale <- abs(reference_objective)
  our_gap <- (objective(ours) - reference_objective) / scale
  glmnet_gap <- (objective(glmnet_default) - reference_objective) / scale
  expect_equal(ours$lambda, lambda)
  expect_true(all(ours$status == "converged"))
  expect_lt(max(our_gap), 1e-6)
  expect_true(all(our_gap <= pmax(glmnet_gap, 0) + 1e-8))
  expect_equal(ours$nulldev, reference$nulldev, tolerance = 1e-10)
  if (family == "mgaussian") {
    # With limits glmnet's grouped update is not exact (our objective is
    # lower), so only the unconstrained deviance ratios must agree.
    if (is.null(args$lower.limits) && is.null(args$upper.limits)) {
      expect_lt(max(abs(ours$dev.ratio - reference$dev.ratio)), 1e-5)
    }
    expect_equal(ours$dev.ratio, mgaussian_dev_ratio(ours, x, y_matrix, args$weights, args$offset,
                                                     !isFALSE(args$intercept),
                                                     objective_args$response_scale),
                 tolerance = 1e-10)
  } else {
    # glmnet's multinomial deviance ratios are approximate; ours are checked
    # against the deviance of our coefficients computed here.
    deviance_here <- multinomial_deviance(ours, x, y_matrix, objective_args$weights, args$offset)
    expect_equal(ours$dev.ratio, 1 - deviance_here / reference$nulldev, tolerance = 1e-10)
  }
  invisible(ours)
}

# 1 - residual / null sum of squares of an mgaussian fit, computed here. The
# null model is the offset plus (with an intercept) the response means.
mgaussian_dev_ratio <- function(fit, x, y, weights, offset, intercept, response_scale) {
  w <- if (is.null(weights)) rep(1, nrow(x)) else weights
  o <- if (is.null(offset)) 0 else offset
  s <- if (is.null(response_scale)) rep(1, ncol(y)) else response_scale
  residual <- y - o
  if (intercept) residual <- sweep(residual, 2, colSums(w * residual) / sum(w))
  null <- sum(w * sweep(residual, 2, s, "/")^2)
  vapply(seq_along(fit$lambda), function(l) {
    beta <- do.call(cbind, lapply(fit$beta, function(b) as.vector(b[, l])))
    eta <- o + sweep(as.matrix(x %*% beta), 2, fit$a0[, l], "+")
    1 - sum(w * sweep(y - eta, 2, s, "/")^2) / null
  }, numeric(1))
}

indicators <- function(y) outer(as.integer(y), seq_len(nlevels(y)), "==") * 1

multinomial_tall <- simulate_multi("multinomial", 400, 20, 3, seed = 41)
multinomial_wide <- simulate_multi("multinomial", 80, 200, 4, seed = 42)

for (grouped in c(FALSE, TRUE)) {
  kind <- if (grouped) "grouped" else "ungrouped"
  for (alpha in c(1, 0.5)) {
    test_that(sprintf("%s multinomial, alpha = %g matches glmnet (n > p and p > n)", kind, alpha), {
      for (data in list(multinomial_tall, multinomial_wide)) {
        expect_multi_matches_glmnet("multinomial", data$x, data$y, indicators(data$y),
                                    grouped = grouped, alpha = alpha)
      }
    })
  }

  test_that(sprintf("%s multinomial with weights, offset, penalty factors, limits matches glmnet", kind), {
    data <- multinomial_tall
    y_matrix <- indicators(data$y)
    set.seed(43)
    weights <- runif(nrow(data$x), 0.2, 2)
    offset <- matrix(rnorm(nrow(data$x) * 3, sd = 0.3), ncol = 3)
    expect_multi_matches_glmnet("multinomial", data$x, data$y, y_matrix, grouped = grouped, weights = weights)
    expect_multi_matches_glmnet("multinomial", data$x, data$y, y_matrix, grouped = grouped, offset = offset)
    expect_multi_matches_glmnet("multinomial", data$x, data$y, y_matrix, grouped = grouped,
                                penalty.factor = c(0, rep(1, ncol(data$x) - 1)))
    expect_multi_matches_glmnet("multinomial", data$x, data$y, y_matrix, grouped = grouped,
                                standardize = FALSE)
    expect_multi_matches_glmnet("multinomial", data$x, data$y, y_matrix, grouped = grouped,
                                lower.limits = -0.3, upper.limits = 0.4)
  })

  test_that(sprintf("%s multinomial with a dgCMatrix x matches glmnet and the dense fit", kind), {
    data <- multinomial_wide
    set.seed(44)
    dense <- data$x * matrix(rbinom(length(data$x), 1, 0.3), nrow(data$x))
    sparse <- Matrix::Matrix(dense, sparse = TRUE)
    fit_sparse <- expect_multi_matches_glmnet("multinomial", sparse, data$y, indicators(data$y),
                                              grouped = grouped)
    fit_dense <- glmsparse(dense, data$y, family = "multinomial", lambda = fit_sparse$lambda,
                           type.multinomial = kind)
    objective <- function(fit) {
      multi_objective("multinomial", fit, fit_sparse$lambda, dense, indicators(data$y), grouped)
    }
    expect_equal(objective(fit_sparse), objective(fit_dense), tolerance = 1e-7)
  })
}

test_that("glmnet's MultinomialExample matches glmnet, both types", {
  skip_if_not_installed("glmnet")
  example <- new.env()
  utils::data("MultinomialExample", package = "glmnet", envir = example)
  x <- example$MultinomialExample$x
  y <- factor(example$MultinomialExample$y)
  for (grouped in c(FALSE, TRUE)) {
    expect_multi_matches_glmnet("multinomial", x, y, indicators(y), grouped = grouped)
  }
})

test_that("multinomial y as a matrix of counts matches glmnet", {
  data <- multinomial_tall
  set.seed(45)
  counts <- indicators(data$y) * sample(1:4, nrow(data$x), replace = TRUE) +
    matrix(rbinom(nrow(data$x) * 3, 1, 0.2), ncol = 3)
  totals <- rowSums(counts)
  fit <- expect_multi_matches_glmnet("multinomial", data$x, counts, counts / totals,
                                     objective_weights = totals)
  expect_identical(names(fit$beta), c("1", "2", "3"))
})

test_that("two-class multinomial is the logistic model and agrees with glm() at a tiny lambda", {
  data <- simulate_glm("binomial", 400, 6, seed = 46)
  labels <- factor(c("no", "yes")[data$y + 1])
  fit <- glmsparse(data$x, labels, family = "multinomial", lambda = 1e-9, thresh = 1e-12)
  reference <- stats::glm(data$y ~ data$x, family = stats::binomial())
  difference <- as.vector(coef(fit)$yes - coef(fit)$no)
  expect_equal(difference, unname(coef(reference)), tolerance = 1e-4)
})

test_that("multinomial agrees with nnet::multinom at a tiny lambda", {
  skip_if_not_installed("nnet")
  data <- simulate_multi("multinomial", 600, 4, 3, seed = 47)
  set.seed(48)
  weights <- runif(600, 0.5, 1.5)
  fit <- glmsparse(data$x, data$y, family = "multinomial", weights = weights, lambda = 1e-9,
                   thresh = 1e-12)
  reference <- nnet::multinom(data$y ~ data$x, weights = weights, reltol = 1e-14, maxit = 10000,
                              trace = FALSE)
  # multinom reports each class against the first.
  ours <- sapply(coef(fit), as.vector)
  expect_equal(unname(t(ours[, -1] - ours[, 1])), unname(coef(reference)), tolerance = 1e-4)
})

mgaussian_data <- simulate_multi("mgaussian", 150, 30, 3, seed = 51)
mgaussian_wide <- simulate_multi("mgaussian", 50, 200, 2, seed = 52)

test_that("mgaussian matches glmnet: alpha, standardize.response, intercept", {
  for (data in list(mgaussian_data, mgaussian_wide)) {
    expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y)
    expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, alpha = 0.3)
  }
  data <- mgaussian_data
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, standardize.response = TRUE)
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, intercept = FALSE)
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, intercept = FALSE,
                              standardize.response = TRUE)
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, standardize = FALSE)
})

test_that("mgaussian with weights, offset, penalty factors, limits and sparse x matches glmnet", {
  data <- mgaussian_data
  set.seed(53)
  weights <- runif(nrow(data$x), 0.2, 2)
  offset <- matrix(rnorm(nrow(data$x) * 3), ncol = 3)
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, weights = weights)
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, offset = offset)
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y,
                              penalty.factor = c(0, 0, rep(1, ncol(data$x) - 2)))
  expect_multi_matches_glmnet("mgaussian", data$x, data$y, data$y, lower.limits = -0.2,
                              upper.limits = 0.5)
  sparse <- Matrix::Matrix(data$x * matrix(rbinom(length(data$x), 1, 0.3), nrow(data$x)), sparse = TRUE)
  expect_multi_matches_glmnet("mgaussian", sparse, data$y, data$y)
  skip_if_not_installed("glmnet")
  example <- new.env()
  utils::data("MultiGaussianExample", package = "glmnet", envir = example)
  expect_multi_matches_glmnet("mgaussian", example$MultiGaussianExample$x,
                              example$MultiGaussianExample$y, example$MultiGaussianExample$y)
})

test_that("mgaussian agrees with lm() at a tiny lambda", {
  data <- mgaussian_data
  fit <- glmsparse(data$x, data$y, family = "mgaussian", lambda = 1e-10, thresh = 1e-14)
  reference <- stats::lm(data$y ~ data$x)
  expect_equal(unname(sapply(coef(fit), as.vector)), unname(coef(reference)), tolerance = 1e-6)
})

test_that("multi-response predict, coef, print, plot and deviance", {
  data <- multinomial_tall
  fit <- glmsparse(data$x, data$y, family = "multinomial")
  expect_s3_class(fit, c("gsmultinomial", "glmsparse"))
  coefficients <- coef(fit, s = 0.01)
  expect_identical(names(coefficients), c("a", "b", "c"))
  link <- predict(fit, data$x[1:6, ], s = c(0.05, 0.01))
  expect_identical(dim(link), c(6L, 3L, 2L))
  manual <- sapply(coefficients, function(b) as.vector(cbind(1, data$x[1:6, ]) %*% b))
  expect_equal(unname(link[, , 2]), unname(manual))
  probability <- predict(fit, data$x[1:6, ], s = c(0.05, 0.01), type = "response")
  expect_equal(unname(probability[, , 2]), unname(exp(manual) / rowSums(exp(manual))))
  classes <- predict(fit, data$x[1:6, ], s = c(0.05, 0.01), type = "class")
  expect_identical(unname(classes[, 2]), c("a", "b", "c")[apply(manual, 1, which.max)])
  expect_equal(colSums(fit$a0), rep(0, length(fit$lambda)), ignore_attr = TRUE, tolerance = 1e-12)
  nonzero <- predict(fit, type = "nonzero", s = 0.01)
  expect_identical(nonzero$a[[1]], which(as.vector(coefficients$a[-1, 1]) != 0))
  expect_equal(fit$df, as.integer(colSums(Reduce(`+`, lapply(fit$beta, function(b) abs(b) > 0)) > 0)))
  expect_equal(deviance(fit), (1 - fit$dev.ratio) * fit$nulldev)
  expect_output(print(fit), "%Dev")
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_invisible(plot(fit, xvar = "lambda"))
  expect_invisible(plot(fit, type.coef = "2norm"))
  response_fit <- glmsparse(mgaussian_data$x, mgaussian_data$y, family = "mgaussian")
  expect_s3_class(response_fit, c("gsmgaussian", "glmsparse"))
  expect_error(predict(response_fit, mgaussian_data$x, type = "class"),
               "`type = \"class\"` is only for families", fixed = TRUE)
  response_link <- predict(response_fit, mgaussian_data$x[1:4, ], s = 0.1, type = "response")
  expect_equal(unname(response_link[, , 1]),
               unname(sapply(coef(response_fit, s = 0.1), function(b) as.vector(cbind(1, mgaussian_data$x[1:4, ]) %*% b))))
})

test_that("multinomial deviances hold where fits are confidently wrong (IRLS working residuals beyond 1e3)", {
  # Strong signal with a few labels moved to another class: deep in the
  # path those rows get probabilities near 1 for a class they are not in,
  # so their working residuals, -1 / (1 - p), pass 1e3 and the change of
  # eta of each Newton step on those rows comes from the columns, not the
  # residual. The deviance the path reports, computed from its own linear
  # predictors, must equal the one of its coefficients. Zero weights on
  # some rows (as in a cross-validation fold) add rows with no curvature.
  set.seed(77)
  n <- 300
  x <- matrix(rnorm(n * 4), n, 4)
  scores <- cbind(0, 6 * x[, 1] - 4 * x[, 2], 6 * x[, 2] + 5 * x[, 3])
  class <- max.col(scores)
  flipped <- sample(n, 8)
  class[flipped] <- class[flipped] %% 3 + 1
  y <- factor(c("a", "b", "c")[class])
  y_matrix <- diag(3)[class, ]
  weights <- rep(1, n)
  weights[sample(setdiff(seq_len(n), flipped), 20)] <- 0
  fit <- glmsparse(x, y, family = "multinomial", weights = weights, lambda.min.ratio = 1e-5)
  last <- length(fit$lambda)
  probability <- predict(fit, x, s = fit$lambda[last], type = "response")[, , 1]
  wrong_class_probability <- max(probability[cbind(flipped, class[flipped] %% 3 + 1)],
                                 probability[cbind(flipped, (class[flipped] + 1) %% 3 + 1)])
  expect_gt(wrong_class_probability, 1 - 1e-3)
  expect_true(all(fit$status == "converged"))
  deviance_here <- multinomial_deviance(fit, x, y_matrix, weights)
  expect_equal(fit$dev.ratio, 1 - deviance_here / fit$nulldev, tolerance = 1e-10)
})
