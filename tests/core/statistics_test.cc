// Statistics (docs/design.md, "Statistics"): what closed chats and
// monitoring forms add to their service's counts, what the statistics column
// holds (nothing of any one transcript), and how a completed period is
// published, against a real store under a manual clock.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/durations.h"
#include "tests/support/temp_dir.h"
#include "vault/common/encoding.h"
#include "vault/common/time_format.h"
#include "vault/core/vault_impl.h"
#include "vault/stats/day_counts.h"
#include "vault/stats/publication.h"

namespace vault::testing {
namespace {


// 2027-03-01T00:00:00Z, a Monday.
UnixMillis At(int year, unsigned month, unsigned day, int hour = 0, int minute = 0) {
  return int64_t{stats::DaysFromCivil(year, month, day)} * kDay + hour * kHour + minute * kMinute;
}

class StatisticsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stats_.threshold = 1;  // the counting tests read exact numbers
    stats_.publish_delay_ms = kDay;
    stats_.monitoring_window_ms = kHour;
    stats_.questions = {{"age", "How old are you?", {"under 11", "11-13", "14-16", "17-18", "over 18"}},
                        {"helped", "Did the chat help?", {"yes", "partly", "no"}}};
    Reopen();
  }
  void Reopen() {
    vault_.reset();
    Options o;
    o.data_dir = dir_.path() + "/data";
    o.epoch_ms = kHour;
    o.retention_ms = 30 * kDay;
    o.retention_tick_ms = 0;
    o.idle_close_ms = 2 * kHour;
    o.statistics = stats_;
    auto v = VaultImpl::Open(o, &clock_);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_ = std::move(v).value();
  }
  // Moves the clock and runs retention, as the background thread would.
  void Set(UnixMillis t) {
    clock_.Set(t);
    ASSERT_TRUE(vault_->RunRetention().ok());
  }

  static Caller Writer(const std::string& service = "helpline") {
    Caller c;
    c.uid = 1004;
    c.roles.Add(Role::kWriter);
    c.write_scope.services.insert(service);
    c.read_scope.services.insert(service);
    c.request_id = "writer";
    return c;
  }
  static Caller Analyst(const std::string& service = "helpline") {
    Caller c;
    c.uid = 1005;
    c.roles.Add(Role::kAnalyst);
    c.stats_scope.services.insert(service);
    c.request_id = "analyst";
    return c;
  }

  struct Chat {
    Visitor visitor;
    std::vector<std::pair<std::string, int64_t>> messages;  // from, minutes after the start
    int64_t minutes = 10;                                   // closed this long after the start
  };
  // Opens, fills and closes a chat starting at the clock's time; the clock
  // ends at the close. Returns its id.
  std::string Run(const Chat& chat, const std::string& service = "helpline") {
    NewTranscript req;
    req.service = service;
    req.visitor = chat.visitor;
    auto created = vault_->CreateTranscript(Writer(service), req);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return "";
    const UnixMillis start = clock_.NowMillis();
    uint64_t seq = 0;
    for (const auto& [from, minute] : chat.messages) {
      clock_.Set(start + minute * kMinute);
      auto r = vault_->AppendMessage(Writer(service), created->id,
                                     Message{seq++, from, "words " + created->id, "2027-03-01T10:00:00Z", {}});
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    }
    clock_.Set(start + chat.minutes * kMinute);
    auto closed = vault_->CloseTranscript(Writer(service), created->id);
    EXPECT_TRUE(closed.ok()) << closed.status().ToString();
    return created->id;
  }

