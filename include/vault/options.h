// Options: every tunable of the vault, with the defaults of the embedded
// configuration. vaultd fills this from its config file and flags; tests fill
// it directly. Durations are in milliseconds.
#ifndef VAULT_OPTIONS_H_
#define VAULT_OPTIONS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/status.h"
#include "vault/types.h"

namespace vault {

constexpr int64_t kMillisPerSecond = 1000;
constexpr int64_t kMillisPerDay = 24 * 3600 * kMillisPerSecond;

// The longest Options::rights_retention_ms Vault::Open accepts: 100 years.
inline constexpr int64_t kMaxRightsRetentionMs = 100 * 365 * kMillisPerDay;

// The store's memtables grow by blocks of this many bytes, one malloc
// request each (Store::kArenaBlockBytes, RocksDB's arena_block_size). A
// process that fixes malloc's mmap threshold keeps it above such a block's
// chunk (65,552 bytes; MapsAlone in vault/server/malloc_config.h), so that
// the blocks come from malloc's heap and are reused from one memtable to the
// next instead of being mapped and faulted in anew (docs/performance.md
// section 10.20).
inline constexpr size_t kMemtableBlockBytes = 64 << 10;

// A question of the anonymous monitoring form (docs/statistics.md): its id
// ([a-z0-9_-], 1 to 32), the text shown in reports, and the answers it
// allows (each 1 to 64 bytes of printable UTF-8; 1 to 32 of them).
struct MonitoringQuestion {
  std::string id;
  std::string text;
  std::vector<std::string> answers;
  bool operator==(const MonitoringQuestion&) const = default;
};

// Statistics (docs/design.md, "Statistics"): what each closed chat adds to
// its service's counts, and how they are published.
struct StatisticsOptions {
  // Off: chats are not counted at close (nor looked up at open), forms are
  // refused; what was counted stays and is still published.
  bool enabled = true;
  // Cells below this are suppressed when published (k, at least 1).
  int64_t threshold = 10;
  // A period is published only this long after it has ended.
  int64_t publish_delay_ms = kMillisPerDay;
  // Days and hours are counted in this fixed offset from UTC (minutes,
  // -14h to +14h): a helpline's "Monday 9 o'clock" is its local one.
  int32_t utc_offset_minutes = 0;
  // Upper bounds of the bands, ascending; the last band is open ("1h or
  // more"). Duration: from the chat's start to its close.
  std::vector<int64_t> duration_bands_ms = {5 * 60000, 15 * 60000, 30 * 60000, 60 * 60000};
  // Time to the first agent message, for chats that got one.
  std::vector<int64_t> first_reply_bands_ms = {60000, 5 * 60000, 15 * 60000};
  // The first hour of each hour-of-day band, ascending, starting at 0.
  std::vector<int> hour_bands = {0, 6, 9, 12, 15, 18, 21};
  // A monitoring form is taken for this long after its chat closed.
  int64_t monitoring_window_ms = 3600 * kMillisPerSecond;
  std::vector<MonitoringQuestion> questions;
};

// Checks a StatisticsOptions (InvalidArgument naming what is wrong).
Status ValidateStatisticsOptions(const StatisticsOptions& s);

struct Options {
  // Directory holding the RocksDB store ("db/") and the keys ("keys/").
  std::string data_dir;
  // Root key file for the key-file custodian. Empty: "<data_dir>/keys/root.key",
  // created (mode 0600) when a brand-new vault is first opened.
  std::string root_key_file;
  // The root key as a systemd credential: the path of the decrypted
  // credential file ($CREDENTIALS_DIRECTORY/root-key, which systemd fills
  // from LoadCredentialEncrypted=; docs/operations.md). Read like a key file
  // and never created. Exclusive with root_key_file, and a vault refuses to
  // start while <data_dir>/keys/root.key exists beside it ("root_key_ambiguous").
  std::string root_key_credential;
  // How long a transcript is kept after its chat is closed.
  int64_t retention_ms = 30 * kMillisPerDay;
  // Length of one key epoch. Fixed once the keyring exists.
  int64_t epoch_ms = 3600 * kMillisPerSecond;

