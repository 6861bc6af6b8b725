// JsonText: writes JSON text straight into a string, without building a
// boost::json value first. Used where a response is large and its shape is
// fixed (a transcript's messages): building the value tree and then
// serialising it cost about a quarter of a read's CPU (docs/performance.md,
// section 10).
//
// The text is byte for byte what boost::json::serialize writes for the same
// object with its keys in the same order: strings escape '"', '\\' and the
// control characters below 0x20 (\b \t \n \f \r, the others as \u00xx with
// lower-case hex), and pass every other byte through unchanged. The tests
// compare the two for every byte value and for whole transcripts.
//
// The caller keeps to JSON's grammar: a Key before every value inside an
// object, none inside an array. Nesting deeper than kMaxDepth is a
// programming error (asserted).
// Thread safety: one writer per thread.
#ifndef VAULT_WIRE_JSON_TEXT_H_
#define VAULT_WIRE_JSON_TEXT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace vault::wire {

class JsonText {
 public:
  static constexpr int kMaxDepth = 32;

  // Appends to *out, which must outlive the writer.
  explicit JsonText(std::string* out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }

  // "key": inside an object, before its value.
  void Key(std::string_view key);
  void String(std::string_view value);
  void Uint(uint64_t value);
  void Bool(bool value);
  // "key": value, inside an object.
  void StringMember(std::string_view key, std::string_view value) {
    Key(key);
    String(value);
  }
  void UintMember(std::string_view key, uint64_t value) {
    Key(key);
    Uint(value);
  }

 private:
  void Open(char c);
  void Close(char c);
  void BeforeValue();
  void Escaped(std::string_view s);

  std::string* out_;
  int depth_ = 0;
  // Bit d: the container at depth d already has a member.
  uint64_t has_member_ = 0;
  bool after_key_ = false;
};

// Appends `s` as a JSON string (quoted and escaped as above).
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace vault::wire

#endif  // VAULT_WIRE_JSON_TEXT_H_
