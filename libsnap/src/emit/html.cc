#include <algorithm>
#include <array>
#include <cmath>
#include <ctime>
#include <iterator>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "html_page.h"
#include "snap/escape.h"
#include "snap/size.h"
#include "snap/version.h"

namespace snap {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace html {
namespace {

// The plot area inside each SVG, in its own units (the SVG scales to the
// page's width).
constexpr double kWidth = 960, kHeight = 300;
constexpr double kLeft = 84, kRight = 16, kTop = 14, kBottom = 34;

constexpr std::string_view kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1100px;padding:0 1em;color:#222;background:#fff}
h1{font-size:1.4em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em}
p.meta{color:#555;margin:.2em 0}
figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}
svg.chart{width:100%;height:auto;background:#fcfcfc;border:1px solid #ddd}
svg.chart text{font-size:11px;fill:#444}
svg.chart .grid{stroke:#e4e4e4}svg.chart .axis{stroke:#888}
svg.chart path.series:not(.area){fill:none;stroke-width:2}
svg.chart path.area{stroke-width:.5;stroke:#fff;opacity:.85}
svg.chart path.series:hover,svg.chart rect.series:hover{stroke-width:3.5;opacity:1}
svg.chart .dash{stroke:#c0392b;stroke-dasharray:6 4;fill:none;stroke-width:1.5}
svg.chart .rule{stroke:#999;stroke-dasharray:2 2;visibility:hidden}
ul.legend{list-style:none;padding:0;margin:.3em 0;display:flex;flex-wrap:wrap;gap:.3em 1.2em;font-size:.9em}
ul.legend span.sw{display:inline-block;width:.9em;height:.9em;margin-right:.35em;vertical-align:-.1em}
table{border-collapse:collapse;font-size:.88em;width:100%}
th,td{border-bottom:1px solid #e2e2e2;padding:.3em .45em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;white-space:nowrap}
td.range,code{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace;font-size:.95em}
pre.dump{margin:0;white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.2em .4em;cursor:copy;font-size:.85em}
.verdict-steady,.verdict-emerging{color:#b03a2e;font-weight:600}
#tip{position:fixed;pointer-events:none;background:rgba(255,255,255,.96);border:1px solid #999;padding:.35em .5em;font-size:12px;display:none;white-space:pre;box-shadow:0 1px 4px rgba(0,0,0,.2)}
)";

// The hover: the nearest snapshot's numbers of every series of the chart
// under the pointer, from the JSON beside it; text only (textContent),
// never markup. A click on a gdb line selects it for copying.
constexpr std::string_view kScript = R"(
(function(){
  var tip=document.getElementById('tip');
  function iec(v,b){if(!b)return String(Math.round(v));var u=['B','KiB','MiB','GiB','TiB','PiB'],a=Math.abs(v),i=0;
    while(a>=1024&&i<u.length-1){a/=1024;i++;}return (v<0?'-':'')+(i==0?a.toFixed(0):a<9.95?a.toFixed(1):a.toFixed(0))+' '+u[i];}
  document.querySelectorAll('svg.chart[data-points]').forEach(function(svg){
    var d=JSON.parse(document.getElementById(svg.getAttribute('data-points')).textContent);
    var rule=svg.querySelector('.rule');
    svg.addEventListener('mousemove',function(e){
      var r=svg.getBoundingClientRect(),x=(e.clientX-r.left)*svg.viewBox.baseVal.width/r.width,k=0;
      for(var i=1;i<d.px.length;i++)if(Math.abs(d.px[i]-x)<Math.abs(d.px[k]-x))k=i;
      var t=d.x[k];for(var j=0;j<d.s.length;j++)t+='\n'+d.s[j].n+': '+iec(d.s[j].v[k],d.bytes);
      tip.textContent=t;tip.style.display='block';tip.style.left=(e.clientX+14)+'px';tip.style.top=(e.clientY+14)+'px';
      if(rule){rule.setAttribute('x1',d.px[k]);rule.setAttribute('x2',d.px[k]);rule.style.visibility='visible';}
    });
    svg.addEventListener('mouseleave',function(){tip.style.display='none';if(rule)rule.style.visibility='hidden';});
  });
  document.querySelectorAll('pre.dump').forEach(function(p){p.addEventListener('click',function(){
    var s=window.getSelection(),g=document.createRange();g.selectNodeContents(p);s.removeAllRanges();s.addRange(g);});});
})();
)";

constexpr std::string_view kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                         "#e377c2", "#17becf", "#bcbd22", "#393b79", "#637939", "#843c39",
                                         "#7b4173", "#3182bd", "#e6550d", "#31a354"};
constexpr std::string_view kOther = "#9a9a9a";

// A value as the axis and the legend write it.
std::string amount(double v, bool bytes) {
  return bytes ? format_iec(v) : fmt::format("{:.0f}", v);
}

// Ticks at 1, 2 or 5 times a power of ten (of 1024 for bytes past 1 KiB),
// about `n` of them over [lo, hi].
std::vector<double> ticks(double lo, double hi, int n, bool bytes) {
  std::vector<double> out;
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / n;
  double base = 1;
  if (bytes && raw >= 1024) {
    while (base * 1024 <= raw) base *= 1024;
  } else {
    base = std::pow(10.0, std::floor(std::log10(raw)));
    base = std::max(base, 1.0);  // counts and seconds: whole numbers
  }
  double step = base;
  for (double m : {1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0})
    if (base * m >= raw) {
      step = base * m;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9 && out.size() < 50; t += step) out.push_back(t);
  return out;
}

// The y axis' labels. format_iec's two or three digits cannot tell apart
// ticks close together far from zero (a 33 GiB process that moved by
// 300 MiB: five ticks all "33 GiB"); then every tick is written in the
// unit of the largest with as many decimals as it takes to differ.
std::vector<std::string> tick_labels(const std::vector<double>& ts, bool bytes) {
  std::vector<std::string> out;
  for (double t : ts) out.push_back(amount(t, bytes));
  if (!bytes || std::adjacent_find(out.begin(), out.end()) == out.end()) return out;
  static constexpr std::array<std::string_view, 6> kUnits = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  double top = 0;
  for (double t : ts) top = std::max(top, std::abs(t));
  std::size_t u = 0;
  double scale = 1;
  while (top / scale >= 1024 && u + 1 < kUnits.size()) {
    scale *= 1024;
    ++u;
  }
  for (int decimals = 1; decimals <= 6; ++decimals) {
    out.clear();
    for (double t : ts) out.push_back(fmt::format("{:.{}f} {}", t / scale, decimals, kUnits[u]));
    if (std::adjacent_find(out.begin(), out.end()) == out.end()) break;
  }
  return out;
}

std::string wall_label(std::int64_t epoch_ms, bool with_date) {
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  if (with_date)
    return fmt::format("{:02}-{:02} {:02}:{:02}", tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
  return fmt::format("{:02}:{:02}:{:02}", tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string x_label(const Axis& a, double x, double span) {
  if (a.epoch_ms0) return wall_label(*a.epoch_ms0 + std::llround(x * 1000), span > 86400);
  if (a.seconds) return "+" + format_duration(x);
  return fmt::format("#{:.0f}", x + 1);
}

// JSON inside a <script> element: "</" and "<!--" must not appear, so
// every '<' (only ever inside a string) is written as \u003c.
std::string script_json(const nlohmann::ordered_json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (c == '<')
      out += "\\u003c";
    else
      out += c;
  }
  return out;
}

// The first `n` bytes of UTF-8 `s` and its last `n`, each cut at a
// character boundary, joined by "...": a long name that still fits.
std::string shortened(const std::string& s, std::size_t n) {
  if (s.size() <= 2 * n + 3) return s;
  auto continuation = [&](std::size_t i) { return (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80; };
  std::size_t head = n, tail = s.size() - n;
  while (head > 0 && continuation(head)) --head;
  while (tail < s.size() && continuation(tail)) ++tail;
  return s.substr(0, head) + "..." + s.substr(tail);
}

std::string coord(double v) {
  return fmt::format("{:.1f}", v);
}

}  // namespace

std::string text(std::string_view raw) {
  return html_escape(printable(raw));
}

std::string_view colour(std::size_t i) {
  return kPalette[i % std::size(kPalette)];
}

std::string signed_iec(double v) {
  return (v < 0 ? "" : "+") + format_iec(v);
}

std::vector<std::size_t> sample_points(std::size_t n, std::size_t max_points) {
  std::vector<std::size_t> out;
  if (n == 0) return out;
  max_points = std::max<std::size_t>(max_points, 2);
  if (n <= max_points) {
    for (std::size_t i = 0; i < n; ++i) out.push_back(i);
    return out;
  }
  for (std::size_t k = 0; k < max_points; ++k) {
    const std::size_t i = k * (n - 1) / (max_points - 1);
    if (out.empty() || out.back() != i) out.push_back(i);
  }
  return out;
}

std::string page_head(std::string_view title) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"generator\" content=\"snapdiff " + html_escape(version()) + "\">\n";
  out += "<title>" + text(title) + "</title>\n<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n";
  return out;
}

std::string page_tail(std::string_view command_line) {
  std::string out = "<div id=\"tip\"></div>\n";
  out += "<p class=\"meta\">Made by snapdiff " + html_escape(version());
  if (!command_line.empty()) out += ": <code>" + text(command_line) + "</code>";
  out += "</p>\n<script>" + std::string(kScript) + "</script>\n</body>\n</html>\n";
  return out;
}

std::string line_chart(const LineChart& c, const Axis& axis) {
  std::string out;
  auto it = std::back_inserter(out);
  const std::size_t n = axis.x.size();
  if (n == 0) return out;
  // The y range of what is drawn: stacked areas add up.
  std::vector<double> top(n, 0.0);
  double lo = c.stacked || c.from_zero ? 0 : INFINITY, hi = -INFINITY;
  for (const Line& l : c.lines)
    for (std::size_t i = 0; i < n && i < l.y.size(); ++i) {
      if (c.stacked) {
        top[i] += l.y[i];
        hi = std::max(hi, top[i]);
      } else {
        lo = std::min(lo, l.y[i]);
        hi = std::max(hi, l.y[i]);
      }
    }
  double x_lo = axis.x.front(), x_hi = axis.x.back();
  for (const Dash& d : c.dashes) {
    x_hi = std::max(x_hi, d.x1);
    lo = std::min(lo, d.y1);
    hi = std::max(hi, d.y1);
    if (std::isfinite(d.limit)) {
      lo = std::min(lo, d.limit);
      hi = std::max(hi, d.limit);
    }
  }
  if (!std::isfinite(lo)) lo = 0;
  if (!std::isfinite(hi)) hi = lo + 1;
  if (hi <= lo) hi = lo + (c.bytes ? 4096 : 1);
  const double pad = (hi - lo) * 0.04;
  if (!(c.stacked || c.from_zero) || lo < 0) lo -= pad;
  hi += pad;
  if (x_hi <= x_lo) x_hi = x_lo + 1;
  auto px = [&](double x) { return kLeft + (x - x_lo) / (x_hi - x_lo) * (kWidth - kLeft - kRight); };
  auto py = [&](double y) { return kHeight - kBottom - (y - lo) / (hi - lo) * (kHeight - kTop - kBottom); };

  const std::string data_id = "points-" + c.id;
  out += "<figure>\n<figcaption>" + text(c.caption) + "</figcaption>\n";
  fmt::format_to(it,
                 "<svg class=\"chart\" id=\"chart-{}\" data-points=\"{}\" viewBox=\"0 0 {} {}\" "
                 "role=\"img\">\n",
                 c.id, data_id, kWidth, kHeight);
  // Grid and axes.
  const std::vector<double> yt = ticks(lo, hi, 5, c.bytes);
  const std::vector<std::string> yl = tick_labels(yt, c.bytes);
  for (std::size_t k = 0; k < yt.size(); ++k) {
    const std::string y = coord(py(yt[k]));
    fmt::format_to(it, "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", kLeft, y, kWidth - kRight, y);
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dy=\"4\">{}</text>\n", kLeft - 6, y,
                   html_escape(yl[k]));
  }
  const double span = x_hi - x_lo;
  std::vector<double> xt = ticks(x_lo, x_hi, 6, false);
  if (!axis.seconds) {  // snapshot numbers: whole ones, once each
    for (double& t : xt) t = std::round(t);
    xt.erase(std::unique(xt.begin(), xt.end()), xt.end());
  }
  if (axis.seconds && span >= 120) {  // whole minutes, hours or days
    xt.clear();
    double step = 60;
    for (double s : {60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0,
                     172800.0, 604800.0})
      if (span / s <= 7) {
        step = s;
        break;
      }
    double first = x_lo;
    if (axis.epoch_ms0) {  // on the wall clock's round minutes
      const double e0 = static_cast<double>(*axis.epoch_ms0) / 1000;
      first = std::ceil((e0 + x_lo) / step) * step - e0;
    } else {
      first = std::ceil(x_lo / step) * step;
    }
    for (double t = first; t <= x_hi && xt.size() < 30; t += step) xt.push_back(t);
  }
  for (double t : xt) {
    const std::string x = coord(px(t));
    fmt::format_to(it, "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", x, kTop, x, kHeight - kBottom);
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x, kHeight - kBottom + 16,
                   html_escape(x_label(axis, t, span)));
  }
  fmt::format_to(it, "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>", kLeft, kTop,
                 kHeight - kBottom);
  fmt::format_to(it, "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", kLeft,
                 kHeight - kBottom, kWidth - kRight);
  if (axis.epoch_ms0)
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">UTC, from {}</text>\n", kWidth - kRight,
                   kHeight - 4, html_escape(wall_label(*axis.epoch_ms0, true)));

  // The series.
  std::vector<double> base(n, 0.0);
  std::size_t colour_index = 0;
  for (const Line& l : c.lines) {
    const std::string_view col = l.other ? kOther : colour(colour_index++);
    std::string d;
    if (c.stacked) {
      for (std::size_t i = 0; i < n; ++i)
        d += fmt::format("{}{},{}", i ? "L" : "M", coord(px(axis.x[i])), coord(py(base[i] + l.y[i])));
      for (std::size_t i = n; i-- > 0;) d += fmt::format("L{},{}", coord(px(axis.x[i])), coord(py(base[i])));
      d += "Z";
      for (std::size_t i = 0; i < n; ++i) base[i] += l.y[i];
      fmt::format_to(it, "<path class=\"series area\" data-chart=\"{}\" fill=\"{}\" d=\"{}\"><title>{}</title></path>\n",
                     c.id, col, d, text(l.title));
    } else {
      for (std::size_t i = 0; i < n && i < l.y.size(); ++i)
        d += fmt::format("{}{},{}", i ? "L" : "M", coord(px(axis.x[i])), coord(py(l.y[i])));
      fmt::format_to(it, "<path class=\"series\" data-chart=\"{}\" stroke=\"{}\" d=\"{}\"><title>{}</title></path>\n",
                     c.id, col, d, text(l.title));
    }
  }
  for (const Dash& d : c.dashes) {
    fmt::format_to(it, "<path class=\"dash projection\" d=\"M{},{}L{},{}\"><title>{}</title></path>\n",
                   coord(px(d.x0)), coord(py(d.y0)), coord(px(d.x1)), coord(py(d.y1)), text(d.label));
    if (!std::isfinite(d.limit)) continue;
    const std::string y = coord(py(d.limit));
    fmt::format_to(it, "<path class=\"dash limit\" d=\"M{},{}L{},{}\"><title>{}</title></path>", kLeft, y,
                   kWidth - kRight, y, text(d.label));
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" dy=\"-4\" text-anchor=\"end\" style=\"fill:#c0392b\">{}</text>\n",
                   kWidth - kRight - 4, y, text(d.label));
  }
  fmt::format_to(it, "<line class=\"rule\" x1=\"0\" y1=\"{}\" x2=\"0\" y2=\"{}\"/>\n", kTop, kHeight - kBottom);
  out += "</svg>\n<ul class=\"legend\">";
  colour_index = 0;
  for (const Line& l : c.lines) {
    const std::string_view col = l.other ? kOther : colour(colour_index++);
    fmt::format_to(it, "<li title=\"{}\"><span class=\"sw\" style=\"background:{}\"></span>{}</li>", text(l.title), col,
                   text(l.label));
  }
  out += "</ul>\n";
  // What the hover shows: each drawn point's position and every series' value there.
  nlohmann::ordered_json data;
  data["bytes"] = c.bytes;
  nlohmann::ordered_json xs = nlohmann::ordered_json::array(), pxs = nlohmann::ordered_json::array();
  for (double x : axis.x) {
    xs.push_back(x_label(axis, x, 0));
    pxs.push_back(std::round(px(x) * 10) / 10);
  }
  data["x"] = std::move(xs);
  data["px"] = std::move(pxs);
  nlohmann::ordered_json series = nlohmann::ordered_json::array();
  for (const Line& l : c.lines) {
    nlohmann::ordered_json v = nlohmann::ordered_json::array();
    for (double y : l.y) v.push_back(std::llround(y));
    series.push_back({{"n", printable(l.label)}, {"v", std::move(v)}});
  }
  data["s"] = std::move(series);
  out += "<script type=\"application/json\" id=\"" + data_id + "\">" + script_json(data) + "</script>\n</figure>\n";
  return out;
}

std::string bar_chart(std::string_view id, std::string_view caption, const std::vector<Bar>& bars, bool bytes) {
  std::string out;
  auto it = std::back_inserter(out);
  constexpr double kBar = 22, kGap = 6, kLabel = 330, kValue = 90;
  const double height = kTop + static_cast<double>(bars.size()) * (kBar + kGap) + kBottom;
  double hi = 0;
  for (const Bar& b : bars) hi = std::max(hi, b.value);
  if (hi <= 0) hi = 1;
  out += "<figure>\n<figcaption>" + text(caption) + "</figcaption>\n";
  fmt::format_to(it, "<svg class=\"chart bars\" id=\"chart-{}\" viewBox=\"0 0 {} {}\" role=\"img\">\n",
                 id, kWidth, height);
  const double x0 = kLabel, w = kWidth - kLabel - kValue - kRight;
  std::size_t colour_index = 0;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const Bar& b = bars[i];
    const double y = kTop + static_cast<double>(i) * (kBar + kGap);
    const double len = std::max(1.0, std::max(0.0, b.value) / hi * w);
    const std::string_view col = b.other ? kOther : colour(colour_index++);
    const std::string label = shortened(printable(b.label), 24);
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>", x0 - 6, coord(y + kBar * 0.7),
                   html_escape(label));
    fmt::format_to(it, "<rect class=\"series\" data-chart=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                   id, x0, coord(y), coord(len), kBar, col, text(b.title));
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\">{}</text>\n", coord(x0 + len + 6), coord(y + kBar * 0.7),
                   html_escape(bytes ? signed_iec(b.value) : fmt::format("{:+.0f}", b.value)));
  }
  out += "</svg>\n</figure>\n";
  return out;
}

std::string stack_columns(std::string_view id, std::string_view caption, const std::vector<std::string>& categories,
                          const std::vector<StackColumn>& columns) {
  std::string out;
  auto it = std::back_inserter(out);
  constexpr double kColumn = 120, kGap = 80, kChartHeight = 300;
  double hi = 0;
  for (const StackColumn& c : columns) {
    double sum = 0;
    for (double v : c.values) sum += v;
    hi = std::max(hi, sum);
  }
  if (hi <= 0) hi = 1;
  auto py = [&](double y) { return kChartHeight - kBottom - y / hi * (kChartHeight - kTop - kBottom); };
  out += "<figure>\n<figcaption>" + text(caption) + "</figcaption>\n";
  fmt::format_to(it, "<svg class=\"chart\" id=\"chart-{}\" viewBox=\"0 0 {} {}\" role=\"img\">\n",
                 id, kWidth, kChartHeight);
  for (double t : ticks(0, hi, 5, true)) {
    const std::string y = coord(py(t));
    fmt::format_to(it, "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/>", kLeft, y, kWidth - kRight, y);
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" dy=\"4\">{}</text>\n", kLeft - 6, y,
                   html_escape(format_iec(t)));
  }
  for (std::size_t k = 0; k < columns.size(); ++k) {
    const StackColumn& c = columns[k];
    const double x = kLeft + kGap + static_cast<double>(k) * (kColumn + kGap);
    double base = 0;
    for (std::size_t i = 0; i < c.values.size() && i < categories.size(); ++i) {
      if (c.values[i] <= 0) continue;
      fmt::format_to(it, "<rect class=\"series area\" data-chart=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"><title>{}</title></rect>",
                     id, x, coord(py(base + c.values[i])), kColumn, coord(py(base) - py(base + c.values[i])), colour(i),
                     text(fmt::format("{}, {}: {}", c.label, categories[i], format_iec(c.values[i]))));
      base += c.values[i];
    }
    fmt::format_to(it, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", x + kColumn / 2,
                   kChartHeight - kBottom + 16, text(c.label));
  }
  out += "</svg>\n<ul class=\"legend\">";
  for (std::size_t i = 0; i < categories.size(); ++i)
    fmt::format_to(it, "<li><span class=\"sw\" style=\"background:{}\"></span>{}</li>", colour(i), text(categories[i]));
  out += "</ul>\n</figure>\n";
  return out;
}

std::string dump_cell(std::span<const Snapshot> snapshots, const std::vector<const Block*>& blocks,
                      const HtmlOptions& o) {
  if (blocks.empty() || snapshots.empty()) return {};
  const DumpPlan plan = plan_dumps(snapshots, blocks, o.dump);
  if (plan.ranges.empty()) return {};
  std::string line = fmt::format("gdb -p {} -batch", plan.pid ? std::to_string(*plan.pid) : "PID");
  const std::size_t shown = std::min(plan.ranges.size(), std::max<std::size_t>(o.dump_lines, 1));
  for (std::size_t i = 0; i < shown; ++i) {
    const DumpRange& r = plan.ranges[i];
    line += fmt::format(" -ex 'dump memory {} 0x{:x} 0x{:x}'", printable(r.file), r.start, r.end);
  }
  std::string out = "<pre class=\"dump\" title=\"click to select\">" + html_escape(line) + "</pre>";
  if (shown < plan.ranges.size())
    out += fmt::format("<small>and {} more range{} (snapdiff --gdb writes them all)</small>",
                       plan.ranges.size() - shown, plan.ranges.size() - shown == 1 ? "" : "s");
  return out;
}

}  // namespace html
}  // namespace snap
