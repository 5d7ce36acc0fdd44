#include "protocol/gzip.h"

#include <catch2/catch.hpp>

using namespace tillid;
using namespace tillid::report;

TEST_CASE("gzip round-trips and refuses truncated, foreign and oversized data", "[report]") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "{\"hour\":\"2026-11-20T" + std::to_string(i % 24) + "\"}";
  const std::string packed = *gzipCompress(text);
  CHECK(packed.size() < text.size() / 5);
  auto unpacked = gzipDecompress(packed, text.size());
  REQUIRE(unpacked);
  CHECK(*unpacked == text);

  for (size_t cut : {size_t{1}, size_t{8}, packed.size() / 2, packed.size() - 1}) {
    INFO(cut);
    auto truncated = gzipDecompress(packed.substr(0, packed.size() - cut), text.size());
    REQUIRE(!truncated);
    CHECK(truncated.status().code() == ErrorCode::kInvalidArgument);
  }
  CHECK(!gzipDecompress(text, text.size()));
  CHECK(!gzipDecompress(packed + "x", text.size()));
  auto bomb = gzipDecompress(*gzipCompress(std::string(1 << 20, 'a')), 1000);
  REQUIRE(!bomb);
  CHECK(bomb.status().message().find("expands beyond") != std::string::npos);
  auto empty = gzipDecompress(*gzipCompress(""), 10);
  REQUIRE(empty);
  CHECK(empty->empty());
}
