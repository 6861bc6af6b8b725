// vaultctl: a command-line client of vaultd, one subcommand per endpoint.
// Wiring only: options -> one request through vault::Client -> stdout.
//
//   vaultctl [--socket PATH] [--raw] health
//   vaultctl create --service S [--visitor-name N] [--visitor-ip A] ...
//   vaultctl append ID --seq N --from visitor|agent|system --text T [--sent-at T]
//   vaultctl close ID
//   vaultctl get ID
//   vaultctl metrics
//   vaultctl erase ID
//   vaultctl retention status
//   vaultctl backup DIR
//   vaultctl audit status|checkpoint
//   vaultctl audit records [--from-record N] [--limit M]
//   vaultctl audit export DIR
//   vaultctl officers
//   vaultctl officer enrol ID KEY | officer revoke ID [--force] [--compromised]
//   vaultctl subject-access --out DIR [--ref R] [--email E] [--phone P] [--ip A]
//            [--identifiers-file F] [--service S ...] [--request ID]
//   vaultctl rights register|list|show|extend|complete|refuse|lift|decide ...
//   vaultctl subject-erase|subject-restrict|subject-object|subject-rectify ...
//   vaultctl statement TRANSCRIPT --seq N --text T [--request ID]
//   vaultctl stats show --service S --period P [--format json|csv]
//   vaultctl stats report --service S --period P --out DIR
//
// The statistics commands (stats) are in vaultctl_stats.h.
//
// The data-protection lead's commands (rights, subject-*, statement) are
// in vaultctl_rights.h: they print a summary of the answer, or the answer
// exactly as received with --raw.
//
// The socket is --socket, else $VAULT_SOCKET, else cli::kDefaultSocket (the path
// of the systemd unit in packaging/). JSON replies are printed indented
// unless --raw, which prints them exactly as received. subject-access writes
// its answer into a new directory (tools/subject_access_render.h), reports
// progress on stderr and prints one summary line of JSON.
//
// Exit status: 0 success; 1 the server answered with an error (its code and
// message are printed) or could not be reached; 2 bad usage.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdint>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vault/client.h"
#include "vault/clock.h"
#include "vault/common/time_format.h"
#include "vault/wire/http_error.h"
#include "vault/wire/request_json.h"
#include "vault/wire/safeguard_json.h"
#include "vault/wire/subject_access_json.h"
#include "subject_access_render.h"
#include "tool_cli.h"
#include "vaultctl_rights.h"
#include "vaultctl_stats.h"

namespace po = boost::program_options;
namespace json = boost::json;
using vault::cli::Get;
using vault::cli::UsageError;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitServerError = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(Usage: vaultctl [--socket PATH] [--raw] COMMAND [ARGS]

Commands:
  health                      is vaultd serving? (GET /v1/health)
  create --service S [--visitor-name N] [--visitor-ip A] [--visitor-location L]
         [--visitor-user-agent U] [--visitor-device D] [--visitor-ref R]
         [--visitor-email E] [--visitor-phone P]
                              open a transcript; prints its id and expiry
  append ID --seq N --from visitor|agent|system --text T [--sent-at TIME]
                              add a message (--text - reads it from stdin;
                              --sent-at defaults to now, RFC 3339)
  close ID                    close a transcript; prints its expiry
  get ID                      print a transcript as JSON
  metrics                     print vaultd's metrics (Prometheus text)
  erase ID                    erase a transcript now (admin)
  retention status            shredder status: last shred, overdue (admin, auditor)
  backup DIR                  consistent copy of the store into DIR, a new
                              absolute path on the vault host; no keys (admin)
  audit status                audit log size, segments, genesis key (auditor)
  audit checkpoint            the latest signed checkpoint (C2SP signed note)
  audit records [--from-record N] [--limit M]
                              audit records as JSON (limit 1..1000, default 100)
  audit export DIR            write what `vault-audit verify --dir DIR` reads:
                              segments, checkpoint.note, genesis.key
  officers                    safeguarding officers and their key fingerprints,
                              and which cases need resharing (share_health:
                              stranded, at_threshold, reshare_advised)
                              (admin, officer, auditor)
  officer enrol ID KEY        enrol an officer: KEY is what `vault-officer init`
                              printed; check its fingerprint with them (admin)
  officer revoke ID [--force] [--compromised]
                              revoke an officer; their approvals no longer
                              count. Refused if it would leave a case fewer
                              share holders than its threshold (the cases are
                              named): reshare them first, or --force.
                              --compromised: their keys may be in other hands
                              (recorded so; also for one revoked already)
                              (admin)
)";
// --help: kUsage, the data-protection lead's commands
// (vault::ctl::kRightsUsage), then this.
constexpr char kExitStatusUsage[] = R"(
Exit status: 0 ok, 1 server error or vaultd unreachable, 2 usage.
)";

