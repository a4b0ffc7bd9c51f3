// edgemt: one CLI over the library. Exit 0 on success, 2 on a usage error, 1 on any other error,
// each error as one "edgemt: error: …" line on stderr.
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
  CLI::App app{"edgemt: multi-task ALBERT inference for the edge (adapter-ALBERT + EdgeBERT)", "edgemt"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "edgemt 0.1.0");
  edgemt::cli::Run run;
  edgemt::cli::add_classify(app, run);
  edgemt::cli::add_dump(app, run);
  edgemt::cli::add_eval(app, run);
  edgemt::cli::add_info(app, run);
  edgemt::cli::add_bench(app, run);
  edgemt::cli::add_train(app, run);
  edgemt::cli::add_compress(app, run);
  edgemt::cli::add_simulate(app, run);
  edgemt::cli::add_demo(app, run);
  edgemt::cli::add_report(app, run);
  const auto known = app.get_subcommands([](const CLI::App*) { return true; });
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(known.begin(), known.end(), [&](const CLI::App* s) { return s->get_name() == argv[1]; })) {
    std::cerr << "edgemt: error: unknown command '" << argv[1] << "' (classify, dump, eval, info, bench, train, compress, simulate; see edgemt --help)\n";
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "edgemt: error: " << e.what() << " (see edgemt --help)\n";
    return 2;
  }
  try {
    run();
    return 0;
  } catch (const edgemt::UsageError& e) {
    std::cerr << "edgemt: error: " << e.what() << " (see edgemt --help)\n";
    return 2;
  } catch (const edgemt::Error& e) {
    std::cerr << "edgemt: error: " << e.what() << "\n";
  } catch (const std::bad_alloc&) {
    std::cerr << "edgemt: error: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "edgemt: error: internal: " << e.what() << "\n";
  }
  return 1;
}