  StatusOr<StatisticsReport> Read(const std::string& period, const Caller& who = Analyst(),
                                  const std::string& service = "helpline") {
    return vault_->GetStatistics(who, StatisticsQuery{service, period});
  }
  static const StatisticsTable& Table(const StatisticsReport& r, const std::string& name) {
    for (const StatisticsTable& t : r.tables) {
      if (t.name == name) return t;
    }
    ADD_FAILURE() << "no table " << name;
    static const StatisticsTable kNone;
    return kNone;
  }
  static std::optional<int64_t> CellOf(const StatisticsTable& t, const std::string& row,
                                       const std::string& column = "") {
    for (size_t r = 0; r < t.rows.size(); ++r) {
      if (t.rows[r] != row) continue;
      for (size_t c = 0; c < t.columns.size(); ++c) {
        if (column.empty() || t.columns[c] == column) return t.cells[r][c];
      }
    }
    ADD_FAILURE() << "no cell " << row << "/" << column << " in " << t.name;
    return std::nullopt;
  }
  // The counts of `service` on `day`, as stored.
  std::map<std::string, int64_t> Raw(UnixMillis day, const std::string& service = "helpline") {
    std::map<std::string, int64_t> out;
    const int32_t d = stats::LocalDay(day, 0);
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kStatistics, stats::DayPrefix(service, d),
                           [&](std::string_view k, std::string_view v) {
                             std::string s;
                             int32_t at = 0;
                             stats::Cell c;
                             EXPECT_TRUE(stats::ParseCellKey(k, &s, &at, &c));
                             out[c.table + "/" + c.row + (c.column.empty() ? "" : "/" + c.column)] +=
                                 static_cast<int64_t>(GetU64(v.data()));
                             return true;
                           })
                    .ok());
    return out;
  }
  // Every key and value of the statistics column, concatenated.
  std::string StatisticsBytes() {
    std::string out;
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kStatistics, "",
                           [&](std::string_view k, std::string_view v) {
                             out.append(k);
                             out.append(v);
                             return true;
                           })
                    .ok());
    return out;
  }
  Status Form(const std::string& id, std::vector<std::pair<std::string, std::string>> answers,
              const Caller& who = Writer()) {
    return vault_->SubmitMonitoring(who, id, MonitoringAnswers{std::move(answers)});
  }

  TempDir dir_;
  StatisticsOptions stats_;
  ManualClock clock_{At(2027, 3, 1, 9)};
  std::unique_ptr<VaultImpl> vault_;
};

TEST_F(StatisticsTest, AClosedChatAddsToEveryTableOfTheDayItClosed) {
  Visitor phone;
  phone.ref = "v-1";
  phone.user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";
  // Monday 1 March 2027, 09:00: replied after 3 minutes, 20 minutes long.
  Run({phone, {{"visitor", 0}, {"agent", 3}, {"visitor", 4}, {"system", 19}}, 20});
  // The same visitor again at 14:00 (returning), on a tablet, no reply, 1 h 10.
  Set(At(2027, 3, 1, 14));
  Visitor tablet = phone;
  tablet.device = "tablet";
  Run({tablet, {{"visitor", 0}, {"visitor", 30}}, 70});
  // Wednesday 3 March, 22:30: a desktop, unknown visitor, replied at once.
  Set(At(2027, 3, 3, 22, 30));
  Visitor desk;
  desk.user_agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64)";
  Run({desk, {{"agent", 0}}, 5});

  // Counted on the days they closed, exactly.
  const std::map<std::string, int64_t> monday = {
      {"chats/", 2},          {"agent_reply/replied", 1},   {"agent_reply/not_replied", 1},
      {"first_reply/1m to 5m", 1}, {"duration/15m to 30m", 1}, {"duration/1h or more", 1},
      {"returning/new", 1},   {"returning/returning", 1},   {"device/mobile", 1},
      {"device/tablet", 1},   {"messages/visitor", 4},      {"messages/system", 1},
      {"messages/agent", 1},  {"hour_weekday/09/Mon", 1},   {"hour_weekday/14/Mon", 1}};
  EXPECT_EQ(Raw(At(2027, 3, 1)), monday);
  const std::map<std::string, int64_t> wednesday = {
      {"chats/", 1},          {"agent_reply/replied", 1},   {"first_reply/under 1m", 1},
      {"duration/5m to 15m", 1}, {"returning/new", 1},      {"device/desktop", 1},
      {"messages/agent", 1},  {"messages/visitor", 0},      {"messages/system", 0},
      {"hour_weekday/22/Wed", 1}};
  std::map<std::string, int64_t> wed = Raw(At(2027, 3, 3));
  wed.emplace("messages/visitor", 0);  // zero deltas are not written
  wed.emplace("messages/system", 0);
  EXPECT_EQ(wed, wednesday);

  // Published not before the week has ended and a day has passed, with
  // every count shown as stored or hidden, never changed.
  Set(At(2027, 3, 8, 23, 59));
  EXPECT_EQ(Read("2027-03-w1").status().reason(), "not_published");
  Set(At(2027, 3, 9));
  auto week = Read("2027-03-w1");
  ASSERT_TRUE(week.ok()) << week.status().ToString();
  EXPECT_EQ(week->kind, "week");
  EXPECT_EQ(week->first_day, "2027-03-01");
  EXPECT_EQ(week->last_day, "2027-03-07");
  EXPECT_EQ(week->threshold, 1);
  const StatisticsTable& messages = Table(*week, "messages");
  for (const char* row : {"visitor", "agent", "system"}) {
    const std::optional<int64_t> shown = CellOf(messages, row);
    if (shown) {
      EXPECT_EQ(*shown, std::string(row) == "visitor" ? 4 : std::string(row) == "agent" ? 2 : 1);
    }
  }
  const StatisticsTable& when = Table(*week, "hour_weekday");
  EXPECT_EQ(when.rows.front(), "00-06");
  EXPECT_EQ(when.columns.front(), "Mon");
  EXPECT_EQ(when.columns.back(), "Sun");
}

