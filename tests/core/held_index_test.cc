// Held transcripts in the visitor index, on a real store with a manual
// clock: found (as held) for as long as their case holds them, whatever
// became of the epoch their key was wrapped under before the hold; gone from
// the index, and from what the remaining keys can test, once the case is
// released (docs/design.md sections 23.3, 23.5 and 24).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "tests/core/visitor_fixture.h"
#include "vault/common/file_util.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/case_index_key.h"
#include "vault/crypto/custodian.h"
#include "vault/hold/case_store.h"
#include "vault/index/identifiers.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;


class HeldIndexTest : public VisitorFixture {
 protected:
  std::string Closed(const std::string& service, const Visitor& v) {
    const std::string id = Open(service, v);
    EXPECT_TRUE(vault_->CloseTranscript(caller_, id).ok());
    return id;
  }
  std::vector<HistoryEntry> History(const std::string& service, const std::string& id) {
    HistoryQuery q;
    q.limit = 100;
    auto page = vault_->ListHistory(Agent(service), id, q);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->entries : std::vector<HistoryEntry>{};
  }
  static std::map<std::string, std::string> States(const std::vector<HistoryEntry>& entries) {
    std::map<std::string, std::string> out;
    for (const auto& e : entries) out[e.id] = e.state;
    return out;
  }
  // Every key of the visitor_index column of `store`.
  static std::vector<std::string> IndexKeys(const Store& store) {
    std::vector<std::string> keys;
    EXPECT_TRUE(store
                    .Scan(Column::kVisitorIndex, "",
                          [&](std::string_view k, std::string_view) {
                            keys.emplace_back(k);
                            return true;
                          })
                    .ok());
    return keys;
  }
  std::vector<std::string> EntriesOf(const std::string& id) {
    std::vector<std::string> out;
    for (const std::string& k : IndexKeys(*vault_->store())) {
      if (k.size() >= kIdBytes && k.substr(k.size() - kIdBytes) == RawId(id)) out.push_back(k);
    }
    return out;
  }
  static bool IsHeldKey(std::string_view k) {
    return k.size() == kHeldIndexKeyBytes && k.substr(0, 8) == kHeldIndexSpace;
  }
  // The safeguarding file as it is on disk now.
  std::unique_ptr<safeguard::CaseStore> ReadCases() {
    auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
    EXPECT_TRUE(custodian.ok());
    auto cases =
        safeguard::CaseStore::Open(dir_.path() + "/data/keys/safeguarding", custodian->get());
    EXPECT_TRUE(cases.ok()) << cases.status().ToString();
    return cases.ok() ? std::move(cases).value() : nullptr;
  }
  void Release(const std::string& case_id, size_t returned, size_t destroyed) {
    auto request = File("alice", case_id, {}, RequestKind::kRelease);
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    ASSERT_TRUE(Approve("alice", request->id).ok());
    auto done = Approve("bob", request->id);
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    EXPECT_EQ(done->returned, returned);
    EXPECT_EQ(done->destroyed, destroyed);
  }
};

