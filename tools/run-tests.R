# Runs the testthat suite against the installed package and ends with a
# plain "N passed, N failed" line; exits non-zero on any failure or error.
library(testthat)
results <- as.data.frame(test_dir("tests/testthat", package = "glmsparse",
                                  load_package = "installed", reporter = "summary",
                                  stop_on_failure = FALSE))
n_failed <- sum(results$failed) + sum(results$error)
cat(sprintf("\ntestthat: %d passed, %d failed, %d skipped\n",
            sum(results$passed), n_failed, sum(results$skipped)))
if (n_failed > 0) quit(status = 1)
