#pragma once
// The privacy filter: what the usage log may never hold. Destinations in protected
// categories (GDPR art. 9: trade unions, health, religion, politics, sexual orientation and
// sex life, philosophical beliefs) are replaced by the marker "protected" before any
// observer sees the flow, and nothing about usage is recorded before the announced start
// of the control measure (monitoring.effective_from).
//
// The lists are config/protected/*.txt (compiled into the binary) plus the files named in
// privacy.extra_protected_lists. A list entry matches the domain itself and every
// subdomain ("foa.dk" matches "www.foa.dk", never "notfoa.dk").
//
// Immutable after construction; thread-safe for concurrent const use.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "agent/usage/flow.h"
#include "common/config.h"
#include "common/result.h"

namespace tillid::usage {

// What a protected flow's destination, service and category become.
inline constexpr const char* kProtectedMarker = "protected";

// One built-in list (its name is the category, e.g. "unions").
struct ProtectedList {
  std::string name;
  std::string text;
};

// The lists compiled into the binary: unions, health, religion, politics,
// sexual_orientation, beliefs.
std::vector<ProtectedList> builtInProtectedLists();

class PrivacyFilter {
 public:
  // From the configuration: built-in lists, privacy.extra_protected_lists, and
  // monitoring.effective_from. Fails with the file and line of a malformed entry, or when
  // an extra list cannot be read (the agent must not record without its lists).
  static Result<PrivacyFilter> fromConfig(const Config& config);

  // lists: texts to parse (name is used in error messages). effectiveFromMicros: first
  // recorded moment; nullopt (no announced date) records nothing.
  static Result<PrivacyFilter> fromLists(const std::vector<ProtectedList>& lists,
                                         std::optional<int64_t> effectiveFromMicros);

  // True when `domain` (a registrable domain or a full host name, any case, with or
  // without a trailing dot) is a listed domain or a subdomain of one.
  bool isProtected(const std::string& domain) const;

  // Replaces a protected destination by the marker. Service and category become the
  // marker too: nDPI's service name often names the site itself ("Facebook", "Spotify"),
  // so keeping it would reveal what the destination hides. Volume stays. Idempotent: call
  // it again whenever the pipeline updates the flow's service or destination, so that a
  // service classified after naming is masked too.
  void apply(FlowInfo& info) const;

  // False before monitoring.effective_from, and always when no date is set: without an
  // announced start nothing may be recorded at all.
  bool recording(int64_t timeMicros) const {
    return effectiveFromMicros_ && timeMicros >= *effectiveFromMicros_;
  }

  std::optional<int64_t> effectiveFromMicros() const { return effectiveFromMicros_; }
  size_t domainCount() const { return domains_.size(); }

 private:
  PrivacyFilter() = default;

  std::unordered_set<std::string> domains_;  // lower case, no trailing dot
  std::optional<int64_t> effectiveFromMicros_;
};

}  // namespace tillid::usage
