// vault-officer: the safeguarding officer's tool. Holds the officer's keys
// (in a passphrase-protected identity file) and does every officer step
// against a running vaultd: open a case, place holds, file and approve
// unseal and release requests, and export what an unseal opened as JSON and
// as a printable document. Guide: docs/safeguarding.md.
//
//   vault-officer init --identity FILE [--kdf interactive|moderate|sensitive]
//   vault-officer key --identity FILE
//   vault-officer [--socket PATH] --identity FILE --officer ID COMMAND ...
//     cases | case CASE | open-case CASE --reason TEXT [--threshold K]
//     hold CASE TRANSCRIPT... | holds TRANSCRIPT
//     request CASE TRANSCRIPT... --reason TEXT [--expires-in 24h]
//     release CASE --reason TEXT [--expires-in 24h]
//     reshare CASE --reason TEXT [--threshold K] [--expires-in 24h]
//     show-request REQUEST | approve REQUEST [--out DIR] [--share FILE]
//     export-share CASE [--out FILE]
//     recover CASE --share FILE --backup DIR --audit DIR --reason TEXT [--expires-in 24h]
//
// The passphrase comes from --passphrase-file, else $VAULT_OFFICER_PASSPHRASE,
// else a prompt on the terminal (not echoed). Exit status: 0 success; 1 the
// vault refused or could not be reached; 2 bad usage or identity problems.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "vault/client.h"
#include "vault/clock.h"
#include "vault/common/encoding.h"
#include "vault/common/file_util.h"
#include "vault/common/time_format.h"
#include "vault/crypto/secret_input.h"
#include "vault/options.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"
#include "vault/officer/paper.h"
#include "vault/wire/http_error.h"
#include "vault/wire/response_json.h"
#include "vault/wire/safeguard_json.h"
#include "tool_cli.h"

namespace po = boost::program_options;
namespace json = boost::json;
using vault::Status;
using vault::StatusOr;
using vault::cli::Get;
using vault::cli::UsageError;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitVault = 1;
constexpr int kExitUsage = 2;

constexpr char kUsage[] = R"(Usage: vault-officer [OPTIONS] COMMAND [ARGS]

Your identity (keep the file private; it is protected by your passphrase):
  init --identity FILE [--kdf moderate]   create your keys; prints the key
                                          your vault admin enrols
  key --identity FILE                     print that key again

Against the vault (needs --identity FILE and --officer ID, your enrolled id):
  cases                                   list cases
  case CASE                               a case, its reason and its holds
  open-case CASE --reason TEXT [--threshold K]
                                          open a case (its key is shared
                                          between the enrolled officers; K of
                                          them open it, default the vault's
                                          setting, usually 2)
  hold CASE TRANSCRIPT...                 place transcripts on hold under CASE
  holds TRANSCRIPT                        the holds on a transcript
  request CASE TRANSCRIPT... --reason TEXT [--expires-in 24h]
                                          ask to unseal transcripts; your own
                                          approval is included. A second
                                          officer must approve.
  release CASE --reason TEXT [--expires-in 24h]
                                          ask to release a case (also needs a
                                          second officer)
  reshare CASE --reason TEXT [--threshold K] [--expires-in 24h]
                                          deal the case key afresh to the
                                          officers enrolled now (after one
                                          leaves or joins); old shares stop
                                          working. Needs the case's threshold
                                          of share holders, as a release does
  show-request REQUEST                    what a request asks, before you approve
  approve REQUEST [--out DIR] [--share FILE]
                                          approve; if yours is the last
                                          approval the request is carried out
                                          and unsealed transcripts are written
                                          to DIR (default ./unsealed-REQUEST)
                                          as .json and printable .txt. A
                                          recover request takes your offline
                                          share file (--share)

