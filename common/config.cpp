#include "common/config.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberFormatter.h>

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "common/canonical_json.h"
#include "common/files.h"
#include "common/time.h"

namespace tillid {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

bool isObject(const Var& v) {
  return v.type() == typeid(Object::Ptr);
}
bool isArray(const Var& v) {
  return v.type() == typeid(Array::Ptr);
}

// The JSON type name a value is checked against.
std::string typeName(const Var& v) {
  if (v.isEmpty()) return "null";
  if (isObject(v)) return "object";
  if (isArray(v)) return "array";
  if (v.type() == typeid(bool)) return "boolean";
  if (v.isString()) return "string";
  if (v.isInteger()) return "integer";
  if (v.isNumeric()) return "number";
  return "unknown";
}

bool typeMatches(const std::string& expected, const Var& value) {
  const std::string actual = typeName(value);
  return actual == expected || (expected == "number" && actual == "integer");
}

std::string describe(const Var& value) {
  std::string text = canonicalJson(value);
  return text.size() > 60 ? text.substr(0, 57) + "..." : text;
}

Status keyError(const std::string& where, const std::string& path, const std::string& reason) {
  return Status::error(ErrorCode::kInvalidArgument, where + ": key '" + path + "': " + reason);
}

// Deep copy so that merging never mutates the defaults.
Var clone(const Var& v) {
  if (isObject(v)) {
    Object::Ptr copy = new Object;
    const Object::Ptr& source = v.extract<Object::Ptr>();
    for (const auto& [key, child] : *source) copy->set(key, clone(child));
    return copy;
  }
  if (isArray(v)) {
    Array::Ptr copy = new Array;
    for (const auto& child : *v.extract<Array::Ptr>()) copy->add(clone(child));
    return copy;
  }
  return v;
}

// An empty object in the defaults is a free-form map: any keys, any JSON values.
bool isFreeForm(const Var& defaultValue) {
  return isObject(defaultValue) && defaultValue.extract<Object::Ptr>()->size() == 0;
}

// Checks `value` against the default at `path` and writes it into `target`.
Status mergeValue(Object& target, const std::string& key, const Var& defaultValue, const Var& value,
                  const std::string& path, const std::string& where) {
  const std::string expected = typeName(defaultValue);
  if (!typeMatches(expected, value)) {
    return keyError(where, path,
                    "expected " + expected + ", got " + typeName(value) + " " + describe(value));
  }
  if (isObject(value) && !isFreeForm(defaultValue)) {
    const Object::Ptr& defaults = defaultValue.extract<Object::Ptr>();
    Object::Ptr merged = target.getObject(key);
    for (const auto& [childKey, childValue] : *value.extract<Object::Ptr>()) {
      const std::string childPath = path + "." + childKey;
      if (!defaults->has(childKey)) {
        std::vector<std::string> known;
        defaults->getNames(known);
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        return keyError(where, childPath, "unknown key (known here: " + list + ")");
      }
      TILLID_RETURN_IF_ERROR(
          mergeValue(*merged, childKey, defaults->get(childKey), childValue, childPath, where));
    }
    return Status::ok();
  }
  if (isArray(value)) {
    const Array::Ptr& defaults = defaultValue.extract<Array::Ptr>();
    const std::string elementType = defaults->size() > 0 ? typeName(defaults->get(0)) : "string";
    const Array::Ptr& items = value.extract<Array::Ptr>();
    for (unsigned i = 0; i < items->size(); ++i) {
      if (!typeMatches(elementType, items->get(i))) {
        return keyError(where, path + "[" + std::to_string(i) + "]",
                        "expected " + elementType + ", got " + typeName(items->get(i)));
      }
    }
  }
  target.set(key, clone(value));
  return Status::ok();
}

Status mergeDocument(Object& effective, const Object& defaults, const Object& overrides,
                     const std::string& where) {
  for (const auto& [key, value] : overrides) {
    if (!defaults.has(key)) {
      return keyError(where, key, "unknown key");
    }
    TILLID_RETURN_IF_ERROR(mergeValue(effective, key, defaults.get(key), value, key, where));
  }
  return Status::ok();
}

// "a.b.c=value" becomes {"a":{"b":{"c":value}}}; value is JSON if it parses as JSON,
// otherwise the literal text (so `--set log.level=debug` needs no quoting).
Result<Object::Ptr> overrideDocument(const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Status::error(ErrorCode::kInvalidArgument,
                         "--set '" + assignment + "': expected key=value, e.g. log.level=debug");
  }
  const std::string path = assignment.substr(0, eq);
  const std::string text = assignment.substr(eq + 1);
  Var value = text;
  try {
    // Poco's parser wants an object or array at the top, so scalars are wrapped.
    Poco::JSON::Parser parser;
    const Var wrapped = parser.parse("[" + text + "]");
    const Array::Ptr& items = wrapped.extract<Array::Ptr>();
    if (items->size() == 1) value = items->get(0);
  } catch (const Poco::Exception&) {
    value = text;
  }
  Object::Ptr root = new Object;
  Object::Ptr node = root;
  std::istringstream parts(path);
  std::string part;
  std::vector<std::string> keys;
  while (std::getline(parts, part, '.')) keys.push_back(part);
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    Object::Ptr child = new Object;
    node->set(keys[i], child);
    node = child;
  }
  node->set(keys.back(), value);
  return root;
}

