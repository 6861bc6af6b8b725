// The visitor index's forensic promise (docs/design.md section 24; issue 14,
// acceptance point 4): once a transcript is destroyed, nothing on disk links
// any identifier to it, not even by testing guesses with the root key.
//
// A real vaultd (1-second epochs, 10-second retention) takes transcripts of
// three visitors with known ref, email, phone and IP addresses (IPv4, IPv6,
// IPv4-mapped), which close and expire. Before they expire, a backup is taken
// over the API and a raw copy of <data_dir>/db is made with vaultd frozen (a
// crash-consistent copy). A survivor opened before the backup, and live
// visitors opened after the shred, are the controls: the same searches must
// find them, or the searches prove nothing.
//
// Then, with vaultd stopped, the test opens the keyring with the current keys
// directory and root key as vaultd does, and for every epoch the keyring can
// still derive (base to the last epoch in use, and every epoch named by an
// index key of any copy) computes the tag of every identifier used and of
// 65,536 IPv4 (192.0.0.0/16) and 65,536 IPv6 (2001:db8::/112) addresses, and
// searches (a) every visitor_index entry of the live store, the copy and the
// backup, each opened read-only with RocksDB, and (b) the raw bytes of every
// file of the live data directory, the copy and the backup (for each tag its
// last 8 bytes, which RocksDB's key delta encoding never elides, and the
// transcript id that follows it), plus the identifiers in clear.
#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <rocksdb/merge_operator.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/epochs.h"
#include "vault/common/encoding.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/index/identifiers.h"
#include "vault/index/visitor_index.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr int64_t kRetentionMs = 10000;

Visitor MakeVisitor(const char* ref, const char* email, const char* phone, const char* ip) {
  Visitor v;
  if (ref) v.ref = ref;
  if (email) v.email = email;
  if (phone) v.phone = phone;
  if (ip) v.ip = ip;
  return v;
}

std::string RawId(const std::string& hex) {
  std::string raw;
  EXPECT_TRUE(FromHex(hex, &raw)) << hex;
  return raw;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Every regular file under `root`, with its bytes.
std::vector<std::pair<std::string, std::string>> FilesUnder(const fs::path& root) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) out.emplace_back(entry.path().string(), ReadAll(entry.path()));
  }
  return out;
}

// The store's counters (the default column family) are merge operands. A
// read-only open replays the WAL into memory and stops at the first merge it
// cannot apply (point-in-time recovery), so it needs an operator, though
// only the visitor index is read here: this one keeps the latest operand.
class LatestOperand final : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice*, const rocksdb::Slice& operand,
             std::string* merged, rocksdb::Logger*) const override {
    merged->assign(operand.data(), operand.size());
    return true;
  }
  const char* Name() const override { return "vault.CounterAdd"; }
};

// Every visitor_index entry (key -> value) of the RocksDB directory `dir`,
// opened read-only (nothing in it is written: its WAL is replayed in memory).
std::map<std::string, std::string> IndexEntries(const std::string& dir) {
  std::map<std::string, std::string> out;
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  EXPECT_TRUE(s.ok()) << dir << ": " << s.ToString();
  if (!s.ok()) return out;
  std::vector<rocksdb::ColumnFamilyDescriptor> descs;
  for (const std::string& name : names) {
    rocksdb::ColumnFamilyOptions cf;
    if (name == rocksdb::kDefaultColumnFamilyName) cf.merge_operator = std::make_shared<LatestOperand>();
    descs.emplace_back(name, cf);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw_db = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descs, &handles, &raw_db);
  EXPECT_TRUE(s.ok()) << dir << ": " << s.ToString();
  if (!s.ok()) return out;
  std::unique_ptr<rocksdb::DB> db(raw_db);
  const auto it_name = std::find(names.begin(), names.end(), ColumnName(Column::kVisitorIndex));
  EXPECT_NE(it_name, names.end()) << dir << " has no visitor_index column";
  if (it_name != names.end()) {
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handles[it_name - names.begin()]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace(it->key().ToString(), it->value().ToString());
    }
    EXPECT_TRUE(it->status().ok()) << it->status().ToString();
  }
  for (rocksdb::ColumnFamilyHandle* h : handles) EXPECT_TRUE(db->DestroyColumnFamilyHandle(h).ok());
  EXPECT_TRUE(db->Close().ok());
  return out;
}

uint64_t Suffix8(const char* tag) {
  uint64_t v = 0;
  std::memcpy(&v, tag + kVisitorTagBytes - 8, 8);
  return v;
}

