// What the iterative solvers of this library share: the poll callback, the
// per-image stop reasons and a growing (iteration, image) table.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>
#include <vector>

namespace structura::variational {

// Called on every rank after each iteration with the number of iterations
// done (1 after the first), the same number of times on each rank, so that
// it may take a collective decision (a signal, a deadline, a checkpoint).
// To stop, it throws; the solver's result is then lost. The same type as
// tomography::IterationPoll, so one adapter serves both.
using IterationPoll = std::function<void(int iterations)>;

enum class StopReason {
  Iterations,         // the iteration budget ran out
  GradientTolerance,  // ‖∇E‖ <= gradient_tolerance
  Oracle,             // the distance to the truth grew (oracle stop: uses the truth)
  LineSearch,         // backtracking found no decrease within max_backtracks
};
std::string to_string(StopReason reason);

// Rows of per-image values, one row per iteration, stacked on demand.
class HistoryTable {
public:
  void push(const torch::Tensor& row) { rows_.push_back(row.detach().to(torch::kCPU, torch::kFloat64).clone()); }
  bool empty() const { return rows_.empty(); }
  const torch::Tensor& last() const { return rows_.back(); }
  // (rows, N) float64; (0, 0) when empty.
  torch::Tensor stacked() const { return rows_.empty() ? torch::zeros({0, 0}, torch::kFloat64) : torch::stack(rows_); }

private:
  std::vector<torch::Tensor> rows_;
};

}  // namespace structura::variational
