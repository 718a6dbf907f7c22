#include "geometry/affine_coupling_flow.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace structura::geometry {

namespace {

torch::Tensor pick(const torch::Tensor& t, const torch::Tensor& index) {
  return t.index_select(-1, index.to(t.device()));
}

torch::Tensor merge(const torch::Tensor& passed, const torch::Tensor& transformed, const torch::Tensor& order) {
  return pick(torch::cat({passed, transformed}, -1), order);
}

}  // namespace

void CouplingFlowOptions::validate(const std::string& where, std::int64_t dimension) const {
  require(layers >= 1, fmt::format("{}.layers: expected at least 1 coupling layer, got {}", where, layers));
  require(hidden >= 1, fmt::format("{}.hidden: expected a width of at least 1, got {}", where, hidden));
  require(blocks >= 0, fmt::format("{}.blocks: expected 0 or more residual blocks, got {}", where, blocks));
  require(dimension >= 2, fmt::format("{}.dimension: a coupling flow needs at least 2 coordinates, got {}", where,
                                      dimension));
}

AffineCouplingFlow::AffineCouplingFlow(std::int64_t dimension, CouplingFlowOptions options, const std::string& where)
    : dimension_(dimension), options_(options) {
  options_.validate(where, dimension);
  for (std::int64_t l = 0; l < options_.layers; ++l) {
    std::vector<std::int64_t> passed, transformed;
    for (std::int64_t i = 0; i < dimension_; ++i) ((i % 2 == l % 2) ? transformed : passed).push_back(i);
    Split split;
    split.passed = torch::tensor(passed, torch::kInt64);
    split.transformed = torch::tensor(transformed, torch::kInt64);
    split.merge = torch::argsort(torch::cat({split.passed, split.transformed}));
    splits_.push_back(split);
    const auto outputs = 2 * static_cast<std::int64_t>(transformed.size());
    conditioners_.push_back(register_module(
        "coupling" + std::to_string(l),
        std::make_shared<ResidualMlp>(static_cast<std::int64_t>(passed.size()), outputs, options_.hidden,
                                      options_.blocks)));
  }
}

AffineCouplingFlow::Affine AffineCouplingFlow::affine(std::size_t layer, const torch::Tensor& passed,
                                                      const torch::Tensor& dpassed) const {
  const auto out = conditioners_[layer]->evaluate(passed, dpassed);
  const auto width = splits_[layer].transformed.size(0);
  const auto sigma = torch::sigmoid(out.y.narrow(-1, width, width) + 2.0);
  Affine a;
  a.shift = out.y.narrow(-1, 0, width);
  a.scale = sigma + 1e-3;
  if (dpassed.defined()) {
    a.dshift = out.dy.narrow(-1, 0, width);
    a.dscale = (sigma * (1 - sigma)).unsqueeze(1) * out.dy.narrow(-1, width, width);
  }
  return a;
}

FlowEvaluation AffineCouplingFlow::evaluate(const torch::Tensor& x, const torch::Tensor& directions) const {
  const bool tangents = directions.defined();
  auto y = x;
  auto dy = directions;
  auto log_det = torch::zeros({x.size(0)}, x.options());
  for (std::size_t l = 0; l < splits_.size(); ++l) {
    const auto& split = splits_[l];
    const auto passed = pick(y, split.passed), moved = pick(y, split.transformed);
    const auto dpassed = tangents ? pick(dy, split.passed) : torch::Tensor();
    const auto a = affine(l, passed, dpassed);
    const auto moved_out = a.scale * moved + a.shift;
    if (tangents) {
      const auto dmoved = pick(dy, split.transformed);
      const auto dmoved_out = a.scale.unsqueeze(1) * dmoved + moved.unsqueeze(1) * a.dscale + a.dshift;
      dy = merge(dpassed, dmoved_out, split.merge);
    }
    y = merge(passed, moved_out, split.merge);
    log_det = log_det + a.scale.log().sum(-1);
  }
  return {y, log_det, tangents ? dy : torch::Tensor()};
}

FlowEvaluation AffineCouplingFlow::evaluate_inverse(const torch::Tensor& z, const torch::Tensor& directions) const {
  const bool tangents = directions.defined();
  auto x = z;
  auto dx = directions;
  auto log_det = torch::zeros({z.size(0)}, z.options());
  for (std::size_t l = splits_.size(); l-- > 0;) {
    const auto& split = splits_[l];
    const auto passed = pick(x, split.passed), moved = pick(x, split.transformed);
    const auto dpassed = tangents ? pick(dx, split.passed) : torch::Tensor();
    const auto a = affine(l, passed, dpassed);
    const auto moved_in = (moved - a.shift) / a.scale;
    if (tangents) {
      const auto dmoved = pick(dx, split.transformed);
      const auto dmoved_in = (dmoved - a.dshift - moved_in.unsqueeze(1) * a.dscale) / a.scale.unsqueeze(1);
      dx = merge(dpassed, dmoved_in, split.merge);
    }
    x = merge(passed, moved_in, split.merge);
    log_det = log_det - a.scale.log().sum(-1);
  }
  return {x, log_det, tangents ? dx : torch::Tensor()};
}

}  // namespace structura::geometry
