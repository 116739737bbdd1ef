// Cross-validation folds fitted in parallel: one fold per worker thread, all
// over the same maps of x (a fold leaves its held-out rows out through zero
// weights, so x is never copied). Workers never touch R; the main thread
// waits for them, reports progress and checks for user interrupts, which
// cancel the workers at their next check (every few passes). Each fold runs
// single-threaded, so the results do not depend on the number of workers.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <vector>

#include "glue.h"  // Rcpp first: it includes R's headers in its own way

using namespace glue;

namespace {

struct FoldsCancelled {};

class FoldMonitor : public glmsparse::Monitor {
 public:
  explicit FoldMonitor(const std::atomic<bool>& cancelled) : cancelled_(cancelled) {}
  void check_interrupt() override {
    if (cancelled_.load(std::memory_order_relaxed)) throw FoldsCancelled();
  }
  void lambda_done(int /*index*/, int /*total*/) override { check_interrupt(); }

 private:
  const std::atomic<bool>& cancelled_;
};

void check_interrupt_callback(void* /*unused*/) { R_CheckUserInterrupt(); }

// True if the user asked to interrupt; R's own check would jump out of C++.
bool interrupt_pending() { return R_ToplevelExec(check_interrupt_callback, nullptr) == FALSE; }

}  // namespace

// The path of every fold at the given lambdas; fold f (1-based in `foldid`)
// is fitted without the observations whose foldid is f.
// [[Rcpp::export]]
Rcpp::List fit_folds_cpp(SEXP x, std::string family, Rcpp::NumericVector y,
                         Rcpp::NumericVector weights, Rcpp::NumericVector offset,
                         Rcpp::NumericVector penalty_factor, Rcpp::NumericVector lower_limit,
                         Rcpp::NumericVector upper_limit, Rcpp::LogicalVector excluded,
                         Rcpp::NumericVector lambda, Rcpp::List control,
                         Rcpp::IntegerVector foldid, int n_folds, int n_workers,
                         Rcpp::Nullable<Rcpp::Function> progress) {
  glmsparse::ProblemData data;
  glmsparse::SurvivalData survival;
  single_response_data(family, y, weights, offset, penalty_factor, lower_limit, upper_limit,
                       excluded, data, survival);
  glmsparse::FitOptions options = to_options(control);
  options.n_threads = 1;
  const glmsparse::LambdaGrid grid = to_grid(lambda, static_cast<int>(lambda.size()), 1.0);
  const std::vector<int> fold_of(foldid.begin(), foldid.end());

  std::vector<glmsparse::PathResult> results(static_cast<std::size_t>(n_folds));
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(n_folds));
  std::atomic<int> next_fold{0}, finished{0};
  std::atomic<bool> cancelled{false};
  bool interrupted = false;
  std::exception_ptr progress_failure;

  with_design(x, [&](auto& design) {
    using Design = std::decay_t<decltype(design)>;
    auto work = [&]() {
      for (int fold = next_fold++; fold < n_folds; fold = next_fold++) {
        const auto f = static_cast<std::size_t>(fold);
        if (!cancelled.load()) {
          try {
            // Each fold has its own view of x (its own standardization)
            // and its own copy of the n-vectors, made only while it runs.
            Design fold_design = design;
            glmsparse::ProblemData fold_data = data;
            for (Eigen::Index i = 0; i < fold_data.weights.size(); ++i)
              if (fold_of[static_cast<std::size_t>(i)] == fold + 1) fold_data.weights[i] = 0.0;
            FoldMonitor monitor(cancelled);
            results[f] = fit_single_response(fold_design, family, fold_data, survival, options,
                                             grid, monitor);
          } catch (const FoldsCancelled&) {
          } catch (...) {
            failures[f] = std::current_exception();
            cancelled = true;
          }
        }
        ++finished;
      }
    };
    std::vector<std::thread> workers;
    const int n_started = std::max(1, std::min(n_workers, n_folds));
    try {
      for (int t = 0; t < n_started; ++t) workers.emplace_back(work);
    } catch (...) {
      // Could not start every thread: the ones started do all the work.
      if (workers.empty()) throw;
    }
    int reported = 0;
    while (finished.load() < n_folds) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (interrupt_pending()) {
        interrupted = true;
        cancelled = true;
        break;
      }
      const int done = finished.load();
      if (progress.isNotNull() && done > reported && !progress_failure) {
        try {
          Rcpp::Function(progress.get())(done, n_folds);
        } catch (...) {
          progress_failure = std::current_exception();
          cancelled = true;
        }
        reported = done;
      }
    }
    for (auto& worker : workers) worker.join();
  });

  if (interrupted) throw Rcpp::internal::InterruptedException();
  if (progress_failure) std::rethrow_exception(progress_failure);
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  if (progress.isNotNull()) Rcpp::Function(progress.get())(n_folds, n_folds);
  Rcpp::List out(n_folds);
  for (int f = 0; f < n_folds; ++f) out[f] = to_list(results[static_cast<std::size_t>(f)]);
  return out;
}
