# What every family's objective needs: weights normalised to sum 1, the
# offset, penalty factors rescaled to sum to the number of variables as glmnet
# does, and the weighted column standard deviations (1 without standardizing).
objective_setup <- function(x, weights, offset, penalty.factor, standardize) {
  n <- nrow(x)
  p <- ncol(x)
  w <- if (is.null(weights)) rep(1 / n, n) else weights / sum(weights)
  pf <- if (is.null(penalty.factor)) rep(1, p) else penalty.factor
  x_scale <- if (standardize) {
    apply(as.matrix(x), 2, function(column) sqrt(sum(w * column^2) - sum(w * column)^2))
  } else {
    rep(1, p)
  }
  list(w = w, o = if (is.null(offset)) rep(0, n) else offset, pf = pf * p / sum(pf),
       x_scale = x_scale)
}

# Penalized objective of glmnet's gaussian family, computed directly from a
# fit's coefficients on the original scale (see ?glmsparse for the formula).
gaussian_objective <- function(a0, beta, lambda, x, y, weights = NULL, offset = NULL,
                               alpha = 1, penalty.factor = NULL, standardize = TRUE,
                               intercept = TRUE) {
  setup <- objective_setup(x, weights, offset, penalty.factor, standardize)
  w <- setup$w
  o <- setup$o
  pf <- setup$pf
  x_scale <- setup$x_scale
  centred <- y - o - if (intercept) sum(w * (y - o)) else 0
  y_scale <- sqrt(sum(w * centred^2) - sum(w * centred)^2)
  vapply(seq_along(lambda), function(k) {
    b <- as.vector(beta[, k])
    residual <- y - o - a0[k] - as.vector(x %*% b)
    0.5 * sum(w * residual^2) +
      lambda[k] * sum(pf * (alpha * abs(b) * x_scale + (1 - alpha) / 2 * b^2 * x_scale^2 / y_scale))
  }, numeric(1))
}

# Simulated regression data with a few true effects.
simulate_gaussian <- function(n, p, seed, n_effects = 5) {
  set.seed(seed)
  x <- matrix(rnorm(n * p), n, p)
  effects <- seq_len(min(n_effects, p))
  y <- as.vector(x[, effects, drop = FALSE] %*% rnorm(length(effects))) + rnorm(n)
  list(x = x, y = y)
}

# Penalized objective of glmnet's binomial and poisson families: minus the
# weighted mean log-likelihood (weights normalised to sum 1) plus the
# elastic-net penalty on the standardized scale. `y` is the 0/1 (or
# proportion) response for binomial, counts for poisson.
glm_objective <- function(family, a0, beta, lambda, x, y, weights = NULL, offset = NULL,
                          alpha = 1, penalty.factor = NULL, standardize = TRUE, ...) {
  setup <- objective_setup(x, weights, offset, penalty.factor, standardize)
  w <- setup$w
  o <- setup$o
  pf <- setup$pf
  x_scale <- setup$x_scale
  cumulant <- switch(family,
    binomial = function(eta) pmax(eta, 0) + log1p(exp(-abs(eta))),
    poisson = exp)
  vapply(seq_along(lambda), function(k) {
    b <- as.vector(beta[, k])
    eta <- o + a0[k] + as.vector(x %*% b)
    sum(w * (cumulant(eta) - y * eta)) +
      lambda[k] * sum(pf * (alpha * abs(b) * x_scale + (1 - alpha) / 2 * b^2 * x_scale^2))
  }, numeric(1))
}

# Simulated data with a few true effects, for the binomial and poisson families.
simulate_glm <- function(family, n, p, seed, n_effects = 5) {
  set.seed(seed)
  x <- matrix(rnorm(n * p), n, p)
  effects <- seq_len(min(n_effects, p))
  eta <- as.vector(x[, effects, drop = FALSE] %*% rep(c(0.6, -0.6), length.out = length(effects)))
  y <- switch(family,
    binomial = stats::rbinom(n, 1, stats::plogis(eta)),
    poisson = stats::rpois(n, exp(0.5 + eta / 2)))
  list(x = x, y = y)
}

# Deviance at each solution of a path, on the caller's weight scale.
glm_deviance <- function(family, a0, beta, x, y, weights = NULL, offset = NULL) {
  n <- nrow(x)
  w <- if (is.null(weights)) rep(1, n) else weights
  o <- if (is.null(offset)) rep(0, n) else offset
  xlogy <- function(a, b) ifelse(a > 0, a * log(a / b), 0)
  vapply(seq_len(ncol(beta)), function(k) {
    mu <- switch(family, binomial = stats::plogis, poisson = exp)(o + a0[k] + as.vector(x %*% beta[, k]))
    unit <- switch(family,
      binomial = xlogy(y, mu) + xlogy(1 - y, 1 - mu),
      poisson = xlogy(y, mu) - (y - mu))
    2 * sum(w * unit)
  }, numeric(1))
}
