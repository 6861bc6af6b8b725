// EventJournal (vault/events.h): the event feed's in-memory journal. Two
// rings (transcript events, the vault's own) numbered by one sequence;
// readers filter by kind and service, page with Page.next, and are told of
// a gap once when a ring dropped (or Skip() passed over) an event they
// might have seen.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "vault/events.h"

namespace vault {
namespace {

constexpr UnixMillis kOrigin = 1796482800000;

VaultEvent Transcript(EventType type, const std::string& service, const std::string& id = "") {
  VaultEvent e;
  e.type = type;
  e.at = kOrigin;
  e.transcript = id.empty() ? std::string(32, 'a') : id;
  e.service = service;
  return e;
}

VaultEvent Vault(EventType type = EventType::kRefusal) {
  VaultEvent e;
  e.type = type;
  e.at = kOrigin;
  e.facts = {{"outcome", "forbidden"}};
  return e;
}

EventFilter Writer(std::set<std::string> services) {
  EventFilter f;
  f.transcript_events = true;
  f.services = std::move(services);
  return f;
}

EventFilter AllTranscripts() {
  EventFilter f;
  f.transcript_events = true;
  f.all_services = true;
  return f;
}

EventFilter VaultOnly() {
  EventFilter f;
  f.vault_events = true;
  return f;
}

EventFilter Everything() {
  EventFilter f = AllTranscripts();
  f.vault_events = true;
  return f;
}

std::vector<uint64_t> Seqs(const EventJournal::Page& page) {
  std::vector<uint64_t> out;
  for (const VaultEvent& e : page.events) out.push_back(e.seq);
  return out;
}

TEST(EventJournalTest, NamesAndKinds) {
  EXPECT_STREQ(EventTypeName(EventType::kIdleClosed), "transcript.idle_closed");
  EXPECT_STREQ(EventTypeName(EventType::kExpired), "transcript.expired");
  EXPECT_STREQ(EventTypeName(EventType::kErased), "transcript.erased");
  EXPECT_STREQ(EventTypeName(EventType::kHeld), "transcript.held");
  EXPECT_STREQ(EventTypeName(EventType::kRetentionRun), "retention.run");
  EXPECT_STREQ(EventTypeName(EventType::kRefusal), "access.refused");
  for (EventType t : {EventType::kIdleClosed, EventType::kExpired, EventType::kErased,
                      EventType::kHeld}) {
    EXPECT_TRUE(IsTranscriptEvent(t)) << EventTypeName(t);
  }
  EXPECT_FALSE(IsTranscriptEvent(EventType::kRetentionRun));
  EXPECT_FALSE(IsTranscriptEvent(EventType::kRefusal));
}

TEST(EventJournalTest, AnEmptyJournalHasNothingAndNoGap) {
  EventJournal journal(kOrigin);
  EXPECT_EQ(journal.origin(), kOrigin);
  EXPECT_EQ(journal.last_seq(), 0u);
  const EventJournal::Page page = journal.Read(0, Everything(), 10);
  EXPECT_TRUE(page.events.empty());
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(page.from, 0u);
  EXPECT_EQ(page.next, 0u);
}

TEST(EventJournalTest, NumbersRunAcrossBothRingsAndReadsMergeThemInOrder) {
  EventJournal journal(kOrigin);
  journal.Publish(Transcript(EventType::kIdleClosed, "a"));  // 1
  journal.Publish(Vault());                                   // 2
  journal.Publish(Transcript(EventType::kErased, "a"));      // 3
  journal.Publish(Vault(EventType::kRetentionRun));           // 4
  journal.Publish(Vault());                                   // 5
  journal.Publish(Transcript(EventType::kExpired, "a"));     // 6
  EXPECT_EQ(journal.last_seq(), 6u);

  const EventJournal::Page all = journal.Read(0, Everything(), 100);
  EXPECT_EQ(Seqs(all), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_FALSE(all.gap);
  EXPECT_EQ(all.from, 0u);
  EXPECT_EQ(all.next, 6u);
  const std::vector<EventType> types = {EventType::kIdleClosed, EventType::kRefusal,
                                        EventType::kErased,     EventType::kRetentionRun,
                                        EventType::kRefusal,    EventType::kExpired};
  for (size_t i = 0; i < types.size(); ++i) EXPECT_EQ(all.events[i].type, types[i]) << i;

  EXPECT_EQ(Seqs(journal.Read(0, AllTranscripts(), 100)), (std::vector<uint64_t>{1, 3, 6}));
  EXPECT_EQ(Seqs(journal.Read(0, VaultOnly(), 100)), (std::vector<uint64_t>{2, 4, 5}));
  // From the middle: only what follows.
  EXPECT_EQ(Seqs(journal.Read(3, Everything(), 100)), (std::vector<uint64_t>{4, 5, 6}));
  EXPECT_EQ(Seqs(journal.Read(2, AllTranscripts(), 100)), (std::vector<uint64_t>{3, 6}));
}

TEST(EventJournalTest, FilterByServicesAndKinds) {
  EventJournal journal(kOrigin);
  journal.Publish(Transcript(EventType::kErased, "alpha"));  // 1
  journal.Publish(Transcript(EventType::kErased, "beta"));   // 2
  journal.Publish(Vault());                                  // 3
  journal.Publish(Transcript(EventType::kHeld, "alpha"));    // 4
  journal.Publish(Transcript(EventType::kHeld, "gamma"));    // 5

  EXPECT_EQ(Seqs(journal.Read(0, Writer({"alpha"}), 100)), (std::vector<uint64_t>{1, 4}));
  EXPECT_EQ(Seqs(journal.Read(0, Writer({"beta", "gamma"}), 100)),
            (std::vector<uint64_t>{2, 5}));
  EXPECT_TRUE(journal.Read(0, Writer({"delta"}), 100).events.empty());
  EXPECT_TRUE(journal.Read(0, Writer({}), 100).events.empty());
  // No kind at all: nothing, even with every service.
  EventFilter none;
  none.all_services = true;
  EXPECT_TRUE(journal.Read(0, none, 100).events.empty());
  // A writer of alpha who is also an auditor.
  EventFilter both = Writer({"alpha"});
  both.vault_events = true;
  EXPECT_EQ(Seqs(journal.Read(0, both, 100)), (std::vector<uint64_t>{1, 3, 4}));

  // Accepts() alone.
  EXPECT_TRUE(Writer({"alpha"}).Accepts(Transcript(EventType::kExpired, "alpha")));
  EXPECT_FALSE(Writer({"alpha"}).Accepts(Transcript(EventType::kExpired, "beta")));
  EXPECT_FALSE(Writer({"alpha"}).Accepts(Vault()));
  EXPECT_TRUE(VaultOnly().Accepts(Vault(EventType::kRetentionRun)));
  EXPECT_FALSE(VaultOnly().Accepts(Transcript(EventType::kExpired, "alpha")));
  EXPECT_TRUE(AllTranscripts().Accepts(Transcript(EventType::kIdleClosed, "any")));
}

TEST(EventJournalTest, EventsKeepWhatWasPublished) {
  EventJournal journal(kOrigin);
  VaultEvent e = Transcript(EventType::kHeld, "alpha", std::string(32, 'f'));
  e.at = kOrigin + 1234;
  e.seq = 999;  // ignored: Publish numbers it
  journal.Publish(e);
  const EventJournal::Page page = journal.Read(0, AllTranscripts(), 10);
  ASSERT_EQ(page.events.size(), 1u);
  EXPECT_EQ(page.events[0].seq, 1u);
  EXPECT_EQ(page.events[0].type, EventType::kHeld);
  EXPECT_EQ(page.events[0].at, kOrigin + 1234);
  EXPECT_EQ(page.events[0].transcript, std::string(32, 'f'));
  EXPECT_EQ(page.events[0].service, "alpha");
}

TEST(EventJournalTest, PagesStopAtMaxAndNextReadsOnWithoutRepeats) {
  EventJournal journal(kOrigin);
  for (int i = 0; i < 10; ++i) {
    journal.Publish(i % 3 == 0 ? Vault() : Transcript(EventType::kErased, "a"));
  }
  std::vector<uint64_t> seen;
  uint64_t after = 0;
  int pages = 0;
  for (;;) {
    const EventJournal::Page page = journal.Read(after, Everything(), 3);
    EXPECT_FALSE(page.gap);
    EXPECT_EQ(page.from, after);
    EXPECT_LE(page.events.size(), 3u);
    if (page.events.empty()) {
      EXPECT_EQ(page.next, journal.last_seq());
      break;
    }
    // Next is the last event of a full page (more may follow), or the
    // journal's end when the page was short.
    if (page.events.size() == 3) {
      EXPECT_EQ(page.next, page.events.back().seq);
    } else {
      EXPECT_EQ(page.next, journal.last_seq());
    }
    for (const VaultEvent& e : page.events) seen.push_back(e.seq);
    after = page.next;
    ASSERT_LT(++pages, 10);
  }
  EXPECT_EQ(seen, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(pages, 4);
}

TEST(EventJournalTest, NextPassesOverEventsTheFilterRejects) {
  EventJournal journal(kOrigin);
  journal.Publish(Transcript(EventType::kErased, "alpha"));  // 1
  for (int i = 0; i < 5; ++i) journal.Publish(Transcript(EventType::kErased, "beta"));  // 2-6
  journal.Publish(Vault());                                   // 7
  EventJournal::Page page = journal.Read(0, Writer({"alpha"}), 10);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{1}));
  EXPECT_EQ(page.next, 7u) << "a reader need not look at what it cannot see again";
  page = journal.Read(page.next, Writer({"alpha"}), 10);
  EXPECT_TRUE(page.events.empty());
  EXPECT_EQ(page.next, 7u);
  journal.Publish(Transcript(EventType::kExpired, "alpha"));  // 8
  page = journal.Read(page.next, Writer({"alpha"}), 10);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{8}));
  EXPECT_EQ(page.next, 8u);
}

