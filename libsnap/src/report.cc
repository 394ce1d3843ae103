#include "snap/report.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "snap/error.h"

namespace snap {

bool is_growing(const Block& b, Field sort, std::uint64_t min_growth) {
  if (b.status != Status::added && b.status != Status::grown && b.status != Status::replaced) return false;
  std::int64_t d = b.delta(sort);
  return d > 0 && static_cast<std::uint64_t>(d) >= min_growth;
}

DiffReport make_report(std::span<const Snapshot> snapshots, const DiffOptions& options) {
  DiffReport r;
  r.options = options;
  for (const Snapshot& s : snapshots) r.snapshots.push_back(&s);
  r.comparison = compare(snapshots);
  if (!options.nmt.empty()) apply_nmt_categories(r.comparison, snapshots, options.nmt);
  const Comparison& c = r.comparison;

  r.sort = pick_counter(c, snapshots, options.counter, r.sort_note);
  if (!options.nmt.empty()) r.nmt = join_nmt(c, snapshots, r.sort, options.nmt);

  r.floor = options.floor.value_or(noise_floor(c, r.sort));
  const std::uint64_t threshold = GrowthBar{r.floor, options.min_growth}.threshold();

  auto wanted = [&](Category cat) {
    return options.categories.empty() ||
           std::find(options.categories.begin(), options.categories.end(), cat) != options.categories.end();
  };
  // Findings: a link of blocks that grew by one allocation size, or a block.
  std::vector<std::size_t> grew;
  for (std::size_t i = 0; i < c.blocks.size(); ++i)
    if (is_growing(c.blocks[i], r.sort, 0)) grew.push_back(i);
  r.links = link_blocks(c, grew);
  struct Finding {
    std::int64_t growth = 0;
    std::size_t link = kNoLink;
    std::vector<std::size_t> blocks;  // into c.blocks, largest first
  };
  auto by_delta = [&](std::size_t a, std::size_t b) {
    std::int64_t da = c.blocks[a].delta(r.sort), db = c.blocks[b].delta(r.sort);
    if (da != db) return da > db;
    return c.blocks[a].start < c.blocks[b].start;
  };
  std::vector<Finding> growing, others;
  std::vector<bool> in_link(c.blocks.size(), false);
  std::vector<Link> links;
  // Gone blocks by shape: new mappings of one shape that replace as many
  // gone ones (a thread pool renewing its threads) are churn, not growth.
  std::map<std::pair<Category, std::uint64_t>, std::vector<const Block*>> gone;
  for (const Block& b : c.blocks)
    if (b.status == Status::gone)
      gone[{b.category, b.sides.value(0, Field::size)}].push_back(&b);
  for (Link& l : r.links) {
    if (!wanted(l.category)) continue;
    Finding fd;
    for (std::size_t b : l.blocks) {
      fd.blocks.push_back(b);
      fd.growth = saturating_add(fd.growth, c.blocks[b].delta(r.sort));
    }
    std::int64_t net = fd.growth;
    if (l.all_new)
      if (auto it = gone.find({l.category, l.quantum}); it != gone.end())
        for (std::size_t k = 0; k < it->second.size() && k < l.blocks.size(); ++k)
          net = saturating_add(net, it->second[k]->delta(r.sort));
    if (net < 0 || static_cast<std::uint64_t>(net) < threshold) {
      if (net < fd.growth) {  // churn: its blocks are neither growth nor rows
        r.churned += l.blocks.size();
        for (std::size_t b : l.blocks) in_link[b] = true;
      }
      continue;
    }
    for (std::size_t b : l.blocks) in_link[b] = true;
    std::sort(fd.blocks.begin(), fd.blocks.end(), by_delta);
    fd.link = links.size();
    links.push_back(std::move(l));
    growing.push_back(std::move(fd));
  }
  r.links = std::move(links);
  for (std::size_t i = 0; i < c.blocks.size(); ++i) {
    const Block& b = c.blocks[i];
    if (in_link[i] || !wanted(b.category)) continue;
    Finding fd{b.delta(r.sort), kNoLink, {i}};
    if (is_growing(b, r.sort, threshold)) {
      growing.push_back(std::move(fd));
    } else {
      if (is_growing(b, r.sort, 0)) {
        ++r.below_floor;
        r.below_floor_growth = saturating_add(r.below_floor_growth, fd.growth);
      }
      if (options.all) others.push_back(std::move(fd));
    }
  }
  auto by_growth = [&](const Finding& a, const Finding& b) {
    if (a.growth != b.growth) return a.growth > b.growth;
    return c.blocks[a.blocks.front()].start < c.blocks[b.blocks.front()].start;
  };
  const TopCut cut = rank_findings(growing, others, by_growth, options.top, options.all);
  r.findings = growing.size();
  if (!growing.empty()) r.largest_growth = growing.front().growth;
  for (const Finding& fd : growing) {
    r.growing += fd.blocks.size();
    r.growth = saturating_add(r.growth, fd.growth);
  }

  for (std::size_t i = 0; i < cut.growing; ++i) {
    const Finding& fd = growing[i];
    for (std::size_t b : fd.blocks) {
      r.rows.push_back(b);
      r.row_link.push_back(fd.link);
    }
  }
  r.growing_rows = r.rows.size();
  r.hidden = r.growing - r.growing_rows;
  for (std::size_t i = 0; i < cut.others; ++i) {
    r.rows.push_back(others[i].blocks.front());
    r.row_link.push_back(kNoLink);
  }
  return r;
}

}  // namespace snap
