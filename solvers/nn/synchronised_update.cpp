#include "nn/synchronised_update.hpp"

#include "nn/data_parallel.hpp"
#include "nn/optimizer.hpp"

namespace structura::nn {

double gradient_norm(const std::vector<torch::Tensor>& parameters) {
  std::vector<torch::Tensor> norms;
  for (const auto& p : parameters)
    if (p.grad().defined()) norms.push_back(p.grad().detach().norm(2));
  if (norms.empty()) return 0.0;
  return torch::stack(norms).norm(2).item<double>();
}

UpdateRecord synchronised_update(torch::optim::Optimizer& optimizer, const std::vector<torch::Tensor>& parameters,
                                 const mpi::Comm& comm, double local_loss, double clip_gradient_norm,
                                 std::optional<double> learning_rate, const UpdateCheck& check) {
  const double loss = comm.sum(local_loss);
  allreduce_gradients(parameters, comm);
  const double norm = clip_gradient_norm > 0 ? torch::nn::utils::clip_grad_norm_(parameters, clip_gradient_norm)
                                             : gradient_norm(parameters);
  check_finite_loss(check.name, check.step, loss);
  check_finite_gradient_norm(check.name, check.step, norm, loss);
  if (check.divergence != nullptr) check.divergence->check(check.name, check.step, loss);
  if (learning_rate) set_learning_rate(optimizer, *learning_rate);
  optimizer.step();
  return {loss, optimizer.param_groups().front().options().get_lr(), norm};
}

}  // namespace structura::nn
