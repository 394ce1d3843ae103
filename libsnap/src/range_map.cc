#include "range_map.h"

#include <functional>

#include <boost/icl/interval_set.hpp>
#include <boost/icl/right_open_interval.hpp>

namespace snap::range {

// Static right-open bounds: lower() and upper() are then exactly [start, end)
// whatever the set did to them, which dynamic discrete intervals do not promise.
using Interval = boost::icl::right_open_interval<std::uint64_t>;
using Set = boost::icl::interval_set<std::uint64_t, std::less, Interval>;

struct RangeSet::Impl {
  Set set;
};

RangeSet::RangeSet() : impl_(std::make_unique<Impl>()) {}
RangeSet::~RangeSet() = default;
RangeSet::RangeSet(RangeSet&&) noexcept = default;
RangeSet& RangeSet::operator=(RangeSet&&) noexcept = default;

void RangeSet::add(std::uint64_t start, std::uint64_t end) {
  if (start < end) impl_->set += Interval(start, end);
}

std::vector<Span> RangeSet::missing(std::uint64_t start, std::uint64_t end) const {
  std::vector<Span> out;
  if (start >= end) return out;
  Set left{Interval(start, end)};
  left -= impl_->set;
  for (const Interval& i : left) out.push_back({i.lower(), i.upper()});
  return out;
}

}  // namespace snap::range
