#include <doctest/doctest.h>

#include <cmath>

#include "snap/size.h"

using snap::format_delta;
using snap::format_size;
using snap::format_rate;
using snap::parse_size;
using snap::SizeStyle;

TEST_CASE("parse_size: pmap-style units, powers of 1024") {
  CHECK(parse_size("0") == 0u);
  CHECK(parse_size("4096") == 4096u);
  CHECK(parse_size("64K") == 65536u);
  CHECK(parse_size("64k") == 65536u);
  CHECK(parse_size("64KiB") == 65536u);
  CHECK(parse_size("64kB") == 65536u);
  CHECK(parse_size("1M") == 1048576u);
  CHECK(parse_size("2G") == 2147483648u);
  CHECK(parse_size("1T") == 1099511627776u);
  CHECK(parse_size("1.5G") == 1610612736u);
  CHECK(parse_size("0.5K") == 512u);
}

TEST_CASE("parse_size: malformed or overflowing is rejected, not truncated") {
  for (const char* bad : {"", "K", "-1", "1X", "1.2.3M", ".5M", "5.M", "1 M", "12abc", "99999999999999999999",
                          "16777216T", "1e3"})
    CHECK_MESSAGE(!parse_size(bad), bad);
}

TEST_CASE("format_size: K as pmap, M/G as df -h") {
  CHECK(format_size(0, SizeStyle::kib) == "0K");
  CHECK(format_size(8960 * 1024, SizeStyle::kib) == "8960K");
  CHECK(format_size(100, SizeStyle::kib) == "1K");  // a stray remainder rounds up
  CHECK(format_size(512, SizeStyle::human) == "512B");
  CHECK(format_size(388 * 1024, SizeStyle::human) == "388K");
  CHECK(format_size(8960 * 1024, SizeStyle::human) == "8.8M");
  CHECK(format_size(62476ull * 1024, SizeStyle::human) == "61M");
  CHECK(format_size(1023ull * 1024 * 1024 + 1000 * 1024, SizeStyle::human) == "1.0G");
  CHECK(format_size(3ull << 30, SizeStyle::human) == "3.0G");
}

TEST_CASE("format_delta: always signed") {
  CHECK(format_delta(0, SizeStyle::kib) == "+0K");
  CHECK(format_delta(2304 * 1024, SizeStyle::kib) == "+2304K");
  CHECK(format_delta(-2304 * 1024, SizeStyle::kib) == "-2304K");
  CHECK(format_delta(-(2ll << 30), SizeStyle::human) == "-2.0G");
  // At the int64 limit a delta is marked: it may be saturated ("at least").
  CHECK(format_delta(INT64_MIN, SizeStyle::kib) == "<=-9007199254740992K");
  CHECK(format_delta(INT64_MAX, SizeStyle::human) == ">=+8.0E");
  CHECK(format_delta(INT64_MIN + 1, SizeStyle::kib) == "-9007199254740992K");
}

TEST_CASE("format_rate: signed, in -h's letters whatever the size style") {
  CHECK(format_rate(4.8 * 1024 * 1024) == "+4.8M");
  CHECK(format_rate(-320.0 * 1024) == "-320K");
  CHECK(format_rate(283648.0) == "+277K");  // thread-leak's Rss: 277 KiB/s
  CHECK(format_rate(12.4) == "+12B");
  CHECK(format_rate(0.3) == "+0B");
  CHECK(format_rate(-0.3) == "+0B");  // rounds to nothing: no "-0B"
  CHECK(format_rate(1e30) == "+16E");  // past 2^64: the limit, not a wrap
  CHECK(format_rate(std::nan("")) == "+0B");
}
