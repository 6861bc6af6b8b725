// What `vaultctl subject-access` makes of a subject access answer
// (docs/subject-access.md): the readable documents for the visitor, and the
// answer directory they are written to. Kept out of vaultctl.cc so that the
// rendering can be unit-tested (tests/tools/subject_access_render_test.cc).
//
// The answer directory holds
//   subject-access.json  the vault's answer exactly as received: the portable
//                        copy (docs/formats/subject-access.md)
//   subject-access.html  the same for a person to read and print: plain HTML
//                        and CSS, no scripts, nothing fetched from elsewhere,
//                        every value HTML-escaped
//   subject-access.txt   the same as plain text, 78 columns
//
// Thread safety: pure functions, except WriteAnswerDirectory (the file
// system).
#ifndef VAULT_TOOLS_SUBJECT_ACCESS_RENDER_H_
#define VAULT_TOOLS_SUBJECT_ACCESS_RENDER_H_

#include <functional>
#include <string>
#include <string_view>

#include "vault/status.h"
#include "vault/types.h"

namespace vault::sar {

inline constexpr char kJsonFile[] = "subject-access.json";
inline constexpr char kHtmlFile[] = "subject-access.html";
inline constexpr char kTextFile[] = "subject-access.txt";

// What the documents say about a held transcript. Deliberately no case:
// the hold itself is the safeguarding officers' to disclose or not.
inline constexpr char kWithheldNotice[] =
    "This conversation is held under a legal hold; its disclosure is decided by the "
    "safeguarding officers.";
inline constexpr char kNothingFound[] = "No information about you was found.";

// `&`, `<`, `>`, `"` and `'` as character references.
std::string EscapeHtml(std::string_view text);

// The documents. `query` is what the dpo searched with: the visitor's own
// identifiers, shown to them in their own copy.
std::string RenderHtml(const SubjectAccessAnswer& answer, const SubjectAccessQuery& query);
std::string RenderText(const SubjectAccessAnswer& answer, const SubjectAccessQuery& query);

// Which access of a disclosed transcript is this answer's own read of it: the
// last "subject_access" read before the answer's audit record (each request
// reads each transcript once, then records itself). Index into
// item.accesses, or -1.
int ThisRequestsRead(const SubjectAccessItem& item, uint64_t answer_audit_seq);

// The identifiers of an --identifiers-file: a JSON object with any of "ref",
// "email", "phone" and "ip" (strings), nothing else. InvalidArgument
// "invalid_identifiers_file" otherwise, IOError if it cannot be read.
StatusOr<SubjectAccessQuery> ReadIdentifiersFile(const std::string& path);

// AlreadyExists "out_exists" if `dir` exists, InvalidArgument "invalid_out"
// if its parent does not: checked before asking the vault, so that a request
// whose answer cannot be written is never made (and audited).
Status CheckNewDirectory(const std::string& dir);

// Writes the three files into the new directory `dir` (0700, files 0600):
// into a hidden sibling first, renamed to `dir` once complete and synced, so
// `dir` never exists half-written; on any error nothing is left at `dir` and
// the sibling is removed. `json` is the answer's body as received, `answer`
// its decoding. `progress` is told each step ("writing subject-access.json").
Status WriteAnswerDirectory(const std::string& dir, std::string_view json,
                            const SubjectAccessAnswer& answer, const SubjectAccessQuery& query,
                            const std::function<void(const std::string&)>& progress);

}  // namespace vault::sar

#endif  // VAULT_TOOLS_SUBJECT_ACCESS_RENDER_H_
