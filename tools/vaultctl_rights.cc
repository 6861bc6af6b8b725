#include "vaultctl_rights.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdint>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>
#include <utility>

#include "subject_access_render.h"
#include "tool_cli.h"
#include "vault/common/file_util.h"
#include "vault/common/time_format.h"
#include "vault/wire/http_error.h"
#include "vault/wire/json_util.h"
#include "vault/wire/rights_json.h"
#include "vault/wire/subject_access_json.h"

namespace vault::ctl {

namespace po = boost::program_options;
namespace json = boost::json;
using cli::Get;
using cli::UsageError;

namespace {

constexpr size_t kMaxCorrectionsFile = 64 * 1024;

bool IsHexId(const std::string& id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string CheckedRequestId(const std::string& id) {
  if (!IsRequestId(id)) {
    throw UsageError{"'" + id + "' is not a request id (32 lowercase hex characters)"};
  }
  return id;
}

uint64_t ParseCount(const std::string& text, const char* option) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != text.npos) {
    throw UsageError{"invalid value '" + text + "' for --" + option +
                     ": expected a non-negative integer"};
  }
  return std::stoull(text);
}

// --received: a day (YYYY-MM-DD, taken as that UTC day) or an RFC 3339 time.
UnixMillis ParseReceived(const std::string& text) {
  std::string time = text;
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') time += "T00:00:00Z";
  UnixMillis t = 0;
  if (!ParseRfc3339(time, &t) || t <= 0) {
    throw UsageError{"invalid value '" + text +
                     "' for --received: expected YYYY-MM-DD (UTC) or an RFC 3339 time"};
  }
  return t;
}

std::vector<std::string> Services(const po::variables_map& vm) {
  if (vm.count("service") == 0) return {};
  return vm["service"].as<std::vector<std::string>>();
}

std::vector<std::string> Many(const po::variables_map& vm, const char* name) {
  if (vm.count(name) == 0) return {};
  return vm[name].as<std::vector<std::string>>();
}

// The corrections of subject-rectify: --corrections-file (a JSON object as
// the API's "visitor"), then each --set FIELD=VALUE, then each --remove
// FIELD. A field named twice is a usage error.
std::vector<VisitorCorrection> CorrectionsOf(const po::variables_map& vm) {
  std::vector<VisitorCorrection> corrections;
  std::set<std::string> named;
  const auto add = [&](std::string field, std::optional<std::string> value) {
    bool known = false;
    for (const wire::VisitorField& f : wire::kVisitorFields) known = known || f.key == field;
    if (!known) {
      throw UsageError{"'" + field +
                       "' is not a visitor field (name, ip, location, user_agent, "
                       "device, ref, email or phone)"};
    }
    if (!named.insert(field).second) throw UsageError{"the field " + field + " is named twice"};
    corrections.push_back({std::move(field), std::move(value)});
  };
  if (std::optional<std::string> path = Get(vm, "corrections-file")) {
    StatusOr<std::string> text = ReadSmallFile(*path, kMaxCorrectionsFile);
    if (!text.ok()) throw UsageError{text.status().message()};
    boost::system::error_code ec;
    const json::value v = json::parse(*text, ec);
    if (ec || !v.is_object()) {
      throw UsageError{*path +
                       ": expected a JSON object such as "
                       "{\"name\": \"Sam Taylor\", \"location\": null}"};
    }
    for (const auto& [key, value] : v.as_object()) {
      if (value.is_string()) {
        add(std::string(key), std::string(value.as_string()));
      } else if (value.is_null()) {
        add(std::string(key), std::nullopt);
      } else {
        throw UsageError{*path + ": \"" + std::string(key) + "\" must be a string or null"};
      }
    }
  }
  for (const std::string& set : Many(vm, "set")) {
    const size_t eq = set.find('=');
    if (eq == std::string::npos) throw UsageError{"--set takes FIELD=VALUE"};
    add(set.substr(0, eq), set.substr(eq + 1));
  }
  for (const std::string& field : Many(vm, "remove")) add(field, std::nullopt);
  if (corrections.empty()) {
    throw UsageError{
        "subject-rectify needs a correction: --set FIELD=VALUE, --remove FIELD or "
        "--corrections-file F"};
  }
  return corrections;
}

RightsCall PrepareRegister(const std::vector<std::string>& args, const po::variables_map& vm) {
  if (args.size() != 1) {
    throw UsageError{"usage: rights register KIND [--received DATE] [--service S ...]"};
  }
  RightsRegistration registration;
  if (!ParseRightsKind(args[0], &registration.kind)) {
    throw UsageError{"invalid kind '" + args[0] +
                     "': expected access, rectification, erasure, restriction or objection"};
  }
  if (std::optional<std::string> received = Get(vm, "received")) {
    registration.received_at = ParseReceived(*received);
  }
  registration.services = Services(vm);
  return {"rights register",
          "POST",
          "/v1/rights-requests",
          wire::EncodeRightsRegistration(registration),
          201,
          ""};
}

RightsCall PrepareRights(const std::vector<std::string>& args, const po::variables_map& vm) {
  const std::string& what = args.at(0);
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (what == "register") return PrepareRegister(rest, vm);
  if (what == "list") {
    const std::string state = rest.empty() ? "open" : rest[0];
    if (rest.size() > 1 || !wire::ParseRightsListing(state).ok()) {
      throw UsageError{"usage: rights list [open|overdue|all]"};
    }
    return {"rights list", "GET", "/v1/rights-requests?state=" + state, "", 200, ""};
  }
  if (rest.size() != 1) throw UsageError{"rights " + what + " takes one request ID"};
  const std::string id = CheckedRequestId(rest[0]);
  const std::string entry = "/v1/rights-requests/" + id;
  if (what == "show") return {"rights show", "GET", entry, "", 200, id};
  RightsUpdate update;
  using Action = RightsUpdate::Action;
  if (what == "extend") {
    update.action = Action::kExtend;
    const uint64_t months = ParseCount(*Get(vm, "months"), "months");
    // The vault says which are allowed (1 or 2); this only keeps the JSON
    // integer in range.
    update.months = static_cast<uint32_t>(std::min<uint64_t>(months, 1000));
  } else if (what == "complete") {
    update.action = Action::kComplete;
  } else if (what == "refuse") {
    update.action = Action::kRefuse;
  } else if (what == "lift") {
    update.action = Action::kLift;
  } else {  // decide
    update.action = Action::kDecide;
    update.decision = *Get(vm, "decision");
  }
  update.reason = Get(vm, "reason").value_or("");
  return {"rights " + what,
          "POST",
          entry + "/" + wire::RightsActionName(update.action),
          wire::EncodeRightsUpdate(update),
          200,
          id};
}

// --- Summaries --------------------------------------------------------------

void Line(std::string* out, const std::string& label, const std::string& value) {
  if (!out->empty()) *out += "\n";
  *out += label + std::string(label.size() < 11 ? 11 - label.size() : 1, ' ') + value;
}

std::string Join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

std::string ServicesText(const std::vector<std::string>& services, const char* every) {
  return services.empty() ? every : Join(services);
}

std::string Count(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The due date (YYYY-MM-DD): the day that ends at due_at, as the vault says it.
std::string DueDate(UnixMillis due_at) { return FormatRfc3339(due_at - 1).substr(0, 10); }

// open, overdue, done or refused.
std::string StateText(const RightsRequest& e) {
  return e.overdue ? "overdue" : RightsStateName(e.state);
}

std::string EntrySummary(const RightsRequest& e) {
  std::string out;
  Line(&out, "request", e.id);
  Line(&out, "kind", RightsKindName(e.kind));
  Line(&out, "state", e.overdue ? "open, OVERDUE" : RightsStateName(e.state));
  Line(&out, "services", ServicesText(e.services, "every service"));
  Line(&out, "received", FormatRfc3339(e.received_at));
  Line(&out, "registered", FormatRfc3339(e.registered_at));
  Line(&out, "due", DueDate(e.due_at) + " (overdue from " + FormatRfc3339(e.due_at) + ")");
  if (e.extension_months != 0) {
    Line(&out, "extended",
         "by " + Count(e.extension_months, "month", "months") + " (" + e.extension_reason +
             ") at " + FormatRfc3339(e.extended_at));
  }
  if (e.closed_at != 0) Line(&out, "closed", FormatRfc3339(e.closed_at));
  if (!e.refusal_reason.empty()) Line(&out, "refused", e.refusal_reason);
  if (!e.decision.empty()) {
    Line(&out, "decision",
         e.decision + (e.decision_reason.empty() ? "" : " (" + e.decision_reason + ")"));
  }
  if (e.lifted_at != 0) {
    Line(&out, "lifted", FormatRfc3339(e.lifted_at) + " (" + e.lift_reason + ")");
  }
  Line(&out, "touched", Count(e.touched.size(), "transcript", "transcripts"));
  for (const RightsTouch& t : e.touched) out += "\n  " + t.id + "  " + t.outcome;
  return out;
}

std::string ListSummary(const std::vector<RightsRequest>& entries, const std::string& state) {
  size_t overdue = 0;
  for (const RightsRequest& e : entries) overdue += e.overdue ? 1 : 0;
  const std::string noun = state == "all" ? "" : state + " ";
  std::string out = Count(entries.size(), (noun + "request").c_str(), (noun + "requests").c_str());
  if (state != "overdue") out += ", " + std::to_string(overdue) + " overdue";
  if (entries.empty()) return out;
  const auto row = [](std::string id, std::string kind, std::string st, std::string received,
                      std::string due, std::string services) {
    const auto pad = [](std::string s, size_t width) {
      return s.size() < width ? s + std::string(width - s.size(), ' ') : s + " ";
    };
    return pad(std::move(id), 34) + pad(std::move(kind), 15) + pad(std::move(st), 9) +
           pad(std::move(received), 12) + pad(std::move(due), 12) + services;
  };
  out += "\n" + row("ID", "KIND", "STATE", "RECEIVED", "DUE", "SERVICES");
  for (const RightsRequest& e : entries) {
    out += "\n" + row(e.id, RightsKindName(e.kind), StateText(e),
                      FormatRfc3339(e.received_at).substr(0, 10), DueDate(e.due_at),
                      ServicesText(e.services, "every service"));
  }
  return out;
}

void Ids(std::string* out, const char* label, const std::vector<std::string>& ids,
         const std::string& note = "") {
  Line(out, label, Count(ids.size(), "transcript", "transcripts") + note);
  for (const std::string& id : ids) *out += "\n  " + id;
}

constexpr char kHeldNote[] = " (under legal hold: left as they are; the officers decide)";

// What became of the register entry a call carried out.
std::string EntryNote(const std::string& command, const RightsCall& call,
                      const std::string& entry) {
  if (command == "subject-object") {
    return "the objection stays open until decided: vaultctl rights decide " + entry +
           " --decision upheld_erase|upheld_restricted|rejected";
  }
  if (!call.request.empty()) {
    return "the request stays open: vaultctl rights complete " + entry +
           " once the visitor has been answered";
  }
  return "registered and completed by this call";
}

void Searched(std::string* out, const std::vector<std::string>& searched,
              const std::vector<std::string>& services) {
  Line(out, "searched", Join(searched));
  Line(out, "services", ServicesText(services, "every service granted"));
}

StatusOr<std::string> Summary(const RightsCall& call, const std::string& body) {
  const std::string& command = call.command;
  if (command == "rights list") {
    VAULT_ASSIGN_OR_RETURN(std::vector<RightsRequest> entries, wire::DecodeRightsRequests(body));
    return ListSummary(entries, call.target.substr(call.target.find('=') + 1));
  }
  if (command.rfind("rights ", 0) == 0) {
    VAULT_ASSIGN_OR_RETURN(RightsRequest entry, wire::DecodeRightsRequest(body));
    return EntrySummary(entry);
  }
  std::string out;
  if (command == "subject-erase") {
    VAULT_ASSIGN_OR_RETURN(SubjectErasureAnswer a, wire::DecodeSubjectErasureAnswer(body));
    Line(&out, "request", a.request);
    Searched(&out, a.searched, a.services);
    Ids(&out, "erased", a.erased);
    Ids(&out, "withheld", a.withheld, a.withheld.empty() ? "" : kHeldNote);
    Line(&out, "audit", "record " + std::to_string(a.audit_seq));
    return out + "\n" + EntryNote(command, call, a.request);
  }
  if (command == "subject-restrict" || command == "subject-object") {
    VAULT_ASSIGN_OR_RETURN(SubjectRestrictionAnswer a, wire::DecodeSubjectRestrictionAnswer(body));
    Line(&out, "request", a.request);
    Searched(&out, a.searched, a.services);
    Ids(&out, "restricted", a.restricted);
    Ids(&out, "withheld", a.withheld, a.withheld.empty() ? "" : kHeldNote);
    Line(&out, "audit", "record " + std::to_string(a.audit_seq));
    return out + "\n" + EntryNote(command, call, a.request);
  }
  if (command == "subject-rectify") {
    VAULT_ASSIGN_OR_RETURN(SubjectRectificationAnswer a,
                           wire::DecodeSubjectRectificationAnswer(body));
    Line(&out, "request", a.request);
    Searched(&out, a.searched, a.services);
    Line(&out, "fields", Join(a.fields));
    Ids(&out, "rectified", a.rectified);
    Ids(&out, "withheld", a.withheld, a.withheld.empty() ? "" : kHeldNote);
    Line(&out, "audit", "record " + std::to_string(a.audit_seq));
    return out + "\n" + EntryNote(command, call, a.request);
  }
  // statement
  VAULT_ASSIGN_OR_RETURN(StatementAdded a, wire::DecodeStatementAdded(body));
  Line(&out, "transcript", a.id);
  Line(&out, "message", std::to_string(a.seq));
  Line(&out, "added", FormatRfc3339(a.added_at));
  Line(&out, "request", a.request);
  return out + "\n" + EntryNote(command, call, a.request);
}

}  // namespace

const char kRightsUsage[] = R"(
Visitors' rights (dpo; docs/data-protection.md). IDENTIFIERS are --ref R,
--email E, --phone P, --ip A and --identifiers-file F, at least one; they are
sent in the request body, never in a URL. Options are visible in `ps` and kept
in shell history: prefer --identifiers-file, a JSON object such as
{"email": "...", "phone": "..."}. --service S (repeatable) narrows the search.
--request ID names the open register entry a call carries out; it stays open
until `rights complete`. Without it the call registers an entry of its own,
received now and completed at once (an objection's stays open until decided).
  subject-access --out DIR IDENTIFIERS [--service S ...] [--request ID]
                              answer a subject access request: writes
                              subject-access.json, .html and .txt into DIR, a
                              new directory; progress on stderr, a summary line
                              on stdout (docs/subject-access.md)
  subject-erase IDENTIFIERS [--service S ...] [--request ID]
                              erase every transcript they find; held ones are
                              kept and listed as withheld
  subject-restrict IDENTIFIERS [--service S ...] [--request ID]
                              restrict them: kept, out of everyday use, until
                              `rights lift` or `rights refuse`
  subject-object IDENTIFIERS [--service S ...] [--request ID]
                              an objection: restrict them until `rights decide`
  subject-rectify IDENTIFIERS [--service S ...] [--request ID]
         [--set FIELD=VALUE ...] [--remove FIELD ...] [--corrections-file F]
                              correct the visitor's details in every transcript
                              found (IDENTIFIERS as stored now). FIELD: name,
                              ip, location, user_agent, device, ref, email,
                              phone. F: a JSON object {"FIELD": "new value",
                              "FIELD": null (removed)}, keeping new values out
                              of `ps` and shell history
  statement TRANSCRIPT --seq N --text T [--request ID]
                              attach a supplementary statement to message N
                              (--text - reads it from stdin)
  rights register KIND [--received DATE] [--service S ...]
                              register a request when it arrives; KIND: access,
                              rectification, erasure, restriction, objection;
                              DATE: YYYY-MM-DD (a UTC day) or an RFC 3339 time,
                              default now. Prints its id and due date
  rights list [open|overdue|all]
                              the register's entries by due date (default
                              open) (dpo, auditor)
  rights show ID              one entry and the transcripts it touched (dpo,
                              auditor)
  rights extend ID --months 1|2 --reason complex|numerous
                              extend the due date, once
  rights complete ID          close an entry as answered
  rights refuse ID --reason R refuse it: R is identity_not_verified,
                              manifestly_unfounded, excessive or exemption
                              (lifts any restriction it placed)
  rights lift ID --reason R   lift a restriction: R is accuracy_verified,
                              objection_rejected, visitor_withdrew or
                              no_longer_applies
  rights decide ID --decision D [--reason R]
                              decide an objection: D is upheld_erase,
                              upheld_restricted, or rejected with R
                              compelling_legitimate_grounds or legal_claims
  These print a summary; --raw prints vaultd's JSON answer instead.
)";

