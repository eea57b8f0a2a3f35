// The UNO side of the office converter: the only file that includes LibreOffice headers.

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include <com/sun/star/beans/PropertyValue.hpp>
#include <com/sun/star/beans/XPropertySet.hpp>
#include <com/sun/star/bridge/UnoUrlResolver.hpp>
#include <com/sun/star/bridge/XUnoUrlResolver.hpp>
#include <com/sun/star/container/XEnumeration.hpp>
#include <com/sun/star/container/XEnumerationAccess.hpp>
#include <com/sun/star/container/XIndexAccess.hpp>
#include <com/sun/star/container/XNameAccess.hpp>
#include <com/sun/star/container/XNamed.hpp>
#include <com/sun/star/document/MacroExecMode.hpp>
#include <com/sun/star/document/UpdateDocMode.hpp>
#include <com/sun/star/document/XTypeDetection.hpp>
#include <com/sun/star/frame/Desktop.hpp>
#include <com/sun/star/frame/XComponentLoader.hpp>
#include <com/sun/star/frame/XDesktop2.hpp>
#include <com/sun/star/frame/XLoadable.hpp>
#include <com/sun/star/frame/XStorable.hpp>
#include <com/sun/star/io/IOException.hpp>
#include <com/sun/star/lang/DisposedException.hpp>
#include <com/sun/star/lang/IllegalArgumentException.hpp>
#include <com/sun/star/lang/XComponent.hpp>
#include <com/sun/star/lang/XMultiComponentFactory.hpp>
#include <com/sun/star/lang/XMultiServiceFactory.hpp>
#include <com/sun/star/lang/XServiceInfo.hpp>
#include <com/sun/star/sheet/CellFlags.hpp>
#include <com/sun/star/sheet/FormulaLanguage.hpp>
#include <com/sun/star/sheet/FormulaMapGroup.hpp>
#include <com/sun/star/sheet/FormulaMapGroupSpecialOffset.hpp>
#include <com/sun/star/sheet/FormulaOpCodeMapEntry.hpp>
#include <com/sun/star/sheet/FormulaResult.hpp>
#include <com/sun/star/sheet/FormulaToken.hpp>
#include <com/sun/star/sheet/XCalculatable.hpp>
#include <com/sun/star/sheet/XCellAddressable.hpp>
#include <com/sun/star/sheet/XCellRangeAddressable.hpp>
#include <com/sun/star/sheet/XCellRangesQuery.hpp>
#include <com/sun/star/sheet/XFormulaOpCodeMapper.hpp>
#include <com/sun/star/sheet/XFormulaTokens.hpp>
#include <com/sun/star/sheet/XPrintAreas.hpp>
#include <com/sun/star/sheet/XSheetCellRanges.hpp>
#include <com/sun/star/sheet/XSpreadsheet.hpp>
#include <com/sun/star/sheet/XSpreadsheetDocument.hpp>
#include <com/sun/star/table/CellRangeAddress.hpp>
#include <com/sun/star/table/XCell.hpp>
#include <com/sun/star/text/XText.hpp>
#include <com/sun/star/text/XTextFieldsSupplier.hpp>
#include <com/sun/star/uno/RuntimeException.hpp>
#include <com/sun/star/util/XCloseable.hpp>
#include <cppuhelper/bootstrap.hxx>
#include <osl/file.hxx>
#include <rtl/ustring.hxx>

#include <fmt/format.h>

#include "common/log.hpp"
#include "convert/office_bridge.hpp"

