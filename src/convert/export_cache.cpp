#include "convert/export_cache.hpp"

#include <algorithm>
#include <fstream>
#include <system_error>

#include "common/hash.hpp"

namespace quire::convert {
namespace fs = std::filesystem;

namespace {

// Names used as path components must be plain: organisation ids and hex keys are.
bool IsPlainName(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    for (char c : name) {
        bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool IsSha256(std::string_view text) {
    if (text.size() != 64) return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

}  // namespace

ExportIndex::ExportIndex(fs::path dir) : dir_(std::move(dir)) {}

fs::path ExportIndex::EntryPath(std::string_view org_id, std::string_view key) const {
    if (!IsPlainName(org_id) || !IsSha256(key)) return {};
    return dir_ / std::string(org_id) / std::string(key);
}

std::optional<std::vector<std::string>> ExportIndex::Find(std::string_view org_id,
                                                          std::string_view key) const {
    fs::path path = EntryPath(org_id, key);
    if (path.empty()) return std::nullopt;
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::vector<std::string> blobs;
    std::string line;
    while (std::getline(in, line)) {
        if (!IsSha256(line)) return std::nullopt;
        blobs.push_back(line);
    }
    if (blobs.empty()) return std::nullopt;
    return blobs;
}

Status ExportIndex::Put(std::string_view org_id, std::string_view key,
                        const std::vector<std::string>& blobs, std::string_view source_blob) {
    fs::path path = EntryPath(org_id, key);
    if (path.empty()) return Internal("bad export index key");
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Internal("cannot write the export index", ec.message());
    fs::path temp = path;
    temp += "." + RandomHex(8) + ".tmp";
    {
        std::ofstream out(temp, std::ios::trunc);
        for (const std::string& blob : blobs) out << blob << '\n';
        out.close();
        if (!out) {
            fs::remove(temp, ec);
            return Internal("cannot write the export index", temp.string());
        }
    }
    fs::rename(temp, path, ec);
    if (ec) {
        fs::remove(temp, ec);
        return Internal("cannot write the export index", ec.message());
    }
    if (!IsSha256(source_blob)) return {};
    // sources/<source blob> lists the entries made from it, one "org key" per line.
    fs::path sources = dir_ / "sources";
    fs::create_directories(sources, ec);
    std::ofstream list(sources / std::string(source_blob), std::ios::app);
    list << org_id << ' ' << key << '\n';
    if (!list) return Internal("cannot write the export index", "sources list");
    return {};
}

std::vector<std::string> ExportIndex::DropSource(std::string_view source_blob) {
    std::vector<std::string> blobs;
    if (!IsSha256(source_blob)) return blobs;
    fs::path list_path = dir_ / "sources" / std::string(source_blob);
    std::ifstream list(list_path);
    std::string org_id;
    std::string key;
    while (list >> org_id >> key) {
        if (auto found = Find(org_id, key)) blobs.insert(blobs.end(), found->begin(), found->end());
        std::error_code ec;
        if (fs::path entry = EntryPath(org_id, key); !entry.empty()) fs::remove(entry, ec);
    }
    std::error_code ec;
    fs::remove(list_path, ec);
    return blobs;
}

Result<SingleFlight::Blobs> SingleFlight::Do(const std::string& key,
                                             const std::function<Result<Blobs>()>& work,
                                             bool* joined) {
    std::shared_ptr<Flight> flight;
    {
        std::unique_lock lock(mu_);
        if (auto it = flights_.find(key); it != flights_.end()) {
            flight = it->second;
            if (joined) *joined = true;
            ++flight->waiters;
            finished_.wait(lock, [&] { return flight->done; });
            return *flight->result;
        }
        flight = std::make_shared<Flight>();
        flights_.emplace(key, flight);
    }
    if (joined) *joined = false;

    Result<Blobs> result = Fail(ErrorCode::kInternal, "export failed");
    try {
        result = work();
    } catch (...) {
        result = Internal("export failed");
    }
    {
        std::lock_guard lock(mu_);
        flight->result = result;
        flight->done = true;
        flights_.erase(key);
    }
    finished_.notify_all();
    return result;
}

std::size_t SingleFlight::Waiters(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = flights_.find(key);
    return it == flights_.end() ? 0 : it->second->waiters;
}

FailedExports::FailedExports(Clock::duration ttl, std::function<Clock::time_point()> now,
                             std::size_t capacity)
    : ttl_(ttl), now_(std::move(now)), capacity_(std::max<std::size_t>(capacity, 1)) {}

void FailedExports::Remember(const std::string& key) {
    Clock::time_point now = now_();
    std::lock_guard lock(mu_);
    ForgetExpired(now);
    while (failed_at_.size() >= capacity_ && !order_.empty()) {
        auto [oldest, at] = std::move(order_.front());
        order_.pop_front();
        if (auto it = failed_at_.find(oldest); it != failed_at_.end() && it->second == at) {
            failed_at_.erase(it);
        }
    }
    failed_at_[key] = now;
    order_.emplace_back(key, now);
}

bool FailedExports::FailedRecently(const std::string& key) {
    Clock::time_point now = now_();
    std::lock_guard lock(mu_);
    ForgetExpired(now);
    return failed_at_.contains(key);
}

void FailedExports::ForgetExpired(Clock::time_point now) {
    while (!order_.empty() && now - order_.front().second >= ttl_) {
        auto& [key, at] = order_.front();
        if (auto it = failed_at_.find(key); it != failed_at_.end() && it->second == at) {
            failed_at_.erase(it);
        }
        order_.pop_front();
    }
}

}  // namespace quire::convert
