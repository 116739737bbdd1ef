#' Fit a lasso or elastic-net regularization path
#'
#' Fits a penalized linear model over a grid of values of the regularization
#' parameter lambda, with the arguments, defaults and result of
#' `glmnet::glmnet()`. For `family = "gaussian"` the objective at each lambda is
#' \deqn{\frac{1}{2 \sum_i w_i} \sum_i w_i (y_i - o_i - \beta_0 - x_i^\top \beta)^2 +
#'   \lambda \sum_j f_j \left( \alpha |\beta_j| s_j + \frac{1 - \alpha}{2} \frac{\beta_j^2 s_j^2}{s_y} \right),}
#' where \eqn{f_j} are the penalty factors (rescaled to sum to the number of
#' variables), \eqn{s_j} the weighted standard deviations of the columns of `x`
#' when `standardize = TRUE` (else 1) and \eqn{s_y} the weighted standard
#' deviation (divisor \eqn{\sum_i w_i}) of the response. The division of the
#' ridge term by \eqn{s_y} is glmnet's convention (it standardizes `y`
#' internally) and is kept so that results agree with glmnet.
#'
#' For `family = "binomial"` and `"poisson"` the first term is replaced by
#' minus the log-likelihood divided by \eqn{\sum_i w_i},
#' \deqn{-\frac{1}{\sum_i w_i} \sum_i w_i \left(y_i \eta_i - b(\eta_i)\right),
#'   \quad \eta_i = o_i + \beta_0 + x_i^\top \beta,}
#' with \eqn{b(\eta) = \log(1 + e^\eta)} (binomial, logit link) or
#' \eqn{e^\eta} (poisson, log link), and the ridge term is not divided by
#' \eqn{s_y}. These are solved by proximal Newton steps: at each step the
#' loss is replaced by its weighted least-squares (IRLS) approximation, which
#' the same coordinate descent minimises together with the penalty, and a
#' backtracking line search on the true objective keeps every step a descent.
#'
#' The multi-response families have one coefficient vector per class
#' (`"multinomial"`) or response (`"mgaussian"`), \eqn{B = (\beta_{jk})}. For
#' `"multinomial"` the loss is minus the weighted mean multinomial
#' log-likelihood, \eqn{\frac{1}{\sum_i w_i} \sum_i w_i (\log \sum_k e^{\eta_{ik}} -
#' \sum_k y_{ik} \eta_{ik})}; for `"mgaussian"` it is
#' \eqn{\frac{1}{2 \sum_i w_i} \sum_i w_i \|y_i - \eta_i\|^2} (the ridge term is
#' not divided by a scale of `y`). With `type.multinomial = "ungrouped"`
#' every coefficient has its own elastic-net penalty; with `"grouped"` (and
#' always for `"mgaussian"`) the penalty is
#' \eqn{\lambda \sum_j f_j (\alpha s_j \|\beta_{j\cdot}\|_2 + \frac{1 - \alpha}{2} s_j^2
#' \|\beta_{j\cdot}\|_2^2)}, which selects a variable for all classes or none. The
#' proximal Newton model treats the classes separately: one weighted
#' least-squares problem per class, solved by coordinate descent (ungrouped)
#' or by block updates of each variable's coefficients across classes
#' (grouped). The multinomial loss does not change when the same constant is
#' added to a variable's coefficients in every class, so after each step
#' those coefficients are shifted to the point of least penalty, as glmnet
#' does; the intercepts are reported summing to zero. With
#' `standardize.response = TRUE` each response of an `"mgaussian"` fit is
#' divided by its weighted standard deviation for the fit and the
#' coefficients are scaled back.
#'
#' For `family = "cox"` (proportional hazards) the first term is minus the
#' weighted log partial likelihood divided by \eqn{\sum_i w_i},
#' \deqn{-\frac{1}{\sum_i w_i} \sum_t \left( \sum_{i \in E_t} w_i \eta_i -
#'   d_t \log \sum_{j \in R_t} w_j e^{\eta_j} \right),
#'   \quad \eta_i = o_i + x_i^\top \beta,}
#' summed over the distinct event times \eqn{t}, with \eqn{E_t} the
#' observations with an event at \eqn{t}, \eqn{d_t = \sum_{i \in E_t} w_i}
#' and \eqn{R_t} the risk set: the observations with time \eqn{\ge t}, or for
#' counting-process data those with start \eqn{< t \le} stop. Tied event
#' times share one risk set (Breslow's method, as glmnet). With strata
#' (see [stratifySurv()]) risk sets are formed within each stratum and the
#' strata's terms are summed. There is no intercept (`intercept` is ignored)
#' and the ridge term is not divided by \eqn{s_y}. The deviance is
#' \eqn{2 (\ell_{sat} - \ell)} with \eqn{\ell} the weighted log partial
#' likelihood and \eqn{\ell_{sat} = -\sum_t d_t \log d_t}, as glmnet's
#' `coxnet.deviance()`. The quadratic model of each proximal Newton step uses
#' the diagonal of the Hessian, as glmnet does; the steps then converge
#' linearly and are repeated until the objective still to be gained,
#' extrapolated from the last steps, is below the tolerance.
#'
#' `x` is read in place: a dense matrix is not copied (unless it is stored as
#' integers) and a `dgCMatrix` is never densified; centring and scaling are
#' folded into the arithmetic. Columns that are constant get coefficient 0.
#'
#' The solver is coordinate descent with warm starts along the path,
#' sequential strong rules with a check of the Karush-Kuhn-Tucker conditions
#' on the discarded variables, and active-set cycling. Covariance (Gram)
#' updates are used for tall dense designs and naive updates otherwise.
#' Where coordinate descent converges slowly (nearly collinear active
#' variables, typical deep in a p > n path), the objective restricted to the
#' current nonzero coefficients and their signs is minimised exactly by a
#' Cholesky solve kept up to date along the path; coordinate descent then
#' confirms the result, so the solution is the same, only reached sooner.
#'
#' @param x Input matrix, observations in rows: a numeric matrix or a
#'   `Matrix::dgCMatrix` (other sparse matrices are converted).
#' @param y Response. For `family = "gaussian"` a numeric vector. For
#'   `"binomial"` a factor with two levels (the second is the event), a vector
#'   with two distinct values (made a factor) or a two-column matrix of counts
#'   (failures, successes) or proportions, whose row totals then multiply the
#'   weights. For `"poisson"` a vector of non-negative whole-number counts.
#'   For `"multinomial"` a factor (or a vector, made a factor) with at least
#'   two classes, every one observed, or a matrix with a column per class of
#'   indicators, counts or proportions, whose row totals then multiply the
#'   weights. For `"mgaussian"` a numeric matrix with a column per response.
#'   For `"cox"` a `survival::Surv` object of type `"right"` (time, status)
#'   or `"counting"` (start, stop, status), times positive, status 0
#'   (censored) or 1 (event), possibly with strata attached by
#'   [stratifySurv()] (or `glmnet::stratifySurv()`).
#' @param family Response type: `"gaussian"`, `"binomial"`, `"poisson"`,
#'   `"multinomial"`, `"mgaussian"` or `"cox"`.
#' @param weights Non-negative observation weights, default 1 each.
#' @param offset Optional vector added to the linear predictor; for
#'   `"multinomial"` and `"mgaussian"` a matrix with a column per class or
#'   response.
#' @param alpha Elastic-net mixing parameter in \[0, 1\]: 1 is the lasso, 0 ridge.
#' @param nlambda Number of lambda values in the default grid.
#' @param lambda.min.ratio Smallest lambda of the default grid as a fraction of
#'   the largest (the smallest lambda at which all penalized coefficients are
#'   zero); default 1e-4 when `nobs > nvars`, else 1e-2.
#' @param lambda Optional user-supplied lambda values. Every value is fitted
#'   and returned, in decreasing order.
#' @param standardize Whether to standardize the columns of `x` for the fit.
#'   Coefficients are always returned on the original scale.
#' @param intercept Whether to fit an intercept (ignored, and `FALSE`, for
#'   `"cox"`).
#' @param thresh Convergence threshold for coordinate descent. A lambda is
#'   solved when a pass changes no coefficient by more than glmnet's
#'   criterion (largest weighted squared change below `thresh` times the null
#'   deviance), applied with an extra factor of 0.1, and the objective still
#'   to be gained, extrapolated from the last passes, is below `thresh` times
#'   the objective. The default solutions are therefore more accurate than
#'   glmnet's, notably on ill-conditioned problems with p > n.
#' @param dfmax Stop the path once the number of nonzero coefficients exceeds
#'   `dfmax`.
#' @param pmax Maximum number of variables ever nonzero; the path stops before
#'   the lambda at which it is exceeded.
#' @param exclude Indices of variables to exclude (their coefficients stay 0).
#' @param penalty.factor Non-negative penalty multipliers per variable, 0 for
#'   no penalty. Rescaled internally to sum to the number of variables.
#' @param lower.limits,upper.limits Bounds on each coefficient (length 1 or
#'   `ncol(x)`); `lower.limits <= 0 <= upper.limits`.
#' @param maxit Maximum number of passes over the data for each lambda.
#' @param type.multinomial For `family = "multinomial"`: `"ungrouped"` (each
#'   class has its own sparse coefficients) or `"grouped"` (a variable enters
#'   for all classes at once).
#' @param standardize.response For `family = "mgaussian"`: whether to fit each
#'   response on the scale of its standard deviation.
#' @param relax If `TRUE`, also fit the relaxed lasso, as `glmnet(relax =
#'   TRUE)`: for each lambda, the model refitted without penalty (lambda = 0,
#'   same family, weights, offset, limits, intercept and standardization) on
#'   the variables nonzero at that lambda (in any class, for the
#'   multi-response families). Each distinct set of variables is refitted
#'   once; sets of more than `nobs - 3` variables are not refitted and their
#'   lambdas are left out of the relaxed fit. The result then has classes
#'   `"gsrelaxed"` and `"relaxed"` first and a component `relaxed`, a fit of
#'   the same kind with the refitted coefficients; see [predict.gsrelaxed()]
#'   for predictions that
#'   blend the two with `gamma`. A refit that does not converge (for example
#'   when the classes are separable and the maximum likelihood estimate does
#'   not exist) gives a warning and the status "not converged".
#' @param trace.it If 1, show a progress bar over the lambdas (and one over
#'   the refits of `relax = TRUE`).
#' @param nthreads Number of threads for the parts of the fit that run in
#'   parallel: the covariance matrix used for tall dense `x`, the
#'   gradients that screen variables in and out at each lambda and, for
#'   the families fitted by Newton steps on a dense `x` of 8192 rows or
#'   more, each coordinate update (two threads, each on half of the rows).
#'   The default, `NULL`, uses [RcppParallel::defaultNumThreads()], which
#'   follows [RcppParallel::setThreadOptions()]. The result does not depend
#'   on the number of threads, bit for bit.
#' @param ... glmnet's `type.gaussian` and `type.logistic` are accepted and
#'   have no effect (the algorithm is chosen automatically); any other
#'   argument is an error.
#'
#' @return An object of class `c("gsgaussian", "glmsparse")` (or
#'   `"gsbinomial"`, `"gspoisson"`, `"gsmultinomial"`, `"gsmgaussian"`,
#'   `"gscox"` first, by family) with glmnet's fields: `a0` (intercepts),
#'   `beta` (a `dgCMatrix`, one column per lambda), `df`, `dim`, `lambda`,
#'   `dev.ratio`, `nulldev`, `npasses`, `jerr`, `offset`, `call` and `nobs`;
#'   plus `status`, a factor giving for each lambda whether coordinate
#'   descent converged (`"converged"`, `"not converged"` within `maxit`, or
#'   `"overflow"` when the arithmetic exceeded the largest double; both of
#'   the latter give a warning naming the lambdas). Binomial and multinomial fits also carry
#'   `classnames`. For the multi-response families `beta` is a list with a
#'   `dgCMatrix` per class or response, `a0` a matrix with a row per class,
#'   `dfmat` the number of nonzero coefficients per class, and `df` the
#'   number of variables nonzero in any class; multinomial fits carry
#'   `grouped`. Cox fits have `a0 = NULL` (no intercept), as glmnet's; their
#'   `coef()` has no intercept row. With `relax = TRUE`, classes
#'   `"gsrelaxed"` and `"relaxed"` come first and the component `relaxed`
#'   holds the relaxed fit.
#' @seealso [predict.glmsparse()], [plot.glmsparse()], [print.glmsparse()],
#'   [predict.gsrelaxed()]
#' @examples
#' data(diabetes)
#' fit <- glmsparse(diabetes$x2, diabetes$y)
#' print(fit)
#' coef(fit, s = 1)
#'
#' # Logistic regression: is disease progression above the median?
#' above <- factor(diabetes$y > median(diabetes$y), labels = c("low", "high"))
#' logistic <- glmsparse(diabetes$x, above, family = "binomial")
#' predict(logistic, newx = diabetes$x[1:3, ], s = 0.01, type = "class")
#'
#' # Three classes of progression, with a grouped penalty.
#' tertile <- cut(diabetes$y, quantile(diabetes$y, 0:3 / 3), include.lowest = TRUE,
#'                labels = c("slow", "medium", "fast"))
#' multinomial <- glmsparse(diabetes$x, tertile, family = "multinomial",
#'                          type.multinomial = "grouped")
#' predict(multinomial, newx = diabetes$x[1:3, ], s = 0.01, type = "class")
#'
#' # The relaxed lasso: least squares on each lambda's selection, blended
#' # with the lasso by gamma.
#' relaxed <- glmsparse(diabetes$x, diabetes$y, relax = TRUE)
#' coef(relaxed, s = 5, gamma = 0)
#'
#' # Cox regression on simulated survival times.
#' if (requireNamespace("survival", quietly = TRUE)) {
#'   set.seed(2)
#'   x <- matrix(rnorm(300 * 10), 300, 10)
#'   event_time <- rexp(300, exp(x[, 1] - x[, 2]))
#'   censoring_time <- rexp(300, 0.5)
#'   y <- survival::Surv(pmin(event_time, censoring_time), as.numeric(event_time <= censoring_time))
#'   cox <- glmsparse(x, y, family = "cox")
#'   coef(cox, s = 0.05)
#'   predict(cox, newx = x[1:3, ], s = 0.05, type = "response")  # relative risks
#' }
#' @export
glmsparse <- function(x, y, family = "gaussian", weights = NULL, offset = NULL,
                      alpha = 1, nlambda = 100,
                      lambda.min.ratio = ifelse(nobs < nvars, 1e-2, 1e-4),
                      lambda = NULL, standardize = TRUE, intercept = TRUE,
                      thresh = 1e-7, dfmax = nvars + 1,
                      pmax = min(dfmax * 2 + 20, nvars), exclude = NULL,
                      penalty.factor = rep(1, nvars), lower.limits = -Inf,
                      upper.limits = Inf, maxit = 100000L,
                      type.multinomial = c("ungrouped", "grouped"),
                      standardize.response = FALSE, relax = FALSE, trace.it = 0,
                      nthreads = NULL, ...) {
  this.call <- match.call()
  check_required(missing(x), missing(y))
  check_dots(substitute(list(...)), glmnet_only_arguments, "glmsparse")
  # nobs and nvars are in the defaults of lambda.min.ratio, dfmax, pmax and
  # penalty.factor, which are forced here.
  nobs <- NROW(x)
  nvars <- NCOL(x)
  spec <- fit_spec(x = x, y = y, family = family, weights = weights, offset = offset,
                   alpha = alpha, nlambda = nlambda, lambda.min.ratio = lambda.min.ratio,
                   lambda = lambda, standardize = standardize, intercept = intercept,
                   thresh = thresh, dfmax = dfmax, pmax = pmax, exclude = exclude,
                   penalty.factor = penalty.factor, lower.limits = lower.limits,
                   upper.limits = upper.limits, maxit = maxit,
                   type.multinomial = type.multinomial,
                   standardize.response = standardize.response, relax = relax,
                   trace.it = trace.it, nthreads = nthreads, ...)
  result <- fit_from_spec(spec)
  fit <- result$fit
  fit$call <- this.call
  if (spec$relax) fit$relaxed$call <- this.call
  report_path_problems(fit, result$stop, spec$pmax, spec$dfmax)
  if (spec$relax) report_relaxed_problems(fit)
  fit
}

