// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017) from the Debian package
// dataset-fashion-mnist: the four idx files under
// /usr/share/datasets/fashion-mnist/. 28 x 28 images, pixels byte / 255,
// 10 classes; 60000 training and 10000 test images.
#pragma once

#include <filesystem>
#include <string>

#include "datasets/image_set.hpp"

namespace structura::datasets {

inline const std::filesystem::path fashion_mnist_directory = "/usr/share/datasets/fashion-mnist";

enum class Split { Train, Test };

// <directory>/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz. InputError
// naming the file when one is missing, not gzip, truncated, of the wrong
// idx magic number, or when the images and labels disagree in count.
ImageSet load_fashion_mnist(Split split, const std::filesystem::path& directory = fashion_mnist_directory);

// The idx readers themselves (LeCun's format: big-endian magic 0x00000803
// for u8 images N x H x W, 0x00000801 for u8 labels N), gzip-compressed.
ImageSet read_idx_images(const std::filesystem::path& file);
std::vector<int> read_idx_labels(const std::filesystem::path& file);

}  // namespace structura::datasets
