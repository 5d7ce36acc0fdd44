#pragma once
// Escaping text for the self-contained HTML pages the programs write (the employee's
// view, certificates of sanitization).

#include <string>
#include <string_view>

namespace tillid {

// `text` with & < > " ' replaced by entities: safe inside elements and quoted attributes.
inline std::string escapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace tillid
