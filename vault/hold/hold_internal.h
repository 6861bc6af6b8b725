// Pieces shared by the files that implement LegalHold (officers.cc,
// cases.cc, holds.cc, requests.cc, execution.cc): the holds column family's
// keys and values, the sealed-DEK tag, and common validations. Private to
// vault/hold.
#ifndef VAULT_HOLD_HOLD_INTERNAL_H_
#define VAULT_HOLD_HOLD_INTERNAL_H_

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/common/encoding.h"
#include "vault/common/key_state.h"
#include "vault/common/utf8.h"
#include "vault/hold/case_store.h"
#include "vault/safeguarding.h"
#include "vault/status.h"

namespace vault {

inline constexpr size_t kMaxReasonBytes = 2000;
// A held DEK is sealed (crypto_box_seal) to its case key as
// "TV-hold-v1" NUL | transcript id (16) | DEK (32): SealBoundKey with
// HeldDekLabel(transcript id).
inline constexpr std::string_view kHeldDekTag("TV-hold-v1\0", 11);

inline std::string HeldDekLabel(std::string_view raw_id) {
  std::string label(kHeldDekTag);
  label.append(raw_id);
  return label;
}

inline Status ValidateName(std::string_view v, bool upper_ok, const char* what, const char* code) {
  if (!IsValidName(v, upper_ok)) {
    return Status::InvalidArgument(std::string(what) + " must be 1 to 64 characters of " +
                                       (upper_ok ? "letters" : "lowercase letters") +
                                       ", digits, '.', '_' and '-'",
                                   code);
  }
  return Status::OK();
}

inline Status ValidateOfficerId(std::string_view v) {
  return ValidateName(v, false, "an officer id", "invalid_officer_id");
}
inline Status ValidateCaseId(std::string_view v) {
  return ValidateName(v, true, "a case id", "invalid_case_id");
}
inline Status ValidateReason(std::string_view r) {
  if (r.empty() || r.size() > kMaxReasonBytes || !IsValidUtf8(r)) {
    return Status::InvalidArgument("the reason must be 1 to 2000 bytes of UTF-8", "invalid_reason");
  }
  return Status::OK();
}

inline Status NotAnOfficer() {
  return Status::PermissionDenied("this call needs the officer role", "forbidden");
}

inline std::string HoldKey(std::string_view raw_id, std::string_view case_id) {
  std::string k("t");
  k.append(raw_id);
  k.append(case_id);
  return k;
}

inline std::string CaseHoldPrefix(std::string_view case_id) {
  std::string k("c");
  k.append(case_id);
  k.push_back('\0');
  return k;
}

// Hold entry value: held_at (8 BE) | held_by (length-prefixed) | sealed DEK.
inline std::string EncodeHold(UnixMillis at, std::string_view by, std::string_view sealed) {
  std::string v;
  PutU64(&v, static_cast<uint64_t>(at));
  PutLengthPrefixed(&v, by);
  v.append(sealed);
  return v;
}
inline bool DecodeHold(std::string_view v, UnixMillis* at, std::string* by,
                       std::string_view* sealed) {
  if (v.size() < 8) return false;
  *at = static_cast<UnixMillis>(GetU64(v.data()));
  v.remove_prefix(8);
  std::string_view b;
  if (!GetLengthPrefixed(&v, &b)) return false;
  *by = std::string(b);
  *sealed = v;
  return true;
}

inline std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    if (!out.empty()) out.push_back(',');
    out += id;
  }
  return out;
}

inline Status NoCase() { return Status::NotFound("no case with this id", "no_case"); }

// Splits `case_secret` `threshold`-of-holders.size() and seals share i to
// holders[i] (cases.cc).
StatusOr<std::vector<safeguard::StoredShare>> DealShares(
    const std::string& case_id, const SecretBytes& case_secret, int threshold,
    const std::vector<const safeguard::StoredOfficer*>& holders);

// A case's threshold: 2..255 officers (InvalidArgument "invalid_threshold").
inline Status ValidateThreshold(int k) {
  if (k < 2 || k > 255) {
    return Status::InvalidArgument("a threshold must be from 2 to 255 officers",
                                   "invalid_threshold");
  }
  return Status::OK();
}