Offline shares (if the vault's keys/ is ever lost):
  export-share CASE [--out FILE]          save your share of the case, still
                                          sealed to you, to FILE (default
                                          ./offline-share-CASE-TIME.json);
                                          keep it offline. Destroy it when the
                                          case is released or reshared
  recover CASE --share FILE --backup DIR --audit DIR --reason TEXT [--expires-in 24h]
                                          in a new vault, ask to rebuild the
                                          case from a backup (DIR holding db/)
                                          and the lost vault's audit/ folder;
                                          your approval is included, and as
                                          many share holders as the case's
                                          threshold approve with their files

Exit status: 0 ok, 1 the vault refused or is unreachable, 2 usage or identity.
)";

// --threshold K: 0 when absent (the vault's default, or the case's); the
// vault checks the range (2..255).
int Threshold(const po::variables_map& vm) {
  std::optional<std::string> v = Get(vm, "threshold");
  if (!v) return 0;
  if (v->empty() || v->size() > 3 || v->find_first_not_of("0123456789") != std::string::npos) {
    throw UsageError{"--threshold is a number of officers, 2 to 255"};
  }
  return std::stoi(*v);
}

std::string Need(const po::variables_map& vm, const char* name, const std::string& command) {
  std::optional<std::string> v = Get(vm, name);
  if (!v) throw UsageError{command + " needs --" + name};
  return *v;
}

// The passphrase goes straight into guarded memory (vault/crypto/secret_input.h):
// read with read(2) from the file or the terminal, never through a stdio or
// iostream buffer or a std::string, and taken out of the environment (the
// variable is zeroed and unset) when it comes from there.
constexpr size_t kMaxPassphraseBytes = 4096;

// Reads one line from the terminal with echo off.
StatusOr<vault::SecretBytes> PromptPassphrase(const char* what) {
  std::cerr << what << std::flush;
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  StatusOr<vault::SecretBytes> line = vault::ReadSecretLine(STDIN_FILENO, kMaxPassphraseBytes);
  tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::cerr << "\n";
  return line;
}

StatusOr<vault::SecretBytes> ReadPassphrase(const po::variables_map& vm, bool confirm) {
  if (std::optional<std::string> file = Get(vm, "passphrase-file")) {
    return vault::ReadSecretFile(*file, kMaxPassphraseBytes);
  }
  if (auto from_env = vault::TakeSecretFromEnvironment("VAULT_OFFICER_PASSPHRASE",
                                                       kMaxPassphraseBytes)) {
    return std::move(*from_env);
  }
  if (isatty(STDIN_FILENO)) {
    VAULT_ASSIGN_OR_RETURN(vault::SecretBytes first, PromptPassphrase("Passphrase: "));
    if (confirm) {
      VAULT_ASSIGN_OR_RETURN(vault::SecretBytes again, PromptPassphrase("Passphrase again: "));
      if (!first.Equals(again)) {
        return Status::InvalidArgument("the passphrases differ", "passphrase_mismatch");
      }
    }
    return first;
  }
  return Status::InvalidArgument(
      "no passphrase: use --passphrase-file, $VAULT_OFFICER_PASSPHRASE or a terminal",
      "no_passphrase");
}

StatusOr<vault::safeguard::OfficerKeys> LoadIdentity(const po::variables_map& vm) {
  const std::string path = Need(vm, "identity", "this command");
  VAULT_ASSIGN_OR_RETURN(std::string text, vault::ReadSmallFile(path, 16 * 1024));
  VAULT_ASSIGN_OR_RETURN(vault::SecretBytes passphrase, ReadPassphrase(vm, false));
  return vault::safeguard::DecodeIdentityFile(text, passphrase);
}