TEST(EventJournalTest, AReaderBehindADroppedEventIsToldOfAGapOnce) {
  EventJournal journal(kOrigin, EventJournalLimits{3, 2});
  EXPECT_EQ(journal.limits().transcript_events, 3u);
  EXPECT_EQ(journal.limits().vault_events, 2u);
  for (int i = 0; i < 5; ++i) journal.Publish(Transcript(EventType::kErased, "a"));  // 1-5
  // 1 and 2 were dropped: the ring holds 3, 4, 5.
  EventJournal::Page page = journal.Read(0, AllTranscripts(), 100);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 2u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(page.next, 5u);
  // Reading on from there: no second gap.
  page = journal.Read(page.next, AllTranscripts(), 100);
  EXPECT_FALSE(page.gap);
  EXPECT_TRUE(page.events.empty());
  // A reader that had seen 2 (the last dropped) missed nothing.
  page = journal.Read(2, AllTranscripts(), 100);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(page.from, 2u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{3, 4, 5}));
  // One that had seen only 1 missed 2.
  page = journal.Read(1, AllTranscripts(), 100);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 2u);
  // A gap page that is also cut short by max reads on without a new gap.
  page = journal.Read(0, AllTranscripts(), 1);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{3}));
  page = journal.Read(page.next, AllTranscripts(), 1);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{4}));
}