# glmnet's arguments that choose among its algorithms; glmsparse() and the
# cross-validation functions accept them and choose their own.
glmnet_only_arguments <- c("type.gaussian", "type.logistic")

# The arguments of glmsparse() that cross-validation passes on through `...`.
fit_arguments <- function() c(setdiff(names(formals(glmsparse)), "..."), glmnet_only_arguments)

# The validated, coerced arguments of a fit (with glmsparse()'s formals and
# defaults), everything the core needs; shared by glmsparse() and the
# cross-validation functions.
fit_spec <- function() {
  family <- check_family(family)
  x <- check_x(x)
  nobs <- nrow(x)
  nvars <- ncol(x)
  weights <- check_weights(weights, nobs)
  classnames <- NULL
  multi <- family %in% multi_response_families
  if (inherits(y, "Surv") && family != "cox") {
    stop(sprintf("`y` is a survival::Surv object, a response for family \"cox\"; this fit has family \"%s\".", family), call. = FALSE)
  }
  if (family == "binomial") {
    response <- check_y_binomial(y, nobs, weights)
    y <- response$y
    weights <- response$weights
    classnames <- response$classnames
  } else if (family == "multinomial") {
    response <- check_y_multinomial(y, nobs, weights)
    y <- response$y
    weights <- response$weights
    classnames <- response$classnames
  } else if (family == "mgaussian") {
    y <- check_y_mgaussian(y, nobs)
    classnames <- colnames(y)
    if (is.null(classnames)) classnames <- paste0("y", seq_len(ncol(y)))
  } else if (family == "poisson") {
    y <- check_y_poisson(y, nobs)
  } else if (family == "cox") {
    y <- check_y_cox(y, nobs, weights)
  } else {
    y <- check_y_gaussian(y, nobs)
  }
  offset <- if (multi) check_offset_matrix(offset, nobs, ncol(y), family) else check_offset(offset, nobs)
  type.multinomial <- check_choice(type.multinomial, "type.multinomial", c("ungrouped", "grouped"))
  standardize.response <- check_flag(standardize.response, "standardize.response")
  relax <- check_flag(relax, "relax")
  alpha <- check_number(alpha, "alpha", 0, 1)
  standardize <- check_flag(standardize, "standardize")
  intercept <- check_flag(intercept, "intercept")
  if (family == "cox") intercept <- FALSE  # the partial likelihood has none
  lambda <- check_lambda(lambda)
  if (is.null(lambda)) {
    nlambda <- check_number(nlambda, "nlambda", 1, integer = TRUE)
    if (nlambda > .Machine$integer.max) {
      stop(sprintf("`nlambda` must be at most %d; got %s.", .Machine$integer.max, format(nlambda)), call. = FALSE)
    }
    lambda.min.ratio <- check_number(lambda.min.ratio, "lambda.min.ratio", 0, 1,
                                     lower_open = TRUE, upper_open = TRUE)
  } else {
    lambda <- sort(lambda, decreasing = TRUE)
  }
  thresh <- check_number(thresh, "thresh", 0, lower_open = TRUE)
  maxit <- check_number(maxit, "maxit", 1, integer = TRUE)
  dfmax <- check_number(dfmax, "dfmax", 0, integer = TRUE)
  pmax <- check_number(pmax, "pmax", 0, integer = TRUE)
  trace.it <- check_number(trace.it, "trace.it", 0)
  nthreads <- check_nthreads(nthreads)
  penalty.factor <- check_penalty_factor(penalty.factor, nvars)
  limits <- check_limits(lower.limits, upper.limits, nvars)
  exclude <- check_exclude(exclude, nvars)

  # glmnet's conventions: infinite penalty factors exclude, excluded variables
  # count with factor 1 in the rescaling, factors are rescaled to sum to nvars.
  exclude <- sort(unique(c(exclude, which(is.infinite(penalty.factor)))))
  penalty.factor[exclude] <- 1
  if (!any(penalty.factor > 0)) stop("`penalty.factor` must have at least one positive value.", call. = FALSE)
  penalty.factor <- penalty.factor * nvars / sum(penalty.factor)
  excluded <- logical(nvars)
  excluded[exclude] <- TRUE

  control <- list(alpha = alpha, standardize = standardize, intercept = intercept,
                  thresh = thresh, thresh_factor = 0.1, maxit = as.integer(min(maxit, .Machine$integer.max)),
                  dfmax = as.integer(min(dfmax, .Machine$integer.max)),
                  pmax = as.integer(min(pmax, .Machine$integer.max)),
                  early_stop = TRUE, fdev = 1e-5, devmax = 0.999, mnlam = 5L, use_gram = -1L,
                  support_solves = TRUE, n_threads = nthreads)
  if (family == "cox") control <- utils::modifyList(control, cox_early_stop(control))
  list(family = family, x = x, y = y, weights = weights, offset = offset, penalty.factor = penalty.factor, limits = limits, excluded = excluded, lambda = lambda, nlambda = nlambda, lambda.min.ratio = lambda.min.ratio, control = control, trace.it = trace.it, type.multinomial = type.multinomial, standardize.response = standardize.response, nobs = nobs, nvars = nvars, classnames = classnames, pmax = pmax, dfmax = dfmax, multi = multi, relax = relax)
}
formals(fit_spec) <- formals(glmsparse)

