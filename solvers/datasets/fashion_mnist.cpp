#include "datasets/fashion_mnist.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "datasets/gzip_file.hpp"

namespace structura::datasets {

namespace {

std::uint32_t big_endian(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return (std::uint32_t(bytes[at]) << 24) | (std::uint32_t(bytes[at + 1]) << 16) | (std::uint32_t(bytes[at + 2]) << 8) |
         std::uint32_t(bytes[at + 3]);
}

// The idx header: magic, then `dims` sizes; checks the payload length.
std::vector<std::uint32_t> idx_header(const std::vector<std::uint8_t>& bytes, std::uint32_t magic, int dims,
                                      const std::string& name) {
  const std::size_t header = 4 * std::size_t(dims + 1);
  if (bytes.size() < header) throw InputError(fmt::format("{}: too short for an idx header", name));
  if (big_endian(bytes, 0) != magic)
    throw InputError(
        fmt::format("{}: wrong idx magic number {:#010x} (expected {:#010x})", name, big_endian(bytes, 0), magic));
  std::vector<std::uint32_t> sizes(dims);
  std::size_t payload = 1;
  for (int d = 0; d < dims; ++d) {
    sizes[d] = big_endian(bytes, 4 * std::size_t(d + 1));
    payload *= sizes[d];
  }
  if (bytes.size() != header + payload)
    throw InputError(
        fmt::format("{}: {} bytes of data where the idx header announces {}", name, bytes.size() - header, payload));
  return sizes;
}

}  // namespace

ImageSet read_idx_images(const std::filesystem::path& file) {
  const std::vector<std::uint8_t> bytes = read_gzip(file);
  const auto sizes = idx_header(bytes, 0x00000803, 3, file.string());
  ImageSet set;
  set.count = sizes[0];
  set.height = sizes[1];
  set.width = sizes[2];
  set.pixels.resize(bytes.size() - 16);
  for (std::size_t i = 0; i < set.pixels.size(); ++i) set.pixels[i] = float(bytes[16 + i]) / 255.0f;
  return set;
}

std::vector<int> read_idx_labels(const std::filesystem::path& file) {
  const std::vector<std::uint8_t> bytes = read_gzip(file);
  idx_header(bytes, 0x00000801, 1, file.string());
  return std::vector<int>(bytes.begin() + 8, bytes.end());
}

ImageSet load_fashion_mnist(Split split, const std::filesystem::path& directory) {
  const std::string stem = split == Split::Train ? "train" : "t10k";
  const auto images_file = directory / (stem + "-images-idx3-ubyte.gz");
  const auto labels_file = directory / (stem + "-labels-idx1-ubyte.gz");
  ImageSet set = read_idx_images(images_file);
  set.labels = read_idx_labels(labels_file);
  if (std::int64_t(set.labels.size()) != set.count)
    throw InputError(fmt::format("{}: {} labels for the {} images of {}", labels_file.string(), set.labels.size(),
                                 set.count, images_file.string()));
  for (int label : set.labels)
    if (label > 9) throw InputError(fmt::format("{}: label {} outside 0..9", labels_file.string(), label));
  return set;
}

std::vector<std::int64_t> label_histogram(const ImageSet& set, int classes) {
  std::vector<std::int64_t> counts(classes, 0);
  for (int label : set.labels)
    if (label >= 0 && label < classes) ++counts[label];
  return counts;
}

}  // namespace structura::datasets
