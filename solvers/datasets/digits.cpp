#include "datasets/digits.hpp"

#include <fmt/format.h>

#include <charconv>
#include <string_view>

#include "core/error.hpp"
#include "datasets/gzip_file.hpp"

namespace structura::datasets {

ImageSet load_digits(const std::filesystem::path& file) {
  const std::string name = file.string();
  const std::vector<std::uint8_t> bytes = read_gzip(file);
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  ImageSet set;
  set.height = set.width = 8;
  std::size_t at = 0;
  std::int64_t row = 0;
  while (at < text.size()) {
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    ++row;
    int values[65];
    int n = 0;
    const char* p = line.data();
    const char* stop = line.data() + line.size();
    while (p < stop) {
      if (n == 65) throw InputError(fmt::format("{}: row {} has more than 65 values", name, row));
      const auto [next, ec] = std::from_chars(p, stop, values[n]);
      if (ec != std::errc() || (next != stop && *next != ','))
        throw InputError(fmt::format("{}: row {}: value {} is not an integer", name, row, n + 1));
      ++n;
      p = next == stop ? stop : next + 1;
    }
    if (n != 65)
      throw InputError(fmt::format("{}: row {} has {} values, expected 64 pixels and a label", name, row, n));
    for (int k = 0; k < 64; ++k) {
      if (values[k] < 0 || values[k] > 16)
        throw InputError(fmt::format("{}: row {}: pixel {} = {} outside 0..16", name, row, k, values[k]));
      set.pixels.push_back(float(values[k]) / 16.0f);
    }
    if (values[64] < 0 || values[64] > 9)
      throw InputError(fmt::format("{}: row {}: label {} outside 0..9", name, row, values[64]));
    set.labels.push_back(values[64]);
  }
  set.count = row;
  if (set.count == 0) throw InputError(fmt::format("{}: no rows", name));
  return set;
}

}  // namespace structura::datasets
