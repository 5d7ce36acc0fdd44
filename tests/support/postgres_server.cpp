#include "tests/support/postgres_server.h"

#include <Poco/File.h>
#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace tillid::test {
namespace {

constexpr const char* kInstallHint =
    " (scripts/bootstrap installs Debian's postgresql package; the PostgreSQL storage tests "
    "need it)";

// The newest /usr/lib/postgresql/<version>/bin that holds initdb and postgres.
std::string serverBinDir() {
  std::string best;
  int bestVersion = -1;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored)) {
    const std::string bin = entry.path().string() + "/bin";
    if (!Poco::File(bin + "/initdb").exists() || !Poco::File(bin + "/postgres").exists()) continue;
    const int version = std::atoi(entry.path().filename().c_str());
    if (version > bestVersion) {
      bestVersion = version;
      best = bin;
    }
  }
  if (best.empty()) {
    throw std::runtime_error("no PostgreSQL server binaries under /usr/lib/postgresql" +
                             std::string(kInstallHint));
  }
  return best;
}

int freeLoopbackPort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (s < 0 || ::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (s >= 0) ::close(s);
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(s);
  return ntohs(address.sin_port);
}

std::string conninfo(int port, const std::string& database) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " user=postgres dbname=" + database +
         " connect_timeout=10";
}

}  // namespace

struct PostgresServer::Parts {
  TempDir dir;
  std::unique_ptr<ChildProcess> server;
};

PostgresServer& PostgresServer::shared() {
  static PostgresServer server;
  return server;
}

PostgresServer::PostgresServer() : parts_(std::make_unique<Parts>()) {
  const std::string bin = serverBinDir();
  // initdb and postgres refuse root: run them as the postgres system user, which owns the
  // temporary directory.
  std::vector<std::string> asUser;
  if (::geteuid() == 0) {
    const passwd* user = ::getpwnam("postgres");
    if (user == nullptr) {
      throw std::runtime_error(
          "running as root but there is no 'postgres' user to run the "
          "server as" +
          std::string(kInstallHint));
    }
    if (::chown(parts_->dir.path().c_str(), user->pw_uid, user->pw_gid) != 0) {
      throw std::runtime_error("cannot hand " + parts_->dir.path() + " to the postgres user");
    }
    asUser = {"--reuid=postgres", "--regid=postgres", "--init-groups", "--"};
  }
  // The program to run and its arguments, through setpriv when we are root.
  auto command = [&](const std::string& program, std::vector<std::string> args) {
    if (asUser.empty()) return std::make_pair(bin + "/" + program, args);
    std::vector<std::string> all = asUser;
    all.push_back(bin + "/" + program);
    all.insert(all.end(), args.begin(), args.end());
    return std::make_pair(std::string("/usr/bin/setpriv"), all);
  };
  const std::string data = parts_->dir.file("data");
  const std::map<std::string, std::string> env{{"LC_ALL", "C"}, {"TZ", "UTC"}};
  const auto init = command("initdb", {"-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8",
                                       "--no-sync", "--no-instructions"});
  const RunResult initialised = runProgram(init.first, init.second, std::chrono::seconds(120), env);
  if (initialised.exitCode != 0) {
    throw std::runtime_error("initdb failed: " + initialised.err + initialised.out);
  }
  port_ = freeLoopbackPort();
  const auto start = command(
      "postgres", {"-D", data, "-p", std::to_string(port_), "-c", "listen_addresses=127.0.0.1",
                   "-c", "unix_socket_directories=" + parts_->dir.path(), "-c", "fsync=off", "-c",
                   "synchronous_commit=off", "-c", "full_page_writes=off", "-c",
                   "max_connections=300", "-c", "shared_buffers=32MB"});
  parts_->server = std::make_unique<ChildProcess>(start.first, start.second, env);
  const std::string admin = conninfo(port_, "postgres");
  const bool ready =
      waitUntil([&] { return !parts_->server->running() || PQping(admin.c_str()) == PQPING_OK; },
                std::chrono::seconds(60));
  if (!ready || !parts_->server->running()) {
    throw std::runtime_error("PostgreSQL did not start on port " + std::to_string(port_) + ": " +
                             parts_->server->err());
  }
}

PostgresServer::~PostgresServer() {
  if (parts_->server && parts_->server->running()) {
    parts_->server->signal(SIGINT);  // fast shutdown: ends sessions, no checkpoint wait
    parts_->server->wait(std::chrono::seconds(30));
  }
}

std::string PostgresServer::createDatabase() {
  const std::string name = "tillid_test_" + std::to_string(++databases_);
  PGconn* connection = PQconnectdb(conninfo(port_, "postgres").c_str());
  PGresult* result = PQexec(connection, ("CREATE DATABASE " + name).c_str());
  const bool created = PQresultStatus(result) == PGRES_COMMAND_OK;
  const std::string error = PQerrorMessage(connection);
  PQclear(result);
  PQfinish(connection);
  if (!created) throw std::runtime_error("cannot create database " + name + ": " + error);
  return conninfo(port_, name);
}

}  // namespace tillid::test