TEST_F(StatisticsTest, NothingIsCountedAtOpenOrPerMessageOnlyAtClose) {
  NewTranscript req;
  req.service = "helpline";
  auto created = vault_->CreateTranscript(Writer(), req);
  ASSERT_TRUE(created.ok());
  for (uint64_t seq = 0; seq < 5; ++seq) {
    ASSERT_TRUE(vault_->AppendMessage(Writer(), created->id,
                                      Message{seq, "visitor", "hello", "2027-03-01T09:00:00Z", {}})
                    .ok());
  }
  EXPECT_EQ(StatisticsBytes(), "");
  ASSERT_TRUE(vault_->CloseTranscript(Writer(), created->id).ok());
  EXPECT_NE(StatisticsBytes(), "");
  // Closing again changes nothing.
  const std::string after = StatisticsBytes();
  ASSERT_TRUE(vault_->CloseTranscript(Writer(), created->id).ok());
  EXPECT_EQ(StatisticsBytes(), after);
}

TEST_F(StatisticsTest, TheStatisticsColumnHoldsNoIdNoVisitorFieldAndNoExactTime) {
  std::vector<std::string> ids;
  std::vector<UnixMillis> times;
  std::vector<std::string> fields;
  for (int i = 0; i < 6; ++i) {
    Visitor v;
    v.name = "Visitor Name " + std::to_string(i);
    v.ref = "ref-" + std::to_string(1000 + i);
    v.email = "person" + std::to_string(i) + "@example.org";
    v.phone = "+4477009000" + std::to_string(10 + i);
    v.ip = "198.51.100." + std::to_string(20 + i);
    v.location = "Townsville " + std::to_string(i);
    v.user_agent = "Agent/" + std::to_string(i) + " (Linux; Android 14)";
    v.device = "Pixel " + std::to_string(i);
    for (const auto* f : {&v.name, &v.ref, &v.email, &v.phone, &v.ip, &v.location, &v.user_agent,
                          &v.device}) {
      fields.push_back(**f);
    }
    Set(At(2027, 3, 1, 9) + i * 37 * kMinute + 1234);
    times.push_back(clock_.NowMillis());
    const std::string id = Run({v, {{"visitor", 1}, {"agent", 2}}, 9});
    ids.push_back(id);
    times.push_back(clock_.NowMillis());
    ASSERT_TRUE(Form(id, {{"age", "14-16"}, {"helped", "yes"}}).ok());
  }
  ASSERT_TRUE(vault_->CompactAll().ok());
  const std::string bytes = StatisticsBytes();
  ASSERT_FALSE(bytes.empty());
  for (const std::string& id : ids) {
    std::string raw;
    ASSERT_TRUE(ParseId(id, &raw));
    EXPECT_EQ(bytes.find(id), std::string::npos) << id;
    EXPECT_EQ(bytes.find(raw), std::string::npos) << id;
  }
  for (const std::string& f : fields) EXPECT_EQ(bytes.find(f), std::string::npos) << f;
  for (UnixMillis t : times) {
    std::string be;
    PutU64(&be, static_cast<uint64_t>(t));
    EXPECT_EQ(bytes.find(be), std::string::npos) << t;
    EXPECT_EQ(bytes.find(std::to_string(t)), std::string::npos) << t;
    EXPECT_EQ(bytes.find(FormatRfc3339(t)), std::string::npos) << t;
  }
  // The keys name a service, a day and a cell, and nothing else.
  ASSERT_TRUE(vault_->store()
                  ->Scan(Column::kStatistics, "",
                         [&](std::string_view k, std::string_view v) {
                           std::string service;
                           int32_t day = 0;
                           stats::Cell cell;
                           EXPECT_TRUE(stats::ParseCellKey(k, &service, &day, &cell));
                           EXPECT_EQ(service, "helpline");
                           EXPECT_EQ(stats::DayName(day), "2027-03-01");
                           EXPECT_EQ(v.size(), 8u);
                           return true;
                         })
                  .ok());
}

