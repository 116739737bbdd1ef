# Argument checks. Each stops with a message naming the argument and the problem.

# Entries larger than this in magnitude have squares too close to overflow
# for the sums of squares and cross products of a fit.
largest_magnitude <- 1e153

# missing(x) and missing(y) of a fitting function.
check_required <- function(x_missing, y_missing) {
  if (x_missing) stop("`x` is missing: give the matrix of predictors.", call. = FALSE)
  if (y_missing) stop("`y` is missing: give the response.", call. = FALSE)
}

check_x <- function(x) {
  x <- as_numeric_design(x, "`x` must be a numeric matrix or a Matrix::dgCMatrix.")
  if (nrow(x) < 1L || ncol(x) < 1L) stop("`x` must have at least one row and one column.", call. = FALSE)
  values <- if (inherits(x, "dgCMatrix")) x@x else x
  largest <- largest_magnitude_cpp(values)
  if (is.nan(largest)) stop("`x` must not contain NA, NaN or Inf values.", call. = FALSE)
  check_largest(largest, "x")
  x
}

# A dense double matrix or a dgCMatrix, from a numeric or logical matrix or
# any Matrix (dense ones become base matrices, sparse ones dgCMatrix);
# anything else stops with `message`.
as_numeric_design <- function(x, message) {
  if (inherits(x, "dgCMatrix")) return(x)
  if (inherits(x, "sparseMatrix")) {
    return(methods::as(methods::as(methods::as(x, "CsparseMatrix"), "generalMatrix"), "dMatrix"))
  }
  if (inherits(x, "denseMatrix")) x <- as.matrix(x)
  if (is.data.frame(x) || !is.matrix(x) || !(is.numeric(x) || is.logical(x))) {
    stop(message, call. = FALSE)
  }
  if (storage.mode(x) != "double") storage.mode(x) <- "double"
  x
}

# For finite `values`.
check_magnitude <- function(values, name) {
  if (length(values) == 0L) return(invisible(NULL))
  # min() and max() read `values` in place; range() would copy it.
  check_largest(max(abs(min(values)), abs(max(values))), name)
}

check_largest <- function(largest, name) {
  if (largest > largest_magnitude) {
    stop(sprintf("`%s` has entries as large as %s in magnitude; above %s their squares come too close to overflow. Rescale `%s`.",
                 name, format(largest, digits = 3), format(largest_magnitude), name), call. = FALSE)
  }
  invisible(NULL)
}

check_y_gaussian <- function(y, nobs) {
  if (is.matrix(y) && ncol(y) == 1L) y <- drop(y)
  if (!is.numeric(y) || !is.null(dim(y))) stop("`y` must be a numeric vector for family \"gaussian\".", call. = FALSE)
  if (length(y) != nobs) stop(sprintf("`y` has length %d but `x` has %d rows.", length(y), nobs), call. = FALSE)
  if (any(!is.finite(y))) stop("`y` must not contain NA, NaN or Inf values.", call. = FALSE)
  check_magnitude(y, "y")
  as.double(y)
}

# Binomial y: a factor (or anything with two distinct values, made a factor;
# the second level is the event), or a two-column matrix of counts (failures,
# successes), which becomes the proportion with the row totals folded into
# the weights. Returns list(y = proportion, weights, classnames).
check_y_binomial <- function(y, nobs, weights) {
  if (is.data.frame(y)) y <- as.matrix(y)
  if (is.matrix(y) && ncol(y) == 1L) y <- drop(y)
  if (is.matrix(y)) {
    if (ncol(y) != 2L || !is.numeric(y)) {
      stop(sprintf("`y` for family \"binomial\" must be a vector, a factor or a two-column matrix of counts; got a matrix with %d columns.", ncol(y)), call. = FALSE)
    }
    if (nrow(y) != nobs) stop(sprintf("`y` has %d rows but `x` has %d rows.", nrow(y), nobs), call. = FALSE)
    if (any(!is.finite(y))) stop("`y` must not contain NA, NaN or Inf values.", call. = FALSE)
    if (any(y < 0)) stop("`y` counts for family \"binomial\" must be non-negative.", call. = FALSE)
    totals <- rowSums(y)
    if (any(totals == 0 & weights > 0)) stop("`y` for family \"binomial\" has rows whose counts are all zero.", call. = FALSE)
    classnames <- colnames(y)
    if (is.null(classnames)) classnames <- c("0", "1")
    proportion <- ifelse(totals > 0, y[, 2] / pmax(totals, .Machine$double.xmin), 0)
    used <- weights * totals > 0
    if (all(proportion[used] == 0) || all(proportion[used] == 1)) {
      stop("`y` for family \"binomial\" must have both failures and successes.", call. = FALSE)
    }
    return(list(y = as.double(proportion), weights = weights * totals, classnames = classnames))
  }
  if (length(y) != nobs) stop(sprintf("`y` has length %d but `x` has %d rows.", length(y), nobs), call. = FALSE)
  if (anyNA(y) || (is.numeric(y) && any(!is.finite(y)))) stop("`y` must not contain NA, NaN or Inf values.", call. = FALSE)
  y <- droplevels(as.factor(y))
  if (nlevels(y) != 2L) {
    stop(sprintf("`y` for family \"binomial\" must have exactly two classes; got %d.", nlevels(y)), call. = FALSE)
  }
  list(y = as.double(as.integer(y) == 2L), weights = weights, classnames = levels(y))
}