namespace quire::convert {
namespace {

namespace css = com::sun::star;
using css::uno::Reference;
using css::uno::Sequence;
using css::uno::UNO_QUERY;
using css::uno::UNO_QUERY_THROW;
using rtl::OString;
using rtl::OUString;
using Clock = std::chrono::steady_clock;

double Millis(Clock::duration elapsed) {
    return std::chrono::duration<double, std::milli>(elapsed).count();
}

std::string ToUtf8(const OUString& text) {
    OString bytes = OUStringToOString(text, RTL_TEXTENCODING_UTF8);
    return std::string(bytes.getStr(), static_cast<std::size_t>(bytes.getLength()));
}

OUString FromUtf8(std::string_view text) {
    return OUString(text.data(), static_cast<sal_Int32>(text.size()), RTL_TEXTENCODING_UTF8);
}

OUString FileUrl(const std::filesystem::path& path) {
    OUString url;
    osl::FileBase::getFileURLFromSystemPath(FromUtf8(path.string()), url);
    return url;
}

css::beans::PropertyValue Property(const char* name, css::uno::Any value) {
    css::beans::PropertyValue property;
    property.Name = OUString::createFromAscii(name);
    property.Value = std::move(value);
    return property;
}

// The process's own UNO environment, made once. Its bootstrap file resolves paths relative to
// itself only when named through URE_BOOTSTRAP, which is set here unless the caller set one.
Reference<css::uno::XComponentContext> LocalContext() {
    static std::once_flag once;
    static Reference<css::uno::XComponentContext> context;
    std::call_once(once, [] {
        ::setenv("URE_BOOTSTRAP",
                 "vnd.sun.star.pathname:" QUIRE_OFFICE_PROGRAM_DIR "/fundamentalrc", 0);
        context = cppu::defaultBootstrap_InitialComponentContext();
    });
    return context;
}

std::string ColumnName(sal_Int32 column) {
    std::string name;
    for (sal_Int32 n = column + 1; n > 0; n = (n - 1) / 26) {
        name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
    }
    return name;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// Closes a loaded document however the conversion ends.
class LoadedDocument {
public:
    explicit LoadedDocument(Reference<css::lang::XComponent> component)
        : component_(std::move(component)) {}
    LoadedDocument(const LoadedDocument&) = delete;
    LoadedDocument& operator=(const LoadedDocument&) = delete;
    ~LoadedDocument() {
        try {
            Reference<css::util::XCloseable> closeable(component_, UNO_QUERY);
            if (closeable.is()) {
                closeable->close(true);
            } else if (component_.is()) {
                component_->dispose();
            }
        } catch (const css::uno::Exception&) {
            // The process is gone or refused to close; the pool judges the process.
        }
    }

    const Reference<css::lang::XComponent>& get() const { return component_; }

private:
    Reference<css::lang::XComponent> component_;
};

class UnoSession final : public OfficeSession {
public:
    UnoSession(Reference<css::uno::XComponentContext> context,
               Reference<css::frame::XDesktop2> desktop)
        : context_(std::move(context)), desktop_(std::move(desktop)) {}

    Status Convert(const OfficeJob& job) override {
        CloseDocument();
        try {
            auto started = Clock::now();
            auto loaded = Load(job.input, job.filter == "writer_pdf_Export");
            if (!loaded) return Propagate(loaded);
            open_.emplace(std::move(*loaded));
            auto load_done = Clock::now();
            Status stored = Store(open_->get(), job);
            if (!stored) {
                open_.reset();
                return stored;
            }
            QUIRE_LOG_DEBUG("office convert filter={} load_ms={:.1f} store_ms={:.1f}", job.filter,
                            Millis(load_done - started), Millis(Clock::now() - load_done));
            return {};
        } catch (const css::uno::RuntimeException& e) {
            open_.reset();
            return Fail(ErrorCode::kUnavailable, "the converter process stopped answering",
                        ToUtf8(e.Message));
        } catch (const css::uno::Exception& e) {
            open_.reset();
            return Fail(ErrorCode::kConversionFailed, "the converter failed", ToUtf8(e.Message));
        }
    }

    void CloseDocument() override {
        if (!open_) return;
        auto started = Clock::now();
        open_.reset();
        QUIRE_LOG_DEBUG("office document closed close_ms={:.1f}", Millis(Clock::now() - started));
    }

    Result<std::vector<RecalculatedCell>> Recalculate(
        const std::filesystem::path& workbook) override {
        CloseDocument();
        try {
            auto loaded = Load(workbook);
            if (!loaded) return Propagate(loaded);
            LoadedDocument document(std::move(*loaded));
            Reference<css::sheet::XCalculatable> calculatable(document.get(), UNO_QUERY);
            Reference<css::sheet::XSpreadsheetDocument> spreadsheet(document.get(), UNO_QUERY);
            if (!calculatable.is() || !spreadsheet.is()) {
                return Fail(ErrorCode::kConversionFailed, "the document is not a workbook");
            }
            calculatable->calculateAll();
            return FormulaCells(spreadsheet);
        } catch (const css::uno::RuntimeException& e) {
            return Fail(ErrorCode::kUnavailable, "the converter process stopped answering",
                        ToUtf8(e.Message));
        } catch (const css::uno::Exception& e) {
            return Fail(ErrorCode::kConversionFailed, "the converter failed", ToUtf8(e.Message));
        }
    }

private:
    Status Store(const Reference<css::lang::XComponent>& document, const OfficeJob& job) {
        std::string filter_options = job.filter_options;
        if (!job.sheet.empty()) {
            auto index = SheetIndex(document, job.sheet);
            if (!index) return Propagate(index);
            filter_options += fmt::format(",{}", *index + 1);
        }
        if (job.filter == "calc_pdf_Export") PrintWholeSheets(document);
        Reference<css::frame::XStorable> storable(document, UNO_QUERY_THROW);
        css::beans::PropertyValue store[] = {
            Property("FilterName", css::uno::Any(FromUtf8(job.filter))),
            Property("FilterOptions", css::uno::Any(FromUtf8(filter_options))),
            Property("Overwrite", css::uno::Any(true))};
        try {
            storable->storeToURL(FileUrl(job.output),
                                 Sequence<css::beans::PropertyValue>(store, 3));
        } catch (const css::io::IOException& e) {
            return Fail(ErrorCode::kConversionFailed, "the converter could not write the result",
                        ToUtf8(e.Message));
        }
        return {};
    }

    // Gives each visible sheet without a print area one that covers the whole sheet, which
    // prints the same pages in a fraction of the time. Calc trims such an area to the printed
    // part (cells, formatting and drawings) just as it does for a sheet without one, but without
    // one it computes page breaks over all of the sheet's rows, and for a sheet fitted to a
    // number of pages again for every zoom it tries: in a workbook of the corpus fitted to one
    // page wide, that was 100 ms of a 125 ms export. Hidden sheets are left alone, since Calc
    // prints a hidden sheet that has a print area. The document is never saved.
    static void PrintWholeSheets(const Reference<css::lang::XComponent>& document) {
        Reference<css::sheet::XSpreadsheetDocument> spreadsheet(document, UNO_QUERY);
        if (!spreadsheet.is()) return;
        Reference<css::container::XIndexAccess> sheets(spreadsheet->getSheets(), UNO_QUERY_THROW);
        for (sal_Int32 i = 0; i < sheets->getCount(); ++i) {
            Reference<css::sheet::XPrintAreas> areas(sheets->getByIndex(i), UNO_QUERY);
            Reference<css::beans::XPropertySet> properties(areas, UNO_QUERY);
            Reference<css::sheet::XCellRangeAddressable> whole(areas, UNO_QUERY);
            if (!areas.is() || !properties.is() || !whole.is()) continue;
            bool visible = true;
            properties->getPropertyValue("IsVisible") >>= visible;
            if (!visible || areas->getPrintAreas().hasElements()) continue;
            css::table::CellRangeAddress address = whole->getRangeAddress();
            areas->setPrintAreas(Sequence<css::table::CellRangeAddress>(&address, 1));
        }
    }

    // Hidden, and read-only: without ReadOnly a stale lock file beside the input makes the load
    // return nothing (DESIGN.md §7). Macros never run and links to other files or the web are
    // not updated: the document is the user's upload, and a conversion shows what it holds.
    // `paged`: the export lays out pages (PDF), for which Writer needs a view.
    Result<Reference<css::lang::XComponent>> Load(const std::filesystem::path& input,
                                                  bool paged = false) {
        css::beans::PropertyValue properties[] = {
            Property("Hidden", css::uno::Any(true)), Property("ReadOnly", css::uno::Any(true)),
            Property("MacroExecutionMode",
                     css::uno::Any(css::document::MacroExecMode::NEVER_EXECUTE)),
            Property("UpdateDocMode", css::uno::Any(css::document::UpdateDocMode::NO_UPDATE))};
        Sequence<css::beans::PropertyValue> load(properties, 4);
        OUString url = FileUrl(input);
        Reference<css::lang::XComponent> component;
        try {
            DetectedType type = Detect(url);
            if (type.service == "com.sun.star.text.TextDocument") {
                component = LoadWithoutView(url, type, load);
                if (paged && !AddViewWithoutComments(component, load)) {
                    LoadedDocument discard(component);
                    return Fail(ErrorCode::kConversionFailed,
                                "the converter could not lay out the document");
                }
            } else {
                Reference<css::frame::XComponentLoader> loader(desktop_, UNO_QUERY_THROW);
                component = loader->loadComponentFromURL(url, "_blank", 0, load);
            }
        } catch (const css::lang::IllegalArgumentException& e) {
            return Fail(ErrorCode::kConversionFailed, "the converter could not read the document",
                        ToUtf8(e.Message));
        } catch (const css::io::IOException& e) {
            return Fail(ErrorCode::kConversionFailed, "the converter could not read the document",
                        ToUtf8(e.Message));
        }
        if (!component.is()) {
            return Fail(ErrorCode::kConversionFailed, "the converter could not read the document");
        }
        return component;
    }

    // The import filter the office's type detection chooses for a file, and the document service
    // that filter fills; both empty when no filter takes the file.
    struct DetectedType {
        OUString filter;
        OUString service;
    };

    DetectedType Detect(const OUString& url) {
        Reference<css::lang::XMultiComponentFactory> factory = context_->getServiceManager();
        Reference<css::document::XTypeDetection> detection(
            factory->createInstanceWithContext("com.sun.star.document.TypeDetection", context_),
            UNO_QUERY_THROW);
        css::beans::PropertyValue url_property = Property("URL", css::uno::Any(url));
        Sequence<css::beans::PropertyValue> descriptor(&url_property, 1);
        detection->queryTypeByDescriptor(descriptor, true);
        DetectedType type;
        for (const css::beans::PropertyValue& property : std::as_const(descriptor)) {
            if (property.Name == "FilterName") property.Value >>= type.filter;
        }
        if (type.filter.isEmpty()) return type;
        Reference<css::container::XNameAccess> filters(
            factory->createInstanceWithContext("com.sun.star.document.FilterFactory", context_),
            UNO_QUERY_THROW);
        Sequence<css::beans::PropertyValue> filter;
        filters->getByName(type.filter) >>= filter;
        for (const css::beans::PropertyValue& property : std::as_const(filter)) {
            if (property.Name == "DocumentService") property.Value >>= type.service;
        }
        return type;
    }

    // A text document as a bare model, without a frame or view. A Writer view of a document
    // with comments lays out their margin windows from the office's event loop, from a dialog
    // description that LibreOffice's packages without a user interface (Debian's -nogui) do not
    // ship; the office aborts then, and did so on each docx with comments tried. Without a view
    // that layout never runs.
    Reference<css::lang::XComponent> LoadWithoutView(
        const OUString& url, const DetectedType& type,
        const Sequence<css::beans::PropertyValue>& load) {
        Reference<css::lang::XMultiComponentFactory> factory = context_->getServiceManager();
        Reference<css::frame::XLoadable> model(
            factory->createInstanceWithContext(type.service, context_), UNO_QUERY_THROW);
        Reference<css::lang::XComponent> component(model, UNO_QUERY_THROW);
        Sequence<css::beans::PropertyValue> descriptor(load.getLength() + 2);
        std::copy(load.begin(), load.end(), descriptor.getArray());
        descriptor.getArray()[load.getLength()] = Property("URL", css::uno::Any(url));
        descriptor.getArray()[load.getLength() + 1] =
            Property("FilterName", css::uno::Any(type.filter));
        try {
            model->load(descriptor);
        } catch (const css::uno::Exception&) {
            LoadedDocument discard(component);
            throw;
        }
        return component;
    }

    // Writer lays out pages for PDF only in a view. The comments go first, so that the view has
    // none to lay out; a PDF export shows no comments (its ExportNotes option is off), and the
    // document is never saved. False when the office made no view.
    bool AddViewWithoutComments(const Reference<css::lang::XComponent>& document,
                                const Sequence<css::beans::PropertyValue>& load) {
        try {
            RemoveComments(document);
            Sequence<css::beans::PropertyValue> descriptor(load.getLength() + 1);
            std::copy(load.begin(), load.end(), descriptor.getArray());
            descriptor.getArray()[load.getLength()] = Property("Model", css::uno::Any(document));
            Reference<css::frame::XComponentLoader> loader(desktop_, UNO_QUERY_THROW);
            return loader->loadComponentFromURL("private:object", "_blank", 0, descriptor).is();
        } catch (const css::uno::Exception&) {
            LoadedDocument discard(document);
            throw;
        }
    }

    static void RemoveComments(const Reference<css::lang::XComponent>& document) {
        Reference<css::text::XTextFieldsSupplier> supplier(document, UNO_QUERY_THROW);
        std::vector<Reference<css::lang::XComponent>> comments;
        Reference<css::container::XEnumeration> fields =
            supplier->getTextFields()->createEnumeration();
        while (fields->hasMoreElements()) {
            Reference<css::lang::XServiceInfo> field(fields->nextElement(), UNO_QUERY);
            if (field.is() && field->supportsService("com.sun.star.text.TextField.Annotation")) {
                comments.emplace_back(field, UNO_QUERY_THROW);
            }
        }
        for (const Reference<css::lang::XComponent>& comment : comments) comment->dispose();
    }

    static Result<sal_Int32> SheetIndex(const Reference<css::lang::XComponent>& document,
                                        std::string_view wanted) {
        Reference<css::sheet::XSpreadsheetDocument> spreadsheet(document, UNO_QUERY);
        if (!spreadsheet.is()) return InvalidRequest("options.sheet applies to workbooks only");
        Sequence<OUString> names = spreadsheet->getSheets()->getElementNames();
        std::string listed;
        for (sal_Int32 i = 0; i < names.getLength(); ++i) {
            std::string name = ToUtf8(names[i]);
            if (EqualsIgnoringCase(name, wanted)) return i;
            listed += (listed.empty() ? "'" : ", '") + name + "'";
        }
        return InvalidRequest(fmt::format(
            "options.sheet: the workbook has no sheet named '{}'; sheets: {}", wanted, listed));
    }

    // The operation code of a call to a macro function in the office's formula tokens, or -1
    // when it does not say.
    static sal_Int32 MacroOpCode(const Reference<css::sheet::XSpreadsheetDocument>& spreadsheet) {
        Reference<css::lang::XMultiServiceFactory> factory(spreadsheet, UNO_QUERY);
        if (!factory.is()) return -1;
        Reference<css::sheet::XFormulaOpCodeMapper> mapper(
            factory->createInstance("com.sun.star.sheet.FormulaOpCodeMapper"), UNO_QUERY);
        if (!mapper.is()) return -1;
        // The special group lists its entries at the positions FormulaMapGroupSpecialOffset names.
        Sequence<css::sheet::FormulaOpCodeMapEntry> special = mapper->getAvailableMappings(
            css::sheet::FormulaLanguage::ENGLISH, css::sheet::FormulaMapGroup::SPECIAL);
        if (special.getLength() <= css::sheet::FormulaMapGroupSpecialOffset::MACRO) return -1;
        return special[css::sheet::FormulaMapGroupSpecialOffset::MACRO].Token.OpCode;
    }

    static bool CallsMacro(const Reference<css::table::XCell>& cell, sal_Int32 macro_opcode) {
        Reference<css::sheet::XFormulaTokens> formula(cell, UNO_QUERY);
        if (macro_opcode < 0 || !formula.is()) return false;
        const Sequence<css::sheet::FormulaToken> tokens = formula->getTokens();
        return std::any_of(tokens.begin(), tokens.end(), [&](const css::sheet::FormulaToken& t) {
            return t.OpCode == macro_opcode;
        });
    }

    static std::vector<RecalculatedCell> FormulaCells(
        const Reference<css::sheet::XSpreadsheetDocument>& spreadsheet) {
        sal_Int32 macro_opcode = MacroOpCode(spreadsheet);
        std::vector<RecalculatedCell> out;
        Reference<css::container::XIndexAccess> sheets(spreadsheet->getSheets(), UNO_QUERY_THROW);
        for (sal_Int32 i = 0; i < sheets->getCount(); ++i) {
            Reference<css::sheet::XSpreadsheet> sheet(sheets->getByIndex(i), UNO_QUERY_THROW);
            std::string sheet_name =
                ToUtf8(Reference<css::container::XNamed>(sheet, UNO_QUERY_THROW)->getName());
            Reference<css::sheet::XCellRangesQuery> query(sheet, UNO_QUERY_THROW);
            Reference<css::sheet::XSheetCellRanges> ranges =
                query->queryContentCells(css::sheet::CellFlags::FORMULA);
            Reference<css::container::XEnumeration> cells = ranges->getCells()->createEnumeration();
            while (cells->hasMoreElements()) {
                Reference<css::table::XCell> cell(cells->nextElement(), UNO_QUERY_THROW);
                out.push_back(DescribeCell(sheet_name, cell, macro_opcode));
            }
        }
        return out;
    }

    static RecalculatedCell DescribeCell(const std::string& sheet,
                                         const Reference<css::table::XCell>& cell,
                                         sal_Int32 macro_opcode) {
        RecalculatedCell out;
        out.sheet = sheet;
        auto address =
            Reference<css::sheet::XCellAddressable>(cell, UNO_QUERY_THROW)->getCellAddress();
        out.ref = ColumnName(address.Column) + std::to_string(address.Row + 1);
        out.formula = ToUtf8(cell->getFormula());
        std::string shown = ToUtf8(Reference<css::text::XText>(cell, UNO_QUERY_THROW)->getString());
        sal_Int32 result_type = css::sheet::FormulaResult::VALUE;
        Reference<css::beans::XPropertySet> properties(cell, UNO_QUERY);
        if (properties.is()) properties->getPropertyValue("FormulaResultType2") >>= result_type;
        if (cell->getError() != 0 || result_type == css::sheet::FormulaResult::ERROR) {
            out.kind = RecalculatedCell::Kind::kError;
            out.text = shown;
            // Only errors are looked at: a macro call the office could not run ends in one.
            out.calls_macro = CallsMacro(cell, macro_opcode);
        } else if (result_type == css::sheet::FormulaResult::STRING) {
            out.kind = RecalculatedCell::Kind::kText;
            out.text = shown;
        } else {
            out.number = cell->getValue();
        }
        return out;
    }

    Reference<css::uno::XComponentContext> context_;  // the office's, for its services
    Reference<css::frame::XDesktop2> desktop_;
    // The last converted document, open until CloseDocument or the next conversion.
    std::optional<LoadedDocument> open_;
};

}  // namespace

Result<std::unique_ptr<OfficeSession>> ConnectOffice(std::string_view pipe_name) {
    try {
        Reference<css::uno::XComponentContext> local = LocalContext();
        if (!local.is()) return Fail(ErrorCode::kUnavailable, "the UNO runtime did not start");
        Reference<css::bridge::XUnoUrlResolver> resolver =
            css::bridge::UnoUrlResolver::create(local);
        OUString url =
            FromUtf8(fmt::format("uno:pipe,name={};urp;StarOffice.ComponentContext", pipe_name));
        Reference<css::uno::XComponentContext> remote(resolver->resolve(url), UNO_QUERY_THROW);
        Reference<css::frame::XDesktop2> desktop = css::frame::Desktop::create(remote);
        return std::make_unique<UnoSession>(std::move(remote), std::move(desktop));
    } catch (const css::uno::Exception& e) {
        return Fail(ErrorCode::kUnavailable, "the converter process is not accepting yet",
                    ToUtf8(e.Message));
    } catch (const cppu::BootstrapException& e) {
        return Fail(ErrorCode::kUnavailable, "the UNO runtime did not start",
                    ToUtf8(e.getMessage()));
    }
}

bool OfficeBridgeBuilt() { return true; }

void PrepareOfficeBridge() {
    try {
        LocalContext();
    } catch (const css::uno::Exception&) {
        // ConnectOffice reports it, with the detail, when it is first needed.
    } catch (const cppu::BootstrapException&) {
    }
}

}  // namespace quire::convert
