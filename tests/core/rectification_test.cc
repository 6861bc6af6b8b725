// Rectification (docs/api.md sections 2.5.6 and 2.5.7; docs/design.md
// section 26.8) on a real store with a manual clock.
//
// Visitor fields: each can be corrected, completed or removed; the others
// are kept; the old record is re-sealed and compacted out of the live files;
// the visitor index follows the new identifiers (subject access and history
// find the transcript by the new ones only, also after its key moves); held
// transcripts are withheld and left byte for byte; a dpo of one service
// corrects only that service's transcripts; the register records what was
// rectified; the audit log names fields, never values; bad corrections are
// refused before anything is searched, and change nothing.
//
// Supplementary statements: attached next to their message on every read
// (agents, subject access) without changing the message, its count or the
// expiry; at most 16 per message; text 1 to max_text_bytes of UTF-8; refused
// for an unknown message or transcript, a held, erased or expired transcript,
// another service or another role, each changing nothing; durable across a
// restart; destroyed with the transcript (erasure and shredding).
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tests/core/rights_fixture.h"
#include "vault/core/records.h"
#include "vault/storage/schema.h"

namespace vault::testing {
namespace {

class RectificationTest : public RightsFixture {
 protected:
  static VisitorCorrection Set(const std::string& field, std::optional<std::string> value) {
    return VisitorCorrection{field, std::move(value)};
  }
  StatusOr<SubjectRectificationAnswer> Rectify(const SubjectAccessQuery& q,
                                               const std::vector<VisitorCorrection>& corrections,
                                               const Caller& who = Dpo()) {
    return vault_->SubjectRectification(who, q, corrections);
  }
  StatusOr<StatementAdded> Supplement(const std::string& id, uint64_t seq, const std::string& text,
                                 const std::string& request = "", const Caller& who = Dpo()) {
    StatementFiling f;
    f.seq = seq;
    f.text = text;
    f.request = request;
    return vault_->AddStatement(who, id, f);
  }
  // The transcript as the trusted caller reads it.
  Transcript Read(const std::string& id) {
    auto t = vault_->GetTranscript(caller_, id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Transcript{};
  }
  Visitor VisitorOf(const std::string& id) { return Read(id).visitor; }
  // The visitor record as stored (sealed).
  std::string StoredVisitor(const std::string& id) {
    auto v = vault_->store()->Get(Column::kTranscripts,
                                  TranscriptKey(RawId(id), RecordKind::kVisitor));
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : "";
  }
  // A tail of stored bytes to look for in the files: random (sealed, or a
  // keyed tag and an id), so never compressed, and past any prefix a block
  // may share with its neighbour.
  static std::string Tail(const std::string& bytes, size_t n = 30) {
    return bytes.size() <= n ? bytes : bytes.substr(bytes.size() - n);
  }
  // The visitor-index keys of transcript `id`.
  std::set<std::string> IndexKeysOf(const std::string& id) {
    std::set<std::string> out;
    const std::string raw = RawId(id);
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kVisitorIndex, "",
                           [&](std::string_view k, std::string_view) {
                             if (k.size() >= kIdBytes && k.substr(k.size() - kIdBytes) == raw) {
                               out.emplace(k);
                             }
                             return true;
                           })
                    .ok());
    return out;
  }
  // Every key of the messages column of transcript `id` (messages and
  // statements).
  std::vector<std::string> MessageKeysOf(const std::string& id) {
    std::vector<std::string> out;
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kMessages, RawId(id),
                           [&](std::string_view k, std::string_view) {
                             out.emplace_back(k);
                             return true;
                           })
                    .ok());
    return out;
  }
  // The ids a subject access for `q` discloses or withholds.
  std::set<std::string> Found(const SubjectAccessQuery& q, const Caller& who = Dpo()) {
    std::set<std::string> out;
    auto a = vault_->SubjectAccess(who, q);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    if (a.ok()) {
      for (const SubjectAccessItem& item : a->items) out.insert(item.id);
    }
    return out;
  }
  std::set<std::string> HistoryIds(const std::string& from) {
    std::set<std::string> out;
    for (const HistoryEntry& e : History(from)) out.insert(e.id);
    return out;
  }
  // A closed helpline transcript with messages 1, 2 and 3.
  std::string ThreeMessages(const Visitor& v) {
    const std::string id = Open("helpline", v);
    for (uint64_t seq = 1; seq <= 3; ++seq) Append(id, seq, "message " + std::to_string(seq));
    EXPECT_TRUE(vault_->CloseTranscript(caller_, id).ok());
    return id;
  }
  static std::vector<std::string> Texts(const Message& m) {
    std::vector<std::string> out;
    for (const Statement& s : m.statements) out.push_back(s.text);
    return out;
  }
  // What a refused call must not have changed: every transcript's record as
  // read, the register, and the transcript.rectify / transcript.statement
  // records written.
  struct Snapshot {
    std::map<std::string, Transcript> transcripts;
    std::vector<std::string> entries;
    size_t rectify_records = 0;
    size_t statement_records = 0;
    bool operator==(const Snapshot& o) const {
      return entries == o.entries && rectify_records == o.rectify_records &&
             statement_records == o.statement_records &&
             transcripts.size() == o.transcripts.size() &&
             std::equal(transcripts.begin(), transcripts.end(), o.transcripts.begin(),
                        [](const auto& a, const auto& b) {
                          return a.first == b.first && a.second.visitor == b.second.visitor &&
                                 a.second.messages == b.second.messages &&
                                 a.second.info.message_count == b.second.info.message_count;
                        });
    }
  };
  Snapshot Take(const std::vector<std::string>& ids) {
    Snapshot s;
    for (const std::string& id : ids) s.transcripts[id] = Read(id);
    s.entries = Listed(RightsListing::kAll, Auditor());
    size_t ok_rectify = 0;
    for (const auto& p : AuditPayloads("transcript.rectify")) ok_rectify += Outcome(p) == "ok";
    size_t ok_statement = 0;
    for (const auto& p : AuditPayloads("transcript.statement")) ok_statement += Outcome(p) == "ok";
    s.rectify_records = ok_rectify;
    s.statement_records = ok_statement;
    return s;
  }
};

