#include "vault/types.h"

#include <utility>

namespace vault {

const char* TranscriptStateName(TranscriptState s) {
  return s == TranscriptState::kOpen ? "open" : "closed";
}

namespace {
constexpr std::pair<RightsKind, const char*> kRightsKinds[] = {
    {RightsKind::kAccess, "access"},
    {RightsKind::kRectification, "rectification"},
    {RightsKind::kErasure, "erasure"},
    {RightsKind::kRestriction, "restriction"},
    {RightsKind::kObjection, "objection"},
};
}  // namespace

const char* RightsKindName(RightsKind kind) {
  for (const auto& [k, name] : kRightsKinds) {
    if (k == kind) return name;
  }
  return "unknown";
}

bool ParseRightsKind(std::string_view text, RightsKind* kind) {
  for (const auto& [k, name] : kRightsKinds) {
    if (text == name) {
      *kind = k;
      return true;
    }
  }
  return false;
}

const char* RightsStateName(RightsState state) {
  switch (state) {
    case RightsState::kOpen:
      return "open";
    case RightsState::kDone:
      return "done";
    case RightsState::kRefused:
      return "refused";
  }
  return "unknown";
}

}  // namespace vault
