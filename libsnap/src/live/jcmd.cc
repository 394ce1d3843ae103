#include "live/jcmd.h"

#include <optional>
#include <system_error>
#include <vector>

#include "snap/live/child_process.h"
#include "snap/live/proc_error.h"

namespace snap::detail {
namespace {

// An NMT detail report of a big JVM runs to a few MB; past this it is not
// one.
constexpr std::size_t kMaxReport = std::size_t{256} << 20;

}  // namespace

JcmdResult run_jcmd(const std::string& program, std::int64_t pid, double timeout,
                    const std::function<bool()>& stop) {
  JcmdResult r;
  std::optional<ChildProcess> jcmd;
  try {
    jcmd.emplace(std::vector<std::string>{program, std::to_string(pid), "VM.native_memory", "detail"},
                 ChildProcess::Output::capture);
  } catch (const ProcError&) {
    return r;  // not installed
  } catch (const std::system_error&) {
    return r;  // no process to be had
  }
  ChildProcess::Captured c = jcmd->capture(kMaxReport, timeout, stop);
  if (c.end == ChildProcess::Captured::End::stopped) {
    r.end = JcmdResult::End::stopped;
  } else if (c.end == ChildProcess::Captured::End::exited && c.code == 0) {
    r.end = c.output.find("Native memory tracking is not enabled") != std::string::npos
                ? JcmdResult::End::nmt_off
                : JcmdResult::End::report;
    r.text = std::move(c.output);
  }
  return r;
}

}  // namespace snap::detail
