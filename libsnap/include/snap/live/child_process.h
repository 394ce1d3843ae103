// Processes snapcollect starts: the command it collects (-- COMMAND) and
// jcmd. Started by fork and exec with an argv (never through a shell), and
// never left behind: a ChildProcess not reaped when it goes out of scope
// is killed and reaped.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace snap {

class ChildProcess {
 public:
  enum class Output {
    inherit,  // stdin, stdout and stderr are the caller's
    capture,  // stdout and stderr (2>&1) into a pipe read by capture(); stdin /dev/null; a process group of its own
  };
  /// Starts argv[0] (execvp: looked up in PATH) and returns once it has
  /// exec'd. Throws ProcError "cannot run NAME: REASON" (NAME as
  /// printable() shows it) with the errno when it cannot be started;
  /// std::system_error ("fork: REASON", "pipe: REASON") when no process
  /// could be made.
  ChildProcess(const std::vector<std::string>& argv, Output output);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Waits for it to exit; returns its exit code (128+N when signal N ended
  /// it).
  int wait();
  /// Sends `sig` (to its group when it has one of its own), gives it
  /// `grace` seconds to exit, then SIGKILL; reaps it. Returns its exit
  /// code as wait() does.
  int terminate(int sig, double grace);
  /// Leaves it running on its own: it is neither signalled nor waited for
  /// (here or by the destructor).
  void release() { reaped_ = true; }

  struct Captured {
    enum class End {
      exited,     // it closed its output and exited: `code` says how
      timed_out,  // no end within the timeout: killed
      too_long,   // more output than the limit: killed
      stopped,    // `stop` said so: killed
    };
    End end = End::exited;
    int code = 0;
    std::string output;
  };
  /// Output::capture only: reads its output to the end, at most
  /// `max_bytes`, within `timeout` seconds, polling `stop` (when given)
  /// every 50 ms; then reaps it. It is killed (SIGKILL, its group) when
  /// any of these ends it first.
  Captured capture(std::size_t max_bytes, double timeout, const std::function<bool()>& stop = {});

 private:
  void wait_for_new_image() const;
  int reap(bool block);  // -1 while running (block false), else the exit code
  void kill_now();
  pid_t pid_ = -1;
  int out_ = -1;  // the read end of its output, Output::capture
  bool own_group_ = false;
  bool reaped_ = false;
};

}  // namespace snap
