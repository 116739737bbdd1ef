// One helper thread that works in lockstep with the calling thread: the
// caller posts a task, does its own share, and waits for the helper's. For
// work too fine-grained for parallel_for_chunks (a coordinate's inner
// product and update, a few microseconds): the two threads meet through two
// atomic counters, not a mutex, so a meeting costs well under a microsecond.
// The helper spins while it waits, so it lives only as long as the work that
// needs it (one inner solve).
#pragma once

#include <atomic>
#include <functional>
#include <thread>
#include <utility>

namespace glmsparse {

class LockstepHelper {
 public:
  // `task` is run on the helper thread once per post(). It must not throw.
  explicit LockstepHelper(std::function<void()> task)
      : task_(std::move(task)), thread_([this] { serve(); }) {}

  LockstepHelper(const LockstepHelper&) = delete;
  LockstepHelper& operator=(const LockstepHelper&) = delete;

  ~LockstepHelper() {
    stopping_.store(true, std::memory_order_relaxed);
    posted_.store(++sequence_, std::memory_order_release);
    thread_.join();
  }

  // Hands the helper one run of the task; what the caller wrote before is
  // visible to it.
  void post() { posted_.store(++sequence_, std::memory_order_release); }

  // Returns once the posted run has finished; what it wrote is then visible.
  void wait() const {
    for (unsigned spins = 0; done_.load(std::memory_order_acquire) != sequence_; ++spins)
      if (spins >= spins_before_yield) std::this_thread::yield();
  }

 private:
  void serve() {
    unsigned long seen = 0;
    while (true) {
      unsigned long posted;
      for (unsigned spins = 0; (posted = posted_.load(std::memory_order_acquire)) == seen; ++spins)
        if (spins >= spins_before_yield) std::this_thread::yield();
      seen = posted;
      if (stopping_.load(std::memory_order_relaxed)) return;
      task_();
      done_.store(seen, std::memory_order_release);
    }
  }

  // A busy machine may have descheduled the other thread: after this many
  // spins (some tens of microseconds) each spin yields the core.
  static constexpr unsigned spins_before_yield = 1u << 14;

  std::function<void()> task_;
  unsigned long sequence_ = 0;  // runs posted, written by the caller only
  std::atomic<unsigned long> posted_{0};
  std::atomic<unsigned long> done_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace glmsparse
