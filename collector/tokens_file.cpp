#include "collector/tokens_file.h"

#include <Poco/JSON/Array.h>

#include <fstream>

#include "common/canonical_json.h"
#include "common/files.h"

namespace tillid::collector {

Result<std::vector<EnrollmentToken>> readTokensFile(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text) return text.status().withContext("the tokens file");
  auto document = parseJsonObject(*text, /*allowComments=*/true);
  if (!document) return document.status().withContext(path);
  const Poco::JSON::Array::Ptr list = (*document)->getArray("tokens");
  if (!list)
    return Status::error(ErrorCode::kInvalidArgument, path + ": 'tokens' must be an array");
  std::vector<EnrollmentToken> tokens;
  for (unsigned i = 0; i < list->size(); ++i) {
    const std::string where = path + ": tokens[" + std::to_string(i) + "]";
    const Poco::JSON::Object::Ptr item = list->getObject(i);
    if (!item || !item->has("sha256") || !item->get("sha256").isString()) {
      return Status::error(ErrorCode::kInvalidArgument, where + ": needs a 'sha256' string");
    }
    EnrollmentToken token;
    token.sha256 = item->getValue<std::string>("sha256");
    if (token.sha256.size() != 64) {
      return Status::error(ErrorCode::kInvalidArgument, where + ": 'sha256' must be 64 hex digits");
    }
    if (item->has("max_uses")) {
      if (!item->get("max_uses").isInteger() || item->getValue<int64_t>("max_uses") < 1) {
        return Status::error(ErrorCode::kInvalidArgument, where + ": 'max_uses' must be >= 1");
      }
      token.maxUses = item->getValue<int64_t>("max_uses");
    }
    if (item->has("expires")) {
      auto expires = parseTimestamp(item->get("expires").toString());
      if (!expires) return expires.status().withContext(where + ": 'expires'");
      token.expires = *expires;
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace tillid::collector
