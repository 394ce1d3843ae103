// The errors of reading a live process and writing what it shows.
#pragma once

#include <string>

#include "snap/error.h"

namespace snap {

/// Reading /proc failed. `gone()`: the process no longer exists;
/// `denied()`: another user's process without ptrace rights.
class ProcError : public Error {
 public:
  /// `what` as composed by the thrower: it escapes what it quotes.
  ProcError(std::string what, int err) : Error(Composed{std::move(what)}), errno_(err) {}
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
