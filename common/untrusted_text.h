#pragma once
// Text that arrives from outside (a device's hostname, user and application names):
// checked to be UTF-8 where it enters, shortened only between characters, and shown or
// logged with its control characters escaped, so that it cannot move a terminal's cursor,
// start a new log line or reorder what follows it.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace tillid {

// The byte offset of the first byte that is not part of well-formed UTF-8 (overlong
// forms, surrogates and code points above U+10FFFF are not); nullopt when all of it is.
std::optional<size_t> invalidUtf8Offset(std::string_view text);

// At most `maxBytes` of `text`, cut before a character rather than inside one.
// REQUIRES: `text` is valid UTF-8.
std::string truncateUtf8(std::string_view text, size_t maxBytes);

// `text` with C0 and C1 control characters, DEL, line and paragraph separators and
// bidirectional overrides written as \xNN or \u{NNNN}, and bytes that are not UTF-8 as
// \xNN. Everything else is kept as it is.
std::string escapeControlCharacters(std::string_view text);

}  // namespace tillid
