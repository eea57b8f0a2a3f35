#include "convert/formula_dependents.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "convert/recalculate.hpp"

namespace quire::convert {
namespace {

using xlsx::CellRange;
using xlsx::CellRef;

// Names that refer to names deeper than this are not followed further (a loop among names).
constexpr int kMaxNameDepth = 16;

// Excel compares sheet, defined and table names ignoring case.
std::string Folded(std::string_view text) {
    std::string out(text);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

// Cells of one sheet that a formula reads.
struct Block {
    int sheet = 0;  // index into WorkbookNames::sheets
    CellRange cells;
};

// The flagged cells of every sheet, by column, as sets of rows: whether a block holds one costs
// a lookup per flagged column inside it.
class FlaggedCells {
public:
    explicit FlaggedCells(std::size_t sheets) : sheets_(sheets) {}

    void Add(int sheet, CellRef ref) {
        sheets_[static_cast<std::size_t>(sheet)][ref.col].insert(ref.row);
    }

    bool AnyIn(const Block& block) const {
        const auto& columns = sheets_[static_cast<std::size_t>(block.sheet)];
        for (auto column = columns.lower_bound(block.cells.first.col);
             column != columns.end() && column->first <= block.cells.last.col; ++column) {
            auto row = column->second.lower_bound(block.cells.first.row);
            if (row != column->second.end() && *row <= block.cells.last.row) return true;
        }
        return false;
    }

private:
    std::vector<std::map<int, std::set<int>>> sheets_;
};

// Turns the references of a formula into blocks of cells, following defined names and tables.
class ReferenceResolver {
public:
    explicit ReferenceResolver(const WorkbookNames& workbook) {
        for (std::size_t i = 0; i < workbook.sheets.size(); ++i) {
            sheets_.emplace(Folded(workbook.sheets[i]), static_cast<int>(i));
        }
        for (const xlsx::DefinedNameInfo& name : workbook.names) {
            int scope = name.sheet.empty() ? kWorkbookScope : SheetIndex(name.sheet).value_or(-2);
            names_.emplace(std::make_pair(Folded(name.name), scope), &name);
            if (UsesFunctionsUnknownToOffice(name.refers_to)) any_unknown_name_ = true;
        }
        for (const xlsx::TableInfo& table : workbook.tables) {
            std::optional<int> sheet = SheetIndex(table.sheet);
            std::optional<CellRange> cells = xlsx::ParseRange(table.range);
            if (sheet && cells) tables_.emplace(Folded(table.name), Block{*sheet, *cells});
        }
    }

    // True when some defined name calls a function the office does not know.
    bool any_unknown_name() const { return any_unknown_name_; }

    std::optional<int> SheetIndex(std::string_view name) const {
        auto found = sheets_.find(Folded(name));
        if (found == sheets_.end()) return std::nullopt;
        return found->second;
    }

    // Adds the blocks `formula`, standing on sheet `sheet`, reads to `out`; sets `unknown` when
    // it uses a defined name that calls a function the office does not know.
    void Resolve(std::string_view formula, int sheet, std::vector<Block>& out, bool& unknown,
                 int depth = 0) const {
        for (const xlsx::FormulaReference& reference : xlsx::FormulaReferences(formula)) {
            std::optional<int> first =
                reference.sheet.empty() ? std::optional<int>(sheet) : SheetIndex(reference.sheet);
            if (!first) continue;  // another workbook's, or a sheet that is gone
            if (reference.cells) {
                AddCells(reference, *first, out);
            } else {
                ResolveName(reference, reference.sheet.empty() ? sheet : *first, out, unknown,
                            depth);
            }
        }
    }

private:
    static constexpr int kWorkbookScope = -1;

    void AddCells(const xlsx::FormulaReference& reference, int first,
                  std::vector<Block>& out) const {
        int last = first;
        if (!reference.last_sheet.empty()) {
            std::optional<int> found = SheetIndex(reference.last_sheet);
            if (!found) return;
            last = *found;
        }
        for (int s = std::min(first, last); s <= std::max(first, last); ++s) {
            out.push_back({s, *reference.cells});
        }
    }

    void ResolveName(const xlsx::FormulaReference& reference, int sheet, std::vector<Block>& out,
                     bool& unknown, int depth) const {
        std::string folded = Folded(reference.name);
        auto name = names_.find({folded, sheet});
        if (name == names_.end()) name = names_.find({folded, kWorkbookScope});
        if (name != names_.end()) {
            if (depth >= kMaxNameDepth) return;
            const xlsx::DefinedNameInfo& defined = *name->second;
            if (UsesFunctionsUnknownToOffice(defined.refers_to)) unknown = true;
            // A reference without a sheet inside a name means the sheet the name is used on.
            Resolve(defined.refers_to, sheet, out, unknown, depth + 1);
            return;
        }
        if (reference.called) return;  // a function
        auto table = tables_.find(folded);
        if (table != tables_.end()) out.push_back(table->second);
    }

    std::map<std::string, int> sheets_;
    std::map<std::pair<std::string, int>, const xlsx::DefinedNameInfo*> names_;
    std::map<std::string, Block> tables_;
    bool any_unknown_name_ = false;
};

}  // namespace

std::vector<bool> UncomputableCells(const std::vector<FormulaCell>& cells,
                                    const WorkbookNames& workbook) {
    std::vector<bool> flagged(cells.size(), false);
    ReferenceResolver resolver(workbook);
    bool any_source = resolver.any_unknown_name() ||
                      std::any_of(cells.begin(), cells.end(),
                                  [](const FormulaCell& cell) { return cell.uncomputable; });
    if (!any_source) return flagged;  // the usual workbook: no formula needs reading

    FlaggedCells grid(workbook.sheets.size());
    std::vector<std::vector<Block>> reads(cells.size());
    std::vector<int> sheet_of(cells.size(), -1);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        std::optional<int> sheet = resolver.SheetIndex(cells[i].sheet);
        if (!sheet) continue;
        sheet_of[i] = *sheet;
        bool unknown = false;
        resolver.Resolve(cells[i].formula, *sheet, reads[i], unknown);
        if (cells[i].uncomputable || unknown) {
            flagged[i] = true;
            grid.Add(*sheet, cells[i].ref);
        }
    }

    // Formulas mostly read cells above or left of them, so a pass in sheet order usually
    // settles it; another follows only when a pass flagged something.
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (flagged[i] || sheet_of[i] < 0) continue;
            bool reads_flagged = std::any_of(reads[i].begin(), reads[i].end(),
                                             [&](const Block& block) { return grid.AnyIn(block); });
            if (!reads_flagged) continue;
            flagged[i] = true;
            grid.Add(sheet_of[i], cells[i].ref);
            changed = true;
        }
    }
    return flagged;
}

}  // namespace quire::convert
