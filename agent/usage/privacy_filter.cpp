#include "agent/usage/privacy_filter.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string_view>

#include "common/files.h"
#include "common/time.h"

namespace tillid::embedded {
extern const char protected_unions_txt[];
extern const char protected_health_txt[];
extern const char protected_religion_txt[];
extern const char protected_politics_txt[];
extern const char protected_sexual_orientation_txt[];
extern const char protected_beliefs_txt[];
}  // namespace tillid::embedded

namespace tillid::usage {
namespace {

std::string normalized(std::string_view name) {
  while (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A host name as list entries must be written: labels of letters, digits and hyphens
// (IDN names in their xn-- form), at least two labels.
bool validDomain(const std::string& name) {
  if (name.empty() || name.size() > 253 || name.find('.') == std::string::npos) return false;
  size_t labelLength = 0;
  for (char c : name) {
    if (c == '.') {
      if (labelLength == 0) return false;
      labelLength = 0;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++labelLength > 63) return false;
  }
  return labelLength > 0;
}

Status parseList(const ProtectedList& list, std::unordered_set<std::string>& domains) {
  std::istringstream lines(list.text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string word;
    if (!(words >> word)) continue;
    std::string extra;
    const std::string domain = normalized(word);
    if (words >> extra || !validDomain(domain)) {
      return Status::error(ErrorCode::kInvalidArgument,
                           list.name + ":" + std::to_string(number) +
                               ": expected one domain name per line (e.g. foa.dk), got '" + line +
                               "'");
    }
    domains.insert(domain);
  }
  return Status::ok();
}

}  // namespace

std::vector<ProtectedList> builtInProtectedLists() {
  return {{"unions", embedded::protected_unions_txt},
          {"health", embedded::protected_health_txt},
          {"religion", embedded::protected_religion_txt},
          {"politics", embedded::protected_politics_txt},
          {"sexual_orientation", embedded::protected_sexual_orientation_txt},
          {"beliefs", embedded::protected_beliefs_txt}};
}

Result<PrivacyFilter> PrivacyFilter::fromConfig(const Config& config) {
  std::vector<ProtectedList> lists = builtInProtectedLists();
  for (const auto& path : config.strings("privacy.extra_protected_lists")) {
    auto text = readWholeFile(path);
    if (!text) {
      return text.status().withContext(
          "a protected-domain list named in privacy.extra_protected_lists");
    }
    lists.push_back({path, std::move(*text)});
  }
  std::optional<int64_t> effectiveFrom;
  const std::string from = config.string("monitoring.effective_from");
  if (!from.empty()) {
    auto parsed = parseTimestamp(from);
    if (!parsed) return parsed.status().withContext("monitoring.effective_from");
    effectiveFrom = toMicros(*parsed);
  }
  return fromLists(lists, effectiveFrom);
}

Result<PrivacyFilter> PrivacyFilter::fromLists(const std::vector<ProtectedList>& lists,
                                               std::optional<int64_t> effectiveFromMicros) {
  PrivacyFilter filter;
  for (const auto& list : lists) TILLID_RETURN_IF_ERROR(parseList(list, filter.domains_));
  filter.effectiveFromMicros_ = effectiveFromMicros;
  return filter;
}

bool PrivacyFilter::isProtected(const std::string& domain) const {
  const std::string name = normalized(domain);
  // The name itself, then each parent domain: "a.b.foa.dk", "b.foa.dk", "foa.dk", "dk".
  for (size_t start = 0; start < name.size();) {
    if (domains_.count(name.substr(start))) return true;
    const size_t dot = name.find('.', start);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return false;
}

void PrivacyFilter::apply(FlowInfo& info) const {
  if (info.destination != kProtectedMarker &&
      (info.destination.empty() || !isProtected(info.destination))) {
    return;
  }
  info.destination = kProtectedMarker;
  info.service = kProtectedMarker;
  info.category = kProtectedMarker;
}

}  // namespace tillid::usage
