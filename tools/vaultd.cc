// vaultd: the Transcript Vault daemon. Wiring only: flags and config file ->
// Options and ServerOptions, process hardening, Vault::Open, Server::Run.
//
// Exit status: 0 after a clean shutdown (SIGTERM/SIGINT) or --help/--version;
// 1 if the vault cannot be opened or the socket cannot be served; 2 for bad
// flags or configuration.
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vault/access.h"
#include "vault/clock.h"
#include "vault/common/file_util.h"
#include "vault/options.h"
#include "vault/server/logging.h"
#include "vault/server/malloc_config.h"
#include "vault/server/sd_notify.h"
#include "vault/server/server.h"
#include "vault/server/socket_file.h"
#include "vault/vault.h"
#include "vaultd_statistics.h"

namespace po = boost::program_options;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

struct Config {
  vault::Options vault;
  vault::ServerOptions server;
  vault::MallocSettings malloc;
  bool rotate_root_key = false;  // --rotate-root-key: rotate offline, then exit
  bool compromised = false;      // --compromised: the old root key is retired as compromised
};

// Raised for a flag or config value that does not parse; names the option.
struct UsageError {
  std::string message;
};

// Core dumps and ptrace would expose key material; files we create are ours
// alone unless chmod'ed (the socket gets 0660 explicitly).
// Returns an error message when the process cannot be hardened; vaultd then
// refuses to start rather than run with key material exposed to dumps.
std::optional<std::string> HardenProcess() {
  const rlimit no_core{0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
    return std::string("cannot disable core dumps (setrlimit RLIMIT_CORE): ") +
           std::strerror(errno);
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return std::string("cannot mark the process non-dumpable (prctl PR_SET_DUMPABLE): ") +
           std::strerror(errno);
  }
  umask(077);
  std::signal(SIGPIPE, SIG_IGN);
  return std::nullopt;
}

