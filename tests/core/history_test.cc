// A visitor's history through the visitor index, on a real store with a
// manual clock: which transcripts are found, for whom, and what is left on
// disk once they are destroyed.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "tests/core/visitor_fixture.h"
#include "vault/crypto/custodian.h"
#include "vault/index/identifiers.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

class HistoryTest : public VisitorFixture {
 protected:
  std::vector<HistoryEntry> All(const Caller& who, const std::string& id, size_t limit = 100) {
    std::vector<HistoryEntry> out;
    HistoryQuery q;
    q.limit = limit;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = vault_->ListHistory(who, id, q);
      EXPECT_TRUE(page.ok()) << page.status().ToString();
      if (!page.ok()) break;
      out.insert(out.end(), page->entries.begin(), page->entries.end());
      if (page->next.empty()) break;
      q.after = page->next;
    }
    return out;
  }
  static std::vector<std::string> Ids(const std::vector<HistoryEntry>& entries) {
    std::vector<std::string> ids;
    for (const auto& e : entries) ids.push_back(e.id);
    return ids;
  }
};

TEST_F(HistoryTest, ListsTheSameVisitorsOtherTranscriptsInTheSameServiceNewestFirst) {
  // Sam: three chats on the helpline (by ref, then email, then phone), one
  // on another service. Alex shares Sam's IP address only.
  const std::string s1 = Open("helpline", V("sam-1", "sam@example.org", nullptr, "192.0.2.7"));
  clock_.Advance(100);
  const std::string s2 = Open("helpline", V("sam-1"));
  clock_.Advance(100);
  const std::string s3 = Open("helpline", V(nullptr, "SAM@example.org ", "+44 20 7946 0958"));
  clock_.Advance(100);
  const std::string s4 = Open("helpline", V(nullptr, nullptr, "020 7946 0958"));
  const std::string other = Open("textline", V("sam-1", "sam@example.org"));
  const std::string alex = Open("helpline", V("alex-9", nullptr, nullptr, "192.0.2.7"));
  Append(s2, 1, "hello");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, s2).ok());

  // From s1 (ref sam-1, email): s3 by email, s2 by ref; not s4 (another
  // phone form without +44: a different number), not textline, not Alex.
  auto h = All(Agent("helpline"), s1);
  EXPECT_EQ(Ids(h), (std::vector<std::string>{s3, s2}));
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].matched, std::vector<std::string>{"email"});
  EXPECT_EQ(h[0].state, "open");
  EXPECT_EQ(h[1].matched, std::vector<std::string>{"ref"});
  EXPECT_EQ(h[1].state, "closed");
  EXPECT_EQ(h[1].message_count, 1u);
  EXPECT_GT(h[1].closed_at, 0);
  EXPECT_EQ(h[1].expires_at, h[1].closed_at + kRetention);

  // From s3 (email, phone): s1 by email only.
  EXPECT_EQ(Ids(All(Agent("helpline"), s3)), (std::vector<std::string>{s1}));
  // The other service sees only its own.
  EXPECT_TRUE(All(Agent("textline"), other).empty());
  // An IP address alone links nobody.
  EXPECT_TRUE(All(Agent("helpline"), alex).empty());
  EXPECT_TRUE(All(Agent("helpline"), s4).empty());
}

TEST_F(HistoryTest, PagesAreStableAndComplete) {
  std::vector<std::string> ids;
  for (int i = 0; i < 23; ++i) {
    ids.push_back(Open("helpline", V("repeat")));
    if (i % 3 != 0) clock_.Advance(10);  // some share a creation time
  }
  std::vector<HistoryEntry> paged = All(Agent("helpline"), ids[0], 4);
  std::vector<HistoryEntry> whole = All(Agent("helpline"), ids[0], 100);
  EXPECT_EQ(Ids(paged), Ids(whole));
  EXPECT_EQ(paged.size(), 22u);
  const std::vector<std::string> paged_ids = Ids(paged);
  std::set<std::string> unique(paged_ids.begin(), paged_ids.end());
  EXPECT_EQ(unique.size(), 22u);
  for (size_t i = 1; i < whole.size(); ++i) EXPECT_GE(whole[i - 1].created_at, whole[i].created_at);
}

