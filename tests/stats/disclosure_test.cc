// Disclosure control (vault/stats/disclosure.h): every open cell below k is
// suppressed, and enough others that an attacker who sees every published
// cell and knows every line can bound no suppressed cell below k. The
// attacker here is written again, separately and naively (full passes over
// every line until nothing changes), so the engine is checked against an
// implementation it shares no code with.
#include "vault/stats/disclosure.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace vault::stats {
namespace {

constexpr int64_t kK = 10;
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
using Line = DisclosureProblem::Line;

// --- The independent attacker ----------------------------------------------

int64_t SatAdd(int64_t a, int64_t b) {
  if (a == kMax || b == kMax) return kMax;
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? kMax : r;
}

// Interval propagation, non-incremental: each cell in [0, unbounded] unless
// published; pass over every line, recomputing every sum from scratch, until
// a whole pass changes nothing.
std::vector<CellBounds> Attack(const std::vector<int64_t>& values,
                               const std::vector<bool>& suppressed,
                               const std::vector<Line>& lines) {
  const size_t n = values.size();
  std::vector<int64_t> lo(n), hi(n);
  for (size_t c = 0; c < n; ++c) {
    lo[c] = suppressed[c] ? 0 : values[c];
    hi[c] = suppressed[c] ? kMax : values[c];
  }
  auto narrow = [&](uint32_t c, int64_t new_lo, int64_t new_hi, bool* changed) {
    if (!suppressed[c]) return;
    if (new_lo > lo[c]) {
      lo[c] = new_lo;
      *changed = true;
    }
    if (new_hi < hi[c]) {
      hi[c] = new_hi;
      *changed = true;
    }
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (const Line& line : lines) {
      int64_t sum_lo = 0, sum_hi = 0;
      for (uint32_t p : line.parts) {
        sum_lo = SatAdd(sum_lo, lo[p]);
        sum_hi = SatAdd(sum_hi, hi[p]);
      }
      narrow(line.total, sum_lo, sum_hi, &changed);
      for (size_t i = 0; i < line.parts.size(); ++i) {
        int64_t others_lo = 0, others_hi = 0;
        for (size_t j = 0; j < line.parts.size(); ++j) {
          if (j == i) continue;
          others_lo = SatAdd(others_lo, lo[line.parts[j]]);
          others_hi = SatAdd(others_hi, hi[line.parts[j]]);
        }
        const int64_t t_lo = lo[line.total], t_hi = hi[line.total];
        const int64_t part_hi = t_hi == kMax ? kMax : t_hi - others_lo;
        const int64_t part_lo = others_hi == kMax ? 0 : std::max<int64_t>(0, t_lo - others_hi);
        narrow(line.parts[i], part_lo, part_hi, &changed);
      }
    }
  }
  std::vector<CellBounds> out(n);
  for (size_t c = 0; c < n; ++c) out[c] = CellBounds{lo[c], hi[c]};
  return out;
}

// The suppressed cells the attacker bounds below k (empty when safe).
std::vector<uint32_t> Exposed(const DisclosureProblem& p, const std::vector<bool>& suppressed,
                              int64_t k) {
  const std::vector<CellBounds> b = Attack(p.values, suppressed, p.lines);
  std::vector<uint32_t> out;
  for (uint32_t c = 0; c < b.size(); ++c) {
    if (suppressed[c] && b[c].hi < k) out.push_back(c);
  }
  return out;
}

// --- Building problems --------------------------------------------------------

class Problem {
 public:
  uint32_t Cell(int64_t value, CellState state = CellState::kOpen) {
    p_.values.push_back(value);
    p_.states.push_back(state);
    return static_cast<uint32_t>(p_.values.size() - 1);
  }
  uint32_t Published(int64_t value) { return Cell(value, CellState::kPublished); }
  uint32_t Suppressed(int64_t value) { return Cell(value, CellState::kSuppressed); }
  // total = sum of parts; the total's value is the parts' sum.
  void Sum(uint32_t total, std::vector<uint32_t> parts) {
    p_.lines.push_back(Line{total, std::move(parts)});
  }
  // A new open total over `parts`, with the parts' sum as its value.
  uint32_t Total(std::vector<uint32_t> parts, CellState state = CellState::kOpen) {
    int64_t sum = 0;
    for (uint32_t c : parts) sum += p_.values[c];
    const uint32_t t = Cell(sum, state);
    Sum(t, std::move(parts));
    return t;
  }
  const DisclosureProblem& get() const { return p_; }
  DisclosureProblem& mutable_problem() { return p_; }