TEST_F(HeldIndexTest, AHeldTranscriptIsFoundAsHeldUntilItsCaseIsReleased) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string held = Closed("helpline", V("sam-1", "sam@example.org"));
  const std::string lapsed = Closed("helpline", V("sam-1"));
  const uint64_t pre_hold_epoch = WrappedEpochOf(held);
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());

  // Its two entries left the epoch for the case's key space; the lapsing
  // transcript's stayed under its epoch.
  std::vector<std::string> entries = EntriesOf(held);
  ASSERT_EQ(entries.size(), 2u);
  for (const std::string& k : entries) EXPECT_TRUE(IsHeldKey(k));
  auto cases = ReadCases();
  ASSERT_NE(cases, nullptr);
  const std::shared_ptr<const CaseIndexKey> case_key = cases->state().FindCase("CASE-1")->index_key;
  ASSERT_NE(case_key, nullptr) << "an open case has an index key in the safeguarding file";
  for (const std::string& k : entries) EXPECT_EQ(k.substr(8, 8), case_key->prefix());
  for (const std::string& k : EntriesOf(lapsed)) EXPECT_EQ(GetU64(k.data()), pre_hold_epoch);

  // Long after the pre-hold epoch was shredded: the held transcript is still
  // found, as held, and the one that expired is not. A transcript under a
  // live epoch is found beside it (the top epoch is not the held space).
  clock_.Advance(kRetention + 3 * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  ASSERT_EQ(Reason(vault_->GetTranscript(caller_, lapsed).status()), "expired");
  EXPECT_TRUE(EntriesOf(lapsed).empty());
  const std::string live = Closed("helpline", V(nullptr, "sam@example.org"));
  const std::string recent = Closed("helpline", V("sam-1"));
  ASSERT_TRUE(Hold("alice", "CASE-1", recent).ok());
  const std::string latest = Open("helpline", V("sam-1", "sam@example.org"));
  auto h = History("helpline", latest);
  EXPECT_EQ(States(h), (std::map<std::string, std::string>{
                           {held, "held"}, {recent, "held"}, {live, "closed"}}));
  for (const auto& e : h) {
    if (e.id == held) {
      EXPECT_EQ(e.matched, (std::vector<std::string>{"ref", "email"}));
    }
  }
  // Not across services: the case's entries carry their service's tag too.
  EXPECT_TRUE(History("textline", Open("textline", V("sam-1", "sam@example.org"))).empty());
  // The case's key is in the safeguarding file: so after a restart.
  Reopen();
  EXPECT_EQ(States(History("helpline", latest)).count(held), 1u);

  // A copy of the data directory, taken while the case holds them.
  vault_.reset();
  const std::string copy = dir_.path() + "/copy";
  fs::copy(dir_.path() + "/data", copy, fs::copy_options::recursive);
  Reopen();

  // Released: `held` (retention passed) destroyed, `recent` returned.
  Release("CASE-1", /*returned=*/1, /*destroyed=*/1);
  for (const std::string& k : IndexKeys(*vault_->store())) {
    EXPECT_FALSE(k.substr(0, 8) == kHeldIndexSpace) << "a held entry is left";
  }
  EXPECT_TRUE(EntriesOf(held).empty());
  const uint64_t back_epoch = WrappedEpochOf(recent);
  entries = EntriesOf(recent);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].size(), kVisitorIndexKeyBytes);
  EXPECT_EQ(GetU64(entries[0].data()), back_epoch);
  EXPECT_EQ(States(History("helpline", latest)),
            (std::map<std::string, std::string>{{recent, "closed"}, {live, "closed"}}));
  // The case's index key is gone from the safeguarding file.
  cases = ReadCases();
  ASSERT_NE(cases, nullptr);
  EXPECT_EQ(cases->state().FindCase("CASE-1")->state, "released");
  EXPECT_EQ(cases->state().FindCase("CASE-1")->index_key, nullptr);
  vault_.reset();

  // Forensics: the copy's held entries, against everything that remains
  // (the current safeguarding file, keyring and root key). No key the vault
  // still has computes a tag of the identifiers that any of them carries;
  // the deleted case key did (so the check can fail).
  auto old_store = Store::Open(copy + "/db");
  ASSERT_TRUE(old_store.ok());
  std::set<std::string> old_held;
  for (const std::string& k : IndexKeys(**old_store)) {
    if (IsHeldKey(k)) old_held.insert(k);
  }
  ASSERT_EQ(old_held.size(), 3u) << "the copy holds the case's entries";
  // The release's compaction left none of them in a live table or log file.
  // (The MANIFEST may still name one as a former file's first or last key,
  // as it does any key: bytes that, like the copy's, link nothing below.)
  for (const std::string& k : old_held) {
    for (const std::string& f : FilesContaining(dir_.path() + "/data/db", k)) {
      if (fs::path(f).filename().string().rfind("MANIFEST-", 0) != 0) ADD_FAILURE() << f;
    }
  }
  auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
  ASSERT_TRUE(custodian.ok());
  Keyring::Params params{dir_.path() + "/data/keys/keyring", kEpoch, kRetention};
  auto keyring = Keyring::Open(params, custodian->get(), &clock_, false);
  ASSERT_TRUE(keyring.ok());
  std::vector<std::shared_ptr<const CaseIndexKey>> remaining;
  const std::unique_ptr<safeguard::CaseStore> after = ReadCases();
  ASSERT_NE(after, nullptr);
  for (const auto& c : after->state().cases) {
    if (c.index_key != nullptr) remaining.push_back(c.index_key);
  }
  EXPECT_TRUE(remaining.empty());
  const uint64_t now_epoch = clock_.NowMillis() / kEpoch;
  size_t linked_now = 0;
  size_t linked_before = 0;
  for (const Identifier& i : IndexedIdentifiers(V("sam-1", "sam@example.org"))) {
    const std::string input = IdentifierTagInput(i);
    for (const std::string& id : {held, recent}) {
      if (old_held.count(HeldIndexKey(case_key->prefix(), case_key->Tag(input), RawId(id)))) {
        ++linked_before;
      }
      for (const auto& key : remaining) {
        if (old_held.count(HeldIndexKey(key->prefix(), key->Tag(input), RawId(id)))) ++linked_now;
      }
      // Nor does any epoch's tag key (a different key space, but it costs
      // nothing to ask).
      auto tags = (*keyring)->VisitorTags((*keyring)->base_epoch(), now_epoch + 100, input);
      ASSERT_TRUE(tags.ok());
      for (const auto& [epoch, tag] : *tags) {
        for (const std::string& k : old_held) {
          if (k.find(tag) != std::string::npos) ++linked_now;
        }
      }
    }
  }
  EXPECT_EQ(linked_before, 3u);
  EXPECT_EQ(linked_now, 0u);
}