po::options_description FileOptions() {
  po::options_description options("Options (also accepted as `key = value` in the config file)");
  auto text = [] { return po::value<std::string>(); };
  // clang-format off
  options.add_options()
      ("data-dir", text(), "data directory, created 0700 if missing (default ./vault-data)")
      ("socket", text(), "Unix socket path (default <data-dir>/vaultd.sock)")
      ("socket-group", text(), "group (name or number) given the socket, mode 0660; vaultd must "
                               "be a member (default: vaultd's own group)")
      ("retention", text(), "how long closed transcripts are kept (default 30d)")
      ("epoch", text(), "key epoch length; fixed once the keyring exists (default 1h)")
      ("idle-close", text(), "close a chat with no activity for this long, as of its last "
                             "activity; 'off' never (default 2h)")
      ("max-request-age", text(), "longest an unseal, release or reshare request waits for "
                                  "its other officers' approvals (default 24h)")
      ("case-threshold", text(), "how many officers' shares open a legal-hold case whose "
                                 "opening names none, 2 to 255 (default 2)")
      ("rights-retention", text(), "how long an entry of the register of visitors' rights "
                                   "requests is kept after it ends (default 365d)")
      ("root-key-file", text(), "root key file (default <data-dir>/keys/root.key, created 0600)")
      ("max-body-bytes", text(), "largest request body accepted (default 1048576)")
      ("max-text-bytes", text(), "largest message text accepted (default 65536)")
      ("workers", text(), "threads running vault operations (default 32)")
      ("idle-timeout", text(), "how long a connection may wait for its next request, and for "
                               "a response to be taken (default 30s)")
      ("header-timeout", text(), "how long a request's header may take from its first byte "
                                 "(default 10s)")
      ("body-timeout", text(), "how long a request's body may take after its header "
                               "(default 10s)")
      ("storage-reserve", text(), "free space kept on the data directory's file system: with "
                                  "less, new transcripts are refused (507), with less than half "
                                  "appends too; a size such as 96MiB, 1GiB or 0 for none "
                                  "(default 96MiB)")
      ("max-connections", text(), "connections served at once (default 1024)")
      ("max-connections-per-uid", text(), "connections one user (uid) may have open at once; "
                                          "root and vaultd's own user are not limited "
                                          "(default: a quarter of max-connections)")
      ("max-event-streams-per-uid", text(), "event feeds (GET /v1/events) one user (uid) may "
                                            "have open at once (default 4)")
      ("event-heartbeat", text(), "how often an event feed with nothing to send sends a "
                                  "comment line, so both ends notice a dead connection "
                                  "(default 15s)")
      ("malloc-arenas", text(), "most glibc malloc arenas; 0: glibc's default of 8 per core "
                                "(default 2)")
      ("malloc-mmap-threshold", text(), "blocks of at least this many bytes are mapped alone and "
                                        "returned to the kernel when freed; 0: glibc's sliding "
                                        "threshold (default 131072)")
      ("malloc-trim-threshold", text(), "free bytes that may build up at the top of each malloc "
                                        "arena before they go back to the kernel; 0: glibc's "
                                        "default (default 4194304)");
  // clang-format on
  po::options_description access(
      "Access (section [access] of the config file; each key may repeat).\n"
      "A grant is user:NAME|UID or group:NAME|GID, for writer, agent, dpo and analyst\n"
      "optionally followed by services=a,b. Without any grant, only the user running vaultd\n"
      "may call it, with every role");
  for (vault::Role role : vault::kAllRoles) {
    access.add_options()((std::string("access.") + vault::RoleName(role)).c_str(),
                         po::value<std::vector<std::string>>()->composing(),
                         "grants of this role");
  }
  options.add(access);
  po::options_description privacy(
      "Privacy statement (section [privacy] of the config file), carried by every\n"
      "subject access answer; purpose, legal-basis and recipient may repeat");
  // clang-format off
  privacy.add_options()
      ("privacy.controller", text(), "who answers data-protection requests, and how to reach "
                                     "them")
      ("privacy.purpose", po::value<std::vector<std::string>>()->composing(),
       "what the transcripts are used for")
      ("privacy.legal-basis", po::value<std::vector<std::string>>()->composing(),
       "the legal basis of that use")
      ("privacy.recipient", po::value<std::vector<std::string>>()->composing(),
       "who they may be shared with, by category")
      ("privacy.retention", text(), "how long they are kept (default: said from --retention)");
  // clang-format on
  options.add(privacy);
  options.add(vaultd::StatisticsFileOptions());
  return options;
}

po::options_description CommandLineOnly() {
  po::options_description options("Command line only");
  // clang-format off
  options.add_options()
      ("config", po::value<std::string>(), "INI config file; flags override it")
      ("rotate-root-key", "with vaultd stopped: reseal everything under a new root key, "
                          "destroy the old one, audit it, and exit (docs/operations.md)")
      ("compromised", "with --rotate-root-key: record the old root key as compromised")
      ("help", "print this help and exit")
      ("version", "print the version and exit");
  // clang-format on
  return options;
}

// The parsed flags and config file, and which values came from the file, so
// that an error names the option the way the operator wrote it.
struct Values {
  po::variables_map vm;
  std::string config_path;
  std::set<std::string> from_file;

  std::optional<std::string> Get(const char* name) const {
    if (vm.count(name) == 0) return std::nullopt;
    return vm[name].as<std::string>();
  }
  // "--name", or "'name' in config file PATH".
  std::string Describe(const char* name) const {
    if (from_file.count(name)) return "'" + std::string(name) + "' in config file " + config_path;
    return std::string("--") + name;
  }
};

int64_t DurationOption(const Values& values, const char* name, int64_t fallback) {
  const std::optional<std::string> text = values.Get(name);
  if (!text.has_value()) return fallback;
  int64_t millis = 0;
  if (!vault::ParseDuration(*text, &millis)) {
    throw UsageError{"invalid value '" + *text + "' for " + values.Describe(name) +
                     ": expected a duration such as 30d, 1h, 15m, 3s or 250ms"};
  }
  return millis;
}

