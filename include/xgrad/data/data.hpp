/// \file
/// data/: datasets in memory, DataLoader, readers (CSV, IDX), splits, preprocessing, synthetic
/// sets, text inputs, augmentation, data-parallel sharding (DistributedSampler) (xgrad::data);
/// metrics (xgrad::metrics). Plots, SVG and the progress bar are in xgrad/plot/.
#pragma once

#include "xgrad/data/csv.hpp"
#include "xgrad/data/dataset.hpp"
#include "xgrad/data/datasets.hpp"
#include "xgrad/data/files.hpp"
#include "xgrad/data/idx.hpp"
#include "xgrad/data/metrics.hpp"
#include "xgrad/data/preprocessing.hpp"
#include "xgrad/data/sampler.hpp"
#include "xgrad/data/synthetic.hpp"
#include "xgrad/data/text.hpp"
#include "xgrad/data/transforms.hpp"
