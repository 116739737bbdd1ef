// Cross-validation fits in parallel: one task (a fold, or an (alpha, fold)
// pair) per worker thread at a time, all over the same maps of x (a fold
// leaves its held-out rows out through zero weights, so x is never copied).
// Workers never touch R; the main thread waits for them, reports progress
// and checks for user interrupts, which cancel the workers at their next
// check (every few passes). Each task runs single-threaded, so the results
// do not depend on the number of workers.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <thread>
#include <vector>

#include "relax.h"  // Rcpp first (through glue.h): it includes R's headers in its own way

using namespace glue;

namespace {

struct TasksCancelled {};

class TaskMonitor : public glmsparse::Monitor {
 public:
  explicit TaskMonitor(const std::atomic<bool>& cancelled) : cancelled_(cancelled) {}
  void check_interrupt() override {
    if (cancelled_.load(std::memory_order_relaxed)) throw TasksCancelled();
  }
  void lambda_done(int /*index*/, int /*total*/) override { check_interrupt(); }

 private:
  const std::atomic<bool>& cancelled_;
};

void check_interrupt_callback(void* /*unused*/) { R_CheckUserInterrupt(); }

// True if the user asked to interrupt; R's own check would jump out of C++.
bool interrupt_pending() { return R_ToplevelExec(check_interrupt_callback, nullptr) == FALSE; }

// Runs run_task(t, monitor) for t = 0, ..., n_tasks - 1 on up to n_workers
// threads and returns the results in task order. The calling (main) thread
// only waits: it calls progress(done, n_tasks) as tasks finish and turns a
// user interrupt into R's interrupt once every worker has stopped.
template <class Result, class RunTask>
std::vector<Result> run_tasks(int n_tasks, int n_workers, Rcpp::Nullable<Rcpp::Function> progress,
                              RunTask run_task) {
  std::vector<Result> results(static_cast<std::size_t>(n_tasks));
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(n_tasks));
  std::atomic<int> next_task{0}, finished{0};
  std::atomic<bool> cancelled{false};
  auto work = [&]() {
    for (int task = next_task++; task < n_tasks; task = next_task++) {
      const auto t = static_cast<std::size_t>(task);
      if (!cancelled.load()) {
        try {
          TaskMonitor monitor(cancelled);
          results[t] = run_task(task, monitor);
        } catch (const TasksCancelled&) {
        } catch (...) {
          failures[t] = std::current_exception();
          cancelled = true;
        }
      }
      ++finished;
    }
  };
  std::vector<std::thread> workers;
  const int n_started = std::max(1, std::min(n_workers, n_tasks));
  try {
    for (int w = 0; w < n_started; ++w) workers.emplace_back(work);
  } catch (...) {
    // Could not start every thread: the ones started do all the work.
    if (workers.empty()) throw;
  }
  bool interrupted = false;
  std::exception_ptr progress_failure;
  int reported = 0;
  while (finished.load() < n_tasks) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (interrupt_pending()) {
      interrupted = true;
      cancelled = true;
      break;
    }
    const int done = finished.load();
    if (progress.isNotNull() && done > reported && !progress_failure) {
      try {
        Rcpp::Function(progress.get())(done, n_tasks);
      } catch (...) {
        progress_failure = std::current_exception();
        cancelled = true;
      }
      reported = done;
    }
  }
  for (auto& worker : workers) worker.join();

  if (interrupted) throw Rcpp::internal::InterruptedException();
  if (progress_failure) std::rethrow_exception(progress_failure);
  for (const auto& failure : failures)
    if (failure) std::rethrow_exception(failure);
  if (progress.isNotNull()) Rcpp::Function(progress.get())(n_tasks, n_tasks);
  return results;
}

// One setting of the fits shared by all folds (one per alpha for
// cva.glmsparse): its control list and lambdas, or an empty lambda for each
// fold's own default grid.
struct FoldSetting {
  glmsparse::FitOptions options;
  glmsparse::LambdaGrid grid;
  int n_measured = 0;  // the setting's number of lambdas, for measures taken in the workers
};