bool IsRequestId(const std::string& id) { return IsHexId(id); }

bool IsRightsCommand(const std::string& command) {
  return command == "rights" || command == "subject-erase" || command == "subject-restrict" ||
         command == "subject-object" || command == "subject-rectify" || command == "statement";
}

SubjectAccessQuery SubjectQueryOf(const std::string& command, const po::variables_map& vm) {
  SubjectAccessQuery query;
  if (std::optional<std::string> path = Get(vm, "identifiers-file")) {
    StatusOr<SubjectAccessQuery> file = sar::ReadIdentifiersFile(*path);
    if (!file.ok()) throw UsageError{file.status().message()};
    query = std::move(*file);
  }
  const std::pair<const char*, std::optional<std::string>*> kinds[] = {
      {"ref", &query.ref}, {"email", &query.email}, {"phone", &query.phone}, {"ip", &query.ip}};
  for (const auto& [name, field] : kinds) {
    std::optional<std::string> given = Get(vm, name);
    if (!given) continue;
    if (field->has_value()) {
      throw UsageError{std::string("--") + name + " is also in the identifiers file; give it once"};
    }
    *field = std::move(given);
  }
  if (!query.ref && !query.email && !query.phone && !query.ip) {
    throw UsageError{command +
                     " needs at least one identifier: --ref, --email, --phone, "
                     "--ip or --identifiers-file"};
  }
  query.services = Services(vm);
  if (std::optional<std::string> request = Get(vm, "request")) {
    query.request = CheckedRequestId(*request);
  }
  return query;
}

