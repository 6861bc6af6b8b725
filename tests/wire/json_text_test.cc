// JsonText and the transcript encoding built on it: byte for byte what
// boost::json::serialize writes for the same object (json_text.h).
#include "vault/wire/json_text.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <random>
#include <string>

#include "vault/wire/json_util.h"
#include "vault/wire/response_json.h"

namespace vault::wire {
namespace {

namespace json = boost::json;

std::string Serialized(std::string_view s) {
  return json::serialize(json::value(json::string(json::string_view(s.data(), s.size()))));
}

std::string Written(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonTextTest, EveryByteIsEscapedAsBoostJsonDoes) {
  for (int c = 0; c < 256; ++c) {
    const std::string one(1, static_cast<char>(c));
    EXPECT_EQ(Written(one), Serialized(one)) << "byte " << c;
    const std::string framed = "a" + one + "b" + one;
    EXPECT_EQ(Written(framed), Serialized(framed)) << "byte " << c;
  }
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(Written(all), Serialized(all));
  EXPECT_EQ(Written(""), "\"\"");
  EXPECT_EQ(Written("\n"), "\"\\n\"");
  EXPECT_EQ(Written(std::string(1, '\x1f')), "\"\\u001f\"");
}

// Text is scanned eight bytes at a time: a byte to escape at every position
// of a word, in runs of every length around it.
TEST(JsonTextTest, EscapesAtEveryPositionOfALongRun) {
  for (const char special : {'"', '\\', '\n', '\0', '\x1f', '\x7f', '\xe9', ' '}) {
    for (size_t len = 0; len < 40; ++len) {
      for (size_t at = 0; at <= len; ++at) {
        std::string s(len, 'a');
        s.insert(at, 1, special);
        ASSERT_EQ(Written(s), Serialized(s)) << int(special) << " at " << at << " of " << len;
      }
    }
  }
}

TEST(JsonTextTest, EveryByteAtEveryPositionOfBlocksOfSixteen) {
  // 48 bytes: three blocks of sixteen, each byte value at each offset, and
  // a second byte to escape later in the same block, so that a block is
  // escaped from its first such byte on and none is missed or added.
  for (int b = 0; b < 256; ++b) {
    const char c = static_cast<char>(b);
    for (size_t at = 0; at < 48; ++at) {
      std::string s(48, 'a');
      s[at] = c;
      ASSERT_EQ(Written(s), Serialized(s)) << "byte " << b << " at " << at;
      if (at % 16 != 15) {
        s[at + 1 + (at * 7) % (15 - at % 16)] = '"';
        ASSERT_EQ(Written(s), Serialized(s)) << "byte " << b << " at " << at << " and a quote";
      }
    }
  }
}

TEST(JsonTextTest, NestingAndCommasMatchBoostJson) {
  std::string out;
  JsonText w(&out);
  w.BeginObject();
  w.Key("a");
  w.Uint(0);
  w.Key("b");
  w.BeginArray();
  w.EndArray();
  w.Key("c");
  w.BeginArray();
  w.BeginObject();
  w.EndObject();
  w.BeginObject();
  w.Key("x\"y");
  w.Bool(true);
  w.Key("z");
  w.Bool(false);
  w.EndObject();
  w.Uint(18446744073709551615u);
  w.String("s");
  w.EndArray();
  w.Key("d");
  w.BeginObject();
  w.EndObject();
  w.EndObject();
  json::object expected;
  expected["a"] = 0u;
  expected["b"] = json::array();
  expected["c"] = json::array{json::object(), json::object{{"x\"y", true}, {"z", false}},
                              18446744073709551615u, "s"};
  expected["d"] = json::object();
  EXPECT_EQ(out, json::serialize(expected));
}

// Random bytes of random lengths, with control characters, quotes,
// backslashes and UTF-8 more likely than in uniform bytes.
std::string RandomText(std::mt19937_64& rng, size_t max_len) {
  static constexpr char kSpecial[] = {'"', '\\', '\n', '\r', '\t', '\b', '\f', '\0', '\x01',
                                      '\x1f', '\x7f', '/'};
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::string s(len(rng), ' ');
  for (char& c : s) {
    const uint64_t r = rng();
    if (r % 4 == 0) {
      c = kSpecial[(r >> 8) % sizeof(kSpecial)];
    } else if (r % 4 == 1) {
      c = static_cast<char>(0x80 + (r >> 8) % 0x40);
    } else {
      c = static_cast<char>(0x20 + (r >> 8) % 0x5f);
    }
  }
  return s;
}

Transcript RandomTranscript(std::mt19937_64& rng, int round, size_t max_messages,
                            size_t max_text) {
  Transcript t;
  t.info.id = RandomText(rng, 40);
  t.info.service = RandomText(rng, 20);
  t.info.state = round % 2 == 0 ? TranscriptState::kOpen : TranscriptState::kClosed;
  t.info.created_at = 1700000000000 + static_cast<int64_t>(rng() % 1000000000);
  t.info.closed_at = t.info.created_at + 1000;
  t.info.last_activity = t.info.created_at + 500;
  t.info.expires_at = t.info.created_at + 2592000000;
  t.info.message_count = rng() % 2 == 0 ? rng() : rng() % 100;
  for (const VisitorField& field : kVisitorFields) {
    if (rng() % 3 != 0) t.visitor.*field.member = RandomText(rng, 30);
  }
  const size_t messages = rng() % (max_messages + 1);
  for (size_t i = 0; i < messages; ++i) {
    Message m;
    m.seq = rng() % 3 == 0 ? rng() : i;
    m.from = RandomText(rng, 8);
    m.text = RandomText(rng, max_text);
    m.sent_at = RandomText(rng, 30);
    const size_t statements = rng() % 4 == 0 ? 1 + rng() % 3 : 0;
    for (size_t j = 0; j < statements; ++j) {
      m.statements.push_back({RandomText(rng, 50),
                              1700000000000 + static_cast<int64_t>(rng() % 1000000000)});
    }
    t.messages.push_back(std::move(m));
  }
  if (rng() % 3 == 0) t.next_from_seq = rng() % 2 == 0 ? rng() : rng() % 1000;
  return t;
}

TEST(JsonTextTest, TranscriptEncodingIsTheSerialisedObject) {
  std::mt19937_64 rng(20261205);
  for (int round = 0; round < 300; ++round) {
    const Transcript t = RandomTranscript(rng, round, 11, 300);
    ASSERT_EQ(EncodeTranscript(t), json::serialize(EncodeTranscriptObject(t))) << "round " << round;
  }
}

// Given record by record, as a read gives it, with messages of many sizes
// (so the room the first one sets aside is often not enough): the text
// grows many times over and is still the serialised object.
TEST(JsonTextTest, TranscriptWrittenAsReadIsTheSerialisedObject) {
  std::mt19937_64 rng(20261207);
  for (int round = 0; round < 200; ++round) {
    const Transcript t = RandomTranscript(rng, round, 150, 2000);
    TranscriptJson writer;
    SendTranscript(t, &writer);
    const std::string text = writer.Take();
    ASSERT_EQ(text, json::serialize(EncodeTranscriptObject(t))) << "round " << round;
  }
}

// Every byte of every string escaped to its longest form (\u00xx): the
// text is the same, and (asserted inside TranscriptJson, in builds with
// assertions: the sanitizer builds) the room made before each record was
// enough, so the string never grew on its own and freed text unwiped.
TEST(JsonTextTest, TranscriptOfControlCharactersOnly) {
  Transcript t;
  t.info.id = std::string(32, '\x01');
  t.info.service = std::string(64, '\x02');
  t.visitor.name = std::string(300, '\x03');
  t.info.message_count = 40;
  for (uint64_t i = 0; i < 40; ++i) {
    Message m;
    m.seq = i;
    m.from = std::string(7, '\x1f');
    m.text = std::string(1 + i * 97, '\x05');
    m.sent_at = std::string(24, '\x06');
    if (i % 5 == 0) m.statements.push_back({std::string(333, '\x07'), 1700000000000});
    t.messages.push_back(std::move(m));
  }
  TranscriptJson writer;
  SendTranscript(t, &writer);
  EXPECT_EQ(writer.Take(), json::serialize(EncodeTranscriptObject(t)));
}

}  // namespace
}  // namespace vault::wire