// Per command: how many positional arguments, which options it accepts and
// which it requires.
struct CommandSpec {
  size_t positional;
  std::set<std::string> accepted;
  std::set<std::string> required;
};

// The options of a call that searches for a visitor's transcripts.
const std::set<std::string> kSubjectOptions = {
    "ref", "email", "phone", "ip", "identifiers-file", "service", "request"};

const std::map<std::string, CommandSpec>& Commands() {
  static const std::map<std::string, CommandSpec> commands = {
      {"health", {0, {}, {}}},
      {"create",
       {0,
        {"service", "visitor-name", "visitor-ip", "visitor-location", "visitor-user-agent",
         "visitor-device", "visitor-ref", "visitor-email", "visitor-phone"},
        {"service"}}},
      {"append", {1, {"seq", "from", "text", "sent-at"}, {"seq", "from", "text"}}},
      {"close", {1, {}, {}}},
      {"get", {1, {}, {}}},
      {"metrics", {0, {}, {}}},
      {"erase", {1, {}, {}}},
      // Two-word commands: the second word is the first argument.
      {"retention", {1, {}, {}}},
      {"backup", {1, {}, {}}},
      {"audit", {1, {"from-record", "limit"}, {}}},
      {"officers", {0, {}, {}}},
      {"officer", {1, {"force", "compromised"}, {}}},
      {"subject-access",
       {0,
        {"out", "ref", "email", "phone", "ip", "identifiers-file", "service", "request"},
        {"out"}}},
      // The data-protection lead's (vaultctl_rights.h). "rights" is a
      // two-word command whose spec is that of its second word;
      // `positional` counts the arguments after it.
      {"rights register", {1, {"received", "service"}, {}}},
      {"rights list", {0, {}, {}}},  // and optionally open|overdue|all
      {"rights show", {1, {}, {}}},
      {"rights extend", {1, {"months", "reason"}, {"months", "reason"}}},
      {"rights complete", {1, {}, {}}},
      {"rights refuse", {1, {"reason"}, {"reason"}}},
      {"rights lift", {1, {"reason"}, {"reason"}}},
      {"rights decide", {1, {"decision", "reason"}, {"decision"}}},
      {"subject-erase", {0, kSubjectOptions, {}}},
      {"subject-restrict", {0, kSubjectOptions, {}}},
      {"subject-object", {0, kSubjectOptions, {}}},
      {"subject-rectify",
       {0,
        {"ref", "email", "phone", "ip", "identifiers-file", "service", "request", "set", "remove",
         "corrections-file"},
        {}}},
      {"statement", {1, {"seq", "text", "request"}, {"seq", "text"}}},
  };
  return commands;
}

