// Starting, reading, ending and reaping child processes.
#include "snap/live/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "live/proc_file.h"
#include "snap/escape.h"
#include "snap/live/proc_error.h"
#include "snap/live/process_watch.h"

namespace snap {
namespace {

int exit_code(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, Output output) {
  if (argv.empty()) throw ProcError("cannot run an empty command", EINVAL);
  auto fail = [&](int err) {
    throw ProcError(fmt::format("cannot run {}: {}", printable(argv[0]), std::strerror(err)), err);
  };
  auto trouble = [](int err, const char* what) { throw std::system_error(err, std::generic_category(), what); };
  // Built before the fork: the child calls nothing that allocates.
  std::vector<char*> av;
  for (const std::string& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  av.push_back(nullptr);
  int out[2] = {-1, -1};
  if (output == Output::capture && ::pipe2(out, O_CLOEXEC) != 0) trouble(errno, "pipe");
  // The child reports a failed exec through this pipe; a successful exec
  // closes it (O_CLOEXEC). The caller goes on only then, so that what it
  // reads of the child is the new program, not a copy of itself: posix_spawn
  // returns as soon as the old memory map is released, before the new
  // program's arguments are in place.
  int exec_pipe[2];
  if (::pipe2(exec_pipe, O_CLOEXEC) != 0) {
    const int err = errno;
    if (out[0] >= 0) ::close(out[0]), ::close(out[1]);
    trouble(err, "pipe");
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    // Until the exec, snapcollect's handlers would run in this copy.
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
      struct sigaction sa {};
      if (::sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler != SIG_IGN) ::signal(sig, SIG_DFL);
    }
    ::close(exec_pipe[0]);
    if (output == Output::capture) {
      // Its own group: a terminal's Ctrl-C reaches snapcollect alone, which
      // ends it, and a kill reaches whatever it started.
      ::setpgid(0, 0);
      const int in = ::open("/dev/null", O_RDONLY);
      if (in < 0 || ::dup2(in, STDIN_FILENO) < 0 || ::dup2(out[1], STDOUT_FILENO) < 0 ||
          ::dup2(out[1], STDERR_FILENO) < 0) {
        const int err = errno;
        [[maybe_unused]] ssize_t n = ::write(exec_pipe[1], &err, sizeof err);
        ::_exit(127);
      }
    }
    ::execvp(av[0], av.data());
    const int err = errno;
    [[maybe_unused]] ssize_t n = ::write(exec_pipe[1], &err, sizeof err);
    ::_exit(127);
  }
  const int fork_err = errno;
  ::close(exec_pipe[1]);
  if (out[1] >= 0) ::close(out[1]);
  if (pid_ < 0) {
    ::close(exec_pipe[0]);
    if (out[0] >= 0) ::close(out[0]);
    trouble(fork_err, "fork");
  }
  if (output == Output::capture) {
    ::setpgid(pid_, pid_);  // also here, so that the group exists before a kill
    own_group_ = true;
  }
  out_ = out[0];
  int err = 0;
  ssize_t n;
  while ((n = ::read(exec_pipe[0], &err, sizeof err)) < 0 && errno == EINTR) {
  }
  ::close(exec_pipe[0]);
  if (n > 0) {
    reap(true);
    if (out_ >= 0) ::close(out_), out_ = -1;
    fail(err);
  }
  wait_for_new_image();
}

void ChildProcess::wait_for_new_image() const {
  // The pipe reads EOF at the last close of its write end. When that is
  // ours, made after the child's own close inside execve, the new
  // program's segments and arguments may not be in place yet: a snapshot
  // then would be of an empty map, and the command line read empty.
  // Bounded in time; image_complete says why it need not wait where the
  // kernel hides the fields that tell.
  const auto begun = std::chrono::steady_clock::now();
  const std::string path = fmt::format("/proc/{}/stat", pid_);
  while (seconds_since(begun) < 1) {
    const auto text = detail::try_read_proc_file(path);
    const auto stat = text ? parse_process_stat(*text) : std::nullopt;
    if (!stat || stat->state == 'Z' || stat->state == 'X' || image_complete(*stat)) return;
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

ChildProcess::~ChildProcess() {
  if (out_ >= 0) ::close(out_);
  if (pid_ > 0 && !reaped_) {
    kill_now();
    reap(true);
  }
}

void ChildProcess::kill_now() {
  ::kill(own_group_ ? -pid_ : pid_, SIGKILL);
}

int ChildProcess::reap(bool block) {
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return exit_code(status);
    }
    if (r == 0) return -1;
    if (errno == EINTR) continue;
    // ECHILD: someone else reaped it; nothing is left to wait for.
    reaped_ = true;
    return 0;
  }
}

int ChildProcess::wait() {
  return reap(true);
}

int ChildProcess::terminate(int sig, double grace) {
  ::kill(own_group_ ? -pid_ : pid_, sig);
  const auto begun = std::chrono::steady_clock::now();
  for (;;) {
    if (const int code = reap(false); code >= 0) return code;
    if (seconds_since(begun) >= grace) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill_now();
  return reap(true);
}

ChildProcess::Captured ChildProcess::capture(std::size_t max_bytes, double timeout,
                                             const std::function<bool()>& stop) {
  Captured c;
  const auto begun = std::chrono::steady_clock::now();
  auto end_early = [&](Captured::End why) {
    c.end = why;
    kill_now();
    c.code = reap(true);
    return c;
  };
  char buf[65536];
  while (out_ >= 0) {
    if (stop && stop()) return end_early(Captured::End::stopped);
    const double left = timeout - seconds_since(begun);
    if (left <= 0) return end_early(Captured::End::timed_out);
    pollfd p{out_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, 0.05) * 1000) + 1);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      ::close(out_);
      out_ = -1;
      break;
    }
    if (c.output.size() + static_cast<std::size_t>(n) > max_bytes) return end_early(Captured::End::too_long);
    c.output.append(buf, static_cast<std::size_t>(n));
  }
  // Its output is closed; it may still be running (or have left a child
  // holding the pipe no longer): the same bounds hold for its exit.
  for (;;) {
    if (const int code = reap(false); code >= 0) {
      c.code = code;
      return c;
    }
    if (stop && stop()) return end_early(Captured::End::stopped);
    if (seconds_since(begun) >= timeout) return end_early(Captured::End::timed_out);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace snap
