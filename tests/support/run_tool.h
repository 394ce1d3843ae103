// Test helper: run one of the programs as a user would, through the shell.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "files.h"

namespace snap::test {

struct Run {
  int status = -1;  // exit status; -1 when killed by a signal
  std::string out, err;
};

/// Runs `EXE ARGS` in `dir` with `env` prefixed ("NO_COLOR=1") and standard
/// input from `input`; ARGS are shell words, so globs and quotes work.
inline Run run_tool(const std::string& exe, const std::string& args, const std::string& dir,
                    const std::string& env = "", const std::string& input = "/dev/null") {
  namespace fs = std::filesystem;
  static int serial = 0;
  fs::path tmp =
      fs::temp_directory_path() / ("snap_run." + std::to_string(::getpid()) + "." + std::to_string(serial++));
  fs::create_directories(tmp);
  std::string cmd = "cd '" + dir + "' && " + env + " '" + exe + "' " + args + " >'" + (tmp / "out").string() +
                    "' 2>'" + (tmp / "err").string() + "' <'" + input + "'";
  int rc = std::system(cmd.c_str());
  Run r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(tmp / "out");
  r.err = slurp(tmp / "err");
  fs::remove_all(tmp);
  return r;
}

}  // namespace snap::test
