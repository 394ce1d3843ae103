// jcmd PID VM.native_memory detail, for snapcollect --jcmd. Internal to
// libsnap.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace snap::detail {

struct JcmdResult {
  enum class End {
    report,   // `text` is what it printed (stdout and stderr)
    nmt_off,  // the target runs without -XX:NativeMemoryTracking
    failed,   // could not run, exited non-zero, no answer within the timeout, or too much output
    stopped,  // a stop request ended it
  };
  End end = End::failed;
  std::string text;
};

/// Runs `program` PID VM.native_memory detail (no shell), bounded by
/// `timeout` seconds and 256 MiB of output; `stop` is polled meanwhile.
JcmdResult run_jcmd(const std::string& program, std::int64_t pid, double timeout,
                    const std::function<bool()>& stop);

}  // namespace snap::detail