TEST_F(HistoryTest, RefusalsAreClearChangeNothingAndAreAudited) {
  const std::string id = Open("helpline", V("sam-1"));
  Caller writer;
  writer.roles.Add(Role::kWriter);
  writer.read_scope = ServiceScope::Everything();
  writer.write_scope = ServiceScope::Everything();
  HistoryQuery q;
  EXPECT_EQ(vault_->ListHistory(writer, id, q).status().reason(), "forbidden");
  EXPECT_EQ(vault_->ListHistory(Agent("textline"), id, q).status().reason(), "service_forbidden");
  q.limit = 0;
  EXPECT_EQ(vault_->ListHistory(Agent("helpline"), id, q).status().reason(), "invalid_limit");
  q.limit = 101;
  EXPECT_EQ(vault_->ListHistory(Agent("helpline"), id, q).status().reason(), "invalid_limit");
  q.limit = 10;
  q.after = "not-a-cursor";
  EXPECT_EQ(vault_->ListHistory(Agent("helpline"), id, q).status().reason(), "invalid_cursor");
  q.after.clear();
  EXPECT_EQ(vault_->ListHistory(Agent("helpline"), std::string(32, '0'), q).status().code(),
            Status::Code::kNotFound);
  auto records = AuditPayloads("transcript.history");
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[0].at("outcome").as_string(), "forbidden");
  ASSERT_TRUE(vault_->ListHistory(Agent("helpline"), id, q).ok());
  records = AuditPayloads("transcript.history");
  ASSERT_EQ(records.size(), 7u);
  EXPECT_EQ(records.back().at("outcome").as_string(), "ok");
  EXPECT_EQ(Detail(records.back(), "results"), "0");
  // No identifier in any record.
  for (const auto& r : records) EXPECT_EQ(boost::json::serialize(r).find("sam-1"), std::string::npos);
}

TEST_F(HistoryTest, BadIdentifiersAtOpenAreRefusedAndStoreNothing) {
  NewTranscript req;
  req.service = "helpline";
  req.visitor.email = "not-an-address";
  EXPECT_EQ(vault_->CreateTranscript(caller_, req).status().reason(), "invalid_email");
  req.visitor.email = "sam@example.org";
  req.visitor.phone = "ring me";
  EXPECT_EQ(vault_->CreateTranscript(caller_, req).status().reason(), "invalid_phone");
  size_t entries = 0;
  ASSERT_TRUE(vault_->store()
                  ->Scan(Column::kVisitorIndex, "",
                         [&](std::string_view, std::string_view) { return ++entries, true; })
                  .ok());
  EXPECT_EQ(entries, 0u);
}

