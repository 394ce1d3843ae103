// snapinspect on a JVM that leaks zlib streams (java.util.zip.Deflater never
// ended): the ranges snapdiff --ranges gives between a smaps snapshot before
// and one after, read from the live JVM, are filled with zlib's 64 KiB
// buffers. deflateInit2 (level 6, windowBits 15, memLevel 8) callocs four of
// them a stream (window, prev, head, pending_buf: 65536 bytes, a 65552-byte
// chunk each). Exits 77 (CTest: skipped) where java is missing or the
// process cannot be read (ptrace rights).
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "files.h"
#include "leaking_child.h"
#include "run_tool.h"
#include "skip.h"

using nlohmann::json;

namespace {

[[noreturn]] void skip(const std::string& why) {
  snap::test::skip("inspect_jvm_test", why);
}

}  // namespace

TEST_CASE("Java: Deflaters never ended; their zlib buffers fill the grown ranges") {
  if (std::system("java -version >/dev/null 2>&1") != 0) skip("java is not installed");
  snap::test::TempDir tmp("snap_inspect_jvm");
  constexpr std::uint64_t kStreams = 100, kBuffer = 65536 + 16;
  snap::test::LeakingChild jvm({"java", "-Xmx64m", "-XX:+UseSerialGC", SNAP_INSPECT_DEFLATERS_JAVA,
                                std::to_string(kStreams)});
  const std::string ready = jvm.line();
  REQUIRE_MESSAGE(ready.ends_with(" ready"), "the JVM said: " << ready);
  const std::string smaps = fmt::format("/proc/{}/smaps", jvm.pid());
  const std::string before = tmp.write("smaps.1", snap::test::slurp(smaps));
  const std::string said = jvm.ask("");
  REQUIRE(said == fmt::format("deflaters {}", kStreams));
  const std::string after = tmp.write("smaps.2", snap::test::slurp(smaps));

  const auto d = snap::test::run_tool(SNAPDIFF_EXE, fmt::format("--ranges '{}' '{}'", before, after), "/");
  REQUIRE_MESSAGE(d.status == 1, d.err);
  const std::string ranges = tmp.write("ranges", d.out);
  const auto r = snap::test::run_tool(SNAPINSPECT_EXE, fmt::format("--json -n 5 -p {} -", jvm.pid()), "/", "",
                                      ranges);
  if (r.status == 2 && r.err.find("ptrace") != std::string::npos) skip("cannot read another process here: " + r.err);
  // 1: a range was not inspected. The JVM runs on between the snapshot and
  // the read, and may unmap what it grew meanwhile (a thread's stack, a
  // reservation of its own), wholly or in part; each such range is said,
  // with one of the two reasons, and the others inspected.
  REQUIRE_MESSAGE((r.status == 0 || r.status == 1), r.err);
  if (r.status == 1) {
    INFO(r.err);
    const std::regex said(R"(snapinspect: 0x[0-9a-f]+-0x[0-9a-f]+: )"
                          R"((outside every mapping of the process|no page of the range could be read))");
    CHECK(r.err.ends_with('\n'));
    std::istringstream lines(r.err);
    std::size_t n = 0;
    for (std::string line; std::getline(lines, line); ++n) CHECK_MESSAGE(std::regex_match(line, said), line);
    CHECK(n > 0);
  }
  const json j = json::parse(r.out);
  INFO(d.out);
  std::uint64_t buffers = 0;
  const json* biggest = nullptr;
  for (const json& range : j["ranges"]) {
    if (!range.contains("malloc") || !range["malloc"].is_object()) continue;  // not inspected, or not malloc's
    if (!biggest || range["malloc"]["in_use_bytes"] > (*biggest)["malloc"]["in_use_bytes"]) biggest = &range;
    for (const json& row : range["malloc"]["sizes"])
      if (row["size"] == kBuffer) buffers += row["count"].get<std::uint64_t>();
  }
  REQUIRE_MESSAGE(biggest, "no range of malloc memory in: " << r.out);
  INFO((*biggest)["malloc"].dump(1));
  // The malloc memory that grew most is zlib's: its buffers on top by bytes.
  CHECK((*biggest)["malloc"]["complete"] == true);
  CHECK((*biggest)["malloc"]["sizes"][0]["size"] == kBuffer);
  // Every stream's four buffers are in the grown ranges; a buffer malloc put
  // in a free chunk that existed before the first snapshot is not, and the
  // JVM's own 64 KiB callocs (few while it only runs this loop) are.
  CHECK(buffers >= 4 * kStreams - 4);
  CHECK(buffers <= 4 * kStreams + 4);
}
