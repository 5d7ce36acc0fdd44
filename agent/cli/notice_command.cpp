// `tillid-agent notice`: the notice employees get before the control measure starts. The
// municipality writes who it is, whom to ask, why and on what legal basis (notice.*); every
// statement about what the agent does is made here from the settings that make it do so
// (what is recorded, from when, the Citrix streaming thresholds, who may see what and
// under which rules, how long each kind is kept, the reset and its notice period), so the
// notice cannot say other than what the agent does.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cmath>
#include <iostream>
#include <sstream>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/cli/employee_language.h"
#include "agent/usage/privacy_filter.h"

namespace tillid::cli {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

// The built-in protected lists' names.
std::string categoryName(const std::string& list, Language l) {
  if (list == "sexual_orientation") {
    return l == Language::kEnglish ? "sexual orientation" : "seksuel orientering";
  }
  if (l == Language::kEnglish) return list;
  if (list == "unions") return "fagforeninger";
  if (list == "health") return "sundhed";
  if (list == "politics") return "politik";
  if (list == "beliefs") return "livssyn";
  return list;  // "religion" is the same word
}

// A number as the reader writes it: "2,5" in Danish, "2.5" in English.
std::string decimal(double value, Language l) {
  std::ostringstream out;
  out << (std::round(value * 10) / 10);
  std::string text = out.str();
  if (l == Language::kDanish) {
    for (char& c : text) c = c == '.' ? ',' : c;
  }
  return text;
}

// `text` with each "{name}" of `values` replaced by its value.
std::string filled(std::string text,
                   const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    for (size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), value);
      at += value.size();
    }
  }
  return text;
}

const Text kTitle = {
    "Orientering om kontrolforanstaltning: registrering af internetbrug på arbejdsenheder",
    "Notice of a control measure: recording of internet use on work devices"};
const Text kController = {"Dataansvarlig", "Data controller"};
const Text kContact = {"Kontakt", "Contact"};
const Text kPurpose = {"Formål", "Purpose"};
const Text kLegalBasis = {"Retsgrundlag", "Legal basis"};
const Text kRecorded = {"Hvad registreres", "What is recorded"};
const Text kNever = {"Hvad registreres aldrig", "What is never recorded"};
const Text kProtected = {"Beskyttede kategorier (registreres kun som 'beskyttet', uden navn)",
                         "Protected categories (recorded only as 'protected', without a name)"};
const Text kLocalLists = {"lokale lister", "local lists"};
const Text kAnd = {"samt", "and"};
const Text kWho = {"Hvem kan se hvad", "Who may see what"};
const Text kKept = {"Opbevaring", "Retention"};
const Text kReset = {"Når du fratræder", "When you leave"};
const Text kFrom = {"Gælder fra", "In effect from"};
const Text kRights = {"Dine rettigheder", "Your rights"};

const std::vector<Text> kRecordedItems = {
    {"bruger og enhed", "user and device"},
    {"programmets navn", "the program's name"},
    {"destinationens domæne (fx dr.dk)", "the destination's domain (e.g. dr.dk)"},
    {"tjeneste og kategori (fx video, møder)", "service and category (e.g. video, meetings)"},
    {"pr. time: datamængde, antal forbindelser og aktive sekunder",
     "per hour: volume, number of connections and active seconds"},
    {"Citrix-sessioner: server, start, slut og datamængde",
     "Citrix sessions: server, start, end and volume"},
    {"markeringer af tung streaming gennem Citrix: en videostrøm over {mbps} Mbit/s, der "
     "varer mindst {minutes} minutter, eller en streamingtjeneste over {service_mbps} Mbit/s "
     "lige så længe (hvornår, hvor længe, hvor meget, hvilken tjeneste hvis kendt); "
     "videomøder og korte klip markeres ikke",
     "flags of heavy streaming through Citrix: a video stream above {mbps} Mbit/s lasting at "
     "least {minutes} minutes, or a streaming service above {service_mbps} Mbit/s as long "
     "(when, how long, how much, which service if known); video meetings and short clips are "
     "not flagged"}};