std::optional<gid_t> GroupOption(const Values& values, const char* name) {
  const std::optional<std::string> text = values.Get(name);
  if (!text.has_value()) return std::nullopt;
  group entry;
  group* found = nullptr;
  std::vector<char> buffer(16384);
  if (getgrnam_r(text->c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 &&
      found != nullptr) {
    return found->gr_gid;
  }
  uint32_t gid = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, gid);
  if (!text->empty() && ec == std::errc() && ptr == end && gid != static_cast<uint32_t>(-1)) {
    return static_cast<gid_t>(gid);
  }
  throw UsageError{"invalid value '" + *text + "' for " + values.Describe(name) +
                   ": no such group (give a group name or number)"};
}

uint64_t CountOption(const Values& values, const char* name, uint64_t fallback, uint64_t min,
                     uint64_t max) {
  const std::optional<std::string> text = values.Get(name);
  if (!text.has_value()) return fallback;
  uint64_t n = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, n);
  if (text->empty() || ec != std::errc() || ptr != end || n < min || n > max) {
    throw UsageError{"invalid value '" + *text + "' for " + values.Describe(name) +
                     ": expected an integer from " + std::to_string(min) + " to " +
                     std::to_string(max)};
  }
  return n;
}

// A size: an integer and an optional binary unit (B, KiB, MiB, GiB, TiB;
// K, M, G, T mean the same), e.g. 64MiB; at most 1 PiB.
uint64_t SizeOption(const Values& values, const char* name, uint64_t fallback) {
  const std::optional<std::string> text = values.Get(name);
  if (!text.has_value()) return fallback;
  uint64_t n = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, n);
  const std::string unit(ptr, end);
  int shift = -1;
  if (unit.empty() || unit == "B") shift = 0;
  if (unit == "K" || unit == "KiB") shift = 10;
  if (unit == "M" || unit == "MiB") shift = 20;
  if (unit == "G" || unit == "GiB") shift = 30;
  if (unit == "T" || unit == "TiB") shift = 40;
  constexpr uint64_t kMax = uint64_t{1} << 50;
  if (ptr == text->data() || ec != std::errc() || shift < 0 || n > (kMax >> shift)) {
    throw UsageError{"invalid value '" + *text + "' for " + values.Describe(name) +
                     ": expected a size such as 64MiB, 512KiB, 2GiB or 0 (at most 1 PiB)"};
  }
  return n << shift;
}

// The limits Vault::Open enforces on retention and epoch, checked here too
// so that a bad pair is a usage error naming both options.
void CheckEpoch(const Values& values, const vault::Options& v) {
  const std::string pair = values.Describe("epoch") + " (" + vault::FormatDuration(v.epoch_ms) +
                           ") and " + values.Describe("retention") + " (" +
                           vault::FormatDuration(v.retention_ms) + ")";
  if (v.epoch_ms > v.retention_ms) {
    throw UsageError{"invalid " + pair + ": the epoch must not be longer than the retention"};
  }
  if (v.retention_ms / v.epoch_ms > 1000000) {
    throw UsageError{"invalid " + pair + ": retention / epoch must be at most 1,000,000"};
  }
}

