// VisitorPresence: the in-memory answer to "does this service hold a live
// transcript of this visitor?", checked against a plain model of what it
// must answer, through growth, rechecks and the dropping of destroyed
// epochs (which reorders its probe chains).
#include "vault/index/visitor_presence.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "vault/crypto/secret.h"

namespace vault::testing {
namespace {

using Answer = VisitorPresence::Answer;

Identifier Ref(const std::string& v) { return Identifier{IdentifierKind::kRef, v}; }
Identifier Email(const std::string& v) { return Identifier{IdentifierKind::kEmail, v}; }
Identifier Phone(const std::string& v) { return Identifier{IdentifierKind::kPhone, v}; }
Identifier Ip(const std::string& v) { return Identifier{IdentifierKind::kIp, v}; }

// A fixed SipHash key: the fingerprints, and so any collision among the
// identifiers below, are the same in every run.
const SecretBytes& FixedKey() {
  static const SecretBytes* key = [] {
    auto k = SecretBytes::Zeroed(16);
    for (size_t i = 0; i < 16; ++i) k->insecure_mutable_data()[i] = static_cast<uint8_t>(7 * i + 1);
    return new SecretBytes(std::move(k).value());
  }();
  return *key;
}

std::unique_ptr<VisitorPresence> ReadyTable(uint64_t origin, size_t expected = 0) {
  auto t = VisitorPresence::Create(origin, expected, &FixedKey());
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  (*t)->MarkReady();
  return std::move(*t);
}

TEST(VisitorPresenceTest, UnknownUntilTheRebuildHasEnded) {
  auto made = VisitorPresence::Create(100);
  ASSERT_TRUE(made.ok());
  VisitorPresence& t = **made;
  t.Note("svc", {Ref("r1")}, 105);
  EXPECT_EQ(t.Lookup("svc", {Ref("r1")}, 100), Answer::kUnknown);
  EXPECT_EQ(t.Lookup("svc", {Ref("r2")}, 100), Answer::kUnknown);
  t.MarkReady();
  EXPECT_EQ(t.Lookup("svc", {Ref("r1")}, 100), Answer::kPresent);
  EXPECT_EQ(t.Lookup("svc", {Ref("r2")}, 100), Answer::kAbsent);
  t.Disable();
  EXPECT_EQ(t.Lookup("svc", {Ref("r1")}, 100), Answer::kUnknown);
}

TEST(VisitorPresenceTest, KeepsToOneServiceAndOneKindAndIgnoresAddresses) {
  auto t = ReadyTable(0);
  t->Note("helpline", {Ref("v-1"), Email("a@b.org"), Ip("10.0.0.1")}, 7);
  EXPECT_EQ(t->Lookup("helpline", {Ref("v-1")}, 0), Answer::kPresent);
  EXPECT_EQ(t->Lookup("helpline", {Email("a@b.org")}, 0), Answer::kPresent);
  // Another service, another kind with the same text, and an address alone.
  EXPECT_EQ(t->Lookup("other", {Ref("v-1")}, 0), Answer::kAbsent);
  EXPECT_EQ(t->Lookup("helpline", {Phone("v-1")}, 0), Answer::kAbsent);
  EXPECT_EQ(t->Lookup("helpline", {Email("v-1")}, 0), Answer::kAbsent);
  EXPECT_EQ(t->Lookup("helpline", {Ip("10.0.0.1")}, 0), Answer::kAbsent);
  // A service name cannot run into the identifier's bytes.
  EXPECT_EQ(t->Lookup("helplin", {Ref("ev-1")}, 0), Answer::kAbsent);
  // Any one identifier present is enough.
  EXPECT_EQ(t->Lookup("helpline", {Phone("+441"), Email("a@b.org")}, 0), Answer::kPresent);
  EXPECT_EQ(t->size().used, 2u);
}

TEST(VisitorPresenceTest, TheLatestEpochCountsAndDestroyedEpochsDoNot) {
  auto t = ReadyTable(1000);
  t->Note("s", {Ref("x")}, 1010);
  t->Note("s", {Ref("x")}, 1005);  // an older transcript, noted late (the rebuild)
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 1010), Answer::kPresent);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 1011), Answer::kAbsent);
  // Epochs before the origin were destroyed before the table began.
  t->Note("s", {Ref("y")}, 999);
  EXPECT_EQ(t->Lookup("s", {Ref("y")}, 0), Answer::kAbsent);
  t->DropBefore(1011);
  EXPECT_EQ(t->size().used, 0u);
}

