// What every text emitter takes: sizes, colour, character set; and the
// flush by which a long document leaves memory as it is written.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "snap/size.h"

namespace snap {

/// Hands what an emitter has written so far on (to stdout) and may clear it.
using Flush = std::function<void(std::string& out)>;

struct TextOptions {
  SizeStyle sizes = SizeStyle::kib;
  bool color = false;
  bool unicode = true;  // sparklines in block characters and the ellipsis "…", else ASCII
  /// The tables fitted to this many display columns (snap/emit/fit.h); 0:
  /// unlimited, every column and whole names.
  std::size_t width = 0;
};

}  // namespace snap
