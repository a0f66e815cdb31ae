/// \file
/// Everything of xgrad::optim: optimizers, learning-rate schedulers, gradient clipping.
#pragma once

#include "xgrad/optim/adagrad.hpp"
#include "xgrad/optim/adam.hpp"
#include "xgrad/optim/adamw.hpp"
#include "xgrad/optim/clip_grad.hpp"
#include "xgrad/optim/lr_scheduler.hpp"
#include "xgrad/optim/optimizer.hpp"
#include "xgrad/optim/rmsprop.hpp"
#include "xgrad/optim/sgd.hpp"
