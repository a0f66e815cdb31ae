// Everything of xgrad::nn: modules and layers, their functional forms, losses, weight init,
// and checkpoints.
#pragma once

#include "autograd/state_dict.hpp"
#include "nn/activation.hpp"
#include "nn/container.hpp"
#include "nn/conv.hpp"
#include "nn/dropout.hpp"
#include "nn/embedding.hpp"
#include "nn/flatten.hpp"
#include "nn/functional.hpp"
#include "nn/init.hpp"
#include "nn/linear.hpp"
#include "nn/loss.hpp"
#include "nn/losses.hpp"
#include "nn/module.hpp"
#include "nn/normalization.hpp"
#include "nn/pooling.hpp"
#include "nn/serialize.hpp"
