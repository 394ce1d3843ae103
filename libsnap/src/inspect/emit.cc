// snapinspect's report: text for a terminal, JSON (snap.inspect/1) for
// programs. Every text the process chose (mapping names, strings, symbol
// names) goes through printable().
#include <algorithm>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "json_text.h"
#include "snap/emit/cells.h"
#include "snap/emit/fit.h"
#include "snap/escape.h"
#include "snap/inspect/inspect.h"
#include "snap/size.h"

namespace snap::inspect {

namespace {

std::string share(std::uint64_t part, std::uint64_t whole) {
  if (whole == 0) return "-";
  return fmt::format("{:.1f}%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
}

std::string iec(std::uint64_t bytes) {
  return format_size(bytes, SizeStyle::human);
}

/// A list's last cell, after `before` display columns, shortened to fit
/// `width` (0: whole). Numbers come before it and are never cut.
struct NameFit {
  std::size_t width;
  bool unicode;
  std::string operator()(std::string_view name, std::size_t before) const {
    if (width == 0) return std::string(name);
    return shorten_left(name, std::max<std::size_t>(width > before ? width - before : 0, 8), unicode);
  }
};

void text_range(std::string& out, const RangeReport& r, const NameFit& fit) {
  // The prose is broken between words to fit; the lists are not, their
  // names are shortened instead.
  std::size_t prose = out.size();
  auto wrap = [&] { wrap_lines(out, prose, fit.width); };
  const std::uint64_t length = r.range.end - r.range.start;
  fmt::format_to(std::back_inserter(out), "{:#x}-{:#x} ({})", r.range.start, r.range.end, iec(length));
  if (!r.mapping.empty()) fmt::format_to(std::back_inserter(out), " in {} ({})", printable(r.mapping), r.perms);
  out += '\n';
  if (!r.problem.empty()) {
    fmt::format_to(std::back_inserter(out), "  not inspected: {}\n", r.problem);
    wrap();
    return;
  }
  const std::uint64_t inspected = r.inspected_end - r.range.start;
  if (r.inspected_end < r.range.end)
    fmt::format_to(std::back_inserter(out), "  cut at {:#x} by --max-read: {} of {} inspected\n", r.inspected_end,
                   iec(inspected), iec(length));
  fmt::format_to(std::back_inserter(out), "  read: {} bytes, {} unreadable page{} skipped\n", r.bytes_read,
                 r.unreadable_pages, r.unreadable_pages == 1 ? "" : "s");

  wrap();

  const ChunkCensus& c = r.chunks;
  if (c.heap.kind != HeapKind::none) {
    prose = out.size();
    if (c.heap.kind == HeapKind::found_chunks)
      fmt::format_to(std::back_inserter(out),
                     "\n  malloc chunks (found by their headers from {:#x}; the bytes before it are not walked):\n",
                     c.heap.first_chunk);
    else
      fmt::format_to(std::back_inserter(out), "\n  malloc chunks ({}, walked from {:#x}, {} chunks before the range):\n",
                     heap_kind_name(c.heap.kind), c.heap.first_chunk, c.chunks_before);
    fmt::format_to(std::back_inserter(out), "    in use: {} chunks, {} bytes ({})\n", c.in_use_count, c.in_use_bytes,
                   share(c.in_use_bytes, inspected));
    fmt::format_to(std::back_inserter(out), "    free:   {} chunks, {} bytes ({})\n", c.free_count, c.free_bytes,
                   share(c.free_bytes, inspected));
    if (c.top_bytes)
      fmt::format_to(std::back_inserter(out), "    top:    {} bytes ({})\n", c.top_bytes, share(c.top_bytes, inspected));
    fmt::format_to(std::back_inserter(out), "    walk {} at {:#x}: {}\n", c.complete ? "ended" : "stopped", c.stopped_at,
                   c.stop);
    wrap();
    if (!c.in_use.empty()) {
      fmt::format_to(std::back_inserter(out), "    {:>10} {:>10} {:>14} {:>7}\n", "chunk size", "count", "bytes", "share");
      std::size_t shown = 0;
      for (const SizeRow& row : c.in_use) {
        if (shown++ == 10) break;
        fmt::format_to(std::back_inserter(out), "    {:>10} {:>10} {:>14} {:>7}\n", row.size, row.count, row.bytes,
                       share(row.bytes, inspected));
      }
    }
  }
  if (!r.classes.empty()) {
    out += "\n  C++ classes (in-use chunks starting with a vtable pointer):\n";
    fmt::format_to(std::back_inserter(out), "    {:>10} {:>14}  {}\n", "chunks", "bytes", "class");
    for (const ClassRow& row : r.classes)
      fmt::format_to(std::back_inserter(out), "    {:>10} {:>14}  {}\n", row.chunks, row.bytes,
                     fit(printable(row.name), 31));
  }

  const PointerCensus& p = r.pointers;
  prose = out.size();
  fmt::format_to(std::back_inserter(out),
                 "\n  pointers ({} words): {} into malloc memory, {} into files, {} into other anonymous "
                 "memory, {} into the stack, {} elsewhere\n",
                 p.words, p.into_heap, p.into_files, p.into_anon, p.into_stack, p.into_other);
  wrap();
  if (!p.targets.empty()) {
    fmt::format_to(std::back_inserter(out), "    {:>10}  {}\n", "count", "target");
    for (const TargetRow& t : p.targets) {
      std::string target = printable(t.label);
      if (!t.label.starts_with(t.module)) target += fmt::format("  ({})", printable(t.module));
      fmt::format_to(std::back_inserter(out), "    {:>10}  {}\n", t.count, fit(target, 16));
    }
    prose = out.size();
    out += "    by file:";
    for (const ModuleRow& m : p.modules) fmt::format_to(std::back_inserter(out), " {} {}", printable(m.module), m.count);
    out += '\n';
    wrap();
  }

  const PagePicture& g = r.pages;
  prose = out.size();
  fmt::format_to(std::back_inserter(out),
                 "\n  pages: {} ({} unreadable), {} all zero, {} one repeated word, {} high-entropy; "
                 "mean entropy {:.2f} bits/byte\n",
                 g.pages, g.unreadable, g.zero, g.filled, g.high_entropy, g.mean_entropy);
  if (g.fill_word_pages)
    fmt::format_to(std::back_inserter(out), "    most repeated fill word: {:#018x} ({} pages)\n", g.fill_word,
                   g.fill_word_pages);

  const StringCensus& s = r.strings;
  fmt::format_to(std::back_inserter(out), "\n  strings: {} runs, {} distinct, {} bytes\n", s.runs, s.distinct, s.bytes);
  wrap();
  if (!s.top.empty()) {
    fmt::format_to(std::back_inserter(out), "    {:>10}  {}\n", "count", "string");
    for (const StringRow& row : s.top)  // between its quotes, the end of a long string
      fmt::format_to(std::back_inserter(out), "    {:>10}  \"{}\"{}\n", row.count,
                     fit(printable(row.text), 16 + 2 + (row.cut ? 3 : 0)), row.cut ? "..." : "");
  }
}

}  // namespace

void emit_inspect_text(std::string& out, const Inspection& in, std::size_t width, bool unicode) {
  if (!in.symbols_trouble.empty())
    fmt::format_to(std::back_inserter(out), "note: no symbols: {}\n", printable(in.symbols_trouble));
  bool first = true;
  for (const RangeReport& r : in.ranges) {
    if (!first) out += '\n';
    first = false;
    text_range(out, r, NameFit{width, unicode});
  }
}

void emit_inspect_json(std::string& out, const Inspection& in) {
  using nlohmann::ordered_json;
  ordered_json doc;
  doc["schema"] = "snap.inspect/1";
  detail::put_text(doc, "source", in.source);
  if (in.symbols_trouble.empty())
    doc["symbols_trouble"] = nullptr;
  else
    detail::put_text(doc, "symbols_trouble", in.symbols_trouble);
  ordered_json ranges = ordered_json::array();
  for (const RangeReport& r : in.ranges) {
    ordered_json j;
    j["start"] = fmt::format("{:#x}", r.range.start);
    j["end"] = fmt::format("{:#x}", r.range.end);
    j["problem"] = r.problem.empty() ? ordered_json(nullptr) : ordered_json(r.problem);
    if (r.mapping.empty())
      j["mapping"] = nullptr;
    else
      detail::put_text(j, "mapping", r.mapping);
    j["perms"] = r.perms;
    if (!r.problem.empty()) {
      ranges.push_back(std::move(j));
      continue;
    }
    j["inspected_end"] = fmt::format("{:#x}", r.inspected_end);
    j["bytes_read"] = r.bytes_read;
    j["unreadable_pages"] = r.unreadable_pages;
    const ChunkCensus& c = r.chunks;
    if (c.heap.kind == HeapKind::none) {
      j["malloc"] = nullptr;
    } else {
      ordered_json m;
      m["heap"] = heap_kind_name(c.heap.kind);
      m["first_chunk"] = fmt::format("{:#x}", c.heap.first_chunk);
      m["heap_end"] = fmt::format("{:#x}", c.heap.end);
      m["chunks_before"] = c.chunks_before;
      m["in_use_count"] = c.in_use_count;
      m["in_use_bytes"] = c.in_use_bytes;
      m["free_count"] = c.free_count;
      m["free_bytes"] = c.free_bytes;
      m["top_bytes"] = c.top_bytes;
      m["complete"] = c.complete;
      m["stopped_at"] = fmt::format("{:#x}", c.stopped_at);
      m["stop"] = c.stop;
      ordered_json sizes = ordered_json::array();
      for (const SizeRow& row : c.in_use)
        sizes.push_back(ordered_json{{"size", row.size}, {"count", row.count}, {"bytes", row.bytes}});
      m["sizes"] = std::move(sizes);
      j["malloc"] = std::move(m);
    }
    ordered_json classes = ordered_json::array();
    for (const ClassRow& row : r.classes) {
      ordered_json k;
      detail::put_text(k, "class", row.name);
      k["chunks"] = row.chunks;
      k["bytes"] = row.bytes;
      classes.push_back(std::move(k));
    }
    j["classes"] = std::move(classes);
    const PointerCensus& p = r.pointers;
    ordered_json pj;
    pj["words"] = p.words;
    pj["into_heap"] = p.into_heap;
    pj["into_files"] = p.into_files;
    pj["into_anon"] = p.into_anon;
    pj["into_stack"] = p.into_stack;
    pj["into_other"] = p.into_other;
    ordered_json targets = ordered_json::array();
    for (const TargetRow& t : p.targets) {
      ordered_json k;
      detail::put_text(k, "target", t.label);
      detail::put_text(k, "module", t.module);
      k["count"] = t.count;
      targets.push_back(std::move(k));
    }
    pj["targets"] = std::move(targets);
    ordered_json modules = ordered_json::array();
    for (const ModuleRow& m : p.modules) {
      ordered_json k;
      detail::put_text(k, "module", m.module);
      k["count"] = m.count;
      modules.push_back(std::move(k));
    }
    pj["modules"] = std::move(modules);
    j["pointers"] = std::move(pj);
    const PagePicture& g = r.pages;
    j["pages"] = ordered_json{{"pages", g.pages},
                              {"unreadable", g.unreadable},
                              {"zero", g.zero},
                              {"filled", g.filled},
                              {"fill_word", fmt::format("{:#018x}", g.fill_word)},
                              {"fill_word_pages", g.fill_word_pages},
                              {"high_entropy", g.high_entropy},
                              {"mean_entropy", g.mean_entropy}};
    const StringCensus& s = r.strings;
    ordered_json sj;
    sj["runs"] = s.runs;
    sj["distinct"] = s.distinct;
    sj["bytes"] = s.bytes;
    ordered_json top = ordered_json::array();
    for (const StringRow& row : s.top) {
      ordered_json k;
      k["text"] = row.text;  // printable ASCII: valid UTF-8
      k["count"] = row.count;
      k["cut"] = row.cut;
      top.push_back(std::move(k));
    }
    sj["top"] = std::move(top);
    j["strings"] = std::move(sj);
    ranges.push_back(std::move(j));
  }
  doc["ranges"] = std::move(ranges);
  out += doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  out += '\n';
}

}  // namespace snap::inspect
