// Legal hold: the types of the safeguarding API (officers, cases, holds and
// two-officer requests). The operations are methods of vault::Vault; the
// design is in docs/design.md ("Legal hold") and the officer's guide in
// docs/safeguarding.md.
//
// Every officer action carries the officer's Ed25519 signature over a
// canonical statement (vault/officer/statement.h) as well as coming from a
// caller with the officer role: the role says the caller may act as an
// officer, the signature says which officer acted.
#ifndef VAULT_SAFEGUARDING_H_
#define VAULT_SAFEGUARDING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "vault/clock.h"

namespace vault {

struct OfficerInfo {
  std::string id;           // [a-z0-9._-]{1,64}, chosen by the admin
  std::string key;          // the enrolment token (public keys only)
  std::string fingerprint;  // of the public keys, for reading aloud
  UnixMillis enrolled_at = 0;
  uint32_t enrolled_by = 0;   // uid of the admin
  UnixMillis revoked_at = 0;  // 0 while active
  // Revoked because their keys are, or may be, in other hands: their
  // enrolment's key state is compromised rather than deactivated.
  bool compromised = false;
  bool active() const { return revoked_at == 0; }
};

// How an officer is revoked (Vault::RevokeOfficer).
struct Revocation {
  bool force = false;        // even if it strands a case ("would_strand_cases")
  bool compromised = false;  // their keys are, or may be, in other hands
};

// Which open cases need resharing (LegalHold: a case's key is shared among
// the officers enrolled when it was opened or last reshared; docs/
// safeguarding.md "Keeping cases openable"). Case ids, sorted.
struct ShareHealth {
  // Fewer active share holders than the case's threshold: no request of the
  // case can ever be approved again (its transcripts are kept until the
  // vault's data is destroyed by other means).
  std::vector<std::string> stranded;
  // Exactly as many active share holders as the threshold: one departure
  // from stranded. Reshare now.
  std::vector<std::string> at_threshold;
  // More than the threshold, but a share holder has been revoked or an
  // active officer holds no share: reshare when convenient.
  std::vector<std::string> reshare_advised;
};

struct OfficerList {
  std::string vault_id;  // names this vault in every signed statement
  std::vector<OfficerInfo> officers;
  ShareHealth share_health;
};

// Who signed an officer action, when, and the signature (raw 64 bytes).
struct OfficerSignature {
  std::string officer;
  UnixMillis time = 0;
  std::string signature;
};

struct CaseOpening {
  std::string case_id;  // [A-Za-z0-9._-]{1,64}, chosen by the officer
  std::string reason;   // 1..2000 bytes of UTF-8; kept in the sealed case file only
  OfficerSignature signed_by;
  // How many share holders must approve a request of this case: 2..255 and
  // at most the active officers; 0: the configured Options::case_threshold.
  int threshold = 0;
};

struct CaseInfo {
  std::string id;
  std::string state;  // "open" | "released"
  std::string reason;
  std::string reason_hash;  // hex; what audit records and statements carry
  std::string opened_by;
  UnixMillis opened_at = 0;
  UnixMillis released_at = 0;
  std::string public_key;  // base64 X25519; empty once released
  int threshold = 0;
  std::vector<std::string> share_holders;  // officers who hold a share
  uint64_t holds = 0;
  UnixMillis reshared_at = 0;  // 0: its shares are those dealt at opening
  UnixMillis recovered_at = 0; // 0: opened here, not recovered from another vault
  // "ok", "reshare_advised", "at_threshold" or "stranded" (ShareHealth);
  // empty once released.
  std::string share_status;
};

struct HoldPlacement {
  std::string case_id;
  std::string transcript_id;
  OfficerSignature signed_by;
};

struct HoldInfo {
  std::string case_id;
  std::string transcript_id;
  std::string held_by;
  UnixMillis held_at = 0;
};

// A visitor's request (from the rights register) that met a held
// transcript of the case and left it alone: the officers decide.
struct CaseRightsNotice {
  std::string request;     // the register entry
  std::string kind;        // "erasure", "rectification", ...
  UnixMillis registered_at = 0;
  std::string transcript;  // the held transcript it touched
  bool operator==(const CaseRightsNotice&) const = default;
};

struct CaseDetail {
  CaseInfo info;
  std::vector<HoldInfo> holds;
  std::vector<CaseRightsNotice> rights_requests;  // oldest first
};

// One share of a dealing: its holder, its x, and its commitment
// (ShareCommitment: 32 raw bytes).
struct DealtShare {
  std::string officer;
  int x = 0;
  std::string commitment;
  bool operator==(const DealtShare&) const = default;
};

// A dealing of a case's key: the shares dealt at its opening or at one
// reshare. What an officer's offline share file names, and what a recovery
// from a backup must prove is the case's latest dealing (docs/design.md
// section 23.8). Its digest (DealingDigest, vault/officer/statement.h) is
// the `dealing` detail of the case.open and case.reshare records.
struct Dealing {
  std::string case_id;
  std::string public_key;  // the case's X25519 public key, 32 raw bytes
  int threshold = 0;
  UnixMillis dealt_at = 0;
  std::vector<DealtShare> shares;  // ordered by x
  bool operator==(const Dealing&) const = default;
};

// An officer asks for their share of a case's current dealing, to keep it
// offline (signed statement: ShareExportStatement).
struct ShareExportRequest {
  std::string case_id;
  OfficerSignature signed_by;
};

// The answer: the officer's share, still sealed to their own X25519 key
// (ShareAd(case) | x | y), with the dealing it belongs to.
struct ShareExport {
  std::string vault_id;
  std::string officer;
  Dealing dealing;
  std::string sealed_share;  // raw
  UnixMillis exported_at = 0;
  uint64_t audit_seq = 0;    // the case.share_export record
};

// Where a case is recovered from, after the vault that held it lost its
// keys/ (a recover request): a restored backup, the lost vault's audit log
// and id, and the dealing the officers' offline shares belong to.
struct RecoverySource {
  std::string backup_dir;      // absolute: a backup directory (its db/ is opened read-only)
  std::string audit_dir;       // absolute: the lost vault's audit/ directory
  std::string previous_vault;  // the lost vault's id (its audit genesis key, base64)
  Dealing dealing;
  bool operator==(const RecoverySource&) const = default;
};

// unseal: open listed held transcripts; release: end the case; reshare:
// deal the case key afresh to the officers enrolled now; recover: rebuild a
// case of a vault that lost its keys/ from a backup and offline shares.
enum class RequestKind { kUnseal, kRelease, kReshare, kRecover };
inline const char* RequestKindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kUnseal:
      return "unseal";
    case RequestKind::kRelease:
      return "release";
    case RequestKind::kReshare:
      return "reshare";
    case RequestKind::kRecover:
      return "recover";
  }
  return "unknown";
}

