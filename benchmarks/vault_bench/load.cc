#include "benchmarks/vault_bench/load.h"

#include <functional>
#include <memory>
#include <string>

#include "vault/client.h"

namespace vault::bench {
namespace {

constexpr char kService[] = "bench";
constexpr char kSentAt[] = "2026-11-22T10:00:00Z";

std::unique_ptr<Client> Connect(const std::string& socket) {
  auto client = Client::Connect(socket);
  if (!client.ok()) Die("connect: " + client.status().ToString());
  return std::move(client).value();
}

Message MakeMessage(uint64_t seq, const std::string& text) {
  Message m;
  m.seq = seq;
  m.from = seq % 2 == 0 ? "visitor" : "agent";
  m.text = text;
  m.sent_at = kSentAt;
  return m;
}

PhaseResult Phase(std::vector<std::vector<uint32_t>>& latencies, double seconds) {
  PhaseResult r;
  r.latency = Summarize(Merge(latencies));
  r.ops = r.latency.count;
  r.seconds = seconds;
  return r;
}

// One writer's transcript life cycle, one operation per call.
class Writer {
 public:
  Writer(const LoadConfig& config, int index, Progress* progress, std::vector<uint32_t>* appends,
         std::vector<uint32_t>* opens, std::vector<uint32_t>* closes)
      : config_(config), client_(Connect(config.socket)), text_(Payload(config.message_bytes, index)),
        progress_(progress), appends_(appends), opens_(opens), closes_(closes) {
    index_ = index;
    if (config.rate > 0) {
      interval_ = std::chrono::duration_cast<SteadyClock::duration>(
          std::chrono::duration<double>(config.writers / config.rate));
      // Spread the writers' schedules over one interval.
      offset_ = interval_ * index / config.writers;
    }
  }

  bool Step() {
    if (id_.empty()) {
      const auto start = SteadyClock::now();
      auto created = client_->CreateTranscript({kService, NextVisitor()});
      if (!created.ok()) return Fail("create", created.status());
      opens_->push_back(MicrosSince(start));
      id_ = created->id;
      seq_ = 0;
      scheduled_ = false;  // the appends' schedule starts after the open
      return true;
    }
    if (seq_ == static_cast<uint64_t>(config_.messages_per_transcript)) {
      const auto start = SteadyClock::now();
      auto closed = client_->CloseTranscript(id_);
      if (!closed.ok()) return Fail("close", closed.status());
      closes_->push_back(MicrosSince(start));
      id_.clear();
      return true;
    }
    SteadyClock::time_point start = SteadyClock::now();
    if (interval_.count() > 0) {
      if (!scheduled_) next_ = start + offset_, scheduled_ = true;
      // Pacing, not synchronisation: the append is due at next_.
      if (next_ > start) std::this_thread::sleep_until(next_);
      start = next_;
      next_ += interval_;
    }
    auto appended = client_->AppendMessage(id_, MakeMessage(seq_, text_));
    if (!appended.ok() || *appended != AppendOutcome::kStored) {
      return Fail("append", appended.status());
    }
    appends_->push_back(MicrosSince(start));
    progress_->writes.fetch_add(1, std::memory_order_relaxed);
    ++seq_;
    return true;
  }

 private:
  bool Fail(const char* what, const Status& status) {
    progress_->errors.fetch_add(1);
    Die(std::string(what) + ": " + status.ToString());
  }

