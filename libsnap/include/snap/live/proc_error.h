// The errors of reading a live process and writing what it shows.
#pragma once

#include <stdexcept>
#include <string>

namespace snap {

/// Reading /proc failed. `gone()`: the process no longer exists;
/// `denied()`: another user's process without ptrace rights.
class ProcError : public std::runtime_error {
 public:
  ProcError(std::string what, int err) : std::runtime_error(std::move(what)), errno_(err) {}
  int error() const { return errno_; }
  bool gone() const;
  bool denied() const;

 private:
  int errno_;
};

/// Trouble with the output directory, not with the process.
class OutputError : public ProcError {
 public:
  using ProcError::ProcError;
};

}  // namespace snap
