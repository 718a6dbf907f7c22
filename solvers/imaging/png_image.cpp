#include "imaging/png_image.hpp"

#include <fmt/format.h>
#include <png.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "core/error.hpp"

namespace structura::imaging {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

// libpng's error callback must not return, and throwing through libpng's C
// frames is not safe: on_error records the message and longjmps back to the
// setjmp in read_png_gray, which throws the InputError from there. Only
// trivially destructible objects are created between the two.
struct ReadState {
  std::string error;
};

void on_error(png_structp png, png_const_charp message) {
  auto* state = static_cast<ReadState*>(png_get_error_ptr(png));
  state->error = message;
  png_longjmp(png, 1);
}
void on_warning(png_structp, png_const_charp) {}

}  // namespace

GrayImage read_png_gray(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(name.c_str(), "rb"));
  if (!f) throw InputError(fmt::format("{}: cannot open the image file", name));
  unsigned char signature[8];
  if (std::fread(signature, 1, 8, f.get()) != 8 || png_sig_cmp(signature, 0, 8) != 0)
    throw InputError(fmt::format("{}: not a PNG file", name));

  ReadState state;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &state, on_error, on_warning);
  if (!png) throw InputError(fmt::format("{}: libpng could not start", name));
  png_infop info = png_create_info_struct(png);
  GrayImage out;
  std::vector<png_bytep> rows;
  std::vector<unsigned char> raw;
  int channels = 0, depth = 0;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw InputError(fmt::format("{}: unreadable PNG: {}", name, state.error));
  }
  png_init_io(png, f.get());
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  const png_byte color = png_get_color_type(png, info);
  if (color & PNG_COLOR_MASK_ALPHA || png_get_valid(png, info, PNG_INFO_tRNS)) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw InputError(fmt::format("{}: the image has an alpha channel (transparency); give an opaque image", name));
  }
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (png_get_bit_depth(png, info) == 16) png_set_swap(png);  // host order (little endian) for the uint16 reads
  png_read_update_info(png, info);
  out.width = png_get_image_width(png, info);
  out.height = png_get_image_height(png, info);
  channels = png_get_channels(png, info);
  depth = png_get_bit_depth(png, info);
  const std::size_t stride = png_get_rowbytes(png, info);
  raw.resize(stride * static_cast<std::size_t>(out.height));
  rows.resize(static_cast<std::size_t>(out.height));
  for (std::int64_t r = 0; r < out.height; ++r) rows[static_cast<std::size_t>(r)] = raw.data() + r * stride;
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);

  const double scale = depth == 16 ? 65535.0 : 255.0;
  auto sample = [&](std::size_t row, std::size_t k) -> double {
    if (depth == 16) {
      std::uint16_t v;
      std::memcpy(&v, rows[row] + 2 * k, 2);
      return v / scale;
    }
    return rows[row][k] / scale;
  };
  out.values.resize(static_cast<std::size_t>(out.height * out.width));
  for (std::size_t r = 0; r < static_cast<std::size_t>(out.height); ++r)
    for (std::size_t c = 0; c < static_cast<std::size_t>(out.width); ++c) {
      double& v = out.values[r * static_cast<std::size_t>(out.width) + c];
      if (channels == 1) v = sample(r, c);
      else v = 0.2125 * sample(r, 3 * c) + 0.7154 * sample(r, 3 * c + 1) + 0.0721 * sample(r, 3 * c + 2);
    }
  return out;
}

}  // namespace structura::imaging
