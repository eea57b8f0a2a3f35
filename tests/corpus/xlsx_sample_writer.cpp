// Writes workbooks for the openpyxl oracle (openpyxl_check.py).
//
//   xlsx_sample_writer OUT.xlsx             a new workbook: a typed table, a renamed sheet,
//                                           formulas that refer to it and newer functions
//   xlsx_sample_writer --edit IN.xlsx OUT.xlsx
//                                           IN with three cells set on its first worksheet

#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "ooxml/xlsx/workbook.hpp"

namespace {

using quire::Status;
using quire::xlsx::CellValue;
using quire::xlsx::CsvTable;
using quire::xlsx::Workbook;

bool Check(const Status& status, std::string_view step) {
    if (!status) std::cerr << step << ": " << status.error().message << "\n";
    return static_cast<bool>(status);
}

bool WriteFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return static_cast<bool>(out);
}

CsvTable SampleTable() {
    CsvTable table;
    table.header = {"Region", "Units", "Price", "Shipped", "Paid", "Note"};
    // Date serials count days from 1899-12-30: 45306 is 2024-01-15.
    table.rows = {
        {CellValue::Text("North"), CellValue::Number(12), CellValue::Number(3.5),
         CellValue::Date(45306), CellValue::Boolean(true), CellValue::Text("=not a formula")},
        {CellValue::Text("South"), CellValue::Number(7), CellValue::Number(4.25),
         CellValue::Date(45337), CellValue::Boolean(false), CellValue::Text(" padded ")},
        {CellValue::Text("Überland café"), CellValue::Number(0), CellValue::Number(-1.5),
         CellValue::Date(45366), CellValue::Boolean(true), CellValue{}},
    };
    return table;
}

// Functions Excel added after 2007, which the file stores with a prefix.
Status WriteNewerFunctions(Workbook& workbook) {
    const std::vector<std::vector<CellValue>> rows = {
        {CellValue::Formula("CONCAT(\"a\",\"b\")")},
        {CellValue::Formula("IFS(B1>0,\"some\",TRUE,\"none\")")},
        {CellValue::Formula("TEXTJOIN(\"-\",TRUE,\"x\",\"y\")")},
        {CellValue::Formula("xlookup(12,Raw!B2:B4,Raw!A2:A4)")},
    };
    return workbook.WriteRows("Summary", {2, 3}, rows);
}

int WriteSample(const std::string& out) {
    Workbook workbook = Workbook::Create();
    if (!Check(workbook.AddSheet("Raw"), "add Raw") ||
        !Check(workbook.WriteTable("Raw", SampleTable()), "write table") ||
        !Check(workbook.AddSheet("Summary"), "add Summary") ||
        !Check(workbook.SetCell("Summary", "A1", CellValue::Text("Total units")), "A1") ||
        !Check(workbook.SetCell("Summary", "B1", CellValue::Formula("SUM(Raw!B2:B4)")), "B1") ||
        !Check(workbook.SetCell("Summary", "B2", CellValue::Formula("=Raw!C2*Raw!B2")), "B2") ||
        !Check(WriteNewerFunctions(workbook), "newer functions") ||
        !Check(workbook.RenameSheet("Raw", "Sales Data"), "rename")) {
        return 1;
    }
    auto bytes = workbook.Save();
    if (!bytes) {
        std::cerr << "save: " << bytes.error().message << "\n";
        return 1;
    }
    return WriteFile(out, *bytes) ? 0 : 1;
}

int EditCopy(const std::string& in_path, const std::string& out) {
    std::ifstream in(in_path, std::ios::binary);
    auto workbook = Workbook::Open(std::string(std::istreambuf_iterator<char>(in), {}));
    if (!workbook) {
        std::cerr << "open: " << workbook.error().message << "\n";
        return 1;
    }
    auto sheets = workbook->Sheets();
    if (!sheets) return 1;
    std::string sheet;
    for (const auto& info : *sheets) {
        if (info.kind == "worksheet") {
            sheet = info.name;
            break;
        }
    }
    if (!Check(workbook->SetCell(sheet, "Z100", CellValue::Number(42)), "Z100") ||
        !Check(workbook->SetCell(sheet, "Z101", CellValue::Text("edited by Quire")), "Z101") ||
        !Check(workbook->SetCell(sheet, "Z102", CellValue::Formula("Z100*2")), "Z102")) {
        return 1;
    }
    auto bytes = workbook->Save();
    if (!bytes) return 1;
    std::cout << sheet << "\n";
    return WriteFile(out, *bytes) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2) return WriteSample(argv[1]);
    if (argc == 4 && std::string_view(argv[1]) == "--edit") return EditCopy(argv[2], argv[3]);
    std::cerr << "usage: xlsx_sample_writer OUT.xlsx | --edit IN.xlsx OUT.xlsx\n";
    return 2;
}
