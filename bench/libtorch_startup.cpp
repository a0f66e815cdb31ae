// S in LibTorch: the same program as startup.cpp.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

int main() {
  torch::manual_seed(0);
  torch::nn::Sequential model(torch::nn::Linear(8, 16), torch::nn::Tanh(), torch::nn::Linear(16, 1));
  torch::optim::SGD opt(model->parameters(), torch::optim::SGDOptions(0.1));
  auto x = torch::randn({32, 8}), y = torch::randn({32, 1});
  for (int step = 0; step < 10; ++step) {
    opt.zero_grad();
    auto loss = torch::mse_loss(model->forward(x), y);
    loss.backward();
    opt.step();
  }
  std::printf("loss %.6f\n", torch::mse_loss(model->forward(x), y).item<float>());
  std::FILE* status = std::fopen("/proc/self/status", "r");  // peak resident memory, this process
  char line[256];
  while (status && std::fgets(line, sizeof line, status))
    if (std::strncmp(line, "VmHWM:", 6) == 0) std::printf("peak_kib %ld\n", std::strtol(line + 6, nullptr, 10));
  if (status) std::fclose(status);
}
