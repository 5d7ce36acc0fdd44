// `tillid-agent my-data`: what the agent holds about the person running it, and every
// access to it. Needs no root: the running agent answers on its local socket for the
// caller's own account only (agent/service/my_data.h). Plain text in the terminal;
// --html FILE writes a self-contained page to open in a browser or print.

#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>

#include <iostream>
#include <sstream>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/core/canonical_json.h"
#include "agent/core/html.h"
#include "platform/local_socket.h"

namespace tillid::cli {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

struct Column {
  const char* key;
  const char* title;
};

const std::vector<Column> kCategoryColumns = {{"category", "Category"},
                                              {"bytes_in", "Received"},
                                              {"bytes_out", "Sent"},
                                              {"connections", "Connections"},
                                              {"active_seconds", "Active"},
                                              {"first_hour", "First"},
                                              {"last_hour", "Last"}};
const std::vector<Column> kDestinationColumns = {{"destination", "Destination"},
                                                 {"service", "Service"},
                                                 {"category", "Category"},
                                                 {"bytes_in", "Received"},
                                                 {"bytes_out", "Sent"},
                                                 {"connections", "Connections"},
                                                 {"first_hour", "First"},
                                                 {"last_hour", "Last"}};
const std::vector<Column> kFlagColumns = {{"kind", "Flag"},     {"service", "Service"},
                                          {"start", "From"},    {"end", "To"},
                                          {"avg_mbps", "Mbit/s"}, {"state", "State"}};
const std::vector<Column> kSessionColumns = {{"server", "Citrix server"},
                                             {"start", "Start"},
                                             {"end", "End"},
                                             {"bytes_from_server", "Received"},
                                             {"bytes_to_server", "Sent"}};
const std::vector<Column> kAccessColumns = {{"time", "When"},        {"who", "Who"},
                                            {"query", "What"},       {"purpose", "Purpose"},
                                            {"case", "Case"},        {"signed_by", "Signed by"},
                                            {"outcome", "Outcome"},  {"reason", "Reason"}};

std::string text(const Object::Ptr& o, const std::string& key) {
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
    out << std::fixed << shown << " " << units[unit];
    return out.str();
  }
  if (key == "active_seconds") {
    const int64_t s = value.convert<int64_t>();
    return std::to_string(s / 3600) + " h " + std::to_string(s / 60 % 60) + " min";
  }
  return json;
}

std::string shortTime(std::string t) {
  if (t.size() >= 16 && t[10] == 'T') t = t.substr(0, 10) + " " + t.substr(11, 5);
  return t;
}

std::string cell(const Object::Ptr& row, const Column& c) {
  const std::string key = c.key;
  const bool time = key == "time" || key == "start" || key == "end" || key.find("hour") != std::string::npos;
  return time ? shortTime(text(row, key)) : text(row, key);
}

