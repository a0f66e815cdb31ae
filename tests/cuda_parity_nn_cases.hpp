// The CUDA parity cases of nn::functional: linear and the activations, every loss and each
// reduction, the layers' functional forms (see cuda_parity_cases.hpp).
#pragma once

#include "cuda_parity_group.hpp"

namespace cuda_cases {

inline Group functional() {
  return {"linear and nn::functional",
          {"linear", "F::linear", "F::relu", "F::leaky_relu", "F::tanh", "F::sigmoid", "F::softmax",
           "F::log_softmax", "F::dropout", "F::flatten"},
          {
              {"the linear op, with and without bias",
               {{5, 4}, {3, 4}, {3}},
               [](const V& x) {
                 return V{linear(x[0], x[1], x[2]), linear(x[0], x[1])};
               }},
              {"F::linear with and without bias, on 2-D and 3-D input",
               {{5, 4}, {3, 4}, {3}, {2, 5, 4}},
               [](const V& x) {
                 return V{F::linear(x[0], x[1], x[2]), F::linear(x[0], x[1]),
                          F::linear(x[3], x[1], x[2])};
               }},
              {"activations, softmax, flatten",
               {{2, 3, 4}},
               [](const V& x) {
                 return V{F::relu(x[0]),    F::leaky_relu(x[0], 0.2), F::tanh(x[0]),
                          F::sigmoid(x[0]), F::softmax(x[0], 1),      F::log_softmax(x[0], -1),
                          F::flatten(x[0]), F::flatten(x[0], 0, 1)};
               },
               Domain::distinct},
              {"dropout: seeded masks; eval, p = 0 and p = 1",
               {{8, 16}},
               [](const V& x) {
                 return V{F::dropout(x[0], 0.3), F::dropout(x[0], 0.5, true),
                          F::dropout(x[0], 0.3, false), F::dropout(x[0], 0.0),
                          F::dropout(x[0], 1.0)};
               }},
          }};
}

inline Group losses() {
  using nn::Reduction;
  const Reduction kAll[] = {Reduction::none, Reduction::mean, Reduction::sum};
  std::vector<Case> cases;
  for (Reduction r : kAll) {
    std::string name = r == Reduction::none ? "none" : r == Reduction::mean ? "mean" : "sum";
    cases.push_back({"mse_loss and l1_loss, reduction " + name,
                     {{4, 3}, {4, 3}},
                     [r](const V& x) {
                       return V{F::mse_loss(x[0], x[1], r), F::l1_loss(x[0], x[1], r)};
                     },
                     Domain::distinct});
    cases.push_back({"binary_cross_entropy, with a weight, reduction " + name,
                     {{4, 3}, {4, 3}, {3}},
                     [r](const V& x) {
                       Tensor p = sigmoid(x[0]), y = sigmoid(x[1]);
                       Tensor hard = gt(x[1], 0.0);  // 0/1 targets
                       return V{F::binary_cross_entropy(p, y, r),
                                F::binary_cross_entropy(p, hard, r, sigmoid(x[2]))};
                     }});
    cases.push_back({"binary_cross_entropy_with_logits, weight and pos_weight, reduction " + name,
                     {{4, 3}, {4, 3}, {4, 1}, {3}},
                     [r](const V& x) {
                       Tensor y = sigmoid(x[1]);
                       return V{
                           F::binary_cross_entropy_with_logits(x[0], y, r),
                           F::binary_cross_entropy_with_logits(x[0], y, r, x[2], abs(x[3]) + 0.5)};
                     }});
    cases.push_back({"nll_loss on [N, C], [N, C, d] and [C], with weights, reduction " + name,
                     {{6, 5}, {6, 5}, {5}, {4, 5, 3}, {4, 5, 3}, {5}, {5}},
                     [r](const V& x) {
                       Tensor w = abs(x[2]) + 0.1;
                       Tensor t2 = argmax(x[1], 1), t3 = argmax(x[4], 1), t1 = argmax(x[6]);
                       return V{F::nll_loss(log_softmax(x[0], 1), t2, r),
                                F::nll_loss(log_softmax(x[0], 1), t2, r, w),
                                F::nll_loss(log_softmax(x[3], 1), t3, r, w),
                                F::nll_loss(log_softmax(x[5], 0), t1, r)};
                     }});
    cases.push_back(
        {"cross_entropy, class indices and probabilities, with weights, reduction " + name,
         {{6, 5}, {6, 5}, {5}},
         [r](const V& x) {
           Tensor w = abs(x[2]) + 0.1;
           Tensor labels = argmax(x[1], 1), probs = softmax(x[1], 1);
           return V{F::cross_entropy(x[0], labels, r), F::cross_entropy(x[0], labels, r, w),
                    F::cross_entropy(x[0], probs, r), F::cross_entropy(x[0], probs, r, w)};
         }});
  }
  cases.push_back({"softmax_cross_entropy, mean and sum", {{6, 5}, {6, 5}}, [](const V& x) {
                     Tensor labels = argmax(x[1], 1);
                     return V{softmax_cross_entropy(x[0], labels, true),
                              softmax_cross_entropy(x[0] * 3.0, labels, false)};
                   }});
  cases.push_back({"binary_cross_entropy_elementwise, p at 0 and 1 included",
                   {{4, 3}, {4, 3}},
                   [](const V& x) {
                     Tensor p = cat({sigmoid(x[0]), zeros_like(x[0]), ones_like(x[0])}, 0);
                     Tensor y = cat({sigmoid(x[1]), sigmoid(x[1]), sigmoid(x[1])}, 0);
                     return V{binary_cross_entropy_elementwise(p, y)};
                   }});
  cases.push_back({"l1_penalty and l2_penalty",
                   {{4, 3}, {3}},
                   [](const V& x) {
                     return V{F::l1_penalty(x), F::l2_penalty(x)};
                   },
                   Domain::distinct});
  return {"losses",
          {"softmax_cross_entropy", "binary_cross_entropy_elementwise", "F::mse_loss", "F::l1_loss",
           "F::binary_cross_entropy",
           "F::binary_cross_entropy_with_logits", "F::nll_loss", "F::cross_entropy",
           "F::l1_penalty", "F::l2_penalty"},
          cases};
}

// The layers' functional forms: normalization with its running statistics, embedding, the
// activations with options, max pooling's indices.
inline Group layers() {
  return {"nn::functional layers",
          {"F::gelu", "F::silu", "F::elu", "F::softplus", "F::batch_norm", "F::layer_norm", "F::embedding"},
          {
              {"activations with options",
               {{3, 4}},
               [](const V& x) {
                 return V{F::gelu(x[0]), F::gelu(x[0], "tanh"), F::silu(x[0]), F::elu(x[0], 0.5),
                          F::softplus(x[0]), F::softplus(x[0] * 3.0, 2.0, 1.5)};
               },
               Domain::distinct},
              {"batch_norm training (running stats updated) and eval",
               {{4, 3, 2, 3}, {3}, {3}},
               [](const V& x) {
                 Tensor rm = zeros({3}, options_of(x[0])), rv = ones({3}, options_of(x[0]));
                 Tensor train = F::batch_norm(x[0], rm, rv, x[1], x[2], true);
                 Tensor eval = F::batch_norm(x[0], rm, rv, x[1], x[2], false);
                 return V{train, eval, rm, rv, F::batch_norm(x[0].flatten(2), {}, {}, {}, {}, true)};
               }},
              {"layer_norm with and without affine",
               {{2, 3, 4}, {3, 4}, {3, 4}},
               [](const V& x) { return V{F::layer_norm(x[0], {3, 4}, x[1], x[2]), F::layer_norm(x[0], {4})}; }},
              {"embedding with padding_idx",
               {{5, 3}},
               [](const V& x) {
                 Tensor idx = tensor({1, 4, 1, 0, 2, 4}, {2, 3}, int64_on(x[0]));
                 return V{F::embedding(idx, x[0]), F::embedding(idx, x[0], 4)};
               }},
              {"max_pool2d indices",
               {{2, 2, 5, 6}},
               [](const V& x) {
                 auto [v, i] = max_pool2d_with_indices(x[0], 3, Int2(2), 1);
                 return V{v, i};
               },
               Domain::distinct},
          }};
}

}  // namespace cuda_cases