po::options_description Options() {
  po::options_description options("Options");
  auto text = [] { return po::value<std::string>(); };
  // clang-format off
  options.add_options()
      ("help,h", "print this help and exit")
      ("socket", text(), "vaultd's socket (default $VAULT_SOCKET, else /run/transcript-vault/vaultd.sock)")
      ("raw", "print JSON replies exactly as received")
      ("service", po::value<std::vector<std::string>>()->composing(),
                  "create: the chat service name; subject-*: a service to search; rights "
                  "register: a service the request concerns (repeat for more; default "
                  "every service the dpo is granted)")
      ("visitor-name", text(), "create: visitor's name")
      ("visitor-ip", text(), "create: visitor's IP address")
      ("visitor-location", text(), "create: visitor's location")
      ("visitor-user-agent", text(), "create: visitor's browser")
      ("visitor-device", text(), "create: visitor's device")
      ("visitor-ref", text(), "create: the chat platform's visitor reference")
      ("visitor-email", text(), "create: visitor's email address")
      ("visitor-phone", text(), "create: visitor's phone number")
      ("seq", text(), "append, statement: message sequence number")
      ("from", text(), "append: visitor, agent or system")
      ("text", text(), "append: message text; statement: the statement; - reads it from stdin")
      ("sent-at", text(), "append: when the message was sent (RFC 3339)")
      ("from-record", text(), "audit records: first record number (default 0)")
      ("limit", text(), "audit records: how many, 1 to 1000 (default 100)")
      ("out", text(), "subject-access: the new directory the answer is written to; stats "
                      "report: the directory the report is written to")
      ("ref", text(), "subject-*: the chat platform's visitor reference")
      ("email", text(), "subject-*: the visitor's email address")
      ("phone", text(), "subject-*: the visitor's phone number")
      ("ip", text(), "subject-*: an IP address (finds everyone who used it)")
      ("identifiers-file", text(), "subject-*: a JSON file of identifiers "
                                   "{\"ref\"?, \"email\"?, \"phone\"?, \"ip\"?}, kept out of "
                                   "ps and shell history")
      ("request", text(), "subject-*, statement: the open register entry the call carries out")
      ("received", text(), "rights register: when the request arrived, YYYY-MM-DD (UTC) or "
                           "RFC 3339 (default now)")
      ("months", text(), "rights extend: 1 or 2")
      ("reason", text(), "rights extend, refuse, lift, decide: a reason code")
      ("decision", text(), "rights decide: upheld_erase, upheld_restricted or rejected")
      ("force", "officer revoke: even if it leaves a case too few share holders to open it")
      ("compromised", "officer revoke: the officer's keys may be in other hands")
      ("set", po::value<std::vector<std::string>>()->composing(),
              "subject-rectify: FIELD=VALUE, a visitor field's new value (repeatable)")
      ("remove", po::value<std::vector<std::string>>()->composing(),
                 "subject-rectify: FIELD, a visitor field to remove (repeatable)")
      ("corrections-file", text(), "subject-rectify: a JSON file {\"FIELD\": \"value\" or null, "
                                   "...}, kept out of ps and shell history");
  // clang-format on
  vault::ctl::AddStatsOptions(&options);
  return options;
}

bool IsTranscriptId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

uint64_t ParseSeq(const std::string& text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != text.npos) {
    throw UsageError{"invalid value '" + text + "' for --seq: expected a non-negative integer"};
  }
  return std::stoull(text);
}

// Indented JSON, two spaces a level.
void Pretty(const json::value& v, std::string* out, int depth) {
  const std::string indent(2 * (depth + 1), ' ');
  const std::string closing(2 * depth, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    *out += "{\n";
    bool first = true;
    for (const auto& [key, value] : v.get_object()) {
      if (!first) *out += ",\n";
      first = false;
      *out += indent + json::serialize(key) + ": ";
      Pretty(value, out, depth + 1);
    }
    *out += "\n" + closing + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    *out += "[\n";
    bool first = true;
    for (const json::value& element : v.get_array()) {
      if (!first) *out += ",\n";
      first = false;
      *out += indent;
      Pretty(element, out, depth + 1);
    }
    *out += "\n" + closing + "]";
  } else {
    *out += json::serialize(v);
  }
}

// `text` and a newline, unless it ends with one already (vaultd ends its
// JSON replies with one, which --raw keeps).
void PrintLine(const std::string& text) {
  std::cout << text;
  if (text.empty() || text.back() != '\n') std::cout << '\n';
}

// What to print for a JSON reply body.
std::string FormatJson(const std::string& body, bool raw) {
  if (raw) return body;
  boost::system::error_code ec;
  const json::value v = json::parse(body, ec);
  if (ec) return body;  // not JSON after all: show it as it came
  std::string out;
  Pretty(v, &out, 0);
  return out;
}

