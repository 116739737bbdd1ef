#' Cross-validation for glmsparse
#'
#' K-fold cross-validation of a glmsparse path, with glmnet's `cv.glmnet()`
#' arguments and result. The folds are fitted in parallel by the C++ core,
#' one fold per thread, all reading the same `x` (a fold leaves its held-out
#' observations out through zero weights, so `x` is never copied); the
#' results are identical whatever the number of threads.
#'
#' Every family of [glmsparse()] is supported. The measures are glmnet's:
#' for the Cox family the deviance of a fold is, as in glmnet, the partial
#' likelihood deviance of its coefficients on all the data less that on its
#' training data (`grouped = TRUE`), and `"C"` is Harrell's concordance index
#' of the held-out linear predictors, computed per fold (strata are ignored,
#' as glmnet does). Unlike glmnet, an `offset` is part of the Cox linear
#' predictors that the concordance ranks and that `fit.preval` holds.
#'
#' @inheritParams glmsparse
#' @param type.measure The loss to cross-validate, as glmnet's: `"default"`
#'   (the first of each family's list), `"mse"`, `"deviance"`, `"mae"`,
#'   `"class"` (misclassification), `"auc"` or `"C"`. Gaussian and mgaussian:
#'   `"mse"`, `"deviance"` (the same), `"mae"`; binomial: `"deviance"`,
#'   `"class"`, `"auc"`, `"mse"`, `"mae"`; poisson: `"deviance"`, `"mse"`,
#'   `"mae"`; multinomial: `"deviance"`, `"class"`, `"mse"`, `"mae"`; cox:
#'   `"deviance"`, `"C"`.
#' @param nfolds Number of folds, at least 3 (10 by default); ignored when
#'   `foldid` is given.
#' @param foldid Optional vector of fold numbers 1, ..., nfolds, one per
#'   observation.
#' @param alignment `"lambda"`: every fold is fitted at the lambdas of the
#'   fit on all the data. `"fraction"`: each fold is fitted on its own
#'   default grid and its k-th solution stands for the k-th lambda of the
#'   fit on all the data (not available with a given `lambda`).
#' @param grouped As in glmnet: `TRUE` computes the measure and its standard
#'   error from the per-fold averages; `FALSE` from the values per
#'   observation (`"auc"`, `"C"` and the Cox deviance are always per fold).
#' @param keep If `TRUE`, the result also holds the pre-validated fits
#'   `fit.preval` (linear predictors of each observation from the fold that
#'   held it out: n x nlambda, or n x classes x nlambda for the
#'   multi-response families) and `foldid`. Without it no such matrix is
#'   made: with per-fold measures each fold's worker takes the measure
#'   itself.
#' @param relax If `TRUE`, cross-validate the relaxed lasso too (see
#'   `relax` in [glmsparse()]): every fold is also refitted without penalty
#'   on each active set, and the measure is computed for each blend `gamma`.
#'   The result then has class `"cv.gsrelaxed"` first and a component
#'   `relaxed` with `statlist` (the statistics per gamma), `gamma`,
#'   `lambda.min`, `lambda.1se`, `gamma.min`, `gamma.1se`, `nzero.min`,
#'   `nzero.1se` and `index`, as glmnet's; see [predict.cv.gsrelaxed()].
#' @param gamma With `relax = TRUE`, the blends to cross-validate, values in
#'   \[0, 1\] (0 is the fully relaxed fit, 1 the penalized one).
#' @param stratified If `TRUE` and `foldid` is not given, binomial and
#'   multinomial folds are drawn so that each class is spread evenly across
#'   the folds.
#' @param trace.it If 1, a progress bar over the folds.
#' @param nthreads Number of threads for the folds (and for the fit on all
#'   the data); by default, RcppParallel's default (all cores unless set by
#'   `RcppParallel::setThreadOptions()`).
#' @param ... Further arguments of [glmsparse()], such as `alpha`; glmnet's
#'   `parallel` is accepted and has no effect (the folds always run on
#'   `nthreads` threads). Any other argument is an error.
#' @return An object of class `"cv.glmsparse"` with glmnet's fields: `lambda`,
#'   `cvm`, `cvsd`, `cvup`, `cvlo`, `nzero`, `name`, `glmsparse.fit`,
#'   `lambda.min`, `lambda.1se`, `index`, `call`, and `fit.preval` and
#'   `foldid` when `keep = TRUE`.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' cv <- cv.glmsparse(diabetes$x, diabetes$y, nfolds = 5)
#' cv
#' coef(cv, s = "lambda.min")
#' plot(cv)
#' @export
cv.glmsparse <- function(x, y, family = "gaussian", weights = NULL, offset = NULL,
                         lambda = NULL,
                         type.measure = c("default", "mse", "deviance", "class", "auc", "mae", "C"),
                         nfolds = 10, foldid = NULL, alignment = c("lambda", "fraction"),
                         grouped = TRUE, keep = FALSE, relax = FALSE,
                         gamma = c(0, 0.25, 0.5, 0.75, 1), stratified = FALSE, trace.it = 0,
                         nthreads = NULL, ...) {
  this.call <- match.call()
  check_required(missing(x), missing(y))
  check_dots(substitute(list(...)), c(fit_arguments(), "parallel"), "cv.glmsparse")
  family <- check_family(family)
  relax <- check_flag(relax, "relax")
  if (relax) gamma <- check_gamma_grid(gamma)
  checked <- check_cv_arguments(family, type.measure, alignment, lambda, grouped, keep,
                                stratified, trace.it, nthreads)
  list2env(checked, environment())  # the arguments, rebound to their checked values

  spec <- fit_spec(x = x, y = y, family = family, weights = weights, offset = offset,
                   lambda = lambda, relax = relax, nthreads = nthreads, ...)
  foldid <- cv_folds(spec, nfolds, foldid, stratified)
  full <- fit_from_spec(spec)
  fit <- full$fit
  fit$call <- fit_call(this.call)
  if (relax) fit$relaxed$call <- fit$call
  report_path_problems(fit, full$stop, spec$pmax, spec$dfmax)
  if (relax) report_relaxed_problems(fit)

  folds <- fit_folds(spec, list(fit), foldid, alignment, nthreads, trace.it, relax,
                     worker_measure(spec, type.measure, grouped, keep, relax, foldid))[[1]]
  name <- measure_name(type.measure, family)
  if (relax) return(relaxed_cv(spec, fit, folds, foldid, type.measure, grouped, alignment,
                               gamma, keep, this.call, name))
  cv <- cv_measure(spec, fit, folds, foldid, type.measure, grouped, alignment, keep)
  out <- c(cv$stats, list(call = this.call, name = name, glmsparse.fit = fit))
  if (keep) out <- c(out, list(fit.preval = cv$link, foldid = foldid))
  out <- c(out, optimal_lambdas(out$lambda, out$cvm, out$cvsd, type.measure))
  class(out) <- "cv.glmsparse"
  out
}