const Text kNeverText = {"sidens adresse, søgninger, indhold, tastetryk og skærmbilleder",
                         "the page's address, searches, content, keystrokes and screenshots"};
const std::vector<Text> kWhoItems = {
    {"kommunens it: enhedens status og at sikkerhedsloggen er intakt",
     "the municipality's IT: the device's status and that the security log is intact"},
    {"ledelsen ved stikprøvekontrol: kun tilfældigt udtrukne enheder (udtrækningen logges), "
     "og kun mængder pr. kategori og tjeneste og streamingmarkeringer, aldrig destinationer",
     "management in spot checks: only randomly drawn devices (the draw is logged), and only "
     "volumes per category and service and streaming flags, never destinations"},
    {"ledelsen ved konkret mistanke om misbrug: også destinationer og Citrix-sessioner, kun med "
     "et sagsnummer og en ordre underskrevet af en udpeget undersøger",
     "management on a concrete suspicion of misuse: also destinations and Citrix sessions, "
     "only with a case number and an order signed by an appointed investigator"},
    {"kommunens centrale server modtager en kopi af registreringerne; kopien læses efter de "
     "samme regler",
     "the municipality's central server receives a copy of the records; the copy is read "
     "under the same rules"},
    {"hver læsning, på enheden eller på den centrale server, registreres med hvem, hvornår, "
     "formål og sag, og du kan se den med 'tillid-agent my-data'",
     "every read, on the device or at the central server, is recorded with who, when, "
     "purpose and case, and you can see it with 'tillid-agent my-data'"}};
const Text kKeptText = {
    "På enheden slettes internetbrug efter {usage} dage, streamingmarkeringer efter {flags} "
    "dage, Citrix-sessioner efter {sessions} dage og sikkerhedsloggen efter {log} dage; "
    "hvad der endnu ikke er modtaget af den centrale server, slettes først, når det er. Den "
    "centrale server sletter sin kopi efter kommunens egne frister.",
    "On the device, internet use is deleted after {usage} days, streaming flags after "
    "{flags} days, Citrix sessions after {sessions} days and the security log after {log} "
    "days; what the central server has not received yet is deleted only once it has. The "
    "central server deletes its copy after the municipality's own limits."};
const Text kResetText = {
    "Kommunen nulstiller enheden, før den leveres tilbage: dine konti og filer slettes sikkert, "
    "og enheden udsteder et certifikat for sletningen. Du får besked på skærmen og i "
    "'tillid-agent my-data' {hours} timer før, så du kan fjerne private filer. Kun en mistet "
    "eller stjålet enhed nulstilles uden varsel.",
    "The municipality resets the device before it is returned: your accounts and files are "
    "securely erased, and the device issues a certificate of the erasure. You are told on "
    "screen and in 'tillid-agent my-data' {hours} hours before, so you can remove private "
    "files. Only a lost or stolen device is reset without notice."};
const Text kNoStart = {"Ingen startdato er fastsat: der registreres intet.",
                       "No start date is set: nothing is recorded."};
const Text kFromText = {"{date}. Før denne dato registreres intet.",
                        "{date}. Nothing is recorded before this date."};

