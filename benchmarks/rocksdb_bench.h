// What the benchmarks of RocksDB alone with the store's options
// (level0_bench, counts_bench) share: their flags, a scratch directory that
// is removed however they end, and one way to fail.
#ifndef VAULT_BENCHMARKS_ROCKSDB_BENCH_H_
#define VAULT_BENCHMARKS_ROCKSDB_BENCH_H_

#include <rocksdb/status.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace vault::bench {

inline std::string g_program;  // prefixes every failure
inline std::string g_scratch;  // removed by Die and by RemoveScratch

// Prints "<program>: <what>", removes the scratch directory and exits 1.
[[noreturn]] inline void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", g_program.c_str(), what.c_str());
  if (!g_scratch.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(g_scratch, ignored);
  }
  std::_Exit(1);
}

inline void Check(const rocksdb::Status& s, const char* what) {
  if (!s.ok()) Die(std::string(what) + ": " + s.ToString());
}

// Parses `--flag value` pairs: each flag of `counts` takes a whole number
// from 1 to 100,000,000 (digits only), `--dir` a directory; `--help` prints
// `usage` and exits 0, and anything else fails with it.
inline void ParseFlags(int argc, char** argv, const char* program, const char* usage,
                       std::initializer_list<std::pair<std::string_view, size_t*>> counts,
                       std::string* dir) {
  g_program = program;
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help") {
      std::printf("%s\n", usage);
      std::exit(0);
    }
    if (i + 1 == argc) Die(std::string(usage) + " (" + flag + " without a value)");
    const std::string v = argv[i + 1];
    if (flag == "--dir") {
      if (v.empty()) Die("--dir takes a directory, not \"\"");
      *dir = v;
      continue;
    }
    size_t* target = nullptr;
    for (const auto& [name, out] : counts) {
      if (flag == name) target = out;
    }
    if (target == nullptr) Die(std::string(usage) + " (unknown flag " + flag + ")");
    size_t n = 0;
    const auto [end, error] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (error != std::errc() || end != v.data() + v.size() || n == 0 || n > 100000000) {
      Die(flag + " takes a whole number from 1 to 100000000, not \"" + v + "\"");
    }
    *target = n;
  }
}

// A new, empty directory `dir/<program>.<pid>` (`dir` must exist), which Die
// removes.
inline std::string MakeScratch(const std::string& dir) {
  g_scratch = dir + "/" + g_program + "." + std::to_string(getpid());
  std::error_code error;
  std::filesystem::remove_all(g_scratch, error);
  if (!std::filesystem::create_directory(g_scratch, error) || error) {
    const std::string path = std::move(g_scratch);
    g_scratch.clear();
    Die("cannot make the directory " + path);
  }
  return g_scratch;
}

inline void RemoveScratch() {
  std::error_code ignored;
  std::filesystem::remove_all(g_scratch, ignored);
  g_scratch.clear();
}

}  // namespace vault::bench

#endif  // VAULT_BENCHMARKS_ROCKSDB_BENCH_H_