std::vector<FoldSetting> to_settings(const Rcpp::List& settings) {
  std::vector<FoldSetting> out;
  for (R_xlen_t s = 0; s < settings.size(); ++s) {
    const Rcpp::List setting = settings[s];
    FoldSetting fold_setting;
    fold_setting.options = to_options(setting["control"]);
    fold_setting.options.n_threads = 1;
    const Rcpp::NumericVector lambda = setting["lambda"];
    fold_setting.grid = to_grid(lambda, Rcpp::as<int>(setting["nlambda"]),
                                Rcpp::as<double>(setting["lambda_min_ratio"]));
    fold_setting.n_measured = Rcpp::as<int>(setting["n_measured"]);
    out.push_back(fold_setting);
  }
  return out;
}

// Copies of the weights with the observations of fold `fold` (1-based in
// `fold_of`) set to zero.
Eigen::VectorXd training_weights(const Eigen::VectorXd& weights, const std::vector<int>& fold_of,
                                 int fold) {
  Eigen::VectorXd out = weights;
  for (Eigen::Index i = 0; i < out.size(); ++i)
    if (fold_of[static_cast<std::size_t>(i)] == fold) out[i] = 0.0;
  return out;
}

// glmnet's limit on the active sets refitted by the relaxed lasso, for a
// fold: its number of training observations less 3.
int fold_max_active(const std::vector<int>& fold_of, int fold) {
  const auto held_out = std::count(fold_of.begin(), fold_of.end(), fold);
  return static_cast<int>(fold_of.size() - static_cast<std::size_t>(held_out)) - 3;
}

// Frees a fold path's coefficients once its held-out linear predictors are
// computed, when nothing after needs them (see `keep_paths`).
void drop_coefficients(glmsparse::PathResult& path) {
  path.beta_row = {};
  path.beta_col_start = {};
  path.beta_value = {};
}

void drop_coefficients(glmsparse::MultiPathResult& path) { path.beta = {}; }

// The held-out rows of fold `fold`.
glmsparse::RowSelection held_out_rows(const std::vector<int>& fold_of, int fold) {
  std::vector<Eigen::Index> rows;
  for (std::size_t i = 0; i < fold_of.size(); ++i)
    if (fold_of[i] == fold) rows.push_back(static_cast<Eigen::Index>(i));
  return glmsparse::RowSelection(static_cast<Eigen::Index>(fold_of.size()), std::move(rows));
}

// A fold's path and the linear predictors of its held-out rows under each
// solution (offset not included); with relax, the same for its relaxed path.
// When the worker takes the measure itself, `mean_loss` holds it and `link`
// is left empty.
template <class Result>
struct FoldFit {
  Result path, relaxed;
  Eigen::MatrixXd link, relaxed_link;
  Eigen::VectorXd mean_loss;
};

// The weighted mean loss of a fold's held-out rows at each of the setting's
// n_measured lambdas, from the fold's linear predictors `link` (without
// offset; rows x L, or rows x (K L) for K responses): lambda l is the fold
// path's solution min(l, last), as glmnet's, whose path may stop early.
// y (n x K), offset (n x K) and weights are those of all the rows.
Eigen::VectorXd fold_mean_losses(const std::string& family, const std::string& measure,
                                 const Eigen::Ref<const Eigen::MatrixXd>& y,
                                 const Eigen::Ref<const Eigen::MatrixXd>& offset,
                                 const Eigen::VectorXd& weights,
                                 const glmsparse::RowSelection& held_out,
                                 const Eigen::MatrixXd& link, int n_measured) {
  const Eigen::Index rows = static_cast<Eigen::Index>(held_out.rows.size());
  const Eigen::Index n_responses = y.cols();
  const Eigen::Index n_solutions = link.cols() / n_responses;
  Eigen::MatrixXd held_out_y(rows, n_responses), aligned(rows, n_responses * n_measured);
  Eigen::VectorXd held_out_weights(rows);
  for (Eigen::Index r = 0; r < rows; ++r) {
    const Eigen::Index i = held_out.rows[static_cast<std::size_t>(r)];
    held_out_y.row(r) = y.row(i);
    held_out_weights[r] = weights[i];
  }
  for (Eigen::Index l = 0; l < n_measured; ++l) {
    const Eigen::Index solution = std::min(l, n_solutions - 1);
    for (Eigen::Index k = 0; k < n_responses; ++k)
      for (Eigen::Index r = 0; r < rows; ++r)
        aligned(r, n_responses * l + k) =
            link(r, n_responses * solution + k) + offset(held_out.rows[static_cast<std::size_t>(r)], k);
  }
  return glmsparse::held_out_mean_losses(glmsparse::loss_family(family),
                                         glmsparse::loss_measure(measure), held_out_y, aligned,
                                         held_out_weights);
}

