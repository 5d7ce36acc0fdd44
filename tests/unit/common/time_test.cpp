#include "common/time.h"

#include <catch2/catch.hpp>

using namespace tillid;

TEST_CASE("UTC times parse in the three accepted shapes and round-trip", "[core]") {
  auto day = parseTimestamp("2026-11-10");
  REQUIRE(day);
  CHECK(formatTimestamp(*day) == "2026-11-10T00:00:00.000000Z");
  auto second = parseTimestamp("2026-11-10T01:02:03Z");
  REQUIRE(second);
  CHECK(formatTimestamp(*second) == "2026-11-10T01:02:03.000000Z");
  CHECK(parseTimestamp("2026-11-10T01:02:03.5Z"));
  CHECK_FALSE(parseTimestamp("soon"));
  CHECK_FALSE(parseTimestamp("2026-11-10T01:02:03+01:00"));
}

TEST_CASE("a time too far off to represent is refused, not overflowed", "[core]") {
  // A device's record may say any year; nanoseconds since 1970 in 64 bits end in 2262.
  auto far = parseTimestamp("4052-01-05T10:00:00Z");
  REQUIRE_FALSE(far);
  CHECK(far.status().message().find("outside the times") != std::string::npos);
  CHECK(parseTimestamp("2262-01-01"));
  CHECK_FALSE(parseTimestamp("9999-12-31"));
}
