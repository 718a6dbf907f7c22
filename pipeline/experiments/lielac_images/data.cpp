// Stage `data` of `lielac.images`: the training and test images as the
// settings prepare them (resized, padded), and the moved test set: test
// image i moved by map i (affine or homography, keyed by (seed, i)). Images
// are split over the ranks in blocks and written as hyperslabs, so 1 and 2
// ranks write identical files. Makes the shared data set "images"; reads
// only the data settings.
#include <fmt/format.h>

#include "canonicalisation/images/warp.hpp"
#include "experiments/lielac_images/images.hpp"
#include "experiments/lielac_images/stages.hpp"
#include "run/log.hpp"

namespace structura::pipeline::lielac_images {

namespace {

hsize_t H(std::int64_t x) { return static_cast<hsize_t>(x); }

template <class T>
void write_block(h5::Group& g, const std::string& name, const h5::Dims& dims, std::int64_t first, std::int64_t count,
                 const T* data, const std::string& meaning) {
  h5::Dataset d = g.create_dataset<T>(name, dims);
  h5::Dims offset(dims.size(), 0), extent = dims;
  offset[0] = H(first);
  extent[0] = H(count);
  T none{};
  d.write(offset, extent, count > 0 ? data : &none);
  d.set_attribute("meaning", meaning);
}

void write_split(h5::Group& root, const std::string& name, std::int64_t n, std::int64_t side, Range mine,
                 const Split& s, const std::string& meaning) {
  h5::Group g = root.require_group(name);
  const torch::Tensor images = s.images.contiguous(), labels = s.labels.contiguous();
  write_block<float>(g, "images", {H(n), H(side), H(side)}, mine.begin, mine.count, images.data_ptr<float>(),
                     meaning + " (image, row, column), in [0, 1]");
  write_block<std::int64_t>(g, "labels", {H(n)}, mine.begin, mine.count, labels.data_ptr<std::int64_t>(),
                            "the class of each image");
}

}  // namespace

void data(StageContext& ctx) {
  const DataSettings d = read_data_settings(ctx.config);
  const std::int64_t S = d.side();
  h5::Group root = ctx.fresh_group("/data");
  const Range train = ctx.comm.block(d.train), test = ctx.comm.block(d.test);
  write_split(root, "train", d.train, S, train, prepare(d, false, train.begin, train.count), "training images");
  const Split t = prepare(d, true, test.begin, test.count);
  write_split(root, "test", d.test, S, test, t, "test images");
  // The moved test set: image i moved by map i.
  std::vector<canonicalisation::Element> maps;
  std::vector<double> flat;
  for (std::int64_t i = test.begin; i < test.end(); ++i) {
    maps.push_back(test_map(d, static_cast<std::uint64_t>(i)));
    flat.insert(flat.end(), maps.back().begin(), maps.back().end());
  }
  Split moved;
  moved.images = test.count > 0 ? canonicalisation::images::act(t.images, maps).contiguous() : t.images;
  moved.labels = t.labels;
  write_split(root, "moved", d.test, S, test, moved, "the test images moved by their maps");
  h5::Group m = root.require_group("moved");
  write_block<double>(m, "maps", {H(d.test), 9}, test.begin, test.count, flat.data(),
                      "the 3 x 3 map of each moved test image, row-major (the image's content moved by it)");
  root.set_attribute("dataset", d.dataset);
  root.set_attribute("side", S);
  root.set_attribute("maps", d.maps.group);
  log::info("data: {} {} training and {} test images of {}^2, the test set moved by random {} maps", d.train, d.dataset,
            d.test, S, d.maps.group);
}

}  // namespace structura::pipeline::lielac_images
