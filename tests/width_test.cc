// Output that fits the terminal (snap/emit/fit.h, cli.h's output_width), and
// one unit style an output: the tools run on real captures with COLUMNS, with
// --wide, in a pipe, and on a pseudo-terminal of a known width.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <clocale>
#include <cstdlib>
#include <cwchar>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "run_tool.h"
#include "snap/emit/fit.h"
#include "testdata.h"

namespace fs = std::filesystem;

namespace {

/// Display columns of UTF-8 `text`, as a terminal counts them (wcwidth).
std::size_t columns(const std::string& text) {
  static const bool utf8 = std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr;
  REQUIRE(utf8);
  std::mbstate_t state{};
  std::size_t n = 0;
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    wchar_t wc = 0;
    const std::size_t len = std::mbrtowc(&wc, p, static_cast<std::size_t>(end - p), &state);
    REQUIRE_MESSAGE(len != static_cast<std::size_t>(-1), "invalid UTF-8 in: " << text);
    REQUIRE(len != static_cast<std::size_t>(-2));
    const int w = ::wcwidth(wc);
    n += w > 0 ? static_cast<std::size_t>(w) : 0;
    p += len == 0 ? 1 : len;
  }
  return n;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

/// The words of `text` that are numbers or sizes ("+8960K", "10504K",
/// "+1.2M/s", "52.0%", "0x5a5a..."), without the brackets around them.
std::set<std::string> numbers(const std::string& text) {
  static const std::regex number(R"(^[+-]?[0-9][0-9.]*([KMGTPEB]|[KMGTPEB]?/(s|min|h|snapshot)|%)?$|^0x[0-9a-f]+$)");
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) {
    while (!w.empty() && std::string_view("(\"").find(w.front()) != std::string_view::npos) w.erase(0, 1);
    while (!w.empty() && std::string_view(")\",;:").find(w.back()) != std::string_view::npos) w.pop_back();
    if (std::regex_match(w, number)) out.insert(w);
  }
  return out;
}

struct Tool {
  const char* exe;
  const char* args;  // shell words, run in testdata/
};

// Tables of every kind: the two-snapshot report (with links, NMT, --all,
// hostile names), the trend (populations, folded members), the summary, the
// inspection of a core.
const Tool kTables[] = {
    {SNAPDIFF_EXE, "c-malloc-leak/smaps.01 c-malloc-leak/smaps.08"},
    {SNAPDIFF_EXE, "thread-leak"},
    {SNAPDIFF_EXE, "file-mmap-leak"},
    {SNAPDIFF_EXE, "c-malloc-leak"},
    {SNAPDIFF_EXE, "--all file-mmap-leak/smaps.01 file-mmap-leak/smaps.08"},
    {SNAPDIFF_EXE, "jvm-inflater-leak/smaps.01 jvm-inflater-leak/smaps.08"},
    {SNAPDIFF_EXE, "jvm-direct-buffers/detail"},
    {SNAPDIFF_EXE, "hostile-names"},
    {SNAPSHOW_EXE, "c-malloc-leak/smaps.08"},
    {SNAPSHOW_EXE, "--nmt jvm-inflater-leak/nmt-detail.08 jvm-inflater-leak/smaps.08"},
    {SNAPINSPECT_EXE, "core/core.tiny 0x555667690000-0x5556676b1000 0x7ffbdddd2000-0x7ffbdddd7000"},
};

snap::test::Run run(const Tool& t, const std::string& env, const std::string& extra = "") {
  return snap::test::run_tool(t.exe, extra + " " + t.args, snap::test::path(""), "NO_COLOR=1 " + env);
}

/// `exe args` in testdata/ with standard output a pseudo-terminal `cols`
/// wide, `env` ("NAME=VALUE" words) set; what it wrote, '\r' taken out.
std::string on_terminal(const char* exe, const std::vector<std::string>& args, unsigned short cols,
                        const std::vector<std::string>& env, int& status) {
  int master = -1, slave = -1;
  winsize ws{};
  ws.ws_col = cols;
  ws.ws_row = 50;
  REQUIRE(::openpty(&master, &slave, nullptr, nullptr, &ws) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setsid();
    ::dup2(slave, STDOUT_FILENO);
    const int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, STDIN_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::close(master);
    ::close(slave);
    if (::chdir(SNAP_TESTDATA) != 0) ::_exit(126);
    ::unsetenv("COLUMNS");
    for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv{const_cast<char*>(exe)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe, argv.data());
    ::_exit(127);
  }
  ::close(slave);
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;  // EIO: the terminal's last writer has gone
  }
  ::close(master);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  std::erase(out, '\r');  // the terminal's ONLCR
  return out;
}

}  // namespace

