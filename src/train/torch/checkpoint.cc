// Checkpoints as one torch::serialize archive: "model/…", "optimizer/…", and byte tensors for the
// step, the RNG state and the fingerprint (plain tensors read the same in libtorch 1.13 and 2.x).
#include "train/torch/checkpoint.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "formats/safetensors.h"

namespace edgemt::train {

namespace {

torch::Tensor bytes_tensor(const std::string& s) {
  auto t = torch::empty({static_cast<int64_t>(s.size())}, torch::kUInt8);
  std::memcpy(t.data_ptr(), s.data(), s.size());
  return t;
}

std::string tensor_bytes(const torch::Tensor& t) {
  const auto c = t.to(torch::kCPU).contiguous();
  return std::string(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel()));
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

void save_checkpoint(const std::filesystem::path& path, AlbertForPreTraining& model, const Optimizer& optimizer,
                     const CheckpointState& state) {
  torch::serialize::OutputArchive root, model_archive, optim_archive;
  model->save(model_archive);
  optimizer.save(optim_archive);
  root.write("model", model_archive);
  root.write("optimizer", optim_archive);
  root.write("step", torch::tensor(state.step));
  root.write("rng", bytes_tensor(state.rng));
  root.write("fingerprint", bytes_tensor(state.fingerprint));
  std::ostringstream out;
  root.save_to(out);
  const std::string bytes = out.str();
  write_file_atomic(path, std::as_bytes(std::span(bytes)));
}

CheckpointState load_checkpoint(const std::filesystem::path& path, AlbertForPreTraining& model, Optimizer& optimizer,
                                const std::string& expected_fingerprint, const torch::Device& device) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open checkpoint (nothing to resume)");
  CheckpointState state;
  try {
    torch::serialize::InputArchive root, model_archive, optim_archive;
    root.load_from(in, device);
    torch::Tensor step, rng, fingerprint;
    root.read("fingerprint", fingerprint);
    state.fingerprint = tensor_bytes(fingerprint);
    if (state.fingerprint != expected_fingerprint)
      throw Error(path.string() + ": checkpoint was made with other options; resume needs the same config, batch, " +
                  "seq, steps, warmup, lr, optimizer and seed (checkpoint: " + state.fingerprint + ")");
    root.read("step", step);
    root.read("rng", rng);
    state.step = step.item<int64_t>();
    state.rng = tensor_bytes(rng);
    root.read("model", model_archive);
    model->load(model_archive);
    root.read("optimizer", optim_archive);
    optimizer.load(optim_archive);
  } catch (const c10::Error& e) {
    throw Error(path.string() + ": corrupt or truncated checkpoint: " + first_line(e.what_without_backtrace()));
  }
  return state;
}

}  // namespace edgemt::train