RightsCall PrepareRightsCall(const std::string& command, const std::vector<std::string>& args,
                             const po::variables_map& vm) {
  if (command == "rights") return PrepareRights(args, vm);
  if (command == "statement") {
    // The transcript id is checked with the other commands' (vaultctl.cc).
    StatementFiling filing;
    filing.seq = ParseCount(*Get(vm, "seq"), "seq");
    filing.text = *Get(vm, "text");
    if (filing.text == "-") {
      filing.text.assign(std::istreambuf_iterator<char>(std::cin),
                         std::istreambuf_iterator<char>());
    }
    if (std::optional<std::string> request = Get(vm, "request")) {
      filing.request = CheckedRequestId(*request);
    }
    return {"statement",
            "POST",
            "/v1/transcripts/" + args.at(0) + "/statements",
            wire::EncodeStatementFiling(filing),
            201,
            filing.request};
  }
  const SubjectAccessQuery query = SubjectQueryOf(command, vm);
  if (command == "subject-rectify") {
    return {command,
            "POST",
            "/v1/subject-rectification",
            wire::EncodeSubjectRectificationRequest({query, CorrectionsOf(vm)}),
            200,
            query.request};
  }
  const char* target = command == "subject-erase"      ? "/v1/subject-erasure"
                       : command == "subject-restrict" ? "/v1/subject-restriction"
                                                       : "/v1/subject-objection";
  return {command, "POST", target, wire::EncodeSubjectAccessRequest(query), 200, query.request};
}

StatusOr<std::string> SendRightsCall(const RightsCall& call, Client* client, bool raw) {
  VAULT_ASSIGN_OR_RETURN(HttpReply reply,
                         client->Request(call.method, call.target, call.body,
                                         call.body.empty() ? "" : "application/json"));
  if (reply.status != call.success) {
    if (reply.status >= 200 && reply.status < 300) {
      return wire::BadResponse("unexpected HTTP status " + std::to_string(reply.status));
    }
    return StatusFromHttpError(reply.status, reply.body);
  }
  if (raw) return std::move(reply.body);
  return Summary(call, reply.body);
}

}  // namespace vault::ctl
