// The whole decompressed content of a gzip file (zlib). A missing file, a
// file that is not gzip and a truncated or corrupt stream are InputErrors
// naming the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace structura::datasets {

std::vector<std::uint8_t> read_gzip(const std::filesystem::path& file);

}  // namespace structura::datasets
