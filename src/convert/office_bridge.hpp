#pragma once

// The one seam between Quire and a running LibreOffice process: a session over its UNO bridge.
// Only uno_bridge.cpp sees UNO; without the LibreOffice SDK at build time, no_office_bridge.cpp
// stands in and every connection fails with kConverterUnavailable.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.hpp"

namespace quire::convert {

// One conversion for an office process: load `input` hidden and read-only (without a lock file),
// with macros off and links not updated, and store it to `output` through the export filter
// `filter` with `filter_options`.
struct OfficeJob {
    std::filesystem::path input;
    std::filesystem::path output;
    std::string filter;          // "writer_pdf_Export", "Calc Office Open XML", ...
    std::string filter_options;  // the filter's FilterOptions text, "" for none
    // Spreadsheet CSV: the sheet to write, found ignoring ASCII case; "" for the active sheet.
    // Its 1-based index is appended to `filter_options` as the CSV filter's sheet token.
    std::string sheet;
};

// One formula cell after a full recalculation.
struct RecalculatedCell {
    std::string sheet;
    std::string ref;      // "B7"
    std::string formula;  // as the office shows it, with its leading '='
    enum class Kind { kNumber, kText, kError } kind = Kind::kNumber;
    double number = 0;  // kNumber
    std::string text;   // kText, or the error's name ("#DIV/0!") for kError
    // An error from calling a macro function (a user-defined function of the workbook's VBA
    // project, such as SROUND): documents load with macros off, so the office cannot compute it.
    bool calls_macro = false;
};

// A connection to one office process. Calls are not safe to make concurrently; the pool gives
// each session to one conversion at a time.
class OfficeSession {
public:
    virtual ~OfficeSession() = default;

    // Runs the job. After success the document stays open until CloseDocument or the next
    // Convert, so that closing it need not delay the caller; the output is complete. Errors
    // (the document is closed then): kConversionFailed when the office cannot read the input or
    // write the output (the message says which, without the document's contents); kUnavailable
    // when the connection broke (the process died or was killed).
    [[nodiscard]] virtual Status Convert(const OfficeJob& job) = 0;

    // Closes the document the last Convert left open, if any. A failure to close (the process is
    // gone) is for the pool to notice; nothing is reported here.
    virtual void CloseDocument() = 0;

    // Loads a workbook, recalculates every formula and reports each formula cell's value; the
    // file is not changed. Errors as for Convert.
    [[nodiscard]] virtual Result<std::vector<RecalculatedCell>> Recalculate(
        const std::filesystem::path& workbook) = 0;
};

// Connects to the office process accepting on the named pipe. kUnavailable while it is not (yet)
// accepting; kConverterUnavailable when Quire was built without the UNO bridge.
[[nodiscard]] Result<std::unique_ptr<OfficeSession>> ConnectOffice(std::string_view pipe_name);

// False when Quire was built without the LibreOffice SDK.
bool OfficeBridgeBuilt();

// Sets up this process's side of the bridge (its UNO environment, which sets URE_BOOTSTRAP if
// it is not set). Call once early, before threads that read the environment start; harmless
// to call again.
void PrepareOfficeBridge();

}  // namespace quire::convert
