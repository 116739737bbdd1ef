# A table of bad inputs to every user-facing function. Each row must stop,
# without a warning first, with an error raised by stop(call. = FALSE) (so
# no call is attached) whose message names the argument and the problem.

set.seed(1)
x <- matrix(rnorm(30 * 4), 30, 4)
y <- as.vector(x %*% c(1, -1, 0.5, 0)) + rnorm(30)
y01 <- rep(0:1, 15)
counts <- rpois(30, 3)
classes <- factor(rep(c("a", "b", "c"), 10))
x_na <- replace(x, 5, NA)
sparse_inf <- Matrix::Matrix(x, sparse = TRUE)
sparse_inf@x[2] <- Inf
logical_sparse_na <- Matrix::Matrix(x > 0, sparse = TRUE)
logical_sparse_na[3, 1] <- NA

fit <- glmsparse(x, y)
fit_offset <- glmsparse(x, y, offset = rep(0.5, 30))
fit_multinomial <- glmsparse(x, classes, family = "multinomial", offset = matrix(0, 30, 3))
fit_relaxed <- glmsparse(x, y, relax = TRUE)
cv <- cv.glmsparse(x, y, nfolds = 3)
cv_relaxed <- cv.glmsparse(x, y, nfolds = 3, relax = TRUE)
cva <- cva.glmsparse(x, y, alpha = c(0.5, 1), nfolds = 3)
# Every fold holds a single class, so no fold has an AUC.
one_class_folds <- integer(30)
one_class_folds[y01 == 1] <- 1L
one_class_folds[y01 == 0] <- rep(2:3, length.out = 15)

bad <- function(label, expr, message) list(label = label, expr = substitute(expr), message = message)

