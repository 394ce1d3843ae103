// Test helper: the ParseError a piece of code throws.
#pragma once

#include <doctest/doctest.h>

#include "snap/error.h"

namespace snap::test {

/// What `f()` throws as a ParseError; the test fails when it throws none
/// (and any other exception fails it as doctest reports it).
template <typename F>
ParseError parse_error(F&& f) {
  try {
    f();
  } catch (const ParseError& e) {
    return e;
  }
  FAIL("no ParseError thrown");
  return ParseError("", 0, 0, "");
}

}  // namespace snap::test
