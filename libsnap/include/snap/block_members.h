// A block's member regions, read from its sides: in each snapshot that
// holds the block they are a run of neighbouring regions (a snapshot's
// regions are sorted, a block is one run of address space), so a side's
// first index and count name them all. Stored as a list, they cost a heap
// array for nearly every block of a two-snapshot diff (one region on each
// side); read from the sides, they cost one word a side.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>

#include "snap/region_ref.h"
#include "snap/sides.h"

namespace snap {

/// Every region in a block, by snapshot then address, as RegionRef values.
/// A view: valid while the Sides it reads are.
class BlockMembers {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = RegionRef;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = RegionRef;
    iterator() = default;
    iterator(const Sides* s, std::size_t k) : s_(s), k_(k) { skip_empty(); }
    RegionRef operator*() const { return {s_->present_snapshot(k_), s_->present_rows(k_).first + j_}; }
    iterator& operator++() {
      if (++j_ == s_->present_rows(k_).count) {
        ++k_;
        j_ = 0;
        skip_empty();
      }
      return *this;
    }
    iterator operator++(int) {
      iterator was = *this;
      ++*this;
      return was;
    }
    bool operator==(const iterator& o) const { return k_ == o.k_ && j_ == o.j_; }

   private:
    // A side built by hand may be "present" with no regions: nothing to list.
    void skip_empty() {
      while (k_ < s_->present_count() && s_->present_rows(k_).count == 0) ++k_;
    }
    const Sides* s_ = nullptr;
    std::size_t k_ = 0;       // the present side
    std::uint32_t j_ = 0;     // the region within it
  };

  explicit BlockMembers(const Sides& sides) : s_(&sides) {}
  iterator begin() const { return {s_, 0}; }
  iterator end() const { return {s_, s_->present_count()}; }
  std::size_t size() const {
    std::size_t n = 0;
    for (std::size_t k = 0; k < s_->present_count(); ++k) n += s_->present_rows(k).count;
    return n;
  }
  bool empty() const { return begin() == end(); }
  RegionRef front() const { return *begin(); }
  /// The last region of the newest snapshot holding the block.
  RegionRef back() const {
    for (std::size_t k = s_->present_count(); k-- > 0;)
      if (const SideRows r = s_->present_rows(k); r.count != 0) return {s_->present_snapshot(k), r.first + r.count - 1};
    return {};
  }

 private:
  const Sides* s_;
};

}  // namespace snap
