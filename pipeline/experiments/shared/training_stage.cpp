#include "experiments/shared/training_stage.hpp"

#include <fmt/format.h>

#include <chrono>

#include "run/log.hpp"

namespace structura::pipeline {

namespace {

nn::CheckpointAction to_nn(Checkpointer::Action a) {
  switch (a) {
    case Checkpointer::Action::Continue: return nn::CheckpointAction::Continue;
    case Checkpointer::Action::Save: return nn::CheckpointAction::Save;
    case Checkpointer::Action::SaveAndStop: return nn::CheckpointAction::SaveAndStop;
  }
  return nn::CheckpointAction::SaveAndStop;
}

// "loss 1.2e-03" for one module, "critic loss -3.1e-01, generator loss 2.0e+00" for several.
std::string losses_text(const nn::TrainingLoop& loop, const nn::StepRecord& r) {
  if (r.updates.size() == 1) return fmt::format("loss {:.3e}", r.updates[0].loss);
  std::string text;
  for (std::size_t i = 0; i < r.updates.size(); ++i)
    text += fmt::format("{}{} loss {:.3e}", i > 0 ? ", " : "", loop.modules()[i].name, r.updates[i].loss);
  return text;
}

void write_updates(h5::Group& g, const nn::ModuleHistory& h) {
  const h5::Dims dims{static_cast<hsize_t>(h.loss.size())};
  g.write_dataset("loss", h.loss, dims).set_attribute("meaning", "global training loss before each optimizer step");
  g.write_dataset("learning_rate", h.learning_rate, dims);
  g.write_dataset("gradient_norm", h.gradient_norm, dims).set_attribute("meaning", "before clipping");
}

}  // namespace

TrainingRun run_training(StageContext& ctx, nn::TrainingLoop& loop, nn::TrainingCallbacks cb,
                         const TrainingStageOptions& o) {
  if (ctx.resuming) loop.load_state(ctx.checkpoint_group());
  const std::int64_t steps = loop.options().steps;
  const TrainingRun start{loop.next_step(), 0.0};

  Progress progress = ctx.progress(o.label, steps, o.unit);
  if (!cb.progress)
    cb.progress = [&](const nn::StepRecord& r) { progress.update(r.step + 1, losses_text(loop, r)); };
  if (!cb.poll)
    cb.poll = [&] {
      nn::CheckpointAction action = to_nn(ctx.checkpointer.poll());
      // next_step() is the same on every rank, so every rank saves together.
      if (action == nn::CheckpointAction::Continue && o.checkpoint_every_steps > 0 &&
          loop.next_step() % o.checkpoint_every_steps == 0)
        action = nn::CheckpointAction::Save;
      return action;
    };
  if (!cb.save_checkpoint)
    cb.save_checkpoint = [&] {
      h5::Group ck = ctx.checkpoint_group();
      loop.save_state(ck);
      ctx.file.flush();
      log::info("{}: checkpoint after {} of {} {}", o.label, loop.next_step(), steps, o.unit);
    };

  const auto t0 = std::chrono::steady_clock::now();
  const nn::TrainingStatus status = loop.run(cb);
  const double seconds = ctx.comm.max(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (status == nn::TrainingStatus::Stopped) throw Interrupted();
  const std::int64_t run_steps = loop.next_step() - start.first_step;
  progress.finish(fmt::format("{:.3g} s per step", run_steps > 0 ? seconds / double(run_steps) : 0.0));
  return {start.first_step, seconds};
}

void write_training_history(h5::Group& g, const nn::TrainingLoop& loop, int ranks) {
  const nn::TrainingHistory& h = loop.history();
  if (h.modules.size() == 1) {
    write_updates(g, h.modules.front());
  } else {
    for (std::size_t i = 0; i < h.modules.size(); ++i) {
      const nn::TrainedModule& m = loop.modules()[i];
      h5::Group mg = g.require_group(m.name);
      write_updates(mg, h.modules[i]);
      mg.set_attribute("updates_per_step", m.update.updates_per_step);
    }
  }
  g.write_dataset("validation", h.validation, h5::Dims{static_cast<hsize_t>(h.validation.size())})
      .set_attribute("meaning", "validation metric after the step (NaN: not validated)");
  g.set_attribute("best_step", loop.best_step().value_or(-1));
  g.set_attribute("best_validation", loop.best_metric());
  g.set_attribute("ranks", ranks);
}

}  // namespace structura::pipeline
