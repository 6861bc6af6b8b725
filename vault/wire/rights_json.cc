#include "vault/wire/rights_json.h"

#include <boost/json.hpp>

#include "vault/common/time_format.h"
#include "vault/wire/json_util.h"

namespace vault::wire {

namespace json = boost::json;

namespace {

std::string DueDateOf(UnixMillis due_at) {
  // The day that ends at due_at: its RFC 3339 date part.
  return FormatRfc3339(due_at - 1).substr(0, 10);
}

json::object EntryObject(const RightsRequest& e) {
  json::object o;
  o["id"] = e.id;
  o["kind"] = RightsKindName(e.kind);
  o["state"] = RightsStateName(e.state);
  o["services"] = StringArray(e.services);
  o["registered_at"] = FormatRfc3339(e.registered_at);
  o["received_at"] = FormatRfc3339(e.received_at);
  o["due"] = DueDateOf(e.due_at);
  o["due_at"] = FormatRfc3339(e.due_at);
  o["overdue"] = e.overdue;
  if (e.extension_months != 0) {
    json::object ext;
    ext["months"] = e.extension_months;
    ext["reason"] = e.extension_reason;
    ext["at"] = FormatRfc3339(e.extended_at);
    o["extension"] = std::move(ext);
  }
  if (e.closed_at != 0) o["closed_at"] = FormatRfc3339(e.closed_at);
  if (!e.refusal_reason.empty()) o["refusal_reason"] = e.refusal_reason;
  if (!e.decision.empty()) {
    json::object d;
    d["decision"] = e.decision;
    if (!e.decision_reason.empty()) d["reason"] = e.decision_reason;
    o["decision"] = std::move(d);
  }
  if (e.lifted_at != 0) {
    json::object l;
    l["at"] = FormatRfc3339(e.lifted_at);
    l["reason"] = e.lift_reason;
    o["lifted"] = std::move(l);
  }
  json::array touched;
  for (const RightsTouch& t : e.touched) {
    json::object item;
    item["id"] = t.id;
    item["outcome"] = t.outcome;
    touched.emplace_back(std::move(item));
  }
  o["touched"] = std::move(touched);
  return o;
}

StatusOr<std::string> ReasonCode(const json::object& object, std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(std::string reason, RequiredString(object, key));
  if (reason.size() > 64) {
    return Status::InvalidArgument("reason must be one of the documented codes", "invalid_reason");
  }
  return reason;
}

}  // namespace

StatusOr<RightsRegistration> ParseRightsRegistration(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object,
                         ParseRequestObject(body, {"kind", "received_at", "services"}));
  RightsRegistration r;
  VAULT_ASSIGN_OR_RETURN(std::string kind, RequiredString(object, "kind"));
  if (!ParseRightsKind(kind, &r.kind)) {
    return Status::InvalidArgument(
        "kind must be access, rectification, erasure, restriction or objection", "invalid_kind");
  }
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> received, OptionalString(object, "received_at"));
  if (received && (!ParseRfc3339(*received, &r.received_at) || r.received_at <= 0)) {
    return Status::InvalidArgument("received_at must be an RFC 3339 time",
                                   "invalid_received_at");
  }
  VAULT_ASSIGN_OR_RETURN(r.services, OptionalServices(object));
  return r;
}

StatusOr<RightsUpdate> ParseRightsUpdate(RightsUpdate::Action action, std::string_view body) {
  using Action = RightsUpdate::Action;
  RightsUpdate u;
  u.action = action;
  const std::string_view text = body.empty() ? std::string_view("{}") : body;
  switch (action) {
    case Action::kComplete: {
      VAULT_ASSIGN_OR_RETURN(json::object object, ParseRequestObject(text, {}));
      (void)object;
      break;
    }
    case Action::kExtend: {
      VAULT_ASSIGN_OR_RETURN(json::object object, ParseRequestObject(text, {"months", "reason"}));
      VAULT_ASSIGN_OR_RETURN(uint64_t months, RequiredUint(object, "months", 12, "invalid_months"));
      u.months = static_cast<uint32_t>(months);
      VAULT_ASSIGN_OR_RETURN(u.reason, ReasonCode(object, "reason"));
      break;
    }
    case Action::kRefuse:
    case Action::kLift: {
      VAULT_ASSIGN_OR_RETURN(json::object object, ParseRequestObject(text, {"reason"}));
      VAULT_ASSIGN_OR_RETURN(u.reason, ReasonCode(object, "reason"));
      break;
    }
    case Action::kDecide: {
      VAULT_ASSIGN_OR_RETURN(json::object object, ParseRequestObject(text, {"decision", "reason"}));
      VAULT_ASSIGN_OR_RETURN(u.decision, RequiredString(object, "decision"));
      if (u.decision.size() > 64) {
        return Status::InvalidArgument("decision must be upheld_erase, upheld_restricted or rejected",
                                       "invalid_decision");
      }
      if (object.contains("reason")) {
        VAULT_ASSIGN_OR_RETURN(u.reason, ReasonCode(object, "reason"));
      }
      break;
    }
  }
  return u;
}

