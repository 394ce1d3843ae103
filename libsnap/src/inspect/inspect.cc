#include "snap/inspect/inspect.h"

#include <algorithm>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "hex.h"

namespace snap::inspect {

namespace {

// An address as people type it: 0x optional, at most 16 digits.
bool hex_number(std::string_view s, std::uint64_t& v) {
  if (s.starts_with("0x") || s.starts_with("0X")) s.remove_prefix(2);
  return s.size() <= 16 && parse_hex(s, v);
}

std::string mapping_name(const Mapping& m) {
  return m.path.empty() ? "anonymous" : m.path;
}

RangeReport inspect_range(Memory& memory, Symbolizer* symbols, const std::vector<const Mapping*>& heaps,
                          const Range& range, const InspectOptions& options) {
  RangeReport r;
  r.range = range;
  const auto& maps = memory.mappings();
  const Mapping* first = find_mapping(maps, range.start);
  if (!first) {
    const bool overlaps = std::any_of(maps.begin(), maps.end(), [&](const Mapping& m) {
      return m.start < range.end && m.end > range.start;
    });
    if (!overlaps) {
      r.problem = "outside every mapping of the process";
      return r;
    }
  } else {
    r.mapping = mapping_name(*first);
    r.perms = first->perms;
  }
  r.inspected_end = range.end - range.start > options.max_read ? range.start + options.max_read : range.end;
  const Bytes bytes = read_bytes(memory, range.start, r.inspected_end);
  r.unreadable_pages = bytes.unreadable_pages;
  const std::uint64_t readable_pages = bytes.page_ok.size() - bytes.unreadable_pages;
  r.bytes_read = readable_pages ? bytes.data.size() : 0;
  if (readable_pages == 0) {
    r.problem = "no page of the range could be read";
    return r;
  }
  if (first) {
    HeapLayout heap = heap_layout(memory, *first);
    // Where the heap's start cannot be reached (not there in a dump, not
    // readable, not named), the range's own headers may still be found.
    const bool may_hold_chunks = first->path == "[heap]" || (first->anonymous() && first->perms.size() > 1 &&
                                                              first->perms[1] == 'w');
    if (heap.kind == HeapKind::none && may_hold_chunks) heap = find_chunks(bytes, first->end);
    std::map<std::string, ClassRow> classes;
    auto census = [&](const HeapLayout& layout, auto&& visit) {
      return walk_chunks(memory, layout, range.start, r.inspected_end, options.max_read, visit, &bytes);
    };
    auto count_class = [&](const Chunk& c) {
      // The object's first word, when the chunk holds one: a vtable pointer
      // names the C++ class.
      if (!c.in_use || !symbols) return;
      const std::uint64_t word_at = c.address + 16;
      if (word_at + 8 > bytes.end() || word_at < bytes.start || !bytes.ok_at(word_at)) return;
      std::uint64_t w;
      std::memcpy(&w, bytes.data.data() + (word_at - bytes.start), 8);
      const Mapping* m = find_mapping(maps, w);
      if (!m || !m->file_backed()) return;
      const std::string cls = symbols->resolve(w).vtable_class();
      if (cls.empty()) return;
      ClassRow& row = classes[cls];
      row.name = cls;
      ++row.chunks;
      row.bytes += c.size;
    };
    r.chunks = census(heap, count_class);
    if (heap.kind != HeapKind::none && heap.kind != HeapKind::found_chunks && !r.chunks.complete &&
        r.chunks.stopped_at <= range.start) {
      const HeapLayout found = find_chunks(bytes, heap.end);
      if (found.kind != HeapKind::none) {
        classes.clear();
        std::string before = std::move(r.chunks.stop);
        r.chunks = census(found, count_class);
        r.chunks.stop += fmt::format("; the walk from the heap's start at {:#x} could not reach the range: {}",
                                     heap.first_chunk, before);
      }
    }
    for (auto& [name, row] : classes) r.classes.push_back(std::move(row));
    std::sort(r.classes.begin(), r.classes.end(), [](const ClassRow& a, const ClassRow& b) {
      return a.bytes != b.bytes ? a.bytes > b.bytes : a.name < b.name;
    });
    if (r.classes.size() > options.top) r.classes.resize(options.top);
  }
  r.pointers = pointer_census(bytes, maps, heaps, symbols, options.top);
  r.pages = page_picture(bytes);
  r.strings = string_census(bytes, options.min_string, options.top);
  return r;
}

}  // namespace

bool parse_range(std::string_view text, Range& range) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  std::size_t sep = text.find('-');
  std::size_t skip = 1;
  if (sep == std::string_view::npos) {
    sep = text.find_first_of(" \t");
    if (sep == std::string_view::npos) return false;
    skip = text.find_first_not_of(" \t", sep) - sep;
  }
  Range r;
  if (!hex_number(text.substr(0, sep), r.start) || !hex_number(text.substr(sep + skip), r.end)) return false;
  if (r.start >= r.end) return false;
  range = r;
  return true;
}

Inspection inspect(Memory& memory, Symbolizer* symbols, const std::vector<Range>& ranges,
                   const InspectOptions& options) {
  Inspection in;
  if (symbols) in.symbols_trouble = symbols->trouble();
  std::vector<const Mapping*> heaps;
  for (const Mapping& m : memory.mappings())
    if (heap_layout(memory, m).kind != HeapKind::none) heaps.push_back(&m);
  for (const Range& range : ranges) in.ranges.push_back(inspect_range(memory, symbols, heaps, range, options));
  return in;
}

}  // namespace snap::inspect
