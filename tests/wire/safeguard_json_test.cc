// Legal hold on the wire: the thresholds a case opening and a reshare
// filing carry, the reshare kind, a revocation's optional force, and the
// share health of the officer list, each parsed back to what was encoded;
// bodies of another shape are refused before they become a call.
#include "vault/wire/safeguard_json.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace vault::wire {
namespace {

std::string Reason(const Status& s) { return s.reason(); }

TEST(SafeguardJsonTest, ACaseOpeningCarriesItsThresholdOnlyWhenItNamesOne) {
  CaseOpening o;
  o.case_id = "CASE-1";
  o.reason = "r";
  o.signed_by = {"alice", 1795991660955, std::string(64, 's')};
  std::string body = EncodeCaseOpening(o);
  EXPECT_EQ(body.find("threshold"), std::string::npos) << body;
  auto parsed = ParseCaseOpening(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->threshold, 0);
  o.threshold = 3;
  parsed = ParseCaseOpening(EncodeCaseOpening(o));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->threshold, 3);
  const std::string sig = std::string(88, 'A');
  for (const char* bad : {"-1", "2.5", "\"3\"", "true", "1048577"}) {
    const std::string b = std::string(R"({"case":"C","reason":"r","threshold":)") + bad +
                          R"(,"officer":"alice","time":"2026-11-29T22:34:20.950Z","signature":")" +
                          sig + "\"}";
    EXPECT_FALSE(ParseCaseOpening(b).ok()) << bad;
  }
  const std::string null_threshold =
      R"({"case":"C","reason":"r","threshold":null,"officer":"alice","time":"2026-11-29T22:34:20.950Z","signature":")" +
      sig + "\"}";
  auto with_null = ParseCaseOpening(null_threshold);
  ASSERT_TRUE(with_null.ok()) << with_null.status().ToString();
  EXPECT_EQ(with_null->threshold, 0);
}

TEST(SafeguardJsonTest, AReshareFilingRoundTrips) {
  RequestFiling f;
  f.kind = RequestKind::kReshare;
  f.case_id = "CASE-1";
  f.reason = "Carol left";
  f.expires_at = 1795991660955;
  f.threshold = 3;
  f.signed_by = {"alice", 1795991660000, std::string(64, 's')};
  auto parsed = ParseRequestFiling(EncodeRequestFiling(f));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->kind, RequestKind::kReshare);
  EXPECT_EQ(parsed->threshold, 3);
  EXPECT_TRUE(parsed->transcripts.empty());
  f.kind = RequestKind::kUnseal;
  f.threshold = 0;
  f.transcripts = {std::string(32, 'a')};
  parsed = ParseRequestFiling(EncodeRequestFiling(f));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->threshold, 0);
  std::string body = EncodeRequestFiling(f);
  body.replace(body.find("\"unseal\""), 8, "\"reshuffle\"");
  EXPECT_EQ(Reason(ParseRequestFiling(body).status()), "invalid_kind");
}

TEST(SafeguardJsonTest, ARecoverFilingCarriesItsSourceAndOnlyARecoverDoes) {
  RequestFiling f;
  f.kind = RequestKind::kRecover;
  f.case_id = "CASE-1";
  f.reason = "keys/ lost";
  f.expires_at = 1795991660955;
  f.signed_by = {"alice", 1795991660000, std::string(64, 's')};
  f.recovery.backup_dir = "/var/backups/tv/1";
  f.recovery.audit_dir = "/srv/lost/audit";
  f.recovery.previous_vault = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  f.recovery.dealing = {"CASE-1", std::string(32, 'k'), 2, 1795991000000,
                        {{"alice", 1, std::string(32, '\x01')}, {"bob", 2, std::string(32, '\x02')}}};
  const std::string body = EncodeRequestFiling(f);
  auto parsed = ParseRequestFiling(body);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->kind, RequestKind::kRecover);
  EXPECT_EQ(parsed->recovery, f.recovery);
  // Each broken source is refused with its reason, before it becomes a call.
  const std::vector<std::pair<std::string, std::string>> broken = {
      {R"("backup":"/var/backups/tv/1")", R"("backup":"relative/dir")"},
      {R"("audit":"/srv/lost/audit")", R"("audit":"")"},
      {R"("threshold":2)", R"("threshold":256)"},
      {R"("x":1)", R"("x":-1)"},
      {R"("dealt_at":")", R"("dealt_at":"x)"},
      {"0101010101010101010101010101010101010101010101010101010101010101",
       "01010101010101010101010101010101010101010101010101010101010101"},
      {R"("x":2,)", R"("x":2,"y":3,)"},
      {R"("previous_vault")", R"("previous_vault_id")"},
  };
  const std::vector<std::string> reasons = {"invalid_path", "invalid_path", "invalid_dealing",
                                            "invalid_dealing", "invalid_time", "invalid_dealing",
                                            "unknown_field", "unknown_field"};
  for (size_t i = 0; i < broken.size(); ++i) {
    std::string b = body;
    const size_t at = b.find(broken[i].first);
    ASSERT_NE(at, std::string::npos) << broken[i].first << " in " << body;
    b.replace(at, broken[i].first.size(), broken[i].second);
    EXPECT_EQ(Reason(ParseRequestFiling(b).status()), reasons[i]) << b;
  }
  // A recover without its source, and an unseal with one.
  RequestFiling without = f;
  without.kind = RequestKind::kUnseal;
  std::string unseal = EncodeRequestFiling(without);
  EXPECT_EQ(unseal.find("recovery"), std::string::npos);
  unseal.replace(unseal.find("\"unseal\""), 8, "\"recover\"");
  EXPECT_EQ(Reason(ParseRequestFiling(unseal).status()), "invalid_recovery");
  std::string with = body;
  with.replace(with.find("\"recover\""), 9, "\"unseal\"");
  EXPECT_EQ(Reason(ParseRequestFiling(with).status()), "invalid_recovery");
  // The request as the vault returns it decodes to the same source.
  RequestInfo r;
  r.id = std::string(32, 'b');
  r.kind = RequestKind::kRecover;
  r.case_id = "CASE-1";
  r.threshold = 2;
  r.recovery = f.recovery;
  r.filed_at = r.expires_at = 1795991660955;
  r.state = "pending";
  auto decoded = DecodeRequest(EncodeRequest(r));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->recovery, f.recovery);
}