# The arguments of cross-validation shared by cv.glmsparse() and
# cva.glmsparse(), checked and coerced.
check_cv_arguments <- function(family, type.measure, alignment, lambda, grouped, keep,
                               stratified, trace.it, nthreads) {
  list(type.measure = check_type_measure(type.measure, family),
       alignment = check_alignment(alignment, lambda),
       grouped = check_flag(grouped, "grouped"),
       keep = check_flag(keep, "keep"),
       stratified = check_flag(stratified, "stratified"),
       trace.it = check_number(trace.it, "trace.it", 0),
       nthreads = check_nthreads(nthreads))
}

# The call of the fit on all the data: the call of cross-validation
# without its own arguments.
fit_call <- function(cv_call) {
  cv_call[[1]] <- quote(glmsparse)
  cv_only <- c("type.measure", "nfolds", "foldid", "alignment", "grouped", "keep", "stratified",
               "gamma")
  cv_call[!names(cv_call) %in% cv_only]
}

check_alignment <- function(alignment, lambda) {
  alignment <- check_choice(alignment, "alignment", c("lambda", "fraction"))
  if (!is.null(lambda)) {
    if (length(lambda) < 2L) {
      stop("`lambda` must have at least two values for cross-validation.", call. = FALSE)
    }
    if (alignment == "fraction") {
      warning("`alignment = \"fraction\"` needs each fold's own lambdas, so it cannot be used with a given `lambda`; `alignment = \"lambda\"` is used.", call. = FALSE)
      alignment <- "lambda"
    }
  }
  alignment
}

