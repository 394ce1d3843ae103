// Reading snapshots: every format auto-detected, "-" for stdin, gzip, xz,
// bzip2 and zstd transparently (by their magic bytes, whatever the file is
// called).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "snap/error.h"
#include "snap/snapshot.h"

namespace snap {

/// Guesses the format of `text` from its first lines' structure. Throws
/// ParseError naming the formats tried when none fits.
Format detect_format(std::string_view text, std::string_view source);

/// Parses a whole file's text. `format` forces a parser; otherwise detected.
/// Throws ParseError("SOURCE:LINE: ...") on the first bad line.
Snapshot parse_snapshot(std::string_view text, std::string_view source,
                        std::optional<Format> format = std::nullopt);

/// What read_input accepts: at most kMaxInputBytes (the file, or what its
/// gzip inflates to: 262,144 smaps mappings are about 200 MB), and from a
/// pipe, FIFO or terminal no silence longer than kInputIdleSeconds. Beyond
/// either it throws rather than wait or fill memory forever.
///
/// For tests, so that a bad-input test need not read 1 GiB or wait 10 s,
/// the environment can lower both: SNAP_TEST_MAX_INPUT_MIB and
/// SNAP_TEST_INPUT_IDLE_SECONDS, a whole number from 1 to the default
/// (anything else, or more, leaves the default). Read once per process.
inline constexpr std::uint64_t kMaxInputBytes = std::uint64_t{1} << 30;
inline constexpr int kInputIdleSeconds = 10;

/// The cap in memory: a snapshot holds at most kMaxRegions mappings (the
/// kernel's vm.max_map_count is 65530 by default). A Region is 416 bytes,
/// so short rows under kMaxInputBytes (a 1 GB pmap file holds some 30
/// million) needed some 11 GB; at this cap a snapshot's mappings are at
/// most about 1.7 GB. Past it parse_snapshot throws "FILE:LINE: more than
/// 4194304 mappings: ...".
inline constexpr std::size_t kMaxRegions = std::size_t{1} << 22;

/// What is read (or inflated) first, and decides: before the rest is
/// waited for or inflated, these bytes must be text whose first lines are
/// a snapshot's (detect_format), so that /dev/urandom, /dev/zero or a gzip
/// bomb is refused at once rather than after kMaxInputBytes.
inline constexpr std::size_t kProbeBytes = std::size_t{64} << 10;

/// Reads `path` ("-" is stdin; gzip, xz, bzip2 and zstd are decompressed)
/// into memory.
/// Throws ParseError("PATH: reason") when it cannot be read.
std::string read_input(const std::string& path);

/// read_input + parse_snapshot, the same answer for less: a regular smaps
/// or pmap file is read through one small buffer and parsed as it comes;
/// another regular file (maps, a file that must be judged whole: an error,
/// no final newline) is mapped rather than read: if another process
/// truncates it meanwhile, the process gets SIGBUS (the tools turn it into
/// an error: snap/sigbus.h).
Snapshot read_snapshot(const std::string& path, std::optional<Format> format = std::nullopt);

/// read_snapshot of every path, several at a time (up to the machine's
/// cores, at most 4). `each`, if given, sees each snapshot in the order of
/// `paths`, on the calling thread (to print its warnings). Fails as a loop
/// of read_snapshot would: with the error of the first path that fails,
/// after `each` has seen the snapshots before it. With `bad`, a path that
/// fails is left out instead: `bad` sees its error, in the order of
/// `paths` among `each`'s calls, and the result has no snapshot for it.
std::vector<Snapshot> read_snapshots(const std::vector<std::string>& paths,
                                     std::optional<Format> format = std::nullopt,
                                     const std::function<void(const Snapshot&)>& each = nullptr,
                                     const std::function<void(const ParseError&)>& bad = nullptr);

}  // namespace snap
