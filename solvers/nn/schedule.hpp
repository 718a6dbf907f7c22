// Learning-rate schedules as values: the rate is a pure function of the
// epoch, so a resumed training needs no scheduler state. The formulas follow
// torch.optim.lr_scheduler (StepLR, ExponentialLR, CosineAnnealingLR with
// T_max = epochs, OneCycleLR with cosine annealing and two phases), so
// settings carry over from Python; warmup-cosine is the linear warm-up then
// cosine decay to zero that many flow and diffusion codes write by hand. No libtorch here: pipeline code validates
// schedules without it (nn::set_learning_rate is in nn/optimizer.hpp).
// An "epoch" of a schedule is one step of the loop that uses it.
#pragma once

#include <cstdint>
#include <string>

namespace structura::nn {

// Everything a schedule may use; each schedule reads only its own fields.
struct ScheduleParameters {
  double learning_rate = 1e-3;     // initial rate; the peak (max_lr) for one-cycle
  double gamma = 0.1;              // step: factor every step_every epochs; exponential: factor per epoch
  std::int64_t step_every = 1;     // step
  double min_learning_rate = 0.0;  // cosine: the floor
  double pct_start = 0.3;          // one-cycle: fraction of epochs spent rising
  double div_factor = 25.0;        // one-cycle: initial rate = max_lr / div_factor
  double final_div_factor = 1e4;   // one-cycle: final rate = initial rate / final_div_factor
  std::int64_t warmup = 1;         // warmup-cosine: epochs of linear warm-up
};

class LearningRateSchedule {
public:
  enum class Kind { Constant, Step, Exponential, Cosine, OneCycle, WarmupCosine };

  // Names: "constant", "step", "exponential", "cosine", "one-cycle",
  // "warmup-cosine".
  // `epochs` is the length of the training (cosine and one-cycle need it).
  // Throws InputError naming `where` (e.g. "sympflow.schedule") or
  // `where`.<parameter> for an unknown name or an out-of-range parameter.
  static LearningRateSchedule parse(const std::string& name, const ScheduleParameters& parameters, std::int64_t epochs,
                                    const std::string& where);
  // A fixed rate, for any number of epochs.
  static LearningRateSchedule constant(double learning_rate);

  // The rate for epoch 0, 1, ...; epochs past the end keep the last rate.
  double at(std::int64_t epoch) const;
  Kind kind() const { return kind_; }
  const ScheduleParameters& parameters() const { return p_; }
  std::int64_t epochs() const { return epochs_; }

private:
  LearningRateSchedule(Kind kind, const ScheduleParameters& p, std::int64_t epochs)
      : kind_(kind), p_(p), epochs_(epochs) {}
  Kind kind_;
  ScheduleParameters p_;
  std::int64_t epochs_;
};

}  // namespace structura::nn