# The fold of every observation: `foldid` checked, or drawn.
cv_folds <- function(spec, nfolds, foldid, stratified) {
  if (!is.null(foldid)) return(check_foldid(foldid, spec$nobs))
  nfolds <- check_number(nfolds, "nfolds", 3, spec$nobs, integer = TRUE)
  classes <- NULL
  if (stratified && spec$family == "binomial") classes <- spec$y
  if (stratified && spec$family == "multinomial") classes <- max.col(spec$y, ties.method = "first")
  draw_folds(spec$nobs, nfolds, classes)
}

# The lambdas the core fitted on a default grid: the first is lambda_max,
# reported (as glmnet does) extrapolated from the next two.
fitted_lambdas <- function(lambda) {
  if (length(lambda) >= 3L) lambda[1] <- lambda[2]^2 / lambda[3]
  lambda
}

check_type_measure <- function(type.measure, family) {
  choices <- c("default", "mse", "deviance", "class", "auc", "mae", "C")
  type.measure <- check_choice(type.measure, "type.measure", choices)
  # glmnet's measures per family, its default first.
  allowed <- switch(family,
    gaussian = c("mse", "deviance", "mae"),
    binomial = c("deviance", "class", "auc", "mse", "mae"),
    poisson = c("deviance", "mse", "mae"),
    cox = c("deviance", "C"),
    multinomial = c("deviance", "class", "mse", "mae"),
    mgaussian = c("mse", "deviance", "mae"))
  if (type.measure == "default") return(allowed[1])
  if (!type.measure %in% allowed) {
    stop(sprintf("`type.measure` = \"%s\" does not suit family \"%s\"; use one of %s.",
                 type.measure, family, paste0("\"", allowed, "\"", collapse = ", ")), call. = FALSE)
  }
  type.measure
}

check_foldid <- function(foldid, nobs) {
  if (!is.numeric(foldid) || any(!is.finite(foldid)) || any(foldid != round(foldid))) {
    stop("`foldid` must be a vector of whole fold numbers.", call. = FALSE)
  }
  if (length(foldid) != nobs) {
    stop(sprintf("`foldid` has length %d but `x` has %d rows.", length(foldid), nobs), call. = FALSE)
  }
  nfolds <- max(foldid)
  if (min(foldid) < 1 || !all(seq_len(nfolds) %in% foldid)) {
    stop("`foldid` must number the folds 1, ..., nfolds, each with at least one observation.", call. = FALSE)
  }
  if (nfolds < 3) stop("`foldid` must define at least 3 folds.", call. = FALSE)
  as.integer(foldid)
}

# Folds from the session's random number generator, as glmnet draws them;
# stratified: each class's observations are dealt out across the folds in
# turn, starting where the previous class stopped.
draw_folds <- function(nobs, nfolds, classes = NULL) {
  if (is.null(classes)) return(sample(rep(seq_len(nfolds), length.out = nobs)))
  foldid <- integer(nobs)
  start <- 0L
  for (class in sort(unique(classes))) {
    members <- which(classes == class)
    members <- members[sample.int(length(members))]
    foldid[members] <- (start + seq_along(members) - 1L) %% nfolds + 1L
    start <- (start + length(members)) %% nfolds
  }
  foldid
}

