// --help in GNU layout (tools/cli.cc): the formatter on options of every
// shape, then each tool's real --help: every option line in the GNU form,
// no line past 80 columns, and every long option found by bash-completion's
// generic completer (_parse_help), which Boost's "-n [ --top ] N" defeats.
#include <doctest/doctest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cli.h"
#include "run_tool.h"

namespace po = boost::program_options;
using snap::test::run_tool;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// Columns a line takes: UTF-8 continuation bytes take none.
std::size_t columns(const std::string& line) {
  return static_cast<std::size_t>(
      std::count_if(line.begin(), line.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

/// What bash-completion's _parse_help (with __parse_options) offers for a
/// --help text: on each line that starts with a dash, the arguments of short
/// options are dropped ("-f FOO, --foo=FOO" becomes "-f , --foo=FOO"), then
/// the first long option among the leading dash words is taken (the first
/// short one when there is none), cut after "=" or before "[".
std::set<std::string> parse_help(const std::string& help) {
  static const std::regex dashed(R"(^[ \t]*-.*)");
  static const std::regex short_arg(R"(((^|[^-])-[A-Za-z0-9?][ \t]+)\[?[A-Z0-9]+([,_-]+[A-Z0-9]+)?(\.\.+)?\]?)");
  static const std::regex cut(R"(-[^=\[]+=?)");
  std::set<std::string> found;
  for (std::string line : lines_of(help)) {
    if (!std::regex_match(line, dashed)) continue;
    for (std::smatch m; std::regex_search(line, m, short_arg);) {
      const std::string whole = m[0], keep = m[1];
      line.replace(static_cast<std::size_t>(m.position(0)), whole.size(), keep);
    }
    for (std::size_t at; (at = line.find(" or ")) != std::string::npos;) line.replace(at, 4, ", ");
    std::string option;
    std::string word;
    std::istringstream words(line);
    std::vector<std::string> tokens;
    for (char c; words.get(c);) {
      if (c == ' ' || c == '\t' || c == ',' || c == '/' || c == '|') {
        if (!word.empty()) tokens.push_back(word);
        word.clear();
      } else {
        word += c;
      }
    }
    if (!word.empty()) tokens.push_back(word);
    for (const std::string& t : tokens) {
      if (t.starts_with("---")) break;
      if (t.starts_with("--") && t.size() > 2) {
        option = t;
        break;
      }
      if (t.starts_with("-") && t.size() > 1) {
        if (option.empty()) option = t;
        continue;
      }
      break;
    }
    std::smatch m;
    if (!option.empty() && std::regex_search(option, m, cut)) found.insert(m[0]);
  }
  return found;
}

/// The long options of the help's option lines, as a reader sees them.
std::set<std::string> listed(const std::string& help) {
  static const std::regex option(R"(^(  -[A-Za-z0-9], |      )(--[A-Za-z0-9][A-Za-z0-9-]*).*)");
  std::set<std::string> names;
  for (const std::string& line : lines_of(help)) {
    std::smatch m;
    if (std::regex_match(line, m, option)) names.insert(m[2]);
  }
  return names;
}

/// Checks the GNU layout of `help`: each line beginning with 1 to 6 blanks
/// and a dash is "  -x, --name[=ARG]" or "      --name[=ARG]" (or "[=ARG]"),
/// then its text from one column; no line is wider than 80 columns; at
/// least `options` option lines.
void check_gnu_layout(const std::string& tool, const std::string& help, std::size_t options) {
  static const std::regex gnu(
      R"(^(  -[A-Za-z0-9], |      )--[a-z0-9][a-z0-9-]*(=[A-Z][A-Z_]*|\[=[A-Z][A-Z_]*\])?(( {2,})(\S.*))?$)");
  std::set<std::size_t> text_columns;
  std::size_t option_lines = 0;
  for (const std::string& line : lines_of(help)) {
    INFO(tool << ": \"" << line << '"');
    CHECK(columns(line) <= 80);
    // Option lines are indented; prose may begin with an option at column 0,
    // a description's continuation at its own column.
    const std::size_t indent = line.find_first_not_of(' ');
    if (indent == 0 || indent == std::string::npos || indent > 6 || line[indent] != '-') continue;
    ++option_lines;
    std::smatch m;
    CHECK(std::regex_match(line, m, gnu));
    if (m[5].matched) text_columns.insert(static_cast<std::size_t>(m.position(5)));
  }
  INFO(tool);
  CHECK(option_lines >= options);
  CHECK(text_columns.size() == 1);  // every description starts in one column
}

std::set<std::string> options(std::initializer_list<const char*> names) {
  std::set<std::string> s;
  for (const char* n : names) s.insert(std::string("--") + n);
  return s;
}

void check_tool(const std::string& exe, const std::string& tool, const std::set<std::string>& known) {
  auto r = run_tool(exe, "--help", SNAP_TESTDATA);
  REQUIRE(r.status == 0);
  check_gnu_layout(tool, r.out, known.size());
  const std::set<std::string> lines = listed(r.out), completed = parse_help(r.out);
  INFO(tool);
  // bash-completion finds exactly the options the help lists, short ones
  // through their long names ...
  std::set<std::string> long_completed;
  for (const std::string& o : completed)
    if (o.starts_with("--")) long_completed.insert(o.back() == '=' ? o.substr(0, o.size() - 1) : o);
  CHECK(long_completed == lines);
  CHECK(std::all_of(completed.begin(), completed.end(), [](const std::string& o) { return o.starts_with("--"); }));
  // ... and the help lists every option the tool has (more may come).
  for (const std::string& o : known) {
    INFO(o);
    CHECK(lines.count(o) == 1);
  }
}

}  // namespace

TEST_CASE("format_help: short and long, long only, switches, an optional value, wrapping, groups") {
  std::string a;
  po::options_description main("Options");
  // clang-format off
  main.add_options()
      ("top,n", po::value<std::string>()->value_name("N"), "show at most N findings")
      ("delay", po::value(&a)->value_name("DURATION"), "take the first snapshot after DURATION")
      ("all,a", po::bool_switch(), "also list blocks that did not grow")
      ("json", po::bool_switch(), "the report as JSON")
      ("color", po::value<std::string>()->value_name("WHEN")->implicit_value("always"), "auto, always, never")
      ("fill", po::value<std::string>()->value_name("X")->default_value("1"), "a default Boost would show")
      ("a-very-long-option-name,L", po::value<std::string>()->value_name("VALUE"), "its text on a line of its own")
      ("wrap", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen")
      ("help", "print this help and exit");
  // clang-format on
  po::options_description gdb("Handing the growing blocks to gdb");
  gdb.add_options()("gdb", po::value<std::string>()->value_name("FILE"), "write a gdb command file");
  main.add(gdb);
  // Descriptions start at column 30: the widest option is wider.
  auto row = [](std::string left, const std::string& text) {
    left.resize(30, ' ');
    return left + text + "\n";
  };
  const std::string indent(30, ' ');
  CHECK(snap::cli::format_help(main) ==
        "Options:\n" + row("  -n, --top=N", "show at most N findings") +
            row("      --delay=DURATION", "take the first snapshot after DURATION") +
            row("  -a, --all", "also list blocks that did not grow") + row("      --json", "the report as JSON") +
            row("      --color[=WHEN]", "auto, always, never") + row("      --fill=X", "a default Boost would show") +
            "  -L, --a-very-long-option-name=VALUE\n" + indent + "its text on a line of its own\n" +
            row("      --wrap", "one two three four five six seven eight nine ten") + indent +
            "eleven twelve thirteen fourteen fifteen sixteen\n" + row("      --help", "print this help and exit") +
            "\nHanding the growing blocks to gdb:\n" + row("      --gdb=FILE", "write a gdb command file"));
  // The widest option sets the column, up to 30.
  po::options_description narrow;
  narrow.add_options()("quiet,q", "no status line")("out,o", po::value<std::string>()->value_name("DIR"), "where");
  CHECK(snap::cli::format_help(narrow) ==
        "  -q, --quiet    no status line\n"
        "  -o, --out=DIR  where\n");
  // bash-completion reads each of them.
  CHECK(parse_help(snap::cli::format_help(main)) ==
        std::set<std::string>{"--top=", "--delay=", "--all", "--json", "--color", "--fill=",
                              "--a-very-long-option-name=", "--wrap", "--help", "--gdb="});
}

TEST_CASE("parse_help, as bash-completion reads Boost's layout: the long names of short options are lost") {
  po::options_description boost_layout("Options");
  boost_layout.add_options()("top,n", po::value<std::string>()->value_name("N"), "show")("json", "as JSON");
  std::ostringstream out;
  out << boost_layout;
  CHECK(parse_help(out.str()) == std::set<std::string>{"-n", "--json"});
}

TEST_CASE("--version as coreutils prints it") {
  CHECK(snap::cli::version_text("snapdiff") ==
        "snapdiff (snap) " + std::string(snap::version()) +
            "\n"
            "Copyright (C) 2026 the snap authors.\n"
            "License MIT: <https://opensource.org/licenses/MIT>.\n"
            "This is free software: you are free to change and redistribute it.\n"
            "There is NO WARRANTY, to the extent permitted by law.\n");
}

TEST_CASE("snapdiff --help: GNU layout, 80 columns, every option completed") {
  check_tool(SNAPDIFF_EXE, "snapdiff",
             options({"top", "min-growth", "noise-floor", "fail-above", "fail-rate", "sort", "category", "all",
                      "human-readable", "json", "csv", "color", "input-format", "skip-bad", "nmt", "help", "version",
                      "interval", "limit", "max-map-count", "skip", "since", "gdb", "dump-dir", "dump", "max-dump",
                      "ranges", "pid"}));
}

TEST_CASE("snapshow --help: GNU layout, 80 columns, every option completed") {
  check_tool(SNAPSHOW_EXE, "snapshow",
             options({"top", "sort", "human-readable", "json", "csv", "color", "input-format", "nmt", "help",
                      "version"}));
}

TEST_CASE("snapcollect --help: GNU layout, 80 columns, every option completed") {
  check_tool(SNAPCOLLECT_EXE, "snapcollect",
             options({"pid", "interval", "count", "duration", "delay", "out", "format", "jcmd", "quiet", "help",
                      "version"}));
}

TEST_CASE("snapinspect --help: GNU layout, 80 columns, every option completed") {
  check_tool(SNAPINSPECT_EXE, "snapinspect", options({"pid", "max-read", "top", "min-string", "json", "help", "version"}));
}
