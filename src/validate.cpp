// Input scans that would otherwise allocate a logical copy of x in R.
#include <Rcpp.h>

#include <cmath>

// [[Rcpp::export]]
bool all_finite_cpp(Rcpp::NumericVector values) {
  for (double value : values)
    if (!std::isfinite(value)) return false;
  return true;
}
