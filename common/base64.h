#pragma once
// Base64 (RFC 4648, one line) for keys and signatures carried in JSON.

#include <optional>
#include <string>
#include <string_view>

namespace tillid {

std::string base64Encode(std::string_view bytes);
// nullopt when `text` is not Base64: it comes from the network or a file.
std::optional<std::string> base64Decode(const std::string& text);

}  // namespace tillid