# Fits every fold for every setting (a fit on all the data whose control,
# e.g. alpha, and lambdas the folds share; one setting per alpha for
# cva.glmsparse), all in one parallel pool of the core. With alignment
# "lambda" the folds are fitted at the setting's lambdas, with "fraction" on
# their own default grids. Returns, per setting, the fold fits as fit
# objects with their held-out linear predictors (`held_out_link`); with
# `relax`, relaxed fits (class "gsrelaxed"). Where the coefficients are not
# needed (see keep_paths), a fold fit is only its lambdas and held_out_link;
# with a `measure` (see worker_measure()), its lambdas and the measure at the
# setting's lambdas (`mean_loss`), taken by the fold's worker.
fit_folds <- function(spec, settings, foldid, alignment, nthreads, trace.it, relax = FALSE,
                      measure = "") {
  nfolds <- max(foldid)
  core_settings <- lapply(settings, function(setting) {
    lambda <- numeric(0)
    if (alignment == "lambda") {
      # The core's own lambdas: the reported first lambda of a default
      # grid is extrapolated and the folds must be fitted at the values used.
      lambda <- if (is.null(spec$lambda)) fitted_lambdas(setting$lambda) else setting$lambda
    }
    list(control = if (is.null(setting$control)) spec$control else setting$control, lambda = lambda,
         nlambda = as.integer(spec$nlambda), lambda_min_ratio = as.double(spec$lambda.min.ratio),
         n_measured = length(setting$lambda))
  })
  progress <- if (trace.it >= 1) fold_progress_bar(length(settings) * nfolds) else NULL
  update <- if (is.null(progress)) NULL else progress$update
  nobs <- spec$nobs
  # The fold paths' coefficients are needed by the relaxed fits' blends and
  # by the Cox deviance; otherwise only their held-out linear predictors.
  keep_paths <- relax || spec$family == "cox"
  if (spec$multi) {
    n_responses <- ncol(spec$y)
    scales <- matrix(1, nfolds, n_responses)
    if (spec$family == "mgaussian" && spec$standardize.response) {
      for (f in seq_len(nfolds)) {
        training <- foldid != f
        scales[f, ] <- response_scales(spec$y[training, , drop = FALSE], spec$weights[training])
      }
    }
    grouped <- spec$family == "mgaussian" || spec$type.multinomial == "grouped"
    raw <- fit_multi_folds_cpp(
      spec$x, spec$family, spec$y, spec$weights,
      if (is.null(spec$offset)) matrix(0, nobs, n_responses) else spec$offset, grouped, scales,
      spec$penalty.factor, spec$limits$lower, spec$limits$upper, spec$excluded, core_settings,
      foldid, as.integer(nfolds), relax, keep_paths, measure, nthreads, update)
    to_object <- function(r, f) {
      fit <- multi_path_object(r, spec$x, nobs, spec$nvars, spec$classnames,
                               is_user_lambda = alignment == "lambda", scales[f, ])
      class(fit) <- c(paste0("gs", spec$family), "glmsparse")
      fit
    }
  } else {
    raw <- fit_folds_cpp(
      spec$x, spec$family, spec$y, spec$weights,
      if (is.null(spec$offset)) rep(0, nobs) else spec$offset, spec$penalty.factor,
      spec$limits$lower, spec$limits$upper, spec$excluded, core_settings, foldid,
      as.integer(nfolds), relax, keep_paths, measure, nthreads, update)
    to_object <- function(r, f) {
      fit <- path_object(r, spec$x, nobs, spec$nvars, is_user_lambda = alignment == "lambda")
      class(fit) <- c(paste0("gs", spec$family), "glmsparse")
      fit
    }
  }
  if (!is.null(progress)) progress$finish()
  n_held_out <- tabulate(foldid, nfolds)
  # The held-out linear predictors as rows x n_lambda, or rows x K x n_lambda.
  shape_link <- function(link, f) {
    if (spec$multi) dim(link) <- c(n_held_out[f], ncol(spec$y), length(link) / (n_held_out[f] * ncol(spec$y)))
    link
  }
  to_fit <- function(r, f) {
    if (!is.null(r$mean_loss)) return(list(lambda = r$path$lambda, mean_loss = r$mean_loss))
    if (!keep_paths) return(list(lambda = r$path$lambda, held_out_link = shape_link(r$link, f)))
    fit <- to_object(r$path, f)
    fit$held_out_link <- shape_link(r$link, f)
    if (!relax) return(fit)
    relaxed <- to_object(r$relaxed, f)
    relaxed$held_out_link <- shape_link(r$relaxed_link, f)
    fit <- relaxed_object(fit, relaxed, match(r$relaxed$lambda, r$path$lambda))
    fit$relaxed$held_out_link <- relaxed$held_out_link
    fit
  }
  lapply(seq_along(settings), function(s) {
    lapply(seq_len(nfolds), function(f) to_fit(raw[[(s - 1L) * nfolds + f]], f))
  })
}

