// `tillid-agent my-data`: what the agent holds about the person running it, and every
// access to it. Needs no root: the running agent answers on its local socket for the
// caller's own account only (agent/service/my_data.h). Plain text in the terminal;
// --html FILE writes a self-contained page to open in a browser or print.

#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/cli/employee_language.h"
#include "common/canonical_json.h"
#include "common/html.h"
#include "platform/local_socket.h"

namespace tillid::cli {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

struct Column {
  const char* key;
  Text title;
};

const Column kCategory = {"category", {"Kategori", "Category"}};
const Column kService = {"service", {"Tjeneste", "Service"}};
const Column kReceived = {"bytes_in", {"Modtaget", "Received"}};
const Column kSent = {"bytes_out", {"Sendt", "Sent"}};
const Column kConnections = {"connections", {"Forbindelser", "Connections"}};
const Column kFirst = {"first_hour", {"Første", "First"}};
const Column kLast = {"last_hour", {"Seneste", "Last"}};

const std::vector<Column> kCategoryColumns = {
    kCategory, kReceived, kSent, kConnections, {"active_seconds", {"Aktiv", "Active"}},
    kFirst,    kLast};
const std::vector<Column> kDestinationColumns = {{"destination", {"Destination", "Destination"}},
                                                 kService,
                                                 kCategory,
                                                 kReceived,
                                                 kSent,
                                                 kConnections,
                                                 kFirst,
                                                 kLast};
const std::vector<Column> kFlagColumns = {
    {"kind", {"Markering", "Flag"}},    kService,
    {"start", {"Fra", "From"}},         {"end", {"Til", "To"}},
    {"avg_mbps", {"Mbit/s", "Mbit/s"}}, {"state", {"Status", "State"}}};
const std::vector<Column> kSessionColumns = {{"server", {"Citrix-server", "Citrix server"}},
                                             {"start", {"Start", "Start"}},
                                             {"end", {"Slut", "End"}},
                                             {"bytes_from_server", {"Modtaget", "Received"}},
                                             {"bytes_to_server", {"Sendt", "Sent"}}};
const std::vector<Column> kAccessColumns = {{"time", {"Hvornår", "When"}},
                                            {"who", {"Hvem", "Who"}},
                                            {"where", {"Hvor", "Where"}},
                                            {"query", {"Hvad", "What"}},
                                            {"purpose", {"Formål", "Purpose"}},
                                            {"case", {"Sag", "Case"}},
                                            {"signed_by", {"Underskrevet af", "Signed by"}},
                                            {"outcome", {"Udfald", "Outcome"}},
                                            {"reason", {"Begrundelse", "Reason"}}};

const Text kTitle = {"Det har Tillid registreret om dig", "What Tillid holds about you"};
const Text kAccount = {"Konto", "Account"};
const Text kMade = {"dannet", "made"};
const Text kRecorded = {"Internetbrug registreres", "Internet use is recorded"};
const Text kNoStartDate = {"først når en startdato er fastsat (ingen er fastsat endnu)",
                           "only once a start date is set (none is set yet)"};
const Text kFrom = {"fra", "from"};
const Text kWhatShort = {"destinationer, tidspunkter og mængder, aldrig indhold.",
                         "destinations, times and volumes, never content."};
const Text kWhatLong = {
    "destinationer, tidspunkter og mængder &mdash; aldrig indhold, sideadresser eller "
    "tastetryk. Destinationer i beskyttede kategorier (fagforeninger, sundhed, religion, "
    "politik, seksuel orientering, livssyn) navngives aldrig.",
    "destinations, times and volumes &mdash; never content, page addresses or keystrokes. "
    "Destinations in protected categories (unions, health, religion, politics, sexual "
    "orientation, beliefs) are never named."};
const Text kDeletedAfter = {"Rækkerne slettes efter", "Rows are deleted after"};
const Text kDays = {"dage", "days"};
const Text kResetAnnounced = {"Enheden nulstilles: din konto og dine filer slettes fra",
                              "This device will be reset: your account and files are erased from"};
const Text kWhoLooks = {
    "Ledelsen ser kun på dem ved tilfældige stikprøvekontroller (kun totaler) eller, ved en "
    "konkret mistanke, i en undersøgelse med et sagsnummer og en underskrevet ordre. Hver "
    "sådan adgang står sidst på denne side.",
    "Management looks at them only in random spot checks (totals only) or, on a concrete "
    "suspicion, in an investigation with a case number and a signed order. Every such "
    "access is listed at the end of this page."};
// The parts of the view, in order: a title, the answer's list and its columns.
struct Section {
  Text title;
  const char* list;
  const std::vector<Column>* columns;
};
const Section kSections[] = {
    {{"Din internetbrug efter kategori", "Your internet use by category"},
     "usage_by_category",
     &kCategoryColumns},
    {{"Din internetbrug efter destination", "Your internet use by destination"},
     "usage_by_destination",
     &kDestinationColumns},
    {{"Markeringer for streaming i dine Citrix-sessioner",
      "Streaming flags on your Citrix sessions"},
     "flags",
     &kFlagColumns},
    {{"Dine Citrix-sessioner", "Your Citrix sessions"}, "sessions", &kSessionColumns},
    {{"Enhver adgang til dine data (fra sikkerhedsloggen)",
      "Every access to your data (from the security log)"},
     "accesses",
     &kAccessColumns}};
const Text kNone = {"Ingen.", "None."};
const Text kFooter = {
    "Fra Tillid-agenten på denne computer (<code>tillid-agent my-data</code>). Spørgsmål: din "
    "leder, din tillidsrepræsentant eller databeskyttelsesrådgiveren.",
    "From the Tillid agent on this computer (<code>tillid-agent my-data</code>). Questions: "
    "your manager, your representative or the data protection officer."};

std::string text(const Object::Ptr& o, const std::string& key,
                 Language language = Language::kEnglish) {
  if (!o || !o->has(key) || o->isNull(key)) return "";
  const auto value = o->get(key);
  if (value.isString()) return value.toString();
  const std::string json = canonicalJson(value);
  if (key.find("bytes") != std::string::npos) {
    const double bytes = value.convert<double>();
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double shown = bytes;
    int unit = 0;
    while (shown >= 1000 && unit < 4) {
      shown /= 1000;
      ++unit;
    }
    std::ostringstream out;
    out.precision(unit == 0 ? 0 : 1);
    out << std::fixed << shown;
    std::string number = out.str();
    if (language == Language::kDanish) std::replace(number.begin(), number.end(), '.', ',');
    return number + " " + units[unit];
  }
  if (key == "active_seconds") {
    const int64_t s = value.convert<int64_t>();
    return std::to_string(s / 3600) + (language == Language::kDanish ? " t " : " h ") +
           std::to_string(s / 60 % 60) + " min";
  }
  return json;
}

std::string shortTime(std::string t) {
  if (t.size() >= 16 && t[10] == 'T') t = t.substr(0, 10) + " " + t.substr(11, 5);
  return t;
}

std::string cell(const Object::Ptr& row, const Column& c, Language language) {
  const std::string key = c.key;
  const bool time =
      key == "time" || key == "start" || key == "end" || key.find("hour") != std::string::npos;
  if (time) return shortTime(text(row, key));
  const std::string value = text(row, key, language);
  // The one stored word a reader sees in place of a name (usage/privacy_filter.h).
  return value == "protected" && language == Language::kDanish ? "beskyttet" : value;
}

// Width in characters, not bytes: the Danish titles have letters outside ASCII.
size_t displayWidth(const std::string& s) {
  size_t width = 0;
  for (const char c : s) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

void printTextTable(std::ostream& out, const Array::Ptr& list, const std::vector<Column>& cols,
                    Language language) {
  if (!list || list->size() == 0) {
    out << "  (" << (language == Language::kDanish ? "ingen" : "none") << ")\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  for (const auto& c : cols) header.emplace_back(c.title.in(language));
  rows.push_back(header);
  for (unsigned i = 0; i < list->size(); ++i) {
    std::vector<std::string> row;
    for (const auto& c : cols) row.push_back(cell(list->getObject(i), c, language));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(cols.size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], displayWidth(row[c]));
  }
  for (const auto& row : rows) {
    out << " ";
    for (size_t c = 0; c < row.size(); ++c) {
      out << " " << row[c];
      if (c + 1 < row.size()) out << std::string(width[c] - displayWidth(row[c]) + 1, ' ');
    }
    out << "\n";
  }
}

std::string effectiveDate(const Object::Ptr& data, Language language) {
  const std::string from = text(data, "effective_from");
  return from.empty() ? kNoStartDate.in(language) : std::string(kFrom.in(language)) + " " + from;
}

void printText(const Object::Ptr& data, Language l) {
  std::cout << kTitle.in(l) << " (" << text(data, "user") << "), "
            << shortTime(text(data, "generated")) << " UTC\n\n"
            << kRecorded.in(l) << " " << effectiveDate(data, l) << ": " << kWhatShort.in(l) << "\n"
            << kDeletedAfter.in(l) << " " << text(data, "retention_days") << " " << kDays.in(l)
            << ".\n";
  if (const Object::Ptr reset = data->getObject("pending_reset")) {
    std::cout << "\n"
              << kResetAnnounced.in(l) << " " << shortTime(text(reset, "starts")) << " UTC.\n";
  }
  for (const Section& section : kSections) {
    std::cout << "\n" << section.title.in(l) << "\n";
    printTextTable(std::cout, data->getArray(section.list), *section.columns, l);
  }
}

void htmlTable(std::ostream& out, const Array::Ptr& list, const std::vector<Column>& cols,
               Language language) {
  if (!list || list->size() == 0) {
    out << "<p class=\"none\">" << kNone.in(language) << "</p>\n";
    return;
  }
  out << "<table><thead><tr>";
  for (const auto& c : cols) out << "<th>" << escapeHtml(c.title.in(language)) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (unsigned i = 0; i < list->size(); ++i) {
    out << "<tr>";
    for (const auto& c : cols) {
      out << "<td>" << escapeHtml(cell(list->getObject(i), c, language)) << "</td>";
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

std::string html(const Object::Ptr& data, Language l) {
  std::ostringstream out;
  out << "<!DOCTYPE html>\n<html lang=\"" << (l == Language::kDanish ? "da" : "en")
      << "\"><head><meta charset=\"utf-8\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      << "<title>" << kTitle.in(l) << "</title>"
      << R"(
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 64em; color: #1b1b1b;
       line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.15em; margin-top: 1.8em; border-bottom: 2px solid #2b5d8a; padding-bottom: .2em; }
.facts { background: #eef4fa; border-left: 4px solid #2b5d8a; padding: .6em 1em; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #d8dde3; }
th { background: #f3f5f7; }
tr:nth-child(even) td { background: #fafbfc; }
.none { color: #666; font-style: italic; }
footer { margin-top: 2em; color: #555; font-size: .85em; }
</style></head><body>
)";
  out << "<h1>" << kTitle.in(l) << "</h1>\n<p>" << kAccount.in(l) << " <strong>"
      << escapeHtml(text(data, "user")) << "</strong> &middot; " << kMade.in(l) << " "
      << escapeHtml(shortTime(text(data, "generated"))) << " UTC</p>\n<div class=\"facts\"><p>"
      << kRecorded.in(l) << " " << escapeHtml(effectiveDate(data, l)) << ": " << kWhatLong.in(l)
      << "</p><p>" << kDeletedAfter.in(l) << " <strong>" << escapeHtml(text(data, "retention_days"))
      << " " << kDays.in(l) << "</strong>. " << kWhoLooks.in(l) << "</p></div>\n";
  for (const Section& section : kSections) {
    out << "<h2>" << section.title.in(l) << "</h2>\n";
    htmlTable(out, data->getArray(section.list), *section.columns, l);
  }
  out << "<footer>" << kFooter.in(l) << "</footer>\n</body></html>\n";
  return out.str();
}

int myData(const ParsedArgs& args) {
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  const std::string socket = context->config.string("employee_view.socket");
  if (socket.empty()) {
    return fail(kProgram, "the employee view is switched off (employee_view.socket is empty)");
  }
  auto answer = platform::askLocalSocket(socket, "my-data");
  if (!answer) return fail(kProgram, answer.status().message());
  auto data = parseJsonObject(*answer);
  if (!data) return fail(kProgram, "the agent's answer is not readable: " + answer->substr(0, 200));
  if ((*data)->has("error")) return fail(kProgram, text(*data, "error"));
  auto chosen = employeeLanguage(args, context->config);
  if (!chosen) return fail(kProgram, chosen.status().message(), kExitUsage);
  const Language language = *chosen;
  if (args.has("json")) {
    std::cout << canonicalJson(*data) << "\n";
  } else if (auto file = args.value("html")) {
    try {
      Poco::FileOutputStream out(*file);
      out << html(*data, language);
    } catch (const Poco::Exception& e) {
      return fail(kProgram, "cannot write " + *file + ": " + e.displayText());
    }
    std::cout << "wrote " << *file << "\n";
  } else {
    printText(*data, language);
  }
  return kExitOk;
}

}  // namespace

Command myDataCommand() {
  return {"my-data",
          "my-data",
          "what the agent holds about you and every access to it (no root needed)",
          {{"html", "FILE", "write a self-contained web page instead"},
           {"lang", "da|en", "language of the text and the page (default: employee_view.language)"},
           {"json", "", "print JSON"}},
          myData};
}

}  // namespace tillid::cli