TEST(EventJournalTest, ADropInOneRingIsNoGapForReadersOfTheOther) {
  EventJournal journal(kOrigin, EventJournalLimits{4, 1});
  journal.Publish(Transcript(EventType::kErased, "a"));  // 1
  journal.Publish(Vault());                              // 2
  journal.Publish(Vault());                              // 3: drops 2
  journal.Publish(Transcript(EventType::kErased, "a"));  // 4
  journal.Publish(Vault());                              // 5: drops 3
  // A writer reads every transcript event: no gap.
  EventJournal::Page page = journal.Read(0, AllTranscripts(), 100);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{1, 4}));
  // An auditor missed 2 and 3.
  page = journal.Read(0, VaultOnly(), 100);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 3u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{5}));
  // A reader of both gets every event still kept: transcript event 1, the
  // reset (numbered 3, past both drops) before the events after it, then 4
  // and 5, so ids keep increasing.
  page = journal.Read(0, Everything(), 100);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 3u);
  EXPECT_EQ(page.gap_at, 1u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{1, 4, 5}));
  page = journal.Read(page.next, Everything(), 100);
  EXPECT_FALSE(page.gap);
  EXPECT_TRUE(page.events.empty());
}

TEST(EventJournalTest, ARingOfNoCapacityKeepsNothingAndReportsTheGap) {
  EventJournal journal(kOrigin, EventJournalLimits{0, 8});
  journal.Publish(Transcript(EventType::kErased, "a"));  // 1
  journal.Publish(Vault());                              // 2
  EXPECT_EQ(journal.last_seq(), 2u);
  EventJournal::Page page = journal.Read(0, AllTranscripts(), 100);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 1u);
  EXPECT_TRUE(page.events.empty());
  EXPECT_FALSE(journal.Read(page.next, AllTranscripts(), 100).gap);
  // The other ring is untouched.
  page = journal.Read(0, VaultOnly(), 100);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{2}));
}

TEST(EventJournalTest, SkippedEventsUseNumbersAndAreAGap) {
  EventJournal journal(kOrigin);
  journal.Publish(Transcript(EventType::kExpired, "a"));  // 1
  journal.Skip(EventType::kExpired, 0);                   // nothing
  EXPECT_EQ(journal.last_seq(), 1u);
  journal.Skip(EventType::kExpired, 5);  // 2-6
  EXPECT_EQ(journal.last_seq(), 6u);
  journal.Publish(Transcript(EventType::kExpired, "a"));  // 7
  EventJournal::Page page = journal.Read(0, AllTranscripts(), 100);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 6u);
  // 1 was kept: it comes before the reset; 7 after.
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{1, 7}));
  EXPECT_EQ(page.gap_at, 1u);
  EXPECT_EQ(page.next, 7u);
  page = journal.Read(page.next, AllTranscripts(), 100);
  EXPECT_FALSE(page.gap) << "a gap is reported once";
  // A reader that was already past the skip sees no gap.
  page = journal.Read(6, AllTranscripts(), 100);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{7}));
  // Skipped transcript events are no gap for a reader of the vault's ring.
  page = journal.Read(0, VaultOnly(), 100);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(page.next, 7u);
  // A skip of vault events is a gap for vault readers only.
  journal.Skip(EventType::kRefusal, 2);  // 8-9
  EXPECT_TRUE(journal.Read(7, VaultOnly(), 100).gap);
  EXPECT_FALSE(journal.Read(7, AllTranscripts(), 100).gap);
}