check_y_poisson <- function(y, nobs) {
  if (is.matrix(y) && ncol(y) == 1L) y <- drop(y)
  if (!is.numeric(y) || !is.null(dim(y))) stop("`y` must be a numeric vector of counts for family \"poisson\".", call. = FALSE)
  if (length(y) != nobs) stop(sprintf("`y` has length %d but `x` has %d rows.", length(y), nobs), call. = FALSE)
  if (any(!is.finite(y))) stop("`y` must not contain NA, NaN or Inf values.", call. = FALSE)
  if (any(y < 0)) stop("`y` for family \"poisson\" must be non-negative counts.", call. = FALSE)
  if (any(y != round(y))) stop("`y` for family \"poisson\" must be whole-number counts.", call. = FALSE)
  if (all(y == 0)) stop("`y` for family \"poisson\" is all zero: the fitted mean would be zero, on the boundary of the model.", call. = FALSE)
  as.double(y)
}

check_weights <- function(weights, nobs) {
  if (is.null(weights)) return(rep(1, nobs))
  if (!is.numeric(weights)) stop("`weights` must be a numeric vector.", call. = FALSE)
  if (length(weights) != nobs) stop(sprintf("`weights` has length %d but `x` has %d rows.", length(weights), nobs), call. = FALSE)
  if (any(!is.finite(weights))) stop("`weights` must not contain NA, NaN or Inf values.", call. = FALSE)
  if (any(weights < 0)) stop("`weights` must be non-negative.", call. = FALSE)
  if (!any(weights > 0)) stop("`weights` must not all be zero.", call. = FALSE)
  as.double(weights)
}

# `name` and `rows` say what the offset is checked as: the fit's `offset`
# against the rows of `x`, or predict()'s `newoffset` against those of `newx`.
check_offset <- function(offset, nobs, name = "offset", rows = "x") {
  if (is.null(offset)) return(NULL)
  if (!is.numeric(offset) || (!is.null(dim(offset)) && NCOL(offset) != 1L)) stop(sprintf("`%s` must be a numeric vector.", name), call. = FALSE)
  if (length(offset) != nobs) stop(sprintf("`%s` has length %d but `%s` has %d rows.", name, length(offset), rows, nobs), call. = FALSE)
  if (any(!is.finite(offset))) stop(sprintf("`%s` must not contain NA, NaN or Inf values.", name), call. = FALSE)
  as.double(offset)
}

check_number <- function(value, name, lower = -Inf, upper = Inf, lower_open = FALSE, upper_open = FALSE, integer = FALSE) {
  if (!is.numeric(value) || length(value) != 1L || !is.finite(value)) {
    stop(sprintf("`%s` must be a single finite number.", name), call. = FALSE)
  }
  below <- if (lower_open) value <= lower else value < lower
  above <- if (upper_open) value >= upper else value > upper
  if (below || above) {
    range <- sprintf("%s%s, %s%s", if (lower_open) "(" else "[", format(lower), format(upper), if (upper_open) ")" else "]")
    stop(sprintf("`%s` must be in %s; got %s.", name, range, format(value)), call. = FALSE)
  }
  if (integer && value != round(value)) stop(sprintf("`%s` must be a whole number.", name), call. = FALSE)
  value
}

# One of `choices`; a vector of choices (the default) means the first.
check_choice <- function(value, name, choices) {
  if (identical(value, choices)) return(choices[1])
  if (!is.character(value) || length(value) != 1L || !value %in% choices) {
    stop(sprintf("`%s` must be one of %s.", name, paste0("\"", choices, "\"", collapse = ", ")), call. = FALSE)
  }
  value
}

check_flag <- function(value, name) {
  if (!is.logical(value) || length(value) != 1L || is.na(value)) {
    stop(sprintf("`%s` must be TRUE or FALSE.", name), call. = FALSE)
  }
  value
}

