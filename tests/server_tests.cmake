# Tests of vault/server, vault/client and vaultd. Included from
# tests/CMakeLists.txt, which defines vault_test().
#
# server_*: unit tests of the wire format and routing, no process.
# e2e_*:    black-box tests against a real vaultd on a real socket.
set(SERVER_TESTS_DIR ${CMAKE_CURRENT_LIST_DIR})

# Starts real vaultd processes; see support/daemon.h.
add_library(vault_e2e_support STATIC
  ${SERVER_TESTS_DIR}/support/api_util.cc
  ${SERVER_TESTS_DIR}/support/daemon.cc
  ${SERVER_TESTS_DIR}/support/exposition.cc
  ${SERVER_TESTS_DIR}/support/raw_http.cc
  ${SERVER_TESTS_DIR}/support/run_program.cc)
target_include_directories(vault_e2e_support PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
target_compile_definitions(vault_e2e_support PRIVATE
  VAULTD_PATH="$<TARGET_FILE:vaultd>"
  VAULT_TEST_TMPDIR="${CMAKE_CURRENT_BINARY_DIR}/tmp")
target_link_libraries(vault_e2e_support PUBLIC vault_client Boost::json GTest::gtest)
add_dependencies(vault_e2e_support vaultd)

vault_test(server_wire_test
  SOURCES ${SERVER_TESTS_DIR}/server/json_codec_test.cc ${SERVER_TESTS_DIR}/server/http_error_test.cc
  LIBS vault_wire)
vault_test(server_router_test
  SOURCES ${SERVER_TESTS_DIR}/server/router_test.cc ${SERVER_TESTS_DIR}/server/os_seams_test.cc
  LIBS vault_server)

foreach(name round_trip bad_input protocol lifecycle vaultd_flags roles audit retention backup metrics
    hostile hostile_connections upgrade)
  vault_test(e2e_${name}_test SOURCES ${SERVER_TESTS_DIR}/e2e/${name}_test.cc LIBS vault_e2e_support)
endforeach()
# The roles matrix signs legal-hold calls as an officer's tool would.
target_link_libraries(e2e_roles_test PRIVATE vault_officer vault_wire)
# Opens the daemon's RocksDB directly (after a stop) to flush and compact it.
vault_test(e2e_at_rest_test SOURCES ${SERVER_TESTS_DIR}/e2e/at_rest_test.cc
  LIBS vault_e2e_support vault_storage PkgConfig::SODIUM)
# The audit e2e test runs the offline verifier on what it exports.
target_compile_definitions(e2e_audit_test PRIVATE VAULT_AUDIT_PATH="$<TARGET_FILE:vault-audit>")
add_dependencies(e2e_audit_test vault-audit)
# Kills vaultd through failpoints at each step of a shred.
vault_test(e2e_retention_crash_test SOURCES ${SERVER_TESTS_DIR}/e2e/retention_crash_test.cc
  LIBS vault_e2e_support vault_storage PkgConfig::SODIUM)
# Reads packaging/ from the source tree and starts vaultd on the example config.
vault_test(e2e_packaging_test SOURCES ${SERVER_TESTS_DIR}/e2e/packaging_test.cc LIBS vault_e2e_support)
target_compile_definitions(e2e_packaging_test PRIVATE VAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
# Runs the real vaultctl binary against a real vaultd.
vault_test(e2e_vaultctl_test SOURCES ${SERVER_TESTS_DIR}/e2e/vaultctl_test.cc LIBS vault_e2e_support)
target_compile_definitions(e2e_vaultctl_test PRIVATE VAULTCTL_PATH="$<TARGET_FILE:vaultctl>"
  VAULT_AUDIT_PATH="$<TARGET_FILE:vault-audit>" VAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(e2e_vaultctl_test vaultctl vault-audit)
# Kills vaultd with SIGKILL under concurrent load, over and over.
vault_test(e2e_crash_test SOURCES ${SERVER_TESTS_DIR}/e2e/crash_test.cc LIBS vault_e2e_support)
# Runs the real vault-officer and vaultctl binaries against a real vaultd.
vault_test(e2e_safeguarding_test SOURCES ${SERVER_TESTS_DIR}/e2e/safeguarding_test.cc
  LIBS vault_e2e_support)
target_compile_definitions(e2e_safeguarding_test PRIVATE
  VAULTCTL_PATH="$<TARGET_FILE:vaultctl>" VAULT_OFFICER_PATH="$<TARGET_FILE:vault-officer>")
add_dependencies(e2e_safeguarding_test vaultctl vault-officer)
# Opens tests/fixtures/datadir-v1.tar.gz, written by the code before the module
# refactor, with the new vaultd and the real vault-officer and vault-audit.
target_compile_definitions(e2e_upgrade_test PRIVATE VAULTCTL_PATH="$<TARGET_FILE:vaultctl>"
  VAULT_OFFICER_PATH="$<TARGET_FILE:vault-officer>" VAULT_AUDIT_PATH="$<TARGET_FILE:vault-audit>"
  VAULT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(e2e_upgrade_test vaultctl vault-officer vault-audit)