struct RequestFiling {
  RequestKind kind = RequestKind::kUnseal;
  std::string case_id;
  std::vector<std::string> transcripts;  // unseal: 1..100 held transcripts of the case
  std::string reason;                    // 1..2000 bytes
  UnixMillis expires_at = 0;             // at most Options::max_request_age_ms ahead
  OfficerSignature signed_by;
  // reshare: the threshold of the new shares (2..255, at most the active
  // officers); 0 keeps the case's. Must be 0 for the other kinds.
  int threshold = 0;
  // recover only: where from (case_id must be recovery.dealing.case_id).
  RecoverySource recovery;
};

struct RequestInfo {
  std::string id;  // 32 hex
  RequestKind kind = RequestKind::kUnseal;
  std::string case_id;
  std::vector<std::string> transcripts;
  int threshold = 0;  // reshare: the new shares' threshold; recover: the dealing's; 0 otherwise
  RecoverySource recovery;  // recover only
  std::string reason_hash;
  // The reason itself, so the second officer can read what they approve. Held
  // in memory with the pending request only; audit records carry the hash.
  std::string reason;
  std::string filed_by;
  UnixMillis filed_at = 0;
  UnixMillis expires_at = 0;
  std::string request_key;  // base64 X25519: shares are re-sealed to it
  std::string text;         // the exact bytes approvals sign (statement.h)
  std::vector<std::string> approved_by;
  std::string state;  // "pending" | "used" | "expired"
  // For GetRequest(…, officer): that officer's case share, sealed to the
  // officer's X25519 key (base64), to open and re-seal to request_key.
  std::string officer_share;
};

struct Approval {
  std::string officer;
  std::string share;      // the officer's share re-sealed to the request key (raw)
  std::string signature;  // Ed25519 over ApprovalMessage(text, officer, share) (raw)
};

}  // namespace vault

#endif  // VAULT_SAFEGUARDING_H_
