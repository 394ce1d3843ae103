// The smaps parser's two paths (parse_smaps.cc) by their contract: the fast
// path, which reads the kernel's exact layout, and the general path, which
// reads any line, give the same Regions, warnings and pid, or the same
// error at the same line and column. Checked on the real smaps captures of
// testdata/ and on mutations of them that aim at where the fast path must
// hand over: a digit, a blank, a tab, a unit, CR LF, a key out of order or
// twice, a number past 64 bits, a cut anywhere. Deterministic: the same
// seed gives the same cases on every machine.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "parsers.h"
#include "snap/error.h"
#include "snap/parse.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

/// What one path made of a text: the snapshot's parsed parts, or the error.
struct Outcome {
  std::optional<std::string> error;  // ParseError::what(), which has the line and column
  std::size_t line = 0, column = 0;
  snap::Snapshot s;
  snap::RegionStore rows;  // the parser's rows, before parse() checks them
};

template <typename Parse>
Outcome run(Parse parse, std::string_view text) {
  Outcome o;
  o.s.source = "mutated";
  o.s.format = snap::Format::smaps;
  try {
    snap::RegionStore::Builder rows;
    parse(text, o.s, rows);
    o.rows = rows.finish();
  } catch (const snap::ParseError& e) {
    o.error = e.what();
    o.line = e.line();
    o.column = e.column();
  }
  return o;
}

enum class Agreed { parsed, error, known_divergence };

/// The one divergence known (see the last case below): a block with
/// no Size line, ended by VmFlags, then a Size line. The fast path has
/// finished the block at VmFlags and calls that Size the second; the general
/// path takes it (or judges it against the range).
bool known_divergence(const Outcome& fast, const Outcome& general) {
  return fast.error && fast.error->ends_with(": Size given twice for one mapping") && fast.error != general.error;
}

/// The fast and the general path agree on `text`.
Agreed agree(std::string_view text) {
  const Outcome fast = run(snap::detail::parse_smaps, text);
  const Outcome general = run(snap::detail::parse_smaps_general, text);
  CAPTURE(text);
  const std::string fast_error = fast.error.value_or("(parsed)"), general_error = general.error.value_or("(parsed)");
  CAPTURE(fast_error);
  CAPTURE(general_error);
  if (known_divergence(fast, general)) return Agreed::known_divergence;
  REQUIRE(fast.error == general.error);
  if (fast.error) {
    REQUIRE(fast.line == general.line);
    REQUIRE(fast.column == general.column);
    return Agreed::error;
  }
  REQUIRE(fast.rows.size() == general.rows.size());
  for (std::size_t i = 0; i < fast.rows.size(); ++i) {
    CAPTURE(i);
    REQUIRE(fast.rows[i] == general.rows[i]);
  }
  REQUIRE(fast.s.pid == general.s.pid);
  REQUIRE(fast.s.command == general.s.command);
  REQUIRE(fast.s.reported_totals == general.s.reported_totals);
  REQUIRE(fast.s.warnings.size() == general.s.warnings.size());
  for (std::size_t i = 0; i < fast.s.warnings.size(); ++i) {
    REQUIRE(fast.s.warnings[i].line == general.s.warnings[i].line);
    REQUIRE(fast.s.warnings[i].message == general.s.warnings[i].message);
  }
  return Agreed::parsed;
}

/// The smaps and smaps_rollup captures: every one but the 100 ms runs
/// (250 more of the same processes), and the smaps reproducers of
/// testdata/regress.
std::vector<fs::path> captures() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(snap::test::path(""))) {
    if (!e.is_regular_file()) continue;
    const std::string name = e.path().filename().string();
    const bool smaps = name.starts_with("smaps") || e.path().extension() == ".smaps";
    if (!smaps || e.path().parent_path().filename() == "100ms") continue;
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t nl = text.find('\n', at);
    std::size_t end = nl == std::string::npos ? text.size() : nl + 1;
    out.push_back(text.substr(at, end - at));
    at = end;
  }
  return out;
}

bool is_header(const std::string& line) {
  const std::size_t dash = line.find('-');
  const std::size_t blank = line.find(' ');
  return !line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && dash != std::string::npos &&
         dash < blank;
}

/// Deterministic everywhere: std::mt19937's output is fixed by the standard,
/// the distributions are not.
struct Dice {
  std::mt19937 gen;
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(gen() % n); }
};

