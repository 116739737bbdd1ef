# Lasso paths, glmsparse against glmnet: time, peak memory and distance to
# the optimum. Run from the repository root:
#   Rscript bench/paths.R [--family=gaussian|binomial|poisson|multinomial|cox] [--grouped] [--quick]
# --quick divides n and p by 10 (a smoke run); --grouped fits multinomial
# paths with type.multinomial = "grouped" (results in multinomial_grouped.md). The protocol is described in
# bench/README.md; results go to bench/results/<family>.md.

suppressPackageStartupMessages({
  library(Matrix)
  library(glmnet)
  library(glmsparse)
})
source(file.path("bench", "simulate.R"))
source(file.path("bench", "report.R"))

arguments <- commandArgs(trailingOnly = TRUE)
quick <- "--quick" %in% arguments
family_argument <- grep("^--family=", arguments, value = TRUE)
family <- if (length(family_argument) > 0L) sub("^--family=", "", family_argument[1]) else "gaussian"
scale_down <- if (quick) 10 else 1
n_runs <- 5L
n_lambda <- 100L
alpha <- 1
grouped <- family == "multinomial" && "--grouped" %in% arguments
type_multinomial <- if (grouped) "grouped" else "ungrouped"
results_path <- file.path("bench", "results", paste0(family, if (grouped) "_grouped", ".md"))

all_cases <- data.frame(
  case = c("dense_tall", "dense_wide", "dense_very_wide", "sparse", "dense_medium"),
  n = c(10000, 1000, 500, 20000, 5000),
  p = c(1000, 10000, 50000, 50000, 1000),
  sparse = c(FALSE, FALSE, FALSE, TRUE, FALSE)
)
case_names <- switch(family,
  gaussian = all_cases$case,
  binomial = c("dense_tall", "dense_very_wide", "sparse"),
  poisson = "dense_tall",
  multinomial = "dense_medium",
  cox = "dense_medium",
  stop("--family must be gaussian, binomial, poisson, multinomial or cox"))
cases <- all_cases[all_cases$case %in% case_names, ]
cases$n <- cases$n / scale_down
cases$p <- cases$p / scale_down

# glmsparse runs with its default threads (RcppParallel's default: every core)
# and, for comparison with the single-threaded glmnet, with one thread.
fit_package <- function(package, x, y, lambda, thresh = 1e-7) {
  switch(package,
         glmsparse = glmsparse(x, y, family = family, alpha = alpha, lambda = lambda,
                               thresh = thresh, type.multinomial = type_multinomial),
         glmsparse_1thread = glmsparse(x, y, family = family, alpha = alpha, lambda = lambda,
                                       thresh = thresh, type.multinomial = type_multinomial,
                                       nthreads = 1),
         glmnet = glmnet(x, y, family = family, alpha = alpha, lambda = lambda, thresh = thresh,
                         type.multinomial = type_multinomial,
                         maxit = if (thresh < 1e-7) 1e7 else 1e5))
}

# Median elapsed seconds over n_runs runs, the two packages interleaved so that
# drifts of the machine (frequency, other load) hit both alike.
time_fits <- function(x, y, lambda, packages = c("glmsparse", "glmnet")) {
  seconds <- matrix(NA_real_, n_runs, length(packages), dimnames = list(NULL, packages))
  for (run in seq_len(n_runs)) {
    for (package in packages) {
      invisible(gc())
      start <- bench::hires_time()
      fit_package(package, x, y, lambda)
      seconds[run, package] <- bench::hires_time() - start
    }
  }
  apply(seconds, 2, stats::median)
}

# Memory in MB of one fit, two ways. r_alloc_mb: what R allocates during the
# call (bench::bench_memory; heap memory of C, C++ and Fortran is not seen).
# peak_mb: increase of the peak resident set size during the fit, in a fresh R
# process that has already loaded the data, so every allocation counts. The
# peak is reset after loading by writing 5 to /proc/self/clear_refs (Linux).
peak_memory <- function(package, x, y, lambda, data_path) {
  r_alloc <- bench::bench_memory(fit_package(package, x, y, lambda))$mem_alloc
  peak_kb <- callr::r(function(package, data_path, family, alpha) {
    resident_kb <- function(field) {
      line <- grep(paste0("^", field, ":"), readLines("/proc/self/status"), value = TRUE)
      as.numeric(gsub("[^0-9]", "", line))
    }
    suppressPackageStartupMessages(library(package, character.only = TRUE))
    data <- readRDS(data_path)
    fit_function <- get(package)
    invisible(gc())
    baseline <- resident_kb("VmRSS")
    writeLines("5", "/proc/self/clear_refs")
    fit_function(data$x, data$y, family = family, alpha = alpha, lambda = data$lambda)
    resident_kb("VmHWM") - baseline
  }, args = list(package = package, data_path = data_path, family = family, alpha = alpha))
  c(r_alloc_mb = as.numeric(r_alloc) / 2^20, peak_mb = peak_kb / 2^10)
}

