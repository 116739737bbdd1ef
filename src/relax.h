// The relaxed lasso in the glue: one dispatch on family for the refits of
// glmsparse::relax_path (relax.hpp), each the same problem at lambda = 0 on
// one active set. Free of R: callable from worker threads.
#pragma once

#include <string>
#include <vector>

#include "glue.h"

namespace glue {

// The relaxed path of a single-response penalized path fitted on `design`
// with `data`, `survival` (for "cox") and `options`; active sets larger than
// `max_active` are not refitted.
template <class Design>
glmsparse::PathResult relax_single_response(Design& design, const std::string& family,
                                            const glmsparse::ProblemData& data,
                                            const glmsparse::SurvivalData& survival,
                                            const glmsparse::FitOptions& options,
                                            const glmsparse::PathResult& penalized,
                                            int max_active, glmsparse::Monitor& monitor) {
  const glmsparse::FitOptions options_at_zero = glmsparse::refit_options(options);
  const glmsparse::LambdaGrid grid = glmsparse::refit_grid();
  glmsparse::ProblemData restricted = data;
  return glmsparse::relax_path(
      penalized, design.cols(), max_active,
      [&](const std::vector<char>& excluded, glmsparse::Monitor& refit_monitor) {
        restricted.excluded = excluded;
        return fit_single_response(design, family, restricted, survival, options_at_zero, grid,
                                   refit_monitor);
      },
      monitor);
}

// The relaxed path of a multi-response ("multinomial" or "mgaussian") path.
template <class Design>
glmsparse::MultiPathResult relax_multi_response(Design& design, const std::string& family,
                                                const glmsparse::MultiProblemData& data,
                                                const glmsparse::FitOptions& options,
                                                bool grouped,
                                                const glmsparse::MultiPathResult& penalized,
                                                int max_active, glmsparse::Monitor& monitor) {
  const glmsparse::FitOptions options_at_zero = glmsparse::refit_options(options);
  const glmsparse::LambdaGrid grid = glmsparse::refit_grid();
  glmsparse::MultiProblemData restricted = data;
  return glmsparse::relax_path(
      penalized, design.cols(), max_active,
      [&](const std::vector<char>& excluded, glmsparse::Monitor& refit_monitor) {
        restricted.excluded = excluded;
        return fit_multi_response(design, family, restricted, options_at_zero, grouped, grid,
                                  refit_monitor);
      },
      monitor);
}

}  // namespace glue