// Sends one request; the reply body if its status is one of `ok`, else the
// Status the server's error stands for.
vault::StatusOr<std::string> Call(vault::Client* client, std::string_view method,
                                  const std::string& target, const std::string& body,
                                  std::set<int> ok) {
  auto reply = client->Request(method, target, body, body.empty() ? "" : "application/json");
  if (!reply.ok()) return reply.status();
  if (ok.count(reply->status) == 0) return vault::StatusFromHttpError(reply->status, reply->body);
  return std::move(reply->body);
}

// vaultctl subject-access: asks, then writes the answer directory. The
// directory is checked first, so a request is never made (and audited) for
// an answer that could not be written.
vault::StatusOr<std::string> SubjectAccess(const po::variables_map& vm, vault::Client* client) {
  const std::string dir = *Get(vm, "out");
  const vault::SubjectAccessQuery query = vault::ctl::SubjectQueryOf("subject-access", vm);
  VAULT_RETURN_IF_ERROR(vault::sar::CheckNewDirectory(dir));
  const auto progress = [](const std::string& step) { std::cerr << "vaultctl: " << step << "\n"; };
  progress("searching the vault...");
  VAULT_ASSIGN_OR_RETURN(std::string body, client->SubjectAccessJson(query));
  VAULT_ASSIGN_OR_RETURN(vault::SubjectAccessAnswer answer,
                         vault::wire::DecodeSubjectAccessAnswer(body));
  size_t withheld = 0;
  for (const vault::SubjectAccessItem& item : answer.items) withheld += item.withheld ? 1 : 0;
  progress("found " + std::to_string(answer.items.size()) + " transcript" +
           (answer.items.size() == 1 ? "" : "s") + " (" + std::to_string(withheld) +
           " withheld)");
  VAULT_RETURN_IF_ERROR(vault::sar::WriteAnswerDirectory(dir, body, answer, query, progress));
  progress("done: " + dir);
  json::object summary;
  summary["dir"] = dir;
  summary["transcripts"] = answer.items.size();
  summary["withheld"] = withheld;
  summary["answered_at"] = vault::FormatRfc3339(answer.answered_at);
  summary["audit_seq"] = answer.audit_seq;
  summary["request"] = answer.request;
  return json::serialize(summary);
}

