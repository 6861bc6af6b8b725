// The seed writers of fuzz_make_seeds (make_seeds.cc), one per group of
// targets.
#ifndef VAULT_FUZZ_SEEDS_H_
#define VAULT_FUZZ_SEEDS_H_

#include <string>
#include <string_view>

namespace vault::fuzz {

// For the targets that take raw bytes, with no selector byte.
constexpr int kNoSelector = -1;

// Writes corpus/<target>/<name>: the selector byte (unless kNoSelector), then `bytes`.
void WriteSeed(const std::string& target, const std::string& name, int selector,
               std::string_view bytes);

void SetCorpus(std::string dir);

void HttpSeeds();     // http_router, http_session (seeds_http.cc)
void JsonSeeds();     // wire_requests, wire_responses, wire_safeguard (seeds_json.cc)
void RecordSeeds();   // records_keys (seeds_files.cc)
void FileSeeds();     // keyring_file, case_file (seeds_files.cc)
void OfficerSeeds();  // officer, audit_note (seeds_files.cc)
void AuditSeeds();    // audit_segment (seeds_audit.cc)

}  // namespace vault::fuzz

#endif  // VAULT_FUZZ_SEEDS_H_