// Key states (vault/common/key_state.h, docs/design.md section 4.5).
// When the case's current shares were dealt: at opening, or at its last
// reshare. With the case id it names the dealing in audit records.
inline UnixMillis DealtAt(const safeguard::StoredCase& c) {
  return c.reshared_at != 0 ? c.reshared_at : c.opened_at;
}
// What a case's opening makes active: its key (pair and index key) and its
// first dealing of shares.
inline std::vector<KeyTransition> CaseKeysOpened(const safeguard::StoredCase& c) {
  return {{KeyKind::kCase, c.id, KeyState::kPreActive, KeyState::kActive},
          {KeyKind::kCaseShares, ShareDealingId(c.id, DealtAt(c)), KeyState::kPreActive,
           KeyState::kActive}};
}
// A case's current dealing: what an exported share names and what the
// `dealing` detail of its case.open, case.reshare and case.recover records
// digests (DealingDigest).
inline Dealing DealingOf(const safeguard::StoredCase& c) {
  Dealing d;
  d.case_id = c.id;
  d.public_key = c.public_key;
  d.threshold = c.threshold;
  d.dealt_at = DealtAt(c);
  for (const safeguard::StoredShare& s : c.shares) {
    d.shares.push_back({s.officer, s.x, s.commitment});
  }
  std::sort(d.shares.begin(), d.shares.end(),
            [](const DealtShare& a, const DealtShare& b) { return a.x < b.x; });
  return d;
}

// The case as a dealing describes it (no sealed shares, no index key): what
// the approvals of a recover request are checked against.
inline safeguard::StoredCase CaseOfDealing(const Dealing& d) {
  safeguard::StoredCase c;
  c.id = d.case_id;
  c.public_key = d.public_key;
  c.threshold = d.threshold;
  c.opened_at = d.dealt_at;
  for (const DealtShare& s : d.shares) {
    safeguard::StoredShare share;
    share.officer = s.officer;
    share.x = static_cast<uint8_t>(s.x);
    share.commitment = s.commitment;
    c.shares.push_back(std::move(share));
  }
  return c;
}

// The state of a case's key and of its current shares: destroyed with the
// release, active before.
inline KeyState CaseKeyState(const safeguard::StoredCase& c) {
  return c.state == "released" ? KeyState::kDestroyed : KeyState::kActive;
}
// The state of an officer's enrolment.
inline KeyState OfficerKeyState(const safeguard::StoredOfficer& o) {
  if (o.compromised) return KeyState::kCompromised;
  return o.revoked_at != 0 ? KeyState::kDeactivated : KeyState::kActive;
}

// The enrolled, unrevoked officers of `state`, in file order: whom a case's
// shares are dealt to, at opening and at a reshare.
inline std::vector<const safeguard::StoredOfficer*> ActiveOfficers(
    const safeguard::SafeguardState& state) {
  std::vector<const safeguard::StoredOfficer*> out;
  for (const safeguard::StoredOfficer& o : state.officers) {
    if (OfficerKeyState(o) == KeyState::kActive) out.push_back(&o);
  }
  return out;
}

// How many of an open case's share holders are enrolled and unrevoked.
inline size_t ActiveShareHolders(const safeguard::SafeguardState& state,
                                 const safeguard::StoredCase& c) {
  size_t n = 0;
  for (const safeguard::StoredShare& s : c.shares) {
    const safeguard::StoredOfficer* o = state.FindOfficer(s.officer);
    if (o != nullptr && OfficerKeyState(*o) == KeyState::kActive) ++n;
  }
  return n;
}

// An open case's ShareHealth class: "stranded", "at_threshold",
// "reshare_advised" (a holder revoked, or an active officer without a
// share) or "ok"; "" for a released case.
inline std::string ShareStatus(const safeguard::SafeguardState& state,
                               const safeguard::StoredCase& c) {
  if (CaseKeyState(c) != KeyState::kActive) return "";
  const size_t active = ActiveShareHolders(state, c);
  const size_t k = static_cast<size_t>(c.threshold);
  if (active < k) return "stranded";
  if (active == k) return "at_threshold";
  if (active < c.shares.size()) return "reshare_advised";
  for (const safeguard::StoredOfficer& o : state.officers) {
    if (o.revoked_at != 0) continue;
    bool holds = false;
    for (const safeguard::StoredShare& s : c.shares) holds = holds || s.officer == o.id;
    if (!holds) return "reshare_advised";
  }
  return "ok";
}

}  // namespace vault

#endif  // VAULT_HOLD_HOLD_INTERNAL_H_
