// A block's sides: what each snapshot holds of it, stored only where it
// exists. A series whose mappings churn (buffers unmapped and mapped again
// elsewhere) makes nearly every mapping of every snapshot a block of its
// own; a side per snapshot for each would grow with snapshots x mappings
// (200 x 2,000 churning mappings: 19 GB), where the snapshots present are
// what the input holds.
#pragma once

#include <atomic>
#include <bit>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

#include "snap/counters.h"

namespace snap {

/// A block as one snapshot sees it.
struct BlockSide {
  Counters counters;          // sum over the block's regions in that snapshot
  std::uint32_t regions = 0;  // 0: the block does not exist there
  /// Its first region's index in that snapshot: the block's regions there
  /// are `regions` neighbours from it (a snapshot's regions are sorted and
  /// a block is a run of address space).
  std::uint32_t first = 0;
  bool present() const { return regions != 0; }
};

/// A side's regions in its snapshot: [first, first + count).
struct SideRows {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

namespace detail {

/// What a block's sides hold, shared by every block of a chunk that holds
/// the same: their number, the counters known, those stored, and how the
/// headers are laid out.
struct SidesLayout {
  std::uint32_t n = 0;        // snapshots
  std::uint32_t present = 0;  // sides stored
  std::uint32_t mask = 0;     // the counters known: those any side knows
  std::uint32_t stored = 0;   // those of mask with a value stored: not 0 in some side
  std::uint8_t stride = 0;    // header fields a side
  bool uniform = true;        // every side knows mask
  bool wide = false;          // a value does not fit one word in kB
  bool narrow = false;        // headers of 16-bit fields
  bool dense = false;         // present in every snapshot: the k-th side is snapshot k's, unstored
  bool accessible_is_size = false;  // in every side: Accessible is read from Size, unstored
  bool operator==(const SidesLayout&) const = default;
};

/// The words of many blocks' sides and the layouts they use, freed with
/// the last Sides (or pool) that refers to it.
struct SidesChunk {
  std::atomic<std::uint32_t> refs{1};
  std::vector<SidesLayout> layouts;
  std::unique_ptr<std::uint32_t[]> words;
};

/// Gives up one reference to `c` (none when null).
inline void release(SidesChunk* c) {
  if (c && c->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete c;
}

}  // namespace detail

/// Storage for the sides of many blocks, in large chunks: a block present
/// in one snapshot stores a few words, and a heap allocation of its own
/// would cost a malloc header and rounding on each (360,000 blocks of a
/// churning series). Blocks whose sides have the same layout (in a diff,
/// nearly all) share one copy of it in their chunk. Sides keep their chunk
/// alive: they stay valid when the pool goes.
class SidesPool {
 public:
  SidesPool() = default;
  SidesPool(const SidesPool&) = delete;
  SidesPool& operator=(const SidesPool&) = delete;
  ~SidesPool();