TEST(VisitorPresenceTest, ARecheckAnswersUnknownUntilItsEpochIsDestroyed) {
  auto t = ReadyTable(0);
  t->Note("s", {Ref("x"), Email("x@y.org")}, 20);
  t->MarkRecheck("s", {Ref("x")}, 20);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 0), Answer::kUnknown);
  // Another identifier known present still answers.
  EXPECT_EQ(t->Lookup("s", {Ref("x"), Email("x@y.org")}, 0), Answer::kPresent);
  // A transcript found by the rebuild does not end it, even at that epoch
  // (its records may have been read just before the removal)...
  t->NoteFound("s", {Ref("x")}, 20);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 0), Answer::kUnknown);
  // ...nor one written under an earlier epoch (which later ones remain is
  // unknown)...
  t->Note("s", {Ref("x")}, 19);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 0), Answer::kUnknown);
  // ...but one written at or past it is exactly the latest: known again.
  t->Note("s", {Ref("x")}, 30);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 25), Answer::kPresent);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 31), Answer::kAbsent);
  t->MarkRecheck("s", {Ref("x")}, 30);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 25), Answer::kUnknown);
  // Marked for an identifier never noted: unknown too (the rebuild may not
  // have reached its other transcripts yet).
  t->MarkRecheck("s", {Phone("+44123")}, 22);
  EXPECT_EQ(t->Lookup("s", {Phone("+44123")}, 0), Answer::kUnknown);
  EXPECT_EQ(t->Lookup("s", {Phone("+44123")}, 23), Answer::kAbsent);
  t->DropBefore(31);
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 31), Answer::kAbsent);
  EXPECT_EQ(t->size().used, 0u);
}

TEST(VisitorPresenceTest, ANoteOfADestroyedEpochIsDeadAndReplacedByALiveOne) {
  auto t = ReadyTable(0);
  t->MarkRecheck("s", {Ref("x")}, 10);
  t->DropBefore(12);
  // Late notes of destroyed epochs, as a rebuild racing the shredder makes.
  t->NoteFound("s", {Ref("x")}, 11);
  t->MarkRecheck("s", {Ref("y")}, 11);
  EXPECT_EQ(t->Lookup("s", {Ref("x"), Ref("y")}, 12), Answer::kAbsent);
  // A live one replaces the dead slot whole, recheck and all.
  t->NoteFound("s", {Ref("y")}, 15);
  EXPECT_EQ(t->Lookup("s", {Ref("y")}, 12), Answer::kPresent);
}

TEST(VisitorPresenceTest, EntriesItCannotAccountForMakeAbsentUnknownUntilTheirEpochEnds) {
  auto t = ReadyTable(0);
  t->Note("s", {Ref("here")}, 50);
  t->UnknownUntil(40);
  t->UnknownUntil(30);  // an earlier one changes nothing
  EXPECT_EQ(t->Lookup("s", {Ref("here")}, 40), Answer::kPresent);
  EXPECT_EQ(t->Lookup("s", {Ref("elsewhere")}, 40), Answer::kUnknown);
  EXPECT_EQ(t->Lookup("s", {Ref("elsewhere")}, 41), Answer::kAbsent);
}

TEST(VisitorPresenceTest, SizedForWhatItWillHoldItDoesNotGrow) {
  auto t = ReadyTable(0, 100000);
  const size_t slots = t->size().slots;
  EXPECT_GE(slots * 3, 100000u * 4);
  EXPECT_LE(slots, 4u * 100000);
  for (int i = 0; i < 100000; ++i) t->Note("s", {Ref(std::to_string(i))}, 1);
  EXPECT_EQ(t->size().slots, slots);
  EXPECT_EQ(t->size().used, 100000u);  // no two of them collide under the fixed key
}

TEST(VisitorPresenceTest, AnEpochBeyondWhatASlotHoldsDisablesTheTable) {
  auto t = ReadyTable(5);
  t->Note("s", {Ref("x")}, 6);
  t->Note("s", {Ref("y")}, 5 + (uint64_t{1} << 23));
  EXPECT_EQ(t->Lookup("s", {Ref("x")}, 5), Answer::kUnknown);
}

