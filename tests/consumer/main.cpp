// Trains XOR with the installed xgrad: what a user's first program looks like.
#include <xgrad/xgrad.hpp>

#include <cstdio>

int main() {
  using namespace xgrad;
  manual_seed(0);
  Tensor x = tensor({{0.0, 0.0}, {0.0, 1.0}, {1.0, 0.0}, {1.0, 1.0}});
  Tensor y = tensor({0.0, 1.0, 1.0, 0.0}).reshape({4, 1});
  nn::Sequential model(nn::Linear(2, 8), nn::Tanh(), nn::Linear(8, 1), nn::Sigmoid());
  optim::Adam opt(model->parameters(), {.lr = 0.05});
  float first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    opt.zero_grad();
    Tensor loss = nn::functional::binary_cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
    (step == 0 ? first : last) = loss.item<float>();
  }
  std::printf("consumer: loss %.4f -> %.4f\n", first, last);
  return last < first / 10 ? 0 : 1;
}
