// The rights-request register (vault/rights/rights_register.h): the
// plaintext layout of an entry (every field round-trips; anything truncated,
// extended or invalid is refused), and the register over a real RocksDB
// store and a real keyring under a manual clock: entries sealed at rest,
// reloaded at open, counted open and overdue, keyed to the epoch of their
// keep-until time, and gone for good once that epoch's key is destroyed.
#include "vault/rights/rights_register.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vault/common/encoding.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/rights/calendar.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault::testing {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr size_t kWrappedBytes = 1 + 8 + aead::kOverhead + aead::kKeyBytes;

std::string Hex32(char c) { return std::string(32, c); }

// An entry with every field set to something other than its default.
RightsRequest FullEntry() {
  RightsRequest e;
  e.id = Hex32('a');
  e.kind = RightsKind::kObjection;
  e.services = {"helpline", "textline"};
  e.registered_at = 1'800'000'000'000;
  e.received_at = 1'799'900'000'000;
  e.due_at = 1'802'500'000'000;
  e.extension_months = 2;
  e.extension_reason = "complex";
  e.extended_at = 1'800'100'000'000;
  e.state = RightsState::kDone;
  e.closed_at = 1'800'200'000'000;
  e.refusal_reason = "excessive";
  e.decision = "rejected";
  e.decision_reason = "legal_claims";
  e.lifted_at = 1'800'300'000'000;
  e.lift_reason = "objection_rejected";
  e.touched = {{Hex32('1'), "restricted"}, {Hex32('2'), "withheld"}, {Hex32('3'), "lifted"}};
  return e;
}

std::string RawOf(const std::string& hex) {
  std::string raw;
  EXPECT_TRUE(FromHex(hex, &raw));
  return raw;
}

TEST(RightsEntryCodecTest, RoundTripsEveryField) {
  const RightsRequest e = FullEntry();
  const std::string plain = EncodeRightsEntry(e);
  auto back = DecodeRightsEntry(plain, RawOf(e.id));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);

  // The least entry: no services, nothing touched, empty strings.
  RightsRequest least;
  least.id = Hex32('0');
  auto least_back = DecodeRightsEntry(EncodeRightsEntry(least), RawOf(least.id));
  ASSERT_TRUE(least_back.ok()) << least_back.status().ToString();
  EXPECT_EQ(*least_back, least);

  // Every kind and state survives.
  for (RightsKind kind : {RightsKind::kAccess, RightsKind::kRectification, RightsKind::kErasure,
                          RightsKind::kRestriction, RightsKind::kObjection}) {
    for (RightsState state : {RightsState::kOpen, RightsState::kDone, RightsState::kRefused}) {
      RightsRequest k = FullEntry();
      k.kind = kind;
      k.state = state;
      auto kb = DecodeRightsEntry(EncodeRightsEntry(k), RawOf(k.id));
      ASSERT_TRUE(kb.ok());
      EXPECT_EQ(kb->kind, kind);
      EXPECT_EQ(kb->state, state);
    }
  }
}

TEST(RightsEntryCodecTest, TheIdComesFromTheKeyAndOverdueIsNotStored) {
  RightsRequest e = FullEntry();
  e.overdue = true;
  auto back = DecodeRightsEntry(EncodeRightsEntry(e), RawOf(Hex32('b')));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, Hex32('b'));  // the id the entry is stored under
  EXPECT_FALSE(back->overdue);      // computed as of each answer
}

TEST(RightsEntryCodecTest, RefusesTruncatedExtendedAndGarbage) {
  const RightsRequest e = FullEntry();
  const std::string raw_id = RawOf(e.id);
  const std::string plain = EncodeRightsEntry(e);
  ASSERT_GT(plain.size(), 100u);
  for (size_t n = 0; n < plain.size(); ++n) {
    auto cut = DecodeRightsEntry(plain.substr(0, n), raw_id);
    ASSERT_FALSE(cut.ok()) << "a prefix of " << n << " bytes decoded";
    EXPECT_EQ(cut.status().code(), Status::Code::kCorruption);
  }
  for (const std::string& tail : {std::string(1, '\0'), std::string("x"), std::string(16, '\0')}) {
    auto longer = DecodeRightsEntry(plain + tail, raw_id);
    EXPECT_FALSE(longer.ok()) << "extended by " << tail.size();
  }
  // Another version of the layout.
  std::string v2 = plain;
  v2[0] = 2;
  EXPECT_FALSE(DecodeRightsEntry(v2, raw_id).ok());
  v2[0] = 0;
  EXPECT_FALSE(DecodeRightsEntry(v2, raw_id).ok());
  // Garbage of many lengths (a fixed seed: the same bytes every run).
  std::mt19937 rng(12345);
  for (size_t len : {1u, 2u, 7u, 8u, 64u, 100u, 255u, 1000u}) {
    for (int round = 0; round < 50; ++round) {
      std::string junk(len, '\0');
      for (char& c : junk) c = static_cast<char>(rng());
      if (round % 2 == 0) junk[0] = 1;  // the right version byte half the time
      EXPECT_FALSE(DecodeRightsEntry(junk, raw_id).ok()) << "len " << len;
    }
  }
}

