# Lambda bookkeeping shared by coef and predict.

# Linear interpolation of path columns at new lambda values `s`, as glmnet's
# lambda.interp: on the lambda scale, clamped to the fitted range.
lambda_interpolation <- function(lambda, s) {
  if (length(lambda) == 1L) {
    nums <- length(s)
    return(list(left = rep(1L, nums), right = rep(1L, nums), frac = rep(1, nums)))
  }
  k <- length(lambda)
  sfrac <- (lambda[1] - s) / (lambda[1] - lambda[k])
  lambda <- (lambda[1] - lambda) / (lambda[1] - lambda[k])
  sfrac[sfrac < min(lambda)] <- min(lambda)
  sfrac[sfrac > max(lambda)] <- max(lambda)
  coord <- stats::approx(lambda, seq(lambda), sfrac)$y
  left <- floor(coord)
  right <- ceiling(coord)
  frac <- (sfrac - lambda[right]) / (lambda[left] - lambda[right])
  frac[left == right] <- 1
  frac[abs(lambda[left] - lambda[right]) < .Machine$double.eps] <- 1
  list(left = left, right = right, frac = frac)
}
