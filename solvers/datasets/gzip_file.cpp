// Inflates with zlib's stream interface rather than gzread: gzread reads a
// plain (non-gzip) file through unchanged and treats a truncated stream as
// a short read, while inflate() reports both, so a damaged data file is
// refused instead of silently giving fewer or garbage images.
#include "datasets/gzip_file.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <fstream>
#include <iterator>

#include "core/error.hpp"

namespace structura::datasets {

std::vector<std::uint8_t> read_gzip(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot open the data file", name));
  std::vector<std::uint8_t> packed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (packed.size() < 2 || packed[0] != 0x1f || packed[1] != 0x8b)
    throw InputError(fmt::format("{}: not a gzip file (wrong magic bytes)", name));

  z_stream z{};
  // 16 + MAX_WBITS: gzip wrapper only.
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw InputError(fmt::format("{}: zlib could not start", name));
  z.next_in = packed.data();
  z.avail_in = static_cast<uInt>(packed.size());
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(1 << 20);
  int status = Z_OK;
  while (status != Z_STREAM_END) {
    z.next_out = chunk.data();
    z.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&z, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) {
      const std::string why = status == Z_BUF_ERROR ? "truncated (unexpected end of the gzip stream)"
                                                    : (z.msg ? z.msg : "corrupt gzip stream");
      inflateEnd(&z);
      throw InputError(fmt::format("{}: {}", name, why));
    }
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - z.avail_out));
    if (status == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
      inflateEnd(&z);
      throw InputError(fmt::format("{}: truncated (unexpected end of the gzip stream)", name));
    }
  }
  inflateEnd(&z);
  return out;
}

}  // namespace structura::datasets
