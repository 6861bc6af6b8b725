// The "paper format" of an unsealed transcript: a plain-text document to
// print or attach to a safeguarding referral, as the helplines' policies
// allow ("a paper format of your chat transcript for legal purposes").
//
// Layout (docs/safeguarding.md, "Exports"): a heading, the transcript's
// facts, the visitor details the chat server recorded, every message with
// its time and sender, and a footer on every copy that names the
// transcript, the case, the unseal request, the two approving officers and
// the audit record of the unseal (sequence number and BLAKE2b hash), so
// anyone holding the paper can check it against the audit log.
//
// Thread safety: pure functions.
#ifndef VAULT_OFFICER_PAPER_H_
#define VAULT_OFFICER_PAPER_H_

#include <string>
#include <vector>

#include "vault/types.h"

namespace vault::safeguard {

// Where an export came from: the unseal that opened it.
struct UnsealContext {
  std::string case_id;
  std::string request_id;
  std::vector<std::string> approved_by;
  UnixMillis unsealed_at = 0;
  uint64_t audit_seq = 0;
  std::string audit_hash;  // hex
};

std::string RenderPaper(const Transcript& transcript, const UnsealContext& context);

// The footer lines alone (also the last lines of RenderPaper's output).
std::string PaperFooter(const std::string& transcript_id, const UnsealContext& context);

}  // namespace vault::safeguard

#endif  // VAULT_OFFICER_PAPER_H_
