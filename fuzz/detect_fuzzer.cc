// Format auto-detection and parsing through the public entry point a tool
// uses, read_snapshot(PATH): the bytes are written to a memfd and read back
// by path, so the gzip path (inflated by magic bytes, whatever the name) is
// fuzzed too. Then the summary as snapshow prints it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "check.h"
#include "snap/emit.h"
#include "snap/parse.h"
#include "snap/summary.h"

namespace {

int memfd() {
  static const int fd = [] {
    int f = ::memfd_create("snap-fuzz", MFD_CLOEXEC);
    if (f < 0) std::abort();
    return f;
  }();
  return fd;
}

void put(const std::uint8_t* data, std::size_t size) {
  const int fd = memfd();
  if (::ftruncate(fd, 0) != 0) std::abort();
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) std::abort();
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Detection alone: a format, or a ParseError naming the formats tried.
  try {
    (void)snap::detect_format(text, "fuzz");
  } catch (const snap::ParseError& e) {
    snap::fuzz::check_error(e, "fuzz");
  }

  put(data, size);
  const std::string path = "/proc/self/fd/" + std::to_string(memfd());
  snap::Snapshot s;
  try {
    s = snap::read_snapshot(path);
  } catch (const snap::ParseError& e) {
    snap::fuzz::check_error(e, path);
    return 0;
  }
  snap::fuzz::check_snapshot(s);
  // The file is streamed (smaps, pmap) or mapped: either way the answer is
  // that of the whole text, which parse_snapshot reads in one piece. (A
  // compressed input is inflated first, a core read by libelf: not compared.)
  const bool compressed_or_core = text.starts_with("\x1f\x8b") || text.starts_with("\xfd" "7zXZ") ||
                                  text.starts_with("BZh") || text.starts_with("\x28\xb5\x2f\xfd") ||
                                  text.starts_with("\x7f" "ELF");
  if (!compressed_or_core) {
    const snap::Snapshot whole = snap::parse_snapshot(text, path);
    SNAP_FUZZ_CHECK(whole.format == s.format);
    SNAP_FUZZ_CHECK(whole.regions == s.regions);
    SNAP_FUZZ_CHECK(whole.totals == s.totals);
    SNAP_FUZZ_CHECK(whole.reported_totals == s.reported_totals);
    SNAP_FUZZ_CHECK(whole.pid == s.pid && whole.command == s.command);
    SNAP_FUZZ_CHECK(whole.warnings.size() == s.warnings.size());
    for (std::size_t i = 0; i < s.warnings.size() && i < whole.warnings.size(); ++i)
      SNAP_FUZZ_CHECK(whole.warnings[i].line == s.warnings[i].line &&
                      whole.warnings[i].message == s.warnings[i].message);
  }
  const snap::Summary sum = snap::summarize(s);
  snap::fuzz::check_summary(s, sum);
  std::string text_out, json, csv;
  snap::emit_summary_text(text_out, sum, {snap::SizeStyle::human, true});
  snap::emit_summary_json(json, sum);
  snap::emit_summary_csv(csv, sum);
  SNAP_FUZZ_CHECK(nlohmann::json::parse(json, nullptr, false).is_object());
#ifdef SNAP_CHECK_NO_CONTROL
  snap::fuzz::check_no_control(text_out, snap::fuzz::Text::colour);
  snap::fuzz::check_no_control(csv, snap::fuzz::Text::csv);
#endif
#ifdef SNAP_CHECK_JSON_NAMES
  const auto doc = nlohmann::json::parse(json);
  for (std::size_t i = 0; i < sum.top.size(); ++i) snap::fuzz::check_json_name(doc["top"][i], "name", sum.top[i].name);
#endif
  return 0;
}