bad_inputs <- list(
  # glmsparse(): x and y
  bad("glmsparse: x missing", glmsparse(y = y), "`x` is missing: give the matrix of predictors."),
  bad("glmsparse: y missing", glmsparse(x), "`y` is missing: give the response."),
  bad("glmsparse: x a list", glmsparse(list(x), y), "`x` must be a numeric matrix or a Matrix::dgCMatrix."),
  bad("glmsparse: x complex", glmsparse(x + 1i, y), "`x` must be a numeric matrix or a Matrix::dgCMatrix."),
  bad("glmsparse: x a 3-d array", glmsparse(array(1, c(30, 2, 2)), y), "`x` must be a numeric matrix or a Matrix::dgCMatrix."),
  bad("glmsparse: x without columns", glmsparse(x[, 0], y), "`x` must have at least one row and one column."),
  bad("glmsparse: sparse x without rows", glmsparse(Matrix::Matrix(0, 0, 3, sparse = TRUE), numeric(0)),
      "`x` must have at least one row and one column."),
  bad("glmsparse: logical sparse x with NA", glmsparse(logical_sparse_na, y), "`x` must not contain NA, NaN or Inf values."),
  bad("glmsparse: x near overflow", glmsparse(x * 1e200, y),
      "in magnitude; above 1e+153 their squares come too close to overflow. Rescale `x`."),
  bad("glmsparse: gaussian y near overflow", glmsparse(x, y * 1e200),
      "in magnitude; above 1e+153 their squares come too close to overflow. Rescale `y`."),
  bad("glmsparse: y a factor for gaussian", glmsparse(x, factor(y01)), "`y` must be a numeric vector for family \"gaussian\"."),
  bad("glmsparse: y a two-column matrix for gaussian", glmsparse(x, cbind(y, y)), "`y` must be a numeric vector for family \"gaussian\"."),
  bad("glmsparse: y a list", glmsparse(x, as.list(y)), "`y` must be a numeric vector for family \"gaussian\"."),
  bad("glmsparse: y with NaN", glmsparse(x, replace(y, 3, NaN)), "`y` must not contain NA, NaN or Inf values."),
  # glmsparse(): family and its response
  bad("glmsparse: family a vector", glmsparse(x, y, family = c("gaussian", "poisson")), "`family` must be a single string."),
  bad("glmsparse: family a family object", glmsparse(x, y, family = gaussian()), "`family` must be a single string."),
  bad("glmsparse: family capitalised", glmsparse(x, y, family = "Gaussian"),
      "`family` must be one of \"gaussian\", \"binomial\", \"poisson\", \"multinomial\", \"mgaussian\", \"cox\"; got \"Gaussian\"."),
  bad("glmsparse: binomial y with 30 values", glmsparse(x, y, family = "binomial"),
      "`y` for family \"binomial\" must have exactly two classes; got 30."),
  bad("glmsparse: binomial counts all successes", glmsparse(x, cbind(0, rep(2, 30)), family = "binomial"),
      "`y` for family \"binomial\" must have both failures and successes."),
  bad("glmsparse: binomial y a character matrix", glmsparse(x, matrix("a", 30, 2), family = "binomial"),
      "`y` for family \"binomial\" must be a vector, a factor or a two-column matrix of counts; got a matrix with 2 columns."),
  bad("glmsparse: poisson y a factor", glmsparse(x, factor(counts), family = "poisson"),
      "`y` must be a numeric vector of counts for family \"poisson\"."),
  bad("glmsparse: poisson y infinite", glmsparse(x, replace(counts, 1, Inf), family = "poisson"),
      "`y` must not contain NA, NaN or Inf values."),
  bad("glmsparse: multinomial y a character matrix", glmsparse(x, matrix("a", 30, 3), family = "multinomial"),
      "`y` for family \"multinomial\" must be a factor or a numeric matrix with a column per class."),
  bad("glmsparse: mgaussian y a factor", glmsparse(x, classes, family = "mgaussian"),
      "`y` for family \"mgaussian\" must be a numeric matrix with a column per response."),
  bad("glmsparse: mgaussian y near overflow", glmsparse(x, cbind(y, y) * 1e200, family = "mgaussian"),
      "`y` has entries as large as"),
  bad("glmsparse: cox y a plain vector", glmsparse(x, abs(y), family = "cox"),
      "`y` must be a survival::Surv object for family \"cox\", e.g. Surv(time, status)."),
  # glmsparse(): weights and offset
  bad("glmsparse: weights logical", glmsparse(x, y, weights = rep(TRUE, 30)), "`weights` must be a numeric vector."),
  bad("glmsparse: weights a two-column matrix", glmsparse(x, y, weights = matrix(1, 30, 2)),
      "`weights` has length 60 but `x` has 30 rows."),
  bad("glmsparse: weights infinite", glmsparse(x, y, weights = replace(rep(1, 30), 2, Inf)),
      "`weights` must not contain NA, NaN or Inf values."),
  bad("glmsparse: offset character", glmsparse(x, y, offset = rep("0", 30)), "`offset` must be a numeric vector."),
  bad("glmsparse: offset a two-column matrix", glmsparse(x, y, offset = matrix(0, 30, 2)), "`offset` must be a numeric vector."),
  bad("glmsparse: offset NA", glmsparse(x, y, offset = rep(NA_real_, 30)), "`offset` must not contain NA, NaN or Inf values."),
  bad("glmsparse: multinomial offset a vector", glmsparse(x, classes, family = "multinomial", offset = rep(0, 30)),
      "`offset` for family \"multinomial\" must be a numeric matrix with 30 rows and 3 columns (one per class)."),
  # glmsparse(): numbers, flags and choices
  bad("glmsparse: alpha a vector", glmsparse(x, y, alpha = c(0.5, 1)), "`alpha` must be a single finite number."),
  bad("glmsparse: alpha infinite", glmsparse(x, y, alpha = Inf), "`alpha` must be a single finite number."),
  bad("glmsparse: alpha NULL", glmsparse(x, y, alpha = NULL), "`alpha` must be a single finite number."),
  bad("glmsparse: nlambda beyond integers", glmsparse(x, y, nlambda = 1e12), "`nlambda` must be at most 2147483647; got 1e+12."),
  bad("glmsparse: nlambda negative", glmsparse(x, y, nlambda = -1), "`nlambda` must be in [1, Inf]; got -1."),
  bad("glmsparse: lambda.min.ratio NA", glmsparse(x, y, lambda.min.ratio = NA), "`lambda.min.ratio` must be a single finite number."),
  bad("glmsparse: lambda.min.ratio negative", glmsparse(x, y, lambda.min.ratio = -0.1), "`lambda.min.ratio` must be in (0, 1); got -0.1."),
  bad("glmsparse: lambda empty", glmsparse(x, y, lambda = numeric(0)), "`lambda` must be a numeric vector of finite values."),
  bad("glmsparse: lambda infinite", glmsparse(x, y, lambda = c(Inf, 1)), "`lambda` must be a numeric vector of finite values."),
  bad("glmsparse: lambda a list", glmsparse(x, y, lambda = list(1, 0.5)), "`lambda` must be a numeric vector of finite values."),
  bad("glmsparse: thresh infinite", glmsparse(x, y, thresh = Inf), "`thresh` must be a single finite number."),
  bad("glmsparse: thresh negative", glmsparse(x, y, thresh = -1e-7), "`thresh` must be in (0, Inf]; got -1e-07."),
  bad("glmsparse: maxit fractional", glmsparse(x, y, maxit = 1.5), "`maxit` must be a whole number."),
  bad("glmsparse: maxit infinite", glmsparse(x, y, maxit = Inf), "`maxit` must be a single finite number."),
  bad("glmsparse: dfmax negative", glmsparse(x, y, dfmax = -1), "`dfmax` must be in [0, Inf]; got -1."),
  bad("glmsparse: pmax character", glmsparse(x, y, pmax = "5"), "`pmax` must be a single finite number."),
  bad("glmsparse: exclude by name", glmsparse(x, y, exclude = "V1"), "`exclude` must hold column indices between 1 and ncol(x) = 4."),
  bad("glmsparse: exclude logical", glmsparse(x, y, exclude = c(TRUE, FALSE, FALSE, FALSE)),
      "`exclude` must hold column indices between 1 and ncol(x) = 4."),
  bad("glmsparse: exclude zero", glmsparse(x, y, exclude = 0), "`exclude` must hold column indices between 1 and ncol(x) = 4."),
  bad("glmsparse: penalty.factor NaN", glmsparse(x, y, penalty.factor = c(NaN, 1, 1, 1)), "`penalty.factor` must be numeric without NA values."),
  bad("glmsparse: penalty.factor minus infinity", glmsparse(x, y, penalty.factor = c(-Inf, 1, 1, 1)), "`penalty.factor` must be non-negative."),
  bad("glmsparse: lower.limits infinite", glmsparse(x, y, lower.limits = Inf), "`lower.limits` must be non-positive."),
  bad("glmsparse: upper.limits NaN", glmsparse(x, y, upper.limits = NaN), "`upper.limits` must be numeric without NA values."),
  bad("glmsparse: standardize numeric", glmsparse(x, y, standardize = 1), "`standardize` must be TRUE or FALSE."),
  bad("glmsparse: intercept two values", glmsparse(x, y, intercept = c(TRUE, FALSE)), "`intercept` must be TRUE or FALSE."),
  bad("glmsparse: relax NA", glmsparse(x, y, relax = NA), "`relax` must be TRUE or FALSE."),
  bad("glmsparse: trace.it character", glmsparse(x, y, trace.it = "yes"), "`trace.it` must be a single finite number."),
  bad("glmsparse: type.multinomial abbreviated wrongly", glmsparse(x, classes, family = "multinomial", type.multinomial = "group"),
      "`type.multinomial` must be one of \"ungrouped\", \"grouped\"."),
  bad("glmsparse: nthreads negative", glmsparse(x, y, nthreads = -1), "`nthreads` must be in [1, 2147483647]; got -1."),
  bad("glmsparse: nthreads two values", glmsparse(x, y, nthreads = c(1, 2)), "`nthreads` must be a single finite number."),
  bad("glmsparse: misspelled argument", glmsparse(x, y, lamda = 0.1), "`lamda` is not an argument of glmsparse(); check the spelling."),
  bad("glmsparse: two unknown arguments", glmsparse(x, y, foo = 1, bar = 2), "`foo`, `bar` are not arguments of glmsparse(); check the spelling."),

  # cv.glmsparse()
  bad("cv.glmsparse: y missing", cv.glmsparse(x), "`y` is missing: give the response."),
  bad("cv.glmsparse: nfolds 2", cv.glmsparse(x, y, nfolds = 2), "`nfolds` must be in [3, 30]; got 2."),
  bad("cv.glmsparse: nfolds above nobs", cv.glmsparse(x, y, nfolds = 31), "`nfolds` must be in [3, 30]; got 31."),
  bad("cv.glmsparse: nfolds NA", cv.glmsparse(x, y, nfolds = NA), "`nfolds` must be a single finite number."),
  bad("cv.glmsparse: nfolds fractional", cv.glmsparse(x, y, nfolds = 3.5), "`nfolds` must be a whole number."),
  bad("cv.glmsparse: foldid a factor", cv.glmsparse(x, y, foldid = factor(rep(1:3, 10))), "`foldid` must be a vector of whole fold numbers."),
  bad("cv.glmsparse: foldid with NA", cv.glmsparse(x, y, foldid = c(NA, rep(1:3, length.out = 29))),
      "`foldid` must be a vector of whole fold numbers."),
  bad("cv.glmsparse: foldid too short", cv.glmsparse(x, y, foldid = rep(1:3, length.out = 29)), "`foldid` has length 29 but `x` has 30 rows."),
  bad("cv.glmsparse: foldid with fold 0", cv.glmsparse(x, y, foldid = rep(0:3, length.out = 30)),
      "`foldid` must number the folds 1, ..., nfolds, each with at least one observation."),
  bad("cv.glmsparse: foldid with two folds", cv.glmsparse(x, y, foldid = rep(1:2, 15)), "`foldid` must define at least 3 folds."),
  bad("cv.glmsparse: type.measure unknown", cv.glmsparse(x, y, type.measure = "rmse"),
      "`type.measure` must be one of \"default\", \"mse\", \"deviance\", \"class\", \"auc\", \"mae\", \"C\"."),
  bad("cv.glmsparse: type.measure two values", cv.glmsparse(x, y, type.measure = c("mse", "mae")),
      "`type.measure` must be one of \"default\", \"mse\", \"deviance\", \"class\", \"auc\", \"mae\", \"C\"."),
  bad("cv.glmsparse: auc for gaussian", cv.glmsparse(x, y, type.measure = "auc"),
      "`type.measure` = \"auc\" does not suit family \"gaussian\"; use one of \"mse\", \"deviance\", \"mae\"."),
  bad("cv.glmsparse: C for binomial", cv.glmsparse(x, y01, family = "binomial", type.measure = "C"),
      "`type.measure` = \"C\" does not suit family \"binomial\"; use one of \"deviance\", \"class\", \"auc\", \"mse\", \"mae\"."),
  bad("cv.glmsparse: class for poisson", cv.glmsparse(x, counts, family = "poisson", type.measure = "class"),
      "`type.measure` = \"class\" does not suit family \"poisson\"; use one of \"deviance\", \"mse\", \"mae\"."),
  bad("cv.glmsparse: auc with one class per fold", cv.glmsparse(x, y01, family = "binomial", type.measure = "auc", foldid = one_class_folds),
      "The cross-validated measure could not be computed at any lambda"),
  bad("cv.glmsparse: alignment unknown", cv.glmsparse(x, y, alignment = "middle"), "`alignment` must be one of \"lambda\", \"fraction\"."),
  bad("cv.glmsparse: grouped NA", cv.glmsparse(x, y, grouped = NA), "`grouped` must be TRUE or FALSE."),
  bad("cv.glmsparse: keep numeric", cv.glmsparse(x, y, keep = 1), "`keep` must be TRUE or FALSE."),
  bad("cv.glmsparse: stratified character", cv.glmsparse(x, y, stratified = "yes"), "`stratified` must be TRUE or FALSE."),
  bad("cv.glmsparse: one lambda", cv.glmsparse(x, y, lambda = 0.5), "`lambda` must have at least two values for cross-validation."),
  bad("cv.glmsparse: negative lambda", cv.glmsparse(x, y, lambda = c(0.5, -1)), "`lambda` must be non-negative."),
  bad("cv.glmsparse: gamma above 1", cv.glmsparse(x, y, relax = TRUE, gamma = c(0, 2)), "`gamma` must be a vector of values in [0, 1]."),
  bad("cv.glmsparse: gamma character", cv.glmsparse(x, y, relax = TRUE, gamma = "0.5"), "`gamma` must be a vector of values in [0, 1]."),
  bad("cv.glmsparse: nthreads character", cv.glmsparse(x, y, nthreads = "2"), "`nthreads` must be a single finite number."),
  bad("cv.glmsparse: alpha passed on, out of range", cv.glmsparse(x, y, alpha = 2), "`alpha` must be in [0, 1]; got 2."),
  bad("cv.glmsparse: family unknown", cv.glmsparse(x, y, family = "gamma"), "`family` must be one of"),
  bad("cv.glmsparse: misspelled argument", cv.glmsparse(x, y, nfodls = 5), "`nfodls` is not an argument of cv.glmsparse(); check the spelling."),

  # cva.glmsparse()
  bad("cva.glmsparse: x missing", cva.glmsparse(y = y), "`x` is missing: give the matrix of predictors."),
  bad("cva.glmsparse: alpha empty", cva.glmsparse(x, y, alpha = numeric(0)), "`alpha` must be a vector of values in [0, 1]."),
  bad("cva.glmsparse: alpha with NA", cva.glmsparse(x, y, alpha = c(NA, 1)), "`alpha` must be a vector of values in [0, 1]."),
  bad("cva.glmsparse: alpha infinite", cva.glmsparse(x, y, alpha = c(0.5, Inf)), "`alpha` must be a vector of values in [0, 1]."),
  bad("cva.glmsparse: alpha repeated", cva.glmsparse(x, y, alpha = c(1, 1)), "`alpha` must not repeat a value."),
  bad("cva.glmsparse: relax", cva.glmsparse(x, y, alpha = 1, relax = TRUE), "`relax` is not supported by cva.glmsparse"),
  bad("cva.glmsparse: gamma", cva.glmsparse(x, y, alpha = 1, gamma = 0.5), "`gamma` is not an argument of cva.glmsparse(); check the spelling."),
  bad("cva.glmsparse: nfolds 2", cva.glmsparse(x, y, alpha = 1, nfolds = 2), "`nfolds` must be in [3, 30]; got 2."),
  bad("cva.glmsparse: foldid too short", cva.glmsparse(x, y, alpha = 1, foldid = rep(1:3, 5)), "`foldid` has length 15 but `x` has 30 rows."),
  bad("cva.glmsparse: C for gaussian", cva.glmsparse(x, y, alpha = 1, type.measure = "C"), "`type.measure` = \"C\" does not suit family \"gaussian\""),
  bad("cva.glmsparse: keep NA", cva.glmsparse(x, y, alpha = 1, keep = NA), "`keep` must be TRUE or FALSE."),

  # predict() on a glmsparse fit
  bad("predict: newx a data frame", predict(fit, newx = as.data.frame(x)), "`newx` must be a numeric matrix or a sparse Matrix."),
  bad("predict: newx a vector", predict(fit, newx = x[1, ]), "`newx` must be a numeric matrix or a sparse Matrix."),
  bad("predict: newx character", predict(fit, newx = matrix("1", 3, 4)), "`newx` must be a numeric matrix or a sparse Matrix."),
  bad("predict: newx with an extra column", predict(fit, newx = cbind(x, 1)), "`newx` must have 4 columns, as the fitted `x`; got 5."),
  bad("predict: sparse newx with a column short", predict(fit, newx = Matrix::Matrix(x[, -1], sparse = TRUE)),
      "`newx` must have 4 columns, as the fitted `x`; got 3."),
  bad("predict: newx with NA", predict(fit, newx = x_na), "`newx` must not contain NA, NaN or Inf values."),
  bad("predict: sparse newx with Inf", predict(fit, newx = sparse_inf), "`newx` must not contain NA, NaN or Inf values."),
  bad("predict: newx without rows", predict(fit, newx = x[0, , drop = FALSE]), "`newx` must have at least one row."),
  bad("predict: newx missing", predict(fit, s = 0.1), "`newx` is required for type = \"link\"."),
  bad("predict: newx missing for response", predict(fit, s = 0.1, type = "response"), "`newx` is required for type = \"response\"."),
  bad("predict: s negative", predict(fit, newx = x, s = -0.1), "`s` must be a numeric vector of non-negative lambda values."),
  bad("predict: s NA", predict(fit, newx = x, s = NA_real_), "`s` must be a numeric vector of non-negative lambda values."),
  bad("predict: s \"lambda.min\" on a fit", predict(fit, newx = x, s = "lambda.min"), "`s` must be a numeric vector of non-negative lambda values."),
  bad("predict: s infinite", predict(fit, newx = x, s = Inf), "`s` must be a numeric vector of non-negative lambda values."),
  bad("predict: s empty", predict(fit, newx = x, s = numeric(0)), "`s` must be a numeric vector of non-negative lambda values."),
  bad("predict: type unknown", predict(fit, newx = x, type = "probability"),
      "`type` must be one of \"link\", \"response\", \"coefficients\", \"nonzero\", \"class\"; got \"probability\"."),
  bad("predict: type two values", predict(fit, newx = x, type = c("link", "response")),
      "`type` must be one of \"link\", \"response\", \"coefficients\", \"nonzero\", \"class\"; got a value that is not a single string."),
  bad("predict: type NA", predict(fit, newx = x, type = NA), "`type` must be one of"),
  bad("predict: class for gaussian", predict(fit, newx = x, type = "class"),
      "`type = \"class\"` is only for families \"binomial\" and \"multinomial\"; this fit is \"gaussian\"."),
  bad("predict: exact = TRUE", predict(fit, newx = x, exact = TRUE), "`exact = TRUE` is not supported; solutions are interpolated."),
  bad("predict: misspelled argument", predict(fit, newx = x, lamda = 0.1), "`lamda` is not an argument of predict(); check the spelling."),
  bad("predict: newoffset missing", predict(fit_offset, newx = x), "`newoffset` is required because the model was fitted with an offset."),
  bad("predict: newoffset NULL", predict(fit_offset, newx = x, newoffset = NULL),
      "`newoffset` is required because the model was fitted with an offset."),
  bad("predict: newoffset too short", predict(fit_offset, newx = x, newoffset = 1:3), "`newoffset` has length 3 but `newx` has 30 rows."),
  bad("predict: newoffset NA", predict(fit_offset, newx = x, newoffset = rep(NA_real_, 30)),
      "`newoffset` must not contain NA, NaN or Inf values."),
  bad("predict: multinomial newoffset a vector", predict(fit_multinomial, newx = x, newoffset = rep(0, 30)),
      "`newoffset` for family \"multinomial\" must be a numeric matrix with 30 rows and 3 columns (one per class)."),
  bad("predict: relaxed gamma above 1", predict(fit_relaxed, newx = x, gamma = 2), "`gamma` must be in [0, 1]; got 2."),
  bad("predict: relaxed type unknown", predict(fit_relaxed, newx = x, type = "fitted"), "`type` must be one of"),

  # coef() on a glmsparse fit
  bad("coef: s negative", coef(fit, s = -1), "`s` must be a numeric vector of non-negative lambda values."),
  bad("coef: s NaN", coef(fit, s = NaN), "`s` must be a numeric vector of non-negative lambda values."),
  bad("coef: s character", coef(fit, s = "0.1"), "`s` must be a numeric vector of non-negative lambda values."),
  bad("coef: s a list", coef(fit, s = list(0.1)), "`s` must be a numeric vector of non-negative lambda values."),
  bad("coef: exact = TRUE", coef(fit, s = 0.1, exact = TRUE), "`exact = TRUE` is not supported; solutions are interpolated."),
  bad("coef: misspelled argument", coef(fit, lamda = 0.1), "`lamda` is not an argument of coef(); check the spelling."),
  bad("coef.cv: misspelled argument", coef(cv, lamda = 0.1), "`lamda` is not an argument of coef(); check the spelling."),
  bad("coef: relaxed gamma two values", coef(fit_relaxed, gamma = c(0, 1)), "`gamma` must be a single finite number."),

  # predict() and coef() on cross-validation results
  bad("predict.cv: s \"lambda.foo\"", predict(cv, newx = x, s = "lambda.foo"), "`s` must be one of \"lambda.1se\", \"lambda.min\"."),
  bad("predict.cv: s negative", predict(cv, newx = x, s = -1), "`s` must be a numeric vector of non-negative lambda values."),
  bad("predict.cv: newx with a column short", predict(cv, newx = x[, 1:3]), "`newx` must have 4 columns, as the fitted `x`; got 3."),
  bad("predict.cv: newx with NA", predict(cv, newx = x_na), "`newx` must not contain NA, NaN or Inf values."),
  bad("predict.cv: newx missing", predict(cv), "`newx` is required for type = \"link\"."),
  bad("predict.cv: type unknown", predict(cv, newx = x, type = "foo"), "`type` must be one of"),
  bad("coef.cv: s NA", coef(cv, s = NA), "`s` must be \"lambda.1se\", \"lambda.min\" or numeric lambda values."),
  bad("coef.cv: s TRUE", coef(cv, s = TRUE), "`s` must be \"lambda.1se\", \"lambda.min\" or numeric lambda values."),
  bad("coef.cv: s a factor", coef(cv, s = factor("lambda.min")), "`s` must be \"lambda.1se\", \"lambda.min\" or numeric lambda values."),
  bad("coef.cv: s both names", coef(cv, s = c("lambda.min", "lambda.1se")), "`s` must be one of \"lambda.1se\", \"lambda.min\"."),
  bad("predict.cv relaxed: gamma \"gamma.foo\"", predict(cv_relaxed, newx = x, gamma = "gamma.foo"),
      "`gamma` must be one of \"gamma.1se\", \"gamma.min\"."),
  bad("coef.cv relaxed: gamma two values", coef(cv_relaxed, gamma = c(0, 0.5)), "`gamma` must be a single finite number."),
  bad("coef.cv relaxed: s \"lambda.foo\"", coef(cv_relaxed, s = "lambda.foo"), "`s` must be one of \"lambda.1se\", \"lambda.min\"."),
  bad("predict.cva: alpha not cross-validated", predict(cva, newx = x, alpha = 0.3),
      "`alpha` = 0.3 is not one of the cross-validated values: 0.5, 1.0."),
  bad("coef.cva: alpha character", coef(cva, alpha = "1"), "`alpha` must be a single number."),
  bad("predict.cva: s \"lambda.foo\"", predict(cva, newx = x, s = "lambda.foo"), "`s` must be one of \"lambda.1se\", \"lambda.min\"."),
  bad("predict.cva: newx with a column short", predict(cva, newx = x[, 1:2]), "`newx` must have 4 columns, as the fitted `x`; got 2."),
  bad("coef.cva: s negative", coef(cva, s = -1), "`s` must be a numeric vector of non-negative lambda values."),

  # plot()
  bad("plot: xvar unknown", plot(fit, xvar = "foo"), "`xvar` must be one of \"norm\", \"lambda\", \"dev\"; got \"foo\"."),
  bad("plot: xvar NA", plot(fit, xvar = NA), "`xvar` must be one of \"norm\", \"lambda\", \"dev\"; got a value that is not a single string."),
  bad("plot: xvar numeric", plot(fit, xvar = 1), "`xvar` must be one of \"norm\", \"lambda\", \"dev\""),
  bad("plot: label NA", plot(fit, label = NA), "`label` must be TRUE or FALSE."),
  bad("plot: type.coef unknown", plot(fit_multinomial, type.coef = "1norm"), "`type.coef` must be one of \"coef\", \"2norm\"; got \"1norm\"."),
  bad("plot relaxed: xvar norm", plot(fit_relaxed, xvar = "norm"), "`xvar` must be one of \"lambda\", \"dev\"; got \"norm\"."),
  bad("plot relaxed: gamma above 1", plot(fit_relaxed, gamma = 2), "`gamma` must be a numeric vector of values in [0, 1]."),
  bad("plot.cv: sign.lambda 0", plot(cv, sign.lambda = 0), "`sign.lambda` must be 1 or -1; got 0."),
  bad("plot.cv: sign.lambda 2", plot(cv, sign.lambda = 2), "`sign.lambda` must be in [-1, 1]; got 2."),
  bad("plot.cv: sign.lambda character", plot(cv, sign.lambda = "-1"), "`sign.lambda` must be a single finite number."),
  bad("plot.cv relaxed: se.bands NA", plot(cv_relaxed, se.bands = NA), "`se.bands` must be TRUE or FALSE.")
)

