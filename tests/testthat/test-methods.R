tall <- simulate_gaussian(120, 15, seed = 41)
colnames(tall$x) <- paste0("var", 1:15)

test_that("the result carries glmnet's fields with the right shapes", {
  fit <- glmsparse(tall$x, tall$y)
  nfit <- length(fit$lambda)
  expect_s3_class(fit, "glmsparse")
  expect_s4_class(fit$beta, "dgCMatrix")
  expect_equal(dim(fit$beta), c(15L, nfit))
  expect_equal(rownames(fit$beta), colnames(tall$x))
  expect_equal(fit$dim, c(15L, nfit))
  expect_length(fit$a0, nfit)
  expect_equal(fit$df, as.vector(Matrix::colSums(fit$beta != 0)))
  expect_true(all(diff(fit$lambda) < 0))
  expect_equal(fit$nobs, 120L)
  expect_false(fit$offset)
  expect_true(all(fit$status == "converged"))
  expect_true(all(diff(fit$dev.ratio) >= -1e-12))
})

test_that("coef and predict interpolate between lambdas like glmnet", {
  skip_if_not_installed("glmnet")
  reference <- glmnet::glmnet(tall$x, tall$y, thresh = 1e-13)
  fit <- glmsparse(tall$x, tall$y, lambda = reference$lambda, thresh = 1e-12)
  s <- c(reference$lambda[3] * 1.01, mean(reference$lambda[10:11]), 1e-6, 100)
  expect_equal(as.matrix(coef(fit, s = s)), as.matrix(coef(reference, s = s)),
               tolerance = 1e-6, ignore_attr = TRUE)
  newx <- tall$x[1:7, ]
  expect_equal(predict(fit, newx = newx, s = s), predict(reference, newx = newx, s = s),
               tolerance = 1e-6, ignore_attr = TRUE)
  expect_equal(predict(fit, newx = newx, s = s, type = "response"),
               predict(fit, newx = newx, s = s))
  expect_equal(predict(fit, type = "nonzero", s = s[1:2]),
               predict(reference, type = "nonzero", s = s[1:2]), ignore_attr = TRUE)
})

test_that("predict takes a sparse newx and newoffset", {
  offset <- rnorm(120)
  fit <- glmsparse(tall$x, tall$y, offset = offset)
  sparse_newx <- Matrix::Matrix(tall$x[1:5, ], sparse = TRUE)
  with_offset <- predict(fit, newx = sparse_newx, newoffset = offset[1:5], s = 0.1)
  coefficients <- coef(fit, s = 0.1)
  expected <- as.vector(coefficients[1] + tall$x[1:5, ] %*% coefficients[-1]) + offset[1:5]
  expect_equal(as.vector(with_offset), expected)
})

test_that("deviance is (1 - dev.ratio) * nulldev and decreases along the path", {
  fit <- glmsparse(tall$x, tall$y)
  expect_equal(deviance(fit), (1 - fit$dev.ratio) * fit$nulldev)
  rss <- vapply(seq_along(fit$lambda), function(k) {
    sum((tall$y - fit$a0[k] - tall$x %*% fit$beta[, k])^2)
  }, numeric(1))
  expect_equal(deviance(fit), rss, tolerance = 1e-8)
})

test_that("print shows Df, %Dev and Lambda and returns the fit invisibly", {
  fit <- glmsparse(tall$x, tall$y, nlambda = 5)
  output <- capture.output(returned <- withVisible(print(fit)))
  expect_false(returned$visible)
  expect_identical(returned$value, fit)
  expect_true(any(grepl("Df\\s+%Dev\\s+Lambda", output)))
  expect_equal(sum(grepl("^[0-9]+ ", output)), length(fit$lambda))
  summary_output <- capture.output(print(summary(fit)))
  expect_true(any(grepl("Converged at every lambda", summary_output)))
  expect_true(any(grepl("Observations:\\s+120", summary_output)))
})

test_that("plot draws the paths against the requested variable", {
  fit <- glmsparse(tall$x, tall$y)
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  plot(fit, xvar = "lambda", label = TRUE)
  user <- graphics::par("usr")
  expect_equal(user[1:2], extendrange(log(fit$lambda), f = 0.04), tolerance = 1e-8)
  plot(fit, xvar = "norm")
  expect_equal(graphics::par("usr")[1:2], extendrange(Matrix::colSums(abs(fit$beta)), f = 0.04), tolerance = 1e-8)
  plot(fit, xvar = "dev")
  expect_equal(graphics::par("usr")[1:2], extendrange(fit$dev.ratio, f = 0.04), tolerance = 1e-8)
  expect_equal(graphics::par("usr")[3:4], extendrange(as.matrix(fit$beta), f = 0.04), tolerance = 1e-8)
})

test_that("a user lambda is honoured exactly, in decreasing order", {
  lambda <- c(0.01, 0.5, 0.1, 0.2)
  fit <- glmsparse(tall$x, tall$y, lambda = lambda)
  expect_equal(fit$lambda, sort(lambda, decreasing = TRUE))
  expect_equal(ncol(fit$beta), 4L)
})
