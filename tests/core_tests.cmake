vault_test(common_test SOURCES common/time_format_test.cc common/duration_test.cc
  common/utf8_test.cc common/histogram_test.cc common/base64_test.cc common/file_util_test.cc
  LIBS vault_common)
vault_test(vault_core_test SOURCES core/vault_test.cc core/tamper_test.cc core/access_test.cc core/vault_audit_test.cc core/retention_test.cc core/vault_metrics_test.cc core/holds_test.cc core/hold_requests_test.cc
  core/retention_damage_test.cc core/erase_backup_test.cc
  LIBS vault_core vault_audit vault_crypto vault_storage vault_hold vault_officer PkgConfig::SODIUM Boost::json)
