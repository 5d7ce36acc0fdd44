#pragma once
// Canonical JSON: object keys sorted, no whitespace, one spelling per value. Used
// wherever bytes are hashed or signed (audit chain, reports, orders), so that the same
// content always yields the same digest.

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>

#include "common/result.h"

namespace tillid {

// REQUIRES: value holds JSON-representable data (objects, arrays, strings, integers,
// booleans, null). Floating-point values are written with 17 significant digits;
// hashed records should prefer integers.
std::string canonicalJson(const Poco::Dynamic::Var& value);

// Parses JSON text (comments allowed when allowComments) into an object.
Result<Poco::JSON::Object::Ptr> parseJsonObject(const std::string& text,
                                                bool allowComments = false);
// The object stored as `json`, or an empty object when it is not one (for text this
// program wrote itself and already checked once).
Poco::JSON::Object::Ptr parsedOrEmpty(const std::string& json);

// The string member `name` of `o`, or "" when `o` is null or the member is absent or not
// a string: for fields of untrusted input whose absence is answered later.
std::string stringMember(const Poco::JSON::Object& o, const std::string& name);
std::string stringMember(const Poco::JSON::Object::Ptr& o, const std::string& name);

}  // namespace tillid
