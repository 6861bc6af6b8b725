// vault-audit: offline verification of a Transcript Vault audit log.
//
//   vault-audit verify --dir DIR --pubkey KEY [--checkpoint FILE]... [--max-gap DURATION] [--json]
//   vault-audit show   --dir DIR [--from N] [--count N]
//   vault-audit genesis-key --dir DIR
//   vault-audit life ID --dir DIR --pubkey KEY [--checkpoint FILE]... [--max-gap DURATION]
//   vault-audit keys --dir DIR --pubkey KEY [--checkpoint FILE]... [--max-gap DURATION]
//
// Needs only a copy of the audit directory and the first public key the
// auditor pinned; no daemon, no keyring, no root key. Exit status: 0 the log
// verifies, 1 it does not (the first bad record and why are printed), 2 usage.
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

#include "vault/audit/key_life.h"
#include "vault/audit/life.h"
#include "vault/audit/record.h"
#include "vault/audit/report.h"
#include "vault/audit/verifier.h"
#include "vault/common/time_format.h"
#include "vault/options.h"

namespace po = boost::program_options;
namespace json = boost::json;
using namespace vault;

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// False if the file cannot be opened; an empty file is read as empty.
bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The options of verify (and of life, which verifies first); 0 or a usage
// error's exit status.
int VerifyOptionsOf(const po::variables_map& vm, audit::VerifyOptions* out) {
  audit::VerifyOptions& o = *out;
  std::string key = vm.count("pubkey") ? vm["pubkey"].as<std::string>() : "";
  if (vm.count("pubkey-file")) key = Trim(ReadAll(vm["pubkey-file"].as<std::string>()));
  if (!audit::ParsePublicKey(key, &o.pinned_key)) {
    std::cerr << "vault-audit: --pubkey must be the base64 Ed25519 public key you pinned\n";
    return 2;
  }
  if (vm.count("checkpoint")) {
    for (const auto& f : vm["checkpoint"].as<std::vector<std::string>>()) {
      std::string note;
      if (!ReadFile(f, &note)) {
        std::cerr << "vault-audit: cannot read checkpoint file " << f << "\n";
        return 2;
      }
      o.kept_checkpoints.push_back(note);
      o.kept_checkpoint_names.push_back(f);
    }
  }
  if (vm.count("max-gap") && !ParseDuration(vm["max-gap"].as<std::string>(), &o.max_gap_ms)) {
    std::cerr << "vault-audit: --max-gap must be a duration like 2m or 1h\n";
    return 2;
  }
  return 0;
}

int Verify(const po::variables_map& vm) {
  audit::VerifyOptions o;
  if (int usage = VerifyOptionsOf(vm, &o); usage != 0) return usage;
  const audit::VerifyReport r = audit::VerifyDirectory(vm["dir"].as<std::string>(), o);
  if (vm.count("json")) {
    std::cout << audit::ReportJson(r) << "\n";
  } else {
    std::cout << audit::ReportText(r);
  }
  return r.ok ? 0 : 1;
}

int Show(const po::variables_map& vm) {
  const std::string dir = vm["dir"].as<std::string>();
  const uint64_t from = vm["from"].as<uint64_t>();
  const uint64_t count = vm["count"].as<uint64_t>();
  uint64_t shown = 0;
  for (uint64_t n = 1; shown < count; ++n) {
    char name[32];
    std::snprintf(name, sizeof name, "/audit-%08llu.log", static_cast<unsigned long long>(n));
    std::ifstream probe(dir + name);
    if (!probe) break;
    const std::string bytes = ReadAll(dir + name);
    std::string_view in = bytes;
    while (!in.empty() && shown < count) {
      audit::Record r;
      audit::Hash h;
      size_t used = 0;
      std::string why;
      if (audit::DecodeRecord(in, &r, &h, &used, &why) != audit::ParseResult::kOk) {
        std::cerr << "vault-audit: segment " << n << " is damaged (" << why
                  << "); run verify\n";
        return 1;
      }
      in.remove_prefix(used);
      if (r.seq < from) continue;
      json::object j;
      j["seq"] = r.seq;
      j["time"] = FormatRfc3339(r.time_ms);
      j["type"] = audit::RecordTypeName(r.type);
      boost::system::error_code ec;
      json::value p = json::parse(r.payload, ec);
      j["payload"] = ec ? json::value(r.payload) : p;
      j["hash"] = audit::HashHex(h);
      std::cout << json::serialize(j) << "\n";
      ++shown;
    }
  }
  return 0;
}

// The readers of a verified log (life, keys) verify it whole first: 0 and
// the number of verified records, or the exit status to stop with (the
// report printed).
int VerifyFirst(const po::variables_map& vm, uint64_t* records) {
  audit::VerifyOptions o;
  if (int usage = VerifyOptionsOf(vm, &o); usage != 0) return usage;
  const audit::VerifyReport v = audit::VerifyDirectory(vm["dir"].as<std::string>(), o);
  if (!v.ok) {
    std::cout << audit::ReportText(v);
    return 1;
  }
  *records = v.records;
  return 0;
}

