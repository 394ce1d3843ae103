#include "snap/version.h"

namespace snap {
std::string_view version() {
  return SNAP_VERSION;
}
}  // namespace snap
