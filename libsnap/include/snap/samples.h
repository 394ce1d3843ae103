// A series' values, one per snapshot: held, or read from a block's sides.
// A trend keeps the series of every block; held as numbers, they would
// grow with snapshots x blocks, where a block's sides already hold them
// for the snapshots it exists in (sides.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <vector>

#include "snap/counters.h"
#include "snap/sides.h"

namespace snap {

class Samples {
 public:
  class iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = double;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = double;
    iterator(const Samples* s, std::size_t i) : s_(s), i_(i) {}
    double operator*() const { return (*s_)[i_]; }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const iterator& o) const { return i_ == o.i_; }

   private:
    const Samples* s_;
    std::size_t i_;
  };

  Samples() = default;
  explicit Samples(std::vector<double> values)
      : held_(std::make_shared<const std::vector<double>>(std::move(values))) {}
  /// Counter `f` of each side of `sides` (0 where the block is absent);
  /// `sides` must outlive this.
  Samples(const Sides& sides, Field f) : sides_(&sides), field_(f) {}

  /// The same values read from `sides` instead: a copy of the block they
  /// were read from (a copied report) takes over. Held values stay.
  void rebind(const Sides& sides) {
    if (sides_) sides_ = &sides;
  }

  std::size_t size() const { return sides_ ? sides_->size() : held_ ? held_->size() : 0; }
  bool empty() const { return size() == 0; }
  double operator[](std::size_t i) const {
    return sides_ ? static_cast<double>((*sides_)[i].counters.value_or_zero(field_)) : (*held_)[i];
  }
  double front() const { return (*this)[0]; }
  double back() const { return (*this)[size() - 1]; }
  iterator begin() const { return {this, 0}; }
  iterator end() const { return {this, size()}; }
  /// Every value, as a vector.
  std::vector<double> dense() const {
    if (!sides_) return held_ ? *held_ : std::vector<double>{};
    std::vector<double> out;
    sides_->values(field_, out);
    return out;
  }
  operator std::vector<double>() const { return dense(); }  // NOLINT: for the emitters' sparklines

 private:
  // Shared, never changed: a trend's SeriesStats are one per block, and a
  // block's read its sides; the pointer keeps them small.
  std::shared_ptr<const std::vector<double>> held_;
  const Sides* sides_ = nullptr;
  Field field_ = Field::size;
};

}  // namespace snap
