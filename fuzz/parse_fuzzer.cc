// One parser, its format forced through the public entry point (as
// `--input-format` does), so detection never hides it: built once per format
// with SNAP_FUZZ_FORMAT set to the snap::Format enumerator (fuzz/CMakeLists.txt).
// Then one snapshot's summary in every output, as snapshow prints it.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

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
  std::string out, json, csv;
  snap::emit_summary_text(out, sum, {});
  snap::emit_summary_json(json, sum);
  snap::emit_summary_csv(csv, sum);
#ifdef SNAP_CHECK_NO_CONTROL
  snap::fuzz::check_no_control(out);
  snap::fuzz::check_no_control(csv, snap::fuzz::Text::csv);
#endif
#ifdef SNAP_CHECK_JSON_NAMES
  const auto doc = nlohmann::json::parse(json);
  for (std::size_t i = 0; i < sum.top.size(); ++i) snap::fuzz::check_json_name(doc["top"][i], "name", sum.top[i].name);
#endif
  return 0;
}
