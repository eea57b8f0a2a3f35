#pragma once

// The embedded backends: metadata in one SQLite file, blobs as files in a directory.
//
// Concurrency. One SqliteStore serves many threads at once (HTTP threads and workers), and other
// processes may open the same file at the same time (`quire keys …` while `quire serve` runs).
//   - Writes go through one writer connection, guarded by a mutex, and every write is a
//     BEGIN IMMEDIATE transaction: it takes SQLite's write lock before reading anything, so two
//     writers never both read a snapshot and then collide, and a writer in another process is
//     waited out by the busy timeout (5 s) instead of failing with SQLITE_BUSY.
//   - Reads use a small pool of reader connections, one per concurrently reading thread. The
//     database is in WAL mode, so a read sees the last committed state and never waits for a
//     write in progress.
//   - Connections are opened with SQLITE_OPEN_NOMUTEX: the mutex and the pool guarantee that a
//     connection is only ever used by one thread at a time.
//   - synchronous=FULL: a commit the caller was told about (a revoked key, a committed turn)
//     survives a power cut, at the cost of one log fsync per commit.
// A lock held by another process for longer than the busy timeout surfaces as kUnavailable.

#include <filesystem>
#include <memory>

#include "store/store.hpp"

namespace quire::store {

// The schema version this build writes (kept in PRAGMA user_version). Each version is one
// migration step, applied in order, each in its own transaction.
inline constexpr int kSqliteSchemaVersion = 5;

// Opens (creating if needed) the SQLite database at `path` in WAL mode and applies pending schema
// migrations. A database whose schema version is newer than this build's is refused with
// kUnavailable and a message saying so, and is not modified; so is a file that is not a SQLite
// database, or a SQLite database that is not Quire's. The parent directory is created if missing.
[[nodiscard]] Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(
    const std::filesystem::path& path);

// Blobs as files under `dir`, named by SHA-256 and fanned out by the first two hex digits
// (dir/ab/abcdef…). `dir` is created if missing. Put writes a temporary file in the target
// directory, syncs it, renames it into place and syncs the directory, so a blob is either whole or
// absent after a crash. Get checks the name (64 lower-case hex digits; kInvalidRequest otherwise),
// answers kNotFound for an unknown blob, and kInternal if the bytes on disk no longer match their
// name. Safe for concurrent use by threads and processes.
[[nodiscard]] Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(
    const std::filesystem::path& dir);

}  // namespace quire::store
