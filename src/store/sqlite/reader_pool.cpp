#include "store/sqlite/reader_pool.hpp"

#include <utility>

namespace quire::store::sqlite {

ReaderPool::ReaderPool(std::filesystem::path path, std::size_t max_idle)
    : path_(std::move(path)), max_idle_(max_idle) {}

ReaderPool::Lease::~Lease() {
    if (connection_ != nullptr) pool_->Release(std::move(connection_));
}

Result<ReaderPool::Lease> ReaderPool::Acquire() {
    {
        std::lock_guard lock(mu_);
        if (!idle_.empty()) {
            auto connection = std::move(idle_.back());
            idle_.pop_back();
            return Lease(this, std::move(connection));
        }
    }

    // Opened read-write but query-only: SQLite's read-only connections to a WAL database depend
    // on the -wal and -shm files existing or being creatable, and leave behind what they create;
    // query_only refuses every write just the same.
    auto connection = Connection::Open(path_);
    if (!connection) return std::unexpected(connection.error());
    if (auto status = (*connection)->Exec("PRAGMA query_only = ON"); !status) {
        return std::unexpected(status.error());
    }
    return Lease(this, std::move(*connection));
}

void ReaderPool::Release(std::unique_ptr<Connection> connection) {
    // A connection still inside a transaction (it should never be) is closed, not reused.
    if (!connection->InAutocommit()) return;
    std::lock_guard lock(mu_);
    if (idle_.size() < max_idle_) idle_.push_back(std::move(connection));
}

}  // namespace quire::store::sqlite