int Init(const po::variables_map& vm) {
  const std::string path = Need(vm, "identity", "init");
  vault::safeguard::KdfLevel level = vault::safeguard::KdfLevel::kModerate;
  if (!vault::safeguard::ParseKdfLevel(Get(vm, "kdf").value_or("moderate"), &level)) {
    throw UsageError{"--kdf must be interactive, moderate or sensitive"};
  }
  if (level == vault::safeguard::KdfLevel::kInteractive) {
    std::cerr << "vault-officer: WARNING: --kdf interactive makes the passphrase cheap to guess "
                 "if the identity file is stolen; it is for tests and demonstrations. Use "
                 "moderate (the default) or sensitive for a real officer's identity.\n";
  }
  if (vault::FileExists(path)) {
    std::cerr << "vault-officer: " << path << " exists; it is not overwritten\n";
    return kExitUsage;
  }
  auto run = [&]() -> StatusOr<std::string> {
    VAULT_RETURN_IF_ERROR(vault::InitCrypto());
    VAULT_ASSIGN_OR_RETURN(vault::SecretBytes passphrase, ReadPassphrase(vm, true));
    VAULT_ASSIGN_OR_RETURN(vault::safeguard::OfficerKeys keys,
                           vault::safeguard::OfficerKeys::Generate());
    VAULT_ASSIGN_OR_RETURN(std::string file,
                           vault::safeguard::EncodeIdentityFile(keys, passphrase, level));
    VAULT_RETURN_IF_ERROR(vault::WriteFileAtomically(path, file, 0600));
    VAULT_ASSIGN_OR_RETURN(std::string token, vault::safeguard::EnrolmentToken(keys));
    return "key: " + token + "\nfingerprint: " + vault::safeguard::Fingerprint(keys.pub) +
           "\nGive the key to your vault admin (vaultctl officer enrol ID KEY) and read the\n"
           "fingerprint to them over the phone or in person; they check it matches.\n";
  };
  StatusOr<std::string> out = run();
  if (!out.ok()) {
    std::cerr << "vault-officer: " << out.status().message() << "\n";
    return kExitUsage;
  }
  std::cout << *out;
  return kExitOk;
}

// Writes `bytes` to `path` (0600), never over an existing file.
Status WriteNew(const std::string& path, const std::string& bytes) {
  if (vault::FileExists(path)) {
    return Status::AlreadyExists(path + " exists; it is not overwritten", "exists");
  }
  return vault::WriteFileAtomically(path, bytes, 0600);
}

StatusOr<std::string> Export(const vault::ApprovalResult& r, const std::string& dir) {
  VAULT_RETURN_IF_ERROR(vault::EnsureDirectory(dir, 0700));
  vault::safeguard::UnsealContext ctx;
  ctx.case_id = r.request.case_id;
  ctx.request_id = r.request.id;
  ctx.approved_by = r.request.approved_by;
  ctx.unsealed_at = r.executed_at;  // the vault's time of the unseal record
  ctx.audit_seq = r.audit_seq;
  ctx.audit_hash = r.audit_hash;
  json::array written;
  for (const vault::Transcript& t : r.transcripts) {
    json::object doc;
    doc["format"] = "transcript-vault-unsealed-v1";
    doc["transcript"] = vault::wire::EncodeTranscriptObject(t);
    doc["unseal"] = json::object{{"case", ctx.case_id},
                                 {"request", ctx.request_id},
                                 {"approved_by", json::value_from(ctx.approved_by)},
                                 {"unsealed_at", vault::FormatRfc3339(ctx.unsealed_at)},
                                 {"audit_seq", ctx.audit_seq},
                                 {"audit_hash", ctx.audit_hash}};
    const std::string base = dir + "/" + t.info.id;
    VAULT_RETURN_IF_ERROR(WriteNew(base + ".json", json::serialize(doc) + "\n"));
    VAULT_RETURN_IF_ERROR(WriteNew(base + ".txt", vault::safeguard::RenderPaper(t, ctx)));
    written.emplace_back(base + ".json");
    written.emplace_back(base + ".txt");
  }
  return json::serialize(json::object{{"request", r.request.id},
                                      {"state", r.request.state},
                                      {"executed", r.executed},
                                      {"audit_seq", r.audit_seq},
                                      {"audit_hash", r.audit_hash},
                                      {"files", std::move(written)}});
}

// `path` made absolute against the current directory.
std::string Absolute(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  char cwd[4096];
  if (getcwd(cwd, sizeof cwd) == nullptr) return path;
  return std::string(cwd) + "/" + path;
}

