// The values that cross the vault's API: transcripts, messages, visitor
// metadata, and what retention, the audit log and legal-hold requests report.
// Plain structs with no behaviour beyond naming; shared by the vault (core),
// the wire format (vault/wire), the C++ client and the officer's tool, none
// of which needs the others to use them.
//
// Thread safety: plain values; copy freely.
#ifndef VAULT_TYPES_H_
#define VAULT_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/safeguarding.h"

namespace vault {

// What the chat server knows about the visitor. Every field is optional.
struct Visitor {
  std::optional<std::string> name;
  std::optional<std::string> ip;
  std::optional<std::string> location;
  std::optional<std::string> user_agent;
  std::optional<std::string> device;
  std::optional<std::string> ref;  // the chat platform's visitor reference
  std::optional<std::string> email;
  std::optional<std::string> phone;
  bool operator==(const Visitor&) const = default;
};

struct NewTranscript {
  std::string service;  // [A-Za-z0-9._-]{1,64}
  Visitor visitor;
  // The request's Idempotency-Key (docs/api.md, section 2.2.1); empty: none.
  std::string idempotency_key = {};
};

// A supplementary statement the data-protection lead attached to a message
// at the visitor's request (rectification): the message's text is the
// record of what was said and is never rewritten; the statement is shown
// next to it.
struct Statement {
  std::string text;
  UnixMillis added_at = 0;
  bool operator==(const Statement&) const = default;
};

struct Message {
  uint64_t seq = 0;      // 0..Options::max_seq, chosen by the chat server
  std::string from;      // "visitor" | "agent" | "system"
  std::string text;      // UTF-8, at most Options::max_text_bytes
  std::string sent_at;   // RFC 3339, stored exactly as given
  std::vector<Statement> statements;  // on reads only; in the order added
  bool operator==(const Message&) const = default;
};

enum class TranscriptState { kOpen, kClosed };

// Why a transcript is erased before its time (Vault::EraseTranscript).
// kNone: an admin's decision, no reason given. kVisitorRequest: the visitor
// asked, from the chat ("delete this conversation"); a writer of the
// transcript's service may then erase it too, and the audit record says so.
enum class EraseReason { kNone, kVisitorRequest };
const char* TranscriptStateName(TranscriptState state);

struct TranscriptInfo {
  std::string id;  // 32 lowercase hex characters
  std::string service;
  TranscriptState state = TranscriptState::kOpen;
  UnixMillis created_at = 0;
  UnixMillis closed_at = 0;      // 0 while open
  UnixMillis last_activity = 0;
  // When the transcript stops being readable: close + retention once closed;
  // while open, the earliest possible expiry (now + retention at last write).
  UnixMillis expires_at = 0;
  uint64_t message_count = 0;
};

// A visitor's history: the same visitor's other transcripts in the same
// service, found through the visitor index (docs/design.md, "The visitor
// index"). A held transcript shows as held, with nothing from inside it.
struct HistoryEntry {
  std::string id;
  std::string state;             // "open", "closed" or "held"
  UnixMillis created_at = 0;     // 0 when held (sealed to the case)
  UnixMillis closed_at = 0;      // 0 while open, or when held
  UnixMillis expires_at = 0;     // 0 when held (kept while the hold lasts)
  UnixMillis held_at = 0;        // when held; 0 otherwise
  uint64_t message_count = 0;    // 0 when held
  std::vector<std::string> matched;  // which identifiers matched: "ref", "email", "phone"
  bool operator==(const HistoryEntry&) const = default;
};

struct HistoryQuery {
  size_t limit = 20;   // 1 to 100
  std::string after;   // the `next` of the previous page; empty for the first
};

struct HistoryPage {
  std::vector<HistoryEntry> entries;  // newest first (held ones by hold time)
  std::string next;                   // empty on the last page
};

// The most messages one batch append (Vault::AppendMessages) may carry.
inline constexpr size_t kMaxBatchMessages = 1000;

// Which of a transcript's messages to read: those with seq >= from_seq, at
// most `limit` of them (0: all).
struct MessageRange {
  uint64_t from_seq = 0;
  size_t limit = 0;
};

struct Transcript {
  TranscriptInfo info;
  Visitor visitor;
  std::vector<Message> messages;  // ascending seq
  // When a MessageRange's limit ended the page before the last message: the
  // seq of the next message, to ask for as the next page's from_seq.
  std::optional<uint64_t> next_from_seq;
};

// Receives a transcript as Vault::ReadTranscriptPage reads it, record by
// record, so that a caller can write it out (a response body) without every
// message decoded and held at once. The string_views are valid only during
// the call: they point into the one buffer each record is opened into,
// which the next record overwrites and which is wiped when the read ends.
// A read that fails may stop after any call: the caller discards what it
// was given.
class TranscriptSink {
 public:
  virtual ~TranscriptSink() = default;
  // First, once: the transcript's state and visitor, and how many messages
  // the page has at most (a writer may size its output by it).
  virtual void Begin(const TranscriptInfo& info, const Visitor& visitor, size_t messages) = 0;
  // Each message of the page, in ascending seq.
  virtual void AddMessage(uint64_t seq, std::string_view from, std::string_view text,
                          std::string_view sent_at) = 0;
  // A supplementary statement on the message given last, in the order added.
  virtual void AddStatement(std::string_view text, UnixMillis added_at) = 0;
  // Last, once the page is read: where the next page starts, if one does.
  virtual void End(std::optional<uint64_t> next_from_seq) = 0;
};

// Feeds `transcript` to `sink`, as a read of it would.
inline void SendTranscript(const Transcript& transcript, TranscriptSink* sink) {
  sink->Begin(transcript.info, transcript.visitor, transcript.messages.size());
  for (const Message& m : transcript.messages) {
    sink->AddMessage(m.seq, m.from, m.text, m.sent_at);
    for (const Statement& st : m.statements) sink->AddStatement(st.text, st.added_at);
  }
  sink->End(transcript.next_from_seq);
}

// A subject access request (docs/subject-access.md): the visitor's
// identifiers as they gave them. At least one; each must normalise
// (vault/index/identifiers.h). `services` narrows the search to some of the
// services the dpo is granted; empty: all of them.
struct SubjectAccessQuery {
  std::optional<std::string> ref;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> ip;
  std::vector<std::string> services;
  // The rights-register entry this carries out (open, of the right kind);
  // empty: a new entry is registered, received now.
  std::string request;
};

// One access to a disclosed transcript as the audit log recorded it: who it
// was shared with.
struct RecordedAccess {
  uint64_t seq = 0;       // the audit record
  UnixMillis time = 0;
  uint32_t uid = 0;
  std::string role;       // the caller's roles as recorded ("agent", "writer,agent", "system")
  std::string action;     // e.g. "transcript.read", "transcript.history"
  std::string outcome;    // "ok" or the reason it was refused
  std::string purpose;    // "subject_access" for reads that answered such a request,
                          // "repeated_open" for an open repeated with its Idempotency-Key
  bool operator==(const RecordedAccess&) const = default;
};

struct SubjectAccessItem {
  std::string id;
  std::vector<std::string> matched;  // which identifiers matched: "ref", "email", "phone", "ip"
  // Under legal hold: listed, never opened (disclosure of held material is
  // the safeguarding officers' decision); `held_at` only, no case.
  bool withheld = false;
  UnixMillis held_at = 0;
  // Restricted at the visitor's request: disclosed here all the same.
  bool restricted = false;
  Transcript transcript;                 // unless withheld
  std::vector<RecordedAccess> accesses;  // unless withheld; oldest first
};

// What the controller tells every requester (Options::privacy).
struct PrivacyStatement {
  std::string controller;               // who answers, and how to reach them
  std::vector<std::string> purposes;    // what the data is used for
  std::vector<std::string> legal_basis;
  std::vector<std::string> recipients;  // who it is shared with, by category
  std::string retention;                // how long it is kept; empty: said from retention_ms
};

struct SubjectAccessAnswer {
  UnixMillis answered_at = 0;
  std::vector<std::string> searched;   // the identifier kinds given
  std::vector<std::string> services;   // the services searched; empty: every service
  std::vector<SubjectAccessItem> items;  // newest first (held ones by hold time)
  PrivacyStatement statement;
  uint64_t audit_seq = 0;               // the subject.access record of this answer
  std::string request;                  // the rights-register entry
};

// What an erasure of everything about a visitor did (Vault::SubjectErasure,
// docs/subject-access.md): the same search as a subject access request.
struct SubjectErasureAnswer {
  UnixMillis answered_at = 0;
  std::vector<std::string> searched;  // the identifier kinds given
  std::vector<std::string> services;  // the services searched; empty: every service granted
  std::vector<std::string> erased;    // ids erased by this request, in id order
  // Ids under legal hold: not erased (the hold takes precedence); the
  // safeguarding officers decide.
  std::vector<std::string> withheld;
  uint64_t audit_seq = 0;             // the subject.erasure record of this answer
  std::string request;                // the rights-register entry
};

// --- Visitors' rights on request (docs/data-protection.md) ---
//
// The kinds of request the dpo role carries out, each registered in the
// rights-request register with its one-month clock.
enum class RightsKind { kAccess, kRectification, kErasure, kRestriction, kObjection };
// open: the clock runs; done: answered; refused: refused with a reason.
enum class RightsState { kOpen, kDone, kRefused };
const char* RightsKindName(RightsKind kind);
bool ParseRightsKind(std::string_view text, RightsKind* kind);
const char* RightsStateName(RightsState state);

// One transcript a request touched and what it did to it: "disclosed",
// "erased", "withheld" (held: the hold takes precedence), "restricted",
// "lifted" (its restriction by this request ended) or "rectified".
struct RightsTouch {
  std::string id;  // the transcript's id
  std::string outcome;
  bool operator==(const RightsTouch&) const = default;
};

// A register entry: no identifier and no content, only kinds, dates,
// reason codes and transcript ids (docs/design.md, "The rights register").
struct RightsRequest {
  std::string id;  // 32 lowercase hex characters
  RightsKind kind = RightsKind::kAccess;
  std::vector<std::string> services;  // the services it concerns; empty: every one
  UnixMillis registered_at = 0;
  UnixMillis received_at = 0;
  // The first instant the request is overdue: the end (00:00 UTC of the next
  // day) of the corresponding day one calendar month after receipt (the
  // month's last day when it has none), or 1 + `extension_months` months
  // once extended.
  UnixMillis due_at = 0;
  uint32_t extension_months = 0;   // 0, 1 or 2; extended at most once
  std::string extension_reason;    // "complex" or "numerous"
  UnixMillis extended_at = 0;
  RightsState state = RightsState::kOpen;
  UnixMillis closed_at = 0;        // done or refused; 0 while open
  std::string refusal_reason;      // "manifestly_unfounded", "excessive", ...
  // An objection's decision: "" (pending), "upheld_erase",
  // "upheld_restricted" or "rejected"; with its reason code when rejected.
  std::string decision;
  std::string decision_reason;
  // A restriction lifted (or an objection's restriction ended), and why.
  UnixMillis lifted_at = 0;
  std::string lift_reason;
  std::vector<RightsTouch> touched;  // in the order touched
  bool overdue = false;              // open and past due_at, as of the answer
  bool operator==(const RightsRequest&) const = default;
};

struct RightsRegistration {
  RightsKind kind = RightsKind::kAccess;
  UnixMillis received_at = 0;         // 0: now
  std::vector<std::string> services;  // empty: every service the dpo answers for
};

// Which entries a listing returns.
enum class RightsListing { kOpen, kOverdue, kAll };

// One visitor field to correct or complete (rectification): its wire name
// ("name", "ip", "location", "user_agent", "device", "ref", "email",
// "phone") and its new value; none: the field is removed.
struct VisitorCorrection {
  std::string field;
  std::optional<std::string> value;
  bool operator==(const VisitorCorrection&) const = default;
};

// What a rectification did (Vault::SubjectRectification).
struct SubjectRectificationAnswer {
  UnixMillis answered_at = 0;
  std::string request;
  std::vector<std::string> searched;
  std::vector<std::string> services;
  std::vector<std::string> fields;      // the fields changed, in the order given
  std::vector<std::string> rectified;   // ids, in id order
  std::vector<std::string> withheld;    // held: the hold takes precedence
  uint64_t audit_seq = 0;
};

// A supplementary statement to attach (Vault::AddStatement).
struct StatementFiling {
  uint64_t seq = 0;     // the message it supplements
  std::string text;     // UTF-8, 1 to Options::max_text_bytes
  std::string request;  // a rectification entry; empty: one is registered
};
struct StatementAdded {
  std::string id;       // the transcript
  uint64_t seq = 0;
  UnixMillis added_at = 0;
  std::string request;
};

// A change to a register entry (POST /v1/rights-requests/{id}/{action}).
struct RightsUpdate {
  enum class Action { kExtend, kComplete, kRefuse, kLift, kDecide };
  Action action = Action::kComplete;
  uint32_t months = 0;     // kExtend: 1 or 2
  std::string reason;      // kExtend, kRefuse, kLift, kDecide (rejected): a reason code
  std::string decision;    // kDecide: "upheld_erase", "upheld_restricted" or "rejected"
};

// What a restriction or an objection did (Vault::SubjectRestriction).
struct SubjectRestrictionAnswer {
  UnixMillis answered_at = 0;
  std::string request;                // the register entry
  std::vector<std::string> searched;  // the identifier kinds given
  std::vector<std::string> services;  // the services searched; empty: every service granted
  std::vector<std::string> restricted;  // ids restricted by this request, in id order
  std::vector<std::string> withheld;    // held: the hold takes precedence
  uint64_t audit_seq = 0;
};

struct CreatedTranscript {
  std::string id;
  UnixMillis expires_at = 0;
  // The answer to an earlier open with the same Idempotency-Key.
  bool replayed = false;
};

enum class AppendOutcome { kStored, kDuplicate };

// The state of the retention machinery.
struct RetentionStatus {
  UnixMillis now = 0;
  int64_t epoch_ms = 0;
  uint64_t base_epoch = 0;        // oldest epoch whose key still exists
  UnixMillis last_shred_at = 0;   // last run that destroyed keys (0: none since start)
  UnixMillis last_run_at = 0;     // last run of the shredder
  uint64_t shredded_total = 0;    // transcripts shredded since start
  // Transcripts whose key should have been destroyed more than one tick ago
  // and still exists. Must be 0.
  uint64_t overdue = 0;
  // Records the last scans of retention found damaged and skipped (an open
  // transcript whose state or wrapped key does not open, a malformed expiry
  // index entry); each is audited as `retention.damaged` once per start.
  // Should be 0. Keys are destroyed on time whatever this says.
  uint64_t damaged = 0;
};

// The audit log as an auditor sees it through the API.
struct AuditSegment {
  uint64_t number = 0;
  uint64_t bytes = 0;  // durable length
};
struct AuditStatus {
  std::string origin;       // the checkpoint origin line
  std::string genesis_key;  // base64 Ed25519 key of the genesis record: pin it
  uint64_t size = 0;        // durable records
  std::vector<AuditSegment> segments;
  std::string checkpoint;   // the latest signed note (C2SP format)
};
struct AuditRecordView {
  uint64_t seq = 0;
  std::string type;  // genesis, segment, access, checkpoint, start, recovery, stop
  UnixMillis time = 0;
  std::string prev;     // hex
  std::string hash;     // hex
  std::string payload;  // JSON object text
};

// The outcome of an approval (see Vault::Approve).
struct ApprovalResult {
  RequestInfo request;
  bool executed = false;  // this approval was the second: the request was carried out
  std::vector<Transcript> transcripts;  // unseal: the listed transcripts, in order
  uint64_t returned = 0;   // release: transcripts back under normal expiry
  uint64_t destroyed = 0;  // release: transcripts whose retention had passed, destroyed
  uint64_t recovered = 0;  // recover: held transcripts copied from the backup
  uint64_t audit_seq = 0;  // the audit record of the execution
  std::string audit_hash;  // its hash (hex), for the export footer
  UnixMillis executed_at = 0;  // that record's time (the vault's clock)
};

}  // namespace vault

#endif  // VAULT_TYPES_H_
