// One parser, its format forced through the public entry point (as
// `--input-format` does), so detection never hides it: built once per format
// with SNAP_FUZZ_FORMAT set to the snap::Format enumerator (fuzz/CMakeLists.txt).
// Then one snapshot's summary in every output, as snapshow prints it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "snap/emit.h"
#include "snap/parse.h"
#include "snap/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  snap::Snapshot s;
  try {
    s = snap::parse_snapshot(text, "fuzz", snap::Format::SNAP_FUZZ_FORMAT);
  } catch (const snap::ParseError& e) {
    snap::fuzz::check_error(e, "fuzz");
    return 0;
  }
  SNAP_FUZZ_CHECK(s.format == snap::Format::SNAP_FUZZ_FORMAT);
  snap::fuzz::check_snapshot(s);
  const snap::Summary sum = snap::summarize(s);
  snap::fuzz::check_summary(s, sum);
  std::string out;
  snap::emit_summary_text(out, sum, {});
  snap::emit_summary_json(out, sum);
  snap::emit_summary_csv(out, sum);
  return 0;
}
