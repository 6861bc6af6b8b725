#include "vault/stats/disclosure.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

namespace vault::stats {
namespace {

using Line = DisclosureProblem::Line;

// Sums of up to 2^32 int64 terms fit in 128 bits, so line sums never
// overflow; a result is clamped back to int64 (kUnbounded) when stored.
using Wide = __int128;
constexpr Wide kNoBound = static_cast<Wide>(kUnbounded);

// The lines and, for every cell, the lines it appears in (each once).
class Graph {
 public:
  Graph(const std::vector<Line>& lines, size_t cells)
      : lines_(lines), usable_(lines.size()), first_(cells + 1, 0), ends_(cells) {
    for (size_t l = 0; l < lines.size(); ++l) {
      usable_[l] = InRange(lines[l], cells);
      if (usable_[l]) ForEachCell(lines[l], [&](uint32_t c) { ++first_[c + 1]; });
    }
    for (size_t c = 0; c < cells; ++c) first_[c + 1] += first_[c];
    incident_.resize(first_[cells]);
    for (size_t c = 0; c < cells; ++c) ends_[c] = first_[c];
    for (size_t l = 0; l < lines.size(); ++l) {
      if (!usable_[l]) continue;
      ForEachCell(lines[l], [&](uint32_t c) {
        // A cell twice in one line is listed once (its last entry is this line's).
        if (ends_[c] > first_[c] && incident_[ends_[c] - 1] == l) return;
        incident_[ends_[c]++] = static_cast<uint32_t>(l);
      });
    }
  }

  const std::vector<Line>& lines() const { return lines_; }
  size_t cells() const { return ends_.size(); }
  bool usable(uint32_t line) const { return usable_[line]; }
  // The lines of cell c: [begin, end).
  const uint32_t* begin(uint32_t c) const { return incident_.data() + first_[c]; }
  const uint32_t* end(uint32_t c) const { return incident_.data() + ends_[c]; }

  template <typename F>
  static void ForEachCell(const Line& line, F f) {
    f(line.total);
    for (uint32_t p : line.parts) f(p);
  }

 private:
  static bool InRange(const Line& line, size_t cells) {
    bool ok = true;
    ForEachCell(line, [&](uint32_t c) { ok = ok && c < cells; });
    return ok;
  }

  const std::vector<Line>& lines_;
  std::vector<bool> usable_;     // every index of the line in range
  std::vector<uint32_t> first_;  // cell c's lines start at incident_[first_[c]]
  std::vector<uint32_t> ends_;   // and end before incident_[ends_[c]]
  std::vector<uint32_t> incident_;
};

// Interval propagation over a Graph, from given bounds to the fixpoint.
// Every bound it stores is implied by the bounds it started from and the
// lines, and published cells are never touched.
class Propagator {
 public:
  Propagator(const Graph& graph, const std::vector<int64_t>& values)
      : graph_(graph), values_(values), queued_(graph.lines().size(), false) {}

  // Re-examines `lines` and, transitively, every line of a cell whose
  // bounds change, until nothing changes.
  void Run(const std::vector<bool>& suppressed, const std::vector<uint32_t>& lines,
           std::vector<CellBounds>* bounds) {
    suppressed_ = &suppressed;
    bounds_ = bounds;
    for (uint32_t l : lines) Enqueue(l);
    while (!queue_.empty()) {
      const uint32_t l = queue_.front();
      queue_.pop_front();
      queued_[l] = false;
      Visit(graph_.lines()[l]);
    }
  }

 private:
  void Enqueue(uint32_t line) {
    if (queued_[line] || !graph_.usable(line)) return;
    queued_[line] = true;
    queue_.push_back(line);
  }

  void Visit(const Line& line) {
    std::vector<CellBounds>& b = *bounds_;
    parts_.clear();
    Wide sum_lo = 0;
    Wide sum_hi = 0;  // over the parts with a finite upper bound
    size_t unbounded = 0;
    for (uint32_t p : line.parts) {
      parts_.push_back(b[p]);
      sum_lo += b[p].lo;
      if (b[p].hi == kUnbounded) {
        ++unbounded;
      } else {
        sum_hi += b[p].hi;
      }
    }
    Tighten(line.total, sum_lo, unbounded == 0 ? sum_hi : kNoBound);
    const CellBounds total = b[line.total];
    if (total.hi == kUnbounded && unbounded > 1) return;  // nothing to say of a part
    for (size_t i = 0; i < line.parts.size(); ++i) {
      const CellBounds& own = parts_[i];
      const bool own_unbounded = own.hi == kUnbounded;
      // part <= total.hi - (the others' lower bounds)
      const Wide hi = total.hi == kUnbounded ? kNoBound : total.hi - (sum_lo - own.lo);
      // part >= total.lo - (the others' upper bounds), when all are finite
      Wide lo = 0;
      if (unbounded - (own_unbounded ? 1 : 0) == 0) {
        lo = total.lo - (sum_hi - (own_unbounded ? 0 : own.hi));
      }
      Tighten(line.parts[i], lo, hi);
    }
  }