// --- Visitor fields --------------------------------------------------------

TEST_F(RectificationTest, EachVisitorFieldIsCorrectedOrCompletedAndTheOthersKept) {
  Visitor sam = V("sam-1", "sam@example.org");
  sam.name = "Sam Tailor";
  sam.location = "Leeds";
  const std::string id = ThreeMessages(sam);
  const std::string bystander = ThreeMessages(V("alex-9", "alex@example.org"));
  const Transcript before = Read(id);
  const Transcript bystander_before = Read(bystander);

  // One field at a time, each either corrected (it was there) or completed
  // (it was not), found by the ref until the ref itself is corrected.
  Visitor expected = sam;
  struct Step {
    const char* field;
    std::optional<std::string> Visitor::*member;
    std::string value;
  };
  const Step steps[] = {
      {"name", &Visitor::name, "Sam Taylor"},            // corrected
      {"location", &Visitor::location, "York"},          // corrected
      {"ip", &Visitor::ip, "198.51.100.9"},              // completed
      {"user_agent", &Visitor::user_agent, "Firefox"},   // completed
      {"device", &Visitor::device, "phone"},             // completed
      {"email", &Visitor::email, "sam.taylor@example.org"},  // corrected
      {"phone", &Visitor::phone, "+44 7700 900321"},     // completed
      {"ref", &Visitor::ref, "sam-2"},                   // corrected
  };
  for (const Step& s : steps) {
    SCOPED_TRACE(s.field);
    const SubjectAccessQuery q =
        std::string(s.field) == "ref" ? Q(std::nullopt, *expected.email) : Q(*expected.ref);
    auto answer = Rectify(q, {Set(s.field, s.value)});
    ASSERT_TRUE(answer.ok()) << answer.status().ToString();
    EXPECT_EQ(answer->fields, std::vector<std::string>{s.field});
    EXPECT_EQ(answer->rectified, std::vector<std::string>{id});
    EXPECT_TRUE(answer->withheld.empty());
    EXPECT_NE(answer->audit_seq, 0u);
    EXPECT_EQ(answer->answered_at, clock_.NowMillis());
    expected.*s.member = s.value;
    EXPECT_EQ(VisitorOf(id), expected);
    clock_.Advance(10);
  }
  // Removed: null removes the field, and several fields go in one call, in
  // the order given.
  auto removed = Rectify(Q("sam-2"), {Set("location", std::nullopt), Set("device", std::nullopt),
                                      Set("name", "S. Taylor")});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->fields, (std::vector<std::string>{"location", "device", "name"}));
  expected.location.reset();
  expected.device.reset();
  expected.name = "S. Taylor";
  EXPECT_EQ(VisitorOf(id), expected);

  // What was said is never rewritten, and nothing else about the
  // transcript moves; the bystander is untouched.
  const Transcript after = Read(id);
  EXPECT_EQ(after.messages, before.messages);
  EXPECT_EQ(after.info.message_count, before.info.message_count);
  EXPECT_EQ(after.info.expires_at, before.info.expires_at);
  EXPECT_EQ(after.info.last_activity, before.info.last_activity);
  EXPECT_EQ(after.info.closed_at, before.info.closed_at);
  const Transcript bystander_after = Read(bystander);
  EXPECT_EQ(bystander_after.visitor, bystander_before.visitor);
  EXPECT_EQ(bystander_after.messages, bystander_before.messages);

  // Durable: read back the same after a restart.
  Reopen();
  EXPECT_EQ(VisitorOf(id), expected);
}

