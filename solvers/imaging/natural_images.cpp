#include "imaging/natural_images.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/rng.hpp"

namespace structura::imaging {

std::filesystem::path default_sample_directory() { return "/usr/lib/python3/dist-packages/skimage/data"; }

const std::vector<std::string>& natural_sample_names() {
  static const std::vector<std::string> names = {"camera", "astronaut",       "coffee", "chelsea",
                                                 "coins",  "moon",            "brick",  "grass",
                                                 "gravel", "motorcycle_left", "cell",   "clock_motion"};
  return names;
}

GrayImage sample_image(const std::string& name, const std::filesystem::path& directory, const std::string& key) {
  const auto& names = natural_sample_names();
  if (std::find(names.begin(), names.end(), name) == names.end())
    throw InputError(fmt::format("{}: \"{}\" is not one of the natural sample images ({})", key, name,
                                 fmt::join(names, ", ")));
  const std::filesystem::path file = directory / (name + ".png");
  if (!std::filesystem::exists(file))
    throw InputError(fmt::format("{}: {} does not exist (the sample images come with the Debian package "
                                 "python3-skimage: apt-get install python3-skimage)",
                                 key, file.string()));
  return read_png_gray(file);
}

std::vector<double> random_patches(const std::vector<GrayImage>& images, std::int64_t size, std::uint64_t seed,
                                   std::uint64_t stream, std::uint64_t first, std::int64_t count) {
  require(!images.empty() && size >= 1 && count >= 0,
          fmt::format("random_patches: {} images, patch size {}, count {}", images.size(), size, count));
  for (const GrayImage& im : images)
    require(im.height >= size && im.width >= size,
            fmt::format("random_patches: a {} x {} image cannot hold a {} x {} patch", im.height, im.width, size, size));
  const CounterRng rng(seed, stream);
  const auto n = static_cast<std::size_t>(size);
  std::vector<double> out(static_cast<std::size_t>(count) * n * n);
  for (std::int64_t p = 0; p < count; ++p) {
    const Uniform4 u = rng.uniform4(first + static_cast<std::uint64_t>(p), 0);
    auto pick = [](double v, std::int64_t choices) {  // uniform in 0 .. choices - 1
      return std::min(choices - 1, static_cast<std::int64_t>(v * double(choices)));
    };
    const GrayImage& im = images[static_cast<std::size_t>(pick(u.u[0], std::int64_t(images.size())))];
    const std::int64_t top = pick(u.u[1], im.height - size + 1), left = pick(u.u[2], im.width - size + 1);
    double* dst = out.data() + static_cast<std::size_t>(p) * n * n;
    for (std::int64_t r = 0; r < size; ++r)
      std::copy_n(im.values.data() + (top + r) * im.width + left, size, dst + r * size);
  }
  return out;
}

}  // namespace structura::imaging
