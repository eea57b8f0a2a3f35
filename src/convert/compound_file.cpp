#include "convert/compound_file.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace quire::convert {
namespace {

constexpr std::string_view kZipMagic("PK\x03\x04", 4);
constexpr std::string_view kCompoundMagic("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);

// MS-CFB 2.1: sector numbers above this are markers (end of chain, free, FAT, DIFAT).
constexpr std::uint32_t kMaxRegularSector = 0xFFFFFFFA;
constexpr std::uint32_t kNoStream = 0xFFFFFFFF;
constexpr std::size_t kHeaderDifatEntries = 109;
constexpr std::size_t kDirectoryEntrySize = 128;
constexpr std::uint8_t kStreamObject = 2;

std::optional<std::uint32_t> ReadU32(std::string_view bytes, std::size_t at) {
    if (at > bytes.size() || bytes.size() - at < 4) return std::nullopt;
    std::uint32_t value = 0;
    for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<std::uint8_t>(bytes[at + i]);
    return value;
}

// A compound file read just far enough to walk its directory (MS-CFB 2.2–2.6).
class CompoundDirectory {
public:
    explicit CompoundDirectory(std::string_view bytes) : bytes_(bytes) {}

    // The names of the streams directly in the root storage; nullopt when the header, the
    // FAT or the directory chain is out of bounds or loops.
    std::optional<std::unordered_set<std::string>> RootStreams() {
        if (bytes_.size() < 512) return std::nullopt;
        std::uint16_t shift =
            static_cast<std::uint8_t>(bytes_[0x1E]) | static_cast<std::uint8_t>(bytes_[0x1F]) << 8;
        if (shift != 9 && shift != 12) return std::nullopt;
        sector_size_ = std::size_t{1} << shift;
        if (!ReadFatSectors()) return std::nullopt;
        std::optional<std::string> directory = ReadChain(*ReadU32(bytes_, 0x30));
        if (!directory || directory->size() < kDirectoryEntrySize) return std::nullopt;
        return StreamsUnderRoot(*directory);
    }

private:
    std::size_t SectorCount() const { return bytes_.size() / sector_size_; }

    std::optional<std::string_view> Sector(std::uint32_t n) const {
        std::size_t offset = (std::size_t{n} + 1) * sector_size_;
        if (n > kMaxRegularSector || offset > bytes_.size() ||
            bytes_.size() - offset < sector_size_) {
            return std::nullopt;
        }
        return bytes_.substr(offset, sector_size_);
    }

    // The FAT's sectors: the header's 109 DIFAT entries, then the DIFAT chain's.
    bool ReadFatSectors() {
        std::uint32_t count = *ReadU32(bytes_, 0x2C);
        if (count > SectorCount()) return false;
        for (std::size_t i = 0; i < kHeaderDifatEntries && fat_.size() < count; ++i) {
            fat_.push_back(*ReadU32(bytes_, 0x4C + 4 * i));
        }
        std::uint32_t next = *ReadU32(bytes_, 0x44);
        std::size_t per_sector = sector_size_ / 4 - 1;
        for (std::size_t hops = 0; fat_.size() < count; ++hops) {
            std::optional<std::string_view> sector = Sector(next);
            if (!sector || hops > SectorCount()) return false;
            for (std::size_t i = 0; i < per_sector && fat_.size() < count; ++i) {
                fat_.push_back(*ReadU32(*sector, 4 * i));
            }
            next = *ReadU32(*sector, 4 * per_sector);
        }
        return true;
    }

    std::optional<std::uint32_t> Next(std::uint32_t sector) const {
        std::size_t per_sector = sector_size_ / 4;
        std::size_t index = sector / per_sector;
        if (index >= fat_.size()) return std::nullopt;
        std::optional<std::string_view> fat = Sector(fat_[index]);
        if (!fat) return std::nullopt;
        return ReadU32(*fat, 4 * (sector % per_sector));
    }

    std::optional<std::string> ReadChain(std::uint32_t sector) const {
        std::string out;
        for (std::size_t hops = 0; sector <= kMaxRegularSector; ++hops) {
            std::optional<std::string_view> data = Sector(sector);
            std::optional<std::uint32_t> next = Next(sector);
            if (!data || !next || hops > SectorCount()) return std::nullopt;
            out.append(*data);
            sector = *next;
        }
        return out;
    }

    // Entry 0 is the root; its children form a tree through their left and right siblings.
    static std::optional<std::unordered_set<std::string>> StreamsUnderRoot(
        std::string_view directory) {
        std::size_t entries = directory.size() / kDirectoryEntrySize;
        std::unordered_set<std::string> streams;
        std::vector<std::uint32_t> pending{*ReadU32(directory, 76)};
        for (std::size_t visited = 0; !pending.empty(); ++visited) {
            std::uint32_t id = pending.back();
            pending.pop_back();
            if (id == kNoStream) continue;
            if (id >= entries || visited > entries) return std::nullopt;
            std::string_view entry =
                directory.substr(id * kDirectoryEntrySize, kDirectoryEntrySize);
            if (static_cast<std::uint8_t>(entry[66]) == kStreamObject) {
                streams.insert(EntryName(entry));
            }
            pending.push_back(*ReadU32(entry, 68));
            pending.push_back(*ReadU32(entry, 72));
        }
        return streams;
    }

    // The entry's UTF-16LE name; characters outside ASCII become '?'.
    static std::string EntryName(std::string_view entry) {
        std::size_t length =
            static_cast<std::uint8_t>(entry[64]) | static_cast<std::uint8_t>(entry[65]) << 8;
        std::string name;
        for (std::size_t i = 0; i + 1 < length && i + 1 < 64; i += 2) {
            unsigned code =
                static_cast<std::uint8_t>(entry[i]) | static_cast<std::uint8_t>(entry[i + 1]) << 8;
            if (code == 0) break;
            name.push_back(code < 0x80 ? static_cast<char>(code) : '?');
        }
        return name;
    }

    std::string_view bytes_;
    std::size_t sector_size_ = 512;
    std::vector<std::uint32_t> fat_;
};

}  // namespace

bool IsZip(std::string_view bytes) { return bytes.starts_with(kZipMagic); }

bool IsCompoundFile(std::string_view bytes) { return bytes.starts_with(kCompoundMagic); }

bool IsEncryptedPackage(std::string_view bytes) {
    if (!IsCompoundFile(bytes)) return false;
    auto streams = CompoundDirectory(bytes).RootStreams();
    return streams && streams->contains("EncryptionInfo") && streams->contains("EncryptedPackage");
}

}  // namespace quire::convert