TEST_F(RectificationTest, TheIndexFollowsTheNewIdentifiers) {
  const std::string id = ThreeMessages(V("sam-1", "sam@example.org", "+447700900111",
                                         "192.0.2.44"));
  // Another chat of the same visitor, by the same ref, to ask histories from.
  const std::string later = ThreeMessages(V("sam-1"));
  ASSERT_EQ(HistoryIds(later), std::set<std::string>{id});
  ASSERT_EQ(IndexKeysOf(id).size(), 4u);

  auto answer = Rectify(Q(std::nullopt, "SAM@example.org"),
                        {Set("email", "sam.new@example.org"), Set("phone", std::nullopt),
                         Set("ref", "sam-9")});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->searched, std::vector<std::string>{"email"});
  ASSERT_EQ(answer->rectified, std::vector<std::string>{id});

  // The old identifiers find nothing; the new and the unchanged ones do.
  EXPECT_TRUE(Found(Q(std::nullopt, "sam@example.org")).empty());
  EXPECT_TRUE(Found(Q(std::nullopt, std::nullopt, "+44 7700 900111")).empty());
  EXPECT_EQ(Found(Q("sam-1")), std::set<std::string>{later});
  EXPECT_EQ(Found(Q(std::nullopt, "Sam.New@example.org")), std::set<std::string>{id});
  EXPECT_EQ(Found(Q("sam-9")), std::set<std::string>{id});
  EXPECT_EQ(Found(Q(std::nullopt, std::nullopt, std::nullopt, "192.0.2.44")),
            std::set<std::string>{id});
  // Histories likewise: the chat under the old ref no longer lists it; one
  // under the new ref does.
  EXPECT_TRUE(HistoryIds(later).empty());
  const std::string newer = ThreeMessages(V("sam-9"));
  EXPECT_EQ(HistoryIds(newer), std::set<std::string>{id});
  // One entry per identifier it has now: ref, email, ip.
  EXPECT_EQ(IndexKeysOf(id).size(), 3u);
}

TEST_F(RectificationTest, AnOpenChatsIndexEntriesMoveWithItsKeyUnderTheNewIdentifiers) {
  const std::string id = Open("helpline", V("sam-1"));
  Append(id, 1, "hello");
  ASSERT_TRUE(Rectify(Q("sam-1"), {Set("ref", "sam-2")}).ok());
  const uint64_t epoch = WrappedEpochOf(id);
  // Written later: its key (and its index entries) move to a later epoch.
  clock_.Advance(5 * kEpoch);
  Append(id, 2, "still there?");
  ASSERT_GT(WrappedEpochOf(id), epoch);
  ASSERT_TRUE(vault_->CloseTranscript(caller_, id).ok());
  EXPECT_TRUE(Found(Q("sam-1")).empty());
  EXPECT_EQ(Found(Q("sam-2")), std::set<std::string>{id});
  EXPECT_EQ(IndexKeysOf(id).size(), 1u);
  EXPECT_EQ(VisitorOf(id).ref, "sam-2");
  EXPECT_EQ(Read(id).messages.size(), 2u);
}

TEST_F(RectificationTest, TheOldRecordAndIndexEntriesLeaveTheLiveFiles) {
  Visitor sam = V("sam-1", "sam@example.org");
  sam.name = "Samantha Oldname";
  const std::string id = ThreeMessages(sam);
  ASSERT_TRUE(vault_->CompactAll().ok());
  const std::string old_record = Tail(StoredVisitor(id));
  const std::set<std::string> old_keys = IndexKeysOf(id);
  ASSERT_EQ(old_keys.size(), 2u);
  ASSERT_TRUE(StoreFilesHold(old_record)) << "the check must see the record before";
  for (const std::string& k : old_keys) ASSERT_TRUE(StoreFilesHold(Tail(k)));

  auto answer = Rectify(Q("sam-1"), {Set("email", "sam@example.net"),
                                     Set("name", "Samantha Newname")});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->rectified, std::vector<std::string>{id});

  // Gone from every live file when the call returns (no compaction by the
  // test): the old sealed record and the old email's entry.
  EXPECT_FALSE(StoreFilesHold(old_record));
  const std::set<std::string> new_keys = IndexKeysOf(id);
  ASSERT_EQ(new_keys.size(), 2u);
  for (const std::string& k : old_keys) {
    if (new_keys.count(k) == 0) {
      EXPECT_FALSE(StoreFilesHold(Tail(k))) << "the old email's entry";
    }
  }
  size_t kept = 0;
  for (const std::string& k : old_keys) kept += new_keys.count(k);
  EXPECT_EQ(kept, 1u) << "the ref's entry is the same key, put again";
  // The new record is there, sealed: no value in the clear, old or new.
  EXPECT_TRUE(StoreFilesHold(Tail(StoredVisitor(id))));
  for (const char* value : {"Oldname", "Newname", "sam@example.net", "sam@example.org"}) {
    EXPECT_FALSE(StoreFilesHold(value)) << value;
  }
}

// The MANIFEST names each table's first and last keys: the old identifier's
// index key (epoch | keyed tag | id) must leave it too, or whoever holds the
// root key and the data directory could test a guessed old identifier
// against it until the transcript's epoch is destroyed. The store writes a
// new MANIFEST after such a compaction (Store::FlushAndCompact).
TEST_F(RectificationTest, TheOldIndexEntryLeavesTheManifestToo) {
  const std::string id = ThreeMessages(V("sam-1", "sam@example.org"));
  ASSERT_TRUE(vault_->CompactAll().ok());
  const std::set<std::string> old_keys = IndexKeysOf(id);
  ASSERT_TRUE(Rectify(Q("sam-1"), {Set("email", "sam@example.net")}).ok());
  const std::set<std::string> new_keys = IndexKeysOf(id);
  size_t gone = 0;
  for (const std::string& k : old_keys) {
    if (new_keys.count(k) == 0) {
      ++gone;
      EXPECT_FALSE(StoreFilesHold(Tail(k))) << "an old index key is still in the data directory";
    }
  }
  EXPECT_EQ(gone, 1u) << "the old email's entry";
}

