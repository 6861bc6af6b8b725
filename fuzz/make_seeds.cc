// Writes the seed corpora of the fuzz targets: real requests, real JSON
// bodies from the encoders, and real files, records and segments made by the
// code under test with the fixed keys of fixed_keys.h. Each seed begins with
// the selector byte its target reads first (fuzz_check.h, Split), except for
// the HTTP targets, which take raw bytes.
//
//   fuzz_make_seeds DIR   (DIR: fuzz/corpus; scripts/vault-dev fuzz-seeds)
//
// Seeds sealed with a random nonce or key differ on every run; that is fine.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "seeds.h"

namespace vault::fuzz {

namespace {
std::string g_corpus;
}  // namespace

void WriteSeed(const std::string& target, const std::string& name, int selector,
               std::string_view bytes) {
  const std::string dir = g_corpus + "/" + target;
  std::filesystem::create_directories(dir);
  std::ofstream out(dir + "/" + name, std::ios::binary | std::ios::trunc);
  if (selector != kNoSelector) out.put(static_cast<char>(selector));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out.good()) {
    std::fprintf(stderr, "cannot write %s/%s\n", dir.c_str(), name.c_str());
    std::exit(1);
  }
}

void SetCorpus(std::string dir) { g_corpus = std::move(dir); }

}  // namespace vault::fuzz

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  vault::fuzz::SetCorpus(argv[1]);
  vault::fuzz::HttpSeeds();
  vault::fuzz::JsonSeeds();
  vault::fuzz::RecordSeeds();
  vault::fuzz::FileSeeds();
  vault::fuzz::OfficerSeeds();
  vault::fuzz::AuditSeeds();
  return 0;
}