TEST_F(StatisticsTest, AMonitoringFormIsCountedOnceWithinItsWindowAndNeverWithItsChat) {
  const std::string id = Run({{}, {{"visitor", 0}}, 5});
  ASSERT_TRUE(Form(id, {{"age", "11-13"}}).ok());
  EXPECT_EQ(Form(id, {{"age", "11-13"}}).reason(), "already_submitted");
  EXPECT_EQ(Form(id, {{"helped", "yes"}}).reason(), "already_submitted");

  const std::string other = Run({{}, {{"visitor", 0}}, 5});
  const std::string before = StatisticsBytes();
  EXPECT_EQ(Form(other, {}).reason(), "no_answers");
  EXPECT_EQ(Form(other, {{"shoe-size", "9"}}).reason(), "unknown_question");
  EXPECT_EQ(Form(other, {{"age", "42"}}).reason(), "unknown_answer");
  EXPECT_EQ(Form(other, {{"age", "11-13"}, {"age", "14-16"}}).reason(), "duplicate_question");
  EXPECT_EQ(Form(other, {{"age", "11-13"}}, Writer("another")).reason(), "service_forbidden");
  EXPECT_EQ(Form("00000000000000000000000000000000", {{"age", "11-13"}}).code(),
            Status::Code::kNotFound);
  NewTranscript req;
  req.service = "helpline";
  auto open = vault_->CreateTranscript(Writer(), req);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(Form(open->id, {{"age", "11-13"}}).reason(), "transcript_open");
  clock_.Set(clock_.NowMillis() + kHour + 1);
  EXPECT_EQ(Form(other, {{"age", "11-13"}}).reason(), "too_late");
  EXPECT_EQ(StatisticsBytes(), before) << "a refused form changes nothing";

  // The one form counted, as answered: the question it left out is not
  // stored ("no_answer" is worked out when published).
  std::map<std::string, int64_t> raw = Raw(At(2027, 3, 1));
  EXPECT_EQ(raw["forms/"], 1);
  EXPECT_EQ(raw["question:age/11-13"], 1);
  EXPECT_EQ(raw.count("question:helped/no_answer"), 0u);
  EXPECT_EQ(raw["chats/"], 2);
  Set(At(2027, 3, 9));
  auto week = Read("2027-03-w1");
  ASSERT_TRUE(week.ok()) << week.status().ToString();
  const StatisticsTable& age = Table(*week, "question:age");
  EXPECT_EQ(age.title, "How old are you?");
  EXPECT_EQ(age.rows.back(), "no_answer");
}

