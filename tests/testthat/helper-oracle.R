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

# Penalized objective of glmnet's multi-response families from a fit's
# coefficients (a list with a matrix per class) at each lambda. `y` is the
# n x K matrix of class proportions (multinomial) or responses (mgaussian);
# the penalty is the elastic net on every coefficient (ungrouped) or on
# each variable's coefficients across classes (grouped). mgaussian with
# standardize.response is measured on the scale of `response_scale`.
multi_objective <- function(family, fit, lambda, x, y, grouped, weights = NULL, offset = NULL,
                            alpha = 1, penalty.factor = NULL, standardize = TRUE,
                            response_scale = rep(1, ncol(y))) {
  setup <- objective_setup(x, weights, NULL, penalty.factor, standardize)
  w <- setup$w
  o <- if (is.null(offset)) matrix(0, nrow(x), ncol(y)) else offset
  vapply(seq_along(lambda), function(l) {
    coefficients <- lapply(fit$beta, function(b) as.vector(b[, l]))
    beta <- do.call(cbind, coefficients)
    eta <- o + sweep(as.matrix(x %*% beta), 2, fit$a0[, l], "+")
    loss <- if (family == "multinomial") {
      top <- apply(eta, 1, max)
      sum(w * (top + log(rowSums(exp(eta - top))) - rowSums(y * eta)))
    } else {
      0.5 * sum(w * sweep(y - eta, 2, response_scale, "/")^2)
    }
    scaled <- sweep(beta * setup$x_scale, 2, response_scale, "/")
    squares <- if (grouped) rowSums(scaled^2) else scaled^2
    loss + lambda[l] * sum(setup$pf * (alpha * sqrt(squares) + (1 - alpha) / 2 * squares))
  }, numeric(1))
}

# Simulated data for the multi-response families: K classes drawn from a
# multinomial logit model, or K correlated gaussian responses.
simulate_multi <- function(family, n, p, n_responses, seed, n_effects = 4) {
  set.seed(seed)
  x <- matrix(rnorm(n * p), n, p)
  effects <- seq_len(min(n_effects, p))
  coefficients <- matrix(rnorm(length(effects) * n_responses, sd = 0.7), length(effects), n_responses)
  eta <- x[, effects, drop = FALSE] %*% coefficients
  if (family == "multinomial") {
    probability <- exp(eta) / rowSums(exp(eta))
    classes <- apply(probability, 1, function(p) sample.int(n_responses, 1, prob = p))
    y <- factor(letters[classes], levels = letters[seq_len(n_responses)])
  } else {
    y <- eta + matrix(rnorm(n * n_responses), n, n_responses)
  }
  list(x = x, y = y)
}

# Multinomial deviance at each solution of a path, on the caller's weight
# scale: 2 sum_i w_i sum_k y_ik log(y_ik / p_ik).
multinomial_deviance <- function(fit, x, y, weights = NULL, offset = NULL) {
  w <- if (is.null(weights)) rep(1, nrow(x)) else weights
  o <- if (is.null(offset)) matrix(0, nrow(x), ncol(y)) else offset
  vapply(seq_along(fit$lambda), function(l) {
    beta <- do.call(cbind, lapply(fit$beta, function(b) as.vector(b[, l])))
    eta <- o + sweep(as.matrix(x %*% beta), 2, fit$a0[, l], "+")
    log_p <- eta - apply(eta, 1, max)
    log_p <- log_p - log(rowSums(exp(log_p)))
    2 * sum(w * ifelse(y > 0, y * (log(y) - log_p), 0))
  }, numeric(1))
}

# The weighted Breslow log partial likelihood, written out from its
# definition: for each stratum and each distinct event time t,
#   sum of w_i eta_i over the events at t - D_t log(sum of w_j exp(eta_j) over the risk set),
# with D_t the summed weight of the events at t and the risk set of t the
# subjects with start < t <= stop (time >= t for right-censored data).
# `y` is a survival::Surv object, possibly with a "strata" attribute.
cox_log_likelihood <- function(eta, y, weights = NULL) {
  response <- unclass(y)
  counting <- ncol(response) == 3L
  stop_time <- response[, ncol(response) - 1L]
  start_time <- if (counting) response[, 1] else rep(-Inf, length(stop_time))
  status <- response[, ncol(response)]
  w <- if (is.null(weights)) rep(1, length(eta)) else weights
  strata <- attr(y, "strata")
  if (is.null(strata)) strata <- rep(1, length(eta))
  total <- 0
  for (stratum in unique(strata)) {
    members <- strata == stratum
    event_times <- unique(stop_time[members & status == 1 & w > 0])
    for (t in event_times) {
      events <- members & status == 1 & stop_time == t
      at_risk <- members & start_time < t & stop_time >= t
      total <- total + sum(w[events] * eta[events]) -
        sum(w[events]) * log(sum(w[at_risk] * exp(eta[at_risk])))
    }
  }
  total
}

