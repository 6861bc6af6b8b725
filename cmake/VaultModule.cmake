# vault_module(): one module of vault/, one static library, and the only
# headers its users can see.
#
#   vault_module(NAME
#     SOURCES  a.cc b.cc          # this folder's sources
#     HEADERS  a.h                # this module's headers other modules may include
#     PRIVATE_HEADERS x_internal.h  # headers only this module's sources may include
#     API      vault/status.h     # public API headers (under include/) this module owns
#     PUBLIC   vault_common ...   # dependencies that are part of its interface
#     PRIVATE  vault_crypto ...   # dependencies that are not
#     PCH      <boost/beast/http.hpp>  # its own precompiled header (below)
#     [SODIUM] [ROCKSDB])         # may include <sodium.h> / <rocksdb/...>
#
# Each module gets its own include directory in the build tree,
# build/modules/NAME/, holding links to the headers it exports, under the
# names everyone spells (#include "vault/crypto/aead.h"). That directory is
# PUBLIC, so a target sees a module's headers only if it links the module,
# directly or through a PUBLIC dependency, and never sees another module's
# private headers, which live in build/modules/NAME-private/ on the module's
# own PRIVATE include path. The repository root is on no library's include path.
#
# libsodium and RocksDB: only crypto (SODIUM) and storage (ROCKSDB) link them,
# PRIVATE. Every other module compiles with build/poison/ first on its include
# path, where <sodium.h> and the RocksDB headers are files that stop the
# compiler with an error naming the rule. tests/layering/ proves it.

set(VAULT_MODULES_DIR ${CMAKE_BINARY_DIR}/modules)
set(VAULT_POISON_DIR ${CMAKE_BINARY_DIR}/poison)

function(vault_poison_header lib name message)
  set(path ${VAULT_POISON_DIR}/${lib}/${name})
  get_filename_component(dir ${path} DIRECTORY)
  file(MAKE_DIRECTORY ${dir})
  file(WRITE ${path} "#error \"${message}\"\n")
endfunction()

vault_poison_header(sodium sodium.h
  "layering: libsodium is private to vault/crypto; use the typed helpers in vault/crypto/")
