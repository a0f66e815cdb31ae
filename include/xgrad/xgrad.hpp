// Everything a user of xgrad needs: #include <xgrad/xgrad.hpp>
#pragma once

#include "autograd/checkpoint.hpp"
#include "autograd/function.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/graph.hpp"
#include "autograd/tensor.hpp"
#include "cuda/cuda.hpp"
#include "data/data.hpp"
#include "logging/logging.hpp"
#include "nn/nn.hpp"
#include "optim/optim.hpp"
