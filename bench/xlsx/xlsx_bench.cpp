// The xlsx engine on a large sheet, one phase per process so that each phase's peak memory is
// its own:
//
//   xlsx_bench write OUT [ROWS]   writes ROWS rows x 10 columns (numbers, text, formulas)
//   xlsx_bench edit IN OUT        opens IN, changes one cell (C5), saves OUT
//   xlsx_bench outline IN         opens IN and produces its outline
//
// Each prints one line "phase=... seconds=... peak_rss_kb=..." (seconds measured inside the
// process, from before reading the input to after writing the output). bench/xlsx/run drives it
// next to openpyxl and prints the ratios.

#include <fmt/format.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "ooxml/xlsx/workbook.hpp"

namespace {

using quire::xlsx::CellValue;
using quire::xlsx::Workbook;

constexpr std::string_view kSheet = "Data";
constexpr int kColumns = 10;

// Row r's values; openpyxl_bench.py writes the same ones. Built with plain string appends, as
// a caller filling a sheet from data would, so that the benchmark measures the engine.
std::vector<CellValue> RowValues(int r) {
    const std::string row = std::to_string(r);
    return {
        CellValue::Number(r),
        CellValue::Text("name " + std::to_string(r % 1000)),
        CellValue::Number(r * 1.25),
        CellValue::Formula("A" + row + "*C" + row),
        CellValue::Text("city " + std::to_string(r % 37)),
        CellValue::Number((r * 7 % 1000) / 10.0),
        CellValue::Formula("SUM(A" + row + ",F" + row + ")"),
        CellValue::Number(r % 2 == 0 ? -r : r),
        CellValue::Text("note " + std::to_string(r % 13) + " for row " + row),
        CellValue::Formula("IF(A" + row + ">50000,\"big\",\"small\")"),
    };
}

long PeakRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

bool ReadFile(const char* path, std::string& out) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    out.assign(std::istreambuf_iterator<char>(in), {});
    return true;
}

bool WriteFile(const char* path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
}

int Fail(std::string_view what, std::string_view why) {
    std::fprintf(stderr, "xlsx_bench: %.*s: %.*s\n", static_cast<int>(what.size()), what.data(),
                 static_cast<int>(why.size()), why.data());
    return 1;
}

// Seconds since `start`, for the per-step breakdown printed to stderr.
double Since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds of the process so far (all threads).
double CpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

int Write(const char* out_path, int rows) {
    auto start = std::chrono::steady_clock::now();
    Workbook workbook = Workbook::Create();
    if (auto added = workbook.AddSheet(kSheet); !added) {
        return Fail("add sheet", added.error().message);
    }
    // Row by row, as openpyxl's ws.append takes them.
    std::vector<std::vector<CellValue>> values;
    values.reserve(static_cast<std::size_t>(rows));
    for (int r = 1; r <= rows; ++r) values.push_back(RowValues(r));
    const double built = Since(start);
    const double built_cpu = CpuSeconds();
    if (auto set = workbook.WriteRows(kSheet, {1, 1}, values); !set) {
        return Fail("write rows", set.error().message);
    }
    values = {};
    const double set = Since(start);
    const double set_cpu = CpuSeconds();
    auto bytes = workbook.Save();
    if (!bytes) return Fail("save", bytes.error().message);
    const double saved = Since(start);
    const double saved_cpu = CpuSeconds();
    if (!WriteFile(out_path, *bytes)) return Fail("write", out_path);
    std::fprintf(stderr,
                 "write: values %.3f s (cpu %.3f), WriteRows %.3f s (cpu %.3f), Save %.3f s "
                 "(cpu %.3f), file %.3f s\n",
                 built, built_cpu, set - built, set_cpu - built_cpu, saved - set,
                 saved_cpu - set_cpu, Since(start) - saved);
    return 0;
}

int Edit(const char* in_path, const char* out_path) {
    std::string bytes;
    if (!ReadFile(in_path, bytes)) return Fail("read", in_path);
    auto workbook = Workbook::Open(std::move(bytes));
    if (!workbook) return Fail("open", workbook.error().message);
    if (auto set = workbook->SetCell(kSheet, "C5", CellValue::Number(123.5)); !set) {
        return Fail("set cell", set.error().message);
    }
    auto saved = workbook->Save();
    if (!saved) return Fail("save", saved.error().message);
    return WriteFile(out_path, *saved) ? 0 : Fail("write", out_path);
}

int Outline(const char* in_path) {
    std::string bytes;
    if (!ReadFile(in_path, bytes)) return Fail("read", in_path);
    auto workbook = Workbook::Open(std::move(bytes));
    if (!workbook) return Fail("open", workbook.error().message);
    auto outline = workbook->OutlineJson();
    if (!outline) return Fail("outline", outline.error().message);
    std::fprintf(stderr, "%s\n", outline->c_str());
    return 0;
}

int Usage() {
    std::fprintf(stderr, "usage: xlsx_bench write OUT [ROWS] | edit IN OUT | outline IN\n");
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return Usage();
    const std::string_view phase = argv[1];
    auto start = std::chrono::steady_clock::now();
    int rc = 0;
    if (phase == "write") {
        rc = Write(argv[2], argc > 3 ? std::atoi(argv[3]) : 100000);
    } else if (phase == "edit" && argc > 3) {
        rc = Edit(argv[2], argv[3]);
    } else if (phase == "outline") {
        rc = Outline(argv[2]);
    } else {
        return Usage();
    }
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    if (rc == 0) {
        std::printf("phase=%s seconds=%.3f peak_rss_kb=%ld\n", argv[1], elapsed.count(),
                    PeakRssKb());
    }
    return rc;
}