 private:
  DisclosureProblem p_;
};

std::vector<bool> ProtectOrDie(const DisclosureProblem& p, int64_t k = kK) {
  StatusOr<std::vector<bool>> r = Protect(p, k);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<bool>(p.values.size(), true);
}

// The checks every answer must pass: fixed cells as given, every open cell
// below k suppressed, and no suppressed cell exposed to the attacker.
void ExpectSafe(const DisclosureProblem& p, const std::vector<bool>& s, int64_t k = kK) {
  ASSERT_EQ(s.size(), p.values.size());
  for (size_t c = 0; c < s.size(); ++c) {
    if (p.states[c] != CellState::kOpen) {
      EXPECT_EQ(s[c], p.states[c] == CellState::kSuppressed) << "fixed cell " << c;
    } else if (p.values[c] < k) {
      EXPECT_TRUE(s[c]) << "small open cell " << c;
    }
  }
  for (uint32_t c : Exposed(p, s, k)) ADD_FAILURE() << "cell " << c << " exposed below " << k;
}

int Count(const std::vector<bool>& s) {
  return static_cast<int>(std::count(s.begin(), s.end(), true));
}

// --- The attacker model itself ---------------------------------------------------

TEST(DeriveBoundsTest, TheOnlySuppressedCellOfAPublishedRowIsExact) {
  // 40 = 3 + 12 + 25 with only the 3 hidden.
  const std::vector<Line> lines = {{0, {1, 2, 3}}};
  const auto b = DeriveBounds({40, 3, 12, 25}, {false, true, false, false}, lines);
  EXPECT_EQ(b[1].lo, 3);
  EXPECT_EQ(b[1].hi, 3);
  EXPECT_EQ(b[0].lo, 40);
  EXPECT_EQ(b[0].hi, 40);
}

TEST(DeriveBoundsTest, TwoSuppressedCellsShareTheirRowsResidual) {
  const std::vector<Line> lines = {{0, {1, 2, 3}}};
  const auto b = DeriveBounds({40, 3, 12, 25}, {false, true, true, false}, lines);
  EXPECT_EQ(b[1].lo, 0);
  EXPECT_EQ(b[1].hi, 15);
  EXPECT_EQ(b[2].hi, 15);
}

TEST(DeriveBoundsTest, AHiddenTotalOfHiddenPartsIsUnbounded) {
  const std::vector<Line> lines = {{0, {1, 2}}};
  const auto b = DeriveBounds({20, 8, 12}, {true, true, false}, lines);
  EXPECT_EQ(b[0].lo, 12);
  EXPECT_EQ(b[0].hi, kUnbounded);
  EXPECT_EQ(b[1].hi, kUnbounded);
}

TEST(DeriveBoundsTest, SumsNearInt64MaxSaturateInsteadOfWrapping) {
  // t = x + y and s = x + y, t published: x and y are bounded by t, but the
  // sum of their upper bounds overflows int64, so s stays unbounded (the
  // attacker model does not see that s == t: one line at a time).
  const int64_t t = kMax - 5;
  const std::vector<Line> lines = {{0, {1, 2}}, {3, {1, 2}}};
  const auto b = DeriveBounds({t, t - 5, 5, t}, {false, true, true, true}, lines);
  EXPECT_EQ(b[1].hi, t);
  EXPECT_EQ(b[2].hi, t);
  EXPECT_EQ(b[3].lo, 0);
  EXPECT_EQ(b[3].hi, kUnbounded);
}

TEST(DeriveBoundsTest, AgreesWithTheNaiveAttackerOnRandomSystems) {
  std::mt19937_64 rng(20261204);
  for (int round = 0; round < 300; ++round) {
    Problem p;
    const int leaves = 3 + static_cast<int>(rng() % 10);
    std::vector<uint32_t> cells;
    for (int i = 0; i < leaves; ++i) cells.push_back(p.Cell(static_cast<int64_t>(rng() % 25)));
    // Random sums over earlier cells: totals of totals, overlapping partitions.
    const int sums = 2 + static_cast<int>(rng() % 8);
    for (int i = 0; i < sums; ++i) {
      std::vector<uint32_t> parts;
      for (uint32_t c : cells) {
        if (rng() % 3 == 0) parts.push_back(c);
      }
      if (parts.empty()) parts.push_back(cells[rng() % cells.size()]);
      cells.push_back(p.Total(parts));
    }
    std::vector<bool> suppressed(cells.size());
    for (size_t c = 0; c < cells.size(); ++c) suppressed[c] = rng() % 2 == 0;
    const DisclosureProblem& d = p.get();
    const auto engine = DeriveBounds(d.values, suppressed, d.lines);
    const auto naive = Attack(d.values, suppressed, d.lines);
    for (size_t c = 0; c < cells.size(); ++c) {
      EXPECT_EQ(engine[c].lo, naive[c].lo) << "round " << round << " cell " << c;
      EXPECT_EQ(engine[c].hi, naive[c].hi) << "round " << round << " cell " << c;
      EXPECT_LE(engine[c].lo, d.values[c]);
      EXPECT_GE(engine[c].hi, d.values[c]);
    }
  }
}

// --- One table ---------------------------------------------------------------------

TEST(ProtectTest, ASmallCellIsSuppressedWithTheSmallestCellOfItsRow) {
  Problem p;
  const uint32_t small = p.Cell(3), mid = p.Cell(12), big = p.Cell(25);
  const uint32_t total = p.Total({small, mid, big});
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_TRUE(s[small]);
  EXPECT_TRUE(s[mid]);
  EXPECT_FALSE(s[big]);
  EXPECT_FALSE(s[total]);
  ExpectSafe(p.get(), s);
}

TEST(ProtectTest, SmallCellsSummingBelowKNeedAThirdCell) {
  // 3 + 5 = 8 < k: the two alone would reveal that both are small.
  Problem p;
  const uint32_t a = p.Cell(3), b = p.Cell(5), c = p.Cell(22);
  const uint32_t total = p.Total({a, b, c});
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_EQ(s, (std::vector<bool>{true, true, true, false}));
  EXPECT_FALSE(s[total]);
  ExpectSafe(p.get(), s);
}

TEST(ProtectTest, ATableWithATotalBelowKIsSuppressedWhole) {
  Problem p;
  const uint32_t total = p.Total({p.Cell(2), p.Cell(5), p.Cell(0)});
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_EQ(Count(s), 4);
  EXPECT_TRUE(s[total]);
  ExpectSafe(p.get(), s);
}

TEST(ProtectTest, ATableWithNothingSmallIsPublishedWhole) {
  Problem p;
  p.Total({p.Cell(10), p.Cell(11), p.Cell(40)});
  EXPECT_EQ(Count(ProtectOrDie(p.get())), 0);
}

TEST(ProtectTest, ThresholdOneSuppressesOnlyZeros) {
  Problem p;
  const uint32_t zero = p.Cell(0), one = p.Cell(1);
  p.Total({zero, one, p.Cell(7)});
  const std::vector<bool> s = ProtectOrDie(p.get(), 1);
  EXPECT_TRUE(s[zero]);
  EXPECT_TRUE(s[one]);  // the complement: the smallest cell of the row
  ExpectSafe(p.get(), s, 1);
}

// --- Tables that share cells -------------------------------------------------------------

TEST(ProtectTest, TwoPartitionsOfTheSameChatsAreProtectedTogether) {
  // 50 chats by duration (4, 20, 26) and by device (30, 12, 8).
  Problem p;
  const uint32_t chats = p.Cell(50);
  const uint32_t d1 = p.Cell(4), d2 = p.Cell(20), d3 = p.Cell(26);
  const uint32_t m = p.Cell(30), t = p.Cell(12), dk = p.Cell(8);
  p.Sum(chats, {d1, d2, d3});
  p.Sum(chats, {m, t, dk});
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_FALSE(s[chats]);
  EXPECT_TRUE(s[d1] && s[d2] && s[t] && s[dk]);
  EXPECT_FALSE(s[d3] || s[m]);
  ExpectSafe(p.get(), s);
}

TEST(ProtectTest, ATableSafeAloneIsNotPublishedIfAnotherOneWouldComplete) {
  // Decided before: 33 chats by device, total hidden, 30 + [3].
  // Now by duration, 15 + 18: nothing small, but publishing both gives the
  // total, 33, and with it the 3.
  Problem p;
  const uint32_t chats = p.Suppressed(33);
  const uint32_t desktop = p.Published(30), mobile = p.Suppressed(3);
  p.Sum(chats, {desktop, mobile});
  const uint32_t shorter = p.Cell(15), longer = p.Cell(18);
  p.Sum(chats, {shorter, longer});
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_TRUE(s[shorter]);
  EXPECT_FALSE(s[longer]);
  ExpectSafe(p.get(), s);
}

// --- Periods inside periods ---------------------------------------------------------------

// A period's one table, total = x + y, decided already or open.
struct Week {
  uint32_t x, y, total;
};

Week AddWeek(Problem* p, int64_t x, bool x_hidden, int64_t y, bool y_hidden) {
  auto state = [](bool hidden) { return hidden ? CellState::kSuppressed : CellState::kPublished; };
  Week w{p->Cell(x, state(x_hidden)), p->Cell(y, state(y_hidden)), 0};
  w.total = p->Total({w.x, w.y}, CellState::kPublished);
  return w;
}

// The month: its table open, each of its cells the sum of the weeks' cells.
Week AddMonth(Problem* p, const std::vector<Week>& weeks) {
  std::vector<uint32_t> xs, ys, totals;
  for (const Week& w : weeks) {
    xs.push_back(w.x);
    ys.push_back(w.y);
    totals.push_back(w.total);
  }
  Week m{p->Total(xs), p->Total(ys), p->Total(totals)};
  p->Sum(m.total, {m.x, m.y});
  return m;
}

TEST(ProtectTest, AMonthIsHiddenWhereItWouldLeaveItsHiddenWeeksSmall) {
  // x by week: 12, [3], [4], 20. A published month x = 39 would give the
  // hidden weeks 7 together; and with the month's total and y published, x
  // would follow from them, so one of those goes too.
  Problem p;
  const std::vector<Week> weeks = {AddWeek(&p, 12, false, 15, false),
                                   AddWeek(&p, 3, true, 11, true), AddWeek(&p, 4, true, 13, true),
                                   AddWeek(&p, 20, false, 10, false)};
  const Week month = AddMonth(&p, weeks);
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_TRUE(s[month.x]);
  EXPECT_TRUE(s[month.y] || s[month.total]);
  ExpectSafe(p.get(), s);
  // Publishing the month whole would expose the weeks' small cells.
  std::vector<bool> naive = s;
  naive[month.x] = naive[month.y] = naive[month.total] = false;
  EXPECT_FALSE(Exposed(p.get(), naive, kK).empty());
}

TEST(ProtectTest, AMonthOfPublishedWeeksIsPublished) {
  Problem p;
  const std::vector<Week> weeks = {
      AddWeek(&p, 12, false, 15, false), AddWeek(&p, 10, false, 11, false),
      AddWeek(&p, 10, false, 13, false), AddWeek(&p, 20, false, 10, false)};
  const Week month = AddMonth(&p, weeks);
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_FALSE(s[month.x] || s[month.y] || s[month.total]);
  ExpectSafe(p.get(), s);
}

TEST(ProtectTest, AMonthIsHiddenWhereItWouldPinAHiddenZeroOfAWeek) {
  // The third week, 13 chats all of kind y: its x (0) and y hidden, its
  // total published. The month's x, 42, is the published weeks' x alone, so
  // publishing it would give the third week's 0.
  Problem p;
  const std::vector<Week> weeks = {
      AddWeek(&p, 12, false, 15, false), AddWeek(&p, 10, false, 11, false),
      AddWeek(&p, 0, true, 13, true), AddWeek(&p, 20, false, 10, false)};
  const Week month = AddMonth(&p, weeks);
  const std::vector<bool> s = ProtectOrDie(p.get());
  EXPECT_TRUE(s[month.x]);
  ExpectSafe(p.get(), s);
}

TEST(ProtectTest, TheClassicTwoWayTableOfChildrenByCategory) {
  // Rows: three children decided before (their categories and totals);
  // columns: the parent's categories, open, with the parent's total.
  //              A     B     C   | total
  //   child 1   [3]  [20]   15   |  38
  //   child 2    15    12   11   |  38
  //   child 3    14    18   [9]  |  41    (its complement below)
  //   parent     32    50   35   | 117
  Problem p;
  const std::vector<std::vector<int64_t>> v = {{3, 20, 15}, {15, 12, 11}, {14, 18, 9}};
  const std::vector<std::vector<bool>> hidden = {
      {true, true, false}, {false, false, false}, {false, true, true}};
  std::vector<std::vector<uint32_t>> cell(3, std::vector<uint32_t>(3));
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) {
      cell[r][c] = hidden[r][c] ? p.Suppressed(v[r][c]) : p.Published(v[r][c]);
    }
    p.Total({cell[r][0], cell[r][1], cell[r][2]}, CellState::kPublished);
  }
  std::vector<uint32_t> parent;
  for (int c = 0; c < 3; ++c) parent.push_back(p.Total({cell[0][c], cell[1][c], cell[2][c]}));
  const uint32_t total = p.Total(parent);
  // The children alone are safe (each hidden cell has a hidden partner).
  DisclosureProblem children = p.get();
  std::vector<bool> before(children.values.size(), true);
  for (size_t c = 0; c < before.size(); ++c)
    before[c] = children.states[c] != CellState::kPublished;
  EXPECT_TRUE(Exposed(children, before, kK).empty());

  const std::vector<bool> s = ProtectOrDie(p.get());
  // Column A published would give child 1's 3 (32 - 15 - 14).
  EXPECT_TRUE(s[parent[0]]);
  // Column C published would give child 3's 9.
  EXPECT_TRUE(s[parent[2]]);
  ExpectSafe(p.get(), s);
  (void)total;
}

