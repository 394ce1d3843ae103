// A block's member regions: a vector that holds one in place. Nearly every
// block of a series whose mappings churn has one region; a heap allocation
// for it would cost more than the reference (360,000 blocks of a churning
// series).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "snap/region_ref.h"

namespace snap {

class RegionRefs {
 public:
  RegionRefs() = default;
  RegionRefs(const RegionRefs& o) { assign(o.begin(), o.end()); }
  RegionRefs(RegionRefs&& o) noexcept { steal(o); }
  RegionRefs& operator=(const RegionRefs& o) {
    if (this != &o) {
      RegionRefs copy(o);
      release();
      steal(copy);
    }
    return *this;
  }
  RegionRefs& operator=(RegionRefs&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  ~RegionRefs() { release(); }

  RegionRef* begin() { return data(); }
  RegionRef* end() { return data() + size_; }
  const RegionRef* begin() const { return data(); }
  const RegionRef* end() const { return data() + size_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const RegionRef& operator[](std::size_t i) const { return data()[i]; }
  const RegionRef& front() const { return data()[0]; }
  const RegionRef& back() const { return data()[size_ - 1]; }

  void push_back(RegionRef r) {
    if (size_ == capacity_) grow(capacity_ * 2);
    data()[size_++] = r;
  }
  void clear() { size_ = 0; }
  void shrink_to_fit() {
    if (capacity_ > 1 && size_ < capacity_) grow(size_);
  }

 private:
  RegionRef* data() { return capacity_ > 1 ? many_ : &one_; }
  const RegionRef* data() const { return capacity_ > 1 ? many_ : &one_; }
  void grow(std::uint32_t capacity) {
    if (capacity < 1) capacity = 1;
    RegionRef* fresh = capacity > 1 ? new RegionRef[capacity] : nullptr;
    const RegionRef* old = data();
    if (fresh) {
      std::copy(old, old + size_, fresh);
      release();
      many_ = fresh;
    } else {
      const RegionRef keep = size_ ? old[0] : RegionRef{};
      release();
      one_ = keep;
    }
    capacity_ = capacity;
  }
  void assign(const RegionRef* first, const RegionRef* last) {
    const auto n = static_cast<std::uint32_t>(last - first);
    if (n > 1) grow(n);
    std::copy(first, last, data());
    size_ = n;
  }
  void release() {
    if (capacity_ > 1) delete[] many_;
    capacity_ = 1;
    one_ = RegionRef{};
  }
  void steal(RegionRefs& o) {
    if (o.capacity_ > 1)
      many_ = o.many_;
    else
      one_ = o.one_;
    size_ = o.size_;
    capacity_ = o.capacity_;
    o.capacity_ = 1;
    o.size_ = 0;
    o.one_ = RegionRef{};
  }

  union {
    RegionRef one_{};   // capacity_ == 1
    RegionRef* many_;   // capacity_ > 1
  };
  std::uint32_t size_ = 0;
  std::uint32_t capacity_ = 1;
};

}  // namespace snap