// The fold fits as R lists; each fit is released once converted, so that
// the fits are not held twice, in C++ and in R, at once.
template <class Result>
Rcpp::List to_fold_lists(std::vector<FoldFit<Result>>& fits, bool relax) {
  Rcpp::List out(fits.size());
  for (std::size_t t = 0; t < fits.size(); ++t) {
    FoldFit<Result>& fit = fits[t];
    if (fit.mean_loss.size() > 0) {
      out[static_cast<R_xlen_t>(t)] =
          Rcpp::List::create(Rcpp::Named("path") = to_list(fit.path),
                             Rcpp::Named("mean_loss") = Rcpp::wrap(fit.mean_loss));
      fit = FoldFit<Result>();
      continue;
    }
    out[static_cast<R_xlen_t>(t)] =
        relax ? Rcpp::List::create(Rcpp::Named("path") = to_list(fit.path),
                                   Rcpp::Named("link") = Rcpp::wrap(fit.link),
                                   Rcpp::Named("relaxed") = to_list(fit.relaxed),
                                   Rcpp::Named("relaxed_link") = Rcpp::wrap(fit.relaxed_link))
              : Rcpp::List::create(Rcpp::Named("path") = to_list(fit.path),
                                   Rcpp::Named("link") = Rcpp::wrap(fit.link));
    fit = FoldFit<Result>();
  }
  return out;
}

}  // namespace

// The paths of every (setting, fold) pair of a single-response family, in
// the order setting 1 fold 1, setting 1 fold 2, ...; fold f (1-based in
// `foldid`) is fitted without the observations whose foldid is f. Each is
// list(path, link), with `relax` list(path, link, relaxed, relaxed_link);
// without `keep_paths` the paths come without their coefficients. With a
// `fold_measure` (a measure of held_out_losses_cpp), each worker takes the
// measure of its fold itself: list(path, mean_loss), mean_loss the weighted
// mean loss of the held-out rows at each of the setting's `n_measured`
// lambdas (no relax).
// [[Rcpp::export]]
Rcpp::List fit_folds_cpp(SEXP x, std::string family, Rcpp::NumericVector y,
                         Rcpp::NumericVector weights, Rcpp::NumericVector offset,
                         Rcpp::NumericVector penalty_factor, Rcpp::NumericVector lower_limit,
                         Rcpp::NumericVector upper_limit, Rcpp::LogicalVector excluded,
                         Rcpp::List settings, Rcpp::IntegerVector foldid, int n_folds,
                         bool relax, bool keep_paths, std::string fold_measure,
                         int n_workers, Rcpp::Nullable<Rcpp::Function> progress) {
  glmsparse::ProblemData data;
  glmsparse::SurvivalData survival;
  single_response_data(family, y, weights, offset, penalty_factor, lower_limit, upper_limit,
                       excluded, data, survival);
  const std::vector<FoldSetting> fold_settings = to_settings(settings);
  const std::vector<int> fold_of(foldid.begin(), foldid.end());
  const int n_tasks = static_cast<int>(fold_settings.size()) * n_folds;

  auto results = with_design(x, [&](auto& design) {
    using Design = std::decay_t<decltype(design)>;
    using Fit = FoldFit<glmsparse::PathResult>;
    // Gaussian folds with covariance updates share one Gram matrix of all
    // the rows, computed here once, instead of one each.
    glmsparse::SharedGram shared_gram;
    if constexpr (std::is_same<Design, glmsparse::DenseDesign>::value) {
      const int use_gram = fold_settings.front().options.use_gram;
      if (family == "gaussian" &&
          (use_gram == 1 || (use_gram < 0 && glmsparse::prefer_gram_updates(design)))) {
        shared_gram = glmsparse::compute_shared_gram(design, data.weights, n_workers);
        data.shared_gram = &shared_gram;
      }
    }
    return run_tasks<Fit>(n_tasks, n_workers, progress, [&](int task, glmsparse::Monitor& monitor) {
      const FoldSetting& setting = fold_settings[static_cast<std::size_t>(task / n_folds)];
      const int fold = task % n_folds + 1;
      // Each task has its own view of x (its own standardization) and its
      // own copy of the n-vectors, made only while it runs.
      Design fold_design = design;
      glmsparse::ProblemData fold_data = data;
      fold_data.weights = training_weights(data.weights, fold_of, fold);
      Fit fit;
      fit.path = fit_single_response(fold_design, family, fold_data, survival, setting.options,
                                     setting.grid, monitor);
      const glmsparse::RowSelection held_out = held_out_rows(fold_of, fold);
      fit.link = glmsparse::linear_predictors(design, held_out, fit.path);
      if (!fold_measure.empty() && fit.path.lambda.size() > 0) {
        fit.mean_loss = fold_mean_losses(family, fold_measure, data.y, data.offset, data.weights,
                                         held_out, fit.link, setting.n_measured);
        fit.link = Eigen::MatrixXd();
      }
      if (relax) {
        fit.relaxed = relax_single_response(fold_design, family, fold_data, survival,
                                            setting.options, fit.path,
                                            fold_max_active(fold_of, fold), monitor);
        fit.relaxed_link = glmsparse::linear_predictors(design, held_out, fit.relaxed);
      }
      if (!keep_paths) drop_coefficients(fit.path);
      return fit;
    });
  });
  return to_fold_lists(results, relax);
}

