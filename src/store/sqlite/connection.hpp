#pragma once

// Quire's one seam over the SQLite C API: a connection, a prepared statement and a transaction,
// each owning its handle. Nothing outside src/store/sqlite/ sees sqlite3.h.
//
// None of these types is safe for concurrent use: a Connection (and every Statement prepared on
// it) belongs to one thread at a time, which the owner guarantees with its own lock. Connections
// are opened with SQLITE_OPEN_NOMUTEX for that reason.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace quire::store::sqlite {

// How long a connection waits for another connection's (or process's) lock before a statement
// fails with kUnavailable.
inline constexpr int kBusyTimeoutMillis = 5000;

// A prepared statement. Parameters are bound by position (?1, ?2, …); a binding error is kept
// and reported by the next Step or Run, so call sites read as one chain.
class Statement {
public:
    Statement(sqlite3_stmt* stmt, std::string_view sql);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&&) = delete;
    Statement(const Statement&) = delete;
    ~Statement();

    void Bind(int index, std::string_view value);
    void Bind(int index, const std::string& value) { Bind(index, std::string_view(value)); }
    void Bind(int index, const char* value) { Bind(index, std::string_view(value)); }
    void Bind(int index, std::int64_t value);
    void Bind(int index, int value) { Bind(index, static_cast<std::int64_t>(value)); }
    void Bind(int index, double value);
    void Bind(int index, std::nullptr_t);

    // Binds every argument in order, starting at ?1.
    template <typename... Args>
    void BindAll(const Args&... args) {
        int index = 0;
        (Bind(++index, args), ...);
    }

    // Advances to the next row: true when a row is ready, false when the statement is done.
    [[nodiscard]] Result<bool> Step();
    // Steps until done, for statements whose rows (if any) are not wanted.
    [[nodiscard]] Status Run();

    // Column accessors for the current row, counting from 0. NULL reads as "" or 0.
    [[nodiscard]] std::string Text(int column) const;
    [[nodiscard]] std::int64_t Int64(int column) const;
    [[nodiscard]] int Int(int column) const;
    [[nodiscard]] double Double(int column) const;
    [[nodiscard]] bool IsNull(int column) const;

private:
    // Set once at construction.
    sqlite3_stmt* stmt_;
    std::string sql_;  // for error details only; holds no values (they are bound)

    int bind_error_ = 0;  // the first failing bind's result code, 0 if none
};

// An open database connection.
class Connection {
public:
    // Opens `path` for reading and writing, creating the file if missing, with the busy timeout,
    // extended result codes, foreign keys enforced and synchronous=FULL. The journal mode is the
    // caller's business (see SetWalMode).
    [[nodiscard]] static Result<std::unique_ptr<Connection>> Open(
        const std::filesystem::path& path);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection();

    // Runs one or more statements without parameters (schema scripts, pragmas).
    [[nodiscard]] Status Exec(std::string_view sql);
    [[nodiscard]] Result<Statement> Prepare(std::string_view sql);

    // Prepares `sql` and binds `args` to ?1, ?2, ….
    template <typename... Args>
    [[nodiscard]] Result<Statement> Query(std::string_view sql, const Args&... args) {
        auto statement = Prepare(sql);
        if (statement) statement->BindAll(args...);
        return statement;
    }

    // The first column of the first row of `sql` as an integer (PRAGMA user_version, COUNT(*)).
    [[nodiscard]] Result<std::int64_t> QueryInt(std::string_view sql);

    // Switches the database file to write-ahead logging; fails if SQLite refuses.
    [[nodiscard]] Status SetWalMode();

    // Leaves the write-ahead log as it is when this connection closes. By default the last
    // connection to close copies the log into the database file, which would write to a file
    // that must stay untouched.
    void KeepLogOnClose();

    // Rows changed by the last INSERT, UPDATE or DELETE on this connection.
    [[nodiscard]] int Changes() const;
    // True when no transaction is open (SQLite's autocommit state).
    [[nodiscard]] bool InAutocommit() const;

    // Only Open makes connections; the key keeps the constructor out of other hands while
    // letting std::make_unique call it.
    class OpenKey {
        friend class Connection;
        OpenKey() = default;
    };
    Connection(OpenKey, sqlite3* db) : db_(db) {}

private:
    // Set once at construction.
    sqlite3* db_;
};

enum class TransactionMode {
    kDeferred,   // takes the write lock on the first write; for reads only
    kImmediate,  // takes the write lock at once, waiting out other writers with the busy timeout
};

// An open transaction on a connection. Commit ends it; a transaction still open when destroyed
// rolls back and says so in the log.
class Transaction {
public:
    [[nodiscard]] static Result<Transaction> Begin(Connection& connection, TransactionMode mode);
    Transaction(Transaction&& other) noexcept;
    Transaction& operator=(Transaction&&) = delete;
    Transaction(const Transaction&) = delete;
    ~Transaction();

    [[nodiscard]] Status Commit();

private:
    explicit Transaction(Connection* connection) : connection_(connection) {}

    Connection* connection_;  // null once committed or moved from
};

// An Error for a failed SQLite call: kUnavailable when the database stayed locked past the busy
// timeout, kInternal otherwise. `what` names the operation for the log detail.
[[nodiscard]] Error SqliteError(int result_code, std::string_view what, std::string_view message);

}  // namespace quire::store::sqlite
