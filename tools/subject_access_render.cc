#include "subject_access_render.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "vault/common/file_util.h"
#include "vault/common/time_format.h"

namespace vault::sar {
namespace {

namespace json = boost::json;

constexpr size_t kWidth = 78;
// Identifiers files are a few short strings.
constexpr size_t kMaxIdentifiersFile = 64 * 1024;

// "3 December 2026, 14:05 UTC": for a person; the JSON keeps RFC 3339.
std::string Readable(UnixMillis t) {
  const time_t seconds = static_cast<time_t>(t / 1000);
  struct tm tm {};
  if (gmtime_r(&seconds, &tm) == nullptr) return FormatRfc3339(t);
  char buf[64];
  const size_t n = strftime(buf, sizeof buf, "%d %B %Y, %H:%M UTC", &tm);
  if (n == 0) return FormatRfc3339(t);
  std::string out(buf, n);
  if (out[0] == '0') out.erase(0, 1);
  return out;
}

struct Field {
  std::string label;
  std::string value;
};

// The identifiers searched, labelled, in the vault's order.
std::vector<Field> SearchedFields(const SubjectAccessQuery& q) {
  std::vector<Field> out;
  if (q.ref) out.push_back({"Chat reference", *q.ref});
  if (q.email) out.push_back({"Email address", *q.email});
  if (q.phone) out.push_back({"Phone number", *q.phone});
  if (q.ip) out.push_back({"IP address", *q.ip});
  return out;
}

std::string KindLabel(const std::string& kind) {
  if (kind == "ref") return "chat reference";
  if (kind == "email") return "email address";
  if (kind == "phone") return "phone number";
  if (kind == "ip") return "IP address";
  return kind;
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : sep) + item;
  return out;
}

std::string MatchedText(const std::vector<std::string>& matched) {
  std::vector<std::string> labels;
  for (const std::string& kind : matched) labels.push_back(KindLabel(kind));
  return Join(labels, ", ");
}

std::string ServicesText(const SubjectAccessAnswer& a) {
  return a.services.empty() ? std::string("every service") : Join(a.services, ", ");
}

std::vector<Field> VisitorFields(const Visitor& v) {
  std::vector<Field> out;
  const std::pair<const char*, const std::optional<std::string>*> fields[] = {
      {"Name", &v.name},          {"Email address", &v.email}, {"Phone number", &v.phone},
      {"Chat reference", &v.ref}, {"IP address", &v.ip},       {"Location", &v.location},
      {"Browser", &v.user_agent}, {"Device", &v.device},
  };
  for (const auto& [label, value] : fields) {
    if (value->has_value()) out.push_back({label, **value});
  }
  return out;
}

std::vector<Field> TranscriptFacts(const SubjectAccessItem& item) {
  const TranscriptInfo& i = item.transcript.info;
  std::vector<Field> out;
  out.push_back({"Service", i.service});
  out.push_back({"Reference", item.id});
  out.push_back({"Chat opened", Readable(i.created_at)});
  out.push_back({"Chat closed", i.state == TranscriptState::kClosed ? Readable(i.closed_at)
                                                                   : "still open"});
  out.push_back({"Kept until", i.state == TranscriptState::kClosed
                                   ? Readable(i.expires_at)
                                   : "at least " + Readable(i.expires_at) +
                                         " (counted from the end of the chat)"});
  out.push_back({"Messages", std::to_string(item.transcript.messages.size())});
  out.push_back({"Found by your", MatchedText(item.matched)});
  return out;
}

std::string FromLabel(const std::string& from) {
  if (from == "visitor") return "You";
  if (from == "agent") return "Helpline";
  if (from == "system") return "System";
  return from;
}

std::string ActionLabel(const std::string& action) {
  if (action == "transcript.open") return "chat opened and stored";
  if (action == "transcript.append") return "message stored";
  if (action == "transcript.close") return "chat closed";
  if (action == "transcript.read") return "read";
  if (action == "transcript.history") return "shown in the visitor's chat history";
  if (action == "transcript.erase") return "erased";
  if (action == "transcript.rewrap") return "key maintenance (not read)";
  return action;
}

std::string OutcomeLabel(const std::string& outcome) {
  return outcome == "ok" ? std::string("done") : "refused (" + outcome + ")";
}

std::string AccessNote(const SubjectAccessItem& item, size_t index, int own) {
  if (static_cast<int>(index) == own) return "to answer this request";
  if (item.accesses[index].purpose == "subject_access") return "to answer a subject access request";
  if (item.accesses[index].purpose == "repeated_open") {
    return "the chat service repeated its request to open this chat; nothing new was stored";
  }
  return "";
}

size_t WithheldCount(const SubjectAccessAnswer& a) {
  size_t n = 0;
  for (const SubjectAccessItem& item : a.items) n += item.withheld ? 1 : 0;
  return n;
}

std::string CountText(const SubjectAccessAnswer& a) {
  const size_t total = a.items.size();
  const size_t withheld = WithheldCount(a);
  std::string out = std::to_string(total) + (total == 1 ? " conversation" : " conversations") +
                    " found";
  if (withheld > 0) out += ", " + std::to_string(withheld) + " of them withheld (see below)";
  return out + ".";
}

constexpr char kStyle[] = R"(
body { font-family: Georgia, "Times New Roman", serif; color: #111; background: #fff;
       max-width: 50em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; border-bottom: 1px solid #888; margin-top: 1.8em; }
h3 { font-size: 1.1em; margin-top: 1.4em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; }
th, td { border: 1px solid #aaa; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; }
table.facts th { width: 12em; }
td.text { white-space: pre-wrap; overflow-wrap: anywhere; }
td.when { white-space: nowrap; }
p.statement { margin: 0.4em 0 0; padding-left: 0.6em; border-left: 3px solid #888; font-style: italic; }
tr.this-request td { font-weight: bold; }
p.withheld, p.nothing { border: 2px solid #444; padding: 0.6em 0.8em; }
.small { font-size: 0.9em; color: #333; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  th { background: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, p.withheld { break-inside: avoid; page-break-inside: avoid; }
  section.transcript { break-before: page; page-break-before: always; }
  @page { margin: 18mm 15mm; }
}
)";

void HtmlFacts(const std::vector<Field>& fields, std::string* out) {
  *out += "<table class=\"facts\">\n";
  for (const Field& f : fields) {
    *out += "<tr><th scope=\"row\">" + EscapeHtml(f.label) + "</th><td>" + EscapeHtml(f.value) +
            "</td></tr>\n";
  }
  *out += "</table>\n";
}

void HtmlList(const std::vector<std::string>& items, std::string* out) {
  if (items.empty()) {
    *out += "<p>(not stated)</p>\n";
    return;
  }
  *out += "<ul>\n";
  for (const std::string& item : items) *out += "<li>" + EscapeHtml(item) + "</li>\n";
  *out += "</ul>\n";
}

void HtmlStatement(const PrivacyStatement& s, std::string* out) {
  *out += "<h2>About this information</h2>\n";
  *out += "<h3>Who is responsible for it</h3>\n<p>" +
          EscapeHtml(s.controller.empty() ? std::string("(not stated)") : s.controller) +
          "</p>\n";
  *out += "<h3>What it is used for</h3>\n";
  HtmlList(s.purposes, out);
  *out += "<h3>The legal basis for using it</h3>\n";
  HtmlList(s.legal_basis, out);
  *out += "<h3>Who it is shared with</h3>\n";
  HtmlList(s.recipients, out);
  *out += "<h3>How long it is kept</h3>\n<p>" +
          EscapeHtml(s.retention.empty() ? std::string("(not stated)") : s.retention) + "</p>\n";
}

void HtmlItem(const SubjectAccessAnswer& a, size_t n, std::string* out) {
  const SubjectAccessItem& item = a.items[n];
  const std::string heading = "Conversation " + std::to_string(n + 1) + " of " +
                              std::to_string(a.items.size());
  *out += "<section class=\"transcript\" id=\"t-" + EscapeHtml(item.id) + "\">\n";
  if (item.withheld) {
    *out += "<h2>" + EscapeHtml(heading) + " (withheld)</h2>\n";
    HtmlFacts({{"Reference", item.id},
               {"Held since", Readable(item.held_at)},
               {"Found by your", MatchedText(item.matched)}},
              out);
    *out += "<p class=\"withheld\">" + EscapeHtml(kWithheldNotice) + "</p>\n</section>\n";
    return;
  }
  *out += "<h2>" + EscapeHtml(heading + ": " + item.transcript.info.service) + "</h2>\n";
  HtmlFacts(TranscriptFacts(item), out);
  const std::vector<Field> visitor = VisitorFields(item.transcript.visitor);
  *out += "<h3>What the chat service recorded about you</h3>\n";
  if (visitor.empty()) {
    *out += "<p>Nothing besides the messages.</p>\n";
  } else {
    HtmlFacts(visitor, out);
  }
  *out += "<h3>Messages</h3>\n";
  if (item.transcript.messages.empty()) {
    *out += "<p>No messages.</p>\n";
  } else {
    *out += "<table class=\"messages\">\n<tr><th>When</th><th>From</th><th>Message</th></tr>\n";
    for (const Message& m : item.transcript.messages) {
      *out += "<tr><td class=\"when\">" + EscapeHtml(m.sent_at) + "</td><td>" +
              EscapeHtml(FromLabel(m.from)) + "</td><td class=\"text\">" + EscapeHtml(m.text);
      // Supplementary statements (rectification), right after the message
      // they supplement: the message itself is never rewritten.
      for (const Statement& st : m.statements) {
        *out += "<p class=\"statement\">Statement added " +
                EscapeHtml(Readable(st.added_at)) + " at your request: " +
                EscapeHtml(st.text) + "</p>";
      }
      *out += "</td></tr>\n";
    }
    *out += "</table>\n";
  }
  *out += "<h3>Who it was shared with</h3>\n";
  *out +=
      "<p class=\"small\">Every time the vault stored, read or handed out this conversation, "
      "as its audit log recorded it (oldest first).</p>\n";
  if (item.accesses.empty()) {
    *out += "<p>No access recorded.</p>\n";
  } else {
    const int own = ThisRequestsRead(item, a.audit_seq);
    *out +=
        "<table class=\"accesses\">\n<tr><th>When</th><th>By (role)</th><th>What</th>"
        "<th>Outcome</th><th>Note</th></tr>\n";
    for (size_t i = 0; i < item.accesses.size(); ++i) {
      const RecordedAccess& r = item.accesses[i];
      *out += std::string(static_cast<int>(i) == own ? "<tr class=\"this-request\">" : "<tr>") +
              "<td class=\"when\">" + EscapeHtml(Readable(r.time)) + "</td><td>" +
              EscapeHtml(r.role) + "</td><td>" + EscapeHtml(ActionLabel(r.action)) +
              "</td><td>" + EscapeHtml(OutcomeLabel(r.outcome)) + "</td><td>" +
              EscapeHtml(AccessNote(item, i, own)) + "</td></tr>\n";
    }
    *out += "</table>\n";
  }
  *out += "</section>\n";
}

// --- plain text ---

std::string Rule(char c) { return std::string(kWidth, c) + "\n"; }

// Wraps `text` at kWidth - indent columns on spaces where it can, each line
// after the first indented; keeps the text's own line breaks and never cuts
// inside a UTF-8 sequence.
std::string Wrap(std::string_view text, size_t indent) {
  const size_t width = kWidth - indent;
  std::string out;
  bool first = true;
  auto emit = [&](std::string_view line) {
    if (!first) out += "\n" + std::string(indent, ' ');
    first = false;
    out += line;
  };
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view para = text.substr(start, nl - start);
    if (para.empty()) emit("");
    while (!para.empty()) {
      if (para.size() <= width) {
        emit(para);
        break;
      }
      size_t cut = para.rfind(' ', width);
      if (cut == std::string_view::npos || cut == 0) cut = width;
      while (cut > 0 && (static_cast<unsigned char>(para[cut]) & 0xC0) == 0x80) --cut;
      if (cut == 0) cut = para.size();
      emit(para.substr(0, cut));
      para.remove_prefix(cut);
      while (!para.empty() && para.front() == ' ') para.remove_prefix(1);
    }
    start = nl + 1;
  }
  return out;
}

void TextFacts(const std::vector<Field>& fields, std::string* out) {
  for (const Field& f : fields) {
    std::string label = f.label + ":";
    if (label.size() < 16) label.resize(16, ' ');
    else label += " ";
    *out += label + Wrap(f.value, label.size()) + "\n";
  }
}

void TextList(const std::string& heading, const std::vector<std::string>& items,
              std::string* out) {
  *out += heading + "\n";
  if (items.empty()) *out += "  (not stated)\n";
  for (const std::string& item : items) *out += "  - " + Wrap(item, 4) + "\n";
}

void TextItem(const SubjectAccessAnswer& a, size_t n, std::string* out) {
  const SubjectAccessItem& item = a.items[n];
  const std::string heading = "Conversation " + std::to_string(n + 1) + " of " +
                              std::to_string(a.items.size());
  *out += "\n" + Rule('=');
  if (item.withheld) {
    *out += heading + " (withheld)\n" + Rule('=');
    TextFacts({{"Reference", item.id},
               {"Held since", Readable(item.held_at)},
               {"Found by your", MatchedText(item.matched)}},
              out);
    *out += "\n" + Wrap(kWithheldNotice, 0) + "\n";
    return;
  }
  *out += Wrap(heading + ": " + item.transcript.info.service, 0) + "\n" + Rule('=');
  TextFacts(TranscriptFacts(item), out);
  *out += "\nWhat the chat service recorded about you\n" + Rule('-');
  const std::vector<Field> visitor = VisitorFields(item.transcript.visitor);
  if (visitor.empty()) *out += "Nothing besides the messages.\n";
  TextFacts(visitor, out);
  *out += "\nMessages\n" + Rule('-');
  if (item.transcript.messages.empty()) *out += "No messages.\n";
  for (const Message& m : item.transcript.messages) {
    *out += "[" + m.sent_at + "] " + FromLabel(m.from) + ":\n    " + Wrap(m.text, 4) + "\n";
    for (const Statement& st : m.statements) {
      *out += "    Statement added " + Readable(st.added_at) + " at your request:\n      " +
              Wrap(st.text, 6) + "\n";
    }
  }
  *out += "\nWho it was shared with (the audit log, oldest first)\n" + Rule('-');
  if (item.accesses.empty()) *out += "No access recorded.\n";
  const int own = ThisRequestsRead(item, a.audit_seq);
  for (size_t i = 0; i < item.accesses.size(); ++i) {
    const RecordedAccess& r = item.accesses[i];
    std::string line = Readable(r.time) + "  " + r.role + ": " + ActionLabel(r.action) + ", " +
                       OutcomeLabel(r.outcome);
    const std::string note = AccessNote(item, i, own);
    if (!note.empty()) line += " (" + note + ")";
    *out += (static_cast<int>(i) == own ? "* " : "  ") + Wrap(line, 4) + "\n";
  }
}

bool IsString(const json::value* v) { return v != nullptr && v->is_string(); }

// `dir` as an absolute, normal path without a trailing slash ("out/" is
// "out").
std::filesystem::path TargetOf(const std::string& dir, std::error_code* ec) {
  std::filesystem::path target = std::filesystem::absolute(dir, *ec).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  return target;
}

}  // namespace

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

int ThisRequestsRead(const SubjectAccessItem& item, uint64_t answer_audit_seq) {
  int own = -1;
  for (size_t i = 0; i < item.accesses.size(); ++i) {
    const RecordedAccess& r = item.accesses[i];
    if (r.purpose == "subject_access" && r.action == "transcript.read" &&
        r.seq < answer_audit_seq && (own < 0 || r.seq > item.accesses[own].seq)) {
      own = static_cast<int>(i);
    }
  }
  return own;
}

std::string RenderHtml(const SubjectAccessAnswer& a, const SubjectAccessQuery& q) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>Your chat information: answer to your subject access request</title>\n<style>";
  out += kStyle;
  out += "</style>\n</head>\n<body>\n";
  out += "<h1>Your chat information</h1>\n";
  out += "<p>Our answer to your request for a copy of the information we hold about you "
         "(a subject access request).</p>\n";
  HtmlFacts({{"Answered", Readable(a.answered_at)},
             {"Our reference", "audit record " + std::to_string(a.audit_seq)},
             {"Services searched", ServicesText(a)}},
            &out);
  out += "<h2>What we searched for</h2>\n";
  out += "<p>Conversations recorded with any of these details you gave us:</p>\n";
  std::vector<Field> searched = SearchedFields(q);
  if (searched.empty()) {
    // The query is not at hand (a re-render from the JSON): the kinds only.
    for (const std::string& kind : a.searched) searched.push_back({KindLabel(kind), "(given)"});
  }
  HtmlFacts(searched, &out);
  HtmlStatement(a.statement, &out);
  out += "<h2>Your conversations</h2>\n";
  if (a.items.empty()) {
    out += "<p class=\"nothing\">" + EscapeHtml(kNothingFound) + "</p>\n";
  } else {
    out += "<p>" + EscapeHtml(CountText(a)) + " Newest first.</p>\n";
  }
  // Each conversation is a section that starts a printed page.
  for (size_t n = 0; n < a.items.size(); ++n) HtmlItem(a, n, &out);
  out += "<p class=\"small\">The same information in a structured, machine-readable form is in "
         "the file subject-access.json (format transcript-vault-subject-access-v1) that comes "
         "with this document.</p>\n";
  out += "</body>\n</html>\n";
  return out;
}

std::string RenderText(const SubjectAccessAnswer& a, const SubjectAccessQuery& q) {
  std::string out = Rule('=');
  out += "YOUR CHAT INFORMATION: answer to your subject access request\n";
  out += Rule('=');
  TextFacts({{"Answered", Readable(a.answered_at)},
             {"Our reference", "audit record " + std::to_string(a.audit_seq)},
             {"Services", ServicesText(a)}},
            &out);
  out += "\nWhat we searched for\n" + Rule('-');
  std::vector<Field> searched = SearchedFields(q);
  if (searched.empty()) {
    for (const std::string& kind : a.searched) searched.push_back({KindLabel(kind), "(given)"});
  }
  TextFacts(searched, &out);
  const PrivacyStatement& s = a.statement;
  out += "\nAbout this information\n" + Rule('-');
  out += "Who is responsible for it\n  " +
         Wrap(s.controller.empty() ? std::string("(not stated)") : s.controller, 2) + "\n";
  TextList("What it is used for", s.purposes, &out);
  TextList("The legal basis for using it", s.legal_basis, &out);
  TextList("Who it is shared with", s.recipients, &out);
  out += "How long it is kept\n  " +
         Wrap(s.retention.empty() ? std::string("(not stated)") : s.retention, 2) + "\n";
  out += "\nYour conversations\n" + Rule('-');
  if (a.items.empty()) {
    out += std::string(kNothingFound) + "\n";
  } else {
    out += CountText(a) + " Newest first.\n";
  }
  for (size_t n = 0; n < a.items.size(); ++n) {
    // A form feed between conversations: each starts a printed page.
    if (n > 0) out += "\f";
    TextItem(a, n, &out);
  }
  out += "\n" + Rule('-');
  out += Wrap("The same information in a structured, machine-readable form is in the file "
              "subject-access.json (format transcript-vault-subject-access-v1).",
              0) +
         "\n";
  return out;
}

StatusOr<SubjectAccessQuery> ReadIdentifiersFile(const std::string& path) {
  VAULT_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, kMaxIdentifiersFile));
  const auto bad = [&](const std::string& why) {
    return Status::InvalidArgument(path + ": " + why, "invalid_identifiers_file");
  };
  boost::system::error_code ec;
  const json::value v = json::parse(text, ec);
  if (ec) return bad("not JSON: " + ec.message());
  if (!v.is_object()) {
    return bad("expected an object such as {\"email\": \"...\", \"phone\": \"...\"}");
  }
  SubjectAccessQuery query;
  for (const auto& [key, value] : v.as_object()) {
    std::optional<std::string>* field = nullptr;
    if (key == "ref") field = &query.ref;
    if (key == "email") field = &query.email;
    if (key == "phone") field = &query.phone;
    if (key == "ip") field = &query.ip;
    if (field == nullptr) {
      return bad("unknown field \"" + std::string(key) + "\" (ref, email, phone or ip)");
    }
    if (!IsString(&value)) return bad("\"" + std::string(key) + "\" must be a string");
    *field = std::string(value.as_string());
  }
  return query;
}