// As fit_folds_cpp for the multi-response families. y and offset are n x K;
// for mgaussian with standardize.response, row f of `response_scale` holds
// the scales of fold f's training responses (else ones): the fold fits
// y / scale and its coefficients are returned on the scale of the fit
// (R multiplies them back).
// [[Rcpp::export]]
Rcpp::List fit_multi_folds_cpp(SEXP x, std::string family, Rcpp::NumericMatrix y,
                               Rcpp::NumericVector weights, Rcpp::NumericMatrix offset,
                               bool grouped, Rcpp::NumericMatrix response_scale,
                               Rcpp::NumericVector penalty_factor, Rcpp::NumericVector lower_limit,
                               Rcpp::NumericVector upper_limit, Rcpp::LogicalVector excluded,
                               Rcpp::List settings, Rcpp::IntegerVector foldid, int n_folds,
                               bool relax, bool keep_paths, std::string fold_measure,
                               int n_workers, Rcpp::Nullable<Rcpp::Function> progress) {
  const glmsparse::MultiProblemData data = multi_response_data(
      y, weights, offset, penalty_factor, lower_limit, upper_limit, excluded);
  const Eigen::MatrixXd scales = to_matrix(response_scale);
  const std::vector<FoldSetting> fold_settings = to_settings(settings);
  const std::vector<int> fold_of(foldid.begin(), foldid.end());
  const int n_tasks = static_cast<int>(fold_settings.size()) * n_folds;

  auto results = with_design(x, [&](auto& design) {
    using Design = std::decay_t<decltype(design)>;
    using Fit = FoldFit<glmsparse::MultiPathResult>;
    return run_tasks<Fit>(n_tasks, n_workers, progress, [&](int task, glmsparse::Monitor& monitor) {
      const FoldSetting& setting = fold_settings[static_cast<std::size_t>(task / n_folds)];
      const int fold = task % n_folds + 1;
      Design fold_design = design;
      glmsparse::MultiProblemData fold_data = data;
      fold_data.weights = training_weights(data.weights, fold_of, fold);
      const Eigen::RowVectorXd inverse_scale = scales.row(fold - 1).cwiseInverse();
      fold_data.y = fold_data.y.array().rowwise() * inverse_scale.array();
      fold_data.offset = fold_data.offset.array().rowwise() * inverse_scale.array();
      Fit fit;
      fit.path = fit_multi_response(fold_design, family, fold_data, setting.options, grouped,
                                    setting.grid, monitor);
      // The fold fits y / scale: its linear predictors are scaled back.
      const glmsparse::RowSelection held_out = held_out_rows(fold_of, fold);
      auto scale_back = [&](Eigen::MatrixXd link) {
        for (Eigen::Index c = 0; c < link.cols(); ++c)
          link.col(c) *= scales(fold - 1, c % scales.cols());
        return link;
      };
      fit.link = scale_back(glmsparse::linear_predictors(design, held_out, fit.path));
      if (!fold_measure.empty() && fit.path.lambda.size() > 0) {
        fit.mean_loss = fold_mean_losses(family, fold_measure, data.y, data.offset, data.weights,
                                         held_out, fit.link, setting.n_measured);
        fit.link = Eigen::MatrixXd();
      }
      if (relax) {
        fit.relaxed = relax_multi_response(fold_design, family, fold_data, setting.options,
                                           grouped, fit.path, fold_max_active(fold_of, fold),
                                           monitor);
        fit.relaxed_link = scale_back(glmsparse::linear_predictors(design, held_out, fit.relaxed));
      }
      if (!keep_paths) drop_coefficients(fit.path);
      return fit;
    });
  });
  return to_fold_lists(results, relax);
}