  // The statement every subject access answer carries: purposes, legal
  // basis, recipients, retention (vaultd's [privacy] section).
  PrivacyStatement privacy;

  // How long an entry of the rights-request register (docs/data-protection.md)
  // is kept after it ends (its due time, its closing or the lifting of its
  // restriction, whichever is last); then its key is destroyed like a
  // transcript's; renewed while the entry is still in force (a request not
  // yet answered, however overdue; a restriction or objection of a
  // transcript that still lives). From 1 ms to kMaxRightsRetentionMs.
  int64_t rights_retention_ms = 365 * kMillisPerDay;

  // Anonymous statistics (vaultd's [statistics] section).
  StatisticsOptions statistics;

  // Caps on what a client may store (bytes of UTF-8).
  size_t max_text_bytes = 64 * 1024;
  size_t max_field_bytes = 1024;      // each visitor field, service name
  uint64_t max_seq = 1000000;         // message sequence numbers are 0..max_seq

  // Free space kept in reserve on the data directory's file system
  // (statvfs, measured at most once a second). With less free, new
  // transcripts are refused (InsufficientStorage "insufficient_storage",
  // HTTP 507), and with less than half of it appends to open chats too, so
  // that closes, reads, erasure, the audit log and the shredder, which are
  // never refused for it, still find room. 0: no reserve. The default's
  // second half, 48 MiB, also covers a restart, which flushes up to the
  // store's WAL bound (Store::kMaxWalBytes, 32 MiB).
  uint64_t storage_reserve_bytes = uint64_t{96} << 20;

  // Retention: how often the shredder checks for epochs that have ended (it
  // also wakes at each epoch boundary). 0: no background thread; the owner
  // calls Vault::RunRetention() (tests with a manual clock).
  int64_t retention_tick_ms = 1000;
  // An open chat with no activity for this long is closed automatically, as
  // of its last activity (the visitor left then). 0: never.
  int64_t idle_close_ms = 2 * 3600 * kMillisPerSecond;

  // The audit log (<data_dir>/audit): a signed checkpoint at least this often,
  // even when nothing happens; segment files rotate at this size.
  int64_t audit_checkpoint_interval_ms = 60 * kMillisPerSecond;
  uint64_t audit_segment_bytes = 16 << 20;
  // Legal hold: the longest an unseal or release request may stay open for
  // its second approval, and how far an officer statement's time may be from
  // the vault's clock.
  int64_t max_request_age_ms = 24 * 3600 * kMillisPerSecond;
  int64_t statement_skew_ms = 5 * 60 * kMillisPerSecond;
  // How many officers' shares open a case whose opening names no threshold
  // (2..255; a case needs at least this many active officers to open).
  int case_threshold = 2;

  // Where the vault reports what no caller is told about: a failed
  // background retention run ("retention_failed"), a damaged record that
  // retention skipped ("retention_damaged"), a compaction that failed and
  // will be retried ("compaction_failed"). `fields` hold reason codes, step
  // names and counts only, never transcript content, visitor data, ids or
  // key bytes; "error" is always a non-empty reason code. Called from any
  // thread that hits the event (the retention thread, Open, a request), with
  // no vault lock but the retention lock held: it must be thread-safe and
  // must not call the Vault. Empty: the events are only counted (Metrics(),
  // GetRetentionStatus()). vaultd logs them as JSON lines. The store reports
  // its health here too: "store_stopped" (writes refused after a background
  // error, most often a full disk), "store_background_error",
  // "store_resumed" and "store_recovery_failed" (vault/storage/store.h).
  using LogFields = std::vector<std::pair<std::string, std::string>>;
  std::function<void(std::string_view event, const LogFields& fields)> log;
};

// Parses "30d", "1h", "15m", "3s", "250ms" (one integer and one unit).
// Returns false on anything else, or a value <= 0 or absurdly large.
bool ParseDuration(const std::string& text, int64_t* millis);
// The inverse, choosing the largest unit that divides exactly.
std::string FormatDuration(int64_t millis);

}  // namespace vault

#endif  // VAULT_OPTIONS_H_