# The fit described by fit_spec(), as glmsparse() returns it but without its
# call, and the core's code for how the path stopped.
fit_from_spec <- function(spec) {
  progress <- if (spec$trace.it >= 1) lambda_progress_bar() else NULL
  update <- if (is.null(progress)) NULL else progress$update
  parts <- if (spec$multi) multi_response_fit(spec, update) else single_response_fit(spec, update)
  if (!is.null(progress)) progress$finish()
  fit <- parts$fit
  fit$offset <- !is.null(spec$offset)
  fit$nobs <- spec$nobs
  if (!is.null(spec$classnames) && spec$family != "mgaussian") fit$classnames <- spec$classnames
  if (spec$family == "cox") fit["a0"] <- list(NULL)
  class(fit) <- c(paste0("gs", spec$family), "glmsparse")
  if (spec$relax) {
    relaxed <- parts$relax(spec$trace.it)
    fit <- relaxed_object(fit, relaxed$fit, match(relaxed$raw$lambda, parts$raw$lambda))
  }
  list(fit = fit, stop = parts$raw$stop)
}

# The core's path of a single-response family as a fit object (without its
# class), and relax(trace.it), the refits of its relaxed lasso.
single_response_fit <- function(spec, update) {
  offset <- if (is.null(spec$offset)) rep(0, spec$nobs) else spec$offset
  raw <- fit_path_cpp(
    spec$x, spec$family, spec$y, spec$weights, offset, spec$penalty.factor,
    spec$limits$lower, spec$limits$upper, spec$excluded, user_lambda(spec),
    as.integer(spec$nlambda), as.double(spec$lambda.min.ratio), spec$control, update
  )
  fit <- path_object(raw, spec$x, spec$nobs, spec$nvars, is_user_lambda = !is.null(spec$lambda))
  relax <- function(trace.it) {
    relaxed_raw <- with_relax_progress(trace.it, function(update) {
      relax_path_cpp(spec$x, spec$family, spec$y, spec$weights, offset, spec$penalty.factor,
                     spec$limits$lower, spec$limits$upper, spec$excluded, raw, spec$control,
                     relax_max_active(spec$nobs), update)
    })
    list(raw = relaxed_raw,
         fit = path_object(relaxed_raw, spec$x, spec$nobs, spec$nvars, is_user_lambda = TRUE))
  }
  list(raw = raw, fit = fit, relax = relax)
}

