// Fuzz target: the response-body decoders of the transcript API
// (vault/wire/response_json.h) and the error mapping (http_error.h), what
// the client library and vaultctl read from a server they may not trust.
//
// Input: a selector byte, then the body. Checks: no crash; a body a decoder
// accepts, encoded and decoded again, encodes to the same text (the encoder
// and decoder agree, and decoding is lossless past the first pass).
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vault/wire/http_error.h"
#include "vault/wire/response_json.h"

namespace {

using vault::StatusOr;
namespace wire = vault::wire;

// Decode -> Encode -> Decode -> Encode: the two encodings are equal.
template <typename T, typename Decode, typename Encode>
void RoundTrip(std::string_view body, Decode decode, Encode encode) {
  StatusOr<T> first = decode(body);
  if (!first.ok()) {
    FUZZ_CHECK(first.status().code() == vault::Status::Code::kInternal);
    return;
  }
  const std::string once = encode(*first);
  StatusOr<T> second = decode(once);
  FUZZ_CHECK(second.ok());
  FUZZ_CHECK(encode(*second) == once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view body;
  if (!vault::fuzz::Split(data, size, 7, &choice, &body)) return 0;
  switch (choice) {
    case 0:
      RoundTrip<vault::CreatedTranscript>(body, wire::DecodeCreated, wire::EncodeCreated);
      break;
    case 1: {
      auto outcome = wire::DecodeAppended(body);
      if (outcome.ok()) {
        auto again = wire::DecodeAppended(wire::EncodeAppended(7, *outcome));
        FUZZ_CHECK(again.ok() && *again == *outcome);
      }
      break;
    }
    case 2: {
      auto expires = wire::DecodeClosed(body);
      if (expires.ok()) {
        auto again = wire::DecodeClosed(wire::EncodeClosed(std::string(32, 'a'), *expires));
        FUZZ_CHECK(again.ok() && *again == *expires);
      }
      break;
    }
    case 3:
      RoundTrip<vault::Transcript>(body, wire::DecodeTranscript, wire::EncodeTranscript);
      break;
    case 4:
      RoundTrip<vault::AuditStatus>(body, wire::DecodeAuditStatus, wire::EncodeAuditStatus);
      break;
    case 5:
      RoundTrip<vault::RetentionStatus>(body, wire::DecodeRetentionStatus,
                                        wire::EncodeRetentionStatus);
      break;
    default: {
      // Any error status with any body is an error Status, never OK.
      for (int http : {400, 403, 404, 409, 413, 500, 503}) {
        FUZZ_CHECK(!vault::StatusFromHttpError(http, body).ok());
      }
      break;
    }
  }
  return 0;
}