TEST(RightsEntryCodecTest, RefusesValuesOutOfRange) {
  const std::string raw_id = RawOf(Hex32('a'));
  const auto refused = [&](const RightsRequest& e) {
    return !DecodeRightsEntry(EncodeRightsEntry(e), raw_id).ok();
  };
  RightsRequest e = FullEntry();
  e.kind = static_cast<RightsKind>(5);
  EXPECT_TRUE(refused(e));
  e = FullEntry();
  e.state = static_cast<RightsState>(3);
  EXPECT_TRUE(refused(e));
  e = FullEntry();
  e.extension_months = 3;  // an extension is by 1 or 2 months
  EXPECT_TRUE(refused(e));
  e = FullEntry();
  e.services.assign(65, "s");  // more services than a request may name
  EXPECT_TRUE(refused(e));
  e.services.assign(64, "s");
  EXPECT_FALSE(refused(e));
  e = FullEntry();
  e.refusal_reason = std::string(1025, 'r');  // reason codes are short
  EXPECT_TRUE(refused(e));
  e = FullEntry();
  e.touched.assign(RightsRegister::kMaxTouched + 1, RightsTouch{Hex32('c'), "erased"});
  EXPECT_TRUE(refused(e));
  e.touched.resize(RightsRegister::kMaxTouched);
  EXPECT_FALSE(refused(e));
}

// --- The register on a real store and keyring ---

class RightsRegisterTest : public ::testing::Test {
 protected:
  static constexpr int64_t kEpoch = 60'000;       // one-minute epochs
  static constexpr int64_t kKeep = 1 * kDay;      // entries kept a day after they end

  void SetUp() override {
    auto c = KeyFileCustodian::Open(dir_.path() + "/root.key", true);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    custodian_ = std::move(c).value();
    ASSERT_NO_FATAL_FAILURE(Reopen());
  }
  void Reopen() {
    register_.reset();
    store_.reset();
    keyring_.reset();
    auto k = Keyring::Open({dir_.path() + "/keyring", kEpoch, 30 * kDay}, custodian_.get(), &clock_);
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    keyring_ = std::move(k).value();
    auto s = Store::Open(dir_.path() + "/db");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
    auto r = RightsRegister::Open(store_.get(), keyring_.get(), &clock_, params_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    register_ = std::move(r).value();
  }
  // A new open entry received `ago` ms before now.
  RightsRequest NewEntry(RightsKind kind = RightsKind::kAccess, int64_t ago = 0) {
    RightsRequest e;
    e.id = RightsRegister::NewId();
    e.kind = kind;
    e.services = {"helpline"};
    e.registered_at = clock_.NowMillis();
    e.received_at = clock_.NowMillis() - ago;
    e.due_at = rights::DueAt(e.received_at, 1);
    return e;
  }
  std::string StoredValue(const std::string& id) {
    auto v = store_->Get(Column::kRights, RawOf(id));
    return v.ok() ? *v : std::string();
  }
  uint64_t StoredEpoch(const std::string& id) {
    const std::string v = StoredValue(id);
    EXPECT_GE(v.size(), 1 + kWrappedBytes);
    auto epoch = Keyring::WrappedEpoch(std::string_view(v).substr(1, kWrappedBytes));
    EXPECT_TRUE(epoch.ok());
    return epoch.ok() ? *epoch : 0;
  }
  std::vector<std::string> Ids(RightsListing which) {
    std::vector<std::string> ids;
    for (const RightsRequest& e : register_->List(which, clock_.NowMillis())) ids.push_back(e.id);
    return ids;
  }

  TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  RightsRegister::Params params_{kKeep};
  std::unique_ptr<KeyFileCustodian> custodian_;
  std::unique_ptr<Keyring> keyring_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<RightsRegister> register_;
};

TEST_F(RightsRegisterTest, NewIdsAreThirtyTwoLowercaseHexAndDistinct) {
  const std::string a = RightsRegister::NewId();
  const std::string b = RightsRegister::NewId();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, b);
}