  // The next transcript's visitor: none, or (identifiers) one of this
  // writer's visitors, each of whom comes back about once in eight opens;
  // or (same_bytes) the same bytes in fields that are never indexed.
  Visitor NextVisitor() {
    Visitor v;
    if (!config_.identifiers && !config_.same_bytes) return v;
    const uint64_t n = opened_++;
    const uint64_t who = (n % 8 == 7) ? (n / 8) * 8 : n;  // every 8th: an earlier visitor
    const std::string tag =
        config_.visitor_salt + std::to_string(index_) + "x" + std::to_string(who);
    std::string ref = "bench-visitor-" + tag;
    std::string email = "visitor." + tag + "@example.org";
    // Nine digits after "+44 7", offset by the salt: a phone number of
    // another phase's visitor would make this one returning.
    const uint64_t line =
        std::hash<std::string>{}(config_.visitor_salt) + index_ * 1000003ull + who;
    std::string phone = "+44 7" + std::to_string(100000000 + line % 900000000);
    std::string ip = "198.51." + std::to_string(index_ % 256) + "." + std::to_string(who % 250 + 1);
    if (config_.identifiers) {
      v.ref = std::move(ref), v.email = std::move(email);
      v.phone = std::move(phone), v.ip = std::move(ip);
    } else {
      v.name = std::move(ref), v.location = std::move(email);
      v.user_agent = std::move(phone), v.device = std::move(ip);
    }
    return v;
  }

  const LoadConfig& config_;
  std::unique_ptr<Client> client_;
  const std::string text_;
  Progress* progress_;
  std::vector<uint32_t>* appends_;
  std::vector<uint32_t>* opens_;
  std::vector<uint32_t>* closes_;
  std::string id_;
  uint64_t seq_ = 0;
  SteadyClock::duration interval_{0}, offset_{0};
  SteadyClock::time_point next_;
  bool scheduled_ = false;
  int index_ = 0;
  uint64_t opened_ = 0;
};

}  // namespace

std::vector<std::string> PrepareReadTranscripts(const std::string& socket, int count, int messages,
                                                size_t message_bytes) {
  std::vector<std::string> ids(count);
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      std::unique_ptr<Client> client = Connect(socket);
      auto created = client->CreateTranscript({kService, {}});
      if (!created.ok()) Die("create: " + created.status().ToString());
      const std::string text = Payload(message_bytes, 1000 + i);
      for (int m = 0; m < messages; ++m) {
        auto appended = client->AppendMessage(created->id, MakeMessage(m, text));
        if (!appended.ok()) Die("append: " + appended.status().ToString());
      }
      auto closed = client->CloseTranscript(created->id);
      if (!closed.ok()) Die("close: " + closed.status().ToString());
      ids[i] = created->id;
    });
  }
  for (std::thread& t : threads) t.join();
  return ids;
}

std::vector<std::string> PrepareVisitor(const std::string& socket, const std::string& ref,
                                        int count) {
  std::unique_ptr<Client> client = Connect(socket);
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    Visitor v;
    v.ref = ref;
    auto created = client->CreateTranscript({kService, v});
    if (!created.ok()) Die("create: " + created.status().ToString());
    auto appended = client->AppendMessage(created->id, MakeMessage(0, "hello"));
    if (!appended.ok()) Die("append: " + appended.status().ToString());
    auto closed = client->CloseTranscript(created->id);
    if (!closed.ok()) Die("close: " + closed.status().ToString());
    ids.push_back(created->id);
  }
  return ids;
}

// The messages of a transcript's JSON: every message object, and nothing
// else in it, starts with {"seq": (wire::TranscriptJson). A text holding
// that string has its quote escaped, so it never counts.
static size_t CountMessages(std::string_view body) {
  if (!body.empty() && body.back() == '\n') body.remove_suffix(1);  // vaultd ends JSON with one
  if (body.empty() || body.front() != '{' || body.back() != '}') return 0;
  size_t count = 0;
  for (size_t at = body.find("{\"seq\":"); at != std::string_view::npos;
       at = body.find("{\"seq\":", at + 1)) {
    ++count;
  }
  return count;
}

