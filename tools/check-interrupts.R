# Checks that an interrupt (SIGINT, as Ctrl-C sends) stops a long fit and a
# parallel cv.glmsparse within a second and leaves the R session usable.
#
# Each case runs in a child R process, which starts the long computation
# inside tryCatch(interrupt = ...), notes the time the interrupt reached R,
# then fits a small model to show that the session still works. The parent
# sends SIGINT while the computation is under way and compares the times.
#
#   Rscript tools/check-interrupts.R
if (!requireNamespace("processx", quietly = TRUE)) stop("check-interrupts.R needs the processx package")
if (!requireNamespace("glmsparse", quietly = TRUE)) stop("install glmsparse first (make install)")

max_latency <- 1  # seconds

# Child: the problem, the computation under test and the proof of a usable
# session. `long_call` is evaluated after `setup`; the child reports through
# files in `dir`: start (time the call began), reference (its expected
# duration, when measured), caught (time the interrupt arrived), usable.
child_script <- function(dir, setup, long_call, measure_first) {
  sprintf('
suppressPackageStartupMessages(library(glmsparse))
stamp <- function(name, value = format(as.numeric(Sys.time()), digits = 17))
  writeLines(as.character(value), file.path(%s, name))
%s
if (%s) {
  started <- Sys.time()
  invisible(glmsparse(x, y, family = family, lambda.min.ratio = 1e-3, thresh = 1e-12, nthreads = 1))
  stamp("reference", as.numeric(Sys.time() - started, units = "secs"))
}
outcome <- tryCatch({
  stamp("start")
  %s
  "finished"
}, interrupt = function(condition) {
  stamp("caught")
  "interrupted"
})
writeLines(outcome, file.path(%s, "outcome"))
small <- glmsparse(x[1:50, 1:5], y[1:50], family = family)
stopifnot(inherits(small, "glmsparse"), length(small$lambda) > 1)
stamp("usable", "yes")
', deparse(dir), setup, measure_first, long_call, deparse(dir))
}

read_stamp <- function(dir, name) {
  path <- file.path(dir, name)
  if (!file.exists(path)) return(NULL)
  value <- readLines(path, warn = FALSE)
  if (!length(value)) return(NULL)
  value
}

wait_for <- function(dir, name, process, timeout) {
  deadline <- Sys.time() + timeout
  while (is.null(read_stamp(dir, name))) {
    if (!process$is_alive() && is.null(read_stamp(dir, name))) {
      stop(sprintf("child exited before writing '%s':\n%s", name, paste(process$read_all_error(), collapse = "\n")))
    }
    if (Sys.time() > deadline) stop(sprintf("timed out waiting for '%s'", name))
    Sys.sleep(0.02)
  }
  read_stamp(dir, name)
}

# Runs one case: interrupt `delay(reference)` seconds after the long call
# started; returns the latency in seconds.
check_case <- function(label, setup, long_call, delay, measure_first = FALSE) {
  dir <- tempfile("interrupt-")
  dir.create(dir)
  on.exit(unlink(dir, recursive = TRUE), add = TRUE)
  script <- file.path(dir, "child.R")
  writeLines(child_script(dir, setup, long_call, measure_first), script)
  process <- processx::process$new(file.path(R.home("bin"), "Rscript"), script,
                                   stdout = "|", stderr = "|")
  on.exit(if (process$is_alive()) process$kill(), add = TRUE)
  reference <- if (measure_first) as.numeric(wait_for(dir, "reference", process, 300)) else NA
  start <- as.numeric(wait_for(dir, "start", process, 300))
  wait <- start + delay(reference) - as.numeric(Sys.time())
  if (wait > 0) Sys.sleep(wait)
  if (!is.null(read_stamp(dir, "outcome"))) stop(label, ": the computation finished before the interrupt; make it longer")
  sent <- as.numeric(Sys.time())
  process$interrupt()
  outcome <- wait_for(dir, "outcome", process, 60)
  if (outcome != "interrupted") stop(label, ": the interrupt did not reach R (outcome: ", outcome, ")")
  latency <- as.numeric(read_stamp(dir, "caught")) - sent
  usable <- wait_for(dir, "usable", process, 60)
  process$wait(30000)  # milliseconds
  if (process$get_exit_status() != 0) {
    stop(label, ": the child failed after the interrupt:\n", paste(process$read_all_error(), collapse = "\n"))
  }
  ok <- latency < max_latency && identical(usable, "yes")
  cat(sprintf("%-44s interrupted %.1f s in%s, control back after %.3f s, session usable: %s  %s\n",
              label, sent - start,
              if (measure_first) sprintf(" (the fit on all data takes %.1f s)", reference) else "",
              latency, usable, if (ok) "ok" else "FAILED"))
  ok
}

# Lasso paths slow enough to take tens of seconds: many correlated
# variables and a tight threshold. The binomial fit takes about 45 s on one
# core; for cross-validation the gaussian fit on all data takes about 10 s,
# then come 10 folds of about as long each on 2 threads. With 4096 rows or
# more a binomial fit on two threads splits each coordinate update between
# them by rows, the helper thread in lockstep with the one R called.
setup <- function(family, n = 2000, p = 4000) sprintf('
set.seed(1)
n <- %d; p <- %d
x <- matrix(rnorm(n * p), n, p)
x <- x + 0.9 * x[, c(2:p, 1)]
eta <- drop(x[, 1:40] %%*%% rnorm(40))
family <- "%s"
y <- if (family == "binomial") rbinom(n, 1, 1 / (1 + exp(-eta / 4))) else eta + rnorm(n)
', n, p, family)

results <- c(
  check_case("single fit (binomial, n = 2000, p = 4000)", setup("binomial"),
             'glmsparse(x, y, family = "binomial", lambda.min.ratio = 1e-3, nlambda = 300, thresh = 1e-12, nthreads = 1)',
             delay = function(reference) 3),
  check_case("single fit on 2 threads split by rows (binomial, n = 6000, p = 1000)",
             setup("binomial", 6000, 1000),
             'glmsparse(x, y, family = "binomial", lambda.min.ratio = 1e-3, nlambda = 300, thresh = 1e-12, nthreads = 2)',
             delay = function(reference) 3),
  check_case("cv.glmsparse (gaussian), 10 folds on 2 threads", setup("gaussian"),
             'cv.glmsparse(x, y, lambda.min.ratio = 1e-3, thresh = 1e-12, nfolds = 10, nthreads = 2)',
             delay = function(reference) reference + 2, measure_first = TRUE)
)
if (!all(results)) stop("interrupt latency or session check failed")
cat("interrupts: all cases passed\n")