class VisitorForensicsTest : public ::testing::Test {
 protected:
  std::string Open(const Visitor& visitor, const std::string& text) {
    NewTranscript request;
    request.service = "helpline";
    request.visitor = visitor;
    auto created = client_->CreateTranscript(request);
    EXPECT_OK(created);
    if (!created.ok()) return "";
    EXPECT_OK(client_->AppendMessage(created->id, MakeMessage(0, text)));
    return created->id;
  }

  // The ids GET /v1/transcripts/{id}/history lists (one page of 100), with
  // the identifier kinds each matched on.
  std::map<std::string, std::string> History(const std::string& id) {
    std::map<std::string, std::string> out;
    auto reply = client_->Request("GET", "/v1/transcripts/" + id + "/history?limit=100", "", "");
    EXPECT_OK(reply);
    if (!reply.ok()) return out;
    EXPECT_EQ(reply->status, 200) << reply->body;
    boost::system::error_code ec;
    json::value v = json::parse(reply->body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("transcripts")) {
      ADD_FAILURE() << reply->body;
      return out;
    }
    for (const json::value& t : v.at("transcripts").as_array()) {
      std::string kinds;
      for (const json::value& k : t.at("matched").as_array()) {
        kinds += (kinds.empty() ? "" : ",") + std::string(k.as_string());
      }
      out[std::string(t.at("id").as_string())] = kinds;
    }
    return out;
  }

  Daemon daemon_{{"--retention", "10s", "--epoch", "1s"}};
  std::unique_ptr<Client> client_;
};

