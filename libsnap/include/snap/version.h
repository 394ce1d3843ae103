#pragma once

#include <string_view>

namespace snap {
/// The library's version, "MAJOR.MINOR.PATCH".
std::string_view version();
}  // namespace snap
