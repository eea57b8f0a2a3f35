#include "store/sqlite/connection.hpp"

#include <sqlite3.h>

#include <utility>

#include <fmt/format.h>

#include "common/log.hpp"

namespace quire::store::sqlite {
namespace {

Error ConnectionError(sqlite3* db, int rc, std::string_view what) {
    return SqliteError(rc, what, db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
}

}  // namespace

Error SqliteError(int result_code, std::string_view what, std::string_view message) {
    std::string detail = fmt::format("sqlite: {}: {} (code {})", what, message, result_code);
    int primary = result_code & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        return Error{ErrorCode::kUnavailable, "the database is busy; try again", std::move(detail)};
    }
    return Error{ErrorCode::kInternal, "storage error", std::move(detail)};
}

// --- Statement ---

Statement::Statement(sqlite3_stmt* stmt, std::string_view sql) : stmt_(stmt), sql_(sql) {}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)),
      sql_(std::move(other.sql_)),
      bind_error_(other.bind_error_) {}

Statement::~Statement() {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

void Statement::Bind(int index, std::string_view value) {
    int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::Bind(int index, std::int64_t value) {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::Bind(int index, double value) {
    int rc = sqlite3_bind_double(stmt_, index, value);
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::Bind(int index, std::nullptr_t) {
    int rc = sqlite3_bind_null(stmt_, index);
    if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

Result<bool> Statement::Step() {
    if (bind_error_ != 0) {
        return std::unexpected(
            SqliteError(bind_error_, "bind " + sql_, sqlite3_errstr(bind_error_)));
    }
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return std::unexpected(ConnectionError(sqlite3_db_handle(stmt_), rc, sql_));
}

Status Statement::Run() {
    while (true) {
        auto row = Step();
        if (!row) return std::unexpected(row.error());
        if (!*row) return {};
    }
}

std::string Statement::Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    auto size = static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column));
    return std::string(reinterpret_cast<const char*>(text), size);
}

std::int64_t Statement::Int64(int column) const { return sqlite3_column_int64(stmt_, column); }

int Statement::Int(int column) const { return sqlite3_column_int(stmt_, column); }

double Statement::Double(int column) const { return sqlite3_column_double(stmt_, column); }

bool Statement::IsNull(int column) const {
    return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

// --- Connection ---

Result<std::unique_ptr<Connection>> Connection::Open(const std::filesystem::path& path) {
    // Each connection is used by one thread at a time (the store's locks see to it), so
    // SQLite's per-connection mutex would only add cost; the library itself must still be
    // built thread-safe for several connections to run at once.
    if (sqlite3_threadsafe() == 0) {
        return Internal("storage error", "sqlite was built without thread support");
    }
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
    auto connection = std::make_unique<Connection>(OpenKey{}, db);
    if (rc != SQLITE_OK) return std::unexpected(ConnectionError(db, rc, "open"));

    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, kBusyTimeoutMillis);

    // FULL: every acknowledged commit (a revoked key, a committed turn) survives a power cut.
    // NORMAL in WAL mode may lose the last commits then; the cost of FULL is one fsync of the
    // log per commit, and Quire commits a handful of times per task.
    if (auto status = connection->Exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;");
        !status) {
        return std::unexpected(status.error());
    }
    return connection;
}

Connection::~Connection() {
    // sqlite3_close_v2 releases the handle even if a statement were still open; ours never are,
    // because a Statement cannot outlive the scope that prepared it.
    if (db_ != nullptr) sqlite3_close_v2(db_);
}

Status Connection::Exec(std::string_view sql) {
    std::string text(sql);
    char* message = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) return {};
    std::string reason = message != nullptr ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    return std::unexpected(SqliteError(rc, text, reason));
}

Result<Statement> Connection::Prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return std::unexpected(ConnectionError(db_, rc, "prepare " + std::string(sql)));
    }
    return Statement(stmt, sql);
}

Result<std::int64_t> Connection::QueryInt(std::string_view sql) {
    auto statement = Prepare(sql);
    if (!statement) return Propagate(statement);
    auto row = statement->Step();
    if (!row) return Propagate(row);
    if (!*row) return Internal("storage error", fmt::format("sqlite: {}: no row", sql));
    return statement->Int64(0);
}

Status Connection::SetWalMode() {
    auto statement = Prepare("PRAGMA journal_mode = WAL");
    if (!statement) return std::unexpected(statement.error());
    auto row = statement->Step();
    if (!row) return std::unexpected(row.error());
    std::string mode = *row ? statement->Text(0) : "";
    if (mode != "wal") {
        return Internal("storage error",
                        fmt::format("sqlite: journal_mode WAL refused, mode is '{}'", mode));
    }
    return {};
}

void Connection::KeepLogOnClose() {
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

int Connection::Changes() const { return sqlite3_changes(db_); }

bool Connection::InAutocommit() const { return sqlite3_get_autocommit(db_) != 0; }

// --- Transaction ---

Result<Transaction> Transaction::Begin(Connection& connection, TransactionMode mode) {
    auto begun = connection.Exec(mode == TransactionMode::kImmediate ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!begun) return std::unexpected(begun.error());
    return Transaction(&connection);
}

Transaction::Transaction(Transaction&& other) noexcept
    : connection_(std::exchange(other.connection_, nullptr)) {}

Transaction::~Transaction() {
    if (connection_ == nullptr) return;
    // SQLite rolls some failures back on its own (SQLITE_FULL, SQLITE_IOERR); then there is
    // nothing left to roll back here.
    if (connection_->InAutocommit()) return;
    if (auto rolled_back = connection_->Exec("ROLLBACK"); !rolled_back) {
        QUIRE_LOG_ERROR("transaction rollback failed detail={}", rolled_back.error().detail);
        return;
    }
    QUIRE_LOG_DEBUG("transaction rolled back");
}

Status Transaction::Commit() {
    Connection* connection = std::exchange(connection_, nullptr);
    if (connection == nullptr) return Internal("storage error", "sqlite: commit without begin");
    auto committed = connection->Exec("COMMIT");
    if (!committed) {
        // A failed COMMIT can leave the transaction open; end it rather than leak the lock.
        if (!connection->InAutocommit()) (void)connection->Exec("ROLLBACK");
        return committed;
    }
    return {};
}

}  // namespace quire::store::sqlite
