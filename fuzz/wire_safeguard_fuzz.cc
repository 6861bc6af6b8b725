// Fuzz target: the JSON of the legal-hold API (vault/wire/safeguard_json.h):
// the request bodies the server parses from officers and admins, and the
// responses vault-officer and vaultctl decode. Selector 14: a revocation's
// optional {"force": bool}.
//
// Input: a selector byte, then the body. Checks: no crash; parsers fail only
// with InvalidArgument, decoders only with Internal; whatever is accepted,
// encoded and parsed (decoded) again, encodes to the same text.
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vault/wire/safeguard_json.h"

namespace {

using vault::Status;
using vault::StatusOr;
namespace wire = vault::wire;

template <typename T, typename Decode, typename Encode>
void RoundTrip(std::string_view body, Decode decode, Encode encode, Status::Code failure) {
  StatusOr<T> first = decode(body);
  if (!first.ok()) {
    FUZZ_CHECK(first.status().code() == failure);
    return;
  }
  const std::string once = encode(*first);
  StatusOr<T> second = decode(once);
  FUZZ_CHECK(second.ok());
  FUZZ_CHECK(encode(*second) == once);
}

constexpr Status::Code kParse = Status::Code::kInvalidArgument;
constexpr Status::Code kDecode = Status::Code::kInternal;

StatusOr<vault::HoldPlacement> ParseHold(std::string_view body) {
  return wire::ParseHoldPlacement(body, "case-1");
}

// A revocation's body: parsed, encoded and parsed again to the same flags.
void RevocationBody(std::string_view body) {
  StatusOr<vault::Revocation> how = wire::ParseRevocation(body);
  if (!how.ok()) {
    FUZZ_CHECK(how.status().code() == kParse);
    return;
  }
  StatusOr<vault::Revocation> again = wire::ParseRevocation(wire::EncodeRevocation(*how));
  FUZZ_CHECK(again.ok() && again->force == how->force && again->compromised == how->compromised);
}

StatusOr<vault::ShareExportRequest> ParseExportRequest(std::string_view body) {
  return wire::ParseShareExportRequest(body, "case-1");
}

// An offline share file: parsed, written back with its signature, and
// parsed again to the same file.
void OfflineShareFile(std::string_view text) {
  std::string signature;
  StatusOr<vault::ShareExport> share = wire::ParseOfflineShareFile(text, &signature);
  if (!share.ok()) {
    FUZZ_CHECK(share.status().code() == kParse);
    return;
  }
  const std::string once = wire::EncodeOfflineShareFile(*share, signature);
  std::string again_signature;
  StatusOr<vault::ShareExport> again = wire::ParseOfflineShareFile(once, &again_signature);
  FUZZ_CHECK(again.ok() && again_signature == signature);
  FUZZ_CHECK(wire::EncodeOfflineShareFile(*again, again_signature) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view b;
  if (!vault::fuzz::Split(data, size, 18, &choice, &b)) return 0;
  using namespace vault;  // NOLINT: the types of safeguarding.h
  switch (choice) {
    // Request bodies (server side).
    case 0:
      RoundTrip<wire::Enrolment>(b, wire::ParseEnrolment, wire::EncodeEnrolment, kParse);
      break;
    case 1:
      RoundTrip<CaseOpening>(b, wire::ParseCaseOpening, wire::EncodeCaseOpening, kParse);
      break;
    case 2:
      RoundTrip<HoldPlacement>(b, ParseHold, wire::EncodeHoldPlacement, kParse);
      break;
    case 3:
      RoundTrip<RequestFiling>(b, wire::ParseRequestFiling, wire::EncodeRequestFiling, kParse);
      break;
    case 4:
      RoundTrip<Approval>(b, wire::ParseApproval, wire::EncodeApproval, kParse);
      break;
    // Response bodies (client side).
    case 5:
      RoundTrip<OfficerInfo>(b, wire::DecodeOfficer, wire::EncodeOfficer, kDecode);
      break;
    case 6:
      RoundTrip<OfficerList>(b, wire::DecodeOfficerList, wire::EncodeOfficerList, kDecode);
      break;
    case 7:
      RoundTrip<CaseInfo>(b, wire::DecodeCase, wire::EncodeCase, kDecode);
      break;
    case 8:
      RoundTrip<std::vector<CaseInfo>>(b, wire::DecodeCaseList, wire::EncodeCaseList, kDecode);
      break;
    case 9:
      RoundTrip<CaseDetail>(b, wire::DecodeCaseDetail, wire::EncodeCaseDetail, kDecode);
      break;
    case 10:
      RoundTrip<HoldInfo>(b, wire::DecodeHold, wire::EncodeHold, kDecode);
      break;
    case 11:
      RoundTrip<std::vector<HoldInfo>>(b, wire::DecodeHoldList, wire::EncodeHoldList, kDecode);
      break;
    case 12:
      RoundTrip<RequestInfo>(b, wire::DecodeRequest, wire::EncodeRequest, kDecode);
      break;
    case 14:
      RevocationBody(b);
      break;
    case 15:
      RoundTrip<ShareExportRequest>(b, ParseExportRequest, wire::EncodeShareExportRequest, kParse);
      break;
    case 16:
      RoundTrip<ShareExport>(b, wire::DecodeShareExport, wire::EncodeShareExport, kDecode);
      break;
    case 17:
      OfflineShareFile(b);
      break;
    default:
      RoundTrip<ApprovalResult>(b, wire::DecodeApprovalResult, wire::EncodeApprovalResult, kDecode);
      break;
  }
  return 0;
}