// --- Random nested periods, decided bottom-up --------------------------------------------

// Every period has the same schema: chats; a one-way table A (rows summing
// to chats); a second partition B of the same chats; and a two-way table C
// (A's rows by two columns, with column totals summing to chats).
struct Schema {
  int a_rows, b_rows;
  int size() const { return 1 + a_rows + b_rows + 2 * a_rows + 2; }
  int chats() const { return 0; }
  int a(int i) const { return 1 + i; }
  int b(int i) const { return 1 + a_rows + i; }
  int c(int i, int j) const { return 1 + a_rows + b_rows + 2 * i + j; }
  int col(int j) const { return 1 + a_rows + b_rows + 2 * a_rows + j; }
};

struct Period {
  std::vector<int> children;
  std::vector<int64_t> values;  // by schema slot
  std::vector<bool> suppressed;
  bool decided = false;
};

class Nested {
 public:
  Nested(std::mt19937_64* rng, int64_t k) : rng_(*rng), k_(k) {
    schema_ = {2 + Pick(2), 2 + Pick(2)};
    const int depth = 2 + Pick(2);
    root_ = Build(depth);
  }

  // Decides every period bottom-up, checking each decision as made.
  void DecideAll() { Decide(root_); }
  int decisions() const { return decisions_; }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % n); }

  int Build(int depth) {
    const int id = static_cast<int>(periods_.size());
    periods_.emplace_back();
    if (depth == 1) {
      periods_[id].values = LeafValues();
      return id;
    }
    const int fanout = 2 + Pick(3);
    std::vector<int64_t> sum(schema_.size(), 0);
    for (int i = 0; i < fanout; ++i) {
      const int child = Build(depth - 1);
      periods_[id].children.push_back(child);
      for (int s = 0; s < schema_.size(); ++s) sum[s] += periods_[child].values[s];
    }
    periods_[id].values = sum;
    return id;
  }

  std::vector<int64_t> LeafValues() {
    std::vector<int64_t> v(schema_.size(), 0);
    const int scale = Pick(4) == 0 ? 30 : 8;  // mostly small, sometimes large
    int64_t chats = 0;
    for (int j = 0; j < 2; ++j) {
      for (int i = 0; i < schema_.a_rows; ++i) {
        const int64_t x = Pick(5) == 0 ? 0 : Pick(scale);
        v[schema_.c(i, j)] = x;
        v[schema_.a(i)] += x;
        v[schema_.col(j)] += x;
        chats += x;
      }
    }
    v[schema_.chats()] = chats;
    for (int64_t n = 0; n < chats; ++n) ++v[schema_.b(Pick(schema_.b_rows))];
    return v;
  }

  // The problem of period `id`: its subtree's cells (inside periods fixed),
  // their tables' lines and the sums over children.
  void Decide(int id) {
    for (int child : periods_[id].children) Decide(child);
    Problem p;
    std::vector<std::vector<uint32_t>> index(periods_.size());
    AddCells(id, &p, &index);
    AddLines(id, &p, index);
    const DisclosureProblem& d = p.get();
    StatusOr<std::vector<bool>> first = Protect(d, k_);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    StatusOr<std::vector<bool>> again = Protect(d, k_);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*first, *again) << "not deterministic";
    ExpectSafe(d, *first, k_);
    Period& self = periods_[id];
    self.suppressed.resize(schema_.size());
    for (int s = 0; s < schema_.size(); ++s) self.suppressed[s] = (*first)[index[id][s]];
    self.decided = true;
    ++decisions_;
  }

  void AddCells(int id, Problem* p, std::vector<std::vector<uint32_t>>* index) {
    for (int child : periods_[id].children) AddCells(child, p, index);
    const Period& self = periods_[id];
    for (int s = 0; s < schema_.size(); ++s) {
      CellState state = CellState::kOpen;
      if (self.decided) state = self.suppressed[s] ? CellState::kSuppressed : CellState::kPublished;
      (*index)[id].push_back(p->Cell(self.values[s], state));
    }
  }

  void AddLines(int id, Problem* p, const std::vector<std::vector<uint32_t>>& index) {
    const std::vector<uint32_t>& at = index[id];
    std::vector<uint32_t> as, bs, cols;
    for (int i = 0; i < schema_.a_rows; ++i) {
      as.push_back(at[schema_.a(i)]);
      p->Sum(at[schema_.a(i)], {at[schema_.c(i, 0)], at[schema_.c(i, 1)]});
    }
    for (int i = 0; i < schema_.b_rows; ++i) bs.push_back(at[schema_.b(i)]);
    for (int j = 0; j < 2; ++j) {
      cols.push_back(at[schema_.col(j)]);
      std::vector<uint32_t> column;
      for (int i = 0; i < schema_.a_rows; ++i) column.push_back(at[schema_.c(i, j)]);
      p->Sum(at[schema_.col(j)], column);
    }
    p->Sum(at[schema_.chats()], as);
    p->Sum(at[schema_.chats()], bs);
    p->Sum(at[schema_.chats()], cols);
    const std::vector<int>& children = periods_[id].children;
    for (int child : children) AddLines(child, p, index);
    if (children.empty()) return;
    for (int s = 0; s < schema_.size(); ++s) {
      std::vector<uint32_t> parts;
      for (int child : children) parts.push_back(index[child][s]);
      p->Sum(at[s], parts);
    }
  }

  std::mt19937_64& rng_;
  int64_t k_;
  Schema schema_{};
  std::vector<Period> periods_;
  int root_ = 0;
  int decisions_ = 0;
};