StatusOr<RightsListing> ParseRightsListing(std::string_view state) {
  if (state.empty() || state == "open") return RightsListing::kOpen;
  if (state == "overdue") return RightsListing::kOverdue;
  if (state == "all") return RightsListing::kAll;
  return Status::InvalidArgument("state must be open, overdue or all", "invalid_query");
}

std::string EncodeRightsRequest(const RightsRequest& entry) {
  return json::serialize(EntryObject(entry));
}

std::string EncodeRightsRequests(const std::vector<RightsRequest>& entries) {
  json::array list;
  for (const RightsRequest& e : entries) list.emplace_back(EntryObject(e));
  json::object body;
  body["requests"] = std::move(list);
  return json::serialize(body);
}

std::string EncodeSubjectRestrictionAnswer(const SubjectRestrictionAnswer& answer) {
  json::object object;
  object["answered_at"] = FormatRfc3339(answer.answered_at);
  object["audit_seq"] = answer.audit_seq;
  object["request"] = answer.request;
  object["searched"] = StringArray(answer.searched);
  object["services"] = StringArray(answer.services);
  object["restricted"] = StringArray(answer.restricted);
  object["withheld"] = StringArray(answer.withheld);
  return json::serialize(object);
}

std::string EncodeSubjectRectificationAnswer(const SubjectRectificationAnswer& answer) {
  json::object object;
  object["answered_at"] = FormatRfc3339(answer.answered_at);
  object["audit_seq"] = answer.audit_seq;
  object["request"] = answer.request;
  object["searched"] = StringArray(answer.searched);
  object["services"] = StringArray(answer.services);
  object["fields"] = StringArray(answer.fields);
  object["rectified"] = StringArray(answer.rectified);
  object["withheld"] = StringArray(answer.withheld);
  return json::serialize(object);
}

StatusOr<StatementFiling> ParseStatementFiling(std::string_view body, uint64_t max_seq) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseRequestObject(body, {"seq", "text", "request"}));
  StatementFiling f;
  VAULT_ASSIGN_OR_RETURN(f.seq, RequiredUint(object, "seq", max_seq, "invalid_seq"));
  VAULT_ASSIGN_OR_RETURN(f.text, RequiredString(object, "text"));
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> request, OptionalString(object, "request"));
  // Any string: the vault answers unknown_request for one that names no entry.
  if (request) f.request = *std::move(request);
  return f;
}

std::string EncodeStatementAdded(const StatementAdded& added) {
  json::object object;
  object["id"] = added.id;
  object["seq"] = added.seq;
  object["added_at"] = FormatRfc3339(added.added_at);
  object["request"] = added.request;
  return json::serialize(object);
}

