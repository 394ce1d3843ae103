// Test helper: run a program directly (no shell), its output in a file, and
// never wait on it forever.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "files.h"

namespace snap::test {

struct Exit {
  int status = -1;  // exit status; -1 when killed (by a signal or the timeout) or not run
  std::string output;  // stdout and stderr, interleaved as written
};

/// Runs `argv` (argv[0] looked up in PATH) with stdin from /dev/null and
/// stdout and stderr into `log`; killed after `timeout`. 127: not found.
inline Exit run_program(const std::vector<std::string>& argv, const std::filesystem::path& log,
                        std::chrono::milliseconds timeout) {
  REQUIRE(!argv.empty());
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int null = ::open("/dev/null", O_RDONLY);
    if (fd < 0 || null < 0) ::_exit(126);
    ::dup2(null, STDIN_FILENO);
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  Exit r;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (WIFEXITED(status)) r.status = WEXITSTATUS(status);
  r.output = slurp(log);
  return r;
}

}  // namespace snap::test