TEST(SafeguardJsonTest, AnOfflineShareFileRoundTripsAndRefusesAnythingElse) {
  ShareExport e;
  e.vault_id = "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=";
  e.officer = "alice";
  e.dealing = {"CASE-1", std::string(32, 'k'), 2, 1795991000000,
               {{"alice", 1, std::string(32, '\x01')}, {"bob", 2, std::string(32, '\x02')}}};
  e.sealed_share = std::string(97, '\x33');
  e.exported_at = 1795991660955;
  e.audit_seq = 41;
  const std::string file = EncodeOfflineShareFile(e, std::string(64, '\x44'));
  EXPECT_EQ(file.back(), '\n');
  EXPECT_EQ(file.find("audit_seq"), std::string::npos) << file;
  std::string signature;
  auto parsed = ParseOfflineShareFile(file, &signature);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(signature, std::string(64, '\x44'));
  EXPECT_EQ(parsed->dealing, e.dealing);
  EXPECT_EQ(parsed->sealed_share, e.sealed_share);
  EXPECT_EQ(parsed->exported_at, e.exported_at);
  std::string other = file;
  other.replace(other.find("offline-share-v1"), 16, "offline-share-v2");
  EXPECT_EQ(Reason(ParseOfflineShareFile(other, &signature).status()), "invalid_share_file");
  EXPECT_FALSE(ParseOfflineShareFile("{}", &signature).ok());
  EXPECT_FALSE(ParseOfflineShareFile(file.substr(0, file.size() / 2), &signature).ok());
  // The export as the vault sends it decodes to the same.
  auto decoded = DecodeShareExport(EncodeShareExport(e));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->dealing, e.dealing);
  EXPECT_EQ(decoded->audit_seq, 41u);
}

TEST(SafeguardJsonTest, ARevocationIsEmptyOrNamesForceAndCompromised) {
  EXPECT_EQ(EncodeRevocation({}), "");
  const auto flags = [](std::string_view body) {
    StatusOr<Revocation> r = ParseRevocation(body);
    if (!r.ok()) return std::string("error");
    return std::string(r->force ? "F" : "-") + (r->compromised ? "C" : "-");
  };
  EXPECT_EQ(flags(""), "--");
  for (bool force : {false, true}) {
    for (bool compromised : {false, true}) {
      const std::string body = EncodeRevocation({force, compromised});
      EXPECT_EQ(flags(body), std::string(force ? "F" : "-") + (compromised ? "C" : "-")) << body;
    }
  }
  EXPECT_EQ(flags(R"({"force":false})"), "--");
  EXPECT_EQ(flags(R"({"force":null,"compromised":null})"), "--");
  EXPECT_EQ(flags(R"({"compromised":true})"), "-C");
  EXPECT_EQ(flags("{}"), "--");
  EXPECT_EQ(Reason(ParseRevocation(R"({"force":"yes"})").status()), "invalid_type");
  EXPECT_EQ(Reason(ParseRevocation(R"({"compromised":1})").status()), "invalid_type");
  EXPECT_EQ(Reason(ParseRevocation(R"({"force":1})").status()), "invalid_type");
  EXPECT_EQ(Reason(ParseRevocation(R"({"forced":true})").status()), "unknown_field");
  EXPECT_EQ(Reason(ParseRevocation("[true]").status()), "invalid_type");
  EXPECT_EQ(Reason(ParseRevocation("{").status()), "invalid_json");
}

TEST(SafeguardJsonTest, TheOfficerListCarriesShareHealthAndCasesTheirStatus) {
  OfficerList list;
  list.vault_id = "vault";
  list.share_health.stranded = {"CASE-3"};
  list.share_health.at_threshold = {"CASE-1", "CASE-2"};
  auto decoded = DecodeOfficerList(EncodeOfficerList(list));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->share_health.stranded, list.share_health.stranded);
  EXPECT_EQ(decoded->share_health.at_threshold, list.share_health.at_threshold);
  EXPECT_TRUE(decoded->share_health.reshare_advised.empty());

  CaseInfo c;
  c.id = "CASE-1";
  c.state = "open";
  c.opened_at = 1795991660955;
  c.threshold = 3;
  c.reshared_at = 1795991670000;
  c.share_status = "at_threshold";
  auto back = DecodeCase(EncodeCase(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->threshold, 3);
  EXPECT_EQ(back->reshared_at, c.reshared_at);
  EXPECT_EQ(back->share_status, "at_threshold");
  c.reshared_at = 0;
  c.share_status.clear();
  back = DecodeCase(EncodeCase(c));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->reshared_at, 0);
  EXPECT_EQ(back->share_status, "");
}

}  // namespace
}  // namespace vault::wire
