/// \file
/// Everything a user of xgrad needs: `#include <xgrad/xgrad.hpp>`
#pragma once

#include "xgrad/autograd/checkpoint.hpp"
#include "xgrad/autograd/function.hpp"
#include "xgrad/autograd/gradcheck.hpp"
#include "xgrad/autograd/graph.hpp"
#include "xgrad/autograd/tensor.hpp"
#include "xgrad/cuda/cuda.hpp"
#include "xgrad/data/data.hpp"
#include "xgrad/logging/logging.hpp"
#include "xgrad/nn/nn.hpp"
#include "xgrad/optim/optim.hpp"
#include "xgrad/plot/plot.hpp"
#include "xgrad/plot/progress.hpp"
#include "xgrad/plot/svg.hpp"
#include "xgrad/training/checkpoint.hpp"
