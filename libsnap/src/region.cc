#include "snap/region.h"

namespace snap {

std::string Perms::str() const {
  std::string s = "----";
  if (read) s[0] = 'r';
  if (write) s[1] = 'w';
  if (exec) s[2] = 'x';
  s[3] = shared ? 's' : 'p';
  return s;
}

bool anonymous_name(std::string_view name) {
  return name.empty() || name == "[anon]" || name.starts_with("[anon:") || name.starts_with("[anon_shmem:");
}

bool Region::deleted() const {
  return name.ends_with(" (deleted)");
}

std::string_view basename_of(std::string_view name) {
  std::string_view n = name;
  if (!file_backed_name(n)) return n;
  if (n.ends_with(" (deleted)")) n.remove_suffix(10);
  auto slash = n.rfind('/');
  return slash == std::string_view::npos ? n : n.substr(slash + 1);
}

bool Region::has_vm_flag(std::string_view flag) const {
  if (!vm_flags) return false;
  std::string_view f = *vm_flags;
  for (std::size_t i = 0; i + flag.size() <= f.size(); i += 3)
    if (f.substr(i, flag.size()) == flag) return true;
  return false;
}

}  // namespace snap