TEST_F(RectificationTest, AHeldTranscriptIsWithheldAndLeftAsItIs) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string free = ClosedFor(V("sam-1", "sam@example.org"), "free");
  const std::string held = ClosedFor(V("sam-1", "sam@example.org"), "held");
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  const std::string held_record = StoredVisitor(held);
  const std::set<std::string> held_keys = IndexKeysOf(held);
  ASSERT_FALSE(held_keys.empty());

  auto answer = Rectify(Q("sam-1"), {Set("email", "sam@example.net")});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->rectified, std::vector<std::string>{free});
  EXPECT_EQ(answer->withheld, std::vector<std::string>{held});
  EXPECT_EQ(Touches(Get(answer->request)),
            (std::set<std::pair<std::string, std::string>>{{free, "rectified"},
                                                           {held, "withheld"}}));
  // Byte for byte as it was, and still found by its old identifiers.
  EXPECT_EQ(StoredVisitor(held), held_record);
  EXPECT_EQ(IndexKeysOf(held), held_keys);
  EXPECT_EQ(Found(Q(std::nullopt, "sam@example.org")), std::set<std::string>{held});
  EXPECT_EQ(Found(Q(std::nullopt, "sam@example.net")), std::set<std::string>{free});
  // Audited for the one it changed only.
  const auto records = AuditPayloads("transcript.rectify");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(Objects0(records[0]), free);
  const auto summary = AuditPayloads("subject.rectification");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(Detail(summary[0], "rectified"), "1");
  EXPECT_EQ(Detail(summary[0], "withheld"), "1");
}

TEST_F(RectificationTest, RestrictedAndOpenChatsAreCorrectedErasedAndExpiredOnesAreNotFound) {
  const std::string restricted = ClosedFor(V("sam-1"), "restricted");
  ASSERT_TRUE(Restrict(Q("sam-1")).ok());
  ASSERT_EQ(ReadReason(Agent("helpline"), restricted), "restricted");
  const std::string open = Open("helpline", V("sam-1"));
  const std::string erased = ClosedFor(V("sam-1"), "erased");
  ASSERT_TRUE(vault_->EraseTranscript(caller_, erased, EraseReason::kNone).ok());

  auto answer = Rectify(Q("sam-1"), {Set("name", "Sam")});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->rectified, Sorted({restricted, open}));
  // Only the dpo reads a restricted chat: as its visitor's subject access.
  auto disclosed = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(disclosed.ok()) << disclosed.status().ToString();
  size_t seen = 0;
  for (const SubjectAccessItem& item : disclosed->items) {
    if (item.id != restricted) continue;
    ++seen;
    EXPECT_TRUE(item.restricted);
    EXPECT_EQ(item.transcript.visitor.name, "Sam");
  }
  EXPECT_EQ(seen, 1u);
  EXPECT_EQ(VisitorOf(open).name, "Sam");
  // Still restricted; the open chat goes on.
  EXPECT_EQ(ReadReason(Agent("helpline"), restricted), "restricted");
  Append(open, 1, "after the correction");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, open).ok());
  EXPECT_EQ(ReadReason(caller_, erased), "erased");

  // Past its expiry (not yet shredded), a chat is not corrected.
  clock_.Advance(kRetention + 1);
  auto late = Rectify(Q("sam-1"), {Set("name", "Late")});
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_TRUE(late->rectified.empty());
  EXPECT_TRUE(late->withheld.empty());
}