Status applyConstraints(const Object::Ptr& root, const std::vector<ConfigConstraint>& constraints) {
  for (const auto& constraint : constraints) {
    Var node = root;
    std::istringstream parts(constraint.path);
    std::string part;
    while (std::getline(parts, part, '.')) {
      if (!isObject(node) || !node.extract<Object::Ptr>()->has(part)) {
        throw std::logic_error("config constraint names unknown key " + constraint.path);
      }
      node = node.extract<Object::Ptr>()->get(part);
    }
    if (auto reason = constraint.check(node)) {
      return keyError("configuration", constraint.path, *reason + " (got " + describe(node) + ")");
    }
  }
  return Status::ok();
}

void flatten(const Var& v, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (isObject(v) && v.extract<Object::Ptr>()->size() > 0) {
    for (const auto& [key, child] : *v.extract<Object::Ptr>()) {
      flatten(child, prefix.empty() ? key : prefix + "." + key, out);
    }
    return;
  }
  if (!prefix.empty()) out[prefix] = canonicalJson(v);
}

}  // namespace

ConfigConstraint rangeConstraint(std::string path, double min, double max) {
  return {std::move(path), [min, max](const Var& v) -> std::optional<std::string> {
            const double x = v.convert<double>();
            if (x < min || x > max) {
              return "must be between " + Poco::NumberFormatter::format(min) + " and " +
                     Poco::NumberFormatter::format(max);
            }
            return std::nullopt;
          }};
}

ConfigConstraint oneOfConstraint(std::string path, std::vector<std::string> allowed) {
  return {std::move(path), [allowed](const Var& v) -> std::optional<std::string> {
            const std::string s = v.convert<std::string>();
            std::string list;
            for (const auto& a : allowed) {
              if (a == s) return std::nullopt;
              list += (list.empty() ? "" : ", ") + a;
            }
            return "must be one of: " + list;
          }};
}

ConfigConstraint timestampConstraint(std::string path) {
  return {std::move(path), [](const Var& v) -> std::optional<std::string> {
            const std::string s = v.convert<std::string>();
            if (s.empty() || parseTimestamp(s).isOk()) return std::nullopt;
            return "must be a date YYYY-MM-DD or a UTC time YYYY-MM-DDTHH:MM:SSZ";
          }};
}

