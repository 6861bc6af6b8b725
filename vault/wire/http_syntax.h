// HTTP/1.1 syntax shared by the server and the client library (RFC 9110):
// tokens and optional whitespace. No Beast here.
// Thread safety: pure functions.
#ifndef VAULT_WIRE_HTTP_SYNTAX_H_
#define VAULT_WIRE_HTTP_SYNTAX_H_

#include <string_view>

namespace vault::wire {

// Whether `s` is a token (section 5.6.2): one or more of the characters a
// method or a field name is made of.
bool IsToken(std::string_view s);

// `s` without the optional whitespace (spaces and tabs) around it
// (section 5.6.3).
std::string_view TrimOws(std::string_view s);

}  // namespace vault::wire

#endif  // VAULT_WIRE_HTTP_SYNTAX_H_