TEST_F(RectificationTest, ADpoOfOneServiceCorrectsOnlyThatServicesChats) {
  const std::string helpline = ClosedFor(V("sam-1"), "helpline", "helpline");
  const std::string textline = ClosedFor(V("sam-1"), "textline", "textline");
  auto answer = Rectify(Q("sam-1"), {Set("name", "Sam")}, Dpo({"helpline"}));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->rectified, std::vector<std::string>{helpline});
  EXPECT_EQ(answer->services, std::vector<std::string>{"helpline"});
  EXPECT_EQ(Get(answer->request).services, std::vector<std::string>{"helpline"});
  EXPECT_EQ(VisitorOf(helpline).name, "Sam");
  EXPECT_FALSE(VisitorOf(textline).name.has_value());

  // Asking for another service is refused, and changes nothing.
  const Snapshot before = Take({helpline, textline});
  SubjectAccessQuery other = Q("sam-1");
  other.services = {"textline"};
  auto refused = Rectify(other, {Set("name", "Other")}, Dpo({"helpline"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "service_forbidden");
  EXPECT_EQ(Take({helpline, textline}), before);
  // A request of the dpo of every service is not the helpline dpo's to use.
  const RightsRequest all = MustRegister(RightsKind::kRectification);
  auto not_theirs =
      Rectify(WithRequest(Q("sam-1"), all.id), {Set("name", "Other")}, Dpo({"helpline"}));
  EXPECT_EQ(not_theirs.status().reason(), "unknown_request");
  EXPECT_EQ(VisitorOf(helpline).name, "Sam");
}

TEST_F(RectificationTest, TheRegisterRecordsWhatWasRectified) {
  const std::string a = ClosedFor(V("sam-1"), "first");
  const std::string b = ClosedFor(V("sam-1"), "second");
  // Without a request: one is registered, received now, and done.
  auto answer = Rectify(Q("sam-1"), {Set("name", "Sam")});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  const RightsRequest done = Get(answer->request);
  EXPECT_EQ(done.kind, RightsKind::kRectification);
  EXPECT_EQ(done.state, RightsState::kDone);
  EXPECT_EQ(done.received_at, clock_.NowMillis());
  EXPECT_EQ(done.closed_at, clock_.NowMillis());
  EXPECT_EQ(Touches(done), (std::set<std::pair<std::string, std::string>>{{a, "rectified"},
                                                                          {b, "rectified"}}));
  // With one: carried out, listed, and left open for the dpo to complete.
  const RightsRequest open = MustRegister(RightsKind::kRectification);
  auto carried = Rectify(WithRequest(Q("sam-1"), open.id), {Set("location", "Hull")});
  ASSERT_TRUE(carried.ok()) << carried.status().ToString();
  EXPECT_EQ(carried->request, open.id);
  const RightsRequest after = Get(open.id);
  EXPECT_EQ(after.state, RightsState::kOpen);
  EXPECT_EQ(Touches(after), Touches(done));
  EXPECT_EQ(Listed(RightsListing::kAll).size(), 2u);
  const auto records = AuditPayloads("transcript.rectify");
  ASSERT_EQ(records.size(), 4u);
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(Detail(records[i], "request"), i < 2 ? done.id : open.id);
    EXPECT_EQ(Detail(records[i], "fields"), i < 2 ? "name" : "location");
  }

  // Of another kind, closed, or unknown: refused, nothing changed.
  const RightsRequest access = MustRegister(RightsKind::kAccess);
  const Snapshot before = Take({a, b});
  struct Bad {
    std::string request;
    const char* reason;
  };
  const Bad bad[] = {{access.id, "wrong_kind"},
                     {done.id, "request_closed"},
                     {std::string(32, '0'), "unknown_request"},
                     {"not-an-id", "unknown_request"}};
  for (const Bad& x : bad) {
    SCOPED_TRACE(x.request);
    auto r = Rectify(WithRequest(Q("sam-1"), x.request), {Set("name", "Changed")});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), x.reason);
    EXPECT_EQ(Take({a, b}), before);
  }
  EXPECT_EQ(Touches(Get(access.id)).size(), 0u);
}

TEST_F(RectificationTest, AuditRecordsNameTheFieldsAndNeverAValue) {
  Visitor sam = V("ref-old-5150", "old.address@example.org", "+447700900808", "203.0.113.50");
  sam.name = "Oldfirst Oldlast";
  sam.location = "Oldtown";
  sam.user_agent = "OldAgent/1.0";
  sam.device = "OldDevice";
  const std::string id = ClosedFor(sam, "hello");
  auto answer = Rectify(Q("ref-old-5150"), {Set("name", "Newfirst Newlast"),
                                            Set("ip", "203.0.113.99"),
                                            Set("location", "Newtown"),
                                            Set("user_agent", "NewAgent/2.0"),
                                            Set("device", "NewDevice"),
                                            Set("ref", "ref-new-6160"),
                                            Set("email", "New.Address@example.org"),
                                            Set("phone", "+44 7700 900909")});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->rectified, std::vector<std::string>{id});

  const auto per_transcript = AuditPayloads("transcript.rectify");
  ASSERT_EQ(per_transcript.size(), 1u);
  EXPECT_EQ(Objects0(per_transcript[0]), id);
  EXPECT_EQ(Outcome(per_transcript[0]), "ok");
  EXPECT_EQ(Detail(per_transcript[0], "fields"),
            "name,ip,location,user_agent,device,ref,email,phone");
  EXPECT_EQ(Detail(per_transcript[0], "request"), answer->request);
  const auto summary = AuditPayloads("subject.rectification");
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(Objects0(summary[0]), answer->request);
  EXPECT_EQ(Detail(summary[0], "searched"), "ref");
  EXPECT_EQ(Detail(summary[0], "rectified"), "1");
  EXPECT_EQ(Detail(summary[0], "withheld"), "0");
  EXPECT_EQ(Detail(summary[0], "fields"), Detail(per_transcript[0], "fields"));

  // No value, old or new, as given or normalised, in any record.
  const std::string audit = AllAuditText();
  for (const char* value :
       {"ref-old-5150", "old.address", "7700900808", "7700 900808", "203.0.113.50", "Oldfirst",
        "Oldlast", "Oldtown", "OldAgent", "OldDevice", "ref-new-6160", "New.Address",
        "new.address", "7700900909", "7700 900909", "203.0.113.99", "Newfirst", "Newlast",
        "Newtown", "NewAgent", "NewDevice"}) {
    EXPECT_EQ(audit.find(value), std::string::npos) << value;
  }
}