TEST_F(StatisticsTest, CountsOutliveShreddingErasureAndRestartsAndAreNeverCountedTwice) {
  const std::string a = Run({{}, {{"visitor", 0}, {"agent", 1}}, 5});
  Set(At(2027, 3, 2, 10));
  const std::string b = Run({{}, {{"visitor", 0}}, 5});
  ASSERT_TRUE(Form(b, {{"helped", "no"}}).ok());
  ASSERT_TRUE(vault_->EraseTranscript(Caller::Trusted("admin"), b, EraseReason::kNone).ok());
  Set(At(2027, 3, 9));
  auto before = Read("2027-03-w1");
  ASSERT_TRUE(before.ok());
  // A restart, and the shredder destroys a's key 30 days after its close.
  Reopen();
  Set(At(2027, 4, 5));
  EXPECT_EQ(vault_->GetTranscript(Caller::Trusted("t"), a).status().code(), Status::Code::kGone);
  auto after = Read("2027-03-w1");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, *before);
  EXPECT_EQ(Raw(At(2027, 3, 1))["chats/"], 1);
  EXPECT_EQ(Raw(At(2027, 3, 2))["chats/"], 1);
  EXPECT_EQ(Raw(At(2027, 3, 2))["question:helped/no"], 1);
}

// "Returning" is answered from the in-memory presence table
// (vault/index/visitor_presence.h) when it can tell, and by searching the
// index otherwise: either way exactly as the index would answer, through
// repeat visits, other services, an address alone, an erasure, a
// correction, a restart (the table rebuilt from the sealed records) and
// shredding.
TEST_F(StatisticsTest, ReturningIsExactThroughErasureCorrectionRestartAndShredding) {
  auto visitor = [](std::optional<std::string> ref, std::optional<std::string> email = {},
                    std::optional<std::string> ip = {}) {
    Visitor v;
    v.ref = std::move(ref);
    v.email = std::move(email);
    v.ip = std::move(ip);
    return v;
  };
  // Whether a chat run now is counted as returning; returns its id in `id`.
  auto returning = [&](const Visitor& v, const std::string& service = "helpline",
                       std::string* id = nullptr) {
    const UnixMillis day = clock_.NowMillis();
    const int64_t before = Raw(day, service)["returning/returning"];
    const int64_t new_before = Raw(day, service)["returning/new"];
    const std::string made = Run({v, {{"visitor", 0}}, 5}, service);
    if (id != nullptr) *id = made;
    const int64_t added = Raw(day, service)["returning/returning"] - before;
    const int64_t added_new = Raw(day, service)["returning/new"] - new_before;
    EXPECT_EQ(added + added_new, 1);
    return added == 1;
  };
  vault_->WaitForIndexFilter();
  ASSERT_TRUE(vault_->visitor_presence().ready());

  std::string a1, a2;
  EXPECT_FALSE(returning(visitor("a", {}, "192.0.2.1"), "helpline", &a1));
  EXPECT_TRUE(returning(visitor("a"), "helpline", &a2));
  EXPECT_FALSE(returning(visitor({}, {}, "192.0.2.1")));  // an address alone: nobody
  EXPECT_FALSE(returning(visitor("a"), "other"));  // another service
  EXPECT_FALSE(returning(visitor("b", "b@example.org")));
  EXPECT_TRUE(returning(visitor("b2", "B@Example.org ")));  // the same e-mail, normalised

  // Erasing every chat of "a": the next is new; then it returns again.
  for (const std::string& id : {a1, a2}) {
    ASSERT_TRUE(vault_->EraseTranscript(Caller::Trusted("admin"), id, EraseReason::kNone).ok());
  }
  EXPECT_FALSE(returning(visitor("a")));
  EXPECT_TRUE(returning(visitor("a")));

  // A correction: "c"'s e-mail is corrected; the old one no longer returns.
  EXPECT_FALSE(returning(visitor("c", "old@example.org")));
  Caller dpo;
  dpo.uid = 1006;
  dpo.roles.Add(Role::kDpo);
  dpo.dpo_scope.all = true;
  dpo.request_id = "rectify";
  SubjectAccessQuery q;
  q.ref = "c";
  auto fixed = vault_->SubjectRectification(dpo, q, {VisitorCorrection{"email", "new@example.org"}});
  ASSERT_TRUE(fixed.ok()) << fixed.status().ToString();
  EXPECT_FALSE(returning(visitor("d", "old@example.org")));
  EXPECT_TRUE(returning(visitor("e", "new@example.org")));

  // After a restart the table is rebuilt from the sealed records.
  Reopen();
  vault_->WaitForIndexFilter();
  ASSERT_TRUE(vault_->visitor_presence().ready());
  EXPECT_GT(vault_->visitor_presence().size().used, 0u);
  EXPECT_TRUE(returning(visitor("b")));
  EXPECT_TRUE(returning(visitor("e")));
  EXPECT_TRUE(returning(visitor("a"), "other"));
  EXPECT_FALSE(returning(visitor("f")));
  EXPECT_TRUE(returning(visitor("d")));

  // Thirty days after these chats their keys are destroyed: nobody returns.
  Set(clock_.NowMillis() + 31 * kDay);
  EXPECT_FALSE(returning(visitor("a")));
  EXPECT_FALSE(returning(visitor("b")));
  EXPECT_FALSE(returning(visitor("x", "new@example.org")));
  // Only the fingerprints of the three chats just made: a, b, and x's two.
  EXPECT_EQ(vault_->visitor_presence().size().used, 4u);
}

