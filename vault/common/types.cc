#include "vault/types.h"

namespace vault {

const char* TranscriptStateName(TranscriptState s) {
  return s == TranscriptState::kOpen ? "open" : "closed";
}

}  // namespace vault