TEST_F(RectificationTest, BadCorrectionsAreRefusedBeforeAnythingIsSearched) {
  const std::string id = ClosedFor(V("sam-1", "sam@example.org"), "hello");
  const Snapshot before = Take({id});
  struct Bad {
    const char* what;
    SubjectAccessQuery query;
    std::vector<VisitorCorrection> corrections;
    Caller who;
    const char* reason;
  };
  Caller writer = Writer("helpline");
  const std::vector<Bad> bad = {
      {"empty", Q("sam-1"), {}, Dpo(), "no_change"},
      {"unknown field", Q("sam-1"), {Set("nickname", "S")}, Dpo(), "invalid_field"},
      {"service is no visitor field", Q("sam-1"), {Set("service", "x")}, Dpo(), "invalid_field"},
      {"twice", Q("sam-1"), {Set("name", "A"), Set("name", "B")}, Dpo(), "invalid_field"},
      {"too long", Q("sam-1"), {Set("location", std::string(1025, 'x'))}, Dpo(),
       "field_too_long"},
      {"not utf-8", Q("sam-1"), {Set("name", "\xff\xfe")}, Dpo(), "invalid_utf8"},
      {"bad email", Q("sam-1"), {Set("email", "not-an-address")}, Dpo(), "invalid_email"},
      {"bad phone", Q("sam-1"), {Set("phone", "ring me")}, Dpo(), "invalid_phone"},
      {"a good field before a bad one", Q("sam-1"),
       {Set("name", "Changed"), Set("email", "not-an-address")}, Dpo(), "invalid_email"},
      {"no identifier", Q(std::nullopt), {Set("name", "Changed")}, Dpo(), "no_identifier"},
      {"bad identifier", Q(std::nullopt, "nope"), {Set("name", "Changed")}, Dpo(),
       "invalid_email"},
      {"writer", Q("sam-1"), {Set("name", "Changed")}, writer, "forbidden"},
      {"agent", Q("sam-1"), {Set("name", "Changed")}, Agent("helpline"), "forbidden"},
      {"auditor", Q("sam-1"), {Set("name", "Changed")}, Auditor(), "forbidden"},
      {"admin", Q("sam-1"), {Set("name", "Changed")}, Admin(), "forbidden"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    auto r = Rectify(b.query, b.corrections, b.who);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), b.reason);
    EXPECT_EQ(Take({id}), before) << "nothing may change";
  }
  // Exactly at the limit is fine.
  auto at_limit = Rectify(Q("sam-1"), {Set("location", std::string(1024, 'x'))});
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_EQ(VisitorOf(id).location, std::string(1024, 'x'));
  // Each refusal was audited with its code and no object.
  size_t refusals = 0;
  for (const auto& p : AuditPayloads("subject.rectification")) refusals += Outcome(p) != "ok";
  EXPECT_EQ(refusals, bad.size());
}

// --- Supplementary statements ------------------------------------------------

TEST_F(RectificationTest, AStatementIsShownNextToItsMessageAndChangesNothingElse) {
  const std::string id = ThreeMessages(V("sam-1"));
  const Transcript before = Read(id);
  clock_.Advance(1234);
  auto added = Supplement(id, 2, "The visitor states that the address given was a former one.");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->id, id);
  EXPECT_EQ(added->seq, 2u);
  EXPECT_EQ(added->added_at, clock_.NowMillis());
  // Registered, for the transcript's service, and done at once.
  const RightsRequest entry = Get(added->request);
  EXPECT_EQ(entry.kind, RightsKind::kRectification);
  EXPECT_EQ(entry.state, RightsState::kDone);
  EXPECT_EQ(entry.services, std::vector<std::string>{"helpline"});
  EXPECT_EQ(Touches(entry), (std::set<std::pair<std::string, std::string>>{{id, "rectified"}}));
  clock_.Advance(10);
  auto second = Supplement(id, 2, "And a second one.");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_NE(second->request, added->request);

  // Next to its message, in the order added, wherever it is read; the
  // message itself unchanged.
  auto read = vault_->GetTranscript(Agent("helpline"), id);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->messages.size(), 3u);
  EXPECT_TRUE(read->messages[0].statements.empty());
  EXPECT_TRUE(read->messages[2].statements.empty());
  const std::vector<Statement> expected = {
      {"The visitor states that the address given was a former one.", added->added_at},
      {"And a second one.", second->added_at}};
  EXPECT_EQ(read->messages[1].statements, expected);
  Message bare = read->messages[1];
  bare.statements.clear();
  EXPECT_EQ(bare, before.messages[1]);
  EXPECT_EQ(read->info.message_count, before.info.message_count);
  EXPECT_EQ(read->info.expires_at, before.info.expires_at);
  EXPECT_EQ(read->info.last_activity, before.info.last_activity);
  EXPECT_EQ(read->visitor, before.visitor);

  auto disclosed = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(disclosed.ok()) << disclosed.status().ToString();
  ASSERT_EQ(disclosed->items.size(), 1u);
  ASSERT_EQ(disclosed->items[0].transcript.messages.size(), 3u);
  EXPECT_EQ(disclosed->items[0].transcript.messages[1].statements, expected);
  EXPECT_TRUE(disclosed->items[0].transcript.messages[0].statements.empty());

  // Audited with the seq and the entry, never the text.
  const auto records = AuditPayloads("transcript.statement");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(Objects0(records[0]), id);
  EXPECT_EQ(Detail(records[0], "seq"), "2");
  EXPECT_EQ(Detail(records[0], "request"), added->request);
  const std::string audit = AllAuditText();
  EXPECT_EQ(audit.find("former one"), std::string::npos);
  EXPECT_EQ(audit.find("second one"), std::string::npos);
}