Config BuildConfig(const Values& values) {
  Config config;
  vault::Options& v = config.vault;
  v.data_dir = values.Get("data-dir").value_or("./vault-data");
  v.root_key_file = values.Get("root-key-file").value_or("");
  // systemd's LoadCredentialEncrypted=root-key:... puts the decrypted key in
  // $CREDENTIALS_DIRECTORY/root-key (docs/operations.md).
  if (const char* creds = std::getenv("CREDENTIALS_DIRECTORY"); creds != nullptr && *creds != 0) {
    const std::string credential = std::string(creds) + "/root-key";
    if (vault::FileExists(credential)) {
      if (!v.root_key_file.empty()) {
        throw UsageError{"root-key-file is set, and the systemd credential root-key (" +
                         credential + ") names a root key too: use one of them"};
      }
      v.root_key_credential = credential;
    }
  }
  v.retention_ms = DurationOption(values, "retention", v.retention_ms);
  v.epoch_ms = DurationOption(values, "epoch", v.epoch_ms);
  CheckEpoch(values, v);
  if (values.Get("idle-close") == std::optional<std::string>("off")) {
    v.idle_close_ms = 0;
  } else {
    v.idle_close_ms = DurationOption(values, "idle-close", v.idle_close_ms);
  }
  v.max_text_bytes = CountOption(values, "max-text-bytes", v.max_text_bytes, 1, 64 << 20);
  v.max_request_age_ms = DurationOption(values, "max-request-age", v.max_request_age_ms);
  v.case_threshold =
      static_cast<int>(CountOption(values, "case-threshold", v.case_threshold, 2, 255));
  v.rights_retention_ms = DurationOption(values, "rights-retention", v.rights_retention_ms);
  v.storage_reserve_bytes = SizeOption(values, "storage-reserve", v.storage_reserve_bytes);

  vault::ServerOptions& s = config.server;
  s.socket_path = values.Get("socket").value_or(v.data_dir + "/vaultd.sock");
  s.socket_gid = GroupOption(values, "socket-group");
  s.max_body_bytes = CountOption(values, "max-body-bytes", s.max_body_bytes, 1, 1 << 30);
  s.workers = CountOption(values, "workers", s.workers, 1, 1024);
  s.max_connections = CountOption(values, "max-connections", s.max_connections, 1, 1000000);
  s.max_connections_per_uid =
      CountOption(values, "max-connections-per-uid", s.max_connections_per_uid, 1, 1000000);
  if (s.max_connections_per_uid > s.max_connections) {
    throw UsageError{"invalid max-connections-per-uid: must not exceed max-connections (" +
                     std::to_string(s.max_connections) + ")"};
  }
  s.idle_timeout =
      std::chrono::milliseconds(DurationOption(values, "idle-timeout", s.idle_timeout.count()));
  s.max_event_streams_per_uid =
      CountOption(values, "max-event-streams-per-uid", s.max_event_streams_per_uid, 1, 1000000);
  s.event_heartbeat = std::chrono::milliseconds(
      DurationOption(values, "event-heartbeat", s.event_heartbeat.count()));
  s.header_timeout =
      std::chrono::milliseconds(DurationOption(values, "header-timeout", s.header_timeout.count()));
  s.body_timeout =
      std::chrono::milliseconds(DurationOption(values, "body-timeout", s.body_timeout.count()));
  s.max_seq = v.max_seq;

  vault::MallocSettings& m = config.malloc;
  m.arenas = CountOption(values, "malloc-arenas", m.arenas, 0, 1024);
  m.mmap_threshold =
      CountOption(values, "malloc-mmap-threshold", m.mmap_threshold, 0, vault::kMaxMmapThreshold);
  m.trim_threshold = CountOption(values, "malloc-trim-threshold", m.trim_threshold, 0,
                                 vault::kMaxTrimThreshold);

  // Grants are resolved to ids once, at start-up; a renamed user keeps its id.
  const vault::NameResolver names = vault::NameResolver::System();
  for (vault::Role role : vault::kAllRoles) {
    const std::string key = std::string("access.") + vault::RoleName(role);
    if (values.vm.count(key) == 0) continue;
    for (const std::string& spec : values.vm[key].as<std::vector<std::string>>()) {
      vault::StatusOr<vault::Grant> grant = vault::AccessPolicy::ParseGrant(role, spec, names);
      if (!grant.ok()) {
        throw UsageError{grant.status().message() +
                         (values.from_file.count(key) ? " (in config file " + values.config_path + ")"
                                                      : "")};
      }
      s.access.Add(std::move(grant).value());
    }
  }
  if (s.access.empty()) s.access = vault::AccessPolicy::OwnerOnly(static_cast<uint32_t>(geteuid()));

  const auto list = [&](const char* key) {
    return values.vm.count(key) ? values.vm[key].as<std::vector<std::string>>()
                                : std::vector<std::string>();
  };
  v.privacy.controller = values.Get("privacy.controller").value_or("");
  v.privacy.purposes = list("privacy.purpose");
  v.privacy.legal_basis = list("privacy.legal-basis");
  v.privacy.recipients = list("privacy.recipient");
  v.privacy.retention = values.Get("privacy.retention").value_or("");
  if (std::optional<std::string> error = vaultd::BuildStatistics(
          values.vm, [&](const char* name) { return values.Describe(name); }, &v.statistics)) {
    throw UsageError{*error};
  }
  return config;
}

