// S: a whole small training program, timed from exec to exit (start-up, loading, 10 steps).
#include <xgrad/xgrad.hpp>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main() {
  using namespace xgrad;
  manual_seed(0);
  nn::Sequential model(nn::Linear(8, 16), nn::Tanh(), nn::Linear(16, 1));
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  Tensor x = randn({32, 8}), y = randn({32, 1});
  for (int step = 0; step < 10; ++step) {
    opt.zero_grad();
    Tensor loss = nn::functional::mse_loss(model->forward(x), y);
    loss.backward();
    opt.step();
  }
  std::printf("loss %.6f\n", nn::functional::mse_loss(model->forward(x), y).item<float>());
  std::FILE* status = std::fopen("/proc/self/status", "r");  // peak resident memory, this process
  char line[256];
  while (status && std::fgets(line, sizeof line, status))
    if (std::strncmp(line, "VmHWM:", 6) == 0) std::printf("peak_kib %ld\n", std::strtol(line + 6, nullptr, 10));
  if (status) std::fclose(status);
}
