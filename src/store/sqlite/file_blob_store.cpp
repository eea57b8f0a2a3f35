#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "common/hash.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace quire::store {
namespace {

constexpr std::size_t kHashSize = 64;

bool IsBlobName(std::string_view name) {
    if (name.size() != kHashSize) return false;
    for (char c : name) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::unexpected<Error> SystemError(std::string_view what, const std::filesystem::path& path,
                                   int error_number) {
    std::string detail = fmt::format("{} {}: {}", what, path.string(), std::strerror(error_number));
    if (error_number == ENOSPC || error_number == EDQUOT) {
        return Fail(ErrorCode::kUnavailable, "no space left to store the document", detail);
    }
    return Internal("storage error", std::move(detail));
}

// An open file descriptor, closed on destruction.
class UniqueFd {
public:
    explicit UniqueFd(int fd) : fd_(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() {
        if (fd_ >= 0) ::close(fd_);
    }

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

    // Closes now and reports the result: close can report a failed delayed write.
    int Close() { return ::close(std::exchange(fd_, -1)); }

private:
    int fd_;
};

// A temporary file that is removed on destruction unless it was renamed into place.
class TempFile {
public:
    explicit TempFile(std::filesystem::path path) : path_(std::move(path)) {}
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    ~TempFile() {
        if (!path_.empty()) ::unlink(path_.c_str());
    }

    const std::filesystem::path& path() const { return path_; }

    Status RenameTo(const std::filesystem::path& target) {
        if (::rename(path_.c_str(), target.c_str()) != 0) {
            return SystemError("rename", target, errno);
        }
        path_.clear();
        return {};
    }

private:
    std::filesystem::path path_;  // empty once renamed
};

Status WriteAll(int fd, std::string_view bytes, const std::filesystem::path& path) {
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) return SystemError("write", path, errno);
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
    return {};
}

Status SyncDirectory(const std::filesystem::path& dir) {
    UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid()) return SystemError("open directory", dir, errno);
    if (::fsync(fd.get()) != 0) return SystemError("fsync directory", dir, errno);
    return {};
}

// Creates `dir` (one level) if missing; a new directory's entry is synced in its parent.
Status EnsureDirectory(const std::filesystem::path& dir) {
    if (::mkdir(dir.c_str(), 0700) == 0) return SyncDirectory(dir.parent_path());
    if (errno == EEXIST) return {};
    return SystemError("mkdir", dir, errno);
}

// Writes `bytes` to a new file at `path` and syncs it to disk.
Status WriteDurably(const std::filesystem::path& path, std::string_view bytes) {
    // Documents are private to their organisation: owner-only permissions.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
    if (!fd.valid()) return SystemError("create", path, errno);
    if (auto written = WriteAll(fd.get(), bytes, path); !written) return written;
    if (::fsync(fd.get()) != 0) return SystemError("fsync", path, errno);
    if (fd.Close() != 0) return SystemError("close", path, errno);
    return {};
}

Result<std::string> ReadAll(int fd, const std::filesystem::path& path) {
    struct stat info {};
    if (::fstat(fd, &info) != 0) return SystemError("stat", path, errno);

    std::string bytes;
    bytes.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t got = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return SystemError("read", path, errno);
        if (got == 0) break;
        done += static_cast<std::size_t>(got);
    }
    bytes.resize(done);
    return bytes;
}

class FileBlobStore final : public BlobStore {
public:
    explicit FileBlobStore(std::filesystem::path dir) : dir_(std::move(dir)) {}

    Result<std::string> Put(std::string_view bytes) override {
        std::string hash = Sha256Hex(bytes);
        std::filesystem::path fan = dir_ / hash.substr(0, 2);
        std::filesystem::path target = fan / hash;

        // The same name means the same bytes; a file of the wrong size (damaged on disk) is
        // replaced below.
        std::error_code ec;
        auto existing_size = std::filesystem::file_size(target, ec);
        if (!ec && existing_size == bytes.size()) return hash;

        if (auto made = EnsureDirectory(fan); !made) return Propagate(made);
        TempFile temp(fan / (".tmp-" + RandomHex(8)));
        if (auto written = WriteDurably(temp.path(), bytes); !written) return Propagate(written);
        if (auto renamed = temp.RenameTo(target); !renamed) return Propagate(renamed);
        if (auto synced = SyncDirectory(fan); !synced) return Propagate(synced);
        return hash;
    }

    Result<std::string> Get(std::string_view sha256) override {
        // Only a well-formed hash becomes part of a path, so no name can leave dir_.
        if (!IsBlobName(sha256)) return InvalidRequest("invalid blob name");
        std::filesystem::path path = dir_ / sha256.substr(0, 2) / sha256;

        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd.valid() && errno == ENOENT) return NotFound("blob not found");
        if (!fd.valid()) return SystemError("open", path, errno);

        auto bytes = ReadAll(fd.get(), path);
        if (!bytes) return bytes;
        if (Sha256Hex(*bytes) != sha256) {
            return Internal("stored document is damaged",
                            "blob content does not match its name " + path.string());
        }
        return bytes;
    }

    Status Remove(std::string_view sha256) override {
        if (!IsBlobName(sha256)) return InvalidRequest("invalid blob name");
        std::filesystem::path fan = dir_ / sha256.substr(0, 2);
        std::filesystem::path path = fan / sha256;
        if (::unlink(path.c_str()) != 0) {
            if (errno == ENOENT) return {};
            return SystemError("unlink", path, errno);
        }
        return SyncDirectory(fan);
    }

    bool Has(std::string_view sha256) override {
        if (!IsBlobName(sha256)) return false;
        std::error_code ec;
        return std::filesystem::exists(dir_ / sha256.substr(0, 2) / sha256, ec);
    }

    std::shared_mutex& Gate() override { return gate_; }

private:
    // Set once at construction.
    const std::filesystem::path dir_;
    std::shared_mutex gate_;
};

}  // namespace

Result<std::unique_ptr<BlobStore>> OpenFileBlobStore(const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
        return Fail(ErrorCode::kUnavailable, "cannot create the blob directory",
                    fmt::format("{}: {}", dir.string(), ec.message()));
    }
    return std::make_unique<FileBlobStore>(dir);
}

}  // namespace quire::store