# The columns of a fold's path that stand for the fit's n_lambda lambdas:
# the same index (the lambdas are the fit's, or with alignment "fraction"
# the same fraction of the fold's own path); a path that stopped early
# repeats its last solution, as glmnet's.
fold_columns <- function(fold_fit, n_lambda) pmin(seq_len(n_lambda), length(fold_fit$lambda))

# Linear predictors (offset included) of a fold's held-out observations
# `rows` at the fit's n_lambda lambdas: rows x n_lambda, or rows x K x
# n_lambda for the multi-response families. The core computed them for each
# solution of the fold's path (`held_out_link`, without offset).
fold_link <- function(fold_fit, spec, rows, n_lambda) {
  columns <- fold_columns(fold_fit, n_lambda)
  n_solutions <- dim(fold_fit$held_out_link)[if (spec$multi) 3L else 2L]
  if (identical(columns, seq_len(n_solutions)) && is.null(spec$offset)) {
    return(fold_fit$held_out_link)  # no copy
  }
  if (!spec$multi) {
    link <- fold_fit$held_out_link[, columns, drop = FALSE]
    if (!is.null(spec$offset)) link <- link + spec$offset[rows]
    return(link)
  }
  link <- fold_fit$held_out_link[, , columns, drop = FALSE]
  if (!is.null(spec$offset)) link <- link + as.vector(spec$offset[rows, , drop = FALSE])
  link
}

# The cross-validated measure of one setting: its statistics and, with
# `keep`, the held-out linear predictors (n x n_lambda, or n x K x
# n_lambda). The measure is taken fold by fold on that fold's held-out rows,
# so no n x n_lambda matrix is made unless it is kept or the measure is
# summarised per observation (grouped = FALSE).
cv_measure <- function(spec, fit, folds, foldid, type.measure, grouped, alignment, keep = FALSE) {
  n_lambda <- length(fit$lambda)
  rows <- split(seq_len(spec$nobs), factor(foldid, levels = seq_len(max(foldid))))
  held_out_link <- function(f) fold_link(folds[[f]], spec, rows[[f]], n_lambda)
  cv_raw <- if (!is.null(folds[[1]]$mean_loss)) {
    # Taken by the fold workers (see worker_measure()).
    list(values = do.call(rbind, lapply(folds, `[[`, "mean_loss")),
         weights = fold_sums(spec$weights, rows),
         by_fold = TRUE)
  } else if (spec$family == "cox") {
    cox_raw_measure(held_out_link, rows, spec, folds, type.measure, grouped, n_lambda)
  } else {
    cv_raw_measure(held_out_link, rows, spec, type.measure, grouped, n_lambda)
  }
  out <- list(stats = cv_statistics(cv_raw, fit$lambda, cv_nzero(fit)))
  if (keep) out$link <- assemble_link(held_out_link, rows, spec, n_lambda)
  out
}

# The measure that the fold workers can take themselves, sparing the n x
# n_lambda held-out linear predictors: a per-fold (grouped) measure of
# held_out_losses_cpp (not cox, not auc), when the linear predictors are not
# kept and there are no relaxed fits to blend; else "".
worker_measure <- function(spec, type.measure, grouped, keep, relax, foldid) {
  per_fold <- grouped && spec$nobs / max(foldid) >= 3
  if (keep || relax || !per_fold || spec$family == "cox" || type.measure == "auc") return("")
  type.measure
}

# Every fold's held-out linear predictors in one n x n_lambda matrix (or n x
# K x n_lambda array).
assemble_link <- function(held_out_link, rows, spec, n_lambda) {
  if (spec$multi) {
    link <- array(NA_real_, c(spec$nobs, ncol(spec$y), n_lambda))
    for (f in seq_along(rows)) link[rows[[f]], , ] <- held_out_link(f)
  } else {
    link <- matrix(NA_real_, spec$nobs, n_lambda)
    for (f in seq_along(rows)) link[rows[[f]], ] <- held_out_link(f)
  }
  link
}

