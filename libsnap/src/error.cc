#include "snap/error.h"

#include <fmt/format.h>

#include "snap/escape.h"

namespace snap {
namespace {
std::string render(const std::string& path, std::size_t line, const std::string& reason) {
  if (line == 0) return fmt::format("{}: {}", path, reason);
  return fmt::format("{}:{}: {}", path, line, reason);
}
// The path and the reason (which quotes the input) are escaped apart: the
// separators are snap's own.
std::string render_printable(const std::string& path, std::size_t line, const std::string& reason) {
  return render(printable(path), line, printable(reason));
}
}  // namespace

Error::Error(std::string reason) : std::runtime_error(printable(reason)), reason_(std::move(reason)) {}

Error::Error(std::string path, std::size_t line, std::size_t column, std::string reason)
    : std::runtime_error(render_printable(path, line, reason)),
      path_(std::move(path)),
      line_(line),
      column_(column),
      reason_(std::move(reason)) {}

Error::Error(Composed composed) : std::runtime_error(composed.text), reason_(std::move(composed.text)) {}

std::string Error::message() const {
  return path_.empty() ? reason_ : render(path_, line_, reason_);
}

}  // namespace snap
