# Small fits of every kind, for tools/valgrind.sh: every family, dense and
# sparse x, weights, offsets, limits, exclusions, relaxed fits,
# cross-validation (one and two threads, keep, relax), cva.glmsparse, the
# methods, and errors raised from inside a fit. Each step checks a result
# (dense == sparse, finite coefficients, same result for any thread count),
# so a memory error that changes numbers fails here even if valgrind misses it.
# Run from the package root against an installed glmsparse.
suppressPackageStartupMessages({
  library(glmsparse)
  library(Matrix)
})
set.seed(1)
grDevices::pdf(NULL)

n <- 40
p <- 12
x <- matrix(rnorm(n * p), n, p)
x[, 4] <- 0  # a constant column
x_sparse <- Matrix(x * (abs(x) > 0.6), sparse = TRUE)
x_thin <- as.matrix(x_sparse)
eta <- drop(x[, 1:3] %*% c(1, -0.8, 0.5))
cox_time <- rexp(n, exp(eta / 2))
cox_time[1:6] <- cox_time[1]  # tied times
cox_status <- rbinom(n, 1, 0.7)

responses <- list(
  gaussian = eta + rnorm(n),
  binomial = rbinom(n, 1, plogis(eta)),
  poisson = rpois(n, exp(eta / 2)),
  multinomial = factor(sample(c("a", "b", "c"), n, replace = TRUE)),
  mgaussian = cbind(eta + rnorm(n), -eta + rnorm(n)),
  cox = survival::Surv(cox_time, cox_status)
)

check <- function(ok, what) {
  if (!isTRUE(ok)) stop("valgrind-fits: ", what, call. = FALSE)
  cat("ok:", what, "\n")
}
all_finite <- function(fit) {
  beta <- if (is.list(fit$beta)) fit$beta else list(fit$beta)
  all(vapply(beta, function(b) all(is.finite(as.matrix(b))), logical(1)))
}
same_fit <- function(a, b) {
  isTRUE(all.equal(coef(a, s = a$lambda[5]), coef(b, s = a$lambda[5]), tolerance = 1e-6))
}

for (family in names(responses)) {
  y <- responses[[family]]
  grouped <- if (family == "multinomial") c("ungrouped", "grouped") else "ungrouped"
  for (type in grouped) {
    label <- paste(family, type)
    dense <- glmsparse(x_thin, y, family = family, nlambda = 20, type.multinomial = type)
    sparse <- glmsparse(x_sparse, y, family = family, nlambda = 20, type.multinomial = type)
    check(all_finite(dense) && same_fit(dense, sparse), paste(label, "dense == sparse"))
    options <- glmsparse(x, y, family = family, nlambda = 15, alpha = 0.5,
                         weights = runif(n, 0.5, 2), penalty.factor = c(0, rep(1, p - 1)),
                         lower.limits = -0.7, upper.limits = 0.9, exclude = 5,
                         type.multinomial = type)
    check(all_finite(options), paste(label, "weights, penalty factors, limits, exclude"))
    relaxed <- glmsparse(x_sparse, y, family = family, nlambda = 15, relax = TRUE,
                         type.multinomial = type)
    check(all_finite(relaxed$relaxed), paste(label, "relaxed, sparse"))
    predicted <- predict(relaxed, newx = x_sparse[1:5, ], s = relaxed$lambda[3], gamma = 0.5)
    check(all(is.finite(unlist(predicted))), paste(label, "predict at gamma"))
    invisible(capture.output(print(dense), plot(dense), plot(relaxed)))
  }
}

y <- responses$gaussian
with_offset <- glmsparse(x, y, offset = rnorm(n), intercept = FALSE, standardize = FALSE)
check(all_finite(with_offset), "gaussian offset, no intercept, no standardization")
poisson_offset <- glmsparse(x_sparse, responses$poisson, family = "poisson", offset = log(runif(n, 1, 3)))
check(all_finite(poisson_offset), "poisson offset, sparse")
wide <- matrix(rnorm(20 * 150), 20, 150)
wide_fit <- glmsparse(wide, rnorm(20), nlambda = 30)
check(all_finite(wide_fit), "p > n gaussian (support solves)")
tall <- matrix(rnorm(300 * 8), 300, 8)
tall_y <- drop(tall %*% rnorm(8)) + rnorm(300)
check(identical(glmsparse(tall, tall_y, nthreads = 1)$beta, glmsparse(tall, tall_y, nthreads = 2)$beta),
      "tall gaussian (covariance updates), one thread == two")
