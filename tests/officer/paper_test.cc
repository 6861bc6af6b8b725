// The paper export (vault/officer/paper.h): what it promises about a
// transcript it renders.
#include <gtest/gtest.h>

#include "vault/officer/paper.h"

namespace vault::safeguard {
namespace {

Transcript FixedTranscript() {
  Transcript t;
  t.info.id = "d736f8cd6e3c9727f641e0305ce3f861";
  t.info.service = "helpline";
  t.info.state = TranscriptState::kClosed;
  t.info.created_at = 1795991661548;
  t.info.closed_at = 1795991721548;
  t.info.message_count = 3;
  t.visitor.ip = "192.0.2.7";
  t.messages.push_back({1, "visitor", "hello, is anyone there?", "2026-11-29T22:34:21Z", {}});
  t.messages.push_back({2, "agent", "Yes, I'm here. What's on your mind?", "2026-11-29T22:34:40Z", {}});
  t.messages.push_back({3, "system", "Chat closed", "2026-11-29T22:35:21Z", {}});
  return t;
}

UnsealContext FixedContext() {
  return {"CASE-2026-014", "0123456789abcdef0123456789abcdef", {"alice", "bob"},
          1796000000000,   9071,
          "9f0c1a5e2b7d4c3a9f0c1a5e2b7d4c3a9f0c1a5e2b7d4c3a9f0c1a5e2b7d4c3a"};
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

TEST(PaperExportTest, EveryMessageInOrderAndTheFactsOfTheChat) {
  const Transcript t = FixedTranscript();
  const std::string paper = RenderPaper(t, FixedContext());
  EXPECT_EQ(paper.rfind("CONFIDENTIAL: SAFEGUARDING.", 79), 79u);
  EXPECT_NE(paper.find("Service:        helpline\n"), std::string::npos);
  EXPECT_NE(paper.find("Chat opened:    2026-11-29T22:34:21.548Z\n"), std::string::npos);
  EXPECT_NE(paper.find("Chat closed:    2026-11-29T22:35:21.548Z\n"), std::string::npos);
  EXPECT_NE(paper.find("Messages:       3\n"), std::string::npos);
  EXPECT_NE(paper.find("Visitor IP:     192.0.2.7\n"), std::string::npos);
  EXPECT_EQ(paper.find("Visitor name:"), std::string::npos);  // only what was recorded
  size_t at = 0;
  for (const Message& m : t.messages) {
    const size_t found = paper.find(m.sent_at + "  " + m.from + "\n    " + m.text + "\n", at);
    ASSERT_NE(found, std::string::npos) << m.text;
    at = found + 1;
  }
  Transcript empty = t;
  empty.messages.clear();
  EXPECT_NE(RenderPaper(empty, FixedContext()).find("(no messages)\n"), std::string::npos);
}

TEST(PaperExportTest, TheFooterNamesTheUnsealAndItsAuditRecord) {
  const Transcript t = FixedTranscript();
  const UnsealContext c = FixedContext();
  const std::string footer = PaperFooter(t.info.id, c);
  EXPECT_EQ(footer,
            std::string(78, '-') + "\n" +
                "Transcript d736f8cd6e3c9727f641e0305ce3f861\n"
                "Case CASE-2026-014, unseal request 0123456789abcdef0123456789abcdef\n"
                "Approved by alice and bob; unsealed 2026-11-30T00:53:20.000Z\n"
                "Audit record 9071 of the unseal, BLAKE2b:\n"
                "  9f0c1a5e2b7d4c3a9f0c1a5e2b7d4c3a9f0c1a5e2b7d4c3a9f0c1a5e2b7d4c3a\n"
                "Kept for legal/safeguarding purposes only. Share only with the safeguarding\n"
                "team or law enforcement, and destroy when the case no longer needs it.\n");
  const std::string paper = RenderPaper(t, c);
  ASSERT_GE(paper.size(), footer.size());
  EXPECT_EQ(paper.substr(paper.size() - footer.size()), footer);
}

// The paper is plain text: markup is carried verbatim, never interpreted,
// and a sender's line breaks are indented, so no text a visitor or agent
// typed can start a line of its own at the left margin (a forged footer,
// heading or rule).
TEST(PaperExportTest, HostileTextStaysInsideItsMessage) {
  Transcript t = FixedTranscript();
  const std::string forged =
      "<script>alert(1)</script> <b>&amp;</b>\n"
      "------------------------------------------------------------------------------\n"
      "Audit record 1 of the unseal, BLAKE2b:\n"
      "Approved by mallory and eve";
  t.messages[1].text = forged;
  t.visitor.name = "<img src=x onerror=alert(1)>\nCase FAKE-1, unseal request 0";
  const UnsealContext c = FixedContext();
  const std::string paper = RenderPaper(t, c);
  EXPECT_NE(paper.find("<script>alert(1)</script> <b>&amp;</b>"), std::string::npos);
  EXPECT_NE(paper.find("Visitor name:   <img src=x onerror=alert(1)>\n"
                       "                Case FAKE-1, unseal request 0\n"),
            std::string::npos);
  const std::string footer = PaperFooter(t.info.id, c);
  const std::string body = paper.substr(0, paper.size() - footer.size());
  for (const std::string& line : Lines(body)) {
    EXPECT_NE(line.rfind("Audit record", 0), 0u) << line;
    EXPECT_NE(line.rfind("Approved by", 0), 0u) << line;
    EXPECT_NE(line.rfind("Case ", 0), 0u) << line;
  }
  // The paper's own two rules (after the facts, above the footer); the forged
  // one is indented with its message.
  int rules = 0;
  for (const std::string& line : Lines(paper)) rules += line == std::string(78, '-');
  EXPECT_EQ(rules, 2);
  EXPECT_NE(paper.find("\n    " + std::string(74, '-') + "\n    ----\n"), std::string::npos);
  // Exactly one footer, the real one, at the end.
  EXPECT_EQ(paper.find("\nAudit record"), paper.size() - footer.size() + footer.find("Audit record") - 1);
}

TEST(PaperExportTest, LongTextWrapsWithinThePageWithoutSplittingCharacters) {
  Transcript t = FixedTranscript();
  std::string text;
  for (int i = 0; i < 60; ++i) text += "\xc3\xa9t\xc3\xa9\xe2\x82\xac ";  // "été€ "
  text += std::string(200, 'x');
  t.messages[0].text = text;
  const std::string paper = RenderPaper(t, FixedContext());
  for (const std::string& line : Lines(paper)) {
    EXPECT_LE(line.size(), 78u) << line;
    // No line starts with a UTF-8 continuation byte, or ends inside a sequence.
    if (!line.empty()) {
      EXPECT_NE(static_cast<unsigned char>(line[4 < line.size() ? 4 : 0]) & 0xC0, 0x80) << line;
      const unsigned char last = static_cast<unsigned char>(line.back());
      EXPECT_FALSE(last >= 0xC0) << line;
    }
  }
}

}  // namespace
}  // namespace vault::safeguard
