# 10-fold cross-validation, cv.glmsparse against cv.glmnet (serial, and with
# its folds on a 2-worker doParallel backend): time, peak memory, and the
# agreement of the two cross-validation curves. Run from the repository root:
#   Rscript bench/cv.R [--quick]
# --quick divides n and p by 10 (a smoke run). The protocol is described in
# bench/README.md; results go to bench/results/cv.md.

suppressPackageStartupMessages({
  library(Matrix)
  library(glmnet)
  library(glmsparse)
  library(doParallel)
})
source(file.path("bench", "simulate.R"))
source(file.path("bench", "report.R"))

quick <- "--quick" %in% commandArgs(trailingOnly = TRUE)
scale_down <- if (quick) 10 else 1
n_runs <- 3L
n_lambda <- 100L
n_folds <- 10L
n_workers <- 2L
fold_seed <- 2024L
alpha <- 1
results_path <- file.path("bench", "results", "cv.md")

# paths.R's dense_tall case (its first case, seed 1) for both families.
cases <- data.frame(family = c("gaussian", "binomial"), case = "dense_tall",
                    n = 10000 / scale_down, p = 1000 / scale_down, seed = 1L)

contenders <- c("cv.glmsparse", "cv.glmsparse_1thread", "cv.glmnet", "cv.glmnet_2workers")

# Every fit of the benchmark. Only its arguments and the packages' exported
# functions are used, so that it also runs in a fresh process (peak_memory).
fit_contender <- function(contender, x, y, family, alpha, lambda, foldid) {
  switch(contender,
    cv.glmsparse = glmsparse::cv.glmsparse(x, y, family = family, alpha = alpha,
                                           lambda = lambda, foldid = foldid),
    cv.glmsparse_1thread = glmsparse::cv.glmsparse(x, y, family = family, alpha = alpha,
                                                   lambda = lambda, foldid = foldid,
                                                   nthreads = 1),
    cv.glmnet = glmnet::cv.glmnet(x, y, family = family, alpha = alpha, lambda = lambda,
                                  foldid = foldid),
    cv.glmnet_2workers = glmnet::cv.glmnet(x, y, family = family, alpha = alpha,
                                           lambda = lambda, foldid = foldid, parallel = TRUE),
    glmsparse = glmsparse::glmsparse(x, y, family = family, alpha = alpha, lambda = lambda),
    glmnet = glmnet::glmnet(x, y, family = family, alpha = alpha, lambda = lambda))
}

# Median elapsed seconds over n_runs runs, the contenders interleaved so that
# drifts of the machine (frequency, other load) hit all alike.
time_contenders <- function(x, y, family, lambda, foldid) {
  seconds <- matrix(NA_real_, n_runs, length(contenders), dimnames = list(NULL, contenders))
  for (run in seq_len(n_runs)) {
    for (contender in contenders) {
      invisible(gc())
      start <- bench::hires_time()
      fit_contender(contender, x, y, family, alpha, lambda, foldid)
      seconds[run, contender] <- bench::hires_time() - start
    }
  }
  apply(seconds, 2, stats::median)
}

# Peak resident set size, in MB, of one call in a fresh R process that has
# already loaded the data: c(increase, process), the increase of the peak
# during the call (the peak is reset after loading by writing 5 to
# /proc/self/clear_refs, Linux) and the peak of the whole process (R, the
# data and the call). Only this process is seen: the workers of a doParallel
# backend are processes of their own.
peak_memory <- function(contender, family, data_path) {
  peak_kb <- callr::r(function(fit_contender, contender, family, alpha, data_path) {
    resident_kb <- function(field) {
      line <- grep(paste0("^", field, ":"), readLines("/proc/self/status"), value = TRUE)
      as.numeric(gsub("[^0-9]", "", line))
    }
    suppressPackageStartupMessages({
      library(glmnet)
      library(glmsparse)
    })
    data <- readRDS(data_path)
    invisible(gc())
    baseline <- resident_kb("VmRSS")
    writeLines("5", "/proc/self/clear_refs")
    fit_contender(contender, data$x, data$y, family, alpha, data$lambda, data$foldid)
    peak <- resident_kb("VmHWM")
    c(increase = peak - baseline, process = peak)
  }, args = list(fit_contender = fit_contender, contender = contender, family = family,
                 alpha = alpha, data_path = data_path))
  peak_kb / 2^10
}

# Data, agreement of the curves and times of one case; the data are saved
# to data_path for the memory measurements.
time_case <- function(family, case, n, p, seed, data_path) {
  message(sprintf("%s %s: n = %d, p = %d", family, case, n, p))
  data <- simulate(n, p, sparse = FALSE, seed = seed, family = family)
  x <- data$x
  y <- data$y
  lambda <- default_lambda(x, y, family, alpha, n_lambda)
  set.seed(fold_seed)
  foldid <- sample(rep(seq_len(n_folds), length.out = n))
  saveRDS(list(x = x, y = y, lambda = lambda, foldid = foldid), data_path, compress = FALSE)

  # Also the untimed first run of each package.
  cv_glmsparse <- fit_contender("cv.glmsparse", x, y, family, alpha, lambda, foldid)
  cv_glmnet <- fit_contender("cv.glmnet", x, y, family, alpha, lambda, foldid)
  if (!isTRUE(all.equal(cv_glmsparse$lambda, cv_glmnet$lambda))) stop("the lambdas differ")
  cvm_difference <- max(abs(cv_glmsparse$cvm - cv_glmnet$cvm) / cv_glmnet$cvm)
  message(sprintf("  cvm: max relative difference %.1e; lambda.min index %d (glmsparse), %d (glmnet)",
                  cvm_difference, cv_glmsparse$index["min", 1], cv_glmnet$index["min", 1]))

  seconds <- time_contenders(x, y, family, lambda, foldid)
  data.frame(
    family = family, case = case, n = n, p = p,
    cv_glmsparse_sec = seconds[["cv.glmsparse"]],
    cv_glmsparse_1thread_sec = seconds[["cv.glmsparse_1thread"]],
    cv_glmnet_sec = seconds[["cv.glmnet"]],
    cv_glmnet_2workers_sec = seconds[["cv.glmnet_2workers"]],
    speedup = seconds[["cv.glmnet"]] / seconds[["cv.glmsparse"]],
    speedup_2workers = seconds[["cv.glmnet_2workers"]] / seconds[["cv.glmsparse"]],
    speedup_1thread = seconds[["cv.glmnet"]] / seconds[["cv.glmsparse_1thread"]],
    cvm_rel_diff = cvm_difference
  )
}