TEST_F(VisitorForensicsTest, NothingOnDiskLinksAnIdentifierToADestroyedTranscript) {
  ASSERT_OK(daemon_.Start());
  auto connected = daemon_.Connect();
  ASSERT_OK(connected);
  client_ = std::move(connected).value();

  // The doomed: three visitors, every kind of identifier, closed at once.
  const std::vector<Visitor> doomed_visitors = {
      MakeVisitor("visitor-d1", "Doomed.One@Example.org", "+44 7700 900111", "192.0.2.7"),
      MakeVisitor("visitor-d2", "d2@example.net", "020 7946 0222", "2001:db8::7"),
      MakeVisitor("  visitor-d3\t", nullptr, "+1 (202) 555-0143", "::ffff:192.0.2.9"),
  };
  std::vector<std::string> doomed;
  int64_t doomed_expiry = 0;
  for (size_t i = 0; i < doomed_visitors.size(); ++i) {
    doomed.push_back(Open(doomed_visitors[i], "doomed " + std::to_string(i)));
    auto expiry = client_->CloseTranscript(doomed.back());
    ASSERT_OK(expiry);
    doomed_expiry = std::max(doomed_expiry, *expiry);
  }
  const uint64_t doomed_epoch = static_cast<uint64_t>(doomed_expiry / kEpochMs);

  // The survivor: opened (and backed up) before the doomed expire, its key
  // epoch ending at least four epochs after theirs; it is still live when
  // vaultd stops, so the backup and the copy hold entries the search must find.
  while (NowMs() < doomed_expiry - kRetentionMs + 5000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const Visitor survivor_visitor =
      MakeVisitor("visitor-s", "s@example.com", nullptr, "192.0.2.200");
  const std::string survivor = Open(survivor_visitor, "survivor");
  ASSERT_FALSE(survivor.empty());

  const std::string backup = daemon_.test_dir() + "/backup";
  ASSERT_OK(client_->Backup(backup));
  // A raw copy of the database as a crash would leave it: vaultd frozen.
  const std::string copy = daemon_.test_dir() + "/copy";
  ASSERT_OK(daemon_.Freeze());
  fs::create_directory(copy);
  fs::copy(daemon_.data_dir() + "/db", copy + "/db", fs::copy_options::recursive);
  // For the control at the end only: no backup or copy of db/ holds keys.
  const std::string keyring_before = daemon_.test_dir() + "/keyring-before-shred";
  fs::copy_file(daemon_.data_dir() + "/keys/keyring", keyring_before);
  daemon_.Thaw();
  ASSERT_LT(NowMs(), doomed_expiry) << "the backup and the copy came after the expiry";

  // The shred: the keyring's base passes the doomed epoch and the shredder
  // has purged them (observable through the retention status route).
  while (true) {
    auto status = client_->GetRetentionStatus();
    ASSERT_OK(status);
    if (status->base_epoch > doomed_epoch && status->shredded_total >= doomed.size()) break;
    ASSERT_LT(NowMs(), EpochEnd(doomed_expiry) + 5000) << "no shred in time";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (const std::string& id : doomed) {
    auto gone = client_->Request("GET", "/v1/transcripts/" + id, "", "");
    ASSERT_OK(gone);
    EXPECT_TRUE(IsJsonError(*gone, 410, "expired")) << gone->body;
  }

  // The live: a visitor sharing nothing with the doomed, twice, and one
  // sharing the first doomed visitor's email and the survivor's reference.
  const Visitor live_visitor = MakeVisitor("visitor-l", nullptr, "+447700900333", "2001:db8::99");
  const Visitor shared_visitor =
      MakeVisitor("visitor-s", "doomed.one@example.org", nullptr, "192.0.2.77");
  const std::string live_a = Open(live_visitor, "live a");
  const std::string live_b = Open(live_visitor, "live b");
  const std::string shared = Open(shared_visitor, "shared");
  EXPECT_EQ(History(live_b), (std::map<std::string, std::string>{{live_a, "ref,phone"}}));
  EXPECT_EQ(History(live_a), (std::map<std::string, std::string>{{live_b, "ref,phone"}}));
  // The shared email finds no doomed transcript; the reference finds the survivor.
  EXPECT_EQ(History(shared), (std::map<std::string, std::string>{{survivor, "ref"}}));
  EXPECT_EQ(History(survivor), (std::map<std::string, std::string>{{shared, "ref"}}));
  client_.reset();
  ASSERT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();

  // ---- Offline, with the current keys directory and root key.
  auto custodian = KeyFileCustodian::Open(daemon_.data_dir() + "/keys/root.key", false);
  ASSERT_OK(custodian);
  Keyring::Params params{daemon_.data_dir() + "/keys/keyring", kEpochMs, kRetentionMs};
  auto keyring = Keyring::Open(params, custodian->get(), SystemClock::Default(), false);
  ASSERT_OK(keyring);
  const uint64_t base = (*keyring)->base_epoch();
  ASSERT_GT(base, doomed_epoch);

  std::set<std::string> doomed_raw;
  for (const std::string& id : doomed) doomed_raw.insert(RawId(id));
  const std::set<std::string> live_raw = {RawId(survivor), RawId(live_a), RawId(live_b),
                                          RawId(shared)};

  // (a) The entries of the live store, the copy and the backup.
  const std::vector<std::pair<std::string, std::string>> dbs = {
      {"live", daemon_.data_dir() + "/db"}, {"copy", copy + "/db"}, {"backup", backup + "/db"}};
  std::map<std::string, std::map<std::string, std::string>> entries;
  uint64_t first_epoch = base;
  uint64_t last_epoch = base;
  for (const auto& [name, dir] : dbs) {
    entries[name] = IndexEntries(dir);
    size_t of_doomed = 0;
    for (const auto& [key, value] : entries[name]) {
      ASSERT_EQ(key.size(), kVisitorIndexKeyBytes) << name;
      const uint64_t epoch = GetU64(key.data());
      first_epoch = std::min(first_epoch, epoch);
      last_epoch = std::max(last_epoch, epoch);
      if (doomed_raw.count(key.substr(8 + kVisitorTagBytes))) ++of_doomed;
    }
    // The copies hold the doomed entries (so a link could be found); the
    // live store has none left.
    if (name == "live") {
      EXPECT_EQ(of_doomed, 0u);
    } else {
      EXPECT_EQ(of_doomed, 11u) << name << ": 4 + 4 + 3 indexed identifiers";
    }
  }
  // The controls below need the survivor's epoch alive when vaultd stopped
  // (it was, by 4 epochs, unless this machine took that long since the shred).
  for (const auto& [key, value] : entries["backup"]) {
    if (key.substr(8 + kVisitorTagBytes) == RawId(survivor)) {
      ASSERT_GE(GetU64(key.data()), base) << "the survivor expired before vaultd stopped";
    }
  }
  // Every epoch the copies name that the keyring could derive, and a margin.
  first_epoch = first_epoch > 2 ? first_epoch - 2 : 0;
  last_epoch += 2;
  ASSERT_LT(last_epoch - first_epoch, 100u);
  for (uint64_t e = first_epoch; e < base; ++e) {
    EXPECT_EQ((*keyring)->VisitorTag(e, "x").status().code(), Status::Code::kGone) << e;
  }

  // The guesses: every identifier used, and the two address dictionaries.
  std::vector<Identifier> guesses;
  std::set<std::string> seen;
  auto add = [&](const Identifier& id) {
    if (seen.insert(IdentifierTagInput(id)).second) guesses.push_back(id);
  };
  std::vector<Visitor> all_visitors = doomed_visitors;
  all_visitors.insert(all_visitors.end(), {survivor_visitor, live_visitor, shared_visitor});
  for (const Visitor& v : all_visitors) {
    for (const Identifier& id : IndexedIdentifiers(v)) add(id);
  }
  EXPECT_EQ(guesses.size(), 18u);  // the shared visitor repeats two
  for (int i = 0; i < 65536; ++i) {
    const std::string v4 = "192.0." + std::to_string(i >> 8) + "." + std::to_string(i & 0xff);
    char hex[8];
    std::snprintf(hex, sizeof(hex), "%x", i);
    const std::string v6 = std::string("2001:db8::") + hex;
    for (const std::string& ip : {v4, v6}) {
      auto id = NormaliseIdentifier(IdentifierKind::kIp, ip);
      ASSERT_OK(id);
      add(*id);
    }
  }
  ASSERT_EQ(guesses.size(), 18u + 2 * 65536 - 6);  // the 6 addresses used are in them

  // Each entry by its epoch | tag, for (a).
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_prefix;
  for (const auto& [name, map] : entries) {
    for (const auto& [key, value] : map) {
      by_prefix[key.substr(0, 8 + kVisitorTagBytes)].emplace_back(name, key.substr(8 + kVisitorTagBytes));
    }
  }
  // Tags computed: (last 8 bytes, guess) for (b).
  std::vector<std::pair<uint64_t, uint32_t>> computed;
  size_t index_links = 0;
  std::map<std::string, std::set<std::string>> found;  // copy -> live raw ids found by a guess
  size_t tags = 0;
  for (size_t g = 0; g < guesses.size(); ++g) {
    auto epoch_tags = (*keyring)->VisitorTags(first_epoch, last_epoch, IdentifierTagInput(guesses[g]));
    ASSERT_OK(epoch_tags);
    for (const auto& [epoch, tag] : *epoch_tags) {
      ++tags;
      computed.emplace_back(Suffix8(tag.data()), static_cast<uint32_t>(g));
      std::string prefix;
      PutU64(&prefix, epoch);
      prefix += tag;
      auto hit = by_prefix.find(prefix);
      if (hit == by_prefix.end()) continue;
      for (const auto& [name, raw_id] : hit->second) {
        if (doomed_raw.count(raw_id)) {
          ++index_links;
          ADD_FAILURE() << name << ": " << IdentifierKindName(guesses[g].kind) << " "
                        << guesses[g].value << " links to doomed " << ToHex(raw_id);
        }
        if (live_raw.count(raw_id)) found[name].insert(raw_id);
      }
    }
  }
  EXPECT_EQ(index_links, 0u);
  EXPECT_GE(tags, guesses.size() * (last_epoch - base)) << "too few live epochs were tried";
  // The controls: the live store's entries of every live transcript, and
  // the survivor's in the copy and the backup, are found by the same search.
  EXPECT_EQ(found["live"], live_raw);
  EXPECT_EQ(found["copy"], std::set<std::string>{RawId(survivor)});
  EXPECT_EQ(found["backup"], std::set<std::string>{RawId(survivor)});

  // The index as vaultd reads it finds the live visitor by each identifier.
  {
    auto store = Store::Open(daemon_.data_dir() + "/db");
    ASSERT_OK(store);
    const VisitorIndex index(keyring->get(), store->get());
    for (const Identifier& id : IndexedIdentifiers(live_visitor)) {
      auto matches = index.Find({id}, 100);
      ASSERT_OK(matches);
      std::set<std::string> ids;
      for (const auto& m : *matches) ids.insert(m.raw_id);
      EXPECT_EQ(ids, (std::set<std::string>{RawId(live_a), RawId(live_b)})) << id.value;
    }
    for (const Visitor& v : doomed_visitors) {
      auto matches = index.Find(IndexedIdentifiers(v), 100);
      ASSERT_OK(matches);
      for (const auto& m : *matches) EXPECT_EQ(doomed_raw.count(m.raw_id), 0u);
    }
  }

  // (b) The raw bytes of every file: the last 8 bytes of every computed tag
  // (then the 16 bytes after it, where a key holds its transcript id), and
  // each identifier in clear, as given and normalised.
  std::sort(computed.begin(), computed.end());
  std::vector<std::string> clear;
  for (const Visitor& v : all_visitors) {
    for (const auto* field : {&v.ref, &v.email, &v.phone, &v.ip}) {
      if (field->has_value()) clear.push_back(**field);
    }
  }
  for (const Visitor& v : all_visitors) {
    for (const Identifier& id : IndexedIdentifiers(v)) clear.push_back(id.value);
  }
  std::map<std::string, size_t> raw_live_hits;
  size_t raw_links = 0;
  size_t bytes = 0;
  for (const auto& [name, root] : std::vector<std::pair<std::string, std::string>>{
           {"live", daemon_.data_dir()}, {"copy", copy}, {"backup", backup}}) {
    for (const auto& [path, data] : FilesUnder(root)) {
      bytes += data.size();
      for (const std::string& needle : clear) {
        EXPECT_EQ(data.find(needle), std::string::npos) << path << " holds " << needle << " in clear";
      }
      for (size_t off = 0; off + 8 <= data.size(); ++off) {
        uint64_t v;
        std::memcpy(&v, data.data() + off, 8);
        auto it = std::lower_bound(computed.begin(), computed.end(), std::make_pair(v, uint32_t{0}));
        if (it == computed.end() || it->first != v) continue;
        const std::string after = data.substr(off + 8, kIdBytes);
        if (doomed_raw.count(after)) {
          ++raw_links;
          ADD_FAILURE() << path << " at " << off << ": a tag of "
                        << IdentifierKindName(guesses[it->second].kind) << " "
                        << guesses[it->second].value << " before doomed " << ToHex(after);
        }
        if (live_raw.count(after)) ++raw_live_hits[name];
      }
    }
  }
  EXPECT_EQ(raw_links, 0u);
  EXPECT_GT(bytes, 100u * 1000) << "the scan read the files";
  // The controls again: the live entries' tags are in the live files, the
  // survivor's in the copy and in the backup.
  EXPECT_GE(raw_live_hits["live"], 4u);
  EXPECT_GE(raw_live_hits["copy"], 3u);
  EXPECT_GE(raw_live_hits["backup"], 3u);

  // And the search does find a destroyed transcript's entries when their
  // tags can be computed: with the keyring as it was before the shred (kept
  // by this test; the threat is the current one), the doomed visitors'
  // identifiers find all 11 doomed entries of the copy and of the backup,
  // and their tags followed by the doomed ids in the copy's files.
  Keyring::Params before_params{keyring_before, kEpochMs, kRetentionMs};
  auto before = Keyring::Open(before_params, custodian->get(), SystemClock::Default(), false);
  ASSERT_OK(before);
  ASSERT_LE((*before)->base_epoch(), doomed_epoch);
  std::map<std::string, size_t> doomed_found;
  std::vector<uint64_t> doomed_suffixes;
  for (const Visitor& v : doomed_visitors) {
    for (const Identifier& id : IndexedIdentifiers(v)) {
      auto epoch_tags = (*before)->VisitorTags(first_epoch, last_epoch, IdentifierTagInput(id));
      ASSERT_OK(epoch_tags);
      for (const auto& [epoch, tag] : *epoch_tags) {
        doomed_suffixes.push_back(Suffix8(tag.data()));
        std::string prefix;
        PutU64(&prefix, epoch);
        prefix += tag;
        auto hit = by_prefix.find(prefix);
        if (hit == by_prefix.end()) continue;
        for (const auto& [name, raw_id] : hit->second) {
          if (doomed_raw.count(raw_id)) ++doomed_found[name];
        }
      }
    }
  }
  EXPECT_EQ(doomed_found["copy"], 11u);
  EXPECT_EQ(doomed_found["backup"], 11u);
  EXPECT_EQ(doomed_found["live"], 0u);
  std::sort(doomed_suffixes.begin(), doomed_suffixes.end());
  size_t doomed_raw_hits = 0;
  for (const auto& [path, data] : FilesUnder(copy)) {
    for (size_t off = 0; off + 8 <= data.size(); ++off) {
      uint64_t v;
      std::memcpy(&v, data.data() + off, 8);
      if (std::binary_search(doomed_suffixes.begin(), doomed_suffixes.end(), v) &&
          doomed_raw.count(data.substr(off + 8, kIdBytes))) {
        ++doomed_raw_hits;
      }
    }
  }
  EXPECT_GE(doomed_raw_hits, 11u);
}

}  // namespace
}  // namespace vault::testing