TEST(EventJournalTest, APublishIntoAFullRingNeverHidesAnEarlierSkip) {
  // Skip raises the ring's drop mark above its oldest kept event; the next
  // publish into the full ring drops that older event, and must not lower
  // the mark, or a reader between the two would miss the skip unawares.
  EventJournal journal(kOrigin, EventJournalLimits{2, 2});
  journal.Publish(Transcript(EventType::kExpired, "a"));  // 1
  journal.Publish(Transcript(EventType::kExpired, "a"));  // 2
  journal.Skip(EventType::kExpired, 3);                   // 3-5
  journal.Publish(Transcript(EventType::kExpired, "a"));  // 6: drops 1
  EventJournal::Page page = journal.Read(2, AllTranscripts(), 100);
  EXPECT_TRUE(page.gap) << "3 to 5 were skipped";
  EXPECT_EQ(page.from, 5u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{6}));
  EXPECT_EQ(page.gap_at, 0u);
}

TEST(EventJournalTest, EventsPublishedAfterASkipAreDeliveredAfterItsReset) {
  // A retention run names some expiries and counts the rest: skipped first,
  // then published together, every named one reaches a reader behind them.
  EventJournal journal(kOrigin);
  int notified = 0;
  const uint64_t id = journal.Listen([&notified] { ++notified; });
  journal.Skip(EventType::kExpired, 2);  // 1-2
  std::vector<VaultEvent> named;
  for (const char* t : {"a", "b", "c"}) named.push_back(Transcript(EventType::kExpired, t));
  journal.Publish(std::move(named));  // 3-5, one notification
  journal.Unlisten(id);
  EXPECT_EQ(notified, 2);
  EventJournal::Page page = journal.Read(0, AllTranscripts(), 100);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 2u);
  EXPECT_EQ(page.gap_at, 0u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(page.next, 5u);
  // A page cut short before the reset's place leaves it to the next read.
  EventJournal journal2(kOrigin, EventJournalLimits{4, 4});
  journal2.Publish(Transcript(EventType::kErased, "x"));  // 1
  journal2.Publish(Transcript(EventType::kErased, "x"));  // 2
  journal2.Skip(EventType::kExpired, 1);                  // 3
  journal2.Publish(Transcript(EventType::kErased, "x"));  // 4
  page = journal2.Read(0, AllTranscripts(), 1);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{1}));
  page = journal2.Read(page.next, AllTranscripts(), 1);
  EXPECT_FALSE(page.gap);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{2}));
  page = journal2.Read(page.next, AllTranscripts(), 1);
  EXPECT_TRUE(page.gap);
  EXPECT_EQ(page.from, 3u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{4}));
  EXPECT_FALSE(journal2.Read(page.next, AllTranscripts(), 1).gap);
}

TEST(EventJournalTest, ListenersAreCalledOnPublishAndSkipUntilUnlisten) {
  EventJournal journal(kOrigin);
  std::atomic<int> first{0};
  std::atomic<int> second{0};
  const uint64_t a = journal.Listen([&] { ++first; });
  const uint64_t b = journal.Listen([&] { ++second; });
  EXPECT_NE(a, b);
  journal.Publish(Transcript(EventType::kErased, "a"));
  EXPECT_EQ(first.load(), 1);
  EXPECT_EQ(second.load(), 1);
  journal.Skip(EventType::kExpired, 3);
  EXPECT_EQ(first.load(), 2);
  EXPECT_EQ(second.load(), 2);
  journal.Skip(EventType::kExpired, 0);  // nothing happened: nobody told
  EXPECT_EQ(first.load(), 2);
  journal.Unlisten(a);
  journal.Publish(Vault());
  EXPECT_EQ(first.load(), 2);
  EXPECT_EQ(second.load(), 3);
  journal.Unlisten(b);
  journal.Unlisten(b);  // twice is harmless
  journal.Publish(Vault());
  EXPECT_EQ(second.load(), 3);
}

TEST(EventJournalTest, AListenerMayReadTheJournalItIsCalledFrom) {
  EventJournal journal(kOrigin);
  uint64_t seen = 0;
  journal.Listen([&] { seen = journal.Read(seen, Everything(), 10).next; });
  journal.Publish(Vault());
  journal.Publish(Transcript(EventType::kErased, "a"));
  EXPECT_EQ(seen, 2u) << "listeners run outside the journal's lock";
}

}  // namespace
}  // namespace vault