# As single_response_fit() for multinomial and mgaussian.
multi_response_fit <- function(spec, update) {
  y <- spec$y
  offset <- spec$offset
  # standardize.response: each response is fitted on the scale of its
  # standard deviation and the coefficients are scaled back.
  response_scale <- rep(1, ncol(y))
  if (spec$family == "mgaussian" && spec$standardize.response) {
    response_scale <- response_scales(y, spec$weights)
    y <- sweep(y, 2, response_scale, "/")
    if (!is.null(offset)) offset <- sweep(offset, 2, response_scale, "/")
  }
  grouped <- spec$family == "mgaussian" || spec$type.multinomial == "grouped"
  offset_matrix <- if (is.null(offset)) matrix(0, spec$nobs, ncol(y)) else offset
  raw <- fit_multi_path_cpp(
    spec$x, spec$family, y, spec$weights, offset_matrix, grouped, spec$penalty.factor,
    spec$limits$lower, spec$limits$upper, spec$excluded, user_lambda(spec),
    as.integer(spec$nlambda), as.double(spec$lambda.min.ratio), spec$control, update
  )
  fit <- multi_path_object(raw, spec$x, spec$nobs, spec$nvars, spec$classnames,
                           is_user_lambda = !is.null(spec$lambda), response_scale)
  if (spec$family == "multinomial") fit$grouped <- grouped
  # glmnet's mgaussian null deviance is about the means of y - offset,
  # with or without an intercept, and on the original scale.
  if (spec$family == "mgaussian") {
    fit$nulldev <- centred_sum_of_squares(
      sweep(if (is.null(offset)) y else y - offset, 2, response_scale, "*"), spec$weights)
  }
  relax <- function(trace.it) {
    relaxed_raw <- with_relax_progress(trace.it, function(update) {
      relax_multi_path_cpp(spec$x, spec$family, y, spec$weights, offset_matrix, grouped,
                           spec$penalty.factor, spec$limits$lower, spec$limits$upper,
                           spec$excluded, raw, spec$control, relax_max_active(spec$nobs), update)
    })
    list(raw = relaxed_raw,
         fit = multi_path_object(relaxed_raw, spec$x, spec$nobs, spec$nvars, spec$classnames,
                                 is_user_lambda = TRUE, response_scale))
  }
  list(raw = raw, fit = fit, relax = relax)
}

