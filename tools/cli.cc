// --help in GNU layout and --version as coreutils prints it. Boost's own
// rendering ("-n [ --top ] N") hides the long option from bash-completion's
// generic completer, which reads "--top=N" from the first word of a line.
#include "cli.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

namespace snap::cli {

namespace po = boost::program_options;

namespace {

/// The argument's name as value_name() set it: Boost's name() decorates it
/// with the implicit and default values, which GNU help does not show.
std::string argument_name(const po::value_semantic& v) {
  std::string name = v.name();
  if (name.starts_with("[=")) {  // "[=WHEN(=always)]"
    name = name.substr(2);
    const std::size_t end = name.find_first_of("(]");
    return name.substr(0, end);
  }
  const std::size_t shown_default = name.find(" (=");
  return shown_default == std::string::npos ? name : name.substr(0, shown_default);
}

/// "  -n, --top=N", "      --delay=DURATION", "      --color[=WHEN]".
std::string option_column(const po::option_description& o) {
  const std::string shorter = o.canonical_display_name(po::command_line_style::allow_dash_for_short);
  const bool has_short = shorter.size() == 2 && shorter[0] == '-';
  const std::string& long_name = o.long_name();
  std::string column = has_short ? "  " + shorter : "    ";
  if (!long_name.empty()) column += (has_short ? ", --" : "  --") + long_name;
  const po::value_semantic& v = *o.semantic();
  if (v.max_tokens() == 0) return column;
  const std::string arg = argument_name(v);
  if (long_name.empty()) return column + " " + arg;
  if (v.min_tokens() == 0) return column + "[=" + arg + "]";  // an implicit value: optional
  return column + "=" + arg;
}

/// Appends `text` wrapped at spaces into lines of at most `width` columns;
/// the current line is already `indent` wide, the next ones are indented by
/// `indent`. A word longer than a line goes on a line of its own.
void wrap(std::string& out, std::string_view text, std::size_t indent, std::size_t width) {
  std::size_t column = indent;
  bool line_empty = true;
  while (!text.empty()) {
    const std::size_t space = text.find(' ');
    const std::string_view word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
    if (word.empty()) continue;
    if (!line_empty && column + 1 + word.size() > width) {
      out += '\n';
      out.append(indent, ' ');
      column = indent;
      line_empty = true;
    }
    if (!line_empty) {
      out += ' ';
      ++column;
    }
    out += word;
    column += word.size();
    line_empty = false;
  }
  out += '\n';
}

std::size_t widest(const po::options_description& d) {
  std::size_t w = 0;
  for (const auto& o : d.options()) w = std::max(w, option_column(*o).size());
  return w;
}

void format_option(std::string& out, const po::option_description& o, std::size_t column, std::size_t width) {
  const std::string left = option_column(o);
  out += left;
  if (o.description().empty()) {
    out += '\n';
    return;
  }
  if (left.size() + 2 > column) {  // too wide: the text starts on the next line
    out += '\n';
    out.append(column, ' ');
  } else {
    out.append(column - left.size(), ' ');
  }
  wrap(out, o.description(), column, width);
}

/// The option whose entry begins Boost's line `line` ("  -n [ --top ] N  ...").
const po::option_description* option_of(const po::options_description& d, std::string_view line) {
  const po::option_description* found = nullptr;
  std::size_t found_size = 0;
  for (const auto& o : d.options()) {
    std::string entry = o->format_name();
    if (const std::string p = o->format_parameter(); !p.empty()) entry += " " + p;
    const std::string_view rest = line.substr(2);
    if (rest.starts_with(entry) && (rest.size() == entry.size() || rest[entry.size()] == ' ') &&
        entry.size() > found_size) {
      found = o.get();
      found_size = entry.size();
    }
  }
  return found;
}

std::string g_tool = "snap";
int g_write_errno = 0;  // why the first failed write failed, for the message

[[noreturn]] void write_error() {
  // stderr unbuffered: the message goes out even as stdout is abandoned.
  if (g_write_errno)
    std::fprintf(stderr, "%s: write error: %s\n", g_tool.c_str(), std::strerror(g_write_errno));
  else
    std::fprintf(stderr, "%s: write error\n", g_tool.c_str());
  // _exit: exit() would flush stdout again and fail again.
  ::_exit(kTrouble);
}

void flush_at_exit() {
  flush_stdout();
}

}  // namespace

void check_stdout_at_exit(std::string_view tool) {
  static bool registered = false;
  g_tool = std::string(tool);
  if (!registered) std::atexit(flush_at_exit);
  registered = true;
}

void write_stdout(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) {
    if (!g_write_errno) g_write_errno = errno ? errno : EIO;
    write_error();
  }
}

void flush_stdout() {
  // A small output waits in the buffer until fflush; a large one was
  // written (and failed) in fwrite, leaving ferror set and fflush nothing
  // to do: both are checked.
  errno = 0;
  if (std::fflush(stdout) != 0 && !g_write_errno) g_write_errno = errno;
  if (std::ferror(stdout)) write_error();
}

std::string format_help(const po::options_description& options, std::size_t width) {
  // The descriptions start two columns after the widest option, as GNU
  // tools align them, but never past column 30 (ls and argp: 29-31), so
  // that a long option does not squeeze every description.
  const std::size_t column = std::min<std::size_t>(widest(options) + 2, 30);
  // Program_options keeps the groups' captions to itself: its own rendering
  // says where each caption goes and in which order the options come; each
  // option's entry there is replaced by the GNU one.
  std::ostringstream boost_text;
  boost_text << options;
  std::istringstream lines(boost_text.str());
  std::string out;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != ' ') {  // a caption, or the blank line before one
      out += line + '\n';
      continue;
    }
    if (line.size() < 3 || line[2] != '-') continue;  // a description's continuation
    if (const po::option_description* o = option_of(options, line))
      format_option(out, *o, column, width);
    else
      out += line + '\n';
  }
  return out;
}

std::string version_text(std::string_view tool) {
  return fmt::format(
      "{} (snap) {}\n"
      "Copyright (C) 2026 the snap authors.\n"
      "License MIT: <https://opensource.org/licenses/MIT>.\n"
      "This is free software: you are free to change and redistribute it.\n"
      "There is NO WARRANTY, to the extent permitted by law.\n",
      tool, snap::version());
}

}  // namespace snap::cli
