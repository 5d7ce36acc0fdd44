#pragma once
// Validated configuration: a default document (JSON with comments, compiled into the
// binary), overridden by an optional file, then by `--set key=value` pairs. The default
// document is also the schema: every key it holds is known and its type is the type its
// default has; constraints add ranges and allowed values. A configuration is either valid
// as a whole or not built at all, so nothing runs half-configured.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace tillid {

// A check on one key's value beyond its type. Returns the reason it is wrong, or nullopt.
struct ConfigConstraint {
  std::string path;  // dotted key, e.g. "store.batch_max_rows"
  std::function<std::optional<std::string>(const Poco::Dynamic::Var&)> check;
};

ConfigConstraint rangeConstraint(std::string path, double min, double max);
ConfigConstraint oneOfConstraint(std::string path, std::vector<std::string> allowed);
// Empty string allowed (means "not set"); otherwise a date or UTC timestamp.
ConfigConstraint timestampConstraint(std::string path);

struct ConfigSources {
  std::string defaultsText;            // the embedded default document
  std::string defaultsName;            // how errors name it, e.g. "agent.default.json"
  std::optional<std::string> file;     // --config FILE
  std::vector<std::string> overrides;  // --set key=value, in order
};

class Config {
 public:
  static Result<Config> load(const ConfigSources& sources,
                             const std::vector<ConfigConstraint>& constraints);

  // Typed access. REQUIRES: path names a key of the default document with that type;
  // anything else is a programming error and throws std::logic_error.
  int64_t integer(const std::string& path) const;
  double number(const std::string& path) const;
  const std::string string(const std::string& path) const;
  bool boolean(const std::string& path) const;
  std::vector<std::string> strings(const std::string& path) const;
  Poco::JSON::Object::Ptr object(const std::string& path) const;

  // The effective configuration as canonical JSON (stable for hashing and diffing).
  std::string canonical() const;
  // Dotted keys whose effective values differ between two canonical documents.
  static std::vector<std::string> changedKeys(const std::string& beforeCanonical,
                                              const std::string& afterCanonical);

  // The --config file, or empty when only defaults and overrides apply.
  const std::string& sourceFile() const { return sourceFile_; }
  // The keys --set changed, in the order given, each once.
  const std::vector<std::string>& overriddenKeys() const { return overriddenKeys_; }
  // What the configuration was built from, for the security log: "defaults" or the
  // --config file, then " + --set" when there were overrides.
  std::string sourceDescription() const;

 private:
  Poco::Dynamic::Var lookup(const std::string& path) const;

  Poco::JSON::Object::Ptr root_;
  std::string sourceFile_;
  std::vector<std::string> overriddenKeys_;
};

}  // namespace tillid
