vault_test(common_test SOURCES common/time_format_test.cc common/duration_test.cc
  common/utf8_test.cc common/histogram_test.cc common/base64_test.cc common/file_util_test.cc
  LIBS vault_common)
vault_test(crypto_test SOURCES crypto/secret_test.cc crypto/guarded_pool_test.cc crypto/aead_test.cc
  crypto/keyring_test.cc crypto/custodian_test.cc crypto/shamir_test.cc crypto/crypto_helpers_test.cc LIBS vault_crypto PkgConfig::SODIUM)
vault_test(vault_core_test SOURCES core/vault_test.cc core/tamper_test.cc core/access_test.cc core/vault_audit_test.cc core/retention_test.cc core/vault_metrics_test.cc core/holds_test.cc
  core/retention_damage_test.cc core/erase_backup_test.cc
  LIBS vault_core vault_audit vault_crypto vault_storage vault_safeguard PkgConfig::SODIUM Boost::json)
vault_test(audit_test SOURCES audit/audit_log_test.cc audit/audit_tamper_test.cc
  audit/audit_recovery_test.cc audit/audit_report_test.cc
  LIBS vault_audit vault_crypto PkgConfig::SODIUM Boost::json)
# The report tests run the real vault-audit binary.
target_compile_definitions(audit_test PRIVATE VAULT_AUDIT_PATH="$<TARGET_FILE:vault-audit>")
add_dependencies(audit_test vault-audit)
vault_test(safeguard_test SOURCES safeguard/officer_test.cc
  LIBS vault_safeguard PkgConfig::SODIUM Boost::json)