// The offline share files this identity wrote, one line each: the vault's
// id, the case, the dealing's time (ms), the file's path (tab-separated). Kept beside the identity file so
// that a release or a reshare can name the files to destroy.
std::string ExportsListPath(const po::variables_map& vm) { return Need(vm, "identity", "") + ".exports"; }

struct ExportedFile {
  std::string vault_id;
  std::string case_id;
  std::string dealt_at;
  std::string path;
};

std::vector<ExportedFile> ExportedFiles(const po::variables_map& vm, const std::string& vault_id,
                                        const std::string& case_id) {
  std::vector<ExportedFile> out;
  StatusOr<std::string> text = vault::ReadSmallFile(ExportsListPath(vm), 1 << 20);
  if (!text.ok()) return out;
  size_t at = 0;
  while (at < text->size()) {
    size_t end = text->find('\n', at);
    if (end == std::string::npos) end = text->size();
    const std::string line = text->substr(at, end - at);
    at = end + 1;
    std::vector<std::string> fields;
    for (size_t from = 0;;) {
      const size_t tab = line.find('\t', from);
      fields.push_back(line.substr(from, tab == std::string::npos ? std::string::npos : tab - from));
      if (tab == std::string::npos || fields.size() == 4) break;
      from = tab + 1;
    }
    if (fields.size() != 4) continue;
    ExportedFile f{fields[0], fields[1], fields[2], fields[3]};
    // Only this vault's case of that id: another vault may use the same id.
    if (f.vault_id == vault_id && f.case_id == case_id && vault::FileExists(f.path)) {
      out.push_back(std::move(f));
    }
  }
  return out;
}

Status NoteExport(const po::variables_map& vm, const ExportedFile& f) {
  const std::string path = ExportsListPath(vm);
  std::string text;
  if (vault::FileExists(path)) {
    VAULT_ASSIGN_OR_RETURN(text, vault::ReadSmallFile(path, 1 << 20));
  }
  text += f.vault_id + "\t" + f.case_id + "\t" + f.dealt_at + "\t" + f.path + "\n";
  return vault::WriteFileAtomically(path, text, 0600);
}

// After a release or a reshare: the offline share files of the case this
// identity wrote must go (docs/safeguarding.md, "Offline shares").
void WarnOfExports(const po::variables_map& vm, const std::string& vault_id,
                   const std::string& case_id, const char* what, json::object* out) {
  std::vector<ExportedFile> files = ExportedFiles(vm, vault_id, case_id);
  if (files.empty()) return;
  json::array paths;
  std::cerr << "vault-officer: the case was " << what
            << ": destroy your offline share files of it (shred them, and any copy):\n";
  for (const ExportedFile& f : files) {
    std::cerr << "  " << f.path << "\n";
    paths.emplace_back(f.path.c_str());
  }
  (*out)["offline_shares_to_destroy"] = std::move(paths);
}

// Reads and checks an offline share file: this officer's, signed by them,
// their share of its dealing.
StatusOr<vault::ShareExport> LoadOfflineShare(const std::string& path,
                                              const vault::safeguard::OfficerKeys& keys,
                                              const std::string& officer) {
  VAULT_ASSIGN_OR_RETURN(std::string text, vault::ReadSmallFile(path, 256 * 1024));
  std::string signature;
  VAULT_ASSIGN_OR_RETURN(vault::ShareExport share,
                         vault::wire::ParseOfflineShareFile(text, &signature));
  if (!vault::safeguard::VerifyOfflineShare(keys.pub, share, signature)) {
    return Status::InvalidArgument(path + " is not signed by this identity, or was altered",
                                   "invalid_share_file");
  }
  VAULT_RETURN_IF_ERROR(vault::safeguard::CheckOwnShare(keys, officer, share));
  return share;
}

