// The one door from the core back to its caller: interrupt checks and
// progress. The core calls it only from the thread that started the fit.
#pragma once

namespace glmsparse {

class Monitor {
 public:
  virtual ~Monitor() = default;
  // May throw to abandon the fit; the core holds only RAII resources.
  virtual void check_interrupt() {}
  virtual void lambda_done(int /*index*/, int /*total*/) {}
};

}  // namespace glmsparse
