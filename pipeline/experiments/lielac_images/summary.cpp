// The lines `structura run` prints after a `lielac.images` run.
#include <fmt/format.h>

#include "core/h5.hpp"
#include "experiments/lielac_images/settings.hpp"
#include "experiments/lielac_images/stages.hpp"

namespace structura::pipeline::lielac_images {

std::string summary(const Config& c, const std::string& result_file) {
  h5::File f = h5::File::open(result_file, h5::Mode::ReadOnly);
  if (!f.exists("/metrics")) return "";
  const Settings s = read_settings(c);
  auto value = [&](const std::string& path) -> std::string {
    if (!f.exists("/metrics/" + path)) return "-";
    return fmt::format("{:.4f}", f.open_dataset("/metrics/" + path).read_all<double>().at(0));
  };
  std::string out = fmt::format("{} ({} test images, moved by random {} maps): classification accuracy\n",
                                s.data.dataset, s.data.test, s.data.maps.group);
  out += fmt::format("  {:<34} {:>10} {:>10}\n", "method", "test", "moved");
  out += fmt::format("  {:<34} {:>10} {:>10}\n", "the classifier alone", value("model/test_accuracy"),
                     value("model/moved_accuracy"));
  if (f.exists("/metrics/augmented"))
    out += fmt::format("  {:<34} {:>10} {:>10}\n", "trained with augmentation", value("augmented/test_accuracy"),
                       value("augmented/moved_accuracy"));
  out += fmt::format("  {:<34} {:>10} {:>10}\n", fmt::format("LieLAC ({})", s.group), "-",
                     value("lielac/moved_accuracy"));
  out += fmt::format("  {:<34} {:>10} {:>10}\n", "mapped back by the true inverses", "-",
                     value("lielac/oracle_moved_accuracy"));
  return out;
}

}  // namespace structura::pipeline::lielac_images