// A safeguarding file written before cases had index keys (no `index_key`
// member): the vault opens it, and the case's next hold makes its key,
// commits it and files the entries under it.
TEST_F(HeldIndexTest, ACaseFromAnOlderFileGetsItsIndexKeyAtItsNextHold) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  vault_.reset();
  const std::string path = dir_.path() + "/data/keys/safeguarding";
  auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
  ASSERT_TRUE(custodian.ok());
  auto root = (*custodian)->LoadRootKey();
  ASSERT_TRUE(root.ok());
  auto file_key = DeriveRootSubkey(*root, RootSubkey::kSafeguarding);
  ASSERT_TRUE(file_key.ok());
  auto file = ReadSmallFile(path, 1 << 20);
  ASSERT_TRUE(file.ok());
  const std::string header = file->substr(0, 12);
  auto plain = aead::Open(*file_key, file->substr(12), header);
  ASSERT_TRUE(plain.ok());
  boost::json::value doc = boost::json::parse(*plain);
  boost::json::object& c = doc.as_object().at("cases").as_array().at(0).as_object();
  ASSERT_TRUE(c.contains("index_key"));
  // The key sealed (24 + 32 + 16 bytes), never the key: 96 base64 characters.
  EXPECT_EQ(c.at("index_key").as_string().size(), 96u);
  c.erase("index_key");
  std::string older = header;
  ASSERT_TRUE(aead::Seal(*file_key, boost::json::serialize(doc), header, &older).ok());
  ASSERT_TRUE(WriteFileAtomically(path, older, 0600).ok());
  ASSERT_EQ(ReadCases()->state().FindCase("CASE-1")->index_key, nullptr);

  Reopen();
  const std::string held = Closed("helpline", V("sam-1"));
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  auto cases = ReadCases();
  ASSERT_NE(cases, nullptr);
  const auto key = cases->state().FindCase("CASE-1")->index_key;
  ASSERT_NE(key, nullptr) << "the hold committed a new index key";
  std::vector<std::string> entries = EntriesOf(held);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(
      entries[0],
      HeldIndexKey(key->prefix(), key->Tag(IdentifierTagInput(IndexedIdentifiers(V("sam-1"))[0])),
                   RawId(held)));
  clock_.Advance(kRetention + 3 * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  const std::string latest = Open("helpline", V("sam-1"));
  EXPECT_EQ(States(History("helpline", latest)),
            (std::map<std::string, std::string>{{held, "held"}}));
}