# Nonzero coefficients per lambda as glmnet counts them for CV: variables,
# or for ungrouped multinomial the median over classes, rounded up.
cv_nzero <- function(fit) {
  if (inherits(fit, "gsmultinomial") && !isTRUE(fit$grouped)) {
    return(ceiling(apply(fit$dfmat, 2, stats::median)))
  }
  fit$df
}

# The Cox measures, per fold. Deviance (grouped, glmnet's definition): each
# fold's coefficients are scored by the partial-likelihood deviance on all
# the data less that on the fold's training data, per unit of event weight
# held out; ungrouped, by the deviance on the held-out fold alone. "C":
# Harrell's concordance of the held-out linear predictors.
cox_raw_measure <- function(held_out_link, rows, spec, folds, type.measure, grouped, n_lambda) {
  nfolds <- length(rows)
  y <- spec$y
  weights <- spec$weights
  status <- y[, ncol(y)]
  values <- matrix(NA_real_, nfolds, n_lambda)
  if (type.measure == "C") {
    for (f in seq_len(nfolds)) {
      held_out <- rows[[f]]
      values[f, ] <- concordance_cpp(subset_survival(y, held_out), weights[held_out],
                                     held_out_link(f))
    }
    return(list(values = values, weights = fold_sums(weights, rows), by_fold = TRUE))
  }
  if (!grouped && spec$nobs / nfolds < 10) {
    warning("Fewer than 10 observations per fold: `grouped = TRUE` is used for the Cox deviance.", call. = FALSE)
    grouped <- TRUE
  }
  # Deviance 2 m L of the m observations of survival data `y_rows`, with L
  # the core's loss (weights normalised to sum to 1), as glmnet's deviance
  # with its weights scaled to sum to m.
  deviance <- function(y_rows, w, eta) 2 * length(w) * cox_loss_cpp(y_rows, w, eta)
  for (f in seq_len(nfolds)) {
    held_out <- rows[[f]]
    if (grouped) {
      fold_fit <- folds[[f]]
      columns <- fold_columns(fold_fit, n_lambda)
      eta <- as.matrix(spec$x %*% fold_fit$beta[, columns, drop = FALSE])
      if (!is.null(spec$offset)) eta <- eta + spec$offset
      training <- -held_out
      values[f, ] <- deviance(y, weights, eta) -
        deviance(subset_survival(y, training), weights[training], eta[training, , drop = FALSE])
    } else {
      values[f, ] <- deviance(subset_survival(y, held_out), weights[held_out], held_out_link(f))
    }
    values[f, ] <- values[f, ] / sum(weights[held_out] * status[held_out])
  }
  list(values = values, weights = fold_sums(weights * status, rows), by_fold = TRUE)
}

# The sum of v over each fold's rows (`rows`: a list of row indices per fold).
fold_sums <- function(v, rows) vapply(rows, function(r) sum(v[r]), numeric(1), USE.NAMES = FALSE)

# The rows of a survival matrix, with its strata.
subset_survival <- function(y, rows) {
  out <- y[rows, , drop = FALSE]
  strata <- attr(y, "strata")
  if (!is.null(strata)) attr(out, "strata") <- strata[rows]
  out
}