# Peak memory of the CV calls and of single fits, and cv.glmsparse's R
# allocations, on the data saved by time_case().
measure_case <- function(family, data_path) {
  measured <- c("glmsparse", "cv.glmsparse", "cv.glmsparse_1thread", "glmnet", "cv.glmnet")
  peaks <- vapply(measured, peak_memory, numeric(2), family = family, data_path = data_path)
  peak_mb <- peaks["increase", ]
  process_mb <- peaks["process", ]
  data <- readRDS(data_path)
  r_alloc_mb <- as.numeric(bench::bench_memory(
    fit_contender("cv.glmsparse", data$x, data$y, family, alpha, data$lambda, data$foldid))$mem_alloc) / 2^20
  data.frame(
    glmsparse_peak_mb = peak_mb[["glmsparse"]],
    cv_glmsparse_peak_mb = peak_mb[["cv.glmsparse"]],
    peak_ratio = peak_mb[["cv.glmsparse"]] / peak_mb[["glmsparse"]],
    glmsparse_process_mb = process_mb[["glmsparse"]],
    cv_glmsparse_process_mb = process_mb[["cv.glmsparse"]],
    process_ratio = process_mb[["cv.glmsparse"]] / process_mb[["glmsparse"]],
    cv_glmsparse_1thread_peak_mb = peak_mb[["cv.glmsparse_1thread"]],
    glmnet_peak_mb = peak_mb[["glmnet"]],
    cv_glmnet_peak_mb = peak_mb[["cv.glmnet"]],
    cv_glmsparse_r_alloc_mb = r_alloc_mb
  )
}

format_results <- function(results) {
  formatted <- results
  formatted$n <- format(results$n, big.mark = ",", trim = TRUE)
  formatted$p <- format(results$p, big.mark = ",", trim = TRUE)
  for (column in grep("_sec$", names(results), value = TRUE)) formatted[[column]] <- sprintf("%.2f", results[[column]])
  for (column in grep("^speedup|_ratio$", names(results), value = TRUE)) formatted[[column]] <- sprintf("%.2f", results[[column]])
  for (column in grep("_mb$", names(results), value = TRUE)) formatted[[column]] <- sprintf("%.1f", results[[column]])
  formatted$cvm_rel_diff <- sprintf("%.1e", results$cvm_rel_diff)
  formatted
}

write_results <- function(results, path) {
  dir.create(dirname(path), showWarnings = FALSE, recursive = TRUE)
  lines <- c(
    sprintf("# %d-fold cross-validation benchmark%s", n_folds, if (quick) " (--quick)" else ""),
    "",
    machine_info(),
    sprintf("- doParallel %s, foreach %s", packageVersion("doParallel"), packageVersion("foreach")),
    "",
    sprintf("Median elapsed seconds of %d interleaved runs, %d lambdas, alpha = %g, the same foldid for all.",
            n_runs, n_lambda, alpha),
    sprintf("cv.glmsparse with its default %d threads and with nthreads = 1; cv.glmnet serial and with parallel = TRUE on %d doParallel workers.",
            RcppParallel::defaultNumThreads(), n_workers),
    "speedup: cv.glmnet serial over cv.glmsparse; speedup_2workers: cv.glmnet on 2 workers over cv.glmsparse; speedup_1thread: cv.glmnet serial over cv.glmsparse with one thread.",
    "peak_mb: increase of peak resident memory during one call in a fresh R process (the main process only).",
    "peak_ratio: cv.glmsparse's peak_mb over that of one glmsparse() fit at the same lambdas.",
    "process_mb: peak resident memory of the whole process (R, the loaded data and the call); process_ratio: cv.glmsparse's over one glmsparse() fit's.",
    "r_alloc_mb: R-level allocations only (bench::bench_memory).",
    "cvm_rel_diff: max over lambdas of |cvm(glmsparse) - cvm(glmnet)| / cvm(glmnet).",
    "",
    markdown_table(format_results(results))
  )
  writeLines(lines, path)
}

data_paths <- replicate(nrow(cases), tempfile(fileext = ".rds"))
registerDoParallel(n_workers)
times <- lapply(seq_len(nrow(cases)), function(i) {
  time_case(cases$family[i], cases$case[i], cases$n[i], cases$p[i], cases$seed[i], data_paths[i])
})
stopImplicitCluster()
# All forks of the doParallel backend are over before callr is first used:
# once loaded, its SIGCHLD handler (processx) reaps forked workers that
# parallel then fails to clean up.
memory <- lapply(seq_len(nrow(cases)), function(i) measure_case(cases$family[i], data_paths[i]))
unlink(data_paths)
results <- cbind(do.call(rbind, times), do.call(rbind, memory))
results <- results[c(setdiff(names(results), "cvm_rel_diff"), "cvm_rel_diff")]
print(format_results(results), row.names = FALSE)
write_results(results, results_path)
message("written ", results_path)