// The rebuild reads the transcripts in chunks of 1,024 ids: more than two
// chunks here, with erased and still-open transcripts among them, and each
// visitor is found exactly as the index finds it.
TEST_F(StatisticsTest, ThePresenceTableIsRebuiltFromEveryChunkOfTranscripts) {
  constexpr int kChats = 2100;
  std::vector<std::string> ids;
  for (int i = 0; i < kChats; ++i) {
    NewTranscript req;
    req.service = i % 2 == 0 ? "helpline" : "other";
    req.visitor.ref = "bulk-" + std::to_string(i);
    auto created = vault_->CreateTranscript(Writer(req.service), req);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    if (i % 3 != 0) {
      ASSERT_TRUE(vault_->CloseTranscript(Writer(req.service), created->id).ok());
    }
    ids.push_back(created->id);
  }
  for (int i = 5; i < kChats; i += 400) {
    ASSERT_TRUE(vault_->EraseTranscript(Caller::Trusted("admin"), ids[i], EraseReason::kNone).ok());
  }
  Reopen();
  vault_->WaitForIndexFilter();
  const VisitorPresence& table = vault_->visitor_presence();
  ASSERT_TRUE(table.ready());
  EXPECT_EQ(table.size().used, static_cast<size_t>(kChats - 6));  // 5, 405, ..., 2005 erased
  const uint64_t base = vault_->keyring()->base_epoch();
  for (int i = 0; i < kChats; ++i) {
    const std::string service = i % 2 == 0 ? "helpline" : "other";
    const std::vector<Identifier> who = {{IdentifierKind::kRef, "bulk-" + std::to_string(i)}};
    const bool erased = i % 400 == 5;
    ASSERT_EQ(table.Lookup(service, who, base),
              erased ? VisitorPresence::Answer::kAbsent : VisitorPresence::Answer::kPresent)
        << i;
    ASSERT_EQ(table.Lookup(service == "other" ? "helpline" : "other", who, base),
              VisitorPresence::Answer::kAbsent)
        << i;
  }
}

TEST_F(StatisticsTest, AnIdleChatIsCountedOnceWhenTheVaultClosesIt) {
  NewTranscript req;
  req.service = "helpline";
  auto created = vault_->CreateTranscript(Writer(), req);
  ASSERT_TRUE(created.ok());
  Set(clock_.NowMillis() + 3 * kHour);  // idle close (2 h)
  EXPECT_EQ(Raw(At(2027, 3, 1))["chats/"], 1);
  Set(clock_.NowMillis() + 3 * kHour);  // nothing more
  Reopen();
  Set(clock_.NowMillis() + kHour);
  EXPECT_EQ(Raw(At(2027, 3, 1))["chats/"], 1);
  EXPECT_EQ(Raw(At(2027, 3, 1))["duration/1h or more"], 0) << "closed as of its last activity";
  EXPECT_EQ(Raw(At(2027, 3, 1))["duration/under 5m"], 1);
}

