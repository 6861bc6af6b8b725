// Request parsing: the bytes of an HTTP/1.1 append request (headers and a
// JSON body) into a typed Message, as vaultd's session and router do it
// (Beast's request parser with the server's limits, then wire::ParseMessage),
// beside baselines in the same binary: copying the same bytes, and
// boost::json::parse of the body alone. Run: build/benchmarks/request_bench
#include <benchmark/benchmark.h>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <string>

#include "vault/common/utf8.h"
#include "vault/wire/json_text.h"
#include "vault/wire/request_json.h"

namespace vault {
namespace {

namespace http = boost::beast::http;

std::string Body(size_t text_bytes) {
  Message m;
  m.seq = 42;
  m.from = "visitor";
  m.text = std::string(text_bytes, 'x');
  m.sent_at = "2026-11-22T10:00:00Z";
  return wire::EncodeMessage(m);
}

std::string Request(const std::string& body) {
  return "POST /v1/transcripts/5c1f0b8e2a9d4e7f8a6b3c2d1e0f9a8b/messages HTTP/1.1\r\n"
         "Host: vault\r\nUser-Agent: chat-server/1.0\r\nContent-Type: application/json\r\n"
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

void BM_CopyBaseline(benchmark::State& state) {
  const std::string wire = Request(Body(static_cast<size_t>(state.range(0))));
  std::string out;
  for (auto _ : state) {
    out.assign(wire);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * wire.size());
}
BENCHMARK(BM_CopyBaseline)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_JsonParseBaseline(benchmark::State& state) {
  const std::string body = Body(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    benchmark::DoNotOptimize(value);
  }
  state.SetBytesProcessed(state.iterations() * body.size());
}
BENCHMARK(BM_JsonParseBaseline)->Arg(64)->Arg(1024)->Arg(64 * 1024);

// The check of a message's text (ValidateMessage): ASCII, as most chats
// are, against copying the same bytes (BM_CopyBaseline copies a whole
// request; this one the text alone).
void BM_ValidUtf8(benchmark::State& state) {
  const std::string text(static_cast<size_t>(state.range(0)), 'x');
  for (auto _ : state) {
    bool ok = IsValidUtf8(text);
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ValidUtf8)->Arg(64)->Arg(1024)->Arg(64 * 1024);

// The same check of a text of two-byte characters (Hebrew): every block of
// eight bytes has a high bit set, so each is checked byte by byte.
void BM_ValidUtf8TwoByte(benchmark::State& state) {
  std::string text;
  while (text.size() + 2 <= static_cast<size_t>(state.range(0))) text += "\xd7\xa9";
  for (auto _ : state) {
    bool ok = IsValidUtf8(text);
    benchmark::DoNotOptimize(ok);
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_ValidUtf8TwoByte)->Arg(64)->Arg(1024);

void BM_CopyTextBaseline(benchmark::State& state) {
  const std::string text(static_cast<size_t>(state.range(0)), 'x');
  std::string out;
  for (auto _ : state) {
    out.assign(text);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}
BENCHMARK(BM_CopyTextBaseline)->Arg(64)->Arg(1024)->Arg(64 * 1024);

// A message's text written as a JSON string, as every read writes each
// message (wire::JsonText): ASCII with nothing to escape, against
// BM_CopyTextBaseline's copy of the same bytes.
void WriteJsonStrings(benchmark::State& state, const std::string& text) {
  std::string out;
  for (auto _ : state) {
    out.clear();
    wire::AppendJsonString(&out, text);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * text.size());
}

void BM_AppendJsonString(benchmark::State& state) {
  WriteJsonStrings(state, std::string(static_cast<size_t>(state.range(0)), 'x'));
}
BENCHMARK(BM_AppendJsonString)->Arg(64)->Arg(1024)->Arg(64 * 1024);

// The same with a line break every 80 bytes: a block that holds one is
// escaped from the byte that needs it on.
void BM_AppendJsonStringLines(benchmark::State& state) {
  std::string text(static_cast<size_t>(state.range(0)), 'x');
  for (size_t i = 79; i < text.size(); i += 80) text[i] = '\n';
  WriteJsonStrings(state, text);
}
BENCHMARK(BM_AppendJsonStringLines)->Arg(1024);

void BM_ParseAppendRequest(benchmark::State& state) {
  const std::string wire = Request(Body(static_cast<size_t>(state.range(0))));
  for (auto _ : state) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(8 * 1024);
    parser.body_limit(1 << 20);
    parser.eager(true);
    boost::beast::error_code ec;
    size_t used = 0;
    while (!ec && !parser.is_done() && used < wire.size()) {
      used += parser.put(boost::asio::buffer(wire.data() + used, wire.size() - used), ec);
    }
    if (ec || !parser.is_done()) {
      state.SkipWithError("HTTP parse failed");
      break;
    }
    auto message = wire::ParseMessage(parser.get().body(), 1000000);
    if (!message.ok()) {
      state.SkipWithError("JSON parse failed");
      break;
    }
    benchmark::DoNotOptimize(message);
  }
  state.SetBytesProcessed(state.iterations() * wire.size());
}
BENCHMARK(BM_ParseAppendRequest)->Arg(64)->Arg(1024)->Arg(64 * 1024);

}  // namespace
}  // namespace vault
