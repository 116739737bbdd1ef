# The main job: fit the lasso path on the shipped diabetes data, print it,
# cross-validate it, and plot the coefficient paths and the CV curve to PNG
# files.
library(glmsparse)
data(diabetes, package = "glmsparse")

fit <- glmsparse(diabetes$x2, diabetes$y)
print(fit)

lambda <- fit$lambda[20]
cat(sprintf("\nNonzero coefficients at lambda = %.4g:\n", lambda))
beta <- coef(fit, s = lambda)
print(beta[beta[, 1] != 0, , drop = FALSE])

png_file <- file.path(getwd(), "demo-coefficient-paths.png")
grDevices::png(png_file, width = 900, height = 600)
plot(fit, xvar = "lambda", label = TRUE)
invisible(grDevices::dev.off())
cat("\nCoefficient-path plot written to", png_file, "\n")

# 10-fold cross-validation, the folds fitted in parallel.
set.seed(2024)
cv <- cv.glmsparse(diabetes$x2, diabetes$y)
print(cv)
cv_file <- file.path(getwd(), "demo-cv-curve.png")
grDevices::png(cv_file, width = 900, height = 600)
plot(cv)
invisible(grDevices::dev.off())
cat("\nCross-validation curve written to", cv_file, "\n")
