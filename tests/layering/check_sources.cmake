# cmake -DROOT=<source dir> -P check_sources.cmake
# Fails if a file outside vault/crypto/ names <sodium.h> or calls a sodium_ /
# crypto_ / randombytes_ function, or if any source includes "../...".
file(GLOB_RECURSE sources RELATIVE ${ROOT}
  ${ROOT}/vault/*.h ${ROOT}/vault/*.cc ${ROOT}/tools/*.cc ${ROOT}/include/*.h)
set(bad "")
foreach(f ${sources})
  file(READ ${ROOT}/${f} text)
  if(NOT f MATCHES "^vault/crypto/")
    if(text MATCHES "#include <sodium" OR text MATCHES "[^A-Za-z_](sodium_[a-z]|crypto_[a-z0-9_]+\\(|randombytes_)")
      list(APPEND bad "${f}: libsodium outside vault/crypto")
    endif()
  endif()
  if(text MATCHES "#include \"\\.\\./")
    list(APPEND bad "${f}: includes by a relative path")
  endif()
endforeach()
list(LENGTH sources n)
if(bad)
  string(REPLACE ";" "\n  " lines "${bad}")
  message(FATAL_ERROR "layering: ${lines}")
endif()
message(STATUS "layering: ${n} sources checked, libsodium only in vault/crypto/")