TEST_F(RightsRegisterTest, PutThenGetListAndCount) {
  const RightsRequest e = NewEntry();
  ASSERT_TRUE(register_->Put(e).ok());
  auto got = register_->Get(e.id, clock_.NowMillis());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, e);
  EXPECT_EQ(register_->OpenCount(), 1u);
  EXPECT_EQ(register_->OverdueCount(clock_.NowMillis()), 0u);
  EXPECT_EQ(Ids(RightsListing::kAll), std::vector<std::string>{e.id});
  EXPECT_EQ(Ids(RightsListing::kOpen), std::vector<std::string>{e.id});
  EXPECT_TRUE(Ids(RightsListing::kOverdue).empty());
  // Unknown and malformed ids name nothing.
  EXPECT_FALSE(register_->Get(Hex32('f'), clock_.NowMillis()).has_value());
  EXPECT_FALSE(register_->Get("not-an-id", clock_.NowMillis()).has_value());
  EXPECT_FALSE(register_->Get(e.id.substr(2), clock_.NowMillis()).has_value());
  EXPECT_FALSE(register_->Get(e.id + "00", clock_.NowMillis()).has_value());
}

TEST_F(RightsRegisterTest, OverdueFromTheFirstInstantOfDueAtWhileOpen) {
  RightsRequest e = NewEntry();
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_FALSE(register_->Get(e.id, e.due_at - 1)->overdue);
  EXPECT_EQ(register_->OverdueCount(e.due_at - 1), 0u);
  EXPECT_TRUE(register_->Get(e.id, e.due_at)->overdue);
  EXPECT_EQ(register_->OverdueCount(e.due_at), 1u);
  ASSERT_EQ(register_->List(RightsListing::kOverdue, e.due_at).size(), 1u);
  EXPECT_TRUE(register_->List(RightsListing::kOverdue, e.due_at)[0].overdue);
  EXPECT_TRUE(register_->List(RightsListing::kOverdue, e.due_at - 1).empty());
  // Closed: never overdue, however late.
  e.state = RightsState::kDone;
  e.closed_at = clock_.NowMillis();
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_EQ(register_->OverdueCount(e.due_at + 100 * kDay), 0u);
  EXPECT_EQ(register_->OpenCount(), 0u);
  EXPECT_FALSE(register_->Get(e.id, e.due_at + kDay)->overdue);
  EXPECT_TRUE(register_->List(RightsListing::kOpen, e.due_at).empty());
  EXPECT_EQ(register_->List(RightsListing::kAll, e.due_at).size(), 1u);
}

TEST_F(RightsRegisterTest, ListsByDueTimeThenId) {
  RightsRequest late = NewEntry(RightsKind::kAccess, 0);
  RightsRequest early = NewEntry(RightsKind::kErasure, 20 * kDay);
  RightsRequest done = NewEntry(RightsKind::kRestriction, 10 * kDay);
  done.state = RightsState::kRefused;
  done.closed_at = clock_.NowMillis();
  done.refusal_reason = "excessive";
  for (const RightsRequest& e : {late, early, done}) ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_EQ(Ids(RightsListing::kAll), (std::vector<std::string>{early.id, done.id, late.id}));
  EXPECT_EQ(Ids(RightsListing::kOpen), (std::vector<std::string>{early.id, late.id}));
  EXPECT_EQ(register_->OpenCount(), 2u);
}

