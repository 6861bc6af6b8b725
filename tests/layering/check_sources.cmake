# cmake -DROOT=<source dir> -P check_sources.cmake
# Fails if a file outside vault/crypto/ names <sodium.h> or calls a sodium_ /
# crypto_ / randombytes_ function, or if any source includes "../...".
file(GLOB_RECURSE sources RELATIVE ${ROOT}
  ${ROOT}/vault/*.h ${ROOT}/vault/*.cc ${ROOT}/tools/*.cc ${ROOT}/include/*.h)
# vault/safeguard/ is the one folder still calling libsodium directly; it is
# being split into vault/officer/ and vault/hold/ on the crypto helpers. The
# exception is named, not silent: the check fails if it is no longer needed.
set(exempt "^vault/safeguard/")
set(exempt_used FALSE)
set(bad "")
foreach(f ${sources})
  file(READ ${ROOT}/${f} text)
  if(NOT f MATCHES "^vault/crypto/")
    if(text MATCHES "#include <sodium" OR text MATCHES "[^A-Za-z_](sodium_[a-z]|crypto_[a-z0-9_]+\\(|randombytes_)")
      if(f MATCHES "${exempt}")
        set(exempt_used TRUE)
      else()
        list(APPEND bad "${f}: libsodium outside vault/crypto")
      endif()
    endif()
  endif()
  if(text MATCHES "#include \"\\.\\./")
    list(APPEND bad "${f}: includes by a relative path")
  endif()
endforeach()
if(NOT exempt_used)
  list(APPEND bad "the exception ${exempt} is no longer needed: remove it")
endif()
list(LENGTH sources n)
if(bad)
  string(REPLACE ";" "\n  " lines "${bad}")
  message(FATAL_ERROR "layering: ${lines}")
endif()
message(STATUS "layering: ${n} sources checked, libsodium only in vault/crypto/ (and ${exempt})")
