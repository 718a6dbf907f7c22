#include "neural_operators/operator_data_loss.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "neural_operators/shape.hpp"

namespace structura::neural_operators {

namespace {

constexpr std::uint64_t kMinibatchStream = 0xF0;

std::int64_t samples_of(const torch::Tensor& inputs, const torch::Tensor& targets, const std::string& where) {
  require(inputs.dim() >= 2 && targets.dim() >= 2 && inputs.size(0) == targets.size(0) && inputs.size(0) >= 1,
          fmt::format("{}: expected inputs and targets (n, ...) with the same n >= 1, got sizes {} and {}", where,
                      shape_of(inputs), shape_of(targets)));
  return inputs.size(0);
}

std::int64_t checked_batch(std::int64_t batch, const std::string& where) {
  if (batch < 1) throw InputError(fmt::format("{}.batch = {}: expected at least 1", where, batch));
  return batch;
}

}  // namespace

torch::Tensor relative_l2_per_sample(const torch::Tensor& prediction, const torch::Tensor& truth) {
  require(
      prediction.sizes() == truth.sizes() && prediction.dim() >= 1,
      fmt::format("relative_l2: prediction {} and truth {} differ in shape", shape_of(prediction), shape_of(truth)));
  const std::int64_t n = prediction.size(0);
  return (prediction - truth).reshape({n, -1}).norm(2, 1) / truth.reshape({n, -1}).norm(2, 1);
}

double mean_relative_l2(const OperatorModel& model, const torch::Tensor& inputs, const torch::Tensor& targets,
                        const mpi::Comm& comm, std::int64_t chunk) {
  const std::int64_t n = samples_of(inputs, targets, "mean_relative_l2");
  require(chunk >= 1, fmt::format("mean_relative_l2: chunk = {}: expected at least 1", chunk));
  torch::NoGradGuard no_grad;
  const Range mine = comm.block(n);
  double sum = 0;
  for (std::int64_t begin = mine.begin; begin < mine.end(); begin += chunk) {
    const std::int64_t count = std::min(chunk, mine.end() - begin);
    sum += relative_l2_per_sample(model(inputs.narrow(0, begin, count)), targets.narrow(0, begin, count))
               .sum()
               .item<double>();
  }
  return comm.sum(sum) / static_cast<double>(n);
}

OperatorDataLoss::OperatorDataLoss(OperatorModel model, torch::Tensor inputs, torch::Tensor targets, std::int64_t batch,
                                   std::uint64_t seed, mpi::Comm comm, DataLoss kind, const std::string& where)
    : model_(std::move(model)),
      inputs_(std::move(inputs)),
      targets_(std::move(targets)),
      comm_(std::move(comm)),
      kind_(kind),
      sampler_(seed, kMinibatchStream, samples_of(inputs_, targets_, where), checked_batch(batch, where)) {}

double OperatorDataLoss::operator()(std::int64_t step) {
  const double global = static_cast<double>(sampler_.batch_size(step));
  const std::vector<std::int64_t> mine = sampler_.indices(step, comm_.size(), comm_.rank());
  if (mine.empty()) return 0;  // no samples on this rank this step: zero gradients
  const torch::Tensor index = torch::tensor(mine, torch::kLong).to(inputs_.device());
  const torch::Tensor prediction = model_(inputs_.index_select(0, index));
  const torch::Tensor truth = targets_.index_select(0, index);
  torch::Tensor per_sample;
  if (kind_ == DataLoss::RelativeL2) {
    per_sample = relative_l2_per_sample(prediction, truth);
  } else {
    per_sample = (prediction - truth).pow(2).reshape({prediction.size(0), -1}).mean(1);
  }
  const torch::Tensor loss = per_sample.sum() / global;
  loss.backward();
  return loss.item<double>();
}

}  // namespace structura::neural_operators