# Rows that need the survival package.
survival_inputs <- if (requireNamespace("survival", quietly = TRUE)) {
  time <- rexp(30)
  status <- rep(c(1, 0, 1), 10)
  surv <- survival::Surv(time, status)
  fit_cox <- glmsparse(x, surv, family = "cox")
  list(
    bad("glmsparse: Surv y for gaussian", glmsparse(x, surv),
        "`y` is a survival::Surv object, a response for family \"cox\"; this fit has family \"gaussian\"."),
    bad("glmsparse: Surv y for binomial", glmsparse(x, surv, family = "binomial"),
        "`y` is a survival::Surv object, a response for family \"cox\"; this fit has family \"binomial\"."),
    bad("glmsparse: Surv y for multinomial", glmsparse(x, surv, family = "multinomial"),
        "`y` is a survival::Surv object, a response for family \"cox\"; this fit has family \"multinomial\"."),
    bad("glmsparse: Surv y for mgaussian", glmsparse(x, surv, family = "mgaussian"),
        "`y` is a survival::Surv object, a response for family \"cox\"; this fit has family \"mgaussian\"."),
    bad("glmsparse: left-censored y for cox", glmsparse(x, survival::Surv(time, status, type = "left"), family = "cox"),
        "`y` for family \"cox\" must be a Surv object of type \"right\" or \"counting\"; got \"left\"."),
    bad("cv.glmsparse: mse for cox", cv.glmsparse(x, surv, family = "cox", type.measure = "mse"),
        "`type.measure` = \"mse\" does not suit family \"cox\"; use one of \"deviance\", \"C\"."),
    bad("cv.glmsparse: C with every time tied", cv.glmsparse(x, survival::Surv(rep(1, 30), rep(1, 30)), family = "cox",
                                                            type.measure = "C", nfolds = 3),
        "The cross-validated measure could not be computed at any lambda"),
    bad("predict: class for cox", predict(fit_cox, newx = x, type = "class"),
        "`type = \"class\"` is only for families \"binomial\" and \"multinomial\"; this fit is \"cox\"."),
    bad("predict: cox type unknown", predict(fit_cox, newx = x, type = "risk"),
        "`type` must be one of \"link\", \"response\", \"coefficients\", \"nonzero\"; got \"risk\"."),
    bad("predict: cox newx with NA", predict(fit_cox, newx = x_na), "`newx` must not contain NA, NaN or Inf values."),
    bad("predict: cox newx with a column short", predict(fit_cox, newx = x[, -4]), "`newx` must have 4 columns, as the fitted `x`; got 3."),
    bad("coef: cox s negative", coef(fit_cox, s = -1), "`s` must be a numeric vector of non-negative lambda values.")
  )
}

# The condition signalled first by evaluating a row, warnings included.
first_condition <- function(expr) {
  tryCatch({
    eval(expr)
    NULL
  }, condition = identity)
}

check_rows <- function(rows) {
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  for (row in rows) {
    condition <- first_condition(row$expr)
    if (!inherits(condition, "error")) {
      fail(sprintf("%s: no error (got %s)", row$label, if (is.null(condition)) "a result" else class(condition)[1]))
      next
    }
    expect_null(conditionCall(condition), label = row$label)
    expect_true(grepl(row$message, conditionMessage(condition), fixed = TRUE),
                label = sprintf("%s: message \"%s\" contains \"%s\"", row$label, conditionMessage(condition), row$message))
  }
}

test_that("every bad input stops with a message naming the argument, without a call", {
  expect_gte(length(bad_inputs), 60L)
  check_rows(bad_inputs)
})

test_that("bad survival inputs and methods of cox fits stop the same way", {
  skip_if_not_installed("survival")
  check_rows(survival_inputs)
})
