// The manifest reader, as snapdiff DIR reads DIR/manifest.json: any text
// either parses or is a ParseError naming the file (nothing else escapes),
// a manifest that parsed names only plain files of its directory, and
// writing it back and reading that again gives the same manifest.
// Then a manifest carrying raw input bytes as its command line, thread
// names and cgroup path (a process's cmdline and comm are any bytes) is
// written and read back: it must parse, and with SNAP_CHECK_JSON_NAMES
// every name must come back byte for byte.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "check.h"
#include "snap/manifest.h"

namespace {

constexpr std::string_view kPath = "dir/manifest.json";

bool plain(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

void check_manifest(const snap::Manifest& m) {
  for (const snap::ManifestEntry& e : m.snapshots) {
    SNAP_FUZZ_CHECK(plain(e.file));
    if (e.nmt) SNAP_FUZZ_CHECK(plain(*e.nmt));
  }
  // Written and read back: the same manifest, so the same text again.
  const std::string once = snap::manifest_json(m);
  snap::Manifest again;
  try {
    again = snap::parse_manifest(once, std::string(kPath));
  } catch (const snap::ParseError&) {
    snap::fuzz::fail("a manifest snap wrote does not read back");
  }
  SNAP_FUZZ_CHECK(snap::manifest_json(again) == once);
  SNAP_FUZZ_CHECK(again.snapshots.size() == m.snapshots.size());
  for (std::size_t i = 0; i < m.snapshots.size(); ++i) {
    SNAP_FUZZ_CHECK(again.snapshots[i].file == m.snapshots[i].file);
    SNAP_FUZZ_CHECK(again.snapshots[i].threads == m.snapshots[i].threads);
    SNAP_FUZZ_CHECK(again.snapshots[i].cgroup == m.snapshots[i].cgroup);
  }
}

void check_raw_names(std::string_view input) {
  snap::Manifest m;
  m.pid = 1;
  m.command = std::string(input.substr(0, input.size() / 2));
  snap::ManifestEntry e;
  e.file = "smaps.0001";
  e.wall = 1;
  e.threads.push_back({2, std::string(input.substr(input.size() / 2)), 0x7ffd0000});
  e.cgroup = snap::CgroupMemory{2, std::string(input), 1, std::nullopt};
  m.snapshots.push_back(e);
  const std::string text = snap::manifest_json(m);
  const snap::Manifest back = snap::parse_manifest(text, std::string(kPath));
  SNAP_FUZZ_CHECK(back.snapshots.size() == 1 && back.snapshots[0].threads.size() == 1);
#ifdef SNAP_CHECK_JSON_NAMES
  const nlohmann::json doc = nlohmann::json::parse(text);
  snap::fuzz::check_json_name(doc, "command", m.command);
  snap::fuzz::check_json_name(doc["snapshots"][0]["threads"][0], "name", e.threads[0].name);
  snap::fuzz::check_json_name(doc["snapshots"][0]["cgroup"], "path", e.cgroup->path);
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    check_manifest(snap::parse_manifest(input, std::string(kPath)));
  } catch (const snap::ParseError& e) {
    snap::fuzz::check_error(e, kPath);
  }
  check_raw_names(input);
  return 0;
}
