#include "snap/error.h"

#include <fmt/format.h>

namespace snap {
namespace {
std::string render(const std::string& path, std::size_t line, const std::string& reason) {
  if (line == 0) return fmt::format("{}: {}", path, reason);
  return fmt::format("{}:{}: {}", path, line, reason);
}
}  // namespace

ParseError::ParseError(std::string path, std::size_t line, std::size_t column, std::string reason)
    : std::runtime_error(render(path, line, reason)),
      path_(std::move(path)),
      line_(line),
      column_(column),
      reason_(std::move(reason)) {}

}  // namespace snap
