# cmake -DINPUT=file -DOUTPUT=file.cc -DFUNCTION=Name -P EmbedFile.cmake
#
# Writes a C++ source defining `std::string_view vault::Name()`, which
# returns INPUT's bytes: files served as they are in the repository (the
# OpenAPI description) are compiled into the binary, so what vaultd serves is
# what was reviewed, and nothing is read from disk at run time.
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
# 16 bytes to a line.
string(REGEX REPLACE "(................................)" "\\1\n    " bytes "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${bytes}")
file(RELATIVE_PATH name "${CMAKE_CURRENT_LIST_DIR}/.." "${INPUT}")
file(WRITE "${OUTPUT}.tmp" "// Generated from ${name} by cmake/EmbedFile.cmake: do not edit.
#include <string_view>

namespace vault {
namespace {
constexpr char kBytes[${size} + 1] = {
    ${bytes}'\\0'};
}  // namespace

std::string_view ${FUNCTION}() { return std::string_view(kBytes, ${size}); }

}  // namespace vault
")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
