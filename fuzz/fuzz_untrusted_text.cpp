// libFuzzer target: arbitrary bytes as text from a device (hostnames, user and application
// names), through the UTF-8 check, truncation and control-character escaping. Invariants:
// truncating valid UTF-8 stays valid, within the limit and a prefix of the input; escaped
// text is valid UTF-8 with no control characters, whatever the input.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/untrusted_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the truncation limit.
  const size_t limit = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  const auto invalidAt = tillid::invalidUtf8Offset(text);
  if (invalidAt && *invalidAt >= text.size()) std::abort();
  if (!invalidAt) {
    const std::string cut = tillid::truncateUtf8(text, limit);
    if (cut.size() > limit || text.substr(0, cut.size()) != cut || tillid::invalidUtf8Offset(cut)) {
      std::abort();
    }
    // Nothing more is cut than the one character that did not fit (at most 3 bytes short).
    if (cut.size() < std::min(limit, text.size()) &&
        std::min(limit, text.size()) - cut.size() > 3) {
      std::abort();
    }
  }
  const std::string escaped = tillid::escapeControlCharacters(text);
  if (tillid::invalidUtf8Offset(escaped)) std::abort();
  for (const char c : escaped) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) std::abort();
  }
  return 0;
}
