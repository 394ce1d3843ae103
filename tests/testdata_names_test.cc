// testdata/ must survive a clone onto a case-insensitive file system (macOS,
// Windows): there two paths that differ only in case are one file, and the
// clone silently loses the other.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string>

#include "testdata.h"

namespace fs = std::filesystem;

namespace {

std::string folded(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

TEST_CASE("no two paths under testdata/ differ only in case") {
  const fs::path root = snap::test::path("");
  std::map<std::string, std::string> seen;  // folded -> as written
  std::size_t paths = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string rel = fs::relative(entry.path(), root).generic_string();
    ++paths;
    const auto inserted = seen.emplace(folded(rel), rel);
    const std::string& first = inserted.first->second;
    CAPTURE(rel);
    CAPTURE(first);
    CHECK(inserted.second);
  }
  // The walk saw the captures (pmap-x.NN beside pmap-x-ext.NN and pmap-XX.NN).
  CHECK(paths > 500);
  CHECK(seen.count("c-malloc-leak/pmap-x.01") == 1);
  CHECK(seen.count("c-malloc-leak/pmap-x-ext.01") == 1);
  CHECK(seen.count("c-malloc-leak/pmap-xx.01") == 1);
}
