#include "vault/officer/paper.h"

#include "vault/common/time_format.h"

namespace vault::safeguard {
namespace {

constexpr size_t kWidth = 78;

std::string Rule(char c) { return std::string(kWidth, c) + "\n"; }

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// Wraps `text` at kWidth - indent columns (on spaces where it can), each
// line after the first indented; keeps the sender's own line breaks.
std::string Wrap(const std::string& text, size_t indent) {
  const size_t width = kWidth - indent;
  std::string out;
  size_t line_start = 0;
  auto emit = [&](std::string_view line) {
    if (!out.empty()) out += "\n" + std::string(indent, ' ');
    out += line;
  };
  while (line_start <= text.size()) {
    size_t nl = text.find('\n', line_start);
    if (nl == std::string::npos) nl = text.size();
    std::string_view para(text.data() + line_start, nl - line_start);
    if (para.empty()) emit("");
    while (!para.empty()) {
      if (para.size() <= width) {
        emit(para);
        break;
      }
      size_t cut = para.rfind(' ', width);
      if (cut == std::string_view::npos || cut == 0) cut = width;
      // Never cut inside a UTF-8 sequence.
      while (cut > 0 && cut < para.size() && (static_cast<unsigned char>(para[cut]) & 0xC0) == 0x80)
        --cut;
      if (cut == 0) cut = para.size();
      emit(para.substr(0, cut));
      para.remove_prefix(cut);
      while (!para.empty() && para.front() == ' ') para.remove_prefix(1);
    }
    line_start = nl + 1;
  }
  return out;
}

}  // namespace

std::string PaperFooter(const std::string& transcript_id, const UnsealContext& c) {
  std::string out = Rule('-');
  out += "Transcript " + transcript_id + "\n";
  out += "Case " + c.case_id + ", unseal request " + c.request_id + "\n";
  out += "Approved by " + Join(c.approved_by, " and ") + "; unsealed " +
         FormatRfc3339(c.unsealed_at) + "\n";
  out += "Audit record " + std::to_string(c.audit_seq) + " of the unseal, BLAKE2b:\n";
  out += "  " + c.audit_hash + "\n";
  out +=
      "Kept for legal/safeguarding purposes only. Share only with the safeguarding\n"
      "team or law enforcement, and destroy when the case no longer needs it.\n";
  return out;
}

std::string RenderPaper(const Transcript& t, const UnsealContext& c) {
  std::string out = Rule('=');
  out += "CONFIDENTIAL: SAFEGUARDING. Chat transcript under legal hold\n";
  out += Rule('=');
  const TranscriptInfo& i = t.info;
  out += "Service:        " + i.service + "\n";
  out += "Chat opened:    " + FormatRfc3339(i.created_at) + "\n";
  if (i.state == TranscriptState::kClosed) {
    out += "Chat closed:    " + FormatRfc3339(i.closed_at) + "\n";
  }
  out += "Messages:       " + std::to_string(i.message_count) + "\n";
  const std::pair<const char*, const std::optional<std::string>*> fields[] = {
      {"Visitor name:   ", &t.visitor.name},     {"Visitor IP:     ", &t.visitor.ip},
      {"Location:       ", &t.visitor.location}, {"Browser:        ", &t.visitor.user_agent},
      {"Device:         ", &t.visitor.device},   {"Visitor ref:    ", &t.visitor.ref}};
  for (const auto& [label, value] : fields) {
    if (value->has_value()) out += std::string(label) + Wrap(**value, 16) + "\n";
  }
  out += Rule('-');
  for (const Message& m : t.messages) {
    out += m.sent_at + "  " + m.from + "\n";
    out += "    " + Wrap(m.text, 4) + "\n\n";
  }
  if (t.messages.empty()) out += "(no messages)\n\n";
  out += PaperFooter(i.id, c);
  return out;
}

}  // namespace vault::safeguard