TEST_F(RectificationTest, AStatementCarriesOutANamedRequestWhichStaysOpen) {
  const std::string id = ThreeMessages(V("sam-1"));
  const RightsRequest open = MustRegister(RightsKind::kRectification);
  auto added = Supplement(id, 1, "Statement under a request.", open.id);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added->request, open.id);
  const RightsRequest after = Get(open.id);
  EXPECT_EQ(after.state, RightsState::kOpen);
  EXPECT_EQ(Touches(after), (std::set<std::pair<std::string, std::string>>{{id, "rectified"}}));
  EXPECT_EQ(Listed(RightsListing::kAll), std::vector<std::string>{open.id});
  EXPECT_EQ(Texts(Read(id).messages[0]), std::vector<std::string>{"Statement under a request."});
}

TEST_F(RectificationTest, AMessageTakesAtMostSixteenStatements) {
  const std::string id = ThreeMessages(V("sam-1"));
  std::vector<std::string> texts;
  for (int i = 0; i < 16; ++i) {
    texts.push_back("statement " + std::to_string(i));
    auto added = Supplement(id, 3, texts.back());
    ASSERT_TRUE(added.ok()) << i << ": " << added.status().ToString();
  }
  const Snapshot before = Take({id});
  auto seventeenth = Supplement(id, 3, "one too many");
  ASSERT_FALSE(seventeenth.ok());
  EXPECT_EQ(seventeenth.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(seventeenth.status().reason(), "too_many_statements");
  EXPECT_EQ(Take({id}), before);
  EXPECT_EQ(Texts(Read(id).messages[2]), texts);
  // Another message of the same transcript still takes one.
  ASSERT_TRUE(Supplement(id, 1, "on the first message").ok());
  EXPECT_EQ(Texts(Read(id).messages[0]), std::vector<std::string>{"on the first message"});
  EXPECT_EQ(Read(id).messages[2].statements.size(), 16u);
}

TEST_F(RectificationTest, BadStatementsAreRefusedAndChangeNothing) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = ThreeMessages(V("sam-1"));
  const std::string textline = ClosedFor(V("sam-1"), "textline", "textline");
  const std::string held = ClosedFor(V("sam-1"), "held");
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  const std::string erased = ClosedFor(V("sam-1"), "erased");
  ASSERT_TRUE(vault_->EraseTranscript(caller_, erased, EraseReason::kNone).ok());
  const RightsRequest access = MustRegister(RightsKind::kAccess);
  const RightsRequest closed = MustRegister(RightsKind::kRectification);
  ASSERT_TRUE(Complete(closed.id).ok());
  const size_t max = 64 * 1024;
  const std::string ok_text = "A statement.";

  struct Bad {
    const char* what;
    std::string id;
    uint64_t seq;
    std::string text;
    std::string request;
    Caller who;
    Status::Code code;
    const char* reason;
  };
  using C = Status::Code;
  const std::vector<Bad> bad = {
      {"empty text", id, 1, "", "", Dpo(), C::kInvalidArgument, "invalid_text"},
      {"too long", id, 1, std::string(max + 1, 'x'), "", Dpo(), C::kInvalidArgument,
       "invalid_text"},
      {"not utf-8", id, 1, "bad \xc3\x28 text", "", Dpo(), C::kInvalidArgument, "invalid_text"},
      {"no such message", id, 4, ok_text, "", Dpo(), C::kNotFound, "no_such_message"},
      {"seq 0 never sent", id, 0, ok_text, "", Dpo(), C::kNotFound, "no_such_message"},
      {"no such transcript", std::string(32, 'a'), 1, ok_text, "", Dpo(), C::kNotFound,
       "not_found"},
      {"not an id", "xyz", 1, ok_text, "", Dpo(), C::kNotFound, "not_found"},
      {"held", held, 1, ok_text, "", Dpo(), C::kFailedPrecondition, "legal_hold"},
      {"erased", erased, 1, ok_text, "", Dpo(), C::kGone, "erased"},
      {"another service", textline, 1, ok_text, "", Dpo({"helpline"}), C::kPermissionDenied,
       "service_forbidden"},
      {"unknown request", id, 1, ok_text, std::string(32, '0'), Dpo(), C::kNotFound,
       "unknown_request"},
      {"request of another kind", id, 1, ok_text, access.id, Dpo(), C::kFailedPrecondition,
       "wrong_kind"},
      {"closed request", id, 1, ok_text, closed.id, Dpo(), C::kFailedPrecondition,
       "request_closed"},
      {"writer", id, 1, ok_text, "", Writer("helpline"), C::kPermissionDenied, "forbidden"},
      {"agent", id, 1, ok_text, "", Agent("helpline"), C::kPermissionDenied, "forbidden"},
      {"auditor", id, 1, ok_text, "", Auditor(), C::kPermissionDenied, "forbidden"},
      {"admin", id, 1, ok_text, "", Admin(), C::kPermissionDenied, "forbidden"},
  };
  const Snapshot before = Take({id, textline});
  const std::vector<std::string> held_keys = MessageKeysOf(held);
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.what);
    auto r = Supplement(b.id, b.seq, b.text, b.request, b.who);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), b.code) << r.status().ToString();
    EXPECT_EQ(r.status().reason(), b.reason);
    EXPECT_EQ(Take({id, textline}), before) << "nothing may change";
    EXPECT_EQ(MessageKeysOf(held), held_keys);
  }
  size_t refusals = 0;
  for (const auto& p : AuditPayloads("transcript.statement")) refusals += Outcome(p) != "ok";
  EXPECT_EQ(refusals, bad.size());
  EXPECT_EQ(Touches(Get(access.id)).size(), 0u);

  // Exactly max_text_bytes, of multi-byte UTF-8, is taken.
  std::string longest;
  while (longest.size() + 2 <= max) longest += "\xc3\xa9";  // é
  ASSERT_EQ(longest.size(), max);
  ASSERT_TRUE(Supplement(id, 1, longest).ok());
  EXPECT_EQ(Texts(Read(id).messages[0]), std::vector<std::string>{longest});
}

