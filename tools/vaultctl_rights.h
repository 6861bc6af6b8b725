// vaultctl's commands for the data-protection lead (the dpo role;
// docs/data-protection.md): the rights-request register (`rights register`,
// `list`, `show`, `extend`, `complete`, `refuse`, `lift`, `decide`) and the
// rights carried out on a visitor's transcripts (`subject-erase`,
// `subject-restrict`, `subject-object`, `subject-rectify`, `statement`).
// Wiring only, like vaultctl.cc: the command line becomes one request,
// encoded by vault/wire, sent through vault::Client; the answer is printed
// exactly as received (--raw) or summarised for a person to read.
//
// The whole request is built before vaultd is asked, so a usage error never
// reaches it. Visitors' identifiers and corrected values go only into
// request bodies, never into a URL; files (--identifiers-file,
// --corrections-file) keep them out of `ps` and shell history.
//
// Thread safety: pure functions, except PrepareRightsCall (reads the files
// and standard input it is told to) and SendRightsCall (the client).
#ifndef VAULT_TOOLS_VAULTCTL_RIGHTS_H_
#define VAULT_TOOLS_VAULTCTL_RIGHTS_H_

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "vault/client.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault::ctl {

// The part of `vaultctl --help` about these commands (and subject-access).
extern const char kRightsUsage[];

// Whether `command` (the first word) is one of this file's.
bool IsRightsCommand(const std::string& command);

// One request of a rights command, ready to send.
struct RightsCall {
  std::string command;  // "rights extend", "subject-erase", ...
  std::string method;
  std::string target;   // never carries an identifier
  std::string body;     // JSON, or empty
  int success = 200;    // the HTTP status of success
  std::string request;  // the register entry named with --request, if any
};

// Builds the request of `command` with `args` (after the command word) and
// the options in `vm`, already checked against the command's spec table.
// Throws cli::UsageError for anything vaultd would be sent in vain: an id
// that is not 32 lowercase hex characters, an unknown kind or listing, a
// --months, --seq or --received that does not parse, no identifier, an
// unknown or repeated visitor field, an unreadable file.
RightsCall PrepareRightsCall(const std::string& command, const std::vector<std::string>& args,
                             const boost::program_options::variables_map& vm);

// Sends `call`. The answer's body exactly as received if `raw`, else a
// summary of it (several lines, no trailing newline); the server's error as
// a Status.
StatusOr<std::string> SendRightsCall(const RightsCall& call, Client* client, bool raw);

// The identifiers, services and --request of a call that searches for a
// visitor's transcripts (subject-access too): --ref, --email, --phone,
// --ip and --identifiers-file (a kind given both ways is a usage error).
// Throws cli::UsageError, naming `command`.
SubjectAccessQuery SubjectQueryOf(const std::string& command,
                                  const boost::program_options::variables_map& vm);

// A register entry's id: 32 lowercase hex characters.
bool IsRequestId(const std::string& id);

}  // namespace vault::ctl

#endif  // VAULT_TOOLS_VAULTCTL_RIGHTS_H_
