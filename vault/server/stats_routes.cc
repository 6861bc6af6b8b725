// The statistics routes of the Router: a visitor's monitoring form, and a
// service's published statistics as JSON or CSV. Wire format:
// vault/wire/monitoring_json.h, vault/wire/stats_json.h; API: docs/api.md,
// "Statistics".
#include <boost/beast/http/field.hpp>

#include "vault/server/router.h"
#include "vault/wire/monitoring_json.h"
#include "vault/wire/stats_json.h"

namespace vault {

namespace http = boost::beast::http;

HttpResponse Router::Statistics(const Caller& caller, const RouteMatch& match,
                                const HttpRequest& request) const {
  if (match.id == RouteId::kMonitoring) {
    StatusOr<MonitoringAnswers> form = wire::ParseMonitoringForm(request.body());
    if (!form.ok()) {
      // Refused before the vault: audited like the vault's own refusals.
      const Status recorded = vault_->RecordRefusal(caller, "transcript.monitoring",
                                                    match.transcript_id, form.status().reason());
      (void)recorded;
      return ErrorResponse(form.status());
    }
    if (Status counted = vault_->SubmitMonitoring(caller, match.transcript_id, *form);
        !counted.ok()) {
      return ErrorResponse(counted);
    }
    return JsonResponse(200, wire::EncodeMonitoringCounted(match.transcript_id));
  }
  const std::string_view target = request.target();
  const std::optional<std::string_view> format = QueryParam(target, "format");
  if (format.has_value() && *format != "json" && *format != "csv") {
    const Status recorded = vault_->RecordRefusal(caller, "statistics.read", "", "invalid_query");
    (void)recorded;
    return ErrorResponse(400, "invalid_query", "format must be json or csv");
  }
  StatisticsQuery query;
  query.service = std::string(QueryParam(target, "service").value_or(""));
  query.period = std::string(QueryParam(target, "period").value_or(""));
  StatusOr<StatisticsReport> report = vault_->GetStatistics(caller, query);
  if (!report.ok()) return ErrorResponse(report.status());
  if (format == std::optional<std::string_view>("csv")) {
    return BodyResponse(200, "text/csv; charset=utf-8; header=present",
                        wire::EncodeStatisticsCsv(*report));
  }
  return JsonResponse(200, wire::EncodeStatisticsReport(*report));
}

}  // namespace vault