Status CheckNewDirectory(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("--out is empty", "invalid_out");
  std::error_code ec;
  if (std::filesystem::symlink_status(dir, ec).type() != std::filesystem::file_type::not_found) {
    return Status::AlreadyExists(dir + " exists; the answer goes into a new directory",
                                 "out_exists");
  }
  const std::filesystem::path parent = TargetOf(dir, &ec).parent_path();
  if (ec || !std::filesystem::is_directory(parent, ec)) {
    return Status::InvalidArgument("the parent directory of " + dir + " does not exist",
                                   "invalid_out");
  }
  return Status::OK();
}

Status WriteAnswerDirectory(const std::string& dir, std::string_view json_body,
                            const SubjectAccessAnswer& answer, const SubjectAccessQuery& query,
                            const std::function<void(const std::string&)>& progress) {
  VAULT_RETURN_IF_ERROR(CheckNewDirectory(dir));
  std::error_code ec;
  const std::filesystem::path target = TargetOf(dir, &ec);
  if (ec) return Status::IOError("cannot resolve " + dir + ": " + ec.message(), "io_error");
  const std::string parent = target.parent_path().string();
  // The hidden sibling, made 0700 by mkdtemp. Left behind only if this
  // process is killed; its name says it is not an answer.
  std::string partial_name =
      parent + "/." + target.filename().string() + ".incomplete-XXXXXX";
  std::vector<char> buffer(partial_name.begin(), partial_name.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    return Status::IOError("cannot create a directory beside " + dir + ": " +
                               std::strerror(errno),
                           "io_error");
  }
  const std::string partial(buffer.data());
  const std::pair<const char*, std::string> files[] = {
      {kJsonFile, std::string(json_body)},
      {kHtmlFile, RenderHtml(answer, query)},
      {kTextFile, RenderText(answer, query)},
  };
  Status made = Status::OK();
  for (const auto& [name, contents] : files) {
    if (progress) progress(std::string("writing ") + name);
    made = WriteFileAtomically(partial + "/" + name, contents, 0600);
    if (!made.ok()) break;
  }
  if (made.ok()) made = FsyncDirectory(partial);
  bool renamed = false;
  if (made.ok()) {
    // RENAME_NOREPLACE: a directory made at `dir` meanwhile is not replaced.
    if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) !=
        0) {
      made = errno == EEXIST ? Status::AlreadyExists(dir + " exists; nothing was written to it",
                                                     "out_exists")
                             : Status::IOError("cannot rename the answer into place: " +
                                                   std::string(std::strerror(errno)),
                                               "io_error");
    } else {
      renamed = true;
      made = FsyncDirectory(parent);
    }
  }
  if (!made.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(renamed ? target.string() : partial, ignored);
  }
  return made;
}

}  // namespace vault::sar
