# Sanitizer and fuzzer builds (scripts/vault-dev asan | tsan | fuzz, .ci/run).
#
#   -DVAULT_SANITIZE=address,undefined   every target under ASan + UBSan
#   -DVAULT_SANITIZE=thread              every target under TSan
#   -DVAULT_BUILD_FUZZERS=ON             the libFuzzer targets in fuzz/ (clang only)
#
# A sanitizer finding stops the program (-fno-sanitize-recover=all), so a test
# or fuzz run that hits one fails. With fuzzers on, every object is compiled
# with -fsanitize=fuzzer-no-link (coverage for libFuzzer, no main); only the
# executables in fuzz/ link -fsanitize=fuzzer. The sanitizer runtime supplies
# the coverage callbacks to everything else, so the test suite links and runs
# from the same build tree.
set(VAULT_SANITIZE "" CACHE STRING
  "Sanitizers for every target: empty, address,undefined, or thread")
option(VAULT_BUILD_FUZZERS "Build the libFuzzer targets in fuzz/ (clang only)" OFF)

if(VAULT_SANITIZE)
  add_compile_options(-fsanitize=${VAULT_SANITIZE} -fno-sanitize-recover=all
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${VAULT_SANITIZE})
  # clang before 17 cannot compile coroutines (vault/server/session.cc) with
  # -fsanitize=function: "Cannot represent a difference across sections".
  # The check (calls through a function pointer of the wrong type) is the
  # only part of UBSan left out.
  if(VAULT_SANITIZE MATCHES "undefined" AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang"
     AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 17)
    add_compile_options(-fno-sanitize=function)
  endif()
endif()

if(VAULT_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "VAULT_BUILD_FUZZERS needs clang (libFuzzer); configure with CXX=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
