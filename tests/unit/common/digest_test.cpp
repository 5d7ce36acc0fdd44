#include "common/digest.h"

#include <catch2/catch.hpp>

using namespace tillid;

TEST_CASE("SHA-256 digests are lowercase hex of the bytes given", "[core]") {
  // FIPS 180-2 test vectors.
  CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256Hex(std::string("a\0b", 3)) != sha256Hex("ab"));
}
