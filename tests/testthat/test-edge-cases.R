test_that("a constant column gets coefficient 0, never NaN", {
  data <- simulate_gaussian(60, 6, seed = 51)
  data$x[, 3] <- 2.5
  fit <- glmsparse(data$x, data$y)
  expect_true(all(is.finite(as.matrix(fit$beta))))
  expect_true(all(fit$beta[3, ] == 0))
  sparse <- Matrix::Matrix(cbind(data$x, 0), sparse = TRUE)
  fit_sparse <- glmsparse(sparse, data$y)
  expect_true(all(fit_sparse$beta[7, ] == 0))
})

test_that("a constant y gives an all-zero path with the intercept at the mean", {
  data <- simulate_gaussian(30, 5, seed = 52)
  fit <- glmsparse(data$x, rep(3.2, 30))
  expect_true(all(fit$beta == 0))
  expect_equal(unname(fit$a0), rep(3.2, length(fit$lambda)))
  expect_true(all(is.finite(fit$lambda)))
  expect_true(all(fit$dev.ratio == 0))
})

test_that("a one-column x works and matches lm at lambda = 0", {
  data <- simulate_gaussian(40, 1, seed = 53)
  fit <- glmsparse(data$x, data$y)
  expect_true(ncol(fit$beta) > 1)
  ols <- glmsparse(data$x, data$y, lambda = 0, thresh = 1e-14)
  expect_equal(as.vector(coef(ols)), unname(coef(lm(data$y ~ data$x))), tolerance = 1e-8)
})

test_that("p > n works and uses glmnet's lambda.min.ratio of 0.01", {
  data <- simulate_gaussian(20, 200, seed = 54)
  fit <- glmsparse(data$x, data$y)
  ratio <- min(fit$lambda) / max(fit$lambda)
  expect_true(all(is.finite(as.matrix(fit$beta))))
  expect_true(ratio >= 0.01 - 1e-12)
  expect_true(max(fit$df) <= 20)
})

test_that("excluded variables and infinite penalty factors stay at zero", {
  data <- simulate_gaussian(60, 8, seed = 55)
  fit <- glmsparse(data$x, data$y, exclude = c(1, 2))
  expect_true(all(fit$beta[1:2, ] == 0))
  fit <- glmsparse(data$x, data$y, penalty.factor = c(Inf, rep(1, 7)))
  expect_true(all(fit$beta[1, ] == 0))
})

test_that("pmax and dfmax stop the path early", {
  data <- simulate_gaussian(100, 30, seed = 56, n_effects = 20)
  fit <- glmsparse(data$x, data$y, dfmax = 5)
  expect_true(max(fit$df) > 5)
  expect_true(all(head(fit$df, -1) <= 5))
  expect_warning(fit <- glmsparse(data$x, data$y, pmax = 4), "exceeds `pmax` = 4")
  expect_true(max(fit$df) <= 4)
})

test_that("failure to converge is one warning naming the lambdas, and the path is kept", {
  data <- simulate_gaussian(100, 30, seed = 57)
  expect_warning(fit <- glmsparse(data$x, data$y, maxit = 1, lambda = c(0.5, 0.1, 0.01)),
                 "did not converge within `maxit` passes at lambda = ")
  expect_equal(length(fit$lambda), 3L)
  expect_true(any(fit$status == "not converged"))
  expect_true(all(is.finite(as.matrix(fit$beta))))
})

test_that("trace.it = 1 shows a progress bar", {
  data <- simulate_gaussian(50, 5, seed = 58)
  output <- capture.output(fit <- glmsparse(data$x, data$y, nlambda = 10, trace.it = 1))
  expect_true(any(grepl("100%", output)))
})

test_that("integer and logical matrices are accepted as numeric", {
  data <- simulate_gaussian(60, 5, seed = 59)
  integer_x <- matrix(as.integer(round(data$x * 3)), 60)
  fit_integer <- glmsparse(integer_x, data$y, nlambda = 10)
  fit_double <- glmsparse(integer_x * 1.0, data$y, nlambda = 10)
  expect_equal(fit_integer$beta, fit_double$beta)
  logical_x <- data$x > 0
  expect_equal(glmsparse(logical_x, data$y, nlambda = 10)$beta,
               glmsparse(logical_x * 1.0, data$y, nlambda = 10)$beta)
})

test_that("a dense or sparse x is read in place, not copied", {
  skip_if_not_installed("bench")
  skip_if_not(capabilities("profmem"))
  data <- simulate_gaussian(4000, 250, seed = 60)
  dense_allocated <- sum(bench::bench_memory(glmsparse(data$x, data$y, nlambda = 20))$mem_alloc)
  expect_lt(as.numeric(dense_allocated), as.numeric(object.size(data$x)) / 10)
  sparse <- Matrix::rsparsematrix(4000, 2000, density = 0.05)
  sparse_allocated <- sum(bench::bench_memory(glmsparse(sparse, data$y, nlambda = 20))$mem_alloc)
  expect_lt(as.numeric(sparse_allocated), as.numeric(object.size(sparse)) / 4)
})

test_that("the path is identical for any number of threads", {
  # Tall and dense (covariance updates, Gram columns in many pieces) and wide
  # (screening gradients computed in parallel), dense and sparse.
  tall <- simulate_gaussian(900, 400, seed = 61)
  wide <- simulate_gaussian(60, 3000, seed = 62)
  wide_sparse <- Matrix::rsparsematrix(200, 3000, density = 0.05)
  problems <- list(tall, wide, list(x = wide_sparse, y = rnorm(200)))
  for (problem in problems) {
    one <- glmsparse(problem$x, problem$y, nthreads = 1)
    three <- glmsparse(problem$x, problem$y, nthreads = 3)
    expect_identical(one$beta, three$beta)
    expect_identical(one$a0, three$a0)
    expect_identical(one$lambda, three$lambda)
  }
})
