#pragma once

// Read-only use of a SQLite file by many threads: each reading thread borrows a connection of its
// own, so reads run side by side and (in WAL mode) never wait for a writer.

#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "common/error.hpp"
#include "store/sqlite/connection.hpp"

namespace quire::store::sqlite {

class ReaderPool {
public:
    // Connections to `path` are opened on demand; at most `max_idle` are kept between uses.
    ReaderPool(std::filesystem::path path, std::size_t max_idle);
    ReaderPool(const ReaderPool&) = delete;
    ReaderPool& operator=(const ReaderPool&) = delete;

    // A borrowed connection, returned to the pool when the lease is destroyed. The pool must
    // outlive its leases.
    class Lease {
    public:
        Lease(ReaderPool* pool, std::unique_ptr<Connection> connection)
            : pool_(pool), connection_(std::move(connection)) {}
        Lease(Lease&&) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        ~Lease();

        Connection& operator*() { return *connection_; }
        Connection* operator->() { return connection_.get(); }

    private:
        ReaderPool* pool_;
        std::unique_ptr<Connection> connection_;  // null once moved from
    };

    // An idle connection, or a new one. Connections refuse writes (PRAGMA query_only).
    [[nodiscard]] Result<Lease> Acquire();

private:
    void Release(std::unique_ptr<Connection> connection);

    // Set once at construction.
    const std::filesystem::path path_;
    const std::size_t max_idle_;

    std::mutex mu_;
    // Guarded by mu_.
    std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace quire::store::sqlite