# The lambdas given by the user, or none (the core's default grid).
user_lambda <- function(spec) if (is.null(spec$lambda)) numeric(0) else spec$lambda

# A text progress bar over the lambdas, created at the first update so that
# its length is known; finish() completes it when the path stops early.
lambda_progress_bar <- function() {
  bar <- NULL
  total <- 0L
  list(
    update = function(index, n_lambda) {
      if (is.null(bar)) {
        total <<- n_lambda
        bar <<- utils::txtProgressBar(min = 0, max = n_lambda, style = 3)
      }
      utils::setTxtProgressBar(bar, index)
    },
    finish = function() {
      if (is.null(bar)) return(invisible(NULL))
      utils::setTxtProgressBar(bar, total)
      close(bar)
    }
  )
}

# Assemble glmnet's fields from the core's plain list.
path_object <- function(raw, x, nobs, nvars, is_user_lambda) {
  nfit <- length(raw$lambda)
  lambda <- raw$lambda
  if (!is_user_lambda && nfit >= 3L) {
    # glmnet reports the first lambda of its default grid extrapolated on the log scale.
    lambda[1] <- exp(2 * log(lambda[2]) - log(lambda[3]))
  }
  step_names <- paste0("s", seq_len(nfit) - 1L)
  variable_names <- colnames(x)
  if (is.null(variable_names)) variable_names <- paste0("V", seq_len(nvars))
  beta <- methods::new("dgCMatrix", i = as.integer(raw$beta_i), p = as.integer(raw$beta_p),
                       x = as.double(raw$beta_x), Dim = c(nvars, nfit),
                       Dimnames = list(variable_names, step_names))
  a0 <- stats::setNames(raw$a0, step_names)
  status <- lambda_status(raw$status)
  list(a0 = a0, beta = beta, df = raw$df, dim = c(nvars, nfit), lambda = lambda,
       dev.ratio = raw$dev_ratio, nulldev = raw$nulldev, npasses = sum(raw$npasses),
       jerr = 0L, status = status)
}