TEST(ProtectTest, RandomNestedPeriodsDecidedBottomUpStaySafe) {
  std::mt19937_64 rng(42);
  int decisions = 0;
  for (int round = 0; round < 300; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const int64_t k = round % 3 == 0 ? 5 : kK;
    Nested nested(&rng, k);
    nested.DecideAll();
    if (HasFailure()) return;
    decisions += nested.decisions();
  }
  EXPECT_GT(decisions, 1000);
}

// --- What Protect refuses -----------------------------------------------------------------

TEST(ProtectTest, RejectsMalformedProblems) {
  Problem good;
  good.Total({good.Cell(12), good.Cell(15)});
  ASSERT_TRUE(Protect(good.get(), kK).ok());

  auto expect_invalid = [](const DisclosureProblem& d, int64_t k) {
    StatusOr<std::vector<bool>> r = Protect(d, k);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
  };
  expect_invalid(good.get(), 0);
  expect_invalid(good.get(), -3);

  DisclosureProblem sizes = good.get();
  sizes.states.pop_back();
  expect_invalid(sizes, kK);

  DisclosureProblem part_out_of_range = good.get();
  part_out_of_range.lines[0].parts.push_back(3);
  expect_invalid(part_out_of_range, kK);

  DisclosureProblem total_out_of_range = good.get();
  total_out_of_range.lines[0].total = 7;
  expect_invalid(total_out_of_range, kK);

  DisclosureProblem negative = good.get();
  negative.values[0] = -1;
  negative.values[2] = 14;
  expect_invalid(negative, kK);

  DisclosureProblem inconsistent = good.get();
  inconsistent.values[2] = 28;
  expect_invalid(inconsistent, kK);
}

TEST(ProtectTest, UnsafeFixedDecisionsAreUnprotectable) {
  // Decided before: 13 = [3] + 10, the 3 the only hidden cell of its row.
  Problem p;
  p.Total({p.Suppressed(3), p.Published(10)}, CellState::kPublished);
  p.Cell(40);  // an open cell elsewhere changes nothing
  StatusOr<std::vector<bool>> r = Protect(p.get(), kK);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "unprotectable");
}

TEST(ProtectTest, NoLinesMeansOnlyPrimarySuppression) {
  Problem p;
  p.Cell(0);
  p.Cell(9);
  p.Cell(10);
  p.Published(4);  // fixed and published: stays so
  EXPECT_EQ(ProtectOrDie(p.get()), (std::vector<bool>{true, true, false, false}));
}

}  // namespace
}  // namespace vault::stats
