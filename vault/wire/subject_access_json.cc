#include "vault/wire/subject_access_json.h"

#include <boost/json.hpp>

#include "vault/common/time_format.h"
#include "vault/wire/json_util.h"
#include "vault/wire/response_json.h"

namespace vault::wire {

namespace json = boost::json;

namespace {

}  // namespace

namespace {

// The fields of a subject access request in `object` (already checked for
// unknown keys).
StatusOr<SubjectAccessQuery> QueryFrom(const json::object& object) {
  SubjectAccessQuery query;
  VAULT_ASSIGN_OR_RETURN(std::optional<std::string> request, OptionalString(object, "request"));
  // Any string: the vault answers unknown_request for one that names no entry.
  if (request) query.request = *std::move(request);
  const json::value* identifiers = object.if_contains("identifiers");
  if (identifiers == nullptr) {
    return Status::InvalidArgument("missing required field \"identifiers\"", "missing_field");
  }
  if (!identifiers->is_object()) {
    return Status::InvalidArgument("field \"identifiers\" must be an object", "invalid_type");
  }
  const json::object& ids = identifiers->as_object();
  VAULT_RETURN_IF_ERROR(CheckKnownFields(ids, "identifiers", {"ref", "email", "phone", "ip"}));
  VAULT_ASSIGN_OR_RETURN(query.ref, OptionalString(ids, "ref"));
  VAULT_ASSIGN_OR_RETURN(query.email, OptionalString(ids, "email"));
  VAULT_ASSIGN_OR_RETURN(query.phone, OptionalString(ids, "phone"));
  VAULT_ASSIGN_OR_RETURN(query.ip, OptionalString(ids, "ip"));
  VAULT_ASSIGN_OR_RETURN(query.services, OptionalServices(object));
  return query;
}

}  // namespace

StatusOr<SubjectAccessQuery> ParseSubjectAccessRequest(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object,
                         ParseRequestObject(body, {"identifiers", "services", "request"}));
  return QueryFrom(object);
}

StatusOr<RectificationRequest> ParseSubjectRectificationRequest(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(
      json::object object,
      ParseRequestObject(body, {"identifiers", "services", "request", "visitor"}));
  RectificationRequest r;
  VAULT_ASSIGN_OR_RETURN(r.query, QueryFrom(object));
  const json::value* visitor = object.if_contains("visitor");
  if (visitor == nullptr) {
    return Status::InvalidArgument("missing required field \"visitor\"", "missing_field");
  }
  if (!visitor->is_object()) {
    return Status::InvalidArgument("field \"visitor\" must be an object", "invalid_type");
  }
  for (const auto& [key, value] : visitor->as_object()) {
    bool known = false;
    for (const VisitorField& field : kVisitorFields) known = known || field.key == key;
    if (!known) return Status::InvalidArgument("unknown visitor field", "invalid_field");
    VisitorCorrection c;
    c.field = std::string(key);
    if (value.is_string()) {
      c.value = std::string(value.as_string());
    } else if (!value.is_null()) {
      return Status::InvalidArgument("a visitor field must be a string or null", "invalid_type");
    }
    r.corrections.push_back(std::move(c));
  }
  return r;
}

std::string EncodeSubjectAccessRequest(const SubjectAccessQuery& query) {
  json::object ids;
  if (query.ref) ids["ref"] = *query.ref;
  if (query.email) ids["email"] = *query.email;
  if (query.phone) ids["phone"] = *query.phone;
  if (query.ip) ids["ip"] = *query.ip;
  json::object body;
  body["identifiers"] = std::move(ids);
  if (!query.services.empty()) body["services"] = StringArray(query.services);
  if (!query.request.empty()) body["request"] = query.request;
  return json::serialize(body);
}

std::string EncodeSubjectErasureAnswer(const SubjectErasureAnswer& answer) {
  json::object object;
  object["answered_at"] = FormatRfc3339(answer.answered_at);
  object["audit_seq"] = answer.audit_seq;
  object["searched"] = StringArray(answer.searched);
  object["services"] = StringArray(answer.services);
  object["erased"] = StringArray(answer.erased);
  object["withheld"] = StringArray(answer.withheld);
  object["request"] = answer.request;
  return json::serialize(object);
}

std::string EncodeSubjectAccessAnswer(const SubjectAccessAnswer& answer) {
  json::object statement;
  statement["controller"] = answer.statement.controller;
  statement["purposes"] = StringArray(answer.statement.purposes);
  statement["legal_basis"] = StringArray(answer.statement.legal_basis);
  statement["recipients"] = StringArray(answer.statement.recipients);
  statement["retention"] = answer.statement.retention;

  json::array transcripts;
  for (const SubjectAccessItem& item : answer.items) {
    json::object object;
    object["id"] = item.id;
    object["matched"] = StringArray(item.matched);
    object["withheld"] = item.withheld;
    if (item.withheld) {
      object["held_at"] = FormatRfc3339(item.held_at);
    } else {
      object["restricted"] = item.restricted;
      object["transcript"] = EncodeTranscriptObject(item.transcript);
      json::array accesses;
      for (const RecordedAccess& a : item.accesses) {
        json::object access;
        access["seq"] = a.seq;
        access["time"] = FormatRfc3339(a.time);
        access["uid"] = a.uid;
        access["role"] = a.role;
        access["action"] = a.action;
        access["outcome"] = a.outcome;
        if (!a.purpose.empty()) access["purpose"] = a.purpose;
        accesses.emplace_back(std::move(access));
      }
      object["accesses"] = std::move(accesses);
    }
    transcripts.emplace_back(std::move(object));
  }

  json::object body;
  body["format"] = json::string_view(kSubjectAccessFormat.data(), kSubjectAccessFormat.size());
  body["answered_at"] = FormatRfc3339(answer.answered_at);
  body["audit_seq"] = answer.audit_seq;
  body["request"] = answer.request;
  body["searched"] = StringArray(answer.searched);
  body["services"] = StringArray(answer.services);
  body["statement"] = std::move(statement);
  body["transcripts"] = std::move(transcripts);
  return json::serialize(body);
}

