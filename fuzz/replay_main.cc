// The fuzz targets without libFuzzer: every target's entry point linked
// into one program that feeds it files, so that ctest checks the fuzz
// invariants on every real capture in the normal build (any compiler).
//
//   fuzz_replay TARGET [--series] PATH...
//
// Every regular file under each PATH is fed to TARGET once as it is, and
// once inflated when it is gzip. --series (the targets that read several
// snapshots split at form feeds) also feeds, for each family of numbered
// captures in a directory (smaps.01, smaps.02, ...), the first and last
// joined by a form feed, and the first, middle and last. An input that
// breaks an invariant aborts, naming the file first. Exits 2 when a PATH
// holds no file: a replay of nothing checks nothing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "snap/error.h"
#include "snap/parse.h"

namespace fs = std::filesystem;

#define SNAP_REPLAY_TARGET(name) extern "C" int snap_fuzz_##name(const std::uint8_t*, std::size_t);
#include "replay_targets.h"
#undef SNAP_REPLAY_TARGET

namespace {

using Entry = int (*)(const std::uint8_t*, std::size_t);

const std::map<std::string, Entry, std::less<>> kTargets = {
#define SNAP_REPLAY_TARGET(name) {#name, snap_fuzz_##name},
#include "replay_targets.h"
#undef SNAP_REPLAY_TARGET
};

std::string raw(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t fed = 0;

void feed(Entry target, const std::string& what, const std::string& bytes) {
  std::fprintf(stderr, "fuzz_replay: %s\n", what.c_str());
  target(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  ++fed;
}

/// "smaps.07" -> "smaps", "smaps.053.gz" -> "smaps"; "" when the name has
/// no number.
std::string family(const fs::path& p) {
  std::string name = p.filename().string();
  if (name.ends_with(".gz")) name.resize(name.size() - 3);
  const std::size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot + 1 == name.size()) return {};
  if (!std::all_of(name.begin() + static_cast<std::ptrdiff_t>(dot) + 1, name.end(),
                   [](char c) { return c >= '0' && c <= '9'; }))
    return {};
  return name.substr(0, dot);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || !kTargets.contains(std::string_view(argv[1]))) {
    std::fprintf(stderr, "usage: fuzz_replay TARGET [--series] PATH...\ntargets:");
    for (const auto& [name, entry] : kTargets) std::fprintf(stderr, " %s", name.c_str());
    std::fprintf(stderr, "\n");
    return 2;
  }
  const Entry target = kTargets.find(std::string_view(argv[1]))->second;
  int first = 2;
  const bool series = std::string_view(argv[2]) == "--series";
  if (series) ++first;
  for (int a = first; a < argc; ++a) {
    std::vector<fs::path> files;
    if (fs::is_directory(argv[a])) {
      for (const auto& e : fs::recursive_directory_iterator(argv[a]))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (fs::is_regular_file(argv[a])) {
      files.emplace_back(argv[a]);
    }
    if (files.empty()) {
      std::fprintf(stderr, "fuzz_replay: %s: no file to feed\n", argv[a]);
      return 2;
    }
    std::sort(files.begin(), files.end());
    std::map<std::pair<fs::path, std::string>, std::vector<fs::path>> families;
    for (const fs::path& f : files) {
      feed(target, f.string(), raw(f));
      if (f.extension() == ".gz") {
        try {
          feed(target, f.string() + " (inflated)", snap::read_input(f.string()));
        } catch (const snap::ParseError&) {
          // Not gzip after all (a fuzz reproducer): fed as it is above.
        }
      }
      if (std::string fam = family(f); !fam.empty()) families[{f.parent_path(), fam}].push_back(f);
    }
    if (!series) continue;
    for (const auto& family_files : families) {
      const std::vector<fs::path>& members = family_files.second;
      if (members.size() < 2) continue;
      auto join = [&](std::initializer_list<std::size_t> picks) {
        std::string bytes, what;
        for (std::size_t i : picks) {
          if (!bytes.empty() || !what.empty()) bytes += '\f';
          bytes += snap::read_input(members[i].string());
          what += (what.empty() ? "" : " + ") + members[i].string();
        }
        feed(target, what, bytes);
      };
      join({0, members.size() - 1});
      if (members.size() >= 3) join({0, members.size() / 2, members.size() - 1});
    }
  }
  std::fprintf(stderr, "fuzz_replay: %s: %zu inputs, every invariant held\n", argv[1], fed);
  return 0;
}