# The log partial likelihood of the saturated model: minus sum_t D_t log D_t
# over the event times of each stratum.
cox_saturated_log_likelihood <- function(y, weights = NULL) {
  response <- unclass(y)
  stop_time <- response[, ncol(response) - 1L]
  status <- response[, ncol(response)]
  w <- if (is.null(weights)) rep(1, length(stop_time)) else weights
  strata <- attr(y, "strata")
  if (is.null(strata)) strata <- rep(1, length(stop_time))
  events <- status == 1 & w > 0
  death_weights <- tapply(w[events], list(stop_time[events], strata[events]), sum)
  death_weights <- death_weights[!is.na(death_weights)]
  -sum(death_weights * log(death_weights))
}

# Penalized Cox objective: minus the weighted log partial likelihood divided
# by the sum of the weights, plus the elastic-net penalty on the
# standardized scale (the ridge part not divided by a response scale).
cox_objective <- function(beta, lambda, x, y, weights = NULL, offset = NULL, alpha = 1,
                          penalty.factor = NULL, standardize = TRUE) {
  setup <- objective_setup(x, weights, offset, penalty.factor, standardize)
  total_weight <- if (is.null(weights)) nrow(x) else sum(weights)
  vapply(seq_along(lambda), function(k) {
    b <- as.vector(beta[, k])
    eta <- setup$o + as.vector(x %*% b)
    -cox_log_likelihood(eta, y, weights) / total_weight +
      lambda[k] * sum(setup$pf * (alpha * abs(b) * setup$x_scale +
                                    (1 - alpha) / 2 * b^2 * setup$x_scale^2))
  }, numeric(1))
}

# Deviance 2 (saturated - fitted log partial likelihood) at each solution,
# on the caller's weight scale.
cox_deviance <- function(beta, x, y, weights = NULL, offset = NULL) {
  o <- if (is.null(offset)) rep(0, nrow(x)) else offset
  saturated <- cox_saturated_log_likelihood(y, weights)
  vapply(seq_len(ncol(beta)), function(k) {
    2 * (saturated - cox_log_likelihood(o + as.vector(x %*% beta[, k]), y, weights))
  }, numeric(1))
}

# Simulated survival data: exponential event times with a few true effects,
# independent censoring; `ties` rounds the times so that many coincide;
# `counting` splits each subject's time at a random point into two
# (start, stop] rows; `n_strata` > 1 adds strata with their own baseline.
# Returns list(x, y) with y a survival::Surv object.
simulate_cox <- function(n, p, seed, n_effects = 5, ties = FALSE, counting = FALSE, n_strata = 1) {
  set.seed(seed)
  x <- matrix(rnorm(n * p), n, p)
  effects <- seq_len(min(n_effects, p))
  eta <- as.vector(x[, effects, drop = FALSE] %*% rep(c(0.5, -0.5), length.out = length(effects)))
  strata <- sample(seq_len(n_strata), n, replace = TRUE)
  event_time <- stats::rexp(n, exp(eta) * strata)
  censor_time <- stats::rexp(n, 0.3)
  time <- pmin(event_time, censor_time)
  status <- as.numeric(event_time <= censor_time)
  if (ties) time <- ceiling(time * 10) / 10
  if (!counting) {
    y <- survival::Surv(time, status)
  } else {
    # Each subject's follow-up split at a random point: same covariates, two rows.
    split <- time * stats::runif(n, 0.2, 0.8)
    if (ties) split <- pmax(floor(split * 10) / 10, 0)
    keep <- split > 0 & split < time
    rows <- c(seq_len(n), which(keep))
    start <- c(ifelse(keep, split, 0), rep(0, sum(keep)))
    stop <- c(time, split[keep])
    event <- c(status, rep(0, sum(keep)))
    x <- x[rows, , drop = FALSE]
    strata <- strata[rows]
    y <- survival::Surv(start, stop, event)
  }
  if (n_strata > 1) y <- stratifySurv(y, strata)
  list(x = x, y = y)
}