# The core's per-lambda status codes (LambdaStatus in options.hpp) as a factor.
lambda_status <- function(codes) {
  factor(c("converged", "not converged", "overflow")[codes + 1L],
         levels = c("converged", "not converged", "overflow"))
}

# "lambda = 0.5, 0.2 (index 3, 4)"; a long list is cut after its first ten.
describe_lambdas <- function(lambda, index) {
  shown <- utils::head(index, 10L)
  more <- if (length(index) > 10L) sprintf(" and %d more", length(index) - 10L) else ""
  sprintf("lambda = %s%s (index %s%s)", paste(signif(lambda[shown], 4), collapse = ", "), more,
          paste(shown, collapse = ", "), more)
}

# One warning for lambdas that did not converge, one for those whose
# arithmetic overflowed, one for a path cut short.
report_path_problems <- function(fit, stop_code, pmax, dfmax) {
  failed <- which(fit$status == "not converged")
  if (length(failed) > 0L) {
    warning(sprintf("Coordinate descent did not converge within `maxit` passes at %s; those solutions are approximate, the rest of the path is unaffected.",
                    describe_lambdas(fit$lambda, failed)), call. = FALSE)
  }
  overflowed <- which(fit$status == "overflow")
  if (length(overflowed) > 0L) {
    warning(sprintf("The fit overflowed at %s: `x` times the fitted values exceeds the largest double, so those solutions are the last finite point reached, not minimisers. Rescale `x` (or use standardize = TRUE) or reduce `offset`.",
                    describe_lambdas(fit$lambda, overflowed)), call. = FALSE)
  }
  if (stop_code == 2L) {
    warning(sprintf("The number of nonzero coefficients exceeds `pmax` = %d at lambda index %d; solutions for larger lambdas are returned.",
                    as.integer(pmax), length(fit$lambda) + 1L), call. = FALSE)
  }
  invisible(NULL)
}