TEST_CASE("shorten_left keeps a name's end behind an ellipsis, never splitting a character") {
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  CHECK(snap::shorten_left(libc, 40, true) == libc);
  CHECK(snap::shorten_left(libc, libc.size(), true) == libc);
  CHECK(snap::shorten_left(libc, 12, true) == "\u2026u/libc.so.6");
  CHECK(snap::shorten_left(libc, 12, false) == "...libc.so.6");
  CHECK(snap::shorten_left("ab\u2581\u2582\u2583", 3, true) == "\u2026\u2582\u2583");
  // The kept start ("since 5/8: ") stays whole while there is room for it.
  CHECK(snap::shorten_left("since 5/8: " + libc, 24, true, 11) == "since 5/8: \u2026nu/libc.so.6");
  CHECK(snap::shorten_left("since 5/8: " + libc, 11, true, 11) == "\u2026/libc.so.6");
}

TEST_CASE("fit_table drops columns in their order, then shortens the last from the left") {
  const std::vector<snap::FitColumn> cols = {{true, 0}, {true, 2}, {false, 1}, {false, 0}};
  const std::vector<snap::FitRow> rows = {{{"SIZE", "BEFORE", "RANGE", "NAME"}, 0, false},
                                          {{"+8960K", "1544K", "55c69e02f000-55c69ea91000", "[heap]"}, 0, false},
                                          {{"+2304K", "388K", "7fcd80000000-7fcd84000000",
                                            "/usr/lib/x86_64-linux-gnu/libc.so.6"},
                                           0,
                                           false}};
  const auto whole = snap::fit_table(cols, rows, {0, true, true});
  CHECK(whole[1] == "+8960K   1544K  55c69e02f000-55c69ea91000  [heap]");
  // 80: everything fits.
  CHECK(snap::fit_table(cols, rows, {80, true, true}) == whole);
  // 60: RANGE (drop 1) goes before BEFORE (drop 2); the name is whole again.
  const auto at60 = snap::fit_table(cols, rows, {60, true, true});
  CHECK(at60[0] == "  SIZE  BEFORE  NAME");
  CHECK(at60[2] == "+2304K    388K  /usr/lib/x86_64-linux-gnu/libc.so.6");
  // 30: both go, then the name is cut from the left to the 22 columns left.
  const auto at30 = snap::fit_table(cols, rows, {30, true, true});
  CHECK(at30[1] == "+8960K  [heap]");
  CHECK(at30[2] == "+2304K  \u20264-linux-gnu/libc.so.6");
  CHECK(columns(at30[2]) == 30);
  // 10: numbers are never cut; the name keeps 8 columns however narrow.
  CHECK(snap::fit_table(cols, rows, {10, false, true})[2] == "+2304K  ....so.6");
}

TEST_CASE("wrap_lines breaks prose between words, never inside one, colour taking no columns") {
  std::string text = "keep\nranked steady first, by Rss rate; growth below 64K is flat\n";
  snap::wrap_lines(text, 5, 30);
  CHECK(text == "keep\nranked steady first, by Rss\n  rate; growth below 64K is\n  flat\n");
  std::string word = "/a/very/long/path/that/has/no/blank\n";
  snap::wrap_lines(word, 0, 10);
  CHECK(word == "/a/very/long/path/that/has/no/blank\n");
  std::string painted = "3 blocks grew, by \x1b[31m+13504K\x1b[0m Rss\n";
  std::string copy = painted;
  snap::wrap_lines(painted, 0, 30);  // 30 columns without the colour codes
  CHECK(painted == copy);
}

