#pragma once

// One Excel turn's view of its workbook: the tool calls the offline agent makes, the sheets and
// charts the workbook's outline lists, and the run memory, which together resolve the names an
// instruction uses ("the summary sheet", "the revenue chart", no sheet at all).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/excel_memory.hpp"
#include "common/error.hpp"
#include "ooxml/xlsx/formula_refs.hpp"

namespace quire::xlsx {
class Workbook;
}

namespace quire::agent {

// A sheet as the outline lists it.
struct OutlineSheet {
    std::string name;
    std::string kind;                     // "worksheet", "chartsheet", ...
    std::optional<xlsx::CellRange> used;  // the used range, nullopt when the sheet is empty
    int header_row = 0;                   // the row the outline takes for a header, 0 for none
    int tables = 0;                       // how many tables it holds
};

// A chart as the outline lists it.
struct OutlineChart {
    std::string name;
    std::string title;
    std::string type;
    std::string sheet;
    std::string anchor;  // "E2:L18", "" for the chart of a chartsheet
};

// Not thread-safe; lives for one turn and borrows the workbook.
class WorkbookView {
public:
    WorkbookView(xlsx::Workbook& workbook, ExcelMemory memory);

    // Runs one Excel tool (xlsx::CallTool). A failure keeps the engine's code and message,
    // without the tool's name in front, so that it reads well in a summary.
    [[nodiscard]] Result<boost::json::value> Call(std::string_view tool, boost::json::object args);
    // Hears each call made through Call (its tool and JSON arguments), for the task's events.
    void ObserveToolCalls(std::function<void(std::string_view, std::string_view)> observer) {
        observer_ = std::move(observer);
    }
    const std::function<void(std::string_view, std::string_view)>& observer() const {
        return observer_;
    }
    // Tool calls made through Call, and those made elsewhere on the workbook (a report).
    int ToolCalls() const { return tool_calls_; }
    void CountToolCalls(int calls) { tool_calls_ += calls; }

    // Tells the view that the workbook changed other than through Call.
    void Invalidate() { outline_.reset(); }

    // The workbook, for a recipe that makes its own tool calls (excel_report.hpp); the outline is
    // read again afterwards.
    xlsx::Workbook& Edit() {
        Invalidate();
        return workbook_;
    }

    // The sheets and charts in workbook order, read from the outline when it changed.
    [[nodiscard]] Result<std::vector<OutlineSheet>> Sheets();
    [[nodiscard]] Result<std::vector<OutlineChart>> Charts();

    // The sheet that `words` names ("Summary", "summary", "weather"; "" for the current sheet):
    // a sheet of that name ignoring case; else for "data" and "summary" the sheet the run made
    // for that purpose; else the one sheet whose name contains the words. An unknown or
    // ambiguous name is kNotFound or kInvalidRequest with a message for the summary.
    [[nodiscard]] Result<OutlineSheet> FindSheet(std::string_view words);

    // The sheet the run last worked on, or else the first worksheet; kNotFound when there is
    // none.
    [[nodiscard]] Result<OutlineSheet> CurrentSheet();
    // Adds "Sheet1" to a workbook that has no sheet.
    [[nodiscard]] Status EnsureASheet();

    // The sheet the run last imported a CSV into, or else the current sheet.
    [[nodiscard]] Result<OutlineSheet> DataSheet();

    // The chart that `words` names ("revenue"; "" for the chart the run touched last, or the
    // workbook's only chart): a chart of that name or title ignoring case, else the one chart
    // whose name or title contains the words, else the one chart of that type ("line"). The
    // run's own charts are looked at before the others. Failures as for FindSheet.
    [[nodiscard]] Result<OutlineChart> FindChart(std::string_view words);

    // Bookkeeping for the run memory after a tool call succeeded.
    void WorkedOn(std::string_view sheet);
    void SetRole(std::string_view sheet, std::string_view role);
    void SheetRenamed(std::string_view from, std::string_view to);
    void ChartTouched(const OutlineChart& chart);
    void ChartDeleted(std::string_view name);

    // The memory to keep for the next turn, checked against the workbook as it is now.
    [[nodiscard]] Result<ExcelMemory> Memory();

private:
    int tool_calls_ = 0;
    std::function<void(std::string_view, std::string_view)> observer_;
    struct Outline {
        std::vector<OutlineSheet> sheets;
        std::vector<OutlineChart> charts;
    };

    Result<const Outline*> Current();
    void Reconcile(const Outline& outline);
    // The charts in the order names are tried: the run's own, the last touched first, then the
    // rest of the workbook's.
    std::vector<OutlineChart> ChartCandidates(const Outline& outline) const;

    xlsx::Workbook& workbook_;
    ExcelMemory memory_;
    std::optional<Outline> outline_;  // reset by every call that may change the workbook
};

}  // namespace quire::agent
