// A name that many blocks hold: one copy, counted. A comparison of 60,000
// mappings names 60,000 blocks after a few thousand distinct paths ("" for
// every anonymous one); a std::string each is 32 bytes in place plus a heap
// copy of every path longer than 15 characters, this is 8 bytes and one
// copy per distinct name.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace snap {

/// Reads as a const std::string; "" costs nothing. Copies share the text
/// (a thread-safe count); the text never changes once made.
class SharedName {
 public:
  SharedName() = default;
  explicit SharedName(std::string_view text) : node_(text.empty() ? nullptr : new Node{{1}, std::string(text)}) {}
  SharedName(const SharedName& o) noexcept : node_(o.node_) {
    if (node_) node_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  SharedName(SharedName&& o) noexcept : node_(o.node_) { o.node_ = nullptr; }
  SharedName& operator=(SharedName o) noexcept {
    std::swap(node_, o.node_);
    return *this;
  }
  SharedName& operator=(std::string_view text) { return *this = SharedName(text); }
  ~SharedName() {
    if (node_ && node_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete node_;
  }

  const std::string& str() const { return node_ ? node_->text : empty_text(); }
  operator const std::string&() const { return str(); }
  operator std::string_view() const { return str(); }
  bool empty() const { return node_ == nullptr; }
  std::size_t size() const { return str().size(); }
  const char* c_str() const { return str().c_str(); }

  friend bool operator==(const SharedName& a, const SharedName& b) { return a.str() == b.str(); }
  friend bool operator==(const SharedName& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SharedName& a, const char* b) { return a.str() == b; }

 private:
  struct Node {
    std::atomic<std::uint32_t> refs;
    std::string text;
  };
  static const std::string& empty_text() {
    static const std::string kEmpty;
    return kEmpty;
  }
  Node* node_ = nullptr;
};

/// One SharedName per distinct text, for many stores at once: the
/// snapshots of a series name the same few thousand paths again and again
/// (100 snapshots of 4,000 mappings held 146,000 copies of 1,500 names).
/// Safe to use from several threads (read_snapshots parses on several).
class NamePool {
 public:
  /// The pool's name for `text`, made on first use.
  SharedName intern(std::string_view text) {
    if (text.empty()) return {};
    const std::lock_guard<std::mutex> lock(mutex_);
    auto it = names_.find(text);
    if (it == names_.end()) {
      SharedName name(text);
      // The key views the name's own text, which never moves.
      const std::string_view key = name.str();
      it = names_.emplace(key, std::move(name)).first;
    }
    return it->second;
  }
  std::size_t size() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return names_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::string_view, SharedName> names_;
};

}  // namespace snap