check_lambda <- function(lambda) {
  if (is.null(lambda)) return(NULL)
  if (!is.numeric(lambda) || length(lambda) < 1L || any(!is.finite(lambda))) {
    stop("`lambda` must be a numeric vector of finite values.", call. = FALSE)
  }
  if (any(lambda < 0)) stop("`lambda` must be non-negative.", call. = FALSE)
  as.double(lambda)
}

check_per_variable <- function(value, name, nvars) {
  if (!is.numeric(value) || any(is.na(value))) stop(sprintf("`%s` must be numeric without NA values.", name), call. = FALSE)
  if (length(value) == 1L) value <- rep(value, nvars)
  if (length(value) != nvars) {
    stop(sprintf("`%s` must have length 1 or ncol(x) = %d; got %d.", name, nvars, length(value)), call. = FALSE)
  }
  as.double(value)
}

check_penalty_factor <- function(penalty.factor, nvars) {
  penalty.factor <- check_per_variable(penalty.factor, "penalty.factor", nvars)
  if (any(penalty.factor < 0)) stop("`penalty.factor` must be non-negative.", call. = FALSE)
  penalty.factor
}

check_limits <- function(lower.limits, upper.limits, nvars) {
  lower.limits <- check_per_variable(lower.limits, "lower.limits", nvars)
  upper.limits <- check_per_variable(upper.limits, "upper.limits", nvars)
  if (any(lower.limits > 0)) stop("`lower.limits` must be non-positive.", call. = FALSE)
  if (any(upper.limits < 0)) stop("`upper.limits` must be non-negative.", call. = FALSE)
  list(lower = lower.limits, upper = upper.limits)
}

check_exclude <- function(exclude, nvars) {
  if (is.null(exclude) || length(exclude) == 0L) return(integer(0))
  if (!is.numeric(exclude) || any(is.na(exclude)) || any(exclude != round(exclude)) ||
      any(exclude < 1) || any(exclude > nvars)) {
    stop(sprintf("`exclude` must hold column indices between 1 and ncol(x) = %d.", nvars), call. = FALSE)
  }
  sort(unique(as.integer(exclude)))
}

check_family <- function(family) {
  if (!is.character(family) || length(family) != 1L) stop("`family` must be a single string.", call. = FALSE)
  supported <- c("gaussian", "binomial", "poisson", "multinomial", "mgaussian", "cox")
  if (!family %in% supported) {
    stop(sprintf("`family` must be one of %s; got \"%s\".", paste0("\"", supported, "\"", collapse = ", "), family), call. = FALSE)
  }
  family
}

# Threads: a whole number >= 1; NULL means RcppParallel's default.
check_nthreads <- function(nthreads) {
  if (is.null(nthreads)) return(as.integer(RcppParallel::defaultNumThreads()))
  as.integer(check_number(nthreads, "nthreads", 1, .Machine$integer.max, integer = TRUE))
}

# A value chosen from `choices` as match.arg() chooses it (the whole vector,
# the default, means the first; unique abbreviations are completed), with a
# message naming the argument.
match_choice <- function(value, name, choices) {
  if (identical(value, choices)) return(choices[1])
  if (is.character(value) && length(value) == 1L && !is.na(value)) {
    matched <- tryCatch(match.arg(value, choices), error = function(e) NULL)
    if (!is.null(matched)) return(matched)
  }
  got <- if (is.character(value) && length(value) == 1L) sprintf("\"%s\"", value) else "a value that is not a single string"
  stop(sprintf("`%s` must be one of %s; got %s.", name, paste0("\"", choices, "\"", collapse = ", "), got), call. = FALSE)
}

# The arguments in `...` of `caller`, given as substitute(list(...)) there,
# that are not among `allowed` stop with their names.
check_dots <- function(dots, allowed, caller) {
  dots <- as.list(dots)[-1L]
  if (length(dots) == 0L) return(invisible(NULL))
  dot_names <- names(dots)
  if (is.null(dot_names) || any(dot_names == "")) {
    stop(sprintf("%s() got an unnamed argument it has no place for; name every argument after the ones it lists.", caller), call. = FALSE)
  }
  unknown <- setdiff(dot_names, allowed)
  if (length(unknown) > 0L) {
    stop(sprintf("%s %s of %s(); check the spelling.",
                 paste0("`", unknown, "`", collapse = ", "),
                 if (length(unknown) == 1L) "is not an argument" else "are not arguments", caller), call. = FALSE)
  }
  invisible(NULL)
}
