#pragma once
// A real PostgreSQL server for tests, from Debian's `postgresql` package: initdb into a
// temporary directory, `postgres` on 127.0.0.1 at a free port with its socket in that
// directory, trust authentication for the loopback only. initdb and postgres refuse to
// run as root, so as root they run as the `postgres` system user (setpriv) in a
// directory handed to it. One server per test executable, started on first use and
// stopped (its directory erased) at exit. Missing binaries are a test failure with the
// reason (scripts/bootstrap installs them), never a silent skip.

#include <memory>
#include <string>

namespace tillid::test {

class PostgresServer {
 public:
  // The executable's server, started now if it is not running yet. Throws
  // std::runtime_error (which fails the test) when it cannot start.
  static PostgresServer& shared();

  // Creates a new empty database and returns its libpq connection string.
  std::string createDatabase();

  int port() const { return port_; }

  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

 private:
  PostgresServer();
  struct Parts;
  std::unique_ptr<Parts> parts_;
  int port_ = 0;
  int databases_ = 0;
};

}  // namespace tillid::test
