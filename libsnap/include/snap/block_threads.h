// The threads whose stacks lie in a block. Nearly every block has none (a
// thread stack is one block among thousands): an empty list is one null
// pointer, not a 24-byte std::vector in every block.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "snap/snapshot.h"

namespace snap {

/// Reads as a const std::vector<ThreadInfo>.
class BlockThreads {
 public:
  BlockThreads() = default;
  BlockThreads(const BlockThreads& o) : list_(o.list_ ? std::make_unique<std::vector<ThreadInfo>>(*o.list_) : nullptr) {}
  BlockThreads(BlockThreads&&) noexcept = default;
  BlockThreads& operator=(const BlockThreads& o) {
    if (this != &o) list_ = o.list_ ? std::make_unique<std::vector<ThreadInfo>>(*o.list_) : nullptr;
    return *this;
  }
  BlockThreads& operator=(BlockThreads&&) noexcept = default;

  const std::vector<ThreadInfo>& list() const { return list_ ? *list_ : empty_list(); }
  operator const std::vector<ThreadInfo>&() const { return list(); }
  bool empty() const { return !list_ || list_->empty(); }
  std::size_t size() const { return list_ ? list_->size() : 0; }
  std::vector<ThreadInfo>::const_iterator begin() const { return list().begin(); }
  std::vector<ThreadInfo>::const_iterator end() const { return list().end(); }
  /// `i` < size(), as for std::vector: read through list(), so that the
  /// empty list is an empty vector, not a null pointer (and a checked
  /// standard library, _GLIBCXX_ASSERTIONS, catches a bad index).
  const ThreadInfo& operator[](std::size_t i) const { return list()[i]; }
  /// operator[], after checking `i` (std::out_of_range).
  const ThreadInfo& at(std::size_t i) const { return list().at(i); }
  void push_back(const ThreadInfo& t) {
    if (!list_) list_ = std::make_unique<std::vector<ThreadInfo>>();
    list_->push_back(t);
  }
  void clear() { list_.reset(); }

 private:
  static const std::vector<ThreadInfo>& empty_list() {
    static const std::vector<ThreadInfo> kEmpty;
    return kEmpty;
  }
  std::unique_ptr<std::vector<ThreadInfo>> list_;
};

}  // namespace snap
