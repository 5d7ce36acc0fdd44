#include "agent/cli/employee_language.h"

namespace tillid::cli {

Result<Language> employeeLanguage(const ParsedArgs& args, const Config& config) {
  const std::string lang = args.value("lang").value_or(config.string("employee_view.language"));
  if (lang == "da") return Language::kDanish;
  if (lang == "en") return Language::kEnglish;
  return Status::error(ErrorCode::kInvalidArgument, "--lang must be da or en");
}

}  // namespace tillid::cli