/// Lines [from, to) of a capture: a few whole blocks, so that a case reads fast.
std::vector<std::string> window(const std::vector<std::string>& lines, Dice& dice) {
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (is_header(lines[i])) starts.push_back(i);
  if (starts.size() < 2) return lines;
  const std::size_t first = dice.below(starts.size() - 1);
  const std::size_t last = std::min(starts.size(), first + 1 + dice.below(6));
  const std::size_t to = last < starts.size() ? starts[last] : lines.size();
  return {lines.begin() + static_cast<std::ptrdiff_t>(starts[first]), lines.begin() + static_cast<std::ptrdiff_t>(to)};
}

void mutate(std::vector<std::string>& lines, Dice& dice) {
  if (lines.empty()) return;
  const std::size_t i = dice.below(lines.size());
  std::string& l = lines[i];
  auto positions = [&](auto pred) {
    std::vector<std::size_t> at;
    for (std::size_t k = 0; k < l.size(); ++k)
      if (pred(l[k])) at.push_back(k);
    return at;
  };
  switch (dice.below(13)) {
    case 0: {  // another digit
      auto at = positions([](char c) { return c >= '0' && c <= '9'; });
      if (!at.empty()) l[at[dice.below(at.size())]] = static_cast<char>('0' + dice.below(10));
      break;
    }
    case 1: {  // a blank becomes a tab
      auto at = positions([](char c) { return c == ' '; });
      if (!at.empty()) l[at[dice.below(at.size())]] = '\t';
      break;
    }
    case 2:  // one blank more
      l.insert(dice.below(l.size() + 1), 1, ' ');
      break;
    case 3:  // one byte less
      if (!l.empty()) l.erase(dice.below(l.size()), 1);
      break;
    case 4: {  // another unit, or none
      static constexpr const char* kUnits[] = {"KB", "kb", "MB", "B", "", "kB kB", "pages"};
      if (auto at = l.find("kB"); at != std::string::npos) l.replace(at, 2, kUnits[dice.below(7)]);
      break;
    }
    case 5:  // two lines swapped: a key out of its order, or a header inside a block
      if (i + 1 < lines.size()) std::swap(lines[i], lines[i + 1]);
      break;
    case 6:  // a line twice
      lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(i), lines[i]);
      break;
    case 7:  // a line gone
      lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    case 8:  // CR LF
      if (l.ends_with('\n')) l.insert(l.size() - 1, "\r");
      break;
    case 9: {  // a stray byte
      static constexpr char kBytes[] = {'\0', '\t', ' ', ':', '-', 'x', '\xff', '9', '\n', '\r', 'k'};
      if (!l.empty()) l[dice.below(l.size())] = kBytes[dice.below(sizeof kBytes)];
      break;
    }
    case 10: {  // a number at or past the edges of 64 bits (and of bytes, times 1024)
      static constexpr const char* kBig[] = {"18446744073709551615", "18446744073709551616", "99999999999999999999",
                                             "18014398509481984", "18014398509481983", "0"};
      auto at = positions([](char c) { return c >= '0' && c <= '9'; });
      if (!at.empty() && !is_header(l)) {
        std::size_t b = at[dice.below(at.size())], e = b;
        while (b > 0 && std::isdigit(static_cast<unsigned char>(l[b - 1]))) --b;
        while (e < l.size() && std::isdigit(static_cast<unsigned char>(l[e]))) ++e;
        l.replace(b, e - b, kBig[dice.below(6)]);
      }
      break;
    }
    case 11: {  // a key's letter in the other case
      auto at = positions([](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
      if (!at.empty() && !is_header(l)) {
        char& c = l[at[dice.below(at.size())]];
        c = static_cast<char>(std::isupper(static_cast<unsigned char>(c)) ? std::tolower(c) : std::toupper(c));
      }
      break;
    }
    default:  // the last line cut short, anywhere
      lines.resize(i + 1);
      lines.back().resize(dice.below(lines.back().size() + 1));
      break;
  }
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l;
  return out;
}

/// `cases` mutated windows, spread over every capture, from `seed`.
void mutated_windows(std::size_t cases, std::uint32_t seed) {
  const auto files = captures();
  REQUIRE(!files.empty());
  Dice dice{std::mt19937(seed)};
  const std::size_t per_file = cases / files.size() + 1;
  std::size_t parsed = 0, errors = 0, known = 0;
  for (const fs::path& f : files) {
    CAPTURE(f);
    const std::vector<std::string> all = lines_of(snap::read_input(f.string()));
    for (std::size_t n = 0; n < per_file; ++n) {
      CAPTURE(n);
      std::vector<std::string> lines = window(all, dice);
      const std::size_t mutations = 1 + dice.below(3);
      for (std::size_t m = 0; m < mutations; ++m) mutate(lines, dice);
      switch (agree(joined(lines))) {
        case Agreed::parsed: ++parsed; break;
        case Agreed::error: ++errors; break;
        case Agreed::known_divergence: ++known; break;
      }
    }
  }
  // Both kinds of case are many: neither path is checked on only one.
  CHECK(parsed + errors + known >= cases);
  CHECK(parsed > cases / 10);
  CHECK(errors > cases / 10);
  CHECK(known <= cases / 10000 + 2);  // 1 with either seed
  MESSAGE(parsed << " mutated windows parsed, " << errors << " errors, identical on both paths; " << known
                 << " of the known divergence");
}

}  // namespace

