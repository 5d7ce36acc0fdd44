// `tillid-agent usage`: the hourly usage the agent recorded on this device, as a table or
// JSON, for a time range and optionally summed by application, destination, category or
// service. Reads the store read-only, so it works while the agent runs.

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <iostream>
#include <optional>

#include "agent/cli/agent_context.h"
#include "agent/cli/commands.h"
#include "agent/usage/usage_aggregator.h"
#include "agent/usage/usage_query.h"
#include "common/time.h"
#include "store/database.h"

namespace tillid::cli {
namespace {

const std::vector<std::string> kGroupings = {"application", "destination", "category", "service"};
const std::vector<std::string> kCounters = {"connections", "bytes_in", "bytes_out",
                                            "active_seconds"};

struct Query {
  std::optional<std::string> since;  // hour label: rows from this hour on
  std::optional<std::string> until;  // timestamp: rows of hours that start before it
  std::optional<std::string> by;     // one of kGroupings
};

Result<Query> parseQuery(const ParsedArgs& args) {
  Query query;
  if (auto since = args.value("since")) {
    auto t = parseTimestamp(*since);
    if (!t) return t.status().withContext("--since");
    query.since = usage::hourLabel(toMicros(*t));
  }
  if (auto until = args.value("until")) {
    auto t = parseTimestamp(*until);
    if (!t) return t.status().withContext("--until");
    query.until = formatTimestamp(*t);
  }
  if (auto by = args.value("by")) {
    if (std::find(kGroupings.begin(), kGroupings.end(), *by) == kGroupings.end()) {
      return Status::error(ErrorCode::kInvalidArgument,
                           "--by " + *by +
                               ": expected application, destination, category or "
                               "service");
    }
    query.by = *by;
  }
  return query;
}

// Column names and rows of text cells (counters as decimal integers).
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> totals = std::vector<int64_t>(4, 0);
};

Result<Table> runQuery(store::Database& db, const Query& query) {
  usage::UsageQuery selection;
  selection.since = query.since.value_or("");
  selection.until = query.until.value_or("");
  if (query.by) {
    selection.groupBy = {*query.by};
  } else {
    selection.order = usage::UsageQuery::Order::kKeys;
  }
  auto rows = usage::selectUsage(db, selection);
  if (!rows) return rows.status();
  Table table;
  table.columns = query.by ? std::vector<std::string>{*query.by}
                           : std::vector<std::string>{"hour",        "user",    "application",
                                                      "destination", "service", "category"};
  const size_t keys = table.columns.size();
  table.columns.insert(table.columns.end(), kCounters.begin(), kCounters.end());
  for (unsigned r = 0; r < (*rows)->size(); ++r) {
    const Poco::JSON::Object::Ptr row = (*rows)->getObject(r);
    std::vector<std::string> cells;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (i < keys) {
        cells.push_back(row->getValue<std::string>(table.columns[i]));
      } else {
        const auto value = row->getValue<int64_t>(table.columns[i]);
        table.totals[i - keys] += value;
        cells.push_back(std::to_string(value));
      }
    }
    table.rows.push_back(std::move(cells));
  }
  return table;
}

void printJson(const Query& query, const Table& table) {
  Poco::JSON::Object out;
  if (query.since) out.set("since", *query.since);
  if (query.until) out.set("until", *query.until);
  if (query.by) out.set("by", *query.by);
  Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
  const size_t keyCount = table.columns.size() - kCounters.size();
  for (const auto& r : table.rows) {
    Poco::JSON::Object::Ptr row = new Poco::JSON::Object;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      if (i < keyCount) {
        row->set(table.columns[i], r[i]);
      } else {
        row->set(table.columns[i], std::stoll(r[i]));
      }
    }
    rows->add(row);
  }
  out.set("rows", rows);
  Poco::JSON::Object::Ptr totals = new Poco::JSON::Object;
  for (size_t i = 0; i < kCounters.size(); ++i) totals->set(kCounters[i], table.totals[i]);
  out.set("totals", totals);
  out.stringify(std::cout);
  std::cout << "\n";
}

void printTable(const Query& query, const Table& table) {
  if (table.rows.empty()) {
    std::cout << "no usage recorded in this period\n";
    return;
  }
  const size_t keyCount = table.columns.size() - kCounters.size();
  std::vector<std::string> totalRow(table.columns.size(), "");
  totalRow[0] = "total";
  for (size_t i = 0; i < kCounters.size(); ++i) {
    totalRow[keyCount + i] = std::to_string(table.totals[i]);
  }
  std::vector<size_t> widths(table.columns.size(), 0);
  auto widen = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], cells[i].size());
  };
  widen(table.columns);
  widen(totalRow);
  for (const auto& row : table.rows) widen(row);
  // Names left-aligned, numbers right-aligned.
  auto print = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string pad(widths[i] - cells[i].size(), ' ');
      line += (i == 0 ? "" : "  ") + (i < keyCount ? cells[i] + pad : pad + cells[i]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  };
  print(table.columns);
  for (const auto& row : table.rows) print(row);
  print(totalRow);
  if (query.by) {
    std::cout << "(active_seconds summed over hours and keys)\n";
  }
}

int usageMain(const ParsedArgs& args) {
  auto query = parseQuery(args);
  if (!query) return fail(kProgram, query.status().message(), kExitUsage);
  auto context = loadAgentContext(args);
  if (!context) return fail(kProgram, context.status().message(), kExitUsage);
  if (!Poco::File(context->paths.database()).exists()) {
    return fail(kProgram, "no database in " + context->paths.root +
                              " (has an agent run with this --state-dir?)");
  }
  auto db = store::Database::open(context->paths.database(), store::OpenMode::kReadOnly);
  if (!db) return fail(kProgram, db.status().message());
  auto table = runQuery(*db, *query);
  if (!table) return fail(kProgram, "reading usage: " + table.status().message());
  if (args.has("json")) {
    printJson(*query, *table);
  } else {
    printTable(*query, *table);
  }
  return kExitOk;
}

}  // namespace

Command usageCommand() {
  return {"usage",
          "usage [--since TIME] [--until TIME] [--by application|destination|category|service]",
          "the hourly internet usage recorded on this device (metadata only)",
          {{"since", "TIME", "from this hour on (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, UTC)"},
           {"until", "TIME", "hours that start before this time"},
           {"by", "FIELD", "sum by application, destination, category or service"},
           {"json", "", "print JSON"}},
          usageMain};
}

}  // namespace tillid::cli
