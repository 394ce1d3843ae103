#include "pipe_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace snap::detail {
namespace {

constexpr std::size_t kChunk = 1 << 20;
constexpr std::size_t kChunks = 8;               // read-ahead the writer may lag
constexpr std::size_t kWritebackStep = 8 << 20;  // start writeback every 8 MiB

double monotonic_now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Chunk {
  std::unique_ptr<char[]> data{new char[kChunk]};
  std::size_t size = 0;
};

/// Chunks go round: free -> filled by the reader -> written -> free.
class Ring {
 public:
  Ring() {
    for (auto& c : chunks_) free_.push_back(&c);
  }
  Chunk* take_free() { return pop(free_); }
  Chunk* take_filled() { return pop(filled_); }
  void give_free(Chunk* c) { push(free_, c); }
  /// nullptr marks the end of the input.
  void give_filled(Chunk* c) { push(filled_, c); }

 private:
  Chunk* pop(std::deque<Chunk*>& q) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !q.empty(); });
    Chunk* c = q.front();
    q.pop_front();
    return c;
  }
  void push(std::deque<Chunk*>& q, Chunk* c) {
    {
      std::lock_guard lock(mu_);
      q.push_back(c);
    }
    cv_.notify_all();
  }

  Chunk chunks_[kChunks];
  std::deque<Chunk*> free_, filled_;
  std::mutex mu_;
  std::condition_variable cv_;
};

int write_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? errno : ENOSPC;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return 0;
}

}  // namespace

PipeCopy pipe_copy(int in, int out, const std::function<void(std::string_view)>& inspect) {
  PipeCopy result;
  Ring ring;
  std::atomic<bool> write_failed{false};
  std::thread writer([&] {
    off_t written = 0, flushed = 0;
    for (Chunk* c; (c = ring.take_filled()) != nullptr; ring.give_free(c)) {
      if (result.write_err) continue;  // drain, so the reader never waits
      inspect({c->data.get(), c->size});
      result.write_err = write_all(out, c->data.get(), c->size);
      if (result.write_err) write_failed = true;
      written += static_cast<off_t>(c->size);
      if (!result.write_err && written - flushed >= static_cast<off_t>(kWritebackStep)) {
        // Asynchronous: queues the pages for the disk and returns.
        ::sync_file_range(out, flushed, written - flushed, SYNC_FILE_RANGE_WRITE);
        flushed = written;
      }
    }
  });
  while (!write_failed) {
    Chunk* c = ring.take_free();
    const double before = monotonic_now();
    ssize_t n = ::read(in, c->data.get(), kChunk);
    result.read_seconds += monotonic_now() - before;
    if (n < 0 && errno == EINTR) {
      ring.give_free(c);
      continue;
    }
    if (n <= 0) {
      if (n < 0) result.read_err = errno;
      ring.give_free(c);
      break;
    }
    c->size = static_cast<std::size_t>(n);
    ring.give_filled(c);
  }
  ring.give_filled(nullptr);
  writer.join();
  return result;
}

}  // namespace snap::detail
