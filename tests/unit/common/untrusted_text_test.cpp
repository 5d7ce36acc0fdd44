#include "common/untrusted_text.h"

#include <catch2/catch.hpp>

using namespace tillid;

TEST_CASE("untrusted text: UTF-8 is checked byte by byte", "[core]") {
  CHECK_FALSE(invalidUtf8Offset("plain ascii"));
  CHECK_FALSE(
      invalidUtf8Offset("bl\xC3\xA5"
                        "b\xC3\xA6r \xE2\x82\xAC \xF0\x9F\x98\x80"));
  CHECK(invalidUtf8Offset("ab\xC3") == 2u);            // cut inside a character
  CHECK(invalidUtf8Offset("a\xC0\xAF") == 1u);         // overlong '/'
  CHECK(invalidUtf8Offset("a\xED\xA0\x80") == 1u);     // a surrogate
  CHECK(invalidUtf8Offset("\xF4\x90\x80\x80") == 0u);  // above U+10FFFF
  CHECK(invalidUtf8Offset("ok\xFF") == 2u);
}

TEST_CASE("untrusted text: truncation cuts between characters", "[core]") {
  const std::string host = std::string(254, 'a') + "\xC3\xA5";  // 256 bytes
  const std::string cut = truncateUtf8(host, 255);
  CHECK(cut == std::string(254, 'a'));
  CHECK_FALSE(invalidUtf8Offset(cut));
  CHECK(truncateUtf8(host, 256) == host);
  CHECK(truncateUtf8("\xF0\x9F\x98\x80", 3).empty());
  CHECK(truncateUtf8("abc", 2) == "ab");
}

TEST_CASE("untrusted text: control characters are escaped for display", "[core]") {
  CHECK(escapeControlCharacters("laptop-7") == "laptop-7");
  CHECK(escapeControlCharacters("bl\xC3\xA5") == "bl\xC3\xA5");
  CHECK(escapeControlCharacters("a\x1b[2Jb") == "a\\x1B[2Jb");
  CHECK(escapeControlCharacters("x\r\nd-fake  root") == "x\\x0D\\x0Ad-fake  root");
  CHECK(escapeControlCharacters(std::string("n\0l", 3)) == "n\\x00l");
  CHECK(escapeControlCharacters("\x7f") == "\\x7F");
  CHECK(escapeControlCharacters("\xC2\x9B"
                                "31m") == "\\u{009B}31m");  // C1 CSI
  CHECK(escapeControlCharacters("abc\xE2\x80\xAEgpj.exe") == "abc\\u{202E}gpj.exe");
  CHECK(escapeControlCharacters("bad\xFF") == "bad\\xFF");
}
