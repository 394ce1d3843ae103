#include <iterator>

#include <fmt/format.h>

#include "snap/emit/gdb.h"
#include "snap/size.h"

namespace snap {
namespace {

// Printable ASCII stays as it is; every other byte becomes \xNN. A name is
// bytes, not necessarily UTF-8, and this keeps each byte recoverable while
// no newline, carriage return or terminal escape reaches the output.
// `quote` is escaped too, and a backslash is written as \x5c (not \\): gdb
// joins a line that ends in a backslash with the next one, even a comment
// line, so a raw backslash must never be able to end a line.
void escape_to(std::string& out, std::string_view text, char quote = '\0') {
  auto it = std::back_inserter(out);
  for (unsigned char ch : text) {
    if (ch >= 0x20 && ch < 0x7f && ch != '\\' && ch != static_cast<unsigned char>(quote))
      out += static_cast<char>(ch);
    else
      fmt::format_to(it, "\\x{:02x}", ch);
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  escape_to(out, text);
  return out;
}

void comment(std::string& out, std::string_view text) {
  out += "# ";
  escape_to(out, text);
  out += '\n';
}

// What one range is, for the header and for gdb's progress lines; raw bytes
// still, escaped where it is written.
std::string describe(const DumpRange& r) {
  return fmt::format("{} {}{} -> {}", category_name(r.category), r.name.empty() ? "[anon]" : r.name,
                     r.truncated ? " (cut short by the size budget)" : "", r.file);
}

// The dumping is Python, not `dump memory`: a failing `dump memory` ends a
// gdb command file, while Python catches the failure and goes on with the
// next range; and the file name travels as a Python literal instead of being
// spliced into a command line. No line of it may read "end" (that closes the
// block wherever it stands) or end in a backslash (gdb's line continuation);
// every literal is one line and ends in a quote. A function keeps gdb's
// Python namespace clean. `except Exception` catches gdb.MemoryError and
// file errors alike, not KeyboardInterrupt: Ctrl-C still stops the run. A
// range that fails midway has its partial file removed, so that a file that
// exists is a whole range.
//
// gdb usually runs as root and the dumps hold the process's memory
// (secrets included), so the files are the dumping user's alone: files
// 0600, directories created 0700 (the umask can only take more away). The
// directory is walked a component at a time through directory descriptors,
// so nothing can be swapped in between the checks and the writes, and it is
// refused when it belongs to another user, or when the walk meets a
// symlink in a sticky directory (/tmp) that is not the user's own: another
// user could have planted it there to point the dumps where they can read
// them. A refused directory gets nothing written.
constexpr std::string_view kDumper = R"(    chunk = 16 << 20
    inferior = gdb.selected_inferior()
    if inferior.pid == 0:
        print('snap: no process attached; run this file as: gdb -p PID -batch -x FILE')
        print('snap: dumped 0 of %d ranges (0 bytes)' % len(ranges))
        return
    if pid is not None and inferior.pid != pid:
        print('snap: warning: attached to pid %d, the snapshots are of pid %d' % (inferior.pid, pid))
    import stat
    me = os.geteuid()

    def shown(b):
        return ''.join(chr(c) if 32 <= c < 127 and c != 92 else '\\x%02x' % c for c in b)

    def open_directory(path):
        # A descriptor of the directory, made where missing, or the reason it is refused.
        # The walk starts at / (a relative path from the working directory), follows
        # symlinks itself and trusts no directory of a third user on the way.
        if not path.startswith(b'/'):
            path = os.getcwdb() + b'/' + path
        todo = [p for p in reversed(path.split(b'/')) if p not in (b'', b'.')]
        where = []
        links = 0
        fd = -1
        try:
            fd = os.open(b'/', os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            while True:
                owner = os.fstat(fd).st_uid
                if owner != me and owner != 0:
                    return None, ('%s belongs to uid %d, not to uid %d who writes the dumps; choose a'
                                  ' directory of your own (snapdiff --dump-dir)'
                                  % (shown(b'/' + b'/'.join(where)), owner, me))
                if not todo:
                    break
                name = todo.pop()
                try:
                    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                except FileNotFoundError:
                    try:
                        os.mkdir(name, 0o700, dir_fd=fd)
                    except FileExistsError:
                        pass
                    st = os.stat(name, dir_fd=fd, follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    parent = os.fstat(fd)
                    if parent.st_mode & stat.S_ISVTX and st.st_uid != me:
                        return None, ('it goes through the symlink %s owned by uid %d in the sticky directory'
                                      ' %s, where anyone may plant one'
                                      % (shown(name), st.st_uid, shown(b'/' + b'/'.join(where))))
                    links += 1
                    if links > 40:
                        return None, 'too many levels of symbolic links'
                    target = os.readlink(name, dir_fd=fd)
                    if target.startswith(b'/'):
                        os.close(fd)
                        fd = -1
                        fd = os.open(b'/', os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
                        where = []
                    todo.extend(p for p in reversed(target.split(b'/')) if p not in (b'', b'.'))
                    continue
                if not stat.S_ISDIR(st.st_mode):
                    return None, '%s is not a directory' % shown(b'/' + b'/'.join(where + [name]))
                sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
                now = os.fstat(sub)
                os.close(fd)
                fd = sub
                if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
                    return None, '%s was replaced while it was opened' % shown(name)
                if name == b'..':
                    where = where[:-1]
                else:
                    where.append(name)
            result = fd
            fd = -1
            return result, None
        except OSError as e:
            return None, str(e)
        finally:
            if fd >= 0:
                os.close(fd)

    directories = {}
    done = 0
    total = 0
    for lo, hi, name, what in ranges:
        path = name.encode('latin-1')
        directory, base = os.path.split(path)
        if directory not in directories:
            directories[directory] = open_directory(directory or b'.')
            if directories[directory][0] is None:
                print('snap: refusing the dump directory %s: %s' % (shown(directory or b'.'), directories[directory][1]))
        dir_fd, refused = directories[directory]
        if dir_fd is None:
            print('snap: failed 0x%x-0x%x %s: the dump directory is refused' % (lo, hi, what))
            continue
        opened = False
        written = 0
        try:
            # O_EXCL: an existing file is never overwritten; that range fails.
            out_fd = os.open(base, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600,
                             dir_fd=dir_fd)
            opened = True
            with os.fdopen(out_fd, 'wb') as out:
                while lo + written < hi:
                    n = min(chunk, hi - lo - written)
                    out.write(inferior.read_memory(lo + written, n))
                    written += n
        except Exception as e:
            if opened:
                try:
                    os.remove(base, dir_fd=dir_fd)
                except OSError:
                    pass
            print('snap: failed 0x%x-0x%x %s: %s' % (lo, hi, what, e))
            continue
        done += 1
        total += written
        print('snap: ok 0x%x-0x%x %d bytes %s' % (lo, hi, written, what))
    for dir_fd, refused in directories.values():
        if dir_fd is not None:
            os.close(dir_fd)
    print('snap: dumped %d of %d ranges (%d bytes)' % (done, len(ranges), total))
)";

// The backtraces of the threads a thread leak added, found by tid among
// gdb's threads (gdb numbers its threads itself; ptid[1] is the LWP id).
constexpr std::string_view kBacktracer = R"(    inferior = gdb.selected_inferior()
    if inferior.pid == 0:
        return
    wanted = dict(threads)
    found = 0
    print('snap: backtraces of the %d threads started since the first snapshot (of %d new)' % (len(threads), total))
    for thread in inferior.threads():
        tid = thread.ptid[1]
        if tid not in wanted:
            continue
        found += 1
        thread.switch()
        print('snap: thread %d (%s):' % (tid, wanted[tid]))
        try:
            gdb.execute('bt')
        except Exception as e:
            print('snap: no backtrace of thread %d: %s' % (tid, e))
    print('snap: %d of those %d threads still run' % (found, len(threads)))
)";

}  // namespace

// A str literal rather than bytes: every byte becomes the code point of the
// same value (Latin-1), written \xNN unless it is printable ASCII, so
// `literal.encode('latin-1')` gives back the bytes exactly, valid UTF-8 or
// not, and the literal itself is pure ASCII on one line.
std::string python_literal(std::string_view text) {
  std::string out = "'";
  escape_to(out, text, '\'');
  return out + "'";
}

void emit_gdb(std::string& out, const DumpPlan& plan, std::string_view command_line) {
  auto it = std::back_inserter(out);
  std::uint64_t total = 0;
  for (const DumpRange& r : plan.ranges) total += r.end - r.start;
  const std::string pid = plan.pid ? std::to_string(*plan.pid) : "PID";

  comment(out, "snap: a gdb command file that dumps the memory of growing blocks, one file per range.");
  comment(out, fmt::format("Generated by: {}", command_line));
  comment(out, "Snapshots, oldest first:");
  for (const std::string& s : plan.sources) comment(out, "  " + s);
  comment(out, plan.pid ? fmt::format("Process: pid {}", *plan.pid)
                        : std::string("Process: unknown (the snapshots do not name it)"));
  comment(out, "Run it as:");
  comment(out, fmt::format("  gdb -p {} -batch -x THIS_FILE", pid));
  comment(out, "gdb stops the process while it reads and lets it go on when it detaches. Relative file");
  comment(out, "names are relative to the directory gdb runs in. A range that cannot be read (unmapped");
  comment(out, "since the snapshot) is reported and skipped, and leaves no file behind. An");
  comment(out, "existing file is never overwritten: that range fails instead. The dumps are the");
  comment(out, "running user's alone: files 0600, directories made 0700; a dump directory owned by");
  comment(out, "another user, or reached through another user's symlink in a sticky directory such");
  comment(out, "as /tmp, is refused and nothing is written.");
  if (!plan.notes.empty()) {
    comment(out, "Notes:");
    for (const std::string& n : plan.notes) comment(out, "  " + n);
  }
  if (!plan.new_threads.empty()) {
    comment(out, fmt::format("Threads started since the first snapshot: {}; the backtraces of {} follow the dumps:",
                             plan.new_threads_total, plan.new_threads.size()));
    for (const ThreadInfo& t : plan.new_threads) comment(out, fmt::format("  tid {} {}", t.tid, t.name));
  }
  comment(out, fmt::format("Ranges: {}, {} bytes ({})", plan.ranges.size(), total,
                           format_size(total, SizeStyle::human)));
  for (const DumpRange& r : plan.ranges)
    comment(out, fmt::format("  {:x}-{:x} {}", r.start, r.end, describe(r)));

  out += "python\ndef snap_dump():\n    import os\n    import gdb\n";
  fmt::format_to(it, "    pid = {}\n", plan.pid ? std::to_string(*plan.pid) : "None");
  out += "    ranges = [\n";
  for (const DumpRange& r : plan.ranges)
    fmt::format_to(it, "        (0x{:x}, 0x{:x}, {}, {}),\n", r.start, r.end, python_literal(r.file),
                   python_literal(escaped(describe(r))));
  out += "    ]\n";
  out += kDumper;
  if (!plan.new_threads.empty()) {
    out += "def snap_backtraces():\n    import gdb\n";
    fmt::format_to(it, "    total = {}\n", plan.new_threads_total);
    out += "    threads = [\n";
    for (const ThreadInfo& t : plan.new_threads)
      fmt::format_to(it, "        ({}, {}),\n", t.tid, python_literal(escaped(t.name)));
    out += "    ]\n";
    out += kBacktracer;
  }
  out += "snap_dump()\n";
  if (!plan.new_threads.empty()) out += "snap_backtraces()\n";
  out += "end\n";
}

void emit_ranges(std::string& out, const DumpPlan& plan) {
  auto it = std::back_inserter(out);
  for (const DumpRange& r : plan.ranges) fmt::format_to(it, "0x{:x} 0x{:x}\n", r.start, r.end);
}

}  // namespace snap