namespace {

StatusOr<RightsRequest> EntryFrom(const json::object& o) {
  RightsRequest e;
  VAULT_ASSIGN_OR_RETURN(e.id, ResponseString(o, "id"));
  VAULT_ASSIGN_OR_RETURN(std::string kind, ResponseString(o, "kind"));
  if (!ParseRightsKind(kind, &e.kind)) return BadResponse("unknown request kind");
  VAULT_ASSIGN_OR_RETURN(const std::string state, ResponseString(o, "state"));
  bool known = false;
  for (RightsState st : {RightsState::kOpen, RightsState::kDone, RightsState::kRefused}) {
    if (state == RightsStateName(st)) {
      e.state = st;
      known = true;
    }
  }
  if (!known) return BadResponse("unknown request state");
  VAULT_ASSIGN_OR_RETURN(e.services, ResponseStrings(o, "services"));
  VAULT_ASSIGN_OR_RETURN(e.registered_at, ResponseTime(o, "registered_at"));
  VAULT_ASSIGN_OR_RETURN(e.received_at, ResponseTime(o, "received_at"));
  VAULT_ASSIGN_OR_RETURN(e.due_at, ResponseTime(o, "due_at"));
  const json::value* overdue = o.if_contains("overdue");
  if (overdue == nullptr || !overdue->is_bool()) return BadResponse("\"overdue\" is not a boolean");
  e.overdue = overdue->as_bool();
  if (o.contains("extension")) {
    VAULT_ASSIGN_OR_RETURN(const json::object* ext, ResponseObject(o, "extension"));
    VAULT_ASSIGN_OR_RETURN(uint64_t months, ResponseUint(*ext, "months"));
    e.extension_months = static_cast<uint32_t>(months);
    VAULT_ASSIGN_OR_RETURN(e.extension_reason, ResponseString(*ext, "reason"));
    VAULT_ASSIGN_OR_RETURN(e.extended_at, ResponseTime(*ext, "at"));
  }
  if (o.contains("closed_at")) {
    VAULT_ASSIGN_OR_RETURN(e.closed_at, ResponseTime(o, "closed_at"));
  }
  if (o.contains("refusal_reason")) {
    VAULT_ASSIGN_OR_RETURN(e.refusal_reason, ResponseString(o, "refusal_reason"));
  }
  if (o.contains("decision")) {
    VAULT_ASSIGN_OR_RETURN(const json::object* d, ResponseObject(o, "decision"));
    VAULT_ASSIGN_OR_RETURN(e.decision, ResponseString(*d, "decision"));
    if (d->contains("reason")) {
      VAULT_ASSIGN_OR_RETURN(e.decision_reason, ResponseString(*d, "reason"));
    }
  }
  if (o.contains("lifted")) {
    VAULT_ASSIGN_OR_RETURN(const json::object* l, ResponseObject(o, "lifted"));
    VAULT_ASSIGN_OR_RETURN(e.lifted_at, ResponseTime(*l, "at"));
    VAULT_ASSIGN_OR_RETURN(e.lift_reason, ResponseString(*l, "reason"));
  }
  VAULT_ASSIGN_OR_RETURN(const json::array* touched, ResponseArray(o, "touched"));
  for (const json::value& v : *touched) {
    if (!v.is_object()) return BadResponse("a touched transcript is not an object");
    RightsTouch t;
    VAULT_ASSIGN_OR_RETURN(t.id, ResponseString(v.as_object(), "id"));
    VAULT_ASSIGN_OR_RETURN(t.outcome, ResponseString(v.as_object(), "outcome"));
    e.touched.push_back(std::move(t));
  }
  return e;
}

}  // namespace

StatusOr<RightsRequest> DecodeRightsRequest(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  return EntryFrom(o);
}

