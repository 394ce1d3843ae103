// Test helper: end the whole test binary as skipped (CTest
// SKIP_RETURN_CODE 77), saying why, where a tool the test needs is missing
// or not permitted. std::exit runs no destructors: stop children first.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include <doctest/doctest.h>

namespace snap::test {

[[noreturn]] inline void skip(const char* test, const std::string& why) {
  MESSAGE("SKIPPED: " << why);
  std::fprintf(stderr, "%s: skipped: %s\n", test, why.c_str());
  std::fflush(nullptr);
  std::exit(77);
}

}  // namespace snap::test