// Parses flags and the config file. Returns an exit status to stop with, or
// nullopt to run.
std::optional<int> ParseArgs(int argc, char** argv, Config* config) {
  const po::options_description file_options = FileOptions();
  po::options_description all("Usage: vaultd [options]");
  all.add(file_options).add(CommandLineOnly());
  Values values;
  po::variables_map& vm = values.vm;
  const std::string& config_path = values.config_path;
  bool reading_file = false;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    if (vm.count("help")) {
      std::cout << all << "\nDurations: an integer and a unit: ms, s, m, h or d (e.g. 30d).\n";
      return kExitOk;
    }
    if (vm.count("version")) {
      std::cout << "vaultd " << VAULT_VERSION << "\n";
      return kExitOk;
    }
    if (vm.count("config")) {
      values.config_path = vm["config"].as<std::string>();
      std::ifstream file(config_path);
      if (!file) {
        std::cerr << "vaultd: cannot read config file " << config_path << "\n";
        return kExitUsage;
      }
      reading_file = true;
      const po::parsed_options parsed =
          po::parse_config_file(file, file_options, /*allow_unregistered=*/false);
      // Values already given as flags are kept: flags override the file.
      for (const po::option& option : parsed.options) {
        if (vm.count(option.string_key) == 0) values.from_file.insert(option.string_key);
      }
      po::store(parsed, vm);
      reading_file = false;
    }
    po::notify(vm);
    *config = BuildConfig(values);
    config->rotate_root_key = vm.count("rotate-root-key") > 0;
    config->compromised = vm.count("compromised") > 0;
    if (config->compromised && !config->rotate_root_key) {
      throw UsageError{"--compromised is a reason for --rotate-root-key, and means nothing alone"};
    }
  } catch (const po::unknown_option& e) {
    if (config_path.empty()) {
      std::cerr << "vaultd: unknown option '" << e.get_option_name() << "' (see --help)\n";
    } else {
      std::cerr << "vaultd: unknown key '" << e.get_option_name() << "' in config file "
                << config_path << "\n";
    }
    return kExitUsage;
  } catch (const po::error& e) {
    if (reading_file) {
      std::cerr << "vaultd: config file " << config_path << ": " << e.what() << "\n";
    } else {
      std::cerr << "vaultd: " << e.what() << " (see --help)\n";
    }
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << "vaultd: " << e.message << "\n";
    return kExitUsage;
  }
  return std::nullopt;
}

// File descriptors vaultd needs besides its connections: RocksDB's files,
// audit segments, the listener, a refused connection being answered.
constexpr rlim_t kReservedFds = 256;

// Raises the soft RLIMIT_NOFILE as far as max-connections needs (at most to
// the hard limit). If the hard limit is too low, lowers max_connections to
// fit and logs it: a connection over the cap is then answered 503, where
// accept() would otherwise fail with EMFILE and leave clients waiting.
void FitConnectionsToFileLimit(vault::ServerOptions* server) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t needed = static_cast<rlim_t>(server->max_connections) + kReservedFds;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? needed : std::min(needed, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur >= needed) return;
  const size_t fitted = limit.rlim_cur > 2 * kReservedFds
                            ? static_cast<size_t>(limit.rlim_cur - kReservedFds)
                            : std::max<size_t>(1, limit.rlim_cur / 2);
  vault::LogEvent(spdlog::level::warn, "max_connections_lowered",
                  {{"configured", server->max_connections},
                   {"effective", fitted},
                   {"nofile_limit", static_cast<uint64_t>(limit.rlim_cur)}});
  server->max_connections = fitted;
}