// The model: for each (service, kind, value), the latest epoch noted and
// whether a recheck was asked for.
struct Model {
  std::map<std::tuple<std::string, int, std::string>, std::pair<uint64_t, bool>> slots;
  uint64_t base = 0;  // epochs before it are destroyed
  enum Mark { kWritten, kFound, kRecheck };
  void Raise(const std::string& s, const Identifier& id, uint64_t e, Mark mark) {
    const bool recheck = mark == kRecheck;
    auto [it, fresh] = slots.try_emplace({s, static_cast<int>(id.kind), id.value}, e, recheck);
    if (!fresh && it->second.first < base) {
      it->second = {e, recheck};  // what it stood for is destroyed
    } else if (!fresh) {
      // A written transcript at or past the slot's epoch is the latest.
      const bool still = it->second.second && (mark != kWritten || e < it->second.first);
      it->second.first = std::max(it->second.first, e);
      it->second.second = recheck || still;
    }
  }
  Answer Lookup(const std::string& s, const std::vector<Identifier>& ids, uint64_t base) const {
    bool unknown = false;
    for (const Identifier& id : ids) {
      auto it = slots.find({s, static_cast<int>(id.kind), id.value});
      if (it == slots.end() || it->second.first < base) continue;
      if (!it->second.second) return Answer::kPresent;
      unknown = true;
    }
    return unknown ? Answer::kUnknown : Answer::kAbsent;
  }
};

TEST(VisitorPresenceTest, AgreesWithAModelThroughGrowthRechecksAndDrops) {
  constexpr uint64_t kOrigin = 400000;
  auto t = ReadyTable(kOrigin);
  Model model;
  std::mt19937_64 rng(20261205);
  const std::vector<std::string> services = {"a", "b", "c"};
  auto random_id = [&] {
    const uint64_t n = rng() % 4000;  // repeats: returning visitors
    switch (rng() % 3) {
      case 0: return Ref("r" + std::to_string(n));
      case 1: return Email("v" + std::to_string(n) + "@x.org");
      default: return Phone("+44" + std::to_string(n));
    }
  };
  uint64_t base = kOrigin;
  model.base = base;
  size_t checked = 0, present = 0, unknown = 0;
  for (int step = 0; step < 200000; ++step) {
    const std::string& s = services[rng() % services.size()];
    const int op = static_cast<int>(rng() % 100);
    if (op < 50) {
      const std::vector<Identifier> ids = {random_id(), random_id()};
      const uint64_t e = base + rng() % 720;
      t->Note(s, ids, e);
      for (const Identifier& id : ids) model.Raise(s, id, e, Model::kWritten);
    } else if (op < 60) {
      // The rebuild's notes, some of epochs already destroyed.
      const std::vector<Identifier> ids = {random_id()};
      const uint64_t e = base - std::min<uint64_t>(base - kOrigin, 5) + rng() % 720;
      t->NoteFound(s, ids, e);
      for (const Identifier& id : ids) model.Raise(s, id, e, Model::kFound);
    } else if (op < 62) {
      const Identifier id = random_id();
      const uint64_t e = base + rng() % 720;
      t->MarkRecheck(s, {id}, e);
      model.Raise(s, id, e, Model::kRecheck);
    } else if (op < 63) {
      base += 1 + rng() % 40;  // retention destroys epochs
      t->DropBefore(base);
      model.base = base;
    } else {
      const std::vector<Identifier> ids = {random_id(), random_id()};
      const Answer want = model.Lookup(s, ids, base);
      ASSERT_EQ(t->Lookup(s, ids, base), want) << "step " << step;
      ++checked;
      present += want == Answer::kPresent;
      unknown += want == Answer::kUnknown;
    }
  }
  // Every kind of answer was exercised, and every fingerprint is accounted
  // for: the table holds exactly the model's live slots after a last drop.
  EXPECT_GT(present, checked / 10);
  EXPECT_GT(unknown, 10u);
  EXPECT_GT(checked - present - unknown, checked / 10);
  t->DropBefore(base + 1);
  size_t live = 0;
  for (const auto& [key, slot] : model.slots) live += slot.first >= base + 1;
  EXPECT_EQ(t->size().used, live);
  EXPECT_GT(t->size().slots, 4096u);  // it grew
}

TEST(VisitorPresenceTest, ConcurrentNotesAndLookupsLoseNothing) {
  auto t = ReadyTable(0);
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEach; ++i) {
        t->Note("s", {Ref(std::to_string(w) + "-" + std::to_string(i))}, 10);
        (void)t->Lookup("s", {Ref("nobody")}, 0);
        if (i % 5000 == 0) t->DropBefore(1);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(t->size().used, static_cast<size_t>(kThreads * kEach));
  for (int w = 0; w < kThreads; ++w) {
    for (int i = 0; i < kEach; i += 97) {
      ASSERT_EQ(t->Lookup("s", {Ref(std::to_string(w) + "-" + std::to_string(i))}, 10),
                Answer::kPresent);
    }
  }
}

}  // namespace
}  // namespace vault::testing