TEST_F(HistoryTest, ErasedHeldAndExpiredTranscripts) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string first = Open("helpline", V("sam-1"));
  clock_.Advance(10);
  const std::string erased = Open("helpline", V("sam-1"));
  const std::string held = Open("helpline", V("sam-1"));
  ASSERT_TRUE(vault_->CloseTranscript(caller_, held).ok());
  clock_.Advance(10);  // held after `first` was opened: listed before it
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  ASSERT_TRUE(vault_->EraseTranscript(caller_, erased, EraseReason::kNone).ok());
  const std::string latest = Open("helpline", V("sam-1"));

  auto h = All(Agent("helpline"), latest);
  ASSERT_EQ(Ids(h), (std::vector<std::string>{held, first}));
  EXPECT_EQ(h[0].state, "held");
  EXPECT_EQ(h[0].message_count, 0u);
  EXPECT_EQ(h[0].created_at, 0);
  EXPECT_GT(h[0].held_at, 0);
  // The erased transcript left nothing in the index.
  auto matches = 0;
  ASSERT_TRUE(vault_->store()
                  ->Scan(Column::kVisitorIndex, "",
                         [&](std::string_view k, std::string_view) {
                           if (k.substr(8 + 16) == RawId(erased)) ++matches;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(matches, 0);
}

TEST_F(HistoryTest, EntriesMoveWithTheKeyAndDieWithItsEpoch) {
  const std::string id = Open("helpline", V("sam-1", "sam@example.org", "+447700900123",
                                            "2001:db8::7"));
  const uint64_t first = WrappedEpochOf(id);
  clock_.Advance(5 * kEpoch);
  Append(id, 1, "later");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, id).ok());
  const uint64_t last = WrappedEpochOf(id);
  ASSERT_GT(last, first);
  // Exactly one entry per identifier, all under the key's current epoch.
  size_t entries = 0;
  ASSERT_TRUE(vault_->store()
                  ->Scan(Column::kVisitorIndex, "",
                         [&](std::string_view k, std::string_view) {
                           EXPECT_EQ(GetU64(k.data()), last);
                           return ++entries, true;
                         })
                  .ok());
  EXPECT_EQ(entries, 4u);
  clock_.Advance(3 * kEpoch);
  const std::string later = Open("helpline", V("sam-1"));
  EXPECT_EQ(Ids(All(Agent("helpline"), later)), std::vector<std::string>{id});

  // A copy of the data directory before the transcript is destroyed.
  vault_.reset();
  const std::string copy = dir_.path() + "/copy";
  fs::copy(dir_.path() + "/data", copy, fs::copy_options::recursive);
  Reopen();

  clock_.Set((last + 1) * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_TRUE(All(Agent("helpline"), later).empty());
  vault_.reset();

  // With the copy's index, the current keyring and the root key, no tag of
  // any identifier used, in any epoch the keyring can still derive, is in
  // the copy; the live data directory has no entry left from that epoch.
  auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
  ASSERT_TRUE(custodian.ok());
  Keyring::Params params{dir_.path() + "/data/keys/keyring", kEpoch, kRetention};
  auto keyring = Keyring::Open(params, custodian->get(), &clock_, false);
  ASSERT_TRUE(keyring.ok());
  EXPECT_EQ((*keyring)->VisitorTag(last, "x").status().code(), Status::Code::kGone);
  auto old_store = Store::Open(copy + "/db");
  ASSERT_TRUE(old_store.ok());
  std::set<std::string> old_keys;
  ASSERT_TRUE((*old_store)->Scan(Column::kVisitorIndex, "",
                                 [&](std::string_view k, std::string_view) {
                                   old_keys.emplace(k);
                                   return true;
                                 })
                  .ok());
  EXPECT_EQ(old_keys.size(), 5u) << "the copy holds the entries (the check can fail)";
  size_t linked = 0;
  for (const Identifier& i : IndexedIdentifiers(V("sam-1", "sam@example.org", "+447700900123",
                                                  "2001:db8::7"))) {
    auto tags = (*keyring)->VisitorTags(first - 100, last + 100, IdentifierTagInput(i));
    ASSERT_TRUE(tags.ok());
    for (const auto& [epoch, tag] : *tags) {
      if (old_keys.count(VisitorIndexKey(epoch, tag, RawId(id)))) ++linked;
    }
  }
  EXPECT_EQ(linked, 0u);
  auto live = Store::Open(dir_.path() + "/data/db");
  ASSERT_TRUE(live.ok());
  size_t left = 0;
  ASSERT_TRUE((*live)->Scan(Column::kVisitorIndex, "",
                            [&](std::string_view k, std::string_view) {
                              if (GetU64(k.data()) <= last) ++left;
                              return true;
                            })
                  .ok());
  EXPECT_EQ(left, 0u);
}

}  // namespace
}  // namespace vault::testing
