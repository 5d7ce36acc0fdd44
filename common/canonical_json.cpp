#include "common/canonical_json.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSONString.h>

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

namespace tillid {
namespace {

void write(std::string& out, const Poco::Dynamic::Var& value);

void writeObject(std::string& out, const Poco::JSON::Object& object) {
  std::vector<std::string> keys;
  object.getNames(keys);
  std::sort(keys.begin(), keys.end());
  out += '{';
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out += ',';
    out += Poco::toJSON(keys[i], Poco::JSON_WRAP_STRINGS);
    out += ':';
    write(out, object.get(keys[i]));
  }
  out += '}';
}

void writeArray(std::string& out, const Poco::JSON::Array& array) {
  out += '[';
  for (size_t i = 0; i < array.size(); ++i) {
    if (i > 0) out += ',';
    write(out, array.get(static_cast<unsigned>(i)));
  }
  out += ']';
}

void write(std::string& out, const Poco::Dynamic::Var& value) {
  if (value.isEmpty()) {
    out += "null";
  } else if (value.type() == typeid(Poco::JSON::Object::Ptr)) {
    writeObject(out, *value.extract<Poco::JSON::Object::Ptr>());
  } else if (value.type() == typeid(Poco::JSON::Object)) {
    writeObject(out, value.extract<Poco::JSON::Object>());
  } else if (value.type() == typeid(Poco::JSON::Array::Ptr)) {
    writeArray(out, *value.extract<Poco::JSON::Array::Ptr>());
  } else if (value.type() == typeid(Poco::JSON::Array)) {
    writeArray(out, value.extract<Poco::JSON::Array>());
  } else if (value.type() == typeid(bool)) {
    out += value.extract<bool>() ? "true" : "false";
  } else if (value.isInteger()) {
    out += value.isSigned() ? std::to_string(value.convert<Poco::Int64>())
                            : std::to_string(value.convert<Poco::UInt64>());
  } else if (value.isNumeric()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", value.convert<double>());
    out += buffer;
  } else {  // a string, or anything else as its text
    out += Poco::toJSON(value.convert<std::string>(), Poco::JSON_WRAP_STRINGS);
  }
}

// Poco's own comment support handles only some placements of `//`, so comments are
// removed here, outside string literals, keeping newlines so error positions still match.
std::string stripComments(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool inString = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (inString) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
      out += c;
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      out += '\n';
    } else if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      const size_t end = text.find("*/", i + 2);
      for (size_t j = i; j < std::min(end, text.size()); ++j) {
        if (text[j] == '\n') out += '\n';
      }
      i = end == std::string::npos ? text.size() : end + 1;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string canonicalJson(const Poco::Dynamic::Var& value) {
  std::string out;
  write(out, value);
  return out;
}

Result<Poco::JSON::Object::Ptr> parseJsonObject(const std::string& text, bool allowComments) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var parsed = parser.parse(allowComments ? stripComments(text) : text);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
      return Status::error(ErrorCode::kInvalidArgument, "expected a JSON object at the top level");
    }
    return parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Status::error(ErrorCode::kInvalidArgument, "invalid JSON: " + e.displayText());
  }
}

Poco::JSON::Object::Ptr parsedOrEmpty(const std::string& json) {
  auto parsed = parseJsonObject(json);
  return parsed ? *parsed : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
}

std::string stringMember(const Poco::JSON::Object& o, const std::string& name) {
  return o.has(name) && o.get(name).isString() ? o.getValue<std::string>(name) : "";
}

std::string stringMember(const Poco::JSON::Object::Ptr& o, const std::string& name) {
  return o ? stringMember(*o, name) : "";
}

}  // namespace tillid
