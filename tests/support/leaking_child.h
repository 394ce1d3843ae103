// Test helper: a leaking program started with its stdin
// and stdout on pipes. It says what it leaked in its first line and lives
// until its stdin closes; killed and reaped at the end in any case.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace snap::test {

class LeakingChild {
 public:
  explicit LeakingChild(const std::vector<std::string>& argv) {
    int in[2], out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::dup2(in[0], STDIN_FILENO);
      ::dup2(out[1], STDOUT_FILENO);
      ::execvp(args[0], args.data());
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    to_ = in[1];
    from_ = out[0];
  }
  LeakingChild(const LeakingChild&) = delete;
  LeakingChild& operator=(const LeakingChild&) = delete;
  ~LeakingChild() { stop(); }

  pid_t pid() const { return pid_; }

  /// The next line it writes ("" after 60 s or at end of output).
  std::string line() {
    std::string& buffer = buffer_;
    for (;;) {
      if (auto nl = buffer.find('\n'); nl != std::string::npos) {
        std::string l = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        return l;
      }
      pollfd p{from_, POLLIN, 0};
      if (::poll(&p, 1, 60000) <= 0) return "";
      char chunk[256];
      const ssize_t n = ::read(from_, chunk, sizeof chunk);
      if (n <= 0) return "";
      buffer.append(chunk, static_cast<std::size_t>(n));
    }
  }

  /// Writes `command` and a newline to its stdin; its answer line.
  std::string ask(const std::string& command) {
    const std::string l = command + "\n";
    REQUIRE(::write(to_, l.data(), l.size()) == static_cast<ssize_t>(l.size()));
    return line();
  }

  void stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (to_ >= 0) ::close(to_);
    if (from_ >= 0) ::close(from_);
    to_ = from_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;
  std::string buffer_;
};

/// The word after `key` in `line` ("... sizeof 200 ..." -> "200").
inline std::string field(const std::string& line, const std::string& key) {
  std::istringstream in(line);
  for (std::string w; in >> w;)
    if (w == key && in >> w) return w;
  FAIL("no '" << key << "' in: " << line);
  return "";
}
inline std::uint64_t number(const std::string& line, const std::string& key) {
  return std::stoull(field(line, key), nullptr, 0);
}

}  // namespace snap::test