 private:
  friend class Sides;
  /// Room for `words` words, the first of them set to `layout`'s index in
  /// the chunk: the chunk (with a reference for the caller) and where.
  std::pair<detail::SidesChunk*, std::uint32_t> take(std::size_t words, const detail::SidesLayout& layout);
  static constexpr std::size_t kChunkWords = std::size_t{1} << 17;
  detail::SidesChunk* chunk_ = nullptr;
  std::size_t used_ = kChunkWords;
  struct LayoutHash {
    std::size_t operator()(const detail::SidesLayout& l) const;
  };
  std::unordered_map<detail::SidesLayout, std::uint32_t, LayoutHash> index_;  // chunk_'s layouts
};

/// One side per snapshot, read by value: an absent side is BlockSide{} (no
/// regions, every counter unknown and 0), a known gap rather than a stored
/// zero. Stored per present side, in one array of 32-bit words: its
/// snapshot, its region count and first region, which counters it knows
/// (unless all sides know the same), and the values of the counters that
/// are not 0 in some side (most of smaps' 25 are 0 everywhere in a block):
/// one word each in kB (counts as they are), or two (low, high) when a
/// value of the block does not fit; sides in a row with equal values share
/// them (a block that did not change stores its values once).
class Sides {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = BlockSide;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = BlockSide;
    iterator(const Sides* s, std::size_t i) : s_(s), i_(i) {}
    BlockSide operator*() const { return (*s_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const Sides* s_;
    std::size_t i_;
  };

  Sides() = default;
  /// `n` snapshots; `present` the sides where the block exists, by
  /// ascending snapshot.
  Sides(std::size_t n, std::span<const std::pair<std::uint32_t, BlockSide>> present);
  /// The same, stored in `pool`.
  Sides(std::size_t n, std::span<const std::pair<std::uint32_t, BlockSide>> present, SidesPool& pool);
  Sides(const Sides& o) : chunk_(o.chunk_), at_(o.at_) {
    if (chunk_) chunk_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  Sides(Sides&& o) noexcept : chunk_(std::exchange(o.chunk_, nullptr)), at_(o.at_) {}
  // Member by member: a Block keeps its category and status in the tail
  // padding, which a whole-object copy would overwrite.
  Sides& operator=(Sides o) noexcept {
    std::swap(chunk_, o.chunk_);
    std::swap(at_, o.at_);
    return *this;
  }
  ~Sides() { detail::release(chunk_); }

  std::size_t size() const { return layout().n; }
  BlockSide operator[](std::size_t i) const;
  BlockSide front() const { return (*this)[0]; }
  BlockSide back() const { return (*this)[size() - 1]; }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }
  /// One field of snapshot `i`'s side, without building the side (a
  /// BlockSide is 250 bytes; the ranking reads two fields of every block).
  bool present(std::size_t i) const { return find(layout(), i) != kAbsent; }
  /// Its region count, 0 where absent.
  std::uint32_t regions(std::size_t i) const {
    const detail::SidesLayout& l = layout();
    const std::size_t k = find(l, i);
    return k == kAbsent ? 0 : head(l, k, kRegions);
  }
  /// Its regions in snapshot `i` (none where absent).
  SideRows rows(std::size_t i) const {
    const detail::SidesLayout& l = layout();
    const std::size_t k = find(l, i);
    return k == kAbsent ? SideRows{} : SideRows{head(l, k, kFirst), head(l, k, kRegions)};
  }
  /// Its counter `f`, 0 where absent or unknown (Counters::value_or_zero).
  std::uint64_t value(std::size_t i, Field f) const {
    const detail::SidesLayout& l = layout();
    if (f == Field::accessible && l.accessible_is_size) f = Field::size;
    const auto bit = static_cast<unsigned>(f);
    if (!((l.stored >> bit) & 1u)) return 0;
    const std::size_t k = find(l, i);
    if (k == kAbsent) return 0;
    return value(l, k, static_cast<std::size_t>(std::popcount(l.stored & ((1u << bit) - 1u))), bit);
  }
  /// How many snapshots hold the block.
  std::size_t present_count() const { return layout().present; }
  /// The `k`-th snapshot holding it (k < present_count()), and that side.
  std::uint32_t present_snapshot(std::size_t k) const { return head(layout(), k, kSnapshot); }
  /// Its regions in that snapshot.
  SideRows present_rows(std::size_t k) const {
    const detail::SidesLayout& l = layout();
    return {head(l, k, kFirst), head(l, k, kRegions)};
  }
  BlockSide present_side(std::size_t k) const;
  /// The counter `f` of each snapshot (0 where absent), as doubles.
  void values(Field f, std::vector<double>& out) const;
  /// Bytes of words held (its layout's index, headers and values; not the
  /// layout, which blocks share), for the memory tests and benchmarks.
  std::size_t footprint() const;

 private:
  /// The layout for `present`, and the words it takes.
  static std::pair<detail::SidesLayout, std::size_t> plan(std::size_t n,
                                                          std::span<const std::pair<std::uint32_t, BlockSide>> present);
  /// `side`'s stored values, as words, into `out`; how many.
  static std::size_t encode(const detail::SidesLayout& l, const BlockSide& side, std::uint32_t* out);
  void store(const detail::SidesLayout& l, std::span<const std::pair<std::uint32_t, BlockSide>> present);
  const detail::SidesLayout& layout() const {
    static const detail::SidesLayout kNone;
    return chunk_ ? chunk_->layouts[chunk_->words[at_]] : kNone;
  }
  /// The headers, then the values: after the layout's index.
  const std::uint32_t* base() const { return chunk_->words.get() + at_ + 1; }
  /// The `j`-th stored value of the `k`-th present side (its field `bit`).
  std::uint64_t value(const detail::SidesLayout& l, std::size_t k, std::size_t j, unsigned bit) const;
  static constexpr std::size_t kAbsent = SIZE_MAX;
  /// Which present side is snapshot `i`'s, kAbsent where none.
  std::size_t find(const detail::SidesLayout& l, std::size_t i) const;
  // A side's header fields, in this order.
  static constexpr unsigned kSnapshot = 0, kRegions = 1, kFirst = 2, kValues = 3, kKnown = 4;
  /// Header field `f` of the `k`-th present side.
  std::uint32_t head(const detail::SidesLayout& l, std::size_t k, unsigned f) const {
    if (l.dense && f == kSnapshot) return static_cast<std::uint32_t>(k);
    const std::size_t i = k * l.stride + f - (l.dense ? 1 : 0);
    const std::uint32_t* w = base();
    return l.narrow ? (w[i >> 1] >> ((i & 1) * 16)) & 0xffffu : w[i];
  }
  // Where a block's words begin in its chunk: the index of its layout
  // among the chunk's, then a header per side: 4 fields (snapshot, unless
  // the block is in every snapshot; regions, first, where its values
  // start, counted from the header's start), 1 more for its known mask
  // unless the layout is uniform; each a
  // word, or half a word when every field of every header fits 16 bits
  // (narrow: nearly every block of a process under 65,536 mappings). The
  // values follow the headers, one word per bit of the layout's stored
  // (two if wide) a run, one run shared by consecutive sides with equal
  // values. 12 bytes, so that a Block keeps its category and status in
  // the tail padding.
  detail::SidesChunk* chunk_ = nullptr;
  std::uint32_t at_ = 0;
};

}  // namespace snap