TEST_CASE("COLUMNS=80: every line in 80 display columns, numbers whole, names cut from the left") {
  for (const Tool& t : kTables) {
    const std::string args = t.args;
    CAPTURE(args);
    const auto full = run(t, "LC_ALL=C.UTF-8");
    const auto fit = run(t, "LC_ALL=C.UTF-8 COLUMNS=80");
    CHECK(fit.status == full.status);
    REQUIRE(!fit.out.empty());
    for (const std::string& line : lines_of(fit.out)) {
      CAPTURE(line);
      CHECK(columns(line) <= 80);
    }
    // Each number of the fitted output is a whole number of the full one.
    const std::set<std::string> whole = numbers(full.out);
    for (const std::string& n : numbers(fit.out)) {
      CAPTURE(n);
      CHECK(whole.count(n) == 1);
    }
    // A shortened name is the end of a name of the full output.
    for (const std::string& line : lines_of(fit.out)) {
      const std::size_t e = line.find("\u2026");
      if (e == std::string::npos) continue;
      const std::string end = line.substr(e + 3);
      CAPTURE(line);
      bool found = false;
      for (const std::string& f : lines_of(full.out))
        found = found || (f.size() > line.size() && f.find(end) != std::string::npos);
      CHECK(found);
    }
  }
}

TEST_CASE("COLUMNS=80 on c-malloc-leak: the heap's +8960K first, libc's path ends in libc.so.6") {
  const auto diff = run(kTables[0], "LC_ALL=C.UTF-8 COLUMNS=80");
  const auto lines = lines_of(diff.out);
  REQUIRE(lines.size() > 5);
  CHECK(lines[4] == "Rss+/-   AFTER  STATUS  CATEGORY  RANGE                      NAME");
  CHECK(lines[5] == "+8960K  10504K  grown   heap      55c69e02f000-55c69ea91000  [heap]");

  const auto show = run(kTables[8], "LC_ALL=C.UTF-8 COLUMNS=80");
  CHECK(show.out.find(" 1368K   1048K  file      7fcd85618000-7fcd8576e000  \u2026x86_64-linux-gnu/libc.so.6\n") !=
        std::string::npos);
  // Outside UTF-8 the ellipsis is ASCII, three columns.
  const auto ascii = run(kTables[8], "LC_ALL=C COLUMNS=80");
  CHECK(ascii.out.find(" 1368K   1048K  file      7fcd85618000-7fcd8576e000  ...6_64-linux-gnu/libc.so.6\n") !=
        std::string::npos);
  CHECK(ascii.out.find("\u2026") == std::string::npos);
}

TEST_CASE("--wide, -w and a COLUMNS that is no positive number: the full output, byte for byte") {
  for (const Tool& t : kTables) {
    const std::string args = t.args;
    CAPTURE(args);
    const auto full = run(t, "LC_ALL=C.UTF-8");
    const auto fit = run(t, "LC_ALL=C.UTF-8 COLUMNS=80");
    const auto wide = run(t, "LC_ALL=C.UTF-8 COLUMNS=80", "--wide");
    const auto w = run(t, "LC_ALL=C.UTF-8 COLUMNS=40", "-w");
    CHECK(fit.out != full.out);  // else this case would prove nothing
    CHECK(wide.out == full.out);
    CHECK(w.out == full.out);
    CHECK(wide.status == full.status);
    for (const char* ignored : {"COLUMNS=", "COLUMNS=0", "COLUMNS=-80", "COLUMNS=80x", "COLUMNS=abc"}) {
      CAPTURE(ignored);
      CHECK(run(t, std::string("LC_ALL=C.UTF-8 ") + ignored).out == full.out);
    }
  }
}

