#include "snap/sigbus.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace snap {
namespace {
// Composed before the signal: the handler may only copy bytes out.
char message[256];
std::size_t length;
int exit_status;
}  // namespace

void exit_on_sigbus(std::string_view program, int status) {
  const std::string text = fmt::format(
      "{}: a snapshot file shrank while it was read (truncated or rewritten by another process); "
      "copy it first, or read it from a pipe\n",
      program);
  length = std::min(text.size(), sizeof message);
  std::memcpy(message, text.data(), length);
  exit_status = status;
  struct sigaction sa {};
  sa.sa_handler = [](int) {
    ssize_t ignored = ::write(STDERR_FILENO, message, length);
    (void)ignored;
    ::_exit(exit_status);
  };
  ::sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace snap
