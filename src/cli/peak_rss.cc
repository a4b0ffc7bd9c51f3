// Each measurement forks: the child loads an Engine, classifies, reads its own ru_maxrss and
// writes it (or its error) to a pipe. The one-task child loads a temporary model directory of
// symbolic links: the backbone's files and only the first task's pack.
#include "cli/peak_rss.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>

#include "core/error.h"
#include "edgemt/engine.h"

namespace edgemt::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSentence = "edge devices run many language tasks on one shared backbone .";

// Runs `work` in a child; returns its peak RSS in bytes.
size_t child_peak_rss(const std::function<void()>& work) {
  int fds[2];
  if (pipe(fds) != 0) throw Error(std::string("peak RSS: pipe: ") + std::strerror(errno));
  const pid_t pid = fork();
  if (pid < 0) throw Error(std::string("peak RSS: fork: ") + std::strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    std::string msg;
    try {
      work();
      rusage u{};
      getrusage(RUSAGE_SELF, &u);
      msg = "ok " + std::to_string(static_cast<long long>(u.ru_maxrss) * 1024);  // Linux: KiB
    } catch (const std::exception& e) {
      msg = std::string("error ") + e.what();
    }
    const ssize_t n = write(fds[1], msg.data(), msg.size());
    _exit(n == static_cast<ssize_t>(msg.size()) ? 0 : 1);
  }
  close(fds[1]);
  std::string msg;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (msg.rfind("ok ", 0) == 0) return std::stoull(msg.substr(3));
  if (msg.rfind("error ", 0) == 0) throw Error(msg.substr(6));
  throw Error("peak RSS: the measuring process ended without a result (status " + std::to_string(status) + ")");
}

}  // namespace

PeakRss measure_peak_rss(const fs::path& model_dir) {
  PeakRss r;
  std::vector<std::string> tasks;
  {
    const Engine e(model_dir);
    tasks = e.tasks();
  }
  r.tasks = tasks.size();
  r.all_tasks = child_peak_rss([&] {
    const Engine e(model_dir);
    for (const auto& t : tasks) e.classify(t, kSentence);
  });
  if (tasks.empty()) {
    r.one_task = r.all_tasks;
    return r;
  }
  // The one-task directory: links to the backbone's files and to the first pack only ("default",
  // the checkpoint's own head, needs no pack and comes first when present).
  r.task = tasks.front();
  const fs::path src = fs::absolute(model_dir);
  const fs::path tmp = fs::temp_directory_path() / ("edgemt-rss-" + std::to_string(getpid()));
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{tmp};
  for (const auto& entry : fs::directory_iterator(src))
    if (entry.path().filename() != "tasks") fs::create_symlink(entry.path(), tmp / entry.path().filename());
  if (r.task != "default") {
    fs::create_directories(tmp / "tasks");
    fs::create_directory_symlink(src / "tasks" / r.task, tmp / "tasks" / r.task);
  }
  r.one_task = child_peak_rss([&] {
    const Engine e(tmp);
    e.classify(r.task, kSentence);
  });
  return r;
}

}  // namespace edgemt::cli