void Notify(const char* state) {
  const vault::Status status = vault::NotifyServiceManager(state);
  if (!status.ok()) {
    vault::LogEvent(spdlog::level::warn, "notify_failed", {{"error", status.ToString()}});
  }
}

// --rotate-root-key: the rotation, then (for a key file) one open of the
// vault with the new key, which audits the rotation and proves the new key
// opens everything before the command reports success. With the root key
// as a systemd credential, the new key is written to standard output (and
// nothing else is: messages go to standard error) for `systemd-creds
// encrypt`, and the first start with it finishes the rotation.
int RotateRootKey(const vault::Options& options, bool compromised) {
  const bool credential = !options.root_key_credential.empty();
  std::ostream& say = credential ? std::cerr : std::cout;
  if (credential && ::isatty(STDOUT_FILENO)) {
    std::cerr << "vaultd: with the root key as a systemd credential, the new key is written to "
                 "standard output: pipe it into systemd-creds encrypt (docs/operations.md, "
                 "section 5.2), not to a terminal\n";
    return kExitUsage;
  }
  say << "rotating the root key of the vault in " << options.data_dir << std::endl;
  vault::RootKeyRotationOptions how;
  how.compromised = compromised;
  if (credential) {
    how.deliver = [](std::string_view text) -> vault::Status {
      while (!text.empty()) {
        const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          return vault::Status::IOError(std::string("cannot write the new key to standard "
                                                    "output: ") + std::strerror(errno));
        }
        text.remove_prefix(static_cast<size_t>(n));
      }
      return vault::Status::OK();
    };
  }
  const vault::StatusOr<vault::RootKeyRotation> rotation =
      vault::RotateRootKey(options, vault::SystemClock::Default(), how);
  if (!rotation.ok()) {
    std::cerr << "vaultd: root key rotation: " << rotation.status().ToString() << "\n";
    return kExitFailure;
  }
  say << "  old root key fingerprint: " << rotation->old_fingerprint << "\n"
      << "  new root key fingerprint: " << rotation->new_fingerprint << "\n";
  if (rotation->awaiting_credential) {
    say << "the keys are resealed, and the new root key went to standard output. Once it is "
           "sealed as the credential root-key, the first start of vaultd finishes the rotation "
           "and audits it (root_key.rotate); a start with the old credential rolls it back.\n";
    return kExitOk;
  }
  vault::StatusOr<std::unique_ptr<vault::Vault>> vault =
      vault::Vault::Open(options, vault::SystemClock::Default());
  if (!vault.ok()) {
    std::cerr << "vaultd: the root key was rotated, but the vault does not open with the new "
                 "key: " << vault.status().ToString() << "\n";
    return kExitFailure;
  }
  vault->reset();
  say << "root key rotated: the old key is destroyed, and the rotation is audited "
         "(root_key.rotate)\n";
  return kExitOk;
}

// The vaultctl to name in the start-up banner: the one beside this vaultd
// (a build tree's tools/), else plain "vaultctl" (installed on the PATH).
std::string VaultctlPath() {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path beside = self.parent_path() / "vaultctl";
    if (::access(beside.c_str(), X_OK) == 0) return beside.string();
  }
  return "vaultctl";
}

}  // namespace