  // Narrows cell c to [lo, hi] (hi == kNoBound: no upper bound). Clamped to
  // the cell's value, which changes nothing when the values satisfy the
  // lines (every derived bound then holds of them) and otherwise keeps the
  // propagation finite.
  void Tighten(uint32_t c, Wide lo, Wide hi) {
    if (!(*suppressed_)[c]) return;
    CellBounds& b = (*bounds_)[c];
    const Wide v = values_[c];
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    bool changed = false;
    if (lo > b.lo) {
      b.lo = static_cast<int64_t>(lo);
      changed = true;
    }
    if (hi < b.hi) {
      b.hi = static_cast<int64_t>(hi);
      changed = true;
    }
    if (!changed) return;
    for (const uint32_t* l = graph_.begin(c); l != graph_.end(c); ++l) Enqueue(*l);
  }

  const Graph& graph_;
  const std::vector<int64_t>& values_;
  const std::vector<bool>* suppressed_ = nullptr;
  std::vector<CellBounds>* bounds_ = nullptr;
  std::vector<bool> queued_;
  std::deque<uint32_t> queue_;
  std::vector<CellBounds> parts_;  // scratch: a line's parts as they were on entry
};

// Published cells exact, suppressed ones [0, unbounded].
std::vector<CellBounds> InitialBounds(const std::vector<int64_t>& values,
                                      const std::vector<bool>& suppressed) {
  std::vector<CellBounds> b(values.size());
  for (size_t c = 0; c < values.size(); ++c) {
    const bool hidden = c < suppressed.size() && suppressed[c];
    b[c] = hidden ? CellBounds{0, kUnbounded} : CellBounds{values[c], values[c]};
  }
  return b;
}

std::vector<uint32_t> AllLines(const Graph& graph) {
  std::vector<uint32_t> all(graph.lines().size());
  for (size_t l = 0; l < all.size(); ++l) all[l] = static_cast<uint32_t>(l);
  return all;
}

Status Validate(const DisclosureProblem& problem, int64_t k) {
  if (k < 1) return Status::InvalidArgument("disclosure threshold k must be at least 1");
  const size_t n = problem.values.size();
  if (problem.states.size() != n) {
    return Status::InvalidArgument("disclosure problem: values and states differ in size");
  }
  if (n >= UINT32_MAX || problem.lines.size() >= UINT32_MAX) {
    return Status::InvalidArgument("disclosure problem: too many cells or lines");
  }
  for (int64_t v : problem.values) {
    if (v < 0) return Status::InvalidArgument("disclosure problem: a negative value");
  }
  for (size_t l = 0; l < problem.lines.size(); ++l) {
    const Line& line = problem.lines[l];
    bool in_range = true;
    Wide sum = 0;
    for (uint32_t p : line.parts) {
      in_range = in_range && p < n;
      if (p < n) sum += problem.values[p];
    }
    if (!in_range || line.total >= n) {
      return Status::InvalidArgument("disclosure problem: line " + std::to_string(l) +
                                     " names a cell out of range");
    }
    if (sum != problem.values[line.total]) {
      return Status::InvalidArgument("disclosure problem: line " + std::to_string(l) +
                                     " is not the sum of its parts");
    }
  }
  return Status::OK();
}

// Chooses the complementary suppression for `offender` (rule 2 of Protect):
// the smallest open, still-published cell that is the total of at most one
// line, in the offender's lines, then in the lines sharing a cell with
// those, breadth first; failing any, the smallest hub (the total of several
// lines) of the nearest level that has one; then anything.
// Returns problem.values.size() when no open cell is left published.
class Chooser {
 public:
  Chooser(const Graph& graph, const DisclosureProblem& problem)
      : graph_(graph),
        problem_(problem),
        line_seen_(graph.lines().size(), 0),
        cell_seen_(graph.cells(), 0),
        is_hub_(graph.cells(), false) {
    std::vector<uint32_t> totals(graph.cells(), 0);
    for (const DisclosureProblem::Line& line : problem.lines) ++totals[line.total];
    for (size_t c = 0; c < totals.size(); ++c) is_hub_[c] = totals[c] >= 2;
  }

  uint32_t Choose(uint32_t offender, const std::vector<bool>& suppressed) {
    ++stamp_;
    const uint32_t none = static_cast<uint32_t>(problem_.values.size());
    // A cell that is the total of at most one line, at the nearest level if
    // there is one at any level: hiding a hub, the total of several tables
    // (the number of chats), hides more than any one part, and a part one
    // line further away often relieves the offender as well (a band of a
    // table whose total bounds it).
    uint32_t first_total = none;
    std::vector<uint32_t> frontier;
    Expand(offender, &frontier);
    while (!frontier.empty()) {
      uint32_t best = none;
      uint32_t best_total = none;
      std::vector<uint32_t> cells;  // this level's cells, each once
      for (uint32_t l : frontier) {
        Graph::ForEachCell(graph_.lines()[l], [&](uint32_t c) {
          if (cell_seen_[c] == stamp_) return;
          cell_seen_[c] = stamp_;
          cells.push_back(c);
          if (!Candidate(c, suppressed)) return;
          if (is_hub_[c]) {
            if (Smaller(c, best_total)) best_total = c;
          } else if (Smaller(c, best)) {
            best = c;
          }
        });
      }
      if (best != none) return best;
      if (first_total == none) first_total = best_total;
      std::vector<uint32_t> next;
      for (uint32_t c : cells) Expand(c, &next);
      frontier = std::move(next);
    }
    if (first_total != none) return first_total;
    uint32_t best = none;
    for (uint32_t c = 0; c < none; ++c) {
      if (Candidate(c, suppressed) && Smaller(c, best)) best = c;
    }
    return best;
  }

