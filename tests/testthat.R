library(testthat)
library(glmsparse)

test_check("glmsparse")
