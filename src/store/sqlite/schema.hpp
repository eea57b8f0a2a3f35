#pragma once

// The SQLite schema of Quire's metadata store and its migrations.

#include <filesystem>

#include "common/error.hpp"
#include "store/sqlite/connection.hpp"

namespace quire::store::sqlite {

// Refuses (kUnavailable), from its first bytes alone, a file that is not a SQLite database and one
// whose header says a newer Quire wrote it. A missing or empty file is fine. Runs before SQLite
// opens the file, so a refused file is not touched at all.
[[nodiscard]] Status CheckFileHeader(const std::filesystem::path& path);

// Refuses (kUnavailable) a database whose schema version, read through `db` (which also sees
// commits still in the write-ahead log), is newer than this build's, and a SQLite database that
// has tables but no Quire schema. Writes nothing.
[[nodiscard]] Status CheckSchema(Connection& db);

// Applies every migration step the database has not seen yet, each in its own BEGIN IMMEDIATE
// transaction that re-reads the version first, so two processes opening a fresh directory at
// once apply each step exactly once. Refuses a newer schema as CheckSchema does.
[[nodiscard]] Status Migrate(Connection& writer);

// Applies the steps up to `version` only, as Migrate does: how tests build a database of an older
// schema to check the later steps on.
[[nodiscard]] Status MigrateTo(Connection& writer, int version);

}  // namespace quire::store::sqlite
