#include <gtest/gtest.h>

#include "ooxml/xlsx/workbook.hpp"