StatusOr<SubjectAccessAnswer> DecodeSubjectAccessAnswer(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  VAULT_ASSIGN_OR_RETURN(std::string format, ResponseString(object, "format"));
  if (format != kSubjectAccessFormat) return BadResponse("unknown subject access format");
  SubjectAccessAnswer answer;
  VAULT_ASSIGN_OR_RETURN(answer.answered_at, ResponseTime(object, "answered_at"));
  VAULT_ASSIGN_OR_RETURN(answer.audit_seq, ResponseUint(object, "audit_seq"));
  VAULT_ASSIGN_OR_RETURN(answer.searched, ResponseStrings(object, "searched"));
  VAULT_ASSIGN_OR_RETURN(answer.services, ResponseStrings(object, "services"));
  if (object.contains("request")) {  // answers written before the register have none
    VAULT_ASSIGN_OR_RETURN(answer.request, ResponseString(object, "request"));
  }
  VAULT_ASSIGN_OR_RETURN(const json::object* statement, ResponseObject(object, "statement"));
  VAULT_ASSIGN_OR_RETURN(answer.statement.controller, ResponseString(*statement, "controller"));
  VAULT_ASSIGN_OR_RETURN(answer.statement.purposes, ResponseStrings(*statement, "purposes"));
  VAULT_ASSIGN_OR_RETURN(answer.statement.legal_basis, ResponseStrings(*statement, "legal_basis"));
  VAULT_ASSIGN_OR_RETURN(answer.statement.recipients, ResponseStrings(*statement, "recipients"));
  VAULT_ASSIGN_OR_RETURN(answer.statement.retention, ResponseString(*statement, "retention"));
  const json::value* transcripts = object.if_contains("transcripts");
  if (transcripts == nullptr || !transcripts->is_array()) {
    return BadResponse("\"transcripts\" is not an array");
  }
  for (const json::value& value : transcripts->as_array()) {
    if (!value.is_object()) return BadResponse("a transcript entry is not an object");
    const json::object& entry = value.as_object();
    SubjectAccessItem item;
    VAULT_ASSIGN_OR_RETURN(item.id, ResponseString(entry, "id"));
    VAULT_ASSIGN_OR_RETURN(item.matched, ResponseStrings(entry, "matched"));
    const json::value* withheld = entry.if_contains("withheld");
    if (withheld == nullptr || !withheld->is_bool()) return BadResponse("\"withheld\" is not a boolean");
    item.withheld = withheld->as_bool();
    if (item.withheld) {
      VAULT_ASSIGN_OR_RETURN(item.held_at, ResponseTime(entry, "held_at"));
    } else {
      if (const json::value* restricted = entry.if_contains("restricted"); restricted != nullptr) {
        if (!restricted->is_bool()) return BadResponse("\"restricted\" is not a boolean");
        item.restricted = restricted->as_bool();
      }
      VAULT_ASSIGN_OR_RETURN(const json::object* transcript, ResponseObject(entry, "transcript"));
      VAULT_ASSIGN_OR_RETURN(item.transcript, DecodeTranscriptObject(*transcript));
      const json::value* accesses = entry.if_contains("accesses");
      if (accesses == nullptr || !accesses->is_array()) {
        return BadResponse("\"accesses\" is not an array");
      }
      for (const json::value& a : accesses->as_array()) {
        if (!a.is_object()) return BadResponse("an access is not an object");
        const json::object& o = a.as_object();
        RecordedAccess access;
        VAULT_ASSIGN_OR_RETURN(access.seq, ResponseUint(o, "seq"));
        VAULT_ASSIGN_OR_RETURN(access.time, ResponseTime(o, "time"));
        VAULT_ASSIGN_OR_RETURN(uint64_t uid, ResponseUint(o, "uid"));
        access.uid = static_cast<uint32_t>(uid);
        VAULT_ASSIGN_OR_RETURN(access.role, ResponseString(o, "role"));
        VAULT_ASSIGN_OR_RETURN(access.action, ResponseString(o, "action"));
        VAULT_ASSIGN_OR_RETURN(access.outcome, ResponseString(o, "outcome"));
        if (o.contains("purpose")) {
          VAULT_ASSIGN_OR_RETURN(access.purpose, ResponseString(o, "purpose"));
        }
        item.accesses.push_back(std::move(access));
      }
    }
    answer.items.push_back(std::move(item));
  }
  return answer;
}

}  // namespace vault::wire
