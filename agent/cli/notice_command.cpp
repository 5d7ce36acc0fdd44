// `tillid-agent notice`: the notice employees get before the control measure starts, as
// the configuration defines it (controller, purpose, legal basis, what is collected, who
// receives it, how long it is kept, from when, and the protected categories). Printing
// it from the configuration keeps the notice and the agent's behaviour the same.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <iostream>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/usage/privacy_filter.h"

namespace tillid::cli {
namespace {

// The built-in protected lists' names in the notice's language.
std::string danishCategory(const std::string& list) {
  if (list == "unions") return "fagforeninger";
  if (list == "health") return "sundhed";
  if (list == "politics") return "politik";
  return list;  // "religion" is the same word
}

Poco::JSON::Object noticeOf(const Config& config) {
  Poco::JSON::Object notice;
  for (const char* key : {"controller", "contact", "purpose", "legal_basis", "rights"}) {
    notice.set(key, config.string(std::string("notice.") + key));
  }
  for (const char* key : {"data_categories", "recipients"}) {
    Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
    for (const auto& item : config.strings(std::string("notice.") + key)) items->add(item);
    notice.set(key, items);
  }
  notice.set("retention_days", config.integer("retention.usage_days"));
  notice.set("effective_from", config.string("monitoring.effective_from"));
  Poco::JSON::Array::Ptr categories = new Poco::JSON::Array;
  for (const auto& list : usage::builtInProtectedLists())
    categories->add(danishCategory(list.name));
  notice.set("protected_categories", categories);
  notice.set("extra_protected_lists", config.strings("privacy.extra_protected_lists").size());
  return notice;
}

void printText(const Poco::JSON::Object& n) {
  auto section = [](const std::string& title, const std::string& text) {
    std::cout << title << "\n  " << text << "\n\n";
  };
  auto list = [](const std::string& title, const Poco::JSON::Array::Ptr& items) {
    std::cout << title << "\n";
    for (const auto& item : *items) std::cout << "  - " << item.convert<std::string>() << "\n";
    std::cout << "\n";
  };
  std::cout << "Orientering om kontrolforanstaltning: registrering af internetbrug på "
               "arbejdsenheder\n\n";
  section("Dataansvarlig", n.getValue<std::string>("controller"));
  section("Kontakt", n.getValue<std::string>("contact"));
  section("Formål", n.getValue<std::string>("purpose"));
  section("Retsgrundlag", n.getValue<std::string>("legal_basis"));
  list("Hvad registreres", n.getArray("data_categories"));
  std::string categories;
  for (const auto& c : *n.getArray("protected_categories")) {
    categories += (categories.empty() ? "" : ", ") + c.convert<std::string>();
  }
  const auto extra = n.getValue<size_t>("extra_protected_lists");
  section("Beskyttede kategorier (registreres kun som 'beskyttet', uden navn)",
          categories + (extra > 0 ? " samt " + std::to_string(extra) + " lokale lister" : ""));
  list("Modtagere", n.getArray("recipients"));
  section("Opbevaring", "Oplysningerne slettes på enheden efter " +
                            std::to_string(n.getValue<int64_t>("retention_days")) + " dage.");
  const std::string from = n.getValue<std::string>("effective_from");
  section("Gælder fra", from.empty() ? "Ingen startdato er fastsat: der registreres intet."
                                     : from + ". Før denne dato registreres intet.");
  section("Dine rettigheder", n.getValue<std::string>("rights"));
}

int noticeMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  const Poco::JSON::Object notice = noticeOf(context->config);
  if (args.has("json")) {
    notice.stringify(std::cout);
    std::cout << "\n";
  } else {
    printText(notice);
  }
  return kExitOk;
}

}  // namespace

Command noticeCommand() {
  return {"notice",
          "notice",
          "print the notice to employees about what is recorded, why and for how long",
          {{"json", "", "print JSON"}},
          noticeMain};
}

}  // namespace tillid::cli
