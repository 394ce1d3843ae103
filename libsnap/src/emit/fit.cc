// A table fitted to a width: snap/emit/fit.h.
#include "snap/emit/fit.h"

#include <algorithm>
#include <numeric>

#include "snap/emit/cells.h"

namespace snap {
namespace {

/// The last `n` display columns of `text`, whole UTF-8 characters.
std::string_view tail(std::string_view text, std::size_t n) {
  std::size_t i = text.size();
  for (std::size_t seen = 0; i > 0 && seen < n; ++seen) {
    --i;
    while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) --i;  // to a character's first byte
  }
  return text.substr(i);
}

/// The least a name is shortened to, however narrow the width: fewer
/// columns would say nothing.
constexpr std::size_t kFloorNameWidth = 8;

}  // namespace

std::string shorten_left(std::string_view text, std::size_t width, bool unicode, std::size_t keep) {
  if (display_width(text) <= width) return std::string(text);
  const std::string_view ellipsis = unicode ? "\u2026" : "...";
  const std::size_t ew = unicode ? 1 : 3;
  keep = std::min(keep, text.size());
  while (keep > 0 && keep < text.size() && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  const std::size_t kw = display_width(text.substr(0, keep));
  if (keep > 0 && kw + ew < width)
    return std::string(text.substr(0, keep)) + std::string(ellipsis) +
           std::string(tail(text.substr(keep), width - kw - ew));
  return std::string(ellipsis) + std::string(tail(text, width > ew ? width - ew : 0));
}

std::vector<std::string> fit_table(const std::vector<FitColumn>& columns, const std::vector<FitRow>& rows,
                                   const FitOptions& o) {
  const std::size_t n = columns.size();
  if (n == 0) return std::vector<std::string>(rows.size());
  const std::size_t npos = std::string::npos;
  const std::size_t name = columns.back().right ? npos : n - 1;
  auto cell = [&](const FitRow& r, std::size_t i) -> std::string_view {
    return i < r.cells.size() ? std::string_view(r.cells[i]) : std::string_view();
  };
  std::vector<std::size_t> w(n, 0);
  for (const FitRow& r : rows)
    for (std::size_t i = 0; i < n; ++i) w[i] = std::max(w[i], display_width(cell(r, i)));
  std::vector<bool> shown(n, true);

  // A row's name: a note's cells of dropped columns come first, kept whole.
  struct Name {
    std::string text;
    std::size_t keep;
  };
  auto name_of = [&](const FitRow& r) {
    Name out{std::string(cell(r, name)), r.keep};
    if (!r.note) return out;
    std::string moved;
    for (std::size_t i = 0; i < name; ++i)
      if (!shown[i] && !cell(r, i).empty()) moved += std::string(cell(r, i)) + ' ';
    if (!moved.empty()) out = {moved + out.text, moved.size()};
    return out;
  };
  // The columns before the name, with their separators; without a name, all.
  auto fixed = [&] {
    std::size_t sum = 0, count = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (shown[i] && i != name) sum += w[i], ++count;
    if (name == npos) return count ? sum + 2 * (count - 1) : 0;
    return sum + 2 * count;
  };
  auto widest_name = [&] {
    std::size_t most = 0;
    if (name == npos) return most;
    for (const FitRow& r : rows) most = std::max(most, display_width(name_of(r).text));
    return most;
  };

  std::size_t name_width = npos;  // names longer than this are shortened
  if (o.width > 0) {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < n; ++i)
      if (columns[i].drop > 0 && i != name) order.push_back(i);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return columns[a].drop < columns[b].drop; });
    for (std::size_t k = 0;; ++k) {
      const std::size_t prefix = fixed(), most = widest_name();
      if (prefix + most <= o.width) break;
      if (name != npos && prefix + std::min(most, kMinNameWidth) <= o.width) break;
      if (k == order.size()) break;
      shown[order[k]] = false;
    }
    const std::size_t prefix = fixed();
    if (name != npos && prefix + widest_name() > o.width)
      name_width = std::max(o.width > prefix ? o.width - prefix : 0, kFloorNameWidth);
  }

  std::vector<std::string> lines;
  lines.reserve(rows.size());
  for (const FitRow& r : rows) {
    std::string line;
    bool first = true;
    for (std::size_t i = 0; i < n; ++i) {
      if (!shown[i]) continue;
      if (!first) line += "  ";
      first = false;
      if (i == name) {
        Name nm = name_of(r);
        if (name_width != npos && r.note && display_width(nm.text) > name_width) {
          nm.text.resize(nm.keep);  // the hint left out, what was moved kept
          while (!nm.text.empty() && nm.text.back() == ' ') nm.text.pop_back();
          nm.keep = 0;
        }
        line += name_width == npos ? nm.text : shorten_left(nm.text, name_width, o.unicode, nm.keep);
        continue;
      }
      const std::string_view c = cell(r, i);
      const std::string fill(w[i] - std::min(w[i], display_width(c)), ' ');
      line += columns[i].right ? fill + std::string(c) : std::string(c) + fill;
    }
    if (o.trim)
      while (!line.empty() && line.back() == ' ') line.pop_back();
    lines.push_back(std::move(line));
  }
  return lines;
}

void wrap_lines(std::string& text, std::size_t from, std::size_t width) {
  if (width == 0 || from >= text.size()) return;
  std::string out;
  std::size_t pos = from;
  while (pos < text.size()) {
    std::size_t eol = text.find('\n', pos);
    const bool newline = eol != std::string::npos;
    if (!newline) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = newline ? eol + 1 : eol;
    const std::size_t lead = std::min(line.find_first_not_of(' '), line.size());
    const std::string indent(lead + 2, ' ');
    for (bool first = true;; first = false) {
      // Where the line passes the width, and its last blank before that.
      std::size_t col = 0, i = 0, blank = std::string::npos, first_blank = std::string::npos;
      const std::size_t start = first ? lead : indent.size();
      for (; i < line.size(); ++i) {
        const auto ch = static_cast<unsigned char>(line[i]);
        if (ch == 0x1b) {  // a colour sequence, ESC [ ... m: no columns
          while (i + 1 < line.size() && line[i] != 'm') ++i;
          continue;
        }
        if ((ch & 0xC0) == 0x80) continue;
        if (ch == ' ' && i > start) {
          if (col <= width) blank = i;
          if (first_blank == std::string::npos && col > width) first_blank = i;
        }
        ++col;
      }
      if (col <= width) break;
      const std::size_t cut = blank != std::string::npos ? blank : first_blank;
      if (cut == std::string::npos) break;  // one word: whole
      std::size_t end = cut, next = cut;
      while (end > start && line[end - 1] == ' ') --end;
      while (next < line.size() && line[next] == ' ') ++next;
      if (next == line.size()) {
        line.resize(end);
        break;
      }
      out += line.substr(0, end);
      out += '\n';
      line = indent + line.substr(next);
    }
    out += line;
    if (newline) out += '\n';
  }
  text.replace(from, std::string::npos, out);
}

}  // namespace snap
