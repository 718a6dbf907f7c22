// The numerical checks of a training step as free functions, for the loop
// and for any caller that steps an optimizer itself. Each throws
// NumericalError with the training's name, the step and the value, so the
// stage stops with a message instead of storing NaN parameters. Called with
// values already reduced over the ranks, every rank reaches the same verdict
// without another collective.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace structura::nn {

// "<name>: the loss is nan at step 6; lower the learning rate or enable gradient clipping"
void check_finite_loss(const std::string& name, std::int64_t step, double loss);
// The same for the global gradient norm (the loss is quoted beside it).
void check_finite_gradient_norm(const std::string& name, std::int64_t step, double gradient_norm, double loss);

// Divergence: a loss above `factor` times the smallest loss seen so far.
// The ratio test only makes sense against a positive reference, so it is
// off while the smallest loss is <= 0 (e.g. a Wasserstein critic's), and
// off altogether for factor 0.
class DivergenceCheck {
public:
  explicit DivergenceCheck(double factor = 0) : factor_(factor) {}
  // Throws when `loss` diverged, else records it.
  void check(const std::string& name, std::int64_t step, double loss);
  // Records a loss without checking (a resumed history).
  void record(double loss) { smallest_ = loss < smallest_ ? loss : smallest_; }
  double smallest() const { return smallest_; }

private:
  double factor_;
  double smallest_ = std::numeric_limits<double>::infinity();
};

}  // namespace structura::nn