TEST_F(RightsRegisterTest, SurvivesAReopenAndIsSealedAtRest) {
  RightsRequest e = NewEntry(RightsKind::kObjection);
  e.services = {"svc-marker-7d1e"};
  e.touched = {{Hex32('4'), "restricted"}};
  e.extension_reason = "numerous";
  e.extension_months = 1;
  ASSERT_TRUE(register_->Put(e).ok());
  ASSERT_TRUE(store_->FlushAndCompact().ok());
  // Nothing of the entry in the clear in any file of the store (WAL, SST).
  for (const std::string& clear : {std::string("svc-marker-7d1e"), std::string("numerous"),
                                   std::string("restricted"), RawOf(Hex32('4'))}) {
    EXPECT_TRUE(FilesContaining(dir_.path() + "/db", clear).empty()) << clear;
  }
  ASSERT_NO_FATAL_FAILURE(Reopen());
  auto got = register_->Get(e.id, clock_.NowMillis());
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, e);
  EXPECT_EQ(register_->OpenCount(), 1u);
}

TEST_F(RightsRegisterTest, KeyedToTheEpochOfItsKeepUntilTime) {
  RightsRequest e = NewEntry();
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_EQ(register_->KeepUntil(e), e.due_at + kKeep);
  EXPECT_EQ(StoredEpoch(e.id), keyring_->EpochOf(e.due_at + kKeep));
  // Closed after its due time: kept from its closing.
  clock_.Set(e.due_at + 5 * kDay);
  e.state = RightsState::kDone;
  e.closed_at = clock_.NowMillis();
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_EQ(register_->KeepUntil(e), e.closed_at + kKeep);
  EXPECT_EQ(StoredEpoch(e.id), keyring_->EpochOf(e.closed_at + kKeep));
  // A restriction lifted later still: kept from the lifting.
  e.lifted_at = e.closed_at + 3 * kDay;
  clock_.Set(e.lifted_at);
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_EQ(StoredEpoch(e.id), keyring_->EpochOf(e.lifted_at + kKeep));
  // Every write seals under a fresh key: the value changes even when the
  // entry does not.
  const std::string before = StoredValue(e.id);
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_NE(StoredValue(e.id), before);
}

TEST_F(RightsRegisterTest, InForceWhileOpenAndNeverRewrappedUnderAnEarlierEpoch) {
  RightsRequest e = NewEntry();  // open
  ASSERT_TRUE(RightsRegister::InForce(e));
  // Open and overdue: kept from now, not from its due time.
  clock_.Set(e.due_at + 10 * kDay);
  ASSERT_TRUE(register_->Put(e).ok());
  const uint64_t renewed = keyring_->EpochOf(clock_.NowMillis() + kKeep);
  EXPECT_EQ(StoredEpoch(e.id), renewed);
  // Answered: its own keep-until time is earlier now, but the copy written
  // before must not outlive the live one, so the epoch stays.
  e.state = RightsState::kDone;
  e.closed_at = e.due_at;
  ASSERT_FALSE(RightsRegister::InForce(e));
  EXPECT_LT(keyring_->EpochOf(register_->KeepUntil(e)), renewed);
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_EQ(StoredEpoch(e.id), renewed);
}

TEST_F(RightsRegisterTest, DestroyedWithItsEpochKeyAndThenPurged) {
  RightsRequest first = NewEntry();
  first.state = RightsState::kDone;
  first.closed_at = clock_.NowMillis();
  RightsRequest later = NewEntry();
  later.received_at = clock_.NowMillis();
  later.due_at = rights::DueAt(later.received_at, 3);  // extended: kept longer
  later.extension_months = 2;
  later.extension_reason = "complex";
  ASSERT_TRUE(register_->Put(first).ok());
  ASSERT_TRUE(register_->Put(later).ok());
  const uint64_t first_epoch = StoredEpoch(first.id);

  // Up to the last epoch of its keep-until time, the entry lives.
  ASSERT_TRUE(keyring_->AdvanceTo(first_epoch).ok());
  auto none = register_->Purge();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
  EXPECT_TRUE(register_->Get(first.id, clock_.NowMillis()).has_value());

  // Its epoch destroyed: purged from memory and from the store.
  clock_.Set(register_->KeepUntil(first) + kEpoch);
  ASSERT_TRUE(keyring_->AdvanceTo(first_epoch + 1).ok());
  auto purged = register_->Purge();
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 1u);
  EXPECT_FALSE(register_->Get(first.id, clock_.NowMillis()).has_value());
  EXPECT_EQ(store_->Get(Column::kRights, RawOf(first.id)).status().code(),
            Status::Code::kNotFound);
  EXPECT_TRUE(register_->Get(later.id, clock_.NowMillis()).has_value());
  EXPECT_EQ(Ids(RightsListing::kAll), std::vector<std::string>{later.id});
  // Purging again finds nothing more.
  EXPECT_EQ(*register_->Purge(), 0u);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_FALSE(register_->Get(first.id, clock_.NowMillis()).has_value());
  EXPECT_TRUE(register_->Get(later.id, clock_.NowMillis()).has_value());
}