StatusOr<std::vector<RightsRequest>> DecodeRightsRequests(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  VAULT_ASSIGN_OR_RETURN(const json::array* requests, ResponseArray(o, "requests"));
  std::vector<RightsRequest> entries;
  for (const json::value& v : *requests) {
    if (!v.is_object()) return BadResponse("a listed request is not an object");
    VAULT_ASSIGN_OR_RETURN(RightsRequest e, EntryFrom(v.as_object()));
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string EncodeRightsRegistration(const RightsRegistration& registration) {
  json::object body;
  body["kind"] = RightsKindName(registration.kind);
  if (registration.received_at != 0) body["received_at"] = FormatRfc3339(registration.received_at);
  if (!registration.services.empty()) body["services"] = StringArray(registration.services);
  return json::serialize(body);
}

const char* RightsActionName(RightsUpdate::Action action) {
  switch (action) {
    case RightsUpdate::Action::kExtend:
      return "extend";
    case RightsUpdate::Action::kComplete:
      return "complete";
    case RightsUpdate::Action::kRefuse:
      return "refuse";
    case RightsUpdate::Action::kLift:
      return "lift";
    case RightsUpdate::Action::kDecide:
      return "decide";
  }
  return "complete";
}

std::string EncodeRightsUpdate(const RightsUpdate& update) {
  json::object body;
  switch (update.action) {
    case RightsUpdate::Action::kExtend:
      body["months"] = update.months;
      body["reason"] = update.reason;
      break;
    case RightsUpdate::Action::kComplete:
      break;
    case RightsUpdate::Action::kRefuse:
    case RightsUpdate::Action::kLift:
      body["reason"] = update.reason;
      break;
    case RightsUpdate::Action::kDecide:
      body["decision"] = update.decision;
      if (!update.reason.empty()) body["reason"] = update.reason;
      break;
  }
  return json::serialize(body);
}

StatusOr<SubjectRestrictionAnswer> DecodeSubjectRestrictionAnswer(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  SubjectRestrictionAnswer a;
  VAULT_ASSIGN_OR_RETURN(a.answered_at, ResponseTime(o, "answered_at"));
  VAULT_ASSIGN_OR_RETURN(a.audit_seq, ResponseUint(o, "audit_seq"));
  VAULT_ASSIGN_OR_RETURN(a.request, ResponseString(o, "request"));
  VAULT_ASSIGN_OR_RETURN(a.searched, ResponseStrings(o, "searched"));
  VAULT_ASSIGN_OR_RETURN(a.services, ResponseStrings(o, "services"));
  VAULT_ASSIGN_OR_RETURN(a.restricted, ResponseStrings(o, "restricted"));
  VAULT_ASSIGN_OR_RETURN(a.withheld, ResponseStrings(o, "withheld"));
  return a;
}

std::string EncodeSubjectRectificationRequest(const RectificationRequest& request) {
  // The query's shape is EncodeSubjectAccessRequest's, whatever it becomes.
  json::object body = json::parse(EncodeSubjectAccessRequest(request.query)).as_object();
  json::object visitor;
  for (const VisitorCorrection& c : request.corrections) {
    if (c.value) {
      visitor[c.field] = *c.value;
    } else {
      visitor[c.field] = nullptr;
    }
  }
  body["visitor"] = std::move(visitor);
  return json::serialize(body);
}

StatusOr<SubjectRectificationAnswer> DecodeSubjectRectificationAnswer(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  SubjectRectificationAnswer a;
  VAULT_ASSIGN_OR_RETURN(a.answered_at, ResponseTime(o, "answered_at"));
  VAULT_ASSIGN_OR_RETURN(a.audit_seq, ResponseUint(o, "audit_seq"));
  VAULT_ASSIGN_OR_RETURN(a.request, ResponseString(o, "request"));
  VAULT_ASSIGN_OR_RETURN(a.searched, ResponseStrings(o, "searched"));
  VAULT_ASSIGN_OR_RETURN(a.services, ResponseStrings(o, "services"));
  VAULT_ASSIGN_OR_RETURN(a.fields, ResponseStrings(o, "fields"));
  VAULT_ASSIGN_OR_RETURN(a.rectified, ResponseStrings(o, "rectified"));
  VAULT_ASSIGN_OR_RETURN(a.withheld, ResponseStrings(o, "withheld"));
  return a;
}

StatusOr<SubjectErasureAnswer> DecodeSubjectErasureAnswer(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  SubjectErasureAnswer a;
  VAULT_ASSIGN_OR_RETURN(a.answered_at, ResponseTime(o, "answered_at"));
  VAULT_ASSIGN_OR_RETURN(a.audit_seq, ResponseUint(o, "audit_seq"));
  VAULT_ASSIGN_OR_RETURN(a.request, ResponseString(o, "request"));
  VAULT_ASSIGN_OR_RETURN(a.searched, ResponseStrings(o, "searched"));
  VAULT_ASSIGN_OR_RETURN(a.services, ResponseStrings(o, "services"));
  VAULT_ASSIGN_OR_RETURN(a.erased, ResponseStrings(o, "erased"));
  VAULT_ASSIGN_OR_RETURN(a.withheld, ResponseStrings(o, "withheld"));
  return a;
}

std::string EncodeStatementFiling(const StatementFiling& filing) {
  json::object body;
  body["seq"] = filing.seq;
  body["text"] = filing.text;
  if (!filing.request.empty()) body["request"] = filing.request;
  return json::serialize(body);
}

StatusOr<StatementAdded> DecodeStatementAdded(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  StatementAdded a;
  VAULT_ASSIGN_OR_RETURN(a.id, ResponseString(o, "id"));
  VAULT_ASSIGN_OR_RETURN(a.seq, ResponseUint(o, "seq"));
  VAULT_ASSIGN_OR_RETURN(a.added_at, ResponseTime(o, "added_at"));
  VAULT_ASSIGN_OR_RETURN(a.request, ResponseString(o, "request"));
  return a;
}

}  // namespace vault::wire