# The measure per fold (or, with grouped = FALSE, per observation) as glmnet
# defines it, with the weights it is averaged with.
cv_raw_measure <- function(held_out_link, rows, spec, type.measure, grouped, n_lambda) {
  nfolds <- length(rows)
  y <- spec$y
  weights <- spec$weights
  fold_total <- fold_sums(weights, rows)
  if (spec$nobs / nfolds < 3 && grouped) {
    warning("Fewer than 3 observations per fold: `grouped = FALSE` is used.", call. = FALSE)
    grouped <- FALSE
  }
  by_fold <- grouped || (spec$family == "binomial" && type.measure == "auc")
  values <- matrix(NA_real_, if (by_fold) nfolds else spec$nobs, n_lambda)
  for (f in seq_len(nfolds)) {
    held_out <- rows[[f]]
    y_rows <- if (is.matrix(y)) y[held_out, , drop = FALSE] else y[held_out]
    link <- held_out_link(f)
    if (spec$family == "binomial" && type.measure == "auc") {
      values[f, ] <- apply(stats::plogis(link), 2, weighted_auc, y = y_rows,
                           weights = weights[held_out])
      next
    }
    if (grouped) {
      values[f, ] <- held_out_losses_cpp(spec$family, type.measure, y_rows, link, weights[held_out])
    } else {
      values[held_out, ] <- held_out_losses_cpp(spec$family, type.measure, y_rows, link, NULL)
    }
  }
  list(values = values, weights = if (by_fold) fold_total else weights, by_fold = by_fold)
}

# Weighted area under the ROC curve: the weighted share of (event, non-event)
# pairs ranked correctly, ties counting one half.
weighted_auc <- function(probability, y, weights) {
  event_weight <- weights * y
  other_weight <- weights * (1 - y)
  if (sum(event_weight) <= 0 || sum(other_weight) <= 0) return(NA_real_)
  order_index <- order(probability)
  probability <- probability[order_index]
  event_weight <- event_weight[order_index]
  other_weight <- other_weight[order_index]
  # Per distinct value: the non-event weight strictly below it and at it.
  groups <- match(probability, unique(probability))
  other_at <- as.vector(tapply(other_weight, groups, sum))
  event_at <- as.vector(tapply(event_weight, groups, sum))
  other_below <- cumsum(other_at) - other_at
  sum(event_at * (other_below + 0.5 * other_at)) / (sum(event_weight) * sum(other_weight))
}

# glmnet's summary of the cross-validated measure: the weighted mean over
# folds (or observations) and its standard error.
cv_statistics <- function(cv_raw, lambda, nzero) {
  values <- cv_raw$values
  weights <- cv_raw$weights
  count <- colSums(!is.na(values))
  cvm <- apply(values, 2, stats::weighted.mean, w = weights, na.rm = TRUE)
  spread <- apply(sweep(values, 2, cvm)^2, 2, stats::weighted.mean, w = weights, na.rm = TRUE)
  cvsd <- sqrt(spread / (count - 1))
  keep <- !is.na(cvsd)
  if (!any(keep)) {
    stop("The cross-validated measure could not be computed at any lambda: it needs at least two folds where it is defined (for `type.measure = \"auc\"` folds with both classes, for \"C\" folds with comparable pairs of times). Choose another `foldid` or `type.measure`.", call. = FALSE)
  }
  list(lambda = lambda[keep], cvm = cvm[keep], cvsd = cvsd[keep], cvup = cvm[keep] + cvsd[keep],
       cvlo = cvm[keep] - cvsd[keep], nzero = stats::setNames(nzero[keep], paste0("s", which(keep) - 1L)))
}

# lambda.min: the largest lambda with the best measure; lambda.1se: the
# largest lambda whose measure is within one standard error of it.
optimal_lambdas <- function(lambda, cvm, cvsd, type.measure) {
  if (type.measure %in% c("auc", "C")) cvm <- -cvm
  best <- min(cvm, na.rm = TRUE)
  lambda.min <- max(lambda[cvm <= best], na.rm = TRUE)
  index_min <- match(lambda.min, lambda)
  lambda.1se <- max(lambda[cvm <= (cvm + cvsd)[index_min]], na.rm = TRUE)
  index_1se <- match(lambda.1se, lambda)
  list(lambda.min = lambda.min, lambda.1se = lambda.1se,
       index = matrix(c(index_min, index_1se), 2, 1, dimnames = list(c("min", "1se"), "Lambda")))
}

measure_name <- function(type.measure, family) {
  name <- switch(type.measure,
    mse = "Mean-Squared Error",
    mae = "Mean Absolute Error",
    class = "Misclassification Error",
    auc = "AUC",
    C = "C-index",
    deviance = switch(family, gaussian = "Mean-Squared Error", mgaussian = "Mean-Squared Error",
                      binomial = "Binomial Deviance", poisson = "Poisson Deviance",
                      cox = "Partial Likelihood Deviance", multinomial = "Multinomial Deviance"))
  stats::setNames(name, type.measure)
}

