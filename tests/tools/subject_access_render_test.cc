// What `vaultctl subject-access` renders (tools/subject_access_render.h):
// every value escaped, held transcripts withheld without a case, the
// "nothing found" answer still carrying the statement, the vault's order
// kept, a print stylesheet and nothing active or fetched; and the answer
// directory: new, 0700, files 0600, never half-written.
#include "subject_access_render.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vault/common/file_util.h"

namespace vault::sar {
namespace {

using vault::testing::ReadFileBytes;
using vault::testing::TempDir;

SubjectAccessQuery Query() {
  SubjectAccessQuery q;
  q.email = "sam@example.org";
  q.phone = "+44 7700 900123";
  return q;
}

PrivacyStatement Statement() {
  PrivacyStatement s;
  s.controller = "Example Helpline, 1 High Street; dpo@example.org";
  s.purposes = {"Supporting you during the chat", "Quality monitoring"};
  s.legal_basis = {"Legitimate interests"};
  s.recipients = {"Our helpline staff"};
  s.retention = "A chat transcript is kept for 30 days after the chat ends.";
  return s;
}

SubjectAccessItem Disclosed(const std::string& id, const std::string& service,
                            UnixMillis created_at) {
  SubjectAccessItem item;
  item.id = id;
  item.matched = {"email"};
  item.transcript.info.id = id;
  item.transcript.info.service = service;
  item.transcript.info.state = TranscriptState::kClosed;
  item.transcript.info.created_at = created_at;
  item.transcript.info.closed_at = created_at + 600000;
  item.transcript.info.expires_at = created_at + 600000 + 30LL * 86400000;
  item.transcript.visitor.email = "sam@example.org";
  item.transcript.visitor.name = "Sam";
  item.transcript.messages.push_back({0, "visitor", "hello from " + service, "2026-11-29T22:34:21Z", {}});
  item.transcript.messages.push_back({1, "agent", "Hi, I'm here.", "2026-11-29T22:34:40Z", {}});
  item.accesses.push_back({10, created_at, 1000, "writer", "transcript.open", "ok", ""});
  item.accesses.push_back({11, created_at + 1000, 1001, "agent", "transcript.read", "ok", ""});
  return item;
}

SubjectAccessAnswer Answer() {
  SubjectAccessAnswer a;
  a.answered_at = 1796000000000;
  a.searched = {"email", "phone"};
  a.statement = Statement();
  a.audit_seq = 500;
  a.items.push_back(Disclosed("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "webchat", 1795990000000));
  a.items.push_back(Disclosed("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "textline", 1795900000000));
  return a;
}

TEST(SubjectAccessRenderTest, EscapesEveryValueInTheHtml) {
  SubjectAccessAnswer a = Answer();
  a.items[0].transcript.messages[0].text = "<script>alert(1)</script> & \"you\" 'me'";
  a.items[0].transcript.visitor.name = "<b>Sam</b>";
  a.statement.controller = "Smith & <Jones>";
  SubjectAccessQuery q = Query();
  q.ref = "<ref>";
  const std::string html = RenderHtml(a, q);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;you&quot; &#39;me&#39;"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;Sam&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("Smith &amp; &lt;Jones&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;ref&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<ref>"), std::string::npos);
}

TEST(SubjectAccessRenderTest, EscapeHtml) {
  EXPECT_EQ(EscapeHtml("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(EscapeHtml("plain text, ünïcode"), "plain text, ünïcode");
}

TEST(SubjectAccessRenderTest, NothingActiveOrFetchedAndAPrintStylesheet) {
  const std::string html = RenderHtml(Answer(), Query());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("<meta charset=\"utf-8\">"), std::string::npos);
  for (const char* banned : {"<script", "<link", "<img", "<iframe", "src=", "href=", "url(",
                             "@import", "http://", "https://", "javascript:", " on"}) {
    if (std::string(banned) == " on") {
      // No event handler attributes (onload=, onclick=, ...).
      EXPECT_EQ(html.find(" onload="), std::string::npos);
      EXPECT_EQ(html.find(" onclick="), std::string::npos);
      continue;
    }
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  }
  EXPECT_NE(html.find("</html>\n"), std::string::npos);
}

TEST(SubjectAccessRenderTest, HtmlCarriesTheSearchTheStatementAndEveryTranscript) {
  const std::string html = RenderHtml(Answer(), Query());
  EXPECT_NE(html.find("30 November 2026, 00:53 UTC"), std::string::npos) << "the date answered";
  EXPECT_NE(html.find("audit record 500"), std::string::npos);
  EXPECT_NE(html.find("sam@example.org"), std::string::npos);
  EXPECT_NE(html.find("+44 7700 900123"), std::string::npos);
  for (const std::string& s : {Statement().controller, Statement().purposes[0],
                               Statement().purposes[1], Statement().legal_basis[0],
                               Statement().recipients[0], Statement().retention}) {
    EXPECT_NE(html.find(s), std::string::npos) << s;
  }
  EXPECT_NE(html.find("hello from webchat"), std::string::npos);
  EXPECT_NE(html.find("hello from textline"), std::string::npos);
  EXPECT_NE(html.find("Who it was shared with"), std::string::npos);
  EXPECT_NE(html.find("Chat opened"), std::string::npos);
  EXPECT_NE(html.find("Kept until"), std::string::npos);
  EXPECT_EQ(html.find(kNothingFound), std::string::npos);
}

TEST(SubjectAccessRenderTest, KeepsTheVaultsOrder) {
  // Newest first as the vault answered; messages and accesses as given.
  for (const std::string& doc : {RenderHtml(Answer(), Query()), RenderText(Answer(), Query())}) {
    const size_t newer = doc.find("hello from webchat");
    const size_t older = doc.find("hello from textline");
    ASSERT_NE(newer, std::string::npos);
    ASSERT_NE(older, std::string::npos);
    EXPECT_LT(newer, older);
    const size_t first = doc.find("hello from webchat");
    const size_t second = doc.find("Hi, I&#39;m here.", first) != std::string::npos
                              ? doc.find("Hi, I&#39;m here.", first)
                              : doc.find("Hi, I'm here.", first);
    EXPECT_LT(first, second);
    EXPECT_LT(doc.find("Conversation 1 of 2"), doc.find("Conversation 2 of 2"));
  }
}

TEST(SubjectAccessRenderTest, HeldTranscriptsAreWithheldWithoutACase) {
  SubjectAccessAnswer a = Answer();
  SubjectAccessItem held;
  held.id = "cccccccccccccccccccccccccccccccc";
  held.matched = {"phone"};
  held.withheld = true;
  held.held_at = 1795995000000;
  a.items.insert(a.items.begin(), held);
  for (const std::string& doc : {RenderHtml(a, Query()), RenderText(a, Query())}) {
    EXPECT_NE(doc.find("held under a legal hold"), std::string::npos);
    EXPECT_NE(doc.find("safeguarding"), std::string::npos);
    EXPECT_NE(doc.find(held.id), std::string::npos);
    EXPECT_EQ(doc.find("case"), std::string::npos) << "no case is named";
    EXPECT_NE(doc.find("1 of them withheld"), std::string::npos);
  }
}

TEST(SubjectAccessRenderTest, NothingFoundStillCarriesTheStatement) {
  SubjectAccessAnswer a = Answer();
  a.items.clear();
  for (const std::string& doc : {RenderHtml(a, Query()), RenderText(a, Query())}) {
    EXPECT_NE(doc.find("No information about you was found"), std::string::npos);
    EXPECT_NE(doc.find(Statement().purposes[0]), std::string::npos);
    EXPECT_NE(doc.find(Statement().retention), std::string::npos);
    EXPECT_EQ(doc.find("Conversation 1"), std::string::npos);
  }
}

TEST(SubjectAccessRenderTest, MarksThisRequestsRead) {
  SubjectAccessItem item = Disclosed("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "webchat", 1795990000000);
  EXPECT_EQ(ThisRequestsRead(item, 500), -1);
  item.accesses.push_back({20, 1795991000000, 0, "dpo", "transcript.read", "ok", "subject_access"});
  item.accesses.push_back({499, 1795999000000, 0, "dpo", "transcript.read", "ok", "subject_access"});
  item.accesses.push_back({600, 1796100000000, 0, "dpo", "transcript.read", "ok", "subject_access"});
  EXPECT_EQ(ThisRequestsRead(item, 500), 3);
  SubjectAccessAnswer a = Answer();
  a.items = {item};
  const std::string html = RenderHtml(a, Query());
  EXPECT_NE(html.find("<tr class=\"this-request\">"), std::string::npos);
  EXPECT_NE(html.find("to answer this request"), std::string::npos);
  EXPECT_NE(html.find("to answer a subject access request"), std::string::npos);
  const std::string text = RenderText(a, Query());
  EXPECT_NE(text.find("(to answer this request)"), std::string::npos);
}

TEST(SubjectAccessRenderTest, TextWrapsAt78Columns) {
  SubjectAccessAnswer a = Answer();
  a.items[0].transcript.messages[0].text = std::string(300, 'x') + " " + std::string(50, 'y');
  const std::string text = RenderText(a, Query());
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    if (!line.empty() && line[0] == '\f') line.erase(0, 1);
    // Counted in bytes: the fixture's text is ASCII.
    EXPECT_LE(line.size(), 78u) << line;
    start = nl + 1;
  }
}

void Write(const std::string& path, const std::string& contents) {
  ASSERT_TRUE(WriteFileAtomically(path, contents, 0600).ok()) << path;
}

TEST(SubjectAccessRenderTest, ReadsAnIdentifiersFile) {
  TempDir dir;
  const std::string path = dir.path() + "/ids.json";
  Write(path, R"({"email": "sam@example.org", "ref": "v-1", "phone": "07700 900123",
                 "ip": "192.0.2.7"})");
  StatusOr<SubjectAccessQuery> q = ReadIdentifiersFile(path);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->email, "sam@example.org");
  EXPECT_EQ(q->ref, "v-1");
  EXPECT_EQ(q->phone, "07700 900123");
  EXPECT_EQ(q->ip, "192.0.2.7");

  for (const char* bad : {"not json", "[]", R"({"name": "Sam"})", R"({"email": 7})"}) {
    Write(path, bad);
    StatusOr<SubjectAccessQuery> refused = ReadIdentifiersFile(path);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().reason(), "invalid_identifiers_file") << bad;
  }
  EXPECT_FALSE(ReadIdentifiersFile(dir.path() + "/missing.json").ok());
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(SubjectAccessRenderTest, WritesANewPrivateDirectory) {
  TempDir parent;
  const std::string dir = parent.path() + "/answer";
  std::vector<std::string> steps;
  const Status written = WriteAnswerDirectory(dir, "{\"format\":\"x\"}", Answer(), Query(),
                                              [&](const std::string& s) { steps.push_back(s); });
  ASSERT_TRUE(written.ok()) << written.message();
  EXPECT_EQ(ModeOf(dir), 0700u);
  for (const char* name : {kJsonFile, kHtmlFile, kTextFile}) {
    EXPECT_EQ(ModeOf(dir + "/" + name), 0600u) << name;
  }
  EXPECT_EQ(ReadFileBytes(dir + "/" + kJsonFile), "{\"format\":\"x\"}");
  EXPECT_EQ(ReadFileBytes(dir + "/" + kHtmlFile), RenderHtml(Answer(), Query()));
  EXPECT_EQ(steps, (std::vector<std::string>{"writing subject-access.json",
                                             "writing subject-access.html",
                                             "writing subject-access.txt"}));
  // Nothing else beside it: the hidden sibling was renamed, not copied.
  size_t entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(parent.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1u);

  // A trailing slash names the same directory.
  const std::string slashed = parent.path() + "/second/";
  ASSERT_TRUE(WriteAnswerDirectory(slashed, "{}", Answer(), Query(), nullptr).ok());
  EXPECT_EQ(ModeOf(parent.path() + "/second"), 0700u);
  std::filesystem::remove_all(parent.path() + "/second");

  // Again into the same directory: refused, and nothing changes.
  const Status again = WriteAnswerDirectory(dir, "{}", Answer(), Query(), nullptr);
  EXPECT_EQ(again.reason(), "out_exists");
  EXPECT_EQ(ReadFileBytes(dir + "/" + kJsonFile), "{\"format\":\"x\"}");
}

TEST(SubjectAccessRenderTest, RefusesAMissingParent) {
  TempDir parent;
  EXPECT_EQ(CheckNewDirectory(parent.path() + "/no/such/answer").reason(), "invalid_out");
  EXPECT_EQ(CheckNewDirectory(parent.path()).reason(), "out_exists");
  EXPECT_TRUE(CheckNewDirectory(parent.path() + "/answer").ok());
  EXPECT_TRUE(CheckNewDirectory(parent.path() + "/answer/").ok());
  EXPECT_EQ(CheckNewDirectory(parent.path() + "/").reason(), "out_exists");
  EXPECT_FALSE(std::filesystem::exists(parent.path() + "/answer"));
}

}  // namespace
}  // namespace vault::sar