void printTextTable(std::ostream& out, const Array::Ptr& list, const std::vector<Column>& cols) {
  if (!list || list->size() == 0) {
    out << "  (none)\n";
    return;
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<size_t> width;
  for (const auto& c : cols) width.push_back(std::string(c.title).size());
  for (unsigned i = 0; i < list->size(); ++i) {
    std::vector<std::string> row;
    for (size_t c = 0; c < cols.size(); ++c) {
      row.push_back(cell(list->getObject(i), cols[c]));
      width[c] = std::max(width[c], row.back().size());
    }
    rows.push_back(std::move(row));
  }
  auto print = [&](const std::vector<std::string>& row) {
    out << " ";
    for (size_t c = 0; c < row.size(); ++c) {
      out << " " << row[c];
      if (c + 1 < row.size()) out << std::string(width[c] - row[c].size() + 1, ' ');
    }
    out << "\n";
  };
  std::vector<std::string> header;
  for (const auto& c : cols) header.emplace_back(c.title);
  print(header);
  for (const auto& row : rows) print(row);
}

std::string effectiveDate(const Object::Ptr& data) {
  const std::string from = text(data, "effective_from");
  return from.empty() ? "since the agent was installed" : "from " + from;
}

void printText(const Object::Ptr& data) {
  std::cout << "What Tillid holds about you (" << text(data, "user") << "), "
            << shortTime(text(data, "generated")) << " UTC\n\n"
            << "Internet use is recorded " << effectiveDate(data)
            << ": destinations, times and volumes, never content.\n"
            << "Rows are deleted after " << text(data, "retention_days") << " days.\n";
  std::cout << "\nYour internet use by category\n";
  printTextTable(std::cout, data->getArray("usage_by_category"), kCategoryColumns);
  std::cout << "\nYour internet use by destination\n";
  printTextTable(std::cout, data->getArray("usage_by_destination"), kDestinationColumns);
  std::cout << "\nStreaming flags on your Citrix sessions\n";
  printTextTable(std::cout, data->getArray("flags"), kFlagColumns);
  std::cout << "\nYour Citrix sessions\n";
  printTextTable(std::cout, data->getArray("sessions"), kSessionColumns);
  std::cout << "\nEvery access to your data (from the security log)\n";
  printTextTable(std::cout, data->getArray("accesses"), kAccessColumns);
}

void htmlTable(std::ostream& out, const Array::Ptr& list, const std::vector<Column>& cols) {
  if (!list || list->size() == 0) {
    out << "<p class=\"none\">None.</p>\n";
    return;
  }
  out << "<table><thead><tr>";
  for (const auto& c : cols) out << "<th>" << escapeHtml(c.title) << "</th>";
  out << "</tr></thead><tbody>\n";
  for (unsigned i = 0; i < list->size(); ++i) {
    out << "<tr>";
    for (const auto& c : cols) out << "<td>" << escapeHtml(cell(list->getObject(i), c)) << "</td>";
    out << "</tr>\n";
  }
  out << "</tbody></table>\n";
}

std::string html(const Object::Ptr& data) {
  std::ostringstream out;
  out << R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>What Tillid holds about you</title>
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
  out << "<h1>What Tillid holds about you</h1>\n<p>Account <strong>" << escapeHtml(text(data, "user"))
      << "</strong> &middot; made " << escapeHtml(shortTime(text(data, "generated")))
      << " UTC</p>\n<div class=\"facts\"><p>Internet use is recorded "
      << escapeHtml(effectiveDate(data))
      << ": destinations, times and volumes &mdash; never content, page addresses or "
         "keystrokes. Destinations in protected categories (unions, health, religion, "
         "politics) are never named.</p><p>Rows are deleted after <strong>"
      << escapeHtml(text(data, "retention_days"))
      << " days</strong>. Management looks at them only in random spot checks "
         "(totals only) or, on a concrete suspicion, in an investigation with a case "
         "number and a signed order. Every such access is listed at the end of this "
         "page.</p></div>\n";
  out << "<h2>Your internet use by category</h2>\n";
  htmlTable(out, data->getArray("usage_by_category"), kCategoryColumns);
  out << "<h2>Your internet use by destination</h2>\n";
  htmlTable(out, data->getArray("usage_by_destination"), kDestinationColumns);
  out << "<h2>Streaming flags on your Citrix sessions</h2>\n";
  htmlTable(out, data->getArray("flags"), kFlagColumns);
  out << "<h2>Your Citrix sessions</h2>\n";
  htmlTable(out, data->getArray("sessions"), kSessionColumns);
  out << "<h2>Every access to your data</h2>\n";
  htmlTable(out, data->getArray("accesses"), kAccessColumns);
  out << "<footer>From the Tillid agent on this computer (`tillid-agent my-data`). Questions: "
         "your manager, your representative or the data protection officer.</footer>\n"
         "</body></html>\n";
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
  if (args.has("json")) {
    std::cout << canonicalJson(*data) << "\n";
  } else if (auto file = args.value("html")) {
    try {
      Poco::FileOutputStream out(*file);
      out << html(*data);
    } catch (const Poco::Exception& e) {
      return fail(kProgram, "cannot write " + *file + ": " + e.displayText());
    }
    std::cout << "wrote " << *file << "\n";
  } else {
    printText(*data);
  }
  return kExitOk;
}

}  // namespace

Command myDataCommand() {
  return {"my-data",
          "my-data",
          "what the agent holds about you and every access to it (no root needed)",
          {{"html", "FILE", "write a self-contained web page instead"},
           {"json", "", "print JSON"}},
          myData};
}

}  // namespace tillid::cli