column_sd <- function(x) {
  centre <- Matrix::colMeans(x)
  sqrt(pmax(Matrix::colMeans(x^2) - centre^2, 0))
}

# Penalized objective at every lambda of a path, glmnet's conventions (unit
# weights, intercept, standardize = TRUE):
#   loss + lambda sum_j (alpha |beta_j| s_j + (1 - alpha) / 2 beta_j^2 s_j^2 / s_y)
# with loss 0.5 mean((y - eta)^2) for gaussian, mean(log(1 + e^eta) - y eta)
# for binomial, mean(e^eta - y eta) for poisson, the Breslow deviance over
# 2n for cox (no intercept); s_j and s_y are standard
# deviations with divisor n, and s_y = 1 except for gaussian. Only the
# columns of x that are ever nonzero on the path enter the products.
objective_path <- function(fit, x, y) {
  if (family == "multinomial") return(multinomial_objective_path(fit, x, y))
  beta <- as(fit$beta, "CsparseMatrix")
  active <- sort(unique(beta@i)) + 1L
  s_y <- if (family == "gaussian") sqrt(mean((y - mean(y))^2)) else 1
  loss <- function(eta) {
    switch(family,
      gaussian = 0.5 * colMeans((y - eta)^2),
      binomial = colMeans(pmax(eta, 0) + log1p(exp(-abs(eta))) - y * eta),
      poisson = colMeans(exp(eta) - y * eta),
      # glmnet's own Breslow deviance, 2 (saturated - fitted log partial likelihood).
      cox = apply(eta, 2, function(column) glmnet::coxnet.deviance(pred = column, y = y)) / (2 * nrow(x)))
  }
  # Cox models have no intercept (a0 is NULL).
  a0 <- if (is.null(fit$a0)) rep(0, length(fit$lambda)) else fit$a0
  intercepts <- matrix(a0, nrow(x), length(a0), byrow = TRUE)
  if (length(active) == 0L) return(loss(intercepts))
  x_active <- x[, active, drop = FALSE]
  beta_active <- as.matrix(beta[active, , drop = FALSE])
  eta <- as.matrix(x_active %*% beta_active) + intercepts
  s_active <- column_sd(x_active)
  penalty <- alpha * colSums(abs(beta_active) * s_active) +
    (1 - alpha) / 2 * colSums(beta_active^2 * s_active^2) / s_y
  loss(eta) + fit$lambda * penalty
}

# The same for multinomial: minus the mean log-likelihood plus the elastic
# net on every class's coefficients (ungrouped), or on each variable's
# coefficients across the classes, with its Euclidean norm in place of the
# absolute value (grouped).
multinomial_objective_path <- function(fit, x, y) {
  indicator <- outer(as.integer(y), seq_len(nlevels(y)), "==")
  s_x <- column_sd(x)
  vapply(seq_along(fit$lambda), function(l) {
    beta <- vapply(fit$beta, function(b) as.vector(b[, l]), numeric(ncol(x)))
    eta <- sweep(as.matrix(x %*% beta), 2, fit$a0[, l], "+")
    top <- apply(eta, 1, max)
    loss <- mean(top + log(rowSums(exp(eta - top))) - rowSums(indicator * eta))
    scaled <- beta * s_x
    lasso <- if (grouped) sum(sqrt(rowSums(scaled^2))) else sum(abs(scaled))
    loss + fit$lambda[l] * (alpha * lasso + (1 - alpha) / 2 * sum(scaled^2))
  }, numeric(1))
}

# Largest relative excess objective over the path, (obj - obj_ref) / obj_ref,
# against glmnet run to thresh = 1e-13.
objective_gap <- function(fits, reference, x, y) {
  reference_objective <- objective_path(reference, x, y)
  vapply(fits, function(fit) {
    objective <- objective_path(fit, x, y)
    common <- seq_len(min(length(objective), length(reference_objective)))
    if (length(objective) != length(reference_objective)) {
      warning(sprintf("path lengths differ: %d against %d for the reference",
                      length(objective), length(reference_objective)), call. = FALSE)
    }
    max((objective[common] - reference_objective[common]) / reference_objective[common])
  }, numeric(1))
}

