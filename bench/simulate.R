# The benchmarks' data and lambdas, shared by bench/paths.R and bench/cv.R
# (sourced from the repository root).

# Dense x has rows from N(0, Sigma), Sigma_jk = 0.5^|j - k|, built as an AR(1)
# process across columns; sparse x is a dgCMatrix with 1% standard normal
# entries. y has 20 nonzero coefficients of size 0.5 to 1 and noise with
# var(signal) / var(noise) = 3 for gaussian. For binomial the signal is
# scaled to standard deviation 2 and y ~ Bernoulli(plogis(signal)); for
# poisson to standard deviation 0.5 and y ~ Poisson(exp(1 + signal)). For
# multinomial each of 5 classes has its own 20 coefficients, each class's
# signal is scaled to standard deviation 1 and y is drawn from the softmax.
# For cox the signal is scaled to standard deviation 0.5, event times are
# exponential with rate exp(signal) and censoring times exponential with
# rate 0.5 times the mean event rate (about a third censored).
simulate <- function(n, p, sparse, seed, family, n_nonzero = 20, snr = 3, rho = 0.5,
                     n_classes = 5L) {
  set.seed(seed)
  if (sparse) {
    x <- Matrix::rsparsematrix(n, p, density = 0.01, rand.x = stats::rnorm)
  } else {
    x <- matrix(stats::rnorm(n * p), n, p)
    innovation_scale <- sqrt(1 - rho^2)
    for (j in seq_len(p)[-1]) x[, j] <- rho * x[, j - 1] + innovation_scale * x[, j]
  }
  if (family == "multinomial") {
    signals <- vapply(seq_len(n_classes), function(k) {
      support <- sample(p, n_nonzero)
      signal <- as.vector(x[, support, drop = FALSE] %*% stats::runif(n_nonzero, -1, 1))
      signal / stats::sd(signal)
    }, numeric(n))
    probability <- exp(signals) / rowSums(exp(signals))
    y <- factor(apply(probability, 1, function(prob) sample.int(n_classes, 1, prob = prob)))
    return(list(x = x, y = y))
  }
  support <- sample(p, n_nonzero)
  coefficients <- sample(c(-1, 1), n_nonzero, replace = TRUE) * stats::runif(n_nonzero, 0.5, 1)
  signal <- as.vector(x[, support, drop = FALSE] %*% coefficients)
  y <- switch(family,
    gaussian = signal + stats::rnorm(n, sd = sqrt(stats::var(signal) / snr)),
    binomial = stats::rbinom(n, 1, stats::plogis(2 * signal / stats::sd(signal))),
    poisson = stats::rpois(n, exp(1 + 0.5 * signal / stats::sd(signal))),
    cox = {
      rate <- exp(0.5 * signal / stats::sd(signal))
      event_time <- stats::rexp(n, rate)
      censoring_time <- stats::rexp(n, 0.5 * mean(rate))
      survival::Surv(pmin(event_time, censoring_time), as.numeric(event_time <= censoring_time))
    })
  list(x = x, y = y)
}

# glmnet's default grid of n_lambda values. glmnet stops its own path early
# once the deviance ratio stalls, so the full grid is rebuilt from its
# lambda_max and lambda.min.ratio: lambda_max * ratio^(k / (n_lambda - 1)).
# `...` goes to glmnet (type.multinomial, whose lambda_max differs).
default_lambda <- function(x, y, family, alpha = 1, n_lambda = 100L, ...) {
  ratio <- if (nrow(x) < ncol(x)) 1e-2 else 1e-4
  lambda <- glmnet::glmnet(x, y, family = family, alpha = alpha, nlambda = n_lambda,
                           lambda.min.ratio = ratio, ...)$lambda
  if (length(lambda) == n_lambda) return(lambda)
  lambda[1] * ratio^(seq(0, n_lambda - 1) / (n_lambda - 1))
}