# A text progress bar over the folds; the core calls update() from the main thread.
fold_progress_bar <- function(nfolds) {
  bar <- utils::txtProgressBar(min = 0, max = nfolds, style = 3)
  list(update = function(done, total) utils::setTxtProgressBar(bar, done),
       finish = function() close(bar))
}

#' @method print cv.glmsparse
#' @export
print.cv.glmsparse <- function(x, digits = max(3, getOption("digits") - 3), ...) {
  cat("\nCall: ", deparse(x$call), "\n\n")
  cat("Measure:", x$name, "\n\n")
  rows <- x$index[, 1]
  table <- data.frame(Lambda = x$lambda[rows], Index = rows, Measure = x$cvm[rows],
                      SE = x$cvsd[rows], Nonzero = x$nzero[rows], row.names = c("min", "1se"))
  print(table, digits = digits)
  invisible(x)
}

#' Coefficients and predictions from a cross-validated glmsparse fit
#'
#' @param object A `cv.glmsparse` object.
#' @param newx Matrix of new observations, as for [predict.glmsparse()].
#' @param s `"lambda.1se"` (the default), `"lambda.min"` or lambda values.
#' @param ... Passed to [predict.glmsparse()] (for example `newx`, `type`).
#' @return As for [predict.glmsparse()], at the chosen lambda.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' cv <- cv.glmsparse(diabetes$x, diabetes$y, nfolds = 5)
#' predict(cv, newx = diabetes$x[1:3, ], s = "lambda.min")
#' @export
predict.cv.glmsparse <- function(object, newx, s = c("lambda.1se", "lambda.min"), ...) {
  stats::predict(object$glmsparse.fit, newx, s = cv_lambda(object, s), ...)
}

#' @rdname predict.cv.glmsparse
#' @export
coef.cv.glmsparse <- function(object, s = c("lambda.1se", "lambda.min"), ...) {
  stats::coef(object$glmsparse.fit, s = cv_lambda(object, s), ...)
}

cv_lambda <- function(object, s) {
  if (is.numeric(s)) return(s)
  if (!is.character(s)) stop("`s` must be \"lambda.1se\", \"lambda.min\" or numeric lambda values.", call. = FALSE)
  s <- check_choice(s, "s", c("lambda.1se", "lambda.min"))
  object[[s]]
}

#' Plot the cross-validation curve
#'
#' The cross-validated measure against log(lambda), with error bars of one
#' standard error, dotted vertical lines at `lambda.min` and `lambda.1se`,
#' and the number of nonzero coefficients along the top.
#'
#' @param x A `cv.glmsparse` object.
#' @param sign.lambda Plot against `sign.lambda * log(lambda)`; -1 reverses the axis.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @examples
#' data(diabetes)
#' set.seed(1)
#' plot(cv.glmsparse(diabetes$x, diabetes$y, nfolds = 5))
#' @export
plot.cv.glmsparse <- function(x, sign.lambda = 1, ...) {
  sign.lambda <- check_number(sign.lambda, "sign.lambda", -1, 1)
  if (abs(sign.lambda) != 1) stop(sprintf("`sign.lambda` must be 1 or -1; got %s.", format(sign.lambda)), call. = FALSE)
  position <- sign.lambda * log(x$lambda)
  xlab <- if (sign.lambda < 0) "-Log(Lambda)" else "Log(Lambda)"
  graphics::plot(position, x$cvm, ylim = range(x$cvup, x$cvlo), type = "n", xlab = xlab,
                 ylab = x$name, ...)
  graphics::segments(position, x$cvlo, position, x$cvup, col = "darkgrey")
  graphics::points(position, x$cvm, pch = 20, col = "red")
  graphics::axis(side = 3, at = position, labels = paste(x$nzero), tick = FALSE, line = 0)
  graphics::abline(v = sign.lambda * log(c(x$lambda.min, x$lambda.1se)), lty = 3)
  invisible(x)
}
