#include "common/untrusted_text.h"

#include <cstdint>
#include <cstdio>

namespace tillid {
namespace {

// The length of the well-formed UTF-8 sequence at text[at] and its code point, or 0.
size_t sequenceAt(std::string_view text, size_t at, uint32_t& codePoint) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  size_t length = 0;
  uint32_t minimum = 0;
  if (lead < 0x80) {
    codePoint = lead;
    return 1;
  } else if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, minimum = 0x80, codePoint = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, minimum = 0x800, codePoint = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, minimum = 0x10000, codePoint = lead & 0x07;
  } else {
    return 0;
  }
  if (at + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    codePoint = (codePoint << 6) | (byte(at + i) & 0x3F);
  }
  if (codePoint < minimum || codePoint > 0x10FFFF) return 0;
  if (codePoint >= 0xD800 && codePoint <= 0xDFFF) return 0;
  return length;
}

bool isControl(uint32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
         c == 0x200F || c == 0x061C;
}

}  // namespace

std::optional<size_t> invalidUtf8Offset(std::string_view text) {
  uint32_t codePoint = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t length = sequenceAt(text, at, codePoint);
    if (length == 0) return at;
    at += length;
  }
  return std::nullopt;
}

std::string truncateUtf8(std::string_view text, size_t maxBytes) {
  if (text.size() <= maxBytes) return std::string(text);
  size_t end = maxBytes;
  // Back off over continuation bytes to the start of the character that does not fit.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string escapeControlCharacters(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char escaped[16];
  uint32_t codePoint = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t length = sequenceAt(text, at, codePoint);
    if (length == 0) {
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned char>(text[at]));
      out += escaped;
      ++at;
      continue;
    }
    if (!isControl(codePoint)) {
      out.append(text.substr(at, length));
    } else if (codePoint < 0x80) {
      std::snprintf(escaped, sizeof escaped, "\\x%02X", static_cast<unsigned>(codePoint));
      out += escaped;
    } else {
      std::snprintf(escaped, sizeof escaped, "\\u{%04X}", static_cast<unsigned>(codePoint));
      out += escaped;
    }
    at += length;
  }
  return out;
}

}  // namespace tillid