LoadResult RunLoad(const LoadConfig& config, const std::vector<std::string>& read_ids) {
  const int threads = config.writers + config.readers + config.lookups + config.pingers;
  std::vector<std::vector<uint32_t>> appends(threads), opens(threads), closes(threads),
      reads(threads), history(threads), subject_access(threads), pings(threads);
  const ProcStats before = config.pid > 0 ? ReadProcStats(config.pid) : ProcStats{};
  const double client_cpu_before = ProcessCpuSeconds();
  double seconds = 0;
  {
    Progress progress(config.phase, config.pid);
    seconds = RunTimed(threads, config.seconds, [&](int t) -> std::function<bool()> {
      if (t < config.writers) {
        auto writer = std::make_shared<Writer>(config, t, &progress, &appends[t], &opens[t],
                                               &closes[t]);
        return [writer] { return writer->Step(); };
      }
      if (t >= config.writers + config.readers + config.lookups) {
        std::shared_ptr<Client> client = Connect(config.socket);
        return [&, t, client]() {
          const auto start = SteadyClock::now();
          auto reply = client->Request("GET", "/v1/health", "", "");
          if (!reply.ok()) Die("health: " + reply.status().ToString());
          if (reply->status != 200) Die("health: HTTP " + std::to_string(reply->status));
          pings[t].push_back(MicrosSince(start));
          progress.reads.fetch_add(1, std::memory_order_relaxed);
          return true;
        };
      }
      if (t >= config.writers + config.readers) {
        if (config.lookup_ids.size() < 2) Die("lookups need a visitor's transcripts");
        std::shared_ptr<Client> client = Connect(config.socket);
        return [&, t, client, n = size_t(0)]() mutable {
          const auto start = SteadyClock::now();
          if (n % 2 == 0) {
            // An agent reading one of the visitor's chats lists the others.
            const std::string& id = config.lookup_ids[(n / 2) % config.lookup_ids.size()];
            auto page = client->ListHistory(id);
            if (!page.ok()) Die("history: " + page.status().ToString());
            if (page->entries.size() != std::min<size_t>(20, config.lookup_ids.size() - 1)) {
              Die("history listed " + std::to_string(page->entries.size()) + " transcripts");
            }
            history[t].push_back(MicrosSince(start));
          } else {
            // The dpo's whole answer: the lookup, the transcripts read and
            // audited, their accesses from the audit log.
            SubjectAccessQuery query;
            query.ref = config.lookup_ref;
            auto answer = client->SubjectAccess(query);
            if (!answer.ok()) Die("subject access: " + answer.status().ToString());
            if (answer->items.size() != config.lookup_ids.size()) {
              Die("subject access found " + std::to_string(answer->items.size()) + " transcripts");
            }
            subject_access[t].push_back(MicrosSince(start));
          }
          ++n;
          return true;
        };
      }
      if (read_ids.empty()) Die("readers need transcripts to read");
      std::shared_ptr<Client> client = Connect(config.socket);
      return [&, t, client, n = size_t(t)]() mutable {
        const std::string& id = read_ids[n++ % read_ids.size()];
        const auto start = SteadyClock::now();
        // The reply is checked, not decoded: decoding 100 messages with the
        // client library took more CPU than vaultd's whole read, on the same
        // cores (docs/performance.md, section 10). The status, the framing
        // and the number of messages are checked.
        auto reply = client->Request("GET", "/v1/transcripts/" + id, "", "");
        if (!reply.ok()) Die("read: " + reply.status().ToString());
        if (reply->status != 200) Die("read: HTTP " + std::to_string(reply->status));
        const size_t messages = CountMessages(reply->body);
        if (messages != static_cast<size_t>(config.read_messages)) {
          Die("read returned " + std::to_string(messages) + " messages");
        }
        reads[t].push_back(MicrosSince(start));
        progress.reads.fetch_add(1, std::memory_order_relaxed);
        return true;
      };
    });
  }
  LoadResult result;
  result.client_cpu_seconds = ProcessCpuSeconds() - client_cpu_before;
  result.seconds = seconds;
  result.appends = Phase(appends, seconds);
  result.opens = Phase(opens, seconds);
  result.closes = Phase(closes, seconds);
  result.reads = Phase(reads, seconds);
  result.history = Phase(history, seconds);
  result.subject_access = Phase(subject_access, seconds);
  result.pings = Phase(pings, seconds);
  if (config.pid > 0) {
    const ProcStats after = ReadProcStats(config.pid);
    result.server_cpu_seconds = after.cpu_seconds - before.cpu_seconds;
    result.server_hwm_kib = after.hwm_kib;
  }
  return result;
}

}  // namespace vault::bench
