#' Diabetes progression data
#'
#' Baseline measurements of 442 diabetes patients and a quantitative measure
#' of disease progression one year later, the data of Efron, Hastie, Johnstone
#' and Tibshirani (2004), "Least Angle Regression", Annals of Statistics 32(2),
#' 407-499.
#'
#' @format A list with three components:
#' \describe{
#'   \item{x}{442 x 10 matrix: age, sex, body mass index (bmi), mean arterial
#'     pressure (map) and six blood serum measurements (tc, ldl, hdl, tch,
#'     ltg, glu); each column centred and scaled to unit Euclidean norm.}
#'   \item{x2}{442 x 64 matrix: the columns of `x`, their squares (except
#'     sex) and all pairwise interactions, standardized the same way.}
#'   \item{y}{Disease progression one year after baseline.}
#' }
#' @source Efron, B., Hastie, T., Johnstone, I. and Tibshirani, R. (2004).
#'   Least angle regression. *Annals of Statistics*, 32(2), 407-499. Copied
#'   from the CRAN package lars (licence GPL-2), where the data are
#'   distributed as `diabetes`.
#' @examples
#' data(diabetes)
#' dim(diabetes$x2)
"diabetes"