check(isTRUE(all.equal(as.vector(coef(glmsparse(tall, tall_y, lambda = 0, thresh = 1e-14))),
                       unname(coef(lm(tall_y ~ tall))), tolerance = 1e-8)),
      "lambda = 0 matches lm")
check(all_finite(suppressWarnings(glmsparse(x, y, maxit = 1, lambda = c(0.5, 0.1)))),
      "not converged within maxit")
check(all_finite(suppressWarnings(glmsparse(x, y, pmax = 3))), "pmax stop")

cox_start <- ifelse(seq_len(n) <= 10, cox_time / 2, 0)
counting <- glmsparse(x, survival::Surv(cox_start, cox_time, cox_status), family = "cox", nlambda = 15)
check(all_finite(counting), "cox counting-process data")
stratified <- glmsparse(x_sparse, stratifySurv(responses$cox, rep(1:2, n / 2)), family = "cox", nlambda = 15)
check(all_finite(stratified), "cox strata, sparse")

foldid <- rep(1:4, length.out = n)
for (family in names(responses)) {
  y <- responses[[family]]
  one <- cv.glmsparse(x, y, family = family, foldid = foldid, nlambda = 15, nthreads = 1, keep = TRUE)
  two <- cv.glmsparse(x_sparse, y, family = family, foldid = foldid, nlambda = 15, nthreads = 2)
  check(all(is.finite(one$cvm)) && all(is.finite(two$cvm)), paste("cv", family, "dense and sparse"))
  invisible(capture.output(print(one), plot(one)))
  check(all(is.finite(unlist(predict(one, newx = x[1:4, ])))), paste("cv", family, "predict"))
}
for (family in c("gaussian", "binomial", "cox", "multinomial")) {
  y <- responses[[family]]
  relaxed_cv <- cv.glmsparse(x, y, family = family, foldid = foldid, nlambda = 12, relax = TRUE, nthreads = 2)
  check(all(is.finite(relaxed_cv$cvm)), paste("relaxed cv", family))
  invisible(capture.output(print(relaxed_cv), plot(relaxed_cv)))
}
tall_cv <- cv.glmsparse(tall, tall_y, nfolds = 3, nthreads = 2)
check(all(is.finite(tall_cv$cvm)), "gaussian cv with a shared Gram matrix")
cva <- cva.glmsparse(x, responses$binomial, family = "binomial", alpha = c(0.2, 1), foldid = foldid, nthreads = 2)
check(all(is.finite(unlist(coef(cva)))), "cva.glmsparse")
invisible(capture.output(print(cva), plot(cva)))

# R errors raised while the core runs (here from the progress callback: a
# path's at its third lambda, cross-validation's at its first report, which
# cancels the folds still running) unwind its C++ frames, worker threads
# included.
failing_bar <- function(after) {
  force(after)
  function(...) {
    calls <- 0L
    list(update = function(...) {
      calls <<- calls + 1L
      if (calls > after) stop("progress failed")
    }, finish = function() NULL)
  }
}
utils::assignInNamespace("lambda_progress_bar", failing_bar(2L), "glmsparse")
utils::assignInNamespace("fold_progress_bar", failing_bar(0L), "glmsparse")
fails <- function(expr) {
  message <- tryCatch({
    expr
    ""
  }, error = conditionMessage)
  message == "progress failed"
}
check(fails(glmsparse(x, responses$gaussian, trace.it = 1)), "error in a gaussian path")
check(fails(glmsparse(x_sparse, responses$multinomial, family = "multinomial", trace.it = 1)),
      "error in a multinomial path")
check(fails(glmsparse(x, responses$cox, family = "cox", trace.it = 1)), "error in a cox path")
for (threads in 1:2) {
  check(fails(cv.glmsparse(x, responses$binomial, family = "binomial", nfolds = 8, nthreads = threads,
                           trace.it = 1)),
        paste("error in cross-validation,", threads, "threads"))
}
bad <- tryCatch(glmsparse(x, responses$gaussian, alpha = 2), error = conditionMessage)
check(grepl("alpha", bad), "bad input is an R error")
cat("valgrind-fits: all done\n")
