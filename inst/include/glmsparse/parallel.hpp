// A minimal parallel loop over independent chunks of work, on std::thread so
// that the core stays free of R and of any threading library. The division
// of the work into chunks is the caller's and must not depend on the number
// of threads: then results are bit-for-bit the same for any thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include <Eigen/Core>

namespace glmsparse {

// Calls task(c) for every c in [0, n_chunks), on up to n_threads threads
// (the calling thread included). The first exception thrown by a task is
// rethrown here after every thread has finished.
template <class Task>
void parallel_for_chunks(int n_threads, Eigen::Index n_chunks, const Task& task) {
  const auto n_workers = static_cast<Eigen::Index>(std::max(1, n_threads));
  if (n_workers == 1 || n_chunks <= 1) {
    for (Eigen::Index c = 0; c < n_chunks; ++c) task(c);
    return;
  }
  std::atomic<Eigen::Index> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&]() {
    try {
      for (Eigen::Index c = next++; c < n_chunks; c = next++) task(c);
    } catch (...) {
      std::lock_guard<std::mutex> lock(failure_mutex);
      if (!failure) failure = std::current_exception();
      next = n_chunks;  // stop handing out work
    }
  };
  std::vector<std::thread> helpers;
  for (Eigen::Index t = 1; t < std::min(n_workers, n_chunks); ++t) helpers.emplace_back(work);
  work();
  for (auto& helper : helpers) helper.join();
  if (failure) std::rethrow_exception(failure);
}

// Calls task(item) for every item of `items` (variables, say), in fixed
// pieces of `piece` consecutive items run in parallel: the division depends
// only on `piece`, so results do not depend on the number of threads.
template <class Item, class Task>
void parallel_for_each(int n_threads, const std::vector<Item>& items, Eigen::Index piece,
                       const Task& task) {
  const auto count = static_cast<Eigen::Index>(items.size());
  parallel_for_chunks(n_threads, (count + piece - 1) / piece, [&](Eigen::Index c) {
    const Eigen::Index end = std::min(count, (c + 1) * piece);
    for (Eigen::Index k = c * piece; k < end; ++k) task(items[static_cast<std::size_t>(k)]);
  });
}

}  // namespace glmsparse
