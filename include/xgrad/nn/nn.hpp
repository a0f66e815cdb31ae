/// \file
/// Everything of xgrad::nn: modules and layers, their functional forms, losses, weight init,
/// and checkpoints.
#pragma once

#include "xgrad/autograd/state_dict.hpp"
#include "xgrad/nn/activation.hpp"
#include "xgrad/nn/container.hpp"
#include "xgrad/nn/conv.hpp"
#include "xgrad/nn/dropout.hpp"
#include "xgrad/nn/embedding.hpp"
#include "xgrad/nn/export.hpp"
#include "xgrad/nn/flatten.hpp"
#include "xgrad/nn/functional.hpp"
#include "xgrad/nn/init.hpp"
#include "xgrad/nn/linear.hpp"
#include "xgrad/nn/loss.hpp"
#include "xgrad/nn/losses.hpp"
#include "xgrad/nn/module.hpp"
#include "xgrad/nn/normalization.hpp"
#include "xgrad/nn/pooling.hpp"
#include "xgrad/nn/serialize.hpp"