vault::StatusOr<std::string> Run(const std::string& command, const std::vector<std::string>& args,
                                 const po::variables_map& vm, vault::Client* client) {
  const std::string transcript = args.empty() ? "" : "/v1/transcripts/" + args[0];
  if (command == "health") return Call(client, "GET", "/v1/health", "", {200});
  if (command == "metrics") return client->Metrics();
  if (command == "get") return Call(client, "GET", transcript, "", {200});
  if (command == "erase") return Call(client, "POST", transcript + "/erase", "", {200});
  if (command == "retention") return Call(client, "GET", "/v1/retention", "", {200});
  if (command == "backup") {
    json::object body;
    body["dir"] = args[0];
    return Call(client, "POST", "/v1/backup", json::serialize(body), {201});
  }
  if (command == "audit") {
    const std::string& what = args[0];
    if (what == "status") return Call(client, "GET", "/v1/audit", "", {200});
    if (what == "checkpoint") return Call(client, "GET", "/v1/audit/checkpoint", "", {200});
    if (what == "records") {
      return Call(client, "GET",
                  "/v1/audit/records?from=" + Get(vm, "from-record").value_or("0") +
                      "&limit=" + Get(vm, "limit").value_or("100"),
                  "", {200});
    }
    // export DIR
    vault::StatusOr<vault::AuditStatus> exported = client->ExportAudit(args[1]);
    if (!exported.ok()) return exported.status();
    json::object summary;
    summary["dir"] = args[1];
    summary["records"] = exported->size;
    summary["segments"] = exported->segments.size();
    summary["genesis_key"] = exported->genesis_key;
    summary["verify"] = "vault-audit verify --dir " + args[1] +
                        " --pubkey PINNED-KEY --checkpoint " + args[1] + "/checkpoint.note";
    return json::serialize(summary);
  }
  if (command == "close") return Call(client, "POST", transcript + "/close", "", {200});
  if (command == "officers") return Call(client, "GET", "/v1/officers", "", {200});
  if (command == "officer") {
    if (args[0] == "revoke") {
      return Call(client, "POST", "/v1/officers/" + args[1] + "/revoke",
                  vault::wire::EncodeRevocation(
                      {vm.count("force") > 0, vm.count("compromised") > 0}),
                  {200});
    }
    json::object body;
    body["id"] = args[1];
    body["key"] = args[2];
    return Call(client, "POST", "/v1/officers", json::serialize(body), {201});
  }
  if (command == "subject-access") return SubjectAccess(vm, client);
  if (command == "create") {
    vault::NewTranscript request;
    request.service = vm["service"].as<std::vector<std::string>>().front();
    request.visitor.name = Get(vm, "visitor-name");
    request.visitor.ip = Get(vm, "visitor-ip");
    request.visitor.location = Get(vm, "visitor-location");
    request.visitor.user_agent = Get(vm, "visitor-user-agent");
    request.visitor.device = Get(vm, "visitor-device");
    request.visitor.ref = Get(vm, "visitor-ref");
    request.visitor.email = Get(vm, "visitor-email");
    request.visitor.phone = Get(vm, "visitor-phone");
    return Call(client, "POST", "/v1/transcripts", vault::wire::EncodeNewTranscript(request),
                {201});
  }
  // append
  vault::Message message;
  message.seq = ParseSeq(*Get(vm, "seq"));
  message.from = *Get(vm, "from");
  message.text = *Get(vm, "text");
  if (message.text == "-") {
    message.text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  message.sent_at =
      Get(vm, "sent-at").value_or(vault::FormatRfc3339(vault::SystemClock::Default()->NowMillis()));
  return Call(client, "POST", transcript + "/messages", vault::wire::EncodeMessage(message),
              {200, 201});
}

// Checks the command line against the command's spec; throws UsageError.
void Validate(const std::string& command, const std::vector<std::string>& args,
              const po::variables_map& vm) {
  const std::string key = command == "rights" && !args.empty() ? "rights " + args[0] : command;
  const auto it = Commands().find(key);
  if (it == Commands().end()) {
    if (command == "rights") {
      throw UsageError{"usage: rights register|list|show|extend|complete|refuse|lift|decide"};
    }
    throw UsageError{"unknown command '" + command + "'"};
  }
  const CommandSpec& spec = it->second;
  if (command == "rights") {
    const size_t given = args.size() - 1;
    const bool ok = key == "rights list" ? given <= 1 : given == spec.positional;
    if (!ok && key == "rights register") throw UsageError{"usage: rights register KIND"};
    if (!ok && key == "rights list") throw UsageError{"usage: rights list [open|overdue|all]"};
    if (!ok) throw UsageError{key + " takes one request ID"};
  } else if (command == "retention") {
    if (args.size() != 1 || args[0] != "status") throw UsageError{"usage: retention status"};
  } else if (command == "backup") {
    if (args.size() != 1 || args[0].empty() || args[0][0] != '/') {
      throw UsageError{"usage: backup DIR, an absolute path on the vault host"};
    }
  } else if (command == "audit") {
    const bool one = args.size() == 1 &&
                     (args[0] == "status" || args[0] == "checkpoint" || args[0] == "records");
    const bool export_dir = args.size() == 2 && args[0] == "export";
    if (!one && !export_dir) {
      throw UsageError{"usage: audit status|checkpoint|records|export DIR"};
    }
    if (args[0] != "records" && (vm.count("from-record") || vm.count("limit"))) {
      throw UsageError{"--from-record and --limit apply only to audit records"};
    }
  } else if (command == "officer") {
    const bool enrol = args.size() == 3 && args[0] == "enrol";
    const bool revoke = args.size() == 2 && args[0] == "revoke";
    if (!enrol && !revoke) {
      throw UsageError{
          "usage: officer enrol ID KEY | officer revoke ID [--force] [--compromised]"};
    }
    if (enrol && (vm.count("force") || vm.count("compromised"))) {
      throw UsageError{"--force and --compromised apply only to officer revoke"};
    }
    for (char c : args[1]) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
                      c == '-';
      if (!ok) throw UsageError{"an officer id is lowercase letters, digits, '.', '_' and '-'"};
    }
  } else if (args.size() != spec.positional) {
    throw UsageError{command + " takes " +
                     (spec.positional == 0 ? std::string("no arguments") : "one ID")};
  }
  for (const auto& [name, value] : vm) {
    if (name == "command" || name == "args" || name == "socket" || name == "raw") continue;
    if (spec.accepted.count(name) == 0) {
      throw UsageError{"option --" + name + " does not apply to " + key};
    }
  }
  for (const std::string& name : spec.required) {
    if (vm.count(name) == 0) throw UsageError{key + " needs --" + name};
  }
  const bool takes_id = command == "get" || command == "close" || command == "append" ||
                        command == "erase" || command == "statement";
  if (takes_id && !IsTranscriptId(args[0])) {
    throw UsageError{"'" + args[0] + "' is not a transcript id (32 lowercase hex characters)"};
  }
  if (command == "create" && vm["service"].as<std::vector<std::string>>().size() != 1) {
    throw UsageError{"create takes one --service"};
  }
  if (command == "subject-access") {
    vault::ctl::SubjectQueryOf(command, vm);  // throws on bad identifiers
  }
  if (command == "append") {
    ParseSeq(*Get(vm, "seq"));
    const std::string from = *Get(vm, "from");
    if (from != "visitor" && from != "agent" && from != "system") {
      throw UsageError{"invalid value '" + from +
                       "' for --from: expected visitor, agent or system"};
    }
  }
}

