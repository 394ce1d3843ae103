// snap/escape.h: what reaches a terminal of the names programs choose, and
// how the escaped form gives the bytes back; emit.h's CSV cells.
#include <doctest/doctest.h>

#include <string>

#include "snap/emit.h"
#include "snap/escape.h"

using snap::printable;
using snap::unescape;

TEST_CASE("printable(): printable UTF-8 passes, controls and invalid bytes become \\xNN") {
  CHECK(printable("/usr/lib/libc.so.6") == "/usr/lib/libc.so.6");
  CHECK(printable("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x9b") ==
        "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x90\x9b");
  // The attacks: an OSC window title, a clear screen, C1 CSI (U+009B) and
  // its SGR, a newline, DEL.
  CHECK(printable("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
  CHECK(printable("\x1b[2J") == "\\x1b[2J");
  CHECK(printable("\xc2\x9b"
                  "31m") == "\\xc2\\x9b31m");
  CHECK(printable("\xc2\x85") == "\\xc2\\x85");  // NEL, the last C1 but one
  CHECK(printable("\xc2\xa0") == "\xc2\xa0");    // U+00A0, the first after C1: printable
  CHECK(printable("a\nb\x7f") == "a\\x0ab\\x7f");
  // Invalid UTF-8: lone bytes, a cut sequence, overlong forms, surrogates,
  // beyond U+10FFFF: every byte escaped, none swallowed.
  CHECK(printable("\xff\xfe") == "\\xff\\xfe");
  CHECK(printable("caf\xe9!") == "caf\\xe9!");
  CHECK(printable("\xe6\x97") == "\\xe6\\x97");
  CHECK(printable("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(printable("\xe0\x80\xaf") == "\\xe0\\x80\\xaf");
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(printable("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");
  CHECK(printable("\x80"
                  "a") == "\\x80a");
  // Line separators and the bidirectional controls that reorder what a
  // reader sees (U+202E RIGHT-TO-LEFT OVERRIDE, U+2066 LRI).
  CHECK(printable("a\xe2\x80\xa8"
                  "b") == "a\\xe2\\x80\\xa8b");
  CHECK(printable("x\xe2\x80\xaegpj.exe") == "x\\xe2\\x80\\xaegpj.exe");
  CHECK(printable("\xe2\x81\xa6") == "\\xe2\\x81\\xa6");
  // The backslash, so that "\x1b" written by a program is not ESC.
  CHECK(printable("\\x1b") == "\\\\x1b");
  CHECK(printable("C:\\dir") == "C:\\\\dir");
}

TEST_CASE("unescape(printable(s)) == s for every string of one and two bytes") {
  for (int a = 0; a < 256; ++a) {
    const std::string one(1, static_cast<char>(a));
    REQUIRE(unescape(printable(one)) == one);
    for (int b = 0; b < 256; ++b) {
      const std::string two{static_cast<char>(a), static_cast<char>(b)};
      const std::string p = printable(two);
      CAPTURE(p);
      REQUIRE(unescape(p) == two);
      // The escaped form is printable itself: nothing below 0x20, no DEL.
      for (char ch : p) REQUIRE((static_cast<unsigned char>(ch) >= 0x20 && ch != 0x7f));
      REQUIRE(snap::valid_utf8(p));
    }
  }
  const std::string hostile =
      "evil-\x1b]0;pwned\x07\x1b[2J\xc2\x9b"
      "31m\xff\xfe\nx\\y\\x41";
  CHECK(unescape(printable(hostile)) == hostile);
}

TEST_CASE("valid_utf8()") {
  CHECK(snap::valid_utf8(""));
  CHECK(snap::valid_utf8("caf\xc3\xa9 \xf0\x9f\x90\x9b \x1b"));  // controls are valid UTF-8
  CHECK_FALSE(snap::valid_utf8("caf\xe9"));
  CHECK_FALSE(snap::valid_utf8("\xc3"));
  CHECK_FALSE(snap::valid_utf8("\xed\xa0\x80"));
}

TEST_CASE("csv_escape(): RFC 4180 quoting, control bytes quoted, formulas neutralised") {
  CHECK(snap::csv_escape("/usr/lib/libc.so.6") == "/usr/lib/libc.so.6");
  CHECK(snap::csv_escape("[heap]") == "[heap]");
  CHECK(snap::csv_escape("a,b") == "\"a,b\"");
  CHECK(snap::csv_escape("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(snap::csv_escape("a\nb") == "\"a\nb\"");
  CHECK(snap::csv_escape("\x1b[2J") == "\"\x1b[2J\"");
  CHECK(snap::csv_escape("a\x7f") == "\"a\x7f\"");
  CHECK(snap::csv_escape("caf\xe9") == "\"caf\xe9\"");  // not UTF-8: quoted, bytes kept
  CHECK(snap::csv_escape("caf\xc3\xa9") == "caf\xc3\xa9");
  // A cell a spreadsheet would run gets a leading ' (inside the quotes).
  CHECK(snap::csv_escape("=HYPERLINK(\"x\",\"y\")") == "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"");
  CHECK(snap::csv_escape("=1+2") == "\"'=1+2\"");
  CHECK(snap::csv_escape("+1") == "\"'+1\"");
  CHECK(snap::csv_escape("-1") == "\"'-1\"");
  CHECK(snap::csv_escape("@SUM(A1)") == "\"'@SUM(A1)\"");
  CHECK(snap::csv_escape("\t=1") == "\"'\t=1\"");
  CHECK(snap::csv_escape("a=1") == "a=1");  // only a leading sign is a formula
  CHECK(snap::csv_escape("") == "");
}
