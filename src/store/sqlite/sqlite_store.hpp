#pragma once

#include <filesystem>
#include <memory>

#include "store/store.hpp"

namespace quire::store {

// Opens (creating if needed) the SQLite database at `path` in WAL mode and applies pending schema
// migrations. A database whose schema version is newer than this build's is refused with
// kUnavailable and a message saying so, and is not modified.
[[nodiscard]] Result<std::unique_ptr<MetadataStore>> OpenSqliteStore(
    const std::filesystem::path& path);

// Blobs as files under `dir`, named by SHA-256 and fanned out by the first two hex digits.
[[nodiscard]] Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(
    const std::filesystem::path& dir);

}  // namespace quire::store
