#include "run/stage_context.hpp"

namespace structura::pipeline {

h5::Group StageContext::checkpoint_group() {
  h5::Group g = file.require_group("/checkpoint");
  g.set_attribute("stage", stage);
  return g;
}

h5::Group StageContext::fresh_group(const std::string& path) {
  if (file.exists(path)) file.remove(path);
  return file.require_group(path);
}

Progress StageContext::progress(const std::string& label, std::int64_t total, const std::string& unit) const {
  return Progress(label, total, unit, config.get_float("run.progress_interval"), true);
}

}  // namespace structura::pipeline