Object noticeOf(const Config& config, Language l) {
  Object notice;
  notice.set("language", l == Language::kDanish ? "da" : "en");
  for (const char* key : {"controller", "contact", "purpose", "legal_basis", "rights"}) {
    notice.set(key, config.string(std::string("notice.") + key));
  }
  const auto minutes = static_cast<int64_t>(
      std::lround(config.number("citrix.ica_video.min_duration_seconds") / 60));
  Array::Ptr recorded = new Array;
  for (const Text& item : kRecordedItems) {
    recorded->add(filled(
        item.in(l),
        {{"{mbps}", decimal(config.number("citrix.ica_video.start_mbps"), l)},
         {"{service_mbps}", decimal(config.number("citrix.streaming_service.start_mbps"), l)},
         {"{minutes}", std::to_string(minutes)}}));
  }
  notice.set("recorded", recorded);
  notice.set("never_recorded", kNeverText.in(l));
  Array::Ptr categories = new Array;
  for (const auto& list : usage::builtInProtectedLists())
    categories->add(categoryName(list.name, l));
  notice.set("protected_categories", categories);
  notice.set("extra_protected_lists", config.strings("privacy.extra_protected_lists").size());
  Array::Ptr who = new Array;
  for (const Text& item : kWhoItems) who->add(std::string(item.in(l)));
  notice.set("who_sees_what", who);
  Object::Ptr retention = new Object;
  for (const char* kind : {"usage", "flags", "sessions", "security_log"}) {
    retention->set(std::string(kind) + "_days",
                   config.integer(std::string("retention.") + kind + "_days"));
  }
  notice.set("retention_days", retention);
  const auto days = [&config](const char* kind) {
    return std::to_string(config.integer(std::string("retention.") + kind + "_days"));
  };
  const std::string kept = filled(kKeptText.in(l), {{"{usage}", days("usage")},
                                                    {"{flags}", days("flags")},
                                                    {"{sessions}", days("sessions")},
                                                    {"{log}", days("security_log")}});
  notice.set("retention", kept);
  notice.set("reset_notice_hours", config.number("offboard.notice_hours"));
  notice.set("reset", filled(kResetText.in(l),
                             {{"{hours}", decimal(config.number("offboard.notice_hours"), l)}}));
  const std::string from = config.string("monitoring.effective_from");
  notice.set("effective_from", from);
  notice.set("in_effect", from.empty() ? std::string(kNoStart.in(l))
                                       : filled(kFromText.in(l), {{"{date}", from}}));
  return notice;
}

void printText(const Object& n, Language l) {
  auto section = [](const Text& title, Language lang, const std::string& text) {
    std::cout << title.in(lang) << "\n  " << text << "\n\n";
  };
  auto list = [](const Text& title, Language lang, const Array::Ptr& items) {
    std::cout << title.in(lang) << "\n";
    for (const auto& item : *items) std::cout << "  - " << item.convert<std::string>() << "\n";
    std::cout << "\n";
  };
  std::cout << kTitle.in(l) << "\n\n";
  section(kController, l, n.getValue<std::string>("controller"));
  section(kContact, l, n.getValue<std::string>("contact"));
  section(kPurpose, l, n.getValue<std::string>("purpose"));
  section(kLegalBasis, l, n.getValue<std::string>("legal_basis"));
  list(kRecorded, l, n.getArray("recorded"));
  section(kNever, l, n.getValue<std::string>("never_recorded"));
  std::string categories;
  for (const auto& c : *n.getArray("protected_categories")) {
    categories += (categories.empty() ? "" : ", ") + c.convert<std::string>();
  }
  const auto extra = n.getValue<size_t>("extra_protected_lists");
  section(kProtected, l,
          categories + (extra > 0 ? std::string(" ") + kAnd.in(l) + " " + std::to_string(extra) +
                                        " " + kLocalLists.in(l)
                                  : ""));
  list(kWho, l, n.getArray("who_sees_what"));
  section(kKept, l, n.getValue<std::string>("retention"));
  section(kReset, l, n.getValue<std::string>("reset"));
  section(kFrom, l, n.getValue<std::string>("in_effect"));
  section(kRights, l, n.getValue<std::string>("rights"));
}

int noticeMain(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  auto language = employeeLanguage(args, context->config);
  if (!language) return fail(kProgram, language.status().message(), kExitUsage);
  const Object notice = noticeOf(context->config, *language);
  if (args.has("json")) {
    notice.stringify(std::cout);
    std::cout << "\n";
  } else {
    printText(notice, *language);
  }
  return kExitOk;
}

}  // namespace

Command noticeCommand() {
  return {"notice",
          "notice",
          "print the notice to employees about what is recorded, why, who may see it and for "
          "how long",
          {{"json", "", "print JSON"}, {"lang", "da|en", "the language (employee_view.language)"}},
          noticeMain};
}

}  // namespace tillid::cli