// A crash between the release's batch and the safeguarding file's commit
// (section 23.5, between 2 and 3): the case keeps its index key, but no held
// entry is left, the returned transcript is under its epoch, and a second
// release deletes the key.
TEST_F(HeldIndexTest, AReleaseCutBeforeTheCaseFileCommitLeavesNoHeldEntry) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string held = Closed("helpline", V("sam-1", "sam@example.org"));
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  // The commit cannot create its temporary file (a directory is in the way,
  // which stops root too).
  const std::string tmp = dir_.path() + "/data/keys/safeguarding.tmp";
  fs::create_directory(tmp);
  auto request = File("alice", "CASE-1", {}, RequestKind::kRelease);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_TRUE(Approve("alice", request->id).ok());
  EXPECT_FALSE(Approve("bob", request->id).ok());
  fs::remove(tmp);
  Reopen();  // as after a crash

  for (const std::string& k : IndexKeys(*vault_->store())) EXPECT_FALSE(IsHeldKey(k));
  std::vector<std::string> entries = EntriesOf(held);
  ASSERT_EQ(entries.size(), 2u);
  for (const std::string& k : entries) EXPECT_EQ(GetU64(k.data()), WrappedEpochOf(held));
  ASSERT_NE(ReadCases()->state().FindCase("CASE-1")->index_key, nullptr);
  const std::string latest = Open("helpline", V("sam-1"));
  EXPECT_EQ(States(History("helpline", latest)),
            (std::map<std::string, std::string>{{held, "closed"}}));

  Release("CASE-1", /*returned=*/0, /*destroyed=*/0);
  EXPECT_EQ(ReadCases()->state().FindCase("CASE-1")->index_key, nullptr);
  EXPECT_EQ(EntriesOf(held).size(), 2u);
}

// A case's index key is bound to its case: moved to another case (or
// damaged), the file is refused as corrupt rather than read without it.
TEST(CaseFileIndexKeyTest, AnIndexKeyMovedToAnotherCaseIsRefused) {
  auto root = SecretBytes::Random(32);
  ASSERT_TRUE(root.ok());
  auto index_key = CaseIndexKey::Generate();
  ASSERT_TRUE(index_key.ok());
  safeguard::SafeguardState state;
  safeguard::StoredCase c;
  c.id = "CASE-1";
  c.reason = "r";
  c.opened_by = "alice";
  c.public_key = std::string(32, 'k');
  c.index_key = std::make_shared<const CaseIndexKey>(std::move(index_key).value());
  state.cases.push_back(c);
  auto file = safeguard::EncodeSafeguardFile(state, *root);
  ASSERT_TRUE(file.ok());
  auto decoded = safeguard::DecodeSafeguardFile(*file, *root);
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ASSERT_NE(decoded->cases.at(0).index_key, nullptr);
  EXPECT_EQ(decoded->cases.at(0).index_key->Tag("x"), c.index_key->Tag("x"));

  // The same document with the case renamed.
  auto file_key = DeriveRootSubkey(*root, RootSubkey::kSafeguarding);
  ASSERT_TRUE(file_key.ok());
  const std::string header = file->substr(0, 12);
  auto plain = aead::Open(*file_key, file->substr(12), header);
  ASSERT_TRUE(plain.ok());
  boost::json::value doc = boost::json::parse(*plain);
  doc.as_object().at("cases").as_array().at(0).as_object()["id"] = "CASE-2";
  std::string moved = header;
  ASSERT_TRUE(aead::Seal(*file_key, boost::json::serialize(doc), header, &moved).ok());
  auto refused = safeguard::DecodeSafeguardFile(moved, *root);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "safeguarding_corrupt");
}

// The shredder's purge of destroyed epochs never reaches the held key space.
TEST_F(HeldIndexTest, ThePurgeOfDestroyedEpochsLeavesHeldEntries) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string held = Closed("helpline", V("sam-1", "sam@example.org"));
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  for (int i = 0; i < 3; ++i) {
    Closed("helpline", V("sam-1"));
    clock_.Advance(kRetention + 2 * kEpoch);
    ASSERT_TRUE(vault_->RunRetention().ok());
  }
  std::vector<std::string> entries = EntriesOf(held);
  ASSERT_EQ(entries.size(), 2u);
  for (const std::string& k : entries) EXPECT_TRUE(IsHeldKey(k));
  size_t others = 0;
  for (const std::string& k : IndexKeys(*vault_->store())) others += IsHeldKey(k) ? 0 : 1;
  EXPECT_EQ(others, 0u) << "the destroyed epochs' entries were purged";
}

}  // namespace
}  // namespace vault::testing
