// A block's sides: what each snapshot holds of it, stored only where it
// exists. A series whose mappings churn (buffers unmapped and mapped again
// elsewhere) makes nearly every mapping of every snapshot a block of its
// own; a side per snapshot for each would grow with snapshots x mappings
// (200 x 2,000 churning mappings: 19 GB), where the snapshots present are
// what the input holds.
#pragma once

#include <bit>
#include <cstdint>
#include <iterator>
#include <memory>
#include <span>
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

/// Storage for the sides of many blocks, in large chunks: a block present
/// in one snapshot stores a few words, and a heap allocation of its own
/// would cost a malloc header and rounding on each (360,000 blocks of a
/// churning series). Sides keep their chunk alive: they stay valid when
/// the pool goes.
class SidesPool {
 public:
  /// `words` words, shared with (and owned by) their chunk.
  std::shared_ptr<std::uint32_t[]> take(std::size_t words);

 private:
  static constexpr std::size_t kChunkWords = std::size_t{1} << 17;
  std::shared_ptr<std::uint32_t[]> chunk_;
  std::size_t used_ = kChunkWords;
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

  std::size_t size() const { return n_; }
  BlockSide operator[](std::size_t i) const;
  BlockSide front() const { return (*this)[0]; }
  BlockSide back() const { return (*this)[n_ - 1]; }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, n_}; }
  /// One field of snapshot `i`'s side, without building the side (a
  /// BlockSide is 250 bytes; the ranking reads two fields of every block).
  bool present(std::size_t i) const { return find(i) != kAbsent; }
  /// Its region count, 0 where absent.
  std::uint32_t regions(std::size_t i) const {
    const std::size_t k = find(i);
    return k == kAbsent ? 0 : head(k, kRegions);
  }
  /// Its regions in snapshot `i` (none where absent).
  SideRows rows(std::size_t i) const {
    const std::size_t k = find(i);
    return k == kAbsent ? SideRows{} : present_rows(k);
  }
  /// Its counter `f`, 0 where absent or unknown (Counters::value_or_zero).
  std::uint64_t value(std::size_t i, Field f) const {
    const std::size_t k = find(i);
    const auto bit = static_cast<unsigned>(f);
    if (k == kAbsent || !((stored_ >> bit) & 1u)) return 0;
    return value(k, static_cast<std::size_t>(std::popcount(stored_ & ((1u << bit) - 1u))), bit);
  }
  /// How many snapshots hold the block.
  std::size_t present_count() const { return present_; }
  /// The `k`-th snapshot holding it (k < present_count()), and that side.
  std::uint32_t present_snapshot(std::size_t k) const { return head(k, kSnapshot); }
  /// Its regions in that snapshot.
  SideRows present_rows(std::size_t k) const { return {head(k, kFirst), head(k, kRegions)}; }
  BlockSide present_side(std::size_t k) const;
  /// The counter `f` of each snapshot (0 where absent), as doubles.
  void values(Field f, std::vector<double>& out) const;
  /// Bytes of words held, for the memory tests and benchmarks.
  std::size_t footprint() const;

 private:
  /// Sets the layout for `present`; the words it takes.
  std::size_t plan(std::span<const std::pair<std::uint32_t, BlockSide>> present);
  /// `side`'s stored values, as words, into `out`; how many.
  std::size_t encode(const BlockSide& side, std::uint32_t* out) const;
  void store(std::span<const std::pair<std::uint32_t, BlockSide>> present, std::shared_ptr<std::uint32_t[]> words);
  /// The `j`-th stored value of the `k`-th present side (its field `bit`).
  std::uint64_t value(std::size_t k, std::size_t j, unsigned bit) const;
  static constexpr std::size_t kAbsent = SIZE_MAX;
  /// Which present side is snapshot `i`'s, kAbsent where none.
  std::size_t find(std::size_t i) const;
  // A side's header fields, in this order.
  static constexpr unsigned kSnapshot = 0, kRegions = 1, kFirst = 2, kValues = 3, kKnown = 4;
  /// Header field `f` of the `k`-th present side.
  std::uint32_t head(std::size_t k, unsigned f) const {
    const std::size_t i = k * stride_ + f;
    const std::uint32_t* w = words_.get();
    return narrow_ ? (w[i >> 1] >> ((i & 1) * 16)) & 0xffffu : w[i];
  }
  // A header per side: 4 fields (snapshot, regions, first, where its values
  // start in words_), 1 more for its known mask unless uniform_; each a
  // word, or half a word when every field of every header fits 16 bits
  // (narrow_: nearly every block of a process under 65,536 mappings). The
  // values follow the headers, one word per bit of stored_ (two if wide_)
  // a run, one run shared by consecutive sides with equal values.
  std::shared_ptr<const std::uint32_t[]> words_;
  std::uint32_t n_ = 0;
  std::uint32_t present_ = 0;
  std::uint32_t mask_ = 0;    // the counters known: those any side knows
  std::uint32_t stored_ = 0;  // those of mask_ with a value stored: not 0 in some side
  std::uint8_t stride_ = 0;
  bool uniform_ = true;  // every side knows mask_
  bool wide_ = false;    // a value does not fit one word in kB
  bool narrow_ = false;  // headers of 16-bit fields
  // Last, so that the padding after them is the class's tail: a Block
  // keeps its category and status there.
};

}  // namespace snap