run_case <- function(case, n, p, sparse, seed) {
  message(sprintf("%s: n = %d, p = %d", case, n, p))
  data <- simulate(n, p, sparse, seed, family)
  x <- data$x
  y <- data$y
  lambda <- if (family == "multinomial") {
    default_lambda(x, y, family, alpha, n_lambda, type.multinomial = type_multinomial)
  } else {
    default_lambda(x, y, family, alpha, n_lambda)
  }
  packages <- c(glmsparse = "glmsparse", glmnet = "glmnet")

  fits <- lapply(packages, fit_package, x = x, y = y, lambda = lambda)
  reference <- fit_package("glmnet", x, y, lambda, thresh = if (family == "multinomial") 1e-12 else 1e-13)
  gap <- objective_gap(fits, reference, x, y)
  seconds <- time_fits(x, y, lambda, c(packages, glmsparse_1thread = "glmsparse_1thread"))

  data_path <- tempfile(fileext = ".rds")
  on.exit(unlink(data_path))
  saveRDS(list(x = x, y = y, lambda = lambda), data_path, compress = FALSE)
  memory <- vapply(packages, peak_memory, numeric(2), x = x, y = y, lambda = lambda,
                   data_path = data_path)

  data.frame(
    case = case, n = n, p = p,
    glmsparse_sec = seconds[["glmsparse"]], glmnet_sec = seconds[["glmnet"]],
    speedup = seconds[["glmnet"]] / seconds[["glmsparse"]],
    glmsparse_1thread_sec = seconds[["glmsparse_1thread"]],
    speedup_1thread = seconds[["glmnet"]] / seconds[["glmsparse_1thread"]],
    glmsparse_peak_mb = memory["peak_mb", "glmsparse"],
    glmnet_peak_mb = memory["peak_mb", "glmnet"],
    glmsparse_gap = gap[["glmsparse"]], glmnet_gap = gap[["glmnet"]],
    glmsparse_r_alloc_mb = memory["r_alloc_mb", "glmsparse"],
    glmnet_r_alloc_mb = memory["r_alloc_mb", "glmnet"],
    row.names = NULL
  )
}

format_results <- function(results) {
  formatted <- results
  formatted$n <- format(results$n, big.mark = ",", trim = TRUE)
  formatted$p <- format(results$p, big.mark = ",", trim = TRUE)
  for (column in grep("_sec$", names(results), value = TRUE)) formatted[[column]] <- sprintf("%.3f", results[[column]])
  for (column in grep("^speedup", names(results), value = TRUE)) formatted[[column]] <- sprintf("%.2f", results[[column]])
  for (column in grep("_mb$", names(results), value = TRUE)) formatted[[column]] <- sprintf("%.1f", results[[column]])
  for (column in grep("_gap$", names(results), value = TRUE)) formatted[[column]] <- sprintf("%.1e", results[[column]])
  formatted
}

write_results <- function(results, path) {
  dir.create(dirname(path), showWarnings = FALSE, recursive = TRUE)
  lines <- c(
    sprintf("# %s%s lasso path benchmark%s", family, if (grouped) " (grouped)" else "",
            if (quick) " (--quick)" else ""),
    "",
    machine_info(),
    "",
    sprintf("Median elapsed seconds of %d interleaved runs, %d lambdas, alpha = %g.",
            n_runs, n_lambda, alpha),
    sprintf("glmsparse with its default %d threads and with nthreads = 1; glmnet is single-threaded.",
            RcppParallel::defaultNumThreads()),
    "peak_mb: increase of peak resident memory during one fit in a fresh R process.",
    sprintf("gap: max over lambdas of (objective - reference) / reference, reference glmnet with thresh = %g.",
            if (family == "multinomial") 1e-12 else 1e-13),
    "r_alloc_mb: R-level allocations only (bench::bench_memory).",
    "",
    markdown_table(format_results(results))
  )
  writeLines(lines, path)
}

results <- do.call(rbind, lapply(seq_len(nrow(cases)), function(i) {
  run_case(cases$case[i], cases$n[i], cases$p[i], cases$sparse[i], seed = i)
}))
print(format_results(results), row.names = FALSE)
write_results(results, results_path)
message("written ", results_path)
