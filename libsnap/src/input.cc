// Reading a whole input into memory: a file, stdin ("-"), or gzip of either.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <fmt/format.h>

#include "snap/error.h"
#include "snap/parse.h"

namespace snap {
namespace {

[[noreturn]] void fail_errno(const std::string& path, const char* what) {
  throw ParseError(path, 0, 0, fmt::format("{}: {}", what, std::strerror(errno)));
}

[[noreturn]] void too_large(const std::string& path, const char* what) {
  throw ParseError(path, 0, 0,
                   fmt::format("{} more than {} MiB: not a snapshot (262,144 smaps mappings are about 200 MB)",
                               what, kMaxInputBytes >> 20));
}

std::string read_fd(int fd, const std::string& path) {
  std::string data;
  struct stat st {};
  const bool stat_ok = fstat(fd, &st) == 0;
  if (stat_ok && S_ISDIR(st.st_mode)) throw ParseError(path, 0, 0, "is a directory, not a snapshot file");
  if (stat_ok && S_ISREG(st.st_mode) && static_cast<std::uint64_t>(st.st_size) > kMaxInputBytes)
    too_large(path, "holds");
  if (stat_ok && S_ISREG(st.st_mode) && st.st_size > 0)
    data.reserve(static_cast<std::size_t>(st.st_size) + 1);
  // A pipe, FIFO, socket or terminal may never end: bounded by size, and by
  // how long it may stay silent.
  const bool stream = !stat_ok || !S_ISREG(st.st_mode);
  char buf[1 << 16];
  for (;;) {
    if (stream) {
      pollfd p{fd, POLLIN, 0};
      int ready = ::poll(&p, 1, kInputIdleSeconds * 1000);
      if (ready < 0 && errno == EINTR) continue;
      if (ready == 0)
        throw ParseError(path, 0, 0,
                         fmt::format("no data for {} s after {} bytes: a pipe whose writer never ends?",
                                     kInputIdleSeconds, data.size()));
    }
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(path, "cannot read");
    }
    if (data.size() + static_cast<std::size_t>(n) > kMaxInputBytes) too_large(path, "reads");
    data.append(buf, static_cast<std::size_t>(n));
  }
  return data;
}

bool is_gzip(const std::string& data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

std::string gunzip(const std::string& compressed, const std::string& path) {
  z_stream z{};
  // 16 + MAX_WBITS: accept the gzip wrapper only.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    throw ParseError(path, 0, 0, "cannot start gzip decompression");
  std::string out;
  out.reserve(std::min<std::size_t>(compressed.size() * 4, kMaxInputBytes));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  z.avail_in = static_cast<uInt>(compressed.size());
  char buf[1 << 16];
  int rc = Z_OK;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    // Input used up before the stream's end: the file was cut short.
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string msg = z.msg ? z.msg : "corrupt data";
      inflateEnd(&z);
      throw ParseError(path, 0, 0, fmt::format("gzip: {}", msg));
    }
    if (out.size() + (sizeof buf - z.avail_out) > kMaxInputBytes) {
      inflateEnd(&z);
      too_large(path, "gzip: inflates to");
    }
    out.append(buf, sizeof buf - z.avail_out);
    // Concatenated gzip members (cat a.gz b.gz) are one stream to gzip(1);
    // anything else after the end (zero padding from a tape or a disk
    // image) is ignored, as gzip -d does.
    if (rc == Z_STREAM_END && z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
      inflateReset(&z);
      rc = Z_OK;
    }
  } while (rc != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
  inflateEnd(&z);
  if (rc != Z_STREAM_END) throw ParseError(path, 0, 0, "gzip: unexpected end of file (truncated?)");
  return out;
}

}  // namespace

std::string read_input(const std::string& path) {
  std::string data;
  if (path == "-") {
    data = read_fd(STDIN_FILENO, path);
  } else {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail_errno(path, "cannot open");
    try {
      data = read_fd(fd, path);
    } catch (...) {
      ::close(fd);
      throw;
    }
    ::close(fd);
  }
  if (is_gzip(data)) return gunzip(data, path);
  return data;
}

Snapshot read_snapshot(const std::string& path, std::optional<Format> format) {
  std::string text = read_input(path);
  return parse_snapshot(text, path, format);
}

}  // namespace snap
