#include <gtest/gtest.h>

#include "vault/common/encoding.h"

namespace vault {
namespace {

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(ToBase64(plain), encoded);
    std::string back;
    ASSERT_TRUE(FromBase64(encoded, &back)) << encoded;
    EXPECT_EQ(back, plain);
  }
}

TEST(Base64Test, AllByteValuesRoundTrip) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  std::string back;
  ASSERT_TRUE(FromBase64(ToBase64(bytes), &back));
  EXPECT_EQ(back, bytes);
}

TEST(Base64Test, RejectsNonCanonicalInput) {
  std::string out;
  for (const char* bad : {"Zg", "Zg=", "Zh==", "Zm8", "Zm9=", "Z===", "Zm9v\n", "Zm 9v",
                          "Zg==Zg==", "Zm-v", "Zm9_"}) {
    EXPECT_FALSE(FromBase64(bad, &out)) << bad;
  }
}

}  // namespace
}  // namespace vault
