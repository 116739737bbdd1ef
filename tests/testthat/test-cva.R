# cva.glmsparse: each alpha's cross-validation is exactly cv.glmsparse's on
# the same folds (and so, through test-cv.R, glmnet's); the best pair, the
# methods and the errors.

simulate_cva_data <- function(n = 200, p = 25, seed = 21) {
  set.seed(seed)
  x <- matrix(stats::rnorm(n * p), n, p)
  # Correlated pairs of true variables, where alpha matters.
  x[, 2] <- x[, 1] + stats::rnorm(n, sd = 0.3)
  signal <- drop(x[, 1:6] %*% c(1, 1, -0.8, 0.6, -0.5, 0.4))
  list(x = x, y = signal + stats::rnorm(n), yb = stats::rbinom(n, 1, stats::plogis(signal)),
       foldid = sample(rep(1:5, length.out = n)))
}

test_that("each alpha's cross-validation is cv.glmsparse's on the same folds", {
  data <- simulate_cva_data()
  alpha <- c(0, 0.25, 1)
  tuned <- cva.glmsparse(data$x, data$yb, alpha = alpha, family = "binomial", foldid = data$foldid,
                         type.measure = "auc")
  expect_s3_class(tuned, "cva.glmsparse")
  expect_identical(tuned$alpha, alpha)
  expect_identical(tuned$foldid, data$foldid)
  for (k in seq_along(alpha)) {
    single <- cv.glmsparse(data$x, data$yb, family = "binomial", foldid = data$foldid,
                           alpha = alpha[k], type.measure = "auc")
    expect_identical(tuned$modlist[[k]]$cvm, single$cvm)
    expect_identical(tuned$modlist[[k]]$cvsd, single$cvsd)
    expect_identical(tuned$modlist[[k]]$lambda.min, single$lambda.min)
    expect_identical(tuned$modlist[[k]]$glmsparse.fit$beta, single$glmsparse.fit$beta)
  }
  # AUC is maximised.
  best_auc <- vapply(tuned$modlist, function(cv) max(cv$cvm), numeric(1))
  expect_equal(tuned$alpha.min, alpha[which.max(best_auc)])
})

test_that("an alpha's cross-validation matches cv.glmnet's", {
  skip_if_not_installed("glmnet")
  data <- simulate_cva_data()
  tuned <- cva.glmsparse(data$x, data$y, alpha = c(0.5, 1), foldid = data$foldid)
  reference <- glmnet::cv.glmnet(data$x, data$y, alpha = 0.5, foldid = data$foldid,
                                 lambda = tuned$modlist[[1]]$lambda, thresh = 1e-12)
  expect_equal(tuned$modlist[[1]]$cvm, unname(reference$cvm), tolerance = 1e-3)
  expect_equal(tuned$modlist[[1]]$lambda.min, reference$lambda.min)
})

test_that("the best pair, the methods and the thread count", {
  data <- simulate_cva_data()
  alpha <- c(0.1, 0.5, 1)
  tuned <- cva.glmsparse(data$x, data$y, alpha = alpha, foldid = data$foldid, nthreads = 2)
  best_mse <- vapply(tuned$modlist, function(cv) min(cv$cvm), numeric(1))
  best <- which.min(best_mse)
  expect_equal(tuned$alpha.min, alpha[best])
  expect_equal(tuned$lambda.min, tuned$modlist[[best]]$lambda.min)
  expect_equal(coef(tuned), coef(tuned$modlist[[best]], s = "lambda.min"))
  expect_equal(coef(tuned, alpha = 0.5, s = "lambda.1se"), coef(tuned$modlist[[2]], s = "lambda.1se"))
  expect_equal(predict(tuned, newx = data$x[1:3, ]),
               predict(tuned$modlist[[best]], newx = data$x[1:3, ], s = "lambda.min"))
  expect_equal(tuned$modlist[[2]]$glmsparse.fit$call$alpha, 0.5)
  one_thread <- cva.glmsparse(data$x, data$y, alpha = alpha, foldid = data$foldid, nthreads = 1)
  for (k in seq_along(alpha)) expect_identical(one_thread$modlist[[k]]$cvm, tuned$modlist[[k]]$cvm)
  expect_output(print(tuned), "lambda.min")

  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  grDevices::dev.control("enable")
  plot(tuned)
  drawn <- grDevices::recordPlot()[[1]]
  calls_of <- function(name) Filter(function(entry) identical(entry[[2]][[1]]$name, name), drawn)
  points <- calls_of("C_plotXY")
  expect_equal(points[[length(points)]][[2]][[2]]$y, best_mse)
  expect_equal(calls_of("C_abline")[[1]][[2]][[5]], tuned$alpha.min)
})

test_that("bad arguments of cva.glmsparse and its methods give errors that name them", {
  data <- simulate_cva_data(n = 60)
  expect_error(cva.glmsparse(data$x, data$y, alpha = c(0.5, 2)), "`alpha` must be a vector of values in \\[0, 1\\]")
  expect_error(cva.glmsparse(data$x, data$y, alpha = c(0.5, 0.5)), "`alpha` must not repeat")
  expect_error(cva.glmsparse(data$x, data$y, alpha = "a"), "`alpha`")
  expect_error(cva.glmsparse(data$x, data$y, alpha = 1, nfolds = 2), "`nfolds`")
  tuned <- cva.glmsparse(data$x, data$y, alpha = c(0.5, 1), nfolds = 3)
  expect_error(coef(tuned, alpha = 0.3), "`alpha` = 0.3 is not one of the cross-validated values")
  expect_error(predict(tuned, newx = data$x[1:2, ], alpha = c(0.5, 1)), "`alpha` must be a single number")
  expect_error(coef(tuned, s = "lambda.best"), "`s`")
})
