#include "snap/nmt_files.h"

#include <filesystem>

#include <fmt/format.h>

#include "snap/error.h"
#include "snap/timeline.h"

namespace snap {
namespace fs = std::filesystem;

std::vector<std::string> find_nmt_beside(const std::vector<std::string>& snapshot_paths) {
  std::vector<std::string> out;
  for (const std::string& p : snapshot_paths) {
    if (p == "-") continue;
    const std::string number = snapshot_number(p);
    if (number.empty()) continue;
    const fs::path dir = fs::path(p).parent_path();
    bool found = false;
    for (std::string_view family : kNmtFamilies) {
      for (const char* suffix : {"", ".gz", ".xz", ".bz2", ".zst"}) {
        const fs::path candidate = dir / fmt::format("{}.{}{}", family, number, suffix);
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) {
          out.push_back(candidate.string());
          found = true;
          break;
        }
      }
      if (found) break;
    }
  }
  return out;
}

std::vector<Nmt> read_found_nmt(const std::vector<std::string>& snapshot_paths,
                                const std::vector<std::string>& recorded, std::vector<std::string>& notes) {
  const bool collected = !recorded.empty();
  const std::vector<std::string> paths = collected ? recorded : find_nmt_beside(snapshot_paths);
  if (paths.empty()) return {};
  std::vector<Nmt> nmts;
  try {
    for (const std::string& p : paths) nmts.push_back(read_nmt(p));
  } catch (const ParseError& e) {
    notes.push_back(fmt::format("{}; NMT not joined", e.message()));
    return {};
  }
  if (!collected && !snapshot_paths.empty()) {
    // Matched by number: the first and last NMT files must be the first
    // and last snapshots' (a summary.diff at the last one spans from its
    // baseline).
    auto number = [](const std::string& p) { return snapshot_number(p); };
    const bool last_ok = number(paths.back()) == number(snapshot_paths.back());
    const bool first_ok =
        number(paths.front()) == number(snapshot_paths.front()) || nmts.back().kind == NmtKind::summary_diff;
    if (!last_ok || !first_ok) {
      std::string names;
      for (const std::string& p : paths) names += (names.empty() ? "" : ", ") + p;
      notes.push_back(
          fmt::format("the NMT files beside the snapshots ({}) are not the first and last "
                      "snapshots' ({} .. {}); NMT not joined",
                      names, snapshot_paths.front(), snapshot_paths.back()));
      return {};
    }
  }
  notes.push_back(fmt::format("joining the NMT files {} ({}{})",
                              collected ? "the collection saved" : "beside the snapshots", paths.front(),
                              paths.size() > 1 ? " -> " + paths.back() : std::string()));
  return nmts;
}

}  // namespace snap
