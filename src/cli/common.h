// Helpers shared by subcommands: the default model location and printing load warnings.
#pragma once

#include <string>

#include "edgemt/engine.h"

namespace edgemt::cli {

// The model used when --model is omitted.
std::string default_model_dir();
void print_warnings(const Engine& engine);

}  // namespace edgemt::cli