file(GLOB _rocksdb_headers RELATIVE ${ROCKSDB_INCLUDE_DIR} ${ROCKSDB_INCLUDE_DIR}/rocksdb/*.h
  ${ROCKSDB_INCLUDE_DIR}/rocksdb/utilities/*.h)
foreach(h rocksdb/db.h ${_rocksdb_headers})
  vault_poison_header(rocksdb ${h}
    "layering: RocksDB is private to vault/storage; use vault/storage/store.h")
endforeach()

# Puts the poison headers first on `target`'s include path: libsodium unless
# SODIUM is given, RocksDB unless ROCKSDB is.
function(vault_poison target)
  cmake_parse_arguments(P "SODIUM;ROCKSDB" "" "" ${ARGN})
  if(NOT P_SODIUM)
    target_include_directories(${target} BEFORE PRIVATE ${VAULT_POISON_DIR}/sodium)
  endif()
  if(NOT P_ROCKSDB)
    target_include_directories(${target} BEFORE PRIVATE ${VAULT_POISON_DIR}/rocksdb)
  endif()
endfunction()

# Links `header` (a path relative to `from`) as dir/`name`.
function(_vault_link_header from header dir name)
  set(target ${from}/${header})
  if(NOT EXISTS ${target})
    message(FATAL_ERROR "vault_module: no header ${target}")
  endif()
  get_filename_component(parent ${dir}/${name} DIRECTORY)
  file(MAKE_DIRECTORY ${parent})
  file(CREATE_LINK ${target} ${dir}/${name} SYMBOLIC)
endfunction()

# The include spelling of a header of this folder: vault/<folder>/<file>.
function(_vault_spelling header out)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/${header})
  set(${out} ${rel} PARENT_SCOPE)
endfunction()

# Precompiled headers: the standard headers most sources of vault/ include,
# parsed once per build (vault_std_pch) and reused by every module with the
# same flags; a module that names PCH headers (vault/server: Beast and Asio)
# gets its own, with those and the standard ones. The host carries no
# definition of its own, so modules with their own -D flags can reuse it.
# Every source still includes what it uses; -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON
# builds without them. The shared one is for clang only (the sanitizer
# builds): gcc 12 at -O2 reports its own false -Warray-bounds inside
# std::string for headers it reads from a precompiled header, which it
# silences for the same headers read as system headers.
set(VAULT_STD_PCH_HEADERS <algorithm> <array> <atomic> <chrono> <cstdint> <cstring>
  <functional> <map> <memory> <optional> <set> <string> <string_view> <utility> <vector>)
set(VAULT_STD_PCH OFF)
if(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  set(VAULT_STD_PCH ON)
  file(WRITE ${CMAKE_BINARY_DIR}/vault_std_pch_host.cc "// Generated: hosts vault/'s precompiled header.\n")
  add_library(vault_std_pch OBJECT ${CMAKE_BINARY_DIR}/vault_std_pch_host.cc)
  target_precompile_headers(vault_std_pch PRIVATE ${VAULT_STD_PCH_HEADERS})
endif()

# A module's sources are compiled eight at a time in one unit (a CMake unity
# build), as the tests' are (tests/CMakeLists.txt): the Boost, RocksDB and
# standard templates they share are instantiated once per batch. Sources of
# one module therefore share a helper through a header of the module (a
# PRIVATE_HEADERS one if only the module needs it) rather than each keeping a
# copy in its anonymous namespace, which a batch would refuse as a
# redefinition. -DVAULT_UNITY_LIBS=OFF compiles them one by one, as CI's TSan
# build does (scripts/vault-dev tsan), so that each source is still shown to
# compile with nothing but its own includes of the project's headers (the
# standard ones come from clang's shared precompiled header there).
option(VAULT_UNITY_LIBS "Compile each module's sources in batches" ON)

function(vault_module name)
  cmake_parse_arguments(M "SODIUM;ROCKSDB" ""
    "SOURCES;HEADERS;PRIVATE_HEADERS;API;PUBLIC;PRIVATE;PCH" ${ARGN})
  set(target vault_${name})
  add_library(${target} STATIC ${M_SOURCES})
  if(VAULT_UNITY_LIBS)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
  if(M_PCH)
    target_precompile_headers(${target} PRIVATE ${VAULT_STD_PCH_HEADERS} ${M_PCH})
  elseif(VAULT_STD_PCH)
    target_precompile_headers(${target} REUSE_FROM vault_std_pch)
  endif()
  set(public_dir ${VAULT_MODULES_DIR}/${name})
  set(private_dir ${VAULT_MODULES_DIR}/${name}-private)
  file(REMOVE_RECURSE ${public_dir} ${private_dir})
  file(MAKE_DIRECTORY ${public_dir} ${private_dir})
  foreach(h ${M_HEADERS})
    _vault_spelling(${h} spelled)
    _vault_link_header(${CMAKE_CURRENT_SOURCE_DIR} ${h} ${public_dir} ${spelled})
  endforeach()
  foreach(h ${M_PRIVATE_HEADERS})
    _vault_spelling(${h} spelled)
    _vault_link_header(${CMAKE_CURRENT_SOURCE_DIR} ${h} ${private_dir} ${spelled})
  endforeach()
  foreach(h ${M_API})
    _vault_link_header(${PROJECT_SOURCE_DIR}/include ${h} ${public_dir} ${h})
  endforeach()
  target_include_directories(${target} PUBLIC ${public_dir} PRIVATE ${private_dir})
  set(allow)
  if(M_SODIUM)
    list(APPEND allow SODIUM)
  endif()
  if(M_ROCKSDB)
    list(APPEND allow ROCKSDB)
  endif()
  vault_poison(${target} ${allow})
  target_link_libraries(${target} PUBLIC ${M_PUBLIC} PRIVATE ${M_PRIVATE})
  if(M_SODIUM)
    target_link_libraries(${target} PRIVATE PkgConfig::SODIUM)
  endif()
  if(M_ROCKSDB)
    target_link_libraries(${target} PRIVATE vault_rocksdb)
  endif()
  set_property(GLOBAL APPEND PROPERTY VAULT_MODULES ${target})
endfunction()