TEST_CASE("smaps fast and general paths: the same result on every real capture as it is") {
  const auto files = captures();
  std::size_t parsed = 0, errors = 0;
  for (const fs::path& f : files) {
    CAPTURE(f);
    const Agreed a = agree(snap::read_input(f.string()));
    REQUIRE(a != Agreed::known_divergence);
    (a == Agreed::parsed ? parsed : errors) += 1;
  }
  // 143 captures (8 of them an adaptive collection: 2 full, 6 light), a
  // torn read (testdata/torn-read) and the 7 smaps reproducers of
  // testdata/regress, 4 of which the parser refuses (order and overlap are
  // judged after it).
  CHECK(files.size() == 151);
  CHECK(errors == 4);
}

TEST_CASE("smaps fast and general paths: the same result on 2,000 mutated windows of real captures") {
  mutated_windows(2000, 20261202);
}

// CTest runs this one as smaps_paths_slow_test (label slow): 100 times the
// cases above, in about 40 s of a Debug build.
TEST_CASE("slow: smaps fast and general paths agree on 200,000 more mutated windows") {
  mutated_windows(200000, 20261203);
}

// The known divergence, pinned as it is today and left for the parser's
// owner: a block that has every key but Size, ends with VmFlags, and then
// has "Size:" (two lines of a capture swapped, or its Size line misspelt and
// another later). The general path reads that line as the block's Size; the
// fast path has closed the block at VmFlags (Size taken from the range) and
// says "Size given twice". Found by the mutated windows above (1 in 2,000,
// 1 in 200,000). When the fast path is fixed this case fails: then check
// agree(block) == Agreed::parsed here and delete known_divergence().
TEST_CASE("smaps fast and general paths: known divergence, Size after VmFlags in a block without one") {
  const std::string text = snap::read_input(snap::test::path("c-malloc-leak/smaps.07"));
  // The [vvar_vclock] block, as the kernel wrote it, less its Size line,
  // with that line after its VmFlags.
  const std::size_t start = text.find("[vvar_vclock]\n");
  REQUIRE(start != std::string::npos);
  const std::size_t header = text.rfind('\n', start) + 1;
  const std::size_t body = text.find('\n', start) + 1;
  const std::size_t size_end = text.find('\n', body) + 1;
  const std::size_t flags = text.find("VmFlags:", body);
  const std::size_t end = text.find('\n', flags) + 1;
  const std::string size_line = text.substr(body, size_end - body);
  REQUIRE(size_line == "Size:                  8 kB\n");
  const std::string block = text.substr(header, body - header) + text.substr(size_end, end - size_end) + size_line;

  const Outcome general = run(snap::detail::parse_smaps_general, block);
  REQUIRE(!general.error);
  REQUIRE(general.rows.size() == 1);
  CHECK(general.rows[0].counters.get(snap::Field::size) == 8 * snap::test::KiB);
  const Outcome fast = run(snap::detail::parse_smaps, block);
  CHECK(fast.error == "mutated:25: Size given twice for one mapping");
  CHECK(agree(block) == Agreed::known_divergence);
}