StatusOr<std::string> ExportShare(vault::Client* client, const po::variables_map& vm,
                                  const vault::safeguard::OfficerKeys& keys,
                                  const std::string& officer, const std::string& vault_id,
                                  const std::string& case_id, vault::UnixMillis now) {
  vault::ShareExportRequest request;
  request.case_id = case_id;
  VAULT_RETURN_IF_ERROR(
      vault::safeguard::SignShareExport(keys, officer, vault_id, now, &request));
  VAULT_ASSIGN_OR_RETURN(vault::ShareExport share, client->ExportShare(request));
  if (share.vault_id != vault_id || share.dealing.case_id != case_id) {
    return Status::Internal("the vault answered for another vault or case", "bad_response");
  }
  VAULT_RETURN_IF_ERROR(vault::safeguard::CheckOwnShare(keys, officer, share));
  VAULT_ASSIGN_OR_RETURN(std::string signature, vault::safeguard::SignOfflineShare(keys, share));
  std::string stamp = vault::FormatRfc3339(share.dealing.dealt_at);
  for (char& ch : stamp) {
    if (ch == ':' || ch == '.') ch = '-';
  }
  const std::string path =
      Absolute(Get(vm, "out").value_or("offline-share-" + case_id + "-" + stamp + ".json"));
  VAULT_RETURN_IF_ERROR(WriteNew(path, vault::wire::EncodeOfflineShareFile(share, signature)));
  VAULT_RETURN_IF_ERROR(
      NoteExport(vm, {vault_id, case_id, std::to_string(share.dealing.dealt_at), path}));
  json::array holders;
  for (const vault::DealtShare& s : share.dealing.shares) holders.emplace_back(s.officer.c_str());
  return json::serialize(json::object{
      {"file", path},
      {"case", case_id},
      {"dealt_at", vault::FormatRfc3339(share.dealing.dealt_at)},
      {"threshold", share.dealing.threshold},
      {"share_holders", std::move(holders)},
      {"audit_seq", share.audit_seq},
      {"note",
       "Keep this file offline (a safe, an encrypted drive), apart from your identity file. "
       "With the shares of the case's other holders it rebuilds the case from a backup if the "
       "vault loses its keys. Destroy it when the case is released or reshared."}});
}

