// What every snap program does the same way: usage errors, --help and
// --version, colour, counts. The help and version text are in cli.cc.
#pragma once

#include <langinfo.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "snap/escape.h"
#include "snap/series.h"
#include "snap/version.h"

namespace snap::cli {

inline constexpr int kTrouble = 2;

/// Prints "TOOL: MESSAGE" (escaped: it may quote an argument) and the
/// --help hint, exits 2.
[[noreturn]] inline void usage_error(std::string_view tool, const std::string& message) {
  std::cerr << tool << ": " << snap::printable(message) << "\nTry '" << tool
            << " --help' for more information.\n";
  std::exit(kTrouble);
}

/// --color[=WHEN]: always and never are what the user asked for, over the
/// environment (no-color.org: NO_COLOR is a default, not a veto); auto
/// colours a terminal, unless NO_COLOR is set and not empty or TERM=dumb.
inline bool want_color(std::string_view tool, const std::string& mode) {
  if (mode != "auto" && mode != "always" && mode != "never")
    usage_error(tool, fmt::format("--color must be auto, always or never, not '{}'", mode));
  if (mode != "auto") return mode == "always";
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  const char* term = std::getenv("TERM");
  if (term && std::string_view(term) == "dumb") return false;
  return ::isatty(STDOUT_FILENO) == 1;
}

/// Whether the terminal takes UTF-8 (sparklines), from the locale.
inline bool utf8_locale() {
  std::setlocale(LC_CTYPE, "");
  const char* cs = nl_langinfo(CODESET);
  return cs && (std::strcmp(cs, "UTF-8") == 0 || std::strcmp(cs, "utf8") == 0);
}

/// The width the tables are fitted to (snap/emit/fit.h): none with --wide;
/// else COLUMNS when it is a positive number; else the terminal's when
/// standard output is one; else none. In a pipe every column comes out
/// unless COLUMNS is set: then it wins, as for ls -C. 0 means no limit.
inline std::size_t output_width(bool wide) {
  if (wide) return 0;
  if (const char* columns = std::getenv("COLUMNS"); columns && *columns) {
    std::size_t n = 0;
    const char* end = columns + std::strlen(columns);
    auto [p, ec] = std::from_chars(columns, end, n);
    if (ec == std::errc() && p == end && n > 0) return n;
  }
  winsize ws{};
  if (::isatty(STDOUT_FILENO) == 1 && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  return 0;
}

/// A non-negative count given as text: Program_options would read "-1" as
/// 2^64-1 through an unsigned type.
inline std::size_t count(std::string_view tool, std::string_view option, const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 18)
    usage_error(tool, fmt::format("--{}: '{}' is not a count", option, text));
  return static_cast<std::size_t>(std::stoull(text));
}

/// "TOOL: FILE:LINE: warning: ..." (without LINE when the warning has none),
/// FILE and the message escaped (snap/escape.h).
inline std::string warning(std::string_view tool, std::string_view file, std::size_t line,
                           std::string_view message) {
  if (line == 0)
    return fmt::format("{}: {}: warning: {}\n", tool, snap::printable(file), snap::printable(message));
  return fmt::format("{}: {}:{}: warning: {}\n", tool, snap::printable(file), line, snap::printable(message));
}

/// "TOOL: MESSAGE\n" with MESSAGE escaped: notes name files and quote
/// what programs wrote.
inline std::string say(std::string_view tool, std::string_view message) {
  return fmt::format("{}: {}\n", tool, snap::printable(message));
}

/// A message of snap/series.h as the tool prints it.
inline std::string say(std::string_view tool, const snap::Message& m) {
  switch (m.kind) {
    case snap::Message::Kind::warning: return warning(tool, m.source, m.line, m.text);
    case snap::Message::Kind::skipped: return fmt::format("{}: {}\n", tool, m.text);
    case snap::Message::Kind::note: break;
  }
  return say(tool, m.text);
}

/// The options as GNU tools list them ("  -n, --top=N   text", long-only
/// options indented as "      --delay=DURATION", an optional value as
/// "--color[=WHEN]"), groups under their captions, descriptions wrapped so
/// that no line is wider than `width`.
std::string format_help(const boost::program_options::options_description& options, std::size_t width = 80);

/// What --version prints, as coreutils does: name, package and version,
/// then the copyright and the licence.
std::string version_text(std::string_view tool);

/// Standard output, checked as coreutils checks it: a write that fails (a
/// full disk, /dev/full, a closed pipe with SIGPIPE ignored) ends the
/// program with "TOOL: write error: REASON" and exit status 2, never with
/// the output silently lost. check_stdout_at_exit names the tool and checks
/// at exit (std::exit, a return from main) what is still buffered;
/// write_stdout writes and fails at once; flush_stdout checks now (before
/// std::_Exit, which skips the check at exit).
void check_stdout_at_exit(std::string_view tool);
void write_stdout(std::string_view text);
void flush_stdout();

struct Help {
  const char* usage;
  const char* about;
  const char* epilog;
};

/// Parses the command line (GNU long options, no abbreviations), answers
/// --help and --version, and turns a Program_options error into a usage
/// error. `shown` must include "help" and "version". Operands (FILE...)
/// go to `files`; without it, an operand is a usage error.
inline boost::program_options::variables_map parse(int argc, char** argv, std::string_view tool,
                                                   const boost::program_options::options_description& shown,
                                                   const Help& help,
                                                   std::vector<std::string>* files = nullptr) {
  namespace po = boost::program_options;
  check_stdout_at_exit(tool);
  po::options_description hidden, all;
  po::positional_options_description pos;
  if (files) {
    hidden.add_options()("file", po::value(files));
    pos.add("file", -1);
  }
  all.add(shown).add(hidden);
  // An option with an optional value ("--color[=WHEN]") takes it only after
  // "=", as GNU tools do: Program_options would take the next word, a file
  // name, as its value. Alone, it is given its implicit value, spelled out:
  // an option left without one would still take the next operand.
  auto optional_value_alone = [&shown](std::vector<std::string>& words) {
    std::vector<po::option> found;
    if (words.empty() || !words.front().starts_with("--")) return found;
    for (const auto& o : shown.options())
      if (o->semantic()->min_tokens() == 0 && o->semantic()->max_tokens() == 1 &&
          words.front() == "--" + o->long_name()) {
        po::option option;
        option.string_key = o->long_name();
        option.original_tokens.push_back(words.front());
        const std::string name = o->semantic()->name();  // "[=WHEN(=always)]"
        const std::size_t from = name.find("(="), to = name.find(')', from);
        if (from != std::string::npos && to != std::string::npos)
          option.value.push_back(name.substr(from + 2, to - from - 2));
        found.push_back(option);
        words.erase(words.begin());
        break;
      }
    return found;
  };
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv)
                  .options(all)
                  .positional(pos)
                  .extra_style_parser(optional_value_alone)
                  .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
                  .run(),
              vm);
    po::notify(vm);
  } catch (const po::error& e) {
    usage_error(tool, e.what());
  }
  if (vm.count("help")) {
    write_stdout(std::string(help.usage) + help.about + '\n' + format_help(shown) + help.epilog);
    std::exit(0);
  }
  if (vm.count("version")) {
    write_stdout(version_text(tool));
    std::exit(0);
  }
  return vm;
}

}  // namespace snap::cli
