#pragma once

#include <string>

namespace quire::xlsx {

// One cell value as the engine writes it. A date is a serial day number in the 1900 system with
// a date number format; text is always stored as text, even when it starts with '='.
struct CellValue {
    enum class Kind { kEmpty, kNumber, kText, kBoolean, kDate, kFormula };

    Kind kind = Kind::kEmpty;
    double number = 0;  // kNumber, kDate (serial), kBoolean (0 or 1)
    std::string text;   // kText, or the formula without its leading '=' for kFormula

    static CellValue Number(double n) { return {Kind::kNumber, n, {}}; }
    static CellValue Text(std::string s) { return {Kind::kText, 0, std::move(s)}; }
    static CellValue Boolean(bool b) { return {Kind::kBoolean, b ? 1.0 : 0.0, {}}; }
    static CellValue Date(double serial) { return {Kind::kDate, serial, {}}; }
    static CellValue Formula(std::string f) { return {Kind::kFormula, 0, std::move(f)}; }
};

}  // namespace quire::xlsx
