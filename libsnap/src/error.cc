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

ParseError::ParseError(std::string path, std::size_t line, std::size_t column, std::string reason)
    : std::runtime_error(render_printable(path, line, reason)),
      path_(std::move(path)),
      line_(line),
      column_(column),
      reason_(std::move(reason)) {}

std::string ParseError::message() const {
  return render(path_, line_, reason_);
}

}  // namespace snap
