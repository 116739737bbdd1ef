// Input scans that would otherwise allocate a logical copy of x in R.
#include <Rcpp.h>

#include <cmath>

#include <glmsparse/vector_kernels.hpp>

// [[Rcpp::export]]
bool all_finite_cpp(Rcpp::NumericVector values) {
  for (double value : values)
    if (!std::isfinite(value)) return false;
  return true;
}

// The largest |value|, or NaN if any value is NA, NaN or infinite: both
// checks of x in one read.
// [[Rcpp::export]]
double largest_magnitude_cpp(Rcpp::NumericVector values) {
  return glmsparse::kernels::largest_magnitude(values.begin(), values.size());
}