TEST_CASE("a terminal 70 columns wide: fitted as COLUMNS=70 fits it; COLUMNS wins over the terminal") {
  const std::vector<std::string> args = {"c-malloc-leak/smaps.01", "c-malloc-leak/smaps.08"};
  const std::vector<std::string> env = {"NO_COLOR=1", "LC_ALL=C.UTF-8"};
  int status = -1;
  const std::string tty = on_terminal(SNAPDIFF_EXE, args, 70, env, status);
  CHECK(status == 1);
  const auto at70 = run(kTables[0], "LC_ALL=C.UTF-8 COLUMNS=70");
  const auto full = run(kTables[0], "LC_ALL=C.UTF-8");
  CHECK(tty == at70.out);
  CHECK(tty != full.out);
  for (const std::string& line : lines_of(tty)) {
    CAPTURE(line);
    CHECK(columns(line) <= 70);
  }
  std::vector<std::string> wider = env;
  wider.push_back("COLUMNS=200");
  CHECK(on_terminal(SNAPDIFF_EXE, args, 70, wider, status) == full.out);
  std::vector<std::string> wide = args;
  wide.insert(wide.begin(), "--wide");
  CHECK(on_terminal(SNAPDIFF_EXE, wide, 70, env, status) == full.out);
  const std::string show = on_terminal(SNAPSHOW_EXE, {"c-malloc-leak/smaps.08"}, 70, env, status);
  CHECK(status == 0);
  CHECK(show == run(kTables[8], "LC_ALL=C.UTF-8 COLUMNS=70").out);
}

TEST_CASE("one unit style an output: K (or -h's M, G) and rates as +1.8M/s, never KiB, MiB, GiB or kB") {
  static const std::regex iec(R"([0-9] ?(KiB|MiB|GiB|TiB|PiB|kB)\b|[0-9] B/)");
  static const std::regex pmap_k(R"([0-9]K\b)");
  static const std::regex human(R"([0-9][KMG]\b)");
  auto check = [](const snap::test::Run& r, const std::regex& style) {
    CHECK(r.status <= 1);
    CHECK(!std::regex_search(r.out, iec));
    CHECK(std::regex_search(r.out, style));
  };
  std::size_t runs = 0;
  for (const auto& e : fs::recursive_directory_iterator(SNAP_TESTDATA)) {
    if (!e.is_directory()) continue;
    const std::string dir = fs::relative(e.path(), SNAP_TESTDATA).string();
    const auto text = snap::test::run_tool(SNAPDIFF_EXE, "'" + dir + "'", snap::test::path(""), "NO_COLOR=1");
    if (text.status > 1) continue;  // not a series
    CAPTURE(dir);
    check(text, pmap_k);
    check(snap::test::run_tool(SNAPDIFF_EXE, "-h --all '" + dir + "'", snap::test::path(""), "NO_COLOR=1"), human);
    std::vector<fs::path> smaps;
    for (const auto& f : fs::directory_iterator(e.path()))
      if (f.path().filename().string().starts_with("smaps.")) smaps.push_back(f.path());
    std::sort(smaps.begin(), smaps.end());
    if (smaps.size() >= 2) {
      const std::string pair = "'" + smaps.front().string() + "' '" + smaps.back().string() + "'";
      check(snap::test::run_tool(SNAPDIFF_EXE, pair, "/", "NO_COLOR=1"), pmap_k);
      check(snap::test::run_tool(SNAPSHOW_EXE, "'" + smaps.back().string() + "'", "/", "NO_COLOR=1"), pmap_k);
      check(snap::test::run_tool(SNAPSHOW_EXE, "-h '" + smaps.back().string() + "'", "/", "NO_COLOR=1"), human);
    }
    ++runs;
  }
  CHECK(runs >= 10);  // the series of testdata/, not a handful

  // The projection to --limit, and --fail-rate's verdict on stderr.
  const auto limit = snap::test::run_tool(SNAPDIFF_EXE, "--limit 1G c-malloc-leak", snap::test::path(""), "NO_COLOR=1");
  CHECK(limit.out.find("Rss +1.8M/s: reaches --limit (1048576K) in about 9m10s") != std::string::npos);
  const auto gate =
      snap::test::run_tool(SNAPDIFF_EXE, "--fail-rate 1M/s c-malloc-leak", snap::test::path(""), "NO_COLOR=1");
  CHECK(gate.status == 1);
  CHECK(!std::regex_search(gate.err, iec));
  CHECK(gate.err.find("M/s") != std::string::npos);

  // snapinspect: sizes as -h writes them.
  const auto inspect = run(kTables[10], "LC_ALL=C.UTF-8");
  CHECK(inspect.status == 0);
  CHECK(!std::regex_search(inspect.out, iec));
  CHECK(inspect.out.find("0x555667690000-0x5556676b1000 (132K) in anonymous (rw-p)") != std::string::npos);
}
