# Every bad input gets an error that names the argument and the problem.

x <- matrix(rnorm(40), 10, 4)
y <- rnorm(10)

test_that("x must be a numeric matrix or dgCMatrix without non-finite values", {
  expect_error(glmsparse(data.frame(x), y), "`x` must be a numeric matrix or a Matrix::dgCMatrix.", fixed = TRUE)
  expect_error(glmsparse(letters[1:10], y), "`x` must be a numeric matrix", fixed = TRUE)
  expect_error(glmsparse(matrix(letters[1:20], 10), y), "`x` must be a numeric matrix", fixed = TRUE)
  for (bad in c(NA, NaN, Inf)) {
    x_bad <- x
    x_bad[3, 2] <- bad
    expect_error(glmsparse(x_bad, y), "`x` must not contain NA, NaN or Inf values.", fixed = TRUE)
  }
  sparse_bad <- Matrix::Matrix(x, sparse = TRUE)
  sparse_bad@x[1] <- NA
  expect_error(glmsparse(sparse_bad, y), "`x` must not contain NA, NaN or Inf values.", fixed = TRUE)
})

test_that("y must be numeric, finite and as long as nrow(x)", {
  expect_error(glmsparse(x, y[-1]), "`y` has length 9 but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, as.character(y)), "`y` must be a numeric vector", fixed = TRUE)
  expect_error(glmsparse(x, replace(y, 2, NA)), "`y` must not contain NA, NaN or Inf values.", fixed = TRUE)
  expect_error(glmsparse(x, replace(y, 2, Inf)), "`y` must not contain NA, NaN or Inf values.", fixed = TRUE)
})

test_that("weights must be non-negative, finite, not all zero and of the right length", {
  expect_error(glmsparse(x, y, weights = rep(1, 9)), "`weights` has length 9 but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, y, weights = replace(rep(1, 10), 1, -1)), "`weights` must be non-negative.", fixed = TRUE)
  expect_error(glmsparse(x, y, weights = rep(0, 10)), "`weights` must not all be zero.", fixed = TRUE)
  expect_error(glmsparse(x, y, weights = replace(rep(1, 10), 1, NaN)), "`weights` must not contain NA, NaN or Inf values.", fixed = TRUE)
})

test_that("offset must be finite and of the right length", {
  expect_error(glmsparse(x, y, offset = rep(0, 3)), "`offset` has length 3 but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, y, offset = replace(rep(0, 10), 4, Inf)), "`offset` must not contain NA, NaN or Inf values.", fixed = TRUE)
})

test_that("penalty.factor and limits are checked for length and sign", {
  expect_error(glmsparse(x, y, penalty.factor = c(1, 1)), "`penalty.factor` must have length 1 or ncol(x) = 4; got 2.", fixed = TRUE)
  expect_error(glmsparse(x, y, penalty.factor = c(1, -1, 1, 1)), "`penalty.factor` must be non-negative.", fixed = TRUE)
  expect_error(glmsparse(x, y, penalty.factor = rep(0, 4)), "`penalty.factor` must have at least one positive value.", fixed = TRUE)
  expect_error(glmsparse(x, y, lower.limits = c(-1, -1)), "`lower.limits` must have length 1 or ncol(x) = 4; got 2.", fixed = TRUE)
  expect_error(glmsparse(x, y, upper.limits = rep(1, 5)), "`upper.limits` must have length 1 or ncol(x) = 4; got 5.", fixed = TRUE)
  expect_error(glmsparse(x, y, lower.limits = 0.5), "`lower.limits` must be non-positive.", fixed = TRUE)
  expect_error(glmsparse(x, y, upper.limits = -0.5), "`upper.limits` must be non-negative.", fixed = TRUE)
  expect_error(glmsparse(x, y, exclude = 7), "`exclude` must hold column indices between 1 and ncol(x) = 4.", fixed = TRUE)
})

test_that("alpha, lambda, nlambda, lambda.min.ratio, thresh and maxit are range-checked", {
  expect_error(glmsparse(x, y, alpha = 1.5), "`alpha` must be in [0, 1]; got 1.5.", fixed = TRUE)
  expect_error(glmsparse(x, y, alpha = -0.1), "`alpha` must be in [0, 1]; got -0.1.", fixed = TRUE)
  expect_error(glmsparse(x, y, alpha = NA), "`alpha` must be a single finite number.", fixed = TRUE)
  expect_error(glmsparse(x, y, lambda = c(1, -1)), "`lambda` must be non-negative.", fixed = TRUE)
  expect_error(glmsparse(x, y, lambda = "a"), "`lambda` must be a numeric vector of finite values.", fixed = TRUE)
  expect_error(glmsparse(x, y, lambda = c(1, NA)), "`lambda` must be a numeric vector of finite values.", fixed = TRUE)
  expect_error(glmsparse(x, y, nlambda = 0), "`nlambda` must be in [1, Inf]; got 0.", fixed = TRUE)
  expect_error(glmsparse(x, y, nlambda = 2.5), "`nlambda` must be a whole number.", fixed = TRUE)
  expect_error(glmsparse(x, y, lambda.min.ratio = 0), "`lambda.min.ratio` must be in (0, 1); got 0.", fixed = TRUE)
  expect_error(glmsparse(x, y, lambda.min.ratio = 1), "`lambda.min.ratio` must be in (0, 1); got 1.", fixed = TRUE)
  expect_error(glmsparse(x, y, thresh = 0), "`thresh` must be in (0, Inf]; got 0.", fixed = TRUE)
  expect_error(glmsparse(x, y, maxit = 0), "`maxit` must be in [1, Inf]; got 0.", fixed = TRUE)
  expect_error(glmsparse(x, y, standardize = NA), "`standardize` must be TRUE or FALSE.", fixed = TRUE)
  expect_error(glmsparse(x, y, intercept = "yes"), "`intercept` must be TRUE or FALSE.", fixed = TRUE)
  expect_error(glmsparse(x, y, family = "gamma"),
               "`family` must be one of \"gaussian\", \"binomial\", \"poisson\", \"multinomial\", \"mgaussian\", \"cox\"; got \"gamma\".", fixed = TRUE)
})

test_that("methods reject bad newx, s and type", {
  fit <- glmsparse(x, y)
  expect_error(predict(fit, newx = x[, 1:3]), "`newx` must have 4 columns, as the fitted `x`; got 3.", fixed = TRUE)
  expect_error(predict(fit, newx = "a"), "`newx` must be a numeric matrix or a sparse Matrix.", fixed = TRUE)
  expect_error(predict(fit), "`newx` is required for type = \"link\".", fixed = TRUE)
  expect_error(coef(fit, s = -1), "`s` must be a numeric vector of non-negative lambda values.", fixed = TRUE)
  expect_error(coef(fit, s = "lambda.min"), "`s` must be a numeric vector of non-negative lambda values.", fixed = TRUE)
  expect_error(predict(fit, newx = x, type = "class"),
               "`type = \"class\"` is only for families \"binomial\" and \"multinomial\"; this fit is \"gaussian\".", fixed = TRUE)
  expect_error(predict(fit, newx = x, type = "probability"),
               "`type` must be one of \"link\", \"response\", \"coefficients\", \"nonzero\", \"class\"; got \"probability\".",
               fixed = TRUE)
  expect_error(plot(fit, xvar = "foo"),
               "`xvar` must be one of \"norm\", \"lambda\", \"dev\"; got \"foo\".", fixed = TRUE)
  fit_offset <- glmsparse(x, y, offset = rep(1, 10))
  expect_error(predict(fit_offset, newx = x), "`newoffset` is required because the model was fitted with an offset.", fixed = TRUE)
})

test_that("nthreads must be a whole number of at least 1", {
  expect_error(glmsparse(x, y, nthreads = 0), "`nthreads` must be in [1, 2147483647]; got 0.", fixed = TRUE)
  expect_error(glmsparse(x, y, nthreads = 1.5), "`nthreads` must be a whole number.", fixed = TRUE)
  expect_error(glmsparse(x, y, nthreads = "2"), "`nthreads` must be a single finite number.", fixed = TRUE)
  expect_error(glmsparse(x, y, nthreads = NA), "`nthreads` must be a single finite number.", fixed = TRUE)
})

test_that("binomial and poisson responses are checked, naming y and the family", {
  expect_error(glmsparse(x, rep(c(0, 1, 2), length.out = 10), family = "binomial"),
               "`y` for family \"binomial\" must have exactly two classes; got 3.", fixed = TRUE)
  expect_error(glmsparse(x, rep(1, 10), family = "binomial"),
               "`y` for family \"binomial\" must have exactly two classes; got 1.", fixed = TRUE)
  expect_error(glmsparse(x, factor(rep(c("a", "b"), 5))[1:9], family = "binomial"),
               "`y` has length 9 but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, c(NA, rep(c(0, 1), length.out = 9)), family = "binomial"),
               "`y` must not contain NA, NaN or Inf values.", fixed = TRUE)
  expect_error(glmsparse(x, matrix(1, 10, 3), family = "binomial"),
               "`y` for family \"binomial\" must be a vector, a factor or a two-column matrix of counts; got a matrix with 3 columns.",
               fixed = TRUE)
  expect_error(glmsparse(x, cbind(rep(1, 10), c(-1, rep(1, 9))), family = "binomial"),
               "`y` counts for family \"binomial\" must be non-negative.", fixed = TRUE)
  expect_error(glmsparse(x, cbind(c(0, rep(1, 9)), c(0, rep(1, 9))), family = "binomial"),
               "`y` for family \"binomial\" has rows whose counts are all zero.", fixed = TRUE)
  expect_error(glmsparse(x, matrix(1, 9, 2), family = "binomial"),
               "`y` has 9 rows but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, c(-1, rep(2, 9)), family = "poisson"),
               "`y` for family \"poisson\" must be non-negative counts.", fixed = TRUE)
  expect_error(glmsparse(x, c(0.5, rep(2, 9)), family = "poisson"),
               "`y` for family \"poisson\" must be whole-number counts.", fixed = TRUE)
  expect_error(glmsparse(x, rep(0, 10), family = "poisson"),
               "`y` for family \"poisson\" is all zero", fixed = TRUE)
  expect_error(glmsparse(x, letters[1:10], family = "poisson"),
               "`y` must be a numeric vector of counts for family \"poisson\".", fixed = TRUE)
})

test_that("multinomial and mgaussian responses and offsets are checked, naming y and the family", {
  classes <- factor(rep(c("a", "b", "c"), length.out = 10))
  expect_error(glmsparse(x, factor(rep("a", 10)), family = "multinomial"),
               "`y` for family \"multinomial\" must have at least two classes.", fixed = TRUE)
  expect_error(glmsparse(x, factor(rep(c("a", "b"), 5), levels = c("a", "b", "c")), family = "multinomial"),
               "`y` for family \"multinomial\" has no observations in class \"c\".", fixed = TRUE)
  expect_error(glmsparse(x, classes, family = "multinomial", weights = c(0, 1, 1, 0, 1, 1, 0, 1, 1, 0)),
               "`y` for family \"multinomial\" has no observations in class \"a\".", fixed = TRUE)
  expect_error(glmsparse(x, classes[1:9], family = "multinomial"),
               "`y` has length 9 but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, c(NA, letters[1:9]), family = "multinomial"),
               "`y` must not contain NA, NaN or Inf values.", fixed = TRUE)
  counts <- diag(3)[rep(1:3, length.out = 10), ]
  counts_negative <- counts
  counts_negative[1, 1] <- -1
  expect_error(glmsparse(x, counts_negative, family = "multinomial"),
               "`y` counts for family \"multinomial\" must be non-negative.", fixed = TRUE)
  counts_empty_row <- counts
  counts_empty_row[2, ] <- 0
  expect_error(glmsparse(x, counts_empty_row, family = "multinomial"),
               "`y` for family \"multinomial\" has rows whose counts are all zero.", fixed = TRUE)
  expect_error(glmsparse(x, counts[1:9, ], family = "multinomial"),
               "`y` has 9 rows but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, classes, family = "multinomial", offset = rep(0, 10)),
               "`offset` for family \"multinomial\" must be a numeric matrix with 10 rows and 3 columns (one per class).",
               fixed = TRUE)
  expect_error(glmsparse(x, classes, family = "multinomial", type.multinomial = "both"),
               "`type.multinomial` must be one of \"ungrouped\", \"grouped\".", fixed = TRUE)
  expect_error(glmsparse(x, rnorm(10), family = "mgaussian"),
               "`y` for family \"mgaussian\" must be a numeric matrix with a column per response.", fixed = TRUE)
  expect_error(glmsparse(x, matrix(rnorm(18), 9, 2), family = "mgaussian"),
               "`y` has 9 rows but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, cbind(rnorm(10), c(Inf, rnorm(9))), family = "mgaussian"),
               "`y` must not contain NA, NaN or Inf values.", fixed = TRUE)
  expect_error(glmsparse(x, matrix(rnorm(20), 10, 2), family = "mgaussian", offset = matrix(0, 10, 3)),
               "`offset` for family \"mgaussian\" must be a numeric matrix with 10 rows and 2 columns (one per response).",
               fixed = TRUE)
  expect_error(glmsparse(x, matrix(rnorm(20), 10, 2), family = "mgaussian", standardize.response = NA),
               "`standardize.response` must be TRUE or FALSE.", fixed = TRUE)
  fit <- glmsparse(x, matrix(rnorm(20), 10, 2), family = "mgaussian", offset = matrix(0, 10, 2))
  expect_error(predict(fit, x), "`newoffset` is required because the model was fitted with an offset.",
               fixed = TRUE)
  expect_error(predict(fit, x, newoffset = rep(0, 10)),
               "`newoffset` for family \"mgaussian\" must be a numeric matrix with 10 rows and 2 columns",
               fixed = TRUE)
})

test_that("cox responses are checked, naming y and the family", {
  skip_if_not_installed("survival")
  time <- c(1.5, 2, 3.5, 4, 5, 6.5, 7, 8, 9, 10)
  status <- c(1, 0, 1, 1, 0, 1, 0, 1, 1, 0)
  y_cox <- survival::Surv(time, status)
  expect_error(glmsparse(x, cbind(time = time, status = status), family = "cox"),
               "`y` must be a survival::Surv object for family \"cox\", e.g. Surv(time, status).", fixed = TRUE)
  expect_error(glmsparse(x, time, family = "cox"), "`y` must be a survival::Surv object", fixed = TRUE)
  expect_error(glmsparse(x, survival::Surv(time, time + 1, type = "interval2"), family = "cox"),
               "`y` for family \"cox\" must be a Surv object of type \"right\" or \"counting\"; got \"interval\".",
               fixed = TRUE)
  expect_error(glmsparse(x, y_cox[1:9], family = "cox"),
               "`y` for family \"cox\" has 9 rows but `x` has 10 rows.", fixed = TRUE)
  expect_error(glmsparse(x, survival::Surv(replace(time, 3, NA), status), family = "cox"),
               "`y` for family \"cox\" must not contain NA, NaN or Inf values.", fixed = TRUE)
  expect_error(glmsparse(x, survival::Surv(replace(time, 3, 0), status), family = "cox"),
               "`y` for family \"cox\" must have positive times.", fixed = TRUE)
  expect_error(glmsparse(x, survival::Surv(replace(time, 3, -1), status), family = "cox"),
               "`y` for family \"cox\" must have positive times.", fixed = TRUE)
  bad_status <- y_cox
  bad_status[2, "status"] <- 3
  expect_s3_class(bad_status, "Surv")
  expect_error(glmsparse(x, bad_status, family = "cox"),
               "`y` for family \"cox\" must have status 0 (censored) or 1 (event).", fixed = TRUE)
  expect_error(glmsparse(x, survival::Surv(time, rep(0, 10)), family = "cox"),
               "`y` for family \"cox\" has no events (with positive weight): there is nothing to fit.", fixed = TRUE)
  expect_error(glmsparse(x, y_cox, family = "cox", weights = 1 - status),
               "`y` for family \"cox\" has no events (with positive weight)", fixed = TRUE)
  start <- time - 1
  # Surv() itself turns start >= stop into NA; such a row can only be made by hand.
  y_counting <- survival::Surv(start, time, status)
  y_counting[4, "start"] <- time[4]
  expect_error(glmsparse(x, y_counting, family = "cox"),
               "`y` for family \"cox\" must have start < stop in every row.", fixed = TRUE)
  expect_error(glmsparse(x, survival::Surv(start - 5, replace(time, 4, 0), status), family = "cox"),
               "`y` for family \"cox\" must have positive stop times.", fixed = TRUE)
  bad_strata <- y_cox
  attr(bad_strata, "strata") <- rep(1:2, length.out = 9)
  expect_error(glmsparse(x, bad_strata, family = "cox"),
               "`y` for family \"cox\" has a \"strata\" attribute of length 9; it needs one value per row (10).",
               fixed = TRUE)
  expect_error(stratifySurv(y_cox, rep(1:2, length.out = 9)),
               "`strata` has length 9 but `y` has 10 observations.", fixed = TRUE)
  expect_error(stratifySurv(y_cox, replace(rep(1:2, 5), 3, NA)), "`strata` must not contain NA values.", fixed = TRUE)
  expect_error(stratifySurv(time, rep(1, 10)), "`y` must be a survival::Surv object.", fixed = TRUE)
})