int main(int argc, char** argv) {
  if (std::optional<std::string> error = HardenProcess()) {
    std::cerr << "vaultd: " << *error << "\n";
    return kExitFailure;
  }
  Config config;
  if (std::optional<int> exit_status = ParseArgs(argc, argv, &config)) return *exit_status;
  // Before any thread exists (logging, RocksDB and the server start threads).
  const vault::Status malloc_status = vault::ApplyMallocSettings(config.malloc);
  vault::InitJsonLogging();
  if (!malloc_status.ok()) {
    vault::LogEvent(spdlog::level::warn, "malloc_settings_refused",
                    {{"error", malloc_status.ToString()}});
  }
  // The memtables' blocks are meant to come from malloc's heap and be
  // reused; at or over the threshold each is a fresh mapping, faulted in on
  // the group committer's thread.
  if (vault::MapsAlone(config.malloc, vault::kMemtableBlockBytes)) {
    vault::LogEvent(spdlog::level::warn, "malloc_mmap_threshold_low",
                    {{"malloc_mmap_threshold", config.malloc.mmap_threshold},
                     {"memtable_block_bytes", vault::kMemtableBlockBytes},
                     {"advice",
                      "set malloc-mmap-threshold above 65552, or to 0: at or under "
                      "it every memtable block is mapped and faulted in anew"}});
  }
  // What the vault reports on its own (retention failures, damaged records,
  // failed compactions, the store stopping after a full disk and resuming)
  // becomes JSON log lines like every other event.
  config.vault.log = [](std::string_view event, const vault::Options::LogFields& fields) {
    boost::json::object object;
    for (const auto& [key, value] : fields) object[key] = value;
    const bool failure = event == "retention_failed" || event == "retention_damaged" ||
                         event == "store_stopped" || event == "store_recovery_failed";
    const bool good_news = event == "store_resumed" || event == "index_filter_ready" ||
                           event == "visitor_presence_ready";
    vault::LogEvent(failure     ? spdlog::level::err
                    : good_news ? spdlog::level::info
                                : spdlog::level::warn,
                    event, object);
  };
  // Offline, before anything else is created or checked: a rotation needs
  // the data directory and the root key only.
  if (config.rotate_root_key) return RotateRootKey(config.vault, config.compromised);
  FitConnectionsToFileLimit(&config.server);

  // Refuse an unusable socket path or an unsafe socket directory before
  // anything is created on disk.
  if (config.server.socket_path.size() > vault::MaxSocketPathLength()) {
    std::cerr << "vaultd: socket path " << config.server.socket_path << " is longer than "
              << vault::MaxSocketPathLength() << " bytes\n";
    return kExitFailure;
  }
  const std::string socket_dir =
      std::filesystem::path(config.server.socket_path).parent_path().string();
  if (vault::Status safe = vault::CheckNotWritableByOthers(socket_dir.empty() ? "." : socket_dir,
                                                           "socket directory");
      !safe.ok() && safe.code() != vault::Status::Code::kIOError) {
    std::cerr << "vaultd: " << safe.ToString() << "\n";
    return kExitFailure;
  }

  std::error_code ec;
  std::filesystem::create_directories(config.vault.data_dir, ec);  // 0700 under umask 077
  if (ec) {
    std::cerr << "vaultd: cannot create data directory " << config.vault.data_dir << ": "
              << ec.message() << "\n";
    return kExitFailure;
  }

  vault::StatusOr<std::unique_ptr<vault::Vault>> vault =
      vault::Vault::Open(config.vault, vault::SystemClock::Default());
  if (!vault.ok()) {
    std::cerr << "vaultd: cannot open the vault in " << config.vault.data_dir << ": "
              << vault.status().ToString() << "\n";
    return kExitFailure;
  }

  config.server.on_stopping = [] { Notify("STOPPING=1"); };
  vault::StatusOr<std::unique_ptr<vault::Server>> server =
      vault::Server::Create(config.server, vault->get());
  if (!server.ok()) {
    std::cerr << "vaultd: " << server.status().ToString() << "\n";
    return kExitFailure;
  }

  const std::string& socket = config.server.socket_path;
  std::cout << "vaultd listening on " << socket << "\n"
            << "  root key: "
            << (config.vault.root_key_credential.empty()
                    ? "key file " + (config.vault.root_key_file.empty()
                                         ? config.vault.data_dir + "/keys/root.key"
                                         : config.vault.root_key_file)
                    : "systemd credential root-key")
            << "\n"
            << "  try: curl -s --unix-socket " << socket << " http://vault/v1/health\n"
            << "   or: VAULT_SOCKET=" << socket << " " << VaultctlPath() << " health" << std::endl;
  Notify("READY=1");

  const vault::Status status = (*server)->Run();
  if (!status.ok()) {
    std::cerr << "vaultd: " << status.ToString() << "\n";
    return kExitFailure;
  }
  return kExitOk;
}
