# The multi-response families, multinomial and mgaussian: their responses,
# offsets and fitted objects. The fit itself is glmsparse()'s.

multi_response_families <- c("multinomial", "mgaussian")

# Multinomial y: a factor (or a vector, made a factor) with at least two
# levels, or a matrix with a column per class of indicators, counts or
# proportions, whose row totals multiply the weights. Every class must have
# observations. Returns list(y = n x K proportions, weights, classnames).
check_y_multinomial <- function(y, nobs, weights) {
  if (is.data.frame(y)) y <- as.matrix(y)
  if (is.matrix(y) && ncol(y) == 1L) y <- drop(y)
  if (is.matrix(y)) {
    if (!is.numeric(y) || ncol(y) < 2L) {
      stop("`y` for family \"multinomial\" must be a factor or a numeric matrix with a column per class.", call. = FALSE)
    }
    if (nrow(y) != nobs) stop(sprintf("`y` has %d rows but `x` has %d rows.", nrow(y), nobs), call. = FALSE)
    if (any(!is.finite(y))) stop("`y` must not contain NA, NaN or Inf values.", call. = FALSE)
    if (any(y < 0)) stop("`y` counts for family \"multinomial\" must be non-negative.", call. = FALSE)
    totals <- rowSums(y)
    if (any(totals == 0 & weights > 0)) stop("`y` for family \"multinomial\" has rows whose counts are all zero.", call. = FALSE)
    classnames <- colnames(y)
    if (is.null(classnames)) classnames <- as.character(seq_len(ncol(y)))
    counts <- y
  } else {
    if (length(y) != nobs) stop(sprintf("`y` has length %d but `x` has %d rows.", length(y), nobs), call. = FALSE)
    if (anyNA(y) || (is.numeric(y) && any(!is.finite(y)))) stop("`y` must not contain NA, NaN or Inf values.", call. = FALSE)
    y <- as.factor(y)
    classnames <- levels(y)
    if (length(classnames) < 2L) {
      stop("`y` for family \"multinomial\" must have at least two classes.", call. = FALSE)
    }
    counts <- outer(as.integer(y), seq_along(classnames), "==") * 1
    totals <- rep(1, nobs)
  }
  empty <- colSums(counts * weights) == 0
  if (any(empty)) {
    stop(sprintf("`y` for family \"multinomial\" has no observations in class %s.",
                 paste0("\"", classnames[empty], "\"", collapse = ", ")), call. = FALSE)
  }
  proportion <- counts / pmax(totals, .Machine$double.xmin)
  dimnames(proportion) <- NULL
  list(y = proportion, weights = weights * totals, classnames = classnames)
}

check_y_mgaussian <- function(y, nobs) {
  if (is.data.frame(y)) y <- as.matrix(y)
  if (!is.matrix(y) || !is.numeric(y)) {
    stop("`y` for family \"mgaussian\" must be a numeric matrix with a column per response.", call. = FALSE)
  }
  if (nrow(y) != nobs) stop(sprintf("`y` has %d rows but `x` has %d rows.", nrow(y), nobs), call. = FALSE)
  if (any(!is.finite(y))) stop("`y` must not contain NA, NaN or Inf values.", call. = FALSE)
  check_magnitude(y, "y")
  storage.mode(y) <- "double"
  y
}

# An offset for a multi-response family: an n x K matrix (NULL when absent);
# `name` is "newoffset" for predict().
check_offset_matrix <- function(offset, nobs, n_responses, family, name = "offset") {
  if (is.null(offset)) return(NULL)
  if (!is.numeric(offset) || !is.matrix(offset) || nrow(offset) != nobs || ncol(offset) != n_responses) {
    stop(sprintf("`%s` for family \"%s\" must be a numeric matrix with %d rows and %d columns (one per %s).",
                 name, family, nobs, n_responses, if (family == "multinomial") "class" else "response"), call. = FALSE)
  }
  if (any(!is.finite(offset))) stop(sprintf("`%s` must not contain NA, NaN or Inf values.", name), call. = FALSE)
  storage.mode(offset) <- "double"
  offset
}

# Weighted standard deviation of each response, for standardize.response;
# 1 for a constant response.
response_scales <- function(y, weights) {
  w <- weights / sum(weights)
  # About the mean even without an intercept, as glmnet.
  scales <- sqrt(colSums(w * sweep(y, 2, colSums(y * w))^2))
  scales[!(scales > 0)] <- 1
  scales
}

# sum_i w_i ||y_i - weighted mean of y||^2.
centred_sum_of_squares <- function(y, weights) {
  centre <- colSums(y * weights) / sum(weights)
  sum(weights * sweep(y, 2, centre)^2)
}

# glmnet's fields of a multi-response fit from the core's plain list: `beta`
# a list with a dgCMatrix per class or response, `a0` and `dfmat` matrices
# with a row per class. Coefficients are multiplied back by `response_scale`.
multi_path_object <- function(raw, x, nobs, nvars, classnames, is_user_lambda, response_scale) {
  nfit <- length(raw$lambda)
  n_responses <- length(classnames)
  lambda <- raw$lambda
  if (!is_user_lambda && nfit >= 3L) {
    lambda[1] <- exp(2 * log(lambda[2]) - log(lambda[3]))
  }
  step_names <- paste0("s", seq_len(nfit) - 1L)
  variable_names <- colnames(x)
  if (is.null(variable_names)) variable_names <- paste0("V", seq_len(nvars))
  beta <- lapply(seq_len(n_responses), function(k) {
    part <- raw$beta[[k]]
    methods::new("dgCMatrix", i = as.integer(part$i), p = as.integer(part$p),
                 x = as.double(part$x) * response_scale[k], Dim = c(nvars, nfit),
                 Dimnames = list(variable_names, step_names))
  })
  names(beta) <- classnames
  a0 <- matrix(raw$a0, n_responses, nfit, dimnames = list(classnames, step_names)) * response_scale
  dfmat <- matrix(as.integer(raw$dfmat), n_responses, nfit, dimnames = list(classnames, step_names))
  status <- lambda_status(raw$status)
  list(a0 = a0, beta = beta, dfmat = dfmat, df = raw$df, dim = c(nvars, nfit), lambda = lambda,
       dev.ratio = raw$dev_ratio, nulldev = raw$nulldev, npasses = sum(raw$npasses),
       jerr = 0L, status = status)
}

is_multi_response <- function(object) {
  inherits(object, "gsmultinomial") || inherits(object, "gsmgaussian")
}
