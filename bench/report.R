# Markdown output of the benchmarks, shared by bench/paths.R and bench/cv.R.

markdown_table <- function(table) {
  rows <- apply(table, 1, function(row) paste0("| ", paste(row, collapse = " | "), " |"))
  c(paste0("| ", paste(names(table), collapse = " | "), " |"),
    paste0("|", paste(rep("---", ncol(table)), collapse = "|"), "|"),
    rows)
}

machine_info <- function() {
  cpu <- grep("^model name", readLines("/proc/cpuinfo"), value = TRUE)[1]
  c(sprintf("- CPU: %s", trimws(sub("^[^:]*:", "", cpu))),
    sprintf("- cores: %d", parallel::detectCores()),
    sprintf("- %s", R.version.string),
    sprintf("- glmnet %s, glmsparse %s", packageVersion("glmnet"), packageVersion("glmsparse")),
    sprintf("- date: %s", format(Sys.time(), "%Y-%m-%d %H:%M %Z")))
}