StatusOr<std::string> Approve(vault::Client* client, const po::variables_map& vm,
                              const vault::safeguard::OfficerKeys& keys,
                              const std::string& officer, const std::string& vault_id,
                              const std::string& request_id, const std::string& out_dir) {
  VAULT_ASSIGN_OR_RETURN(vault::RequestInfo request, client->GetRequest(request_id, officer));
  if (request.kind == vault::RequestKind::kRecover) {
    // The case is not in this vault yet: the share comes from your file,
    // which must be of the dealing the request names.
    std::optional<std::string> file = Get(vm, "share");
    if (!file) throw UsageError{"a recover request needs --share FILE, your offline share file"};
    VAULT_ASSIGN_OR_RETURN(vault::ShareExport share, LoadOfflineShare(*file, keys, officer));
    if (!(share.dealing == request.recovery.dealing) ||
        share.vault_id != request.recovery.previous_vault) {
      return Status::InvalidArgument(
          *file + " is a share of another dealing or vault than the request names",
          "invalid_share_file");
    }
    request.officer_share = vault::ToBase64(share.sealed_share);
  }
  VAULT_ASSIGN_OR_RETURN(vault::Approval approval,
                         vault::safeguard::MakeApproval(keys, officer, vault_id, request));
  const std::string dir = out_dir.empty() ? "unsealed-" + request_id : out_dir;
  if (request.kind == vault::RequestKind::kUnseal) {
    // This approval may carry the request out, and an unseal happens once:
    // make sure no export would be refused for an existing file. (The folder
    // itself is made only when there is something to write.)
    for (const std::string& id : request.transcripts) {
      for (const char* ext : {".json", ".txt"}) {
        if (vault::FileExists(dir + "/" + id + ext)) {
          return Status::AlreadyExists(
              dir + "/" + id + ext + " exists; choose another --out before approving",
              "export_exists");
        }
      }
    }
  }
  VAULT_ASSIGN_OR_RETURN(vault::ApprovalResult result, client->Approve(request_id, approval));
  if (result.executed && result.request.kind == vault::RequestKind::kUnseal) {
    StatusOr<std::string> exported = Export(result, dir);
    if (!exported.ok()) {
      // The unseal has happened and cannot be repeated: hand over what it
      // opened rather than lose it.
      std::cout << vault::wire::EncodeApprovalResult(result) << "\n";
      return exported.status();
    }
    return exported;
  }
  if (result.executed && result.request.kind == vault::RequestKind::kReshare) {
    VAULT_ASSIGN_OR_RETURN(vault::CaseDetail reshared, client->GetCase(result.request.case_id));
    json::array holders;
    for (const std::string& h : reshared.info.share_holders) holders.emplace_back(h.c_str());
    json::object out{{"request", result.request.id},
                     {"state", result.request.state},
                     {"case_reshared", result.request.case_id},
                     {"threshold", reshared.info.threshold},
                     {"share_holders", std::move(holders)},
                     {"audit_seq", result.audit_seq},
                     {"audit_hash", result.audit_hash}};
    WarnOfExports(vm, vault_id, result.request.case_id, "reshared", &out);
    return json::serialize(out);
  }
  if (result.executed && result.request.kind == vault::RequestKind::kRecover) {
    VAULT_ASSIGN_OR_RETURN(vault::CaseDetail recovered, client->GetCase(result.request.case_id));
    json::array holders;
    for (const std::string& h : recovered.info.share_holders) holders.emplace_back(h.c_str());
    return json::serialize(json::object{{"request", result.request.id},
                                        {"state", result.request.state},
                                        {"case_recovered", result.request.case_id},
                                        {"recovered", result.recovered},
                                        {"holds", recovered.info.holds},
                                        {"share_holders", std::move(holders)},
                                        {"audit_seq", result.audit_seq},
                                        {"audit_hash", result.audit_hash},
                                        {"next",
                                         "every share holder exports their new share "
                                         "(vault-officer export-share) and destroys the file "
                                         "they recovered with"}});
  }
  if (result.executed) {
    json::object out{{"request", result.request.id},
                     {"state", result.request.state},
                     {"case_released", result.request.case_id},
                     {"returned_to_normal_expiry", result.returned},
                     {"destroyed", result.destroyed},
                     {"audit_seq", result.audit_seq},
                     {"audit_hash", result.audit_hash}};
    WarnOfExports(vm, vault_id, result.request.case_id, "released", &out);
    return json::serialize(out);
  }
  return vault::wire::EncodeRequest(result.request);
}

StatusOr<vault::UnixMillis> ExpiresAt(const po::variables_map& vm) {
  int64_t ms = 24 * 3600 * 1000;
  if (std::optional<std::string> text = Get(vm, "expires-in")) {
    if (!vault::ParseDuration(*text, &ms)) throw UsageError{"--expires-in must be like 24h or 90m"};
  }
  return vault::SystemClock::Default()->NowMillis() + ms;
}

