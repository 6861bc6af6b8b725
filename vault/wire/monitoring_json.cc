#include "vault/wire/monitoring_json.h"

#include <boost/json.hpp>

#include "vault/wire/json_util.h"

namespace vault::wire {

namespace json = boost::json;

StatusOr<MonitoringAnswers> ParseMonitoringForm(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseRequestObject(body, {"answers"}));
  const json::value* answers = object.if_contains("answers");
  if (answers == nullptr) {
    return Status::InvalidArgument("answers is required", "missing_field");
  }
  if (!answers->is_object()) {
    return Status::InvalidArgument("answers must be an object of question -> answer",
                                   "invalid_type");
  }
  if (answers->as_object().size() > kMaxFormAnswers) {
    return Status::InvalidArgument("at most 16 answers", "too_many_answers");
  }
  MonitoringAnswers form;
  for (const auto& [key, value] : answers->as_object()) {
    if (!value.is_string()) {
      return Status::InvalidArgument("each answer must be a string", "invalid_type");
    }
    if (key.size() > 32) {
      return Status::InvalidArgument("the form has no such question", "unknown_question");
    }
    if (value.as_string().size() > 64) {
      return Status::InvalidArgument("the question has no such answer", "unknown_answer");
    }
    form.answers.emplace_back(std::string(key), std::string(value.as_string()));
  }
  return form;
}

std::string EncodeMonitoringForm(const MonitoringAnswers& form) {
  json::object answers;
  for (const auto& [q, a] : form.answers) answers[q] = a;
  json::object object;
  object["answers"] = std::move(answers);
  return json::serialize(object);
}

std::string EncodeMonitoringCounted(std::string_view id) {
  json::object object;
  object["id"] = id;
  object["counted"] = true;
  return json::serialize(object);
}

}  // namespace vault::wire
