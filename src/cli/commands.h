// The edgemt subcommands: each registers its options on the CLI11 app and sets what to run.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace edgemt::cli {

using Run = std::function<void()>;  // throws edgemt::Error on failure

void add_classify(CLI::App& app, Run& run);
void add_dump(CLI::App& app, Run& run);
void add_info(CLI::App& app, Run& run);
void add_bench(CLI::App& app, Run& run);
void add_eval(CLI::App& app, Run& run);
void add_train(CLI::App& app, Run& run);  // train tokenize|pretrain (libtorch builds only)
void add_compress(CLI::App& app, Run& run);  // AdaptivFloat quantisation + magnitude pruning
void add_simulate(CLI::App& app, Run& run);  // accelerator simulator over eval traces
void add_demo(CLI::App& app, Run& run);      // the main job: every task, then the simulator
void add_report(CLI::App& app, Run& run);    // the demo's results as HTML

}  // namespace edgemt::cli
