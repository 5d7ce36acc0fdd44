// Base64 for keys and signatures: round trips, and text that is not Base64 (from the
// network) is an error value, never an exception.

#include "common/base64.h"

#include <catch2/catch.hpp>

namespace tillid {
namespace {

TEST_CASE("base64 round-trips bytes and refuses what is not base64", "[core]") {
  const std::string bytes("\x00\xff\x10 signature\n", 14);
  const std::string text = base64Encode(bytes);
  CHECK(text.find('\n') == std::string::npos);
  CHECK(base64Decode(text) == bytes);
  CHECK(base64Encode("") == "");
  CHECK(base64Decode("") == std::string());
  CHECK_FALSE(base64Decode("not*base64!").has_value());
}

}  // namespace
}  // namespace tillid
