// Fuzz target: audit segment files as the offline verifier reads them
// (vault/audit/record.h DecodeRecord, vault/audit/verifier.h VerifyDirectory;
// docs/audit-format.md), the input an auditor must be able to trust
// `vault-audit verify` with whatever a tamperer left on disk.
//
// Input: a selector byte, then
//   0: pinned key (32 bytes) || segment 1 as on disk: verified as is;
//   1: a segment: every record DecodeRecord accepts, encoded again, gives
//      the same bytes and hash;
//   2: pinned key (32 bytes) || records whose length, seq, prev and hash the
//      target rewrites so the chain holds: reaches the per-type payload and
//      checkpoint rules behind the hash chain.
// Checks: no crash; the verdict is the same on a second run; a verified log
// has records, at least one segment, and a sealed prefix within it.
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>

#include "fixed_keys.h"
#include "fuzz_check.h"
#include "vault/audit/record.h"
#include "vault/audit/recovery.h"
#include "vault/audit/verifier.h"
#include "vault/common/encoding.h"

namespace {

namespace audit = vault::audit;

void WriteSegment(const std::string& dir, std::string_view bytes) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream out(audit::SegmentFilePath(dir, 1), std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  FUZZ_CHECK(out.good());
}

void Verify(std::string_view in) {
  if (in.size() < audit::kPublicKeyBytes) return;
  audit::VerifyOptions options;
  std::memcpy(options.pinned_key.data(), in.data(), audit::kPublicKeyBytes);
  const std::string dir = vault::fuzz::ScratchDir() + "/audit";
  WriteSegment(dir, in.substr(audit::kPublicKeyBytes));
  const audit::VerifyReport first = audit::VerifyDirectory(dir, options);
  const audit::VerifyReport second = audit::VerifyDirectory(dir, options);
  FUZZ_CHECK(first.ok == second.ok && first.records == second.records &&
             first.error_code == second.error_code);
  if (first.ok) {
    FUZZ_CHECK(first.records > 0 && first.segments == 1);
    FUZZ_CHECK(first.sealed < first.records);
    FUZZ_CHECK(first.error_code.empty());
  } else {
    FUZZ_CHECK(!first.error_code.empty());
  }
}

void Records(std::string_view in) {
  while (!in.empty()) {
    audit::Record r;
    audit::Hash hash{};
    size_t consumed = 0;
    std::string why;
    const audit::ParseResult result = audit::DecodeRecord(in, &r, &hash, &consumed, &why);
    if (result != audit::ParseResult::kOk) return;
    FUZZ_CHECK(consumed > 0 && consumed <= in.size());
    std::string again;
    FUZZ_CHECK(audit::EncodeRecord(r, &again) == hash);
    FUZZ_CHECK(again == in.substr(0, consumed));
    in.remove_prefix(consumed);
  }
}

// Reads records framed as on disk, ignoring their hashes, and writes them
// back as a valid chain: seq 0, 1, ...; each prev the hash before.
std::string Rechain(std::string_view in) {
  std::string out;
  audit::Hash prev{};
  for (uint64_t seq = 0; in.size() >= 4; ++seq) {
    const uint32_t len = vault::GetU32(in.data());
    if (len < audit::kBodyHeaderBytes || len > in.size() - 4) break;
    std::string_view body = in.substr(4, len);
    in.remove_prefix(std::min<size_t>(in.size(), 4 + size_t{len} + audit::kHashBytes));
    audit::Record r;
    r.type = static_cast<audit::RecordType>(static_cast<uint8_t>(body[1]));
    r.seq = seq;
    r.time_ms = static_cast<int64_t>(vault::GetU64(body.data() + 10));
    r.prev = prev;
    r.payload = std::string(body.substr(audit::kBodyHeaderBytes));
    if (r.payload.size() > audit::kMaxPayloadBytes) break;
    prev = audit::EncodeRecord(r, &out);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view in;
  if (!vault::fuzz::Split(data, size, 3, &choice, &in)) return 0;
  switch (choice) {
    case 0:
      Verify(in);
      break;
    case 1:
      Records(in);
      break;
    default: {
      if (in.size() < audit::kPublicKeyBytes) return 0;
      Verify(std::string(in.substr(0, audit::kPublicKeyBytes)) +
             Rechain(in.substr(audit::kPublicKeyBytes)));
      break;
    }
  }
  return 0;
}