std::string SocketPath(const po::variables_map& vm) {
  if (std::optional<std::string> socket = Get(vm, "socket")) return *socket;
  return vault::cli::DefaultSocket();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string usage =
      std::string(kUsage) + vault::ctl::kRightsUsage + vault::ctl::kStatsUsage + kExitStatusUsage;
  vault::cli::CommandLine line;
  std::optional<vault::ctl::RightsCall> rights;  // the request of a rights command
  std::optional<vault::ctl::StatsCall> stats;    // a statistics command
  try {
    std::optional<vault::cli::CommandLine> parsed =
        vault::cli::ParseCommandLine(argc, argv, Options(), usage.c_str());
    if (!parsed) return kExitOk;  // --help
    line = std::move(*parsed);
    if (vault::ctl::IsStatsCommand(line.command)) {
      stats = vault::ctl::PrepareStatsCall(line.args, line.vm);
    } else {
      Validate(line.command, line.args, line.vm);
    }
    if (vault::ctl::IsRightsCommand(line.command)) {
      rights = vault::ctl::PrepareRightsCall(line.command, line.args, line.vm);
    }
  } catch (const po::error& e) {
    vault::cli::PrintUsageError("vaultctl", e.what());
    return kExitUsage;
  } catch (const UsageError& e) {
    vault::cli::PrintUsageError("vaultctl", e.message);
    return kExitUsage;
  }
  const po::variables_map& vm = line.vm;
  const std::string& command = line.command;
  const std::vector<std::string>& args = line.args;

  const std::string socket = SocketPath(vm);
  auto client = vault::Client::Connect(socket);
  const bool raw = vm.count("raw") > 0;
  vault::StatusOr<std::string> output =
      !client.ok() ? client.status()
      : rights     ? vault::ctl::SendRightsCall(*rights, client->get(), raw)
      : stats      ? vault::ctl::RunStatsCall(*stats, client->get())
                   : Run(command, args, vm, client->get());
  if (!output.ok()) {
    const vault::Status& status = output.status();
    const std::string code =
        status.reason().empty() ? vault::DefaultReason(status.code()) : status.reason();
    std::cerr << "vaultctl: " << code << ": " << status.message() << "\n";
    return kExitServerError;
  }
  if (command == "metrics" || (command == "audit" && args[0] == "checkpoint")) {
    std::cout << *output;
  } else if (command == "subject-access" || rights) {
    PrintLine(*output);  // one line for scripts; a rights summary, or the raw answer
  } else if (stats && !vault::ctl::StatsOutputIsJson(*stats)) {
    std::cout << *output;  // the CSV as received
  } else {
    PrintLine(FormatJson(*output, raw));
  }
  return kExitOk;
}