TEST_F(StatisticsTest, ARestrictedChatIsNeitherCountedNorTakesAForm) {
  // Restricted while open (a restriction asked for during the chat).
  Visitor v;
  v.email = "sam@example.org";
  NewTranscript req;
  req.service = "helpline";
  req.visitor = v;
  auto created = vault_->CreateTranscript(Writer(), req);
  ASSERT_TRUE(created.ok());
  SubjectAccessQuery q;
  q.email = "sam@example.org";
  ASSERT_TRUE(vault_->SubjectRestriction(Caller::Trusted("dpo"), q, RightsKind::kRestriction).ok());
  ASSERT_TRUE(vault_->CloseTranscript(Writer(), created->id).ok());
  EXPECT_EQ(StatisticsBytes(), "");
  EXPECT_EQ(Form(created->id, {{"helped", "yes"}}).reason(), "restricted");
}

TEST_F(StatisticsTest, WithStatisticsOffNothingIsCountedAndSuchAChatNeverTakesAForm) {
  stats_.enabled = false;
  Reopen();
  const std::string off = Run({{}, {{"visitor", 0}}, 5});
  EXPECT_EQ(StatisticsBytes(), "");
  EXPECT_EQ(Form(off, {{"helped", "yes"}}).reason(), "not_counted");
  // Turned on again within the form's window: the chat closed while off
  // was not counted, so neither is its form.
  stats_.enabled = true;
  Reopen();
  EXPECT_EQ(Form(off, {{"helped", "yes"}}).reason(), "not_counted");
  EXPECT_EQ(StatisticsBytes(), "");
  const std::string on = Run({{}, {{"visitor", 0}}, 5});
  EXPECT_TRUE(Form(on, {{"helped", "yes"}}).ok());
}

TEST_F(StatisticsTest, OnlyAnalystsOfTheServiceAdminsAndAuditorsReadAndEveryReadIsAudited) {
  Run({{}, {{"visitor", 0}}, 5});
  Set(At(2027, 4, 2));
  Caller admin;
  admin.roles.Add(Role::kAdmin);
  Caller auditor;
  auditor.roles.Add(Role::kAuditor);
  EXPECT_TRUE(Read("2027-03", admin).ok());
  EXPECT_TRUE(Read("2027-03", auditor).ok());
  EXPECT_TRUE(Read("2027-03", Analyst()).ok());
  EXPECT_EQ(Read("2027-03", Analyst("other")).status().reason(), "service_forbidden");
  EXPECT_EQ(Read("2027-03", Writer()).status().reason(), "forbidden");
  Caller agent;
  agent.roles.Add(Role::kAgent);
  agent.read_scope = ServiceScope::Everything();
  EXPECT_EQ(Read("2027-03", agent).status().reason(), "forbidden");
  for (const char* bad : {"2027-13", "2027-q5", "2027-03-w5", "27", "2027-3", "", "2027-03-w1x",
                          "1969"}) {
    EXPECT_EQ(Read(bad).status().reason(), "invalid_period") << bad;
  }
  EXPECT_EQ(Read("2027-03", Analyst(), "no such/service").status().reason(), "invalid_service");
  EXPECT_EQ(Read("2027-04").status().reason(), "not_published");
  EXPECT_EQ(Read("2027-q2").status().reason(), "not_published");
  EXPECT_EQ(Read("2027").status().reason(), "not_published");

  auto records = vault_->audit_log()->Read(0, 100000);
  ASSERT_TRUE(records.ok());
  int ok = 0, refused = 0;
  for (const auto& r : *records) {
    if (r.record.type != audit::RecordType::kAccess) continue;
    if (r.record.payload.find("\"statistics.read\"") == std::string::npos) continue;
    if (r.record.payload.find("\"ok\"") != std::string::npos) {
      ++ok;
      EXPECT_NE(r.record.payload.find("\"period\":\"2027-03\""), std::string::npos);
    } else {
      ++refused;
    }
  }
  EXPECT_EQ(ok, 3);
  EXPECT_EQ(refused, 3 + 8 + 1 + 3);
}

}  // namespace
}  // namespace vault::testing