 private:
  // Adds the not yet seen lines of cell c to `out`.
  void Expand(uint32_t c, std::vector<uint32_t>* out) {
    for (const uint32_t* l = graph_.begin(c); l != graph_.end(c); ++l) {
      if (line_seen_[*l] == stamp_) continue;
      line_seen_[*l] = stamp_;
      out->push_back(*l);
    }
  }

  bool Candidate(uint32_t c, const std::vector<bool>& suppressed) const {
    return problem_.states[c] == CellState::kOpen && !suppressed[c];
  }

  // Orders by value, then index; `best` may be "none".
  bool Smaller(uint32_t c, uint32_t best) const {
    if (best >= problem_.values.size()) return true;
    const int64_t a = problem_.values[c];
    const int64_t b = problem_.values[best];
    return a < b || (a == b && c < best);
  }

  const Graph& graph_;
  const DisclosureProblem& problem_;
  uint64_t stamp_ = 0;
  std::vector<uint64_t> line_seen_;
  std::vector<uint64_t> cell_seen_;
  std::vector<bool> is_hub_;  // the total of two lines or more
};

// The lowest-indexed suppressed cell the attacker bounds below k, or
// bounds.size().
uint32_t FirstOffender(const std::vector<CellBounds>& bounds, const std::vector<bool>& suppressed,
                       int64_t k) {
  for (uint32_t c = 0; c < bounds.size(); ++c) {
    if (suppressed[c] && bounds[c].hi < k) return c;
  }
  return static_cast<uint32_t>(bounds.size());
}

}  // namespace

std::vector<CellBounds> DeriveBounds(const std::vector<int64_t>& values,
                                     const std::vector<bool>& suppressed,
                                     const std::vector<DisclosureProblem::Line>& lines) {
  std::vector<bool> hidden(values.size(), false);
  for (size_t c = 0; c < values.size() && c < suppressed.size(); ++c) hidden[c] = suppressed[c];
  std::vector<CellBounds> bounds = InitialBounds(values, hidden);
  const Graph graph(lines, values.size());
  Propagator(graph, values).Run(hidden, AllLines(graph), &bounds);
  return bounds;
}

StatusOr<std::vector<bool>> Protect(const DisclosureProblem& problem, int64_t k) {
  VAULT_RETURN_IF_ERROR(Validate(problem, k));
  const std::vector<int64_t>& values = problem.values;
  const size_t n = values.size();
  const Graph graph(problem.lines, n);
  Propagator propagator(graph, values);

  // The widest the attacker can be kept: every open cell suppressed.
  std::vector<bool> all_open(n);
  for (size_t c = 0; c < n; ++c) all_open[c] = problem.states[c] != CellState::kPublished;
  std::vector<CellBounds> widest = InitialBounds(values, all_open);
  propagator.Run(all_open, AllLines(graph), &widest);
  if (FirstOffender(widest, all_open, k) < n) {
    return Status::FailedPrecondition(
        "no publication is safe: a suppressed cell can be worked out below the threshold "
        "from the cells already published",
        "unprotectable");
  }

  // Rule 1: primary suppression.
  std::vector<bool> suppressed(n);
  for (size_t c = 0; c < n; ++c) {
    suppressed[c] = problem.states[c] == CellState::kSuppressed ||
                    (problem.states[c] == CellState::kOpen && values[c] < k);
  }

  // Rule 2: complementary suppression, one cell at a time. Publishing a cell
  // only narrows bounds, so the attacker's fixpoint for the current choice
  // lies inside `widest`: start there, pin the open cells still published,
  // and propagate from their lines only (widest is a fixpoint elsewhere).
  Chooser chooser(graph, problem);
  for (;;) {
    std::vector<CellBounds> bounds = widest;
    std::vector<uint32_t> touched;
    for (uint32_t c = 0; c < n; ++c) {
      if (problem.states[c] != CellState::kOpen || suppressed[c]) continue;
      bounds[c] = CellBounds{values[c], values[c]};
      touched.insert(touched.end(), graph.begin(c), graph.end(c));
    }
    propagator.Run(suppressed, touched, &bounds);
    const uint32_t offender = FirstOffender(bounds, suppressed, k);
    if (offender == n) return suppressed;
    const uint32_t more = chooser.Choose(offender, suppressed);
    if (more == n) {
      // Every open cell suppressed is the state checked above; cannot happen.
      return Status::Internal("disclosure control found no cell to suppress");
    }
    suppressed[more] = true;
  }
}

}  // namespace vault::stats