// The Cox loss (minus the log partial likelihood from the saturated model,
// weights normalised to sum to 1) at each column of `eta`; y as for
// fit_path_cpp.
// [[Rcpp::export]]
Rcpp::NumericVector cox_loss_cpp(Rcpp::NumericVector y, Rcpp::NumericVector weights,
                                 Rcpp::NumericMatrix eta) {
  const glmsparse::SurvivalData survival = survival_data(y);
  const glmsparse::Cox cox(survival, to_vector(weights));
  const Eigen::MatrixXd linear_predictors = to_matrix(eta);
  Rcpp::NumericVector out(eta.ncol());
  for (int k = 0; k < eta.ncol(); ++k) out[k] = cox.loss(linear_predictors.col(k));
  return out;
}

// Harrell's concordance index of each column of `score` (risk scores); y as
// for fit_path_cpp, strata ignored.
// [[Rcpp::export]]
Rcpp::NumericVector concordance_cpp(Rcpp::NumericVector y, Rcpp::NumericVector weights,
                                    Rcpp::NumericMatrix score) {
  const glmsparse::SurvivalData survival = survival_data(y);
  const Eigen::VectorXd w = to_vector(weights);
  const Eigen::MatrixXd scores = to_matrix(score);
  Rcpp::NumericVector out(score.ncol());
  for (int k = 0; k < score.ncol(); ++k)
    out[k] = glmsparse::concordance_index(survival.start, survival.stop, survival.status, w,
                                          scores.col(k));
  return out;
}

// The losses of held-out observations (glmnet's cross-validation measures,
// every family but cox): y a vector or rows x K matrix, link rows x L or
// rows x K x L. With weights, the weighted mean loss under each of the L
// solutions; without, the rows x L losses.
// [[Rcpp::export]]
Rcpp::NumericVector held_out_losses_cpp(std::string family, std::string measure,
                                        Rcpp::NumericVector y, Rcpp::NumericVector link,
                                        Rcpp::Nullable<Rcpp::NumericVector> weights) {
  const bool y_is_matrix = y.hasAttribute("dim");
  const Eigen::Index rows = y_is_matrix ? Rcpp::as<Rcpp::IntegerVector>(y.attr("dim"))[0] : y.size();
  const Eigen::Index y_columns = rows > 0 ? y.size() / rows : 1;
  if (rows == 0 || link.size() % rows != 0) Rcpp::stop("`link` must have one row per observation.");
  const Eigen::Map<const Eigen::MatrixXd> response(y.begin(), rows, y_columns);
  const Eigen::Map<const Eigen::MatrixXd> predictors(link.begin(), rows, link.size() / rows);
  const glmsparse::LossFamily loss_family = glmsparse::loss_family(family);
  const glmsparse::LossMeasure loss_measure = glmsparse::loss_measure(measure);
  if (weights.isNotNull()) {
    const Rcpp::NumericVector w(weights.get());
    const Eigen::Map<const Eigen::VectorXd> observation_weights(w.begin(), w.size());
    return Rcpp::wrap(glmsparse::held_out_mean_losses(loss_family, loss_measure, response,
                                                      predictors, observation_weights));
  }
  return Rcpp::wrap(
      glmsparse::held_out_losses(loss_family, loss_measure, response, predictors));
}
