// Seeds of the wire targets: every request and response body as the
// encoders of vault/wire write it, so each seed is what a real client or
// server sends.
#include <optional>
#include <string>

#include "seeds.h"
#include "vault/wire/http_error.h"
#include "vault/wire/request_json.h"
#include "vault/wire/response_json.h"
#include "vault/wire/rights_json.h"
#include "vault/wire/safeguard_json.h"
#include "vault/wire/subject_access_json.h"

namespace vault::fuzz {
namespace {

constexpr UnixMillis kT = 1795341600123;
const std::string kId = "0123456789abcdef0123456789abcdef";

Transcript SampleTranscript(bool closed) {
  Transcript t;
  t.info.id = kId;
  t.info.service = "webchat";
  t.info.state = closed ? TranscriptState::kClosed : TranscriptState::kOpen;
  t.info.created_at = kT;
  t.info.closed_at = closed ? kT + 60000 : 0;
  t.info.last_activity = kT + 30000;
  t.info.expires_at = closed ? kT + 60000 + 30LL * 86400000 : 0;
  t.info.message_count = 2;
  t.visitor.name = "Sam";
  t.visitor.ip = "198.51.100.4";
  t.visitor.user_agent = "Mozilla/5.0";
  t.messages.push_back({1, "visitor", "hello, is anyone there?", "2026-11-22T10:00:00Z",
                        {{"The visitor states the name given was not theirs.", kT + 9}}});
  t.messages.push_back(
      {2, "agent", "Hi Sam \xe2\x80\x94 I'm here.", "2026-11-22T10:00:05.250Z", {}});
  return t;
}

OfficerSignature Signed(const std::string& officer) {
  return {officer, kT, std::string(64, '\x5a')};
}

CaseInfo SampleCase() {
  CaseInfo c;
  c.id = "case-2026-001";
  c.state = "open";
  c.reason = "disclosure of risk to a child";
  c.reason_hash = std::string(64, 'c');
  c.opened_by = "alice";
  c.opened_at = kT;
  c.public_key = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  c.threshold = 2;
  c.share_holders = {"alice", "bob", "carol"};
  c.holds = 1;
  return c;
}

Dealing SampleDealing() {
  Dealing d;
  d.case_id = "case-2026-001";
  d.public_key = std::string(32, '\x55');
  d.threshold = 2;
  d.dealt_at = kT;
  d.shares = {{"alice", 1, std::string(32, '\x01')}, {"bob", 2, std::string(32, '\x02')}};
  return d;
}

RequestInfo SampleRequest() {
  RequestInfo r;
  r.id = std::string(32, 'b');
  r.kind = RequestKind::kUnseal;
  r.case_id = "case-2026-001";
  r.transcripts = {kId};
  r.reason_hash = std::string(64, 'd');
  r.reason = "court order 123";
  r.filed_by = "alice";
  r.filed_at = kT;
  r.expires_at = kT + 86400000;
  r.request_key = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  r.text = "TV-request-v1\nvault v1\n";
  r.approved_by = {"alice"};
  r.state = "pending";
  return r;
}

void Requests() {
  NewTranscript n{"webchat", {}};
  n.visitor.name = "Sam";
  n.visitor.ip = "198.51.100.4";
  n.visitor.ref = "v-123";
  WriteSeed("wire_requests", "new_transcript", 0, wire::EncodeNewTranscript(n));
  WriteSeed("wire_requests", "new_transcript_null_field", 0,
            R"({"service":"helpline","visitor":{"name":null,"location":"Leeds"}})");
  WriteSeed("wire_requests", "message", 1,
            wire::EncodeMessage({7, "visitor", "hello \xf0\x9f\x91\x8b", "2026-11-22T10:00:00Z", {}}));
  WriteSeed("wire_requests", "message_negative_zero", 1,
            R"({"seq":-0,"from":"agent","text":"x","sent_at":"2026-11-22T10:00:00Z"})");
  WriteSeed("wire_requests", "monitoring_form", 10,
            R"({"answers":{"age":"14-16","helped":"yes"}})");
  WriteSeed("wire_requests", "close_empty_object", 2, "{}");
  WriteSeed("wire_requests", "erase_empty", 3, "");
  WriteSeed("wire_requests", "subject_access", 4,
            R"({"identifiers":{"email":"sam@example.org","ip":"198.51.100.4"},)"
            R"("services":["webchat"]})");
  // The data-protection lead's calls, as the C++ client encodes them.
  const std::string request(32, 'a');
  WriteSeed("wire_requests", "subject_access_for_request", 4,
            R"({"identifiers":{"ref":"v-123"},"request":")" + request + R"("})");
  WriteSeed("wire_requests", "rights_registration", 5,
            wire::EncodeRightsRegistration({RightsKind::kErasure, 1764547200000, {"webchat"}}));
  WriteSeed("wire_requests", "rights_registration_minimal", 5, R"({"kind":"objection"})");
  RightsUpdate extend;
  extend.action = RightsUpdate::Action::kExtend;
  extend.months = 2;
  extend.reason = "numerous";
  WriteSeed("wire_requests", "rights_extend", 6,
            std::string(1, static_cast<char>(extend.action)) + wire::EncodeRightsUpdate(extend));
  RightsUpdate decide;
  decide.action = RightsUpdate::Action::kDecide;
  decide.decision = "rejected";
  decide.reason = "legal_claims";
  WriteSeed("wire_requests", "rights_decide", 6,
            std::string(1, static_cast<char>(decide.action)) + wire::EncodeRightsUpdate(decide));
  wire::RectificationRequest rectify;
  rectify.query.email = "sam@example.org";
  rectify.query.request = request;
  rectify.corrections = {{"email", "sam@example.net"}, {"name", std::nullopt}};
  WriteSeed("wire_requests", "rectification", 7, wire::EncodeSubjectRectificationRequest(rectify));
  WriteSeed("wire_requests", "statement", 8,
            wire::EncodeStatementFiling({3, "The visitor states this was a former address.", request}));
  WriteSeed("wire_requests", "rights_listing", 9, "overdue");
}

void Responses() {
  WriteSeed("wire_responses", "created", 0, wire::EncodeCreated({kId, kT}));
  WriteSeed("wire_responses", "appended_duplicate", 1,
            wire::EncodeAppended(3, AppendOutcome::kDuplicate));
  WriteSeed("wire_responses", "closed", 2, wire::EncodeClosed(kId, kT));
  WriteSeed("wire_responses", "transcript_open", 3,
            wire::EncodeTranscript(SampleTranscript(false)));
  WriteSeed("wire_responses", "transcript_closed", 3,
            wire::EncodeTranscript(SampleTranscript(true)));
  AuditStatus a;
  a.origin = "transcript-vault/5f0c";
  a.genesis_key = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  a.size = 42;
  a.segments = {{1, 16777000}, {2, 1234}};
  a.checkpoint = "transcript-vault/5f0c\n41\nAAAA\ntime 1\nkey 0\nnext AAAA\n\n\xe2\x80\x94 x y\n";
  WriteSeed("wire_responses", "audit_status", 4, wire::EncodeAuditStatus(a));
  RetentionStatus r{kT, 3600000, 498706, kT - 1000, kT - 10, 0, 0};
  WriteSeed("wire_responses", "retention", 5, wire::EncodeRetentionStatus(r));
  WriteSeed("wire_responses", "error", 6, EncodeError("not_found", "no such transcript"));
}

void Safeguard() {
  const std::string s = "wire_safeguard";
  WriteSeed(s, "enrolment", 0, wire::EncodeEnrolment({"alice", "tv-officer-v1:AAAA"}));
  WriteSeed(s, "case_opening", 1,
            wire::EncodeCaseOpening({"case-2026-001", "disclosure", Signed("alice")}));
  WriteSeed(s, "hold_placement", 2, wire::EncodeHoldPlacement({"case-1", kId, Signed("alice")}));
  RequestFiling f;
  f.kind = RequestKind::kRelease;
  f.case_id = "case-1";
  f.reason = "case closed by the court";
  f.expires_at = kT + 3600000;
  f.signed_by = Signed("bob");
  WriteSeed(s, "request_filing_release", 3, wire::EncodeRequestFiling(f));
  f.kind = RequestKind::kUnseal;
  f.transcripts = {kId, std::string(32, 'e')};
  WriteSeed(s, "request_filing_unseal", 3, wire::EncodeRequestFiling(f));
  RequestFiling reshare = f;
  reshare.kind = RequestKind::kReshare;
  reshare.transcripts.clear();
  reshare.threshold = 3;
  WriteSeed(s, "request_filing_reshare", 3, wire::EncodeRequestFiling(reshare));
  RequestFiling recover = reshare;
  recover.kind = RequestKind::kRecover;
  recover.threshold = 0;
  recover.recovery.backup_dir = "/var/backups/transcript-vault/2026-12-01";
  recover.recovery.audit_dir = "/srv/lost/audit";
  recover.recovery.previous_vault = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  recover.recovery.dealing = SampleDealing();
  WriteSeed(s, "request_filing_recover", 3, wire::EncodeRequestFiling(recover));
  ShareExportRequest export_request{"case-1", Signed("alice")};
  WriteSeed(s, "share_export_request", 15, wire::EncodeShareExportRequest(export_request));
  ShareExport exported{"vault-5f0c", "alice", SampleDealing(), std::string(97, '\x33'), kT, 41};
  WriteSeed(s, "share_export", 16, wire::EncodeShareExport(exported));
  WriteSeed(s, "offline_share_file", 17,
            wire::EncodeOfflineShareFile(exported, std::string(64, '\x44')));
  CaseOpening three{"case-2026-002", "disclosure", Signed("alice"), 3};
  WriteSeed(s, "case_opening_threshold", 1, wire::EncodeCaseOpening(three));
  WriteSeed(s, "revocation_forced", 14, wire::EncodeRevocation({true, false}));
  WriteSeed(s, "revocation_compromised", 14, wire::EncodeRevocation({true, true}));
  WriteSeed(s, "approval", 4,
            wire::EncodeApproval({"bob", std::string(80, '\x11'), std::string(64, '\x22')}));
  OfficerInfo o{"alice", "tv-officer-v1:AAAA", "0011-2233-4455-6677-8899-aabb-ccdd-eeff", kT, 1000,
                0};
  WriteSeed(s, "officer", 5, wire::EncodeOfficer(o));
  OfficerInfo revoked = o;
  revoked.id = "bob";
  revoked.revoked_at = kT + 5;
  WriteSeed(s, "officer_list", 6, wire::EncodeOfficerList({"vault-5f0c", {o, revoked}}));
  WriteSeed(s, "officer_list_health", 6,
            wire::EncodeOfficerList({"vault-5f0c", {o}, {{"case-3"}, {"case-1", "case-2"}, {}}}));
  WriteSeed(s, "case", 7, wire::EncodeCase(SampleCase()));
  WriteSeed(s, "case_list", 8, wire::EncodeCaseList({SampleCase(), SampleCase()}));
  HoldInfo h{"case-2026-001", kId, "alice", kT};
  const CaseRightsNotice notice{std::string(32, 'a'), "erasure", kT + 7, kId};
  WriteSeed(s, "case_detail", 9, wire::EncodeCaseDetail({SampleCase(), {h}, {notice}}));
  WriteSeed(s, "hold", 10, wire::EncodeHold(h));
  WriteSeed(s, "hold_list", 11, wire::EncodeHoldList({h, h}));
  WriteSeed(s, "request", 12, wire::EncodeRequest(SampleRequest()));
  ApprovalResult ar;
  ar.request = SampleRequest();
  ar.executed = true;
  ar.transcripts = {SampleTranscript(true)};
  ar.audit_seq = 77;
  ar.audit_hash = std::string(64, 'f');
  ar.executed_at = kT;
  WriteSeed(s, "approval_result", 13, wire::EncodeApprovalResult(ar));
  RequestInfo rr = SampleRequest();
  rr.kind = RequestKind::kRecover;
  rr.transcripts.clear();
  rr.threshold = 2;
  rr.recovery = recover.recovery;
  WriteSeed(s, "request_recover", 12, wire::EncodeRequest(rr));
  ApprovalResult recovered;
  recovered.request = rr;
  recovered.executed = true;
  recovered.recovered = 3;
  recovered.audit_seq = 78;
  recovered.audit_hash = std::string(64, 'e');
  recovered.executed_at = kT;
  WriteSeed(s, "approval_result_recover", 13, wire::EncodeApprovalResult(recovered));
}

}  // namespace

void JsonSeeds() {
  Requests();
  Responses();
  Safeguard();
}

}  // namespace vault::fuzz
