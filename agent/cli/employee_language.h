#pragma once
// What employees read (the notice, their own view) speaks their language: Danish by
// default (employee_view.language or --lang), English on request. Every such text has
// both forms beside each other.

#include <optional>
#include <string>

#include "common/command_line.h"
#include "common/config.h"
#include "common/result.h"

namespace tillid::cli {

enum class Language { kDanish, kEnglish };

struct Text {
  const char* da;
  const char* en;
  const char* in(Language l) const { return l == Language::kDanish ? da : en; }
};

// --lang, else employee_view.language; kInvalidArgument unless "da" or "en".
Result<Language> employeeLanguage(const ParsedArgs& args, const Config& config);

}  // namespace tillid::cli
