#include "snap/live/proc_error.h"

#include <cerrno>

namespace snap {

bool ProcError::gone() const {
  return errno_ == ENOENT || errno_ == ESRCH;
}
bool ProcError::denied() const {
  return errno_ == EACCES || errno_ == EPERM;
}

}  // namespace snap
