#include "experiments/shared/generations.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/error.hpp"

namespace structura::pipeline {

std::string generation_label(std::int64_t g, std::int64_t last) {
  const int width = static_cast<int>(fmt::format("{}", last).size());
  return fmt::format("{:0{}d}", g, width);
}

std::string generation_group(std::int64_t g, std::int64_t last) { return "/generations/" + generation_label(g, last); }

std::vector<Stage> generation_stages(const std::string& folder, const std::string& body, std::int64_t last,
                                     const std::string& group) {
  std::vector<Stage> out;
  out.reserve(static_cast<std::size_t>(last + 1));
  for (std::int64_t g = 0; g <= last; ++g)
    out.push_back({"generation/" + generation_label(g, last), group, true, stage_body(folder, body, fmt::format("{}", g))});
  return out;
}

std::int64_t generation_argument(const std::string& argument) {
  std::int64_t g = -1;
  const auto [end, error] = std::from_chars(argument.data(), argument.data() + argument.size(), g);
  if (error != std::errc() || end != argument.data() + argument.size() || g < 0)
    throw Error(fmt::format("internal: a generation stage was declared with \"{}\", not a generation", argument));
  return g;
}

}  // namespace structura::pipeline
