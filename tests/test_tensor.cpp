// Tensor handles: factories, metadata, storage sharing, conversions, printing, random streams.
#include <doctest/doctest.h>

#include <sstream>
#include <xgrad/xgrad.hpp>

#include "xgrad/autograd/xtensor_interop.hpp"

using namespace xgrad;

TEST_CASE("factories give the requested shape, dtype and values") {
  CHECK(zeros({2, 3}).to_vector() == std::vector<float>(6, 0.0f));
  CHECK(ones({2}, kFloat64).dtype() == kFloat64);
  CHECK(full({2, 2}, 7.0, kInt64).to_vector<int64_t>() == std::vector<int64_t>(4, 7));
  CHECK(arange(5).to_vector() == std::vector<float>{0, 1, 2, 3, 4});
  CHECK(arange(1.0, 2.0, 0.25, kFloat64).to_vector<double>() == std::vector<double>{1.0, 1.25, 1.5, 1.75});
  CHECK(linspace(0, 1, 5, kFloat64).to_vector<double>() == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(eye(2).to_vector() == std::vector<float>{1, 0, 0, 1});
  Tensor m = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(m.shape() == Shape{2, 3});
  CHECK(m.dtype() == kFloat32);
  CHECK(m.select(1, 2).to_vector() == std::vector<float>{3, 6});
  CHECK(scalar_tensor(3.5).dim() == 0);
  CHECK(scalar_tensor(3.5).item() == 3.5);
  CHECK(from_vector(std::vector<int64_t>{1, 2}, {2}).dtype() == kInt64);
  Tensor r = zeros({2}, TensorOptions(kFloat64).requires_grad(true));
  CHECK(r.requires_grad());
  CHECK(r.is_leaf());
}

TEST_CASE("copying a Tensor shares it; reshape, view and flatten share storage") {
  Tensor a = arange(6, kFloat64);
  Tensor b = a;
  CHECK(b.same(a));
  Tensor v = a.reshape({2, 3});
  Tensor f = v.flatten();
  CHECK(v.data_ptr() == a.data_ptr());
  CHECK(f.data_ptr() == a.data_ptr());
  CHECK(a.view({3, -1}).shape() == Shape{3, 2});
  CHECK(a.unsqueeze(0).shape() == Shape{1, 6});
  CHECK(a.unsqueeze(0).squeeze().shape() == Shape{6});
  v.mul_(2.0);  // through the view: a sees it, and the shared version counter moves
  CHECK(a.to_vector<double>()[5] == 10.0);
  CHECK(a.version() == 1);
}

TEST_CASE("to(Dtype) converts, clone copies, item and to_vector read values") {
  Tensor x = tensor({1.5, -2.5});
  CHECK(x.to(kInt64).to_vector<int64_t>() == std::vector<int64_t>{1, -2});
  CHECK(x.to(kFloat32).same(x));
  Tensor c = x.clone();
  c.fill_(0);
  CHECK(x.to_vector()[0] == 1.5f);
  CHECK(tensor({4.0}).item() == 4.0);
  CHECK(tensor({4.0}).item<int>() == 4);
}

TEST_CASE("printing shows values, shape and dtype, abridged when large") {
  std::ostringstream s;
  s << tensor({{1.0, 2.5}, {3.0, 4.0}}, kFloat64);
  CHECK(s.str() == "tensor([[1.0000, 2.5000],\n        [3.0000, 4.0000]], shape=[2, 2], dtype=float64)");
  CHECK(arange(3, kInt64).str() == "tensor([0, 1, 2], shape=[3], dtype=int64)");
  CHECK(tensor({1.0, 2.0}).str() == "tensor([1., 2.], shape=[2], dtype=float32)");
  std::string big = arange(5000).str();
  CHECK(big.find("...") != std::string::npos);
  CHECK(big.size() < 200);
  Tensor g = tensor({1.0}, kFloat64).requires_grad_();
  CHECK((g * 2.0).str().find("grad_fn=<mul>") != std::string::npos);
  CHECK(g.str().find("requires_grad=true") != std::string::npos);
}

TEST_CASE("manual_seed makes every draw repeatable bitwise") {
  manual_seed(42);
  auto a = randn({1000}).to_vector();
  auto b = rand({10}, kFloat64).to_vector<double>();
  auto p = randperm(20).to_vector<int64_t>();
  manual_seed(42);
  CHECK(randn({1000}).to_vector() == a);
  CHECK(rand({10}, kFloat64).to_vector<double>() == b);
  CHECK(randperm(20).to_vector<int64_t>() == p);
  CHECK(randn({1000}).to_vector() != a);  // the stream moves on
  std::vector<int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 20; ++i) CHECK(sorted[i] == i);
}

TEST_CASE("random draws have the requested distributions") {
  manual_seed(7);
  Tensor n = randn({100000}, kFloat64);
  CHECK(mean(n).item() == doctest::Approx(0.0).epsilon(0.02).scale(1));
  CHECK(xgrad::std(n).item() == doctest::Approx(1.0).epsilon(0.02));
  Tensor u = rand({100000}, kFloat64);
  CHECK(min(u).item() >= 0.0);
  CHECK(max(u).item() < 1.0);
  CHECK(mean(u).item() == doctest::Approx(0.5).epsilon(0.01));
  Tensor r = randint(3, 7, {10000});
  CHECK(r.dtype() == kInt64);
  CHECK(min(r).item() == 3);
  CHECK(max(r).item() == 6);
  CHECK(mean(bernoulli({100000}, 0.25, kFloat64)).item() == doctest::Approx(0.25).epsilon(0.02));
}

TEST_CASE("xtensor interop converts both ways") {
  xt::xarray<double> a = {{1.0, 2.0}, {3.0, 4.0}};
  Tensor t = from_xarray(a);
  CHECK(t.dtype() == kFloat64);
  CHECK(t.shape() == Shape{2, 2});
  auto back = to_xarray<double>(t * 2.0);
  CHECK(back(1, 0) == 6.0);
  CHECK(back.shape()[1] == 2);
}