StatusOr<std::string> Run(const std::string& command, const std::vector<std::string>& args,
                          const po::variables_map& vm) {
  auto need_args = [&](size_t min, size_t max, const char* usage) {
    if (args.size() < min || args.size() > max) throw UsageError{"usage: " + std::string(usage)};
  };
  if (command == "cases")
    need_args(0, 0, "cases");
  else if (command == "case")
    need_args(1, 1, "case CASE");
  else if (command == "open-case")
    need_args(1, 1, "open-case CASE --reason TEXT");
  else if (command == "hold")
    need_args(2, 100, "hold CASE TRANSCRIPT...");
  else if (command == "holds")
    need_args(1, 1, "holds TRANSCRIPT");
  else if (command == "request")
    need_args(2, 101, "request CASE TRANSCRIPT... --reason TEXT");
  else if (command == "release")
    need_args(1, 1, "release CASE --reason TEXT");
  else if (command == "reshare")
    need_args(1, 1, "reshare CASE --reason TEXT [--threshold K]");
  else if (command == "show-request")
    need_args(1, 1, "show-request REQUEST");
  else if (command == "approve")
    need_args(1, 1, "approve REQUEST [--out DIR] [--share FILE]");
  else if (command == "export-share")
    need_args(1, 1, "export-share CASE [--out FILE]");
  else if (command == "recover")
    need_args(1, 1, "recover CASE --share FILE --backup DIR --audit DIR --reason TEXT");
  else
    throw UsageError{"unknown command '" + command + "'"};
  const std::string officer = Need(vm, "officer", command);
  std::string socket = Get(vm, "socket").value_or("");
  if (socket.empty()) socket = vault::cli::DefaultSocket();
  VAULT_ASSIGN_OR_RETURN(vault::safeguard::OfficerKeys keys, LoadIdentity(vm));
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<vault::Client> client, vault::Client::Connect(socket));
  VAULT_ASSIGN_OR_RETURN(vault::OfficerList officers, client->ListOfficers());
  const std::string& vault_id = officers.vault_id;
  const vault::UnixMillis now = vault::SystemClock::Default()->NowMillis();
  namespace sg = vault::safeguard;
  if (command == "cases") {
    VAULT_ASSIGN_OR_RETURN(auto cases, client->ListCases());
    return vault::wire::EncodeCaseList(cases);
  }
  if (command == "case") {
    VAULT_ASSIGN_OR_RETURN(auto detail, client->GetCase(args[0]));
    return vault::wire::EncodeCaseDetail(detail);
  }
  if (command == "holds") {
    VAULT_ASSIGN_OR_RETURN(auto holds, client->ListHolds(args[0]));
    return vault::wire::EncodeHoldList(holds);
  }
  if (command == "show-request") {
    VAULT_ASSIGN_OR_RETURN(auto request, client->GetRequest(args[0]));
    return vault::wire::EncodeRequest(request);
  }
  if (command == "approve") {
    return Approve(client.get(), vm, keys, officer, vault_id, args[0],
                   Get(vm, "out").value_or(""));
  }
  if (command == "export-share") {
    return ExportShare(client.get(), vm, keys, officer, vault_id, args[0], now);
  }
  if (command == "open-case") {
    vault::CaseOpening o;
    o.case_id = args[0];
    o.reason = Need(vm, "reason", command);
    o.threshold = Threshold(vm);
    VAULT_RETURN_IF_ERROR(sg::SignCaseOpening(keys, officer, vault_id, now, &o));
    VAULT_ASSIGN_OR_RETURN(auto c, client->OpenCase(o));
    return vault::wire::EncodeCase(c);
  }
  if (command == "hold") {
    json::array held;
    for (size_t i = 1; i < args.size(); ++i) {
      vault::HoldPlacement h;
      h.case_id = args[0];
      h.transcript_id = args[i];
      VAULT_RETURN_IF_ERROR(sg::SignHold(keys, officer, vault_id, now, &h));
      VAULT_ASSIGN_OR_RETURN(auto hold, client->PlaceHold(h));
      held.emplace_back(json::parse(vault::wire::EncodeHold(hold)));
    }
    return json::serialize(json::object{{"holds", std::move(held)}});
  }
  // request / release / reshare / recover: file, then approve as this officer.
  vault::RequestFiling f;
  f.kind = command == "request"   ? vault::RequestKind::kUnseal
           : command == "release" ? vault::RequestKind::kRelease
           : command == "recover" ? vault::RequestKind::kRecover
                                  : vault::RequestKind::kReshare;
  if (f.kind == vault::RequestKind::kRecover) {
    VAULT_ASSIGN_OR_RETURN(vault::ShareExport share,
                           LoadOfflineShare(Need(vm, "share", command), keys, officer));
    if (share.dealing.case_id != args[0]) {
      return Status::InvalidArgument("the share file is of case " + share.dealing.case_id,
                                     "invalid_share_file");
    }
    // vaultd opens them: absolute, as this shell means them.
    f.recovery.backup_dir = Absolute(Need(vm, "backup", command));
    f.recovery.audit_dir = Absolute(Need(vm, "audit", command));
    f.recovery.previous_vault = share.vault_id;
    f.recovery.dealing = share.dealing;
  }
  f.threshold = command == "reshare" ? Threshold(vm) : 0;
  f.case_id = args[0];
  f.transcripts.assign(args.begin() + 1, args.end());
  f.reason = Need(vm, "reason", command);
  VAULT_ASSIGN_OR_RETURN(f.expires_at, ExpiresAt(vm));
  VAULT_RETURN_IF_ERROR(sg::SignFiling(keys, officer, vault_id, now, &f));
  VAULT_ASSIGN_OR_RETURN(vault::RequestInfo filed, client->FileRequest(f));
  VAULT_ASSIGN_OR_RETURN(std::string approved,
                         Approve(client.get(), vm, keys, officer, vault_id, filed.id, ""));
  (void)approved;  // the first approval never carries a request out
  VAULT_ASSIGN_OR_RETURN(vault::RequestInfo now_pending, client->GetRequest(filed.id));
  json::object out = json::parse(vault::wire::EncodeRequest(now_pending)).as_object();
  out["next"] = "another share holder runs: vault-officer approve " + filed.id;
  return json::serialize(out);
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("Options");
  auto text = [] { return po::value<std::string>(); };
  // clang-format off
  options.add_options()
      ("help,h", "print this help and exit")
      ("socket", text(), "vaultd's socket (default $VAULT_SOCKET, else /run/transcript-vault/vaultd.sock)")
      ("identity", text(), "your identity file")
      ("officer", text(), "your officer id, as enrolled")
      ("passphrase-file", text(), "read the passphrase from this file (first line)")
      ("kdf", text(), "init: interactive, moderate (default) or sensitive")
      ("reason", text(), "open-case, request, release, reshare: why (kept in the sealed case file)")
      ("expires-in", text(), "request, release, reshare: how long the other officers have (default 24h)")
      ("threshold", text(), "open-case, reshare: how many share holders open the case (2..255)")
      ("out", text(), "approve: where unsealed transcripts are written; export-share: the file")
      ("share", text(), "recover, approve (a recover request): your offline share file")
      ("backup", text(), "recover: the restored backup directory (holding db/)")
      ("audit", text(), "recover: the lost vault's audit/ directory");
  // clang-format on
  try {
    std::optional<vault::cli::CommandLine> line =
        vault::cli::ParseCommandLine(argc, argv, options, kUsage);
    if (!line) return kExitOk;  // --help
    const po::variables_map& vm = line->vm;
    const std::string& command = line->command;
    const std::vector<std::string>& args = line->args;
    if (command == "init") {
      if (!args.empty()) throw UsageError{"init takes no arguments"};
      return Init(vm);
    }
    if (command == "key") {
      if (!args.empty()) throw UsageError{"key takes no arguments"};
      StatusOr<vault::safeguard::OfficerKeys> keys = LoadIdentity(vm);
      if (!keys.ok()) {
        std::cerr << "vault-officer: " << keys.status().message() << "\n";
        return kExitUsage;
      }
      std::cout << "key: " << *vault::safeguard::EnrolmentToken(*keys)
                << "\nfingerprint: " << vault::safeguard::Fingerprint(keys->pub) << "\n";
      return kExitOk;
    }
    StatusOr<std::string> out = Run(command, args, vm);
    if (!out.ok()) {
      const Status& s = out.status();
      const bool identity = s.reason() == "wrong_passphrase" ||
                            s.reason() == "invalid_identity_file" || s.reason() == "no_passphrase";
      std::cerr << "vault-officer: "
                << (s.reason().empty() ? vault::DefaultReason(s.code()) : s.reason()) << ": "
                << s.message() << "\n";
      return identity ? kExitUsage : kExitVault;
    }
    std::cout << *out << "\n";
    return kExitOk;
  } catch (const po::error& e) {
    vault::cli::PrintUsageError("vault-officer", e.what());
    return kExitUsage;
  } catch (const UsageError& e) {
    vault::cli::PrintUsageError("vault-officer", e.message);
    return kExitUsage;
  }
}
