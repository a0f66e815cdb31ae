/// \file
/// Opt-in conversions between Tensor and xt::xarray, for users who already work with xtensor.
/// The rest of xgrad's public headers do not include xtensor; this one does. Both directions copy.
#pragma once

#include <type_traits>
#include <vector>
#include <xtensor/xadapt.hpp>
#include <xtensor/xarray.hpp>

#include "xgrad/autograd/tensor.hpp"

namespace xgrad {

/// The tensor's values (copied back from a device, converted to T) as an xarray of its shape.
template <class T = float>
xt::xarray<T> to_xarray(const Tensor& t) {
  std::vector<T> v = t.to_vector<T>();
  std::vector<size_t> shape(t.shape().begin(), t.shape().end());
  xt::xarray<T> out = xt::adapt(v, shape);
  return out;
}

/// A tensor holding the expression's values. The dtype follows the value type (float -> float32,
/// double -> float64, integers -> int64) unless the options name one.
template <class E>
Tensor from_xarray(const xt::xexpression<E>& e, std::optional<TensorOptions> options = {}) {
  using V = typename E::value_type;
  const auto& x = e.derived_cast();
  xt::xarray<double> values = x;
  Shape shape;
  for (auto d : values.shape()) shape.push_back(static_cast<int64_t>(d));
  TensorOptions o = options ? *options
                            : TensorOptions(std::is_same_v<V, double>           ? kFloat64
                                            : std::is_floating_point_v<V> ? kFloat32
                                                                          : kInt64);
  return tensor(std::vector<double>(values.begin(), values.end()), shape, o);
}

}  // namespace xgrad
