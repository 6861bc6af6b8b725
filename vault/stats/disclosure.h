// Disclosure control for published statistics: which cells of a set of
// tables to suppress so that no count below a threshold k can be worked out
// from what is published.
//
// The caller models its tables as a linear system over cells: each cell has
// a true value (a count, >= 0), and each Line says that one cell is the sum
// of others (a table's rows and its total; a period's cell and the same cell
// of the periods inside it). Periods are published one after the other, so
// some cells are already decided (published, their value public; or
// suppressed) and the others are open, to be decided now.
//
// The attacker. Someone who sees every published cell and knows every line
// (every table ever published, and that a month is the sum of its weeks)
// can bound each suppressed cell. We model what they derive by interval
// propagation to a fixpoint (DeriveBounds): every cell is >= 0; for each
// line, the total lies between the sums of its parts' bounds, and each part
// between the total's bounds minus the other parts' bounds. Published cells
// are exact. This catches a cell worked out exactly (the only suppressed
// cell of a row, or of a month's weeks), a cell known to be small (the
// residual of a row whose other cells are large and published), and a
// group of suppressed cells summing to less than k (each then has an upper
// bound below k).
//
// Why the output is safe, and how far. Protect suppresses every open cell
// below k, then, as long as the attacker can bound some suppressed cell
// (old or new) above by less than k, suppresses one more open cell. It
// returns only when DeriveBounds over every cell and every line (the old
// decisions and the new ones together) gives every suppressed cell an
// upper bound >= k. With every open cell suppressed, the new cells add no
// information, so the loop always ends; if even then a suppressed cell is
// bounded below k, the earlier decisions were unsafe and Protect says so.
//
// The limits, honestly. Interval propagation is weaker than an attacker
// with integer or linear programming: on a general two-dimensional table
// (rows x columns with both margins) the exact range of a suppressed cell
// can be narrower than the propagated one, because LP combines lines (adds
// and subtracts whole rows and columns) while propagation only looks at one
// line at a time. Guaranteeing protection against that attacker needs an
// LP (or the audit of each suppression pattern against one); this engine
// does not do that. Nor does it protect against an attacker with outside
// knowledge (that one chat lasted an hour), or against differencing with
// tables not given to it as lines. The protection upper bound is all it
// checks: a suppressed cell's lower bound, or a large cell worked out
// exactly, is not a disclosure here.
//
// Thread safety: pure functions.
#ifndef VAULT_STATS_DISCLOSURE_H_
#define VAULT_STATS_DISCLOSURE_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "vault/status.h"

namespace vault::stats {

enum class CellState : uint8_t { kOpen, kPublished, kSuppressed };

struct DisclosureProblem {
  std::vector<int64_t> values;    // true value of each cell, >= 0
  std::vector<CellState> states;  // same size
  // values[total] == sum of values[parts] (a cell may appear in many lines).
  struct Line {
    uint32_t total;
    std::vector<uint32_t> parts;
  };
  std::vector<Line> lines;
};

inline constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

// What the attacker can derive of a cell: lo <= value <= hi; hi ==
// kUnbounded when nothing bounds it.
struct CellBounds {
  int64_t lo;
  int64_t hi;
};

// What someone who sees only the published cells (value known) and the
// lines can derive for every cell: interval propagation to a fixpoint (each
// cell >= 0; for each line, lo/hi of the total from the parts and of each
// part from the total and the other parts), i.e. what combining every
// published table and every sum over sub-periods yields. Published cells
// are [v, v]. A cell is published unless suppressed[i]. Sums saturate at
// kUnbounded. Expects what Protect validates (same sizes, indices in
// range, values satisfying every line): a line with an index out of range
// is ignored, and the derived bounds never exclude a cell's value, so the
// propagation ends even on inconsistent values (where it means nothing).
// Cost: a worklist re-examines only the lines of cells whose bounds
// change; every step moves a bound by at least 1 towards the value, so it
// ends, in practice after a few visits of each line (in a contrived worst
// case the number of steps grows with the values, not only with the size).
std::vector<CellBounds> DeriveBounds(const std::vector<int64_t>& values,
                                     const std::vector<bool>& suppressed,
                                     const std::vector<DisclosureProblem::Line>& lines);

// Decides every open cell: returns the suppressed flag of every cell (fixed
// ones as given). Rules: (1) primary: an open cell with value < k is
// suppressed; (2) then, while DeriveBounds shows a suppressed cell whose
// upper bound is < k (the lowest-indexed such cell is the offender), one
// more open, still-published cell is suppressed: the smallest-valued such
// cell in a line of the offender; if none, the smallest in the lines that
// share a cell with those lines, breadth first; as a last resort the
// smallest anywhere (ties broken by lowest index). Deterministic.
//
// InvalidArgument if the sizes disagree, an index is out of range, a value
// is negative, a line's total is not the sum of its parts' values, or
// k < 1. FailedPrecondition "unprotectable" if even with every open cell
// suppressed some suppressed cell's upper bound is below k (the fixed
// decisions were unsafe already, or a small open cell is implied exactly
// by published ones).
//
// Cost: one propagation with every open cell suppressed, then, per
// complementary suppression, a propagation from that state with the open
// cells still published pinned (publishing only narrows bounds, so the
// attacker's fixpoint lies inside it). Built for deciding one period over
// its decided sub-periods: a year of 24,000 cells and 11,000 lines with 56
// open cells takes ~20 ms; deciding 24,000 open cells at once would take
// seconds.
StatusOr<std::vector<bool>> Protect(const DisclosureProblem& problem, int64_t k);

}  // namespace vault::stats

#endif  // VAULT_STATS_DISCLOSURE_H_