Result<Config> Config::load(const ConfigSources& sources,
                            const std::vector<ConfigConstraint>& constraints) {
  auto defaults = parseJsonObject(sources.defaultsText, /*allowComments=*/true);
  if (!defaults) {
    throw std::logic_error("built-in configuration " + sources.defaultsName +
                           " is invalid: " + defaults.status().message());
  }
  Config config;
  config.root_ = clone(*defaults).extract<Object::Ptr>();

  if (sources.file) {
    auto text = readWholeFile(*sources.file);
    if (!text) {
      return Status::error(text.status().code(),
                           text.status().message() +
                               " (cannot read the configuration file: check the path given to "
                               "--config and its permissions)");
    }
    auto document = parseJsonObject(*text, /*allowComments=*/true);
    if (!document) return document.status().withContext(*sources.file);
    TILLID_RETURN_IF_ERROR(mergeDocument(*config.root_, **defaults, **document, *sources.file));
    config.sourceFile_ = *sources.file;
  }
  for (const auto& assignment : sources.overrides) {
    auto document = overrideDocument(assignment);
    if (!document) return document.status();
    TILLID_RETURN_IF_ERROR(
        mergeDocument(*config.root_, **defaults, **document, "--set " + assignment));
    const std::string key = assignment.substr(0, assignment.find('='));
    if (std::find(config.overriddenKeys_.begin(), config.overriddenKeys_.end(), key) ==
        config.overriddenKeys_.end()) {
      config.overriddenKeys_.push_back(key);
    }
  }
  TILLID_RETURN_IF_ERROR(applyConstraints(config.root_, constraints));
  return config;
}

std::string Config::sourceDescription() const {
  const std::string base = sourceFile_.empty() ? "defaults" : sourceFile_;
  return overriddenKeys_.empty() ? base : base + " + --set";
}

Var Config::lookup(const std::string& path) const {
  Var node = root_;
  std::istringstream parts(path);
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (!isObject(node) || !node.extract<Object::Ptr>()->has(part)) {
      throw std::logic_error("no configuration key " + path);
    }
    node = node.extract<Object::Ptr>()->get(part);
  }
  return node;
}

int64_t Config::integer(const std::string& path) const {
  const Var v = lookup(path);
  if (!v.isInteger()) throw std::logic_error(path + " is not an integer");
  return v.convert<int64_t>();
}

double Config::number(const std::string& path) const {
  const Var v = lookup(path);
  if (!v.isNumeric()) throw std::logic_error(path + " is not a number");
  return v.convert<double>();
}

const std::string Config::string(const std::string& path) const {
  const Var v = lookup(path);
  if (!v.isString()) throw std::logic_error(path + " is not a string");
  return v.convert<std::string>();
}

bool Config::boolean(const std::string& path) const {
  const Var v = lookup(path);
  if (v.type() != typeid(bool)) throw std::logic_error(path + " is not a boolean");
  return v.extract<bool>();
}

std::vector<std::string> Config::strings(const std::string& path) const {
  const Var v = lookup(path);
  if (!isArray(v)) throw std::logic_error(path + " is not an array");
  std::vector<std::string> out;
  for (const auto& item : *v.extract<Array::Ptr>()) out.push_back(item.convert<std::string>());
  return out;
}

Object::Ptr Config::object(const std::string& path) const {
  const Var v = lookup(path);
  if (!isObject(v)) throw std::logic_error(path + " is not an object");
  return v.extract<Object::Ptr>();
}

std::string Config::canonical() const {
  return canonicalJson(root_);
}

std::vector<std::string> Config::changedKeys(const std::string& beforeCanonical,
                                             const std::string& afterCanonical) {
  std::map<std::string, std::string> before;
  std::map<std::string, std::string> after;
  if (auto b = parseJsonObject(beforeCanonical)) flatten(*b, "", before);
  if (auto a = parseJsonObject(afterCanonical)) flatten(*a, "", after);
  std::vector<std::string> changed;
  for (const auto& [key, value] : after) {
    auto it = before.find(key);
    if (it == before.end() || it->second != value) changed.push_back(key);
  }
  for (const auto& [key, value] : before) {
    if (!after.count(key)) changed.push_back(key);
  }
  return changed;
}

}  // namespace tillid
