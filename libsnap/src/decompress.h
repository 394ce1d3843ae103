// Compressed snapshots: gzip, xz, bzip2 and zstd, told by their magic bytes
// and read through the libraries Debian ships (zlib, liblzma, libbz2,
// libzstd); other compressors are named, so that the error says what to run.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace snap::detail {

struct Compression {
  std::string_view name;     // "gzip", "xz", "bzip2", "zstd"; "lz4", "lzip", "compress" (not read)
  std::string_view command;  // what decompresses it: "xz -d"
  bool supported;
};

/// The compression `data` begins with, or nullptr for none.
const Compression* compression_of(std::string_view data);

/// Decompresses the whole of `data` (concatenated streams too, as the
/// command does), handing each piece of output to `add`, which may throw to
/// stop (a size limit). Throws ParseError(path) "xz: ..." for corrupt or
/// truncated data, and "xz-compressed: not supported, run xz -d" for a
/// compression it does not read.
void decompress(const Compression& c, std::string_view data, const std::string& path,
                const std::function<void(const char*, std::size_t)>& add);

}  // namespace snap::detail
