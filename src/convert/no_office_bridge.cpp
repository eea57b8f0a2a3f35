#include "convert/office_bridge.hpp"

namespace quire::convert {

Result<std::unique_ptr<OfficeSession>> ConnectOffice(std::string_view) {
    return Fail(ErrorCode::kConverterUnavailable,
                "this server was built without the LibreOffice converter");
}

bool OfficeBridgeBuilt() { return false; }

void PrepareOfficeBridge() {}

}  // namespace quire::convert
