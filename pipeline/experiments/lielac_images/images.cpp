#include "experiments/lielac_images/images.hpp"

#include <fmt/format.h>

#include "canonicalisation/images/random_transforms.hpp"
#include "core/error.hpp"
#include "datasets/digits.hpp"
#include "datasets/fashion_mnist.hpp"

namespace structura::pipeline::lielac_images {

namespace {

canonicalisation::images::AffineTransformOptions affine_options(const MapSettings& m) {
  return {m.rotation, m.shear, m.scale_min, m.scale_max, m.translation};
}

h5::Dataset checked(const h5::File& file, const std::string& path, const h5::Dims& dims) {
  if (!file.exists(path)) throw InputError(fmt::format("{}: {} is missing (rerun the data stage)", file.path(), path));
  h5::Dataset d = file.open_dataset(path);
  if (d.dims() != dims)
    throw InputError(fmt::format("{}: {} has another shape than the settings describe", file.path(), path));
  return d;
}

}  // namespace

Split prepare(const DataSettings& d, bool test, std::int64_t first, std::int64_t count) {
  const datasets::ImageSet set = d.dataset == "digits"
                                     ? datasets::load_digits()
                                     : datasets::load_fashion_mnist(test ? datasets::Split::Test : datasets::Split::Train);
  const std::int64_t offset = (d.dataset == "digits" && test) ? d.train : 0;
  Split out;
  if (count == 0) {
    out.images = torch::zeros({0, d.side(), d.side()}, torch::kFloat32);
    out.labels = torch::zeros({0}, torch::kInt64);
    return out;
  }
  const std::int64_t start = offset + first;
  auto images = torch::from_blob(const_cast<float*>(set.image(start)), {count, 1, set.height, set.width}, torch::kFloat32)
                    .clone();
  if (d.size > 0 && d.size != set.height) {
    namespace F = torch::nn::functional;
    images = F::interpolate(images, F::InterpolateFuncOptions()
                                        .size(std::vector<std::int64_t>{d.size, d.size})
                                        .mode(torch::kBilinear)
                                        .align_corners(false));
  }
  out.images = torch::constant_pad_nd(images.squeeze(1), {d.pad, d.pad, d.pad, d.pad}).contiguous();
  std::vector<std::int64_t> labels(set.labels.begin() + start, set.labels.begin() + start + count);
  out.labels = torch::tensor(labels, torch::kInt64);
  return out;
}

canonicalisation::Element test_map(const DataSettings& d, std::uint64_t index) {
  const std::uint64_t seed = d.seed * 64 + kTestMaps;
  if (d.maps.group == "homography")
    return canonicalisation::images::random_homography(seed, index, {affine_options(d.maps), d.maps.perspective});
  return canonicalisation::images::random_affine(seed, index, affine_options(d.maps));
}

Split read_split(const h5::File& file, const std::string& split, std::int64_t count, std::int64_t side,
                 torch::Dtype dtype) {
  const auto n = static_cast<hsize_t>(count), s = static_cast<hsize_t>(side);
  std::vector<float> pixels = checked(file, "/data/" + split + "/images", {n, s, s}).read_all<float>();
  std::vector<std::int64_t> labels = checked(file, "/data/" + split + "/labels", {n}).read_all<std::int64_t>();
  Split out;
  out.images = torch::from_blob(pixels.data(), {count, side, side}, torch::kFloat32).to(dtype).clone();
  out.labels = torch::from_blob(labels.data(), {count}, torch::kInt64).clone();
  return out;
}

std::vector<canonicalisation::Element> read_maps(const h5::File& file, std::int64_t count) {
  const std::vector<double> flat = checked(file, "/data/moved/maps", {static_cast<hsize_t>(count), 9}).read_all<double>();
  std::vector<canonicalisation::Element> maps;
  for (std::int64_t i = 0; i < count; ++i) maps.emplace_back(flat.begin() + i * 9, flat.begin() + (i + 1) * 9);
  return maps;
}

}  // namespace structura::pipeline::lielac_images