// A transcript's life from the log alone, once the whole log has verified.
int Life(const po::variables_map& vm) {
  if (!vm.count("id")) {
    std::cerr << "vault-audit: life needs a transcript id\n";
    return 2;
  }
  uint64_t records = 0;
  if (int failed = VerifyFirst(vm, &records); failed != 0) return failed;
  const std::string dir = vm["dir"].as<std::string>();
  auto life = audit::TranscriptLife(dir, vm["id"].as<std::string>(), records);
  if (!life.ok()) {
    std::cerr << "vault-audit: " << life.status().message() << "\n";
    return life.status().code() == Status::Code::kInvalidArgument ? 2 : 1;
  }
  std::cout << audit::LifeText(*life);
  return 0;
}

// Every key's states from the log alone, once the whole log has verified;
// exit 1 also when a transition contradicts the state before it.
int Keys(const po::variables_map& vm) {
  uint64_t records = 0;
  if (int failed = VerifyFirst(vm, &records); failed != 0) return failed;
  auto keys = audit::KeyLives(vm["dir"].as<std::string>(), records);
  if (!keys.ok()) {
    std::cerr << "vault-audit: " << keys.status().message() << "\n";
    return 1;
  }
  std::cout << audit::KeyLivesText(*keys);
  return keys->problems.empty() ? 0 : 1;
}

int GenesisKey(const po::variables_map& vm) {
  const std::string bytes = ReadAll(vm["dir"].as<std::string>() + "/audit-00000001.log");
  audit::Record r;
  audit::Hash h;
  size_t used = 0;
  std::string why;
  if (audit::DecodeRecord(bytes, &r, &h, &used, &why) != audit::ParseResult::kOk ||
      r.type != audit::RecordType::kGenesis) {
    std::cerr << "vault-audit: no genesis record in " << vm["dir"].as<std::string>() << "\n";
    return 1;
  }
  boost::system::error_code ec;
  json::value p = json::parse(r.payload, ec);
  if (ec || !p.is_object() || !p.as_object().contains("key")) {
    std::cerr << "vault-audit: malformed genesis record\n";
    return 1;
  }
  std::cout << p.at("key").as_string().c_str() << "\n";
  std::cerr << "note: pin this key from a trusted copy made when the vault was installed; a key\n"
               "read from the log you are about to verify proves nothing by itself.\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description opts("vault-audit options");
  opts.add_options()
      ("help,h", "show this help")
      ("dir", po::value<std::string>(), "audit directory (a copy is fine)")
      ("pubkey", po::value<std::string>(), "pinned first public key (base64)")
      ("pubkey-file", po::value<std::string>(), "file holding the pinned public key")
      ("checkpoint", po::value<std::vector<std::string>>(), "a signed checkpoint you kept (repeatable)")
      ("max-gap", po::value<std::string>(), "longest allowed time between checkpoints")
      ("json", "print the report as JSON")
      ("from", po::value<uint64_t>()->default_value(0), "show: first record")
      ("count", po::value<uint64_t>()->default_value(UINT64_MAX), "show: number of records");
  po::options_description hidden;
  hidden.add_options()("command", po::value<std::string>())("id", po::value<std::string>());
  po::options_description all;
  all.add(opts).add(hidden);
  po::positional_options_description pos;
  pos.add("command", 1).add("id", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "vault-audit: " << e.what() << "\n";
    return 2;
  }
  const std::string cmd = vm.count("command") ? vm["command"].as<std::string>() : "";
  if (vm.count("help") || cmd.empty()) {
    std::cout << "usage: vault-audit verify --dir DIR --pubkey KEY [--checkpoint FILE]... "
                 "[--max-gap DURATION] [--json]\n"
                 "       vault-audit show --dir DIR [--from N] [--count N]\n"
                 "       vault-audit genesis-key --dir DIR\n"
                 "       vault-audit life ID --dir DIR --pubkey KEY [--checkpoint FILE]...\n"
                 "       vault-audit keys --dir DIR --pubkey KEY [--checkpoint FILE]...\n\n"
              << opts;
    return vm.count("help") ? 0 : 2;
  }
  if (!vm.count("dir")) {
    std::cerr << "vault-audit: --dir is required\n";
    return 2;
  }
  if (cmd == "verify") return Verify(vm);
  if (cmd == "show") return Show(vm);
  if (cmd == "genesis-key") return GenesisKey(vm);
  if (cmd == "life") return Life(vm);
  if (cmd == "keys") return Keys(vm);
  std::cerr << "vault-audit: unknown command " << cmd << "\n";
  return 2;
}
