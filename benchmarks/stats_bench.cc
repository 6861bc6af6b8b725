// What a close's statistics cost before its write: the day counts one
// closed chat adds, staged into a WriteBatch by the close's own
// StageChatCells (vault/core/statistics.cc: ForEachChatCell, each key
// built in one buffer after the day's prefix), beside, in the same binary,
// the way it did before (vault/stats ChatCells: a map of the cells, then a
// key string for each; docs/performance.md section 10.26) and a baseline:
// the same nine keys and counts (the chat has no system message, and a
// count of 0 is not staged), built beforehand, added to a batch.
// Run: build/benchmarks/stats_bench
#include <benchmark/benchmark.h>

#include <string>
#include <utility>
#include <vector>

#include "vault/core/vault_internal.h"
#include "vault/stats/day_counts.h"
#include "vault/storage/store.h"

namespace vault {
namespace {

constexpr int32_t kDay = 20766;  // 2026-11-09

stats::ClosedChat Chat() {
  stats::ClosedChat chat;
  chat.created_at = 1794182400000 + 9 * 3600000;
  chat.closed_at = chat.created_at + 20 * 60000;
  chat.visitor_messages = 7;
  chat.agent_messages = 5;
  chat.first_reply_ms = 90000;
  chat.returning = true;
  chat.device = stats::DeviceClass::kMobile;
  return chat;
}

// A fresh batch each iteration, staged by `stage`, as each close has its own.
template <typename Stage>
void Staging(benchmark::State& state, Stage stage) {
  for (auto _ : state) {
    WriteBatch batch;
    stage(&batch);
    benchmark::DoNotOptimize(batch.Count());
  }
}

void BM_PrebuiltKeysBaseline(benchmark::State& state) {
  std::vector<std::pair<std::string, int64_t>> cells;
  for (const auto& [cell, n] : stats::ChatCells(StatisticsOptions(), Chat())) {
    if (n != 0) cells.emplace_back(stats::CellKey("helpline", kDay, cell), n);
  }
  Staging(state, [&](WriteBatch* batch) {
    for (const auto& [key, n] : cells) batch->AddToCount(Column::kStatistics, key, n);
  });
}
BENCHMARK(BM_PrebuiltKeysBaseline);

void BM_StageMapThenKeys(benchmark::State& state) {
  const StatisticsOptions o;
  const stats::ClosedChat chat = Chat();
  Staging(state, [&](WriteBatch* batch) {
    for (const auto& [cell, n] : stats::ChatCells(o, chat)) {
      if (n != 0) batch->AddToCount(Column::kStatistics, stats::CellKey("helpline", kDay, cell), n);
    }
  });
}
BENCHMARK(BM_StageMapThenKeys);

void BM_StageChatCells(benchmark::State& state) {
  const StatisticsOptions o;
  const stats::ClosedChat chat = Chat();
  Staging(state, [&](WriteBatch* batch) { StageChatCells("helpline", kDay, o, chat, batch); });
}
BENCHMARK(BM_StageChatCells);

}  // namespace
}  // namespace vault