TEST_F(RightsRegisterTest, AnEntryWhoseKeyIsGoneIsNotLoadedAtOpenAndPurgedAfter) {
  RightsRequest e = NewEntry();
  e.state = RightsState::kDone;
  e.closed_at = clock_.NowMillis();
  ASSERT_TRUE(register_->Put(e).ok());
  const uint64_t epoch = StoredEpoch(e.id);
  clock_.Set(register_->KeepUntil(e) + kEpoch);
  ASSERT_TRUE(keyring_->AdvanceTo(epoch + 1).ok());
  // The vault was down when the key went: the entry is simply not there.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_FALSE(register_->Get(e.id, clock_.NowMillis()).has_value());
  EXPECT_TRUE(register_->List(RightsListing::kAll, clock_.NowMillis()).empty());
  EXPECT_TRUE(store_->Get(Column::kRights, RawOf(e.id)).ok());  // ciphertext left for Purge
  auto purged = register_->Purge();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1u);
  EXPECT_EQ(store_->Get(Column::kRights, RawOf(e.id)).status().code(), Status::Code::kNotFound);
}

TEST_F(RightsRegisterTest, RefusesAnEntryWhoseTimeIsOverAlready) {
  // Received, due and closed long ago: its keep-until epoch is destroyed.
  ASSERT_TRUE(keyring_->AdvanceTo(keyring_->EpochOf(clock_.NowMillis())).ok());
  RightsRequest e = NewEntry(RightsKind::kAccess, 200 * kDay);
  e.state = RightsState::kDone;
  e.closed_at = e.received_at + kDay;
  ASSERT_LT(register_->KeepUntil(e), clock_.NowMillis());
  const Status put = register_->Put(e);
  EXPECT_EQ(put.code(), Status::Code::kGone) << put.ToString();
  EXPECT_FALSE(register_->Get(e.id, clock_.NowMillis()).has_value());
  EXPECT_EQ(store_->Get(Column::kRights, RawOf(e.id)).status().code(), Status::Code::kNotFound);
}

TEST_F(RightsRegisterTest, RefusesMalformedIdsTooManyTouchesAndAFullRegister) {
  RightsRequest bad = NewEntry();
  bad.id = "xyz";
  EXPECT_EQ(register_->Put(bad).code(), Status::Code::kInvalidArgument);
  bad.id = std::string(32, 'G');
  EXPECT_EQ(register_->Put(bad).code(), Status::Code::kInvalidArgument);

  RightsRequest many = NewEntry();
  many.touched.assign(RightsRegister::kMaxTouched + 1, RightsTouch{Hex32('5'), "erased"});
  const Status too_many = register_->Put(many);
  EXPECT_EQ(too_many.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(too_many.reason(), "too_many_matches");
  EXPECT_FALSE(register_->Get(many.id, clock_.NowMillis()).has_value());

  params_.max_entries = 2;
  ASSERT_NO_FATAL_FAILURE(Reopen());
  RightsRequest a = NewEntry();
  RightsRequest b = NewEntry();
  RightsRequest c = NewEntry();
  ASSERT_TRUE(register_->Put(a).ok());
  ASSERT_TRUE(register_->Put(b).ok());
  const Status full = register_->Put(c);
  EXPECT_EQ(full.code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(full.reason(), "register_full");
  // A change to an entry already there is not a new entry.
  a.state = RightsState::kDone;
  a.closed_at = clock_.NowMillis();
  EXPECT_TRUE(register_->Put(a).ok());
  EXPECT_EQ(register_->OpenCount(), 1u);
}

TEST_F(RightsRegisterTest, NoKeyIsWrappedFurtherAheadThanTheCap) {
  params_.max_epochs_ahead = 10;
  ASSERT_NO_FATAL_FAILURE(Reopen());
  const RightsRequest e = NewEntry();
  ASSERT_TRUE(register_->Put(e).ok());
  EXPECT_EQ(StoredEpoch(e.id), keyring_->EpochOf(clock_.NowMillis()) + 10);
}

}  // namespace
}  // namespace vault::testing