TEST_F(RectificationTest, AnExpiredTranscriptTakesNoStatementARestrictedOrOpenOneDoes) {
  const std::string restricted = ThreeMessages(V("sam-1"));
  ASSERT_TRUE(Restrict(Q("sam-1")).ok());
  const std::string open = Open("helpline", V("alex-2"));
  Append(open, 1, "first");
  const Transcript open_before = Read(open);
  ASSERT_TRUE(Supplement(restricted, 1, "on a restricted chat").ok());
  EXPECT_EQ(ReadReason(Agent("helpline"), restricted), "restricted");
  auto disclosed = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(disclosed.ok());
  ASSERT_EQ(disclosed->items.size(), 1u);
  EXPECT_EQ(Texts(disclosed->items[0].transcript.messages[0]),
            std::vector<std::string>{"on a restricted chat"});
  // An open chat: the statement changes neither its count nor its expiry,
  // and the chat goes on.
  ASSERT_TRUE(Supplement(open, 1, "on an open chat").ok());
  EXPECT_EQ(Read(open).info.expires_at, open_before.info.expires_at);
  EXPECT_EQ(Read(open).info.message_count, 1u);
  Append(open, 2, "second");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, open).ok());
  const Transcript closed = Read(open);
  ASSERT_EQ(closed.messages.size(), 2u);
  EXPECT_EQ(Texts(closed.messages[0]), std::vector<std::string>{"on an open chat"});
  EXPECT_TRUE(closed.messages[1].statements.empty());

  // Past its expiry, before it is shredded: gone.
  clock_.Set(closed.info.expires_at);
  auto late = Supplement(open, 1, "too late");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), Status::Code::kGone);
  EXPECT_EQ(late.status().reason(), "expired");
}

TEST_F(RectificationTest, StatementsSurviveARestart) {
  const std::string id = ThreeMessages(V("sam-1"));
  ASSERT_TRUE(Supplement(id, 1, "first statement").ok());
  ASSERT_TRUE(Supplement(id, 3, "on the last message").ok());
  const Transcript before = Read(id);
  Reopen();
  const Transcript after = Read(id);
  EXPECT_EQ(after.messages, before.messages);
  EXPECT_EQ(Texts(after.messages[0]), std::vector<std::string>{"first statement"});
  EXPECT_EQ(Texts(after.messages[2]), std::vector<std::string>{"on the last message"});
  // Counting resumes where it was: 15 more on message 1, then refused.
  for (int i = 0; i < 15; ++i) {
    ASSERT_TRUE(Supplement(id, 1, "more " + std::to_string(i)).ok()) << i;
  }
  EXPECT_EQ(Supplement(id, 1, "one too many").status().reason(), "too_many_statements");
}

TEST_F(RectificationTest, StatementsGoWithTheirTranscript) {
  // Erased: every key gone from the column, the sealed statement from the
  // live files.
  const std::string erased = ThreeMessages(V("sam-1"));
  ASSERT_TRUE(Supplement(erased, 2, "erased with it").ok());
  ASSERT_TRUE(vault_->CompactAll().ok());
  std::string sealed_statement;
  ASSERT_TRUE(vault_->store()
                  ->Scan(Column::kMessages, RawId(erased),
                         [&](std::string_view k, std::string_view v) {
                           if (k.size() == kIdBytes + 9) sealed_statement = Tail(std::string(v));
                           return true;
                         })
                  .ok());
  ASSERT_FALSE(sealed_statement.empty());
  ASSERT_TRUE(StoreFilesHold(sealed_statement));
  ASSERT_TRUE(vault_->EraseTranscript(caller_, erased, EraseReason::kNone).ok());
  EXPECT_TRUE(MessageKeysOf(erased).empty());
  EXPECT_FALSE(StoreFilesHold(sealed_statement));

  // Shredded at the end of its retention: likewise.
  const std::string expiring = ThreeMessages(V("kim-2"));
  ASSERT_TRUE(Supplement(expiring, 1, "shredded with it").ok());
  ASSERT_EQ(MessageKeysOf(expiring).size(), 4u);
  const UnixMillis expires = Read(expiring).info.expires_at;
  clock_.Set((expires / kEpoch + 2) * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(ReadReason(caller_, expiring), "expired");
  EXPECT_TRUE(MessageKeysOf(expiring).empty());
}

TEST_F(RectificationTest, ARectificationLeavesStatementsAndMessagesAlone) {
  const std::string id = ThreeMessages(V("sam-1"));
  ASSERT_TRUE(Supplement(id, 2, "a statement").ok());
  const Transcript before = Read(id);
  ASSERT_TRUE(Rectify(Q("sam-1"), {Set("ref", "sam-2"), Set("name", "Sam")}).ok());
  const Transcript after = Read(id);
  EXPECT_EQ(after.messages, before.messages);
  EXPECT_EQ(after.visitor.ref, "sam-2");
}

}  // namespace
}  // namespace vault::testing
