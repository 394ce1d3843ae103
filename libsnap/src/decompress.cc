#include "decompress.h"

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <climits>
#include <cstdint>

#include <fmt/format.h>

#include "snap/error.h"

namespace snap::detail {
namespace {

constexpr Compression kGzip{"gzip", "gzip -d", true};
constexpr Compression kXz{"xz", "xz -d", true};
constexpr Compression kBzip2{"bzip2", "bzip2 -d", true};
constexpr Compression kZstd{"zstd", "zstd -d", true};
constexpr Compression kLz4{"lz4", "lz4 -d", false};
constexpr Compression kLzip{"lzip", "lzip -d", false};
constexpr Compression kCompress{"compress", "uncompress", false};

bool starts(std::string_view data, std::string_view magic) {
  return data.substr(0, magic.size()) == magic;
}

[[noreturn]] void fail(const std::string& path, const Compression& c, std::string_view what) {
  throw ParseError(path, 0, 0, fmt::format("{}: {}", c.name, what));
}

[[noreturn]] void truncated(const std::string& path, const Compression& c) {
  fail(path, c, "unexpected end of file (truncated?)");
}

using Add = std::function<void(const char*, std::size_t)>;
constexpr std::size_t kChunk = 1 << 16;

void gunzip(std::string_view data, const std::string& path, const Add& add) {
  z_stream z{};
  // 16 + MAX_WBITS: accept the gzip wrapper only.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) fail(path, kGzip, "cannot start decompression");
  struct End {
    z_stream* z;
    ~End() { inflateEnd(z); }
  } end{&z};
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::array<char, kChunk> buf;
  int rc = Z_OK;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf.data());
    z.avail_out = buf.size();
    rc = inflate(&z, Z_NO_FLUSH);
    // Input used up before the stream's end: the file was cut short.
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
    if (rc != Z_OK && rc != Z_STREAM_END) fail(path, kGzip, z.msg ? z.msg : "corrupt data");
    add(buf.data(), buf.size() - z.avail_out);
    // Concatenated gzip members (cat a.gz b.gz) are one stream to gzip(1);
    // anything else after the end (zero padding from a tape or a disk
    // image) is ignored, as gzip -d does.
    if (rc == Z_STREAM_END && z.avail_in >= 2 && z.next_in[0] == 0x1f && z.next_in[1] == 0x8b) {
      inflateReset(&z);
      rc = Z_OK;
    }
  } while (rc != Z_STREAM_END && (z.avail_in > 0 || z.avail_out == 0));
  if (rc != Z_STREAM_END) truncated(path, kGzip);
}

void unxz(std::string_view data, const std::string& path, const Add& add) {
  lzma_stream s = LZMA_STREAM_INIT;
  // Concatenated .xz streams (and their padding) are one file to xz -d.
  if (lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
    fail(path, kXz, "cannot start decompression");
  struct End {
    lzma_stream* s;
    ~End() { lzma_end(s); }
  } end{&s};
  s.next_in = reinterpret_cast<const std::uint8_t*>(data.data());
  s.avail_in = data.size();
  std::array<std::uint8_t, kChunk> buf;
  lzma_ret rc = LZMA_OK;
  do {
    s.next_out = buf.data();
    s.avail_out = buf.size();
    rc = lzma_code(&s, LZMA_FINISH);
    add(reinterpret_cast<const char*>(buf.data()), buf.size() - s.avail_out);
  } while (rc == LZMA_OK);
  switch (rc) {
    case LZMA_STREAM_END: return;
    case LZMA_BUF_ERROR: truncated(path, kXz);
    case LZMA_MEM_ERROR: fail(path, kXz, "out of memory");
    case LZMA_FORMAT_ERROR: fail(path, kXz, "not in .xz format");
    case LZMA_OPTIONS_ERROR: fail(path, kXz, "unsupported compression options");
    default: fail(path, kXz, "corrupt data");
  }
}

void bunzip2(std::string_view data, const std::string& path, const Add& add) {
  if (data.size() > UINT_MAX) fail(path, kBzip2, "too large");
  bz_stream b{};
  if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK) fail(path, kBzip2, "cannot start decompression");
  struct End {
    bz_stream* b;
    ~End() { BZ2_bzDecompressEnd(b); }
  } end{&b};
  b.next_in = const_cast<char*>(data.data());
  b.avail_in = static_cast<unsigned>(data.size());
  std::array<char, kChunk> buf;
  for (;;) {
    b.next_out = buf.data();
    b.avail_out = buf.size();
    const int rc = BZ2_bzDecompress(&b);
    if (rc != BZ_OK && rc != BZ_STREAM_END) fail(path, kBzip2, rc == BZ_MEM_ERROR ? "out of memory" : "corrupt data");
    const std::size_t produced = buf.size() - b.avail_out;
    add(buf.data(), produced);
    if (rc == BZ_STREAM_END) {
      // Several streams (pbzip2, cat a.bz2 b.bz2) are one file to bzip2 -d.
      if (!starts(std::string_view(b.next_in, b.avail_in), "BZh")) return;
      char* next = b.next_in;
      const unsigned left = b.avail_in;
      BZ2_bzDecompressEnd(&b);
      b = bz_stream{};
      if (BZ2_bzDecompressInit(&b, 0, 0) != BZ_OK) fail(path, kBzip2, "cannot start decompression");
      b.next_in = next;
      b.avail_in = left;
      continue;
    }
    if (b.avail_in == 0 && produced == 0) truncated(path, kBzip2);
  }
}

void unzstd(std::string_view data, const std::string& path, const Add& add) {
  ZSTD_DCtx* d = ZSTD_createDCtx();
  if (!d) fail(path, kZstd, "cannot start decompression");
  struct End {
    ZSTD_DCtx* d;
    ~End() { ZSTD_freeDCtx(d); }
  } end{d};
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  std::array<char, kChunk> buf;
  std::size_t left = 0;  // 0 once a frame is complete; zstd reads concatenated frames on its own
  for (;;) {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    left = ZSTD_decompressStream(d, &out, &in);
    if (ZSTD_isError(left)) fail(path, kZstd, ZSTD_getErrorName(left));
    add(buf.data(), out.pos);
    if (in.pos == in.size && out.pos < out.size) break;
  }
  if (left != 0) truncated(path, kZstd);
}

}  // namespace

const Compression* compression_of(std::string_view data) {
  if (starts(data, "\x1f\x8b")) return &kGzip;
  if (starts(data, std::string_view("\xfd" "7zXZ\0", 6))) return &kXz;
  if (starts(data, "BZh") && data.size() >= 4 && data[3] >= '1' && data[3] <= '9') return &kBzip2;
  if (starts(data, "\x28\xb5\x2f\xfd")) return &kZstd;
  if (starts(data, "\x04\x22\x4d\x18")) return &kLz4;
  if (starts(data, "LZIP")) return &kLzip;
  if (starts(data, "\x1f\x9d")) return &kCompress;
  return nullptr;
}

void decompress(const Compression& c, std::string_view data, const std::string& path, const Add& add) {
  if (&c == &kGzip) return gunzip(data, path, add);
  if (&c == &kXz) return unxz(data, path, add);
  if (&c == &kBzip2) return bunzip2(data, path, add);
  if (&c == &kZstd) return unzstd(data, path, add);
  throw ParseError(path, 0, 0, fmt::format("{}-compressed: not supported, run {}", c.name, c.command));
}

}  // namespace snap::detail
