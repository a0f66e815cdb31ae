// data/: datasets in memory, DataLoader, readers (CSV, IDX), splits, preprocessing, synthetic
// sets, text inputs, augmentation, data-parallel sharding (DistributedSampler) (xgrad::data);
// metrics (xgrad::metrics); SVG plots (xgrad::plot); the training progress bar (data::Progress).
#pragma once

#include "data/csv.hpp"
#include "data/dataset.hpp"
#include "data/datasets.hpp"
#include "data/files.hpp"
#include "data/idx.hpp"
#include "data/metrics.hpp"
#include "data/plot.hpp"
#include "data/preprocessing.hpp"
#include "data/progress.hpp"
#include "data/sampler.hpp"
#include "data/svg.hpp"
#include "data/synthetic.hpp"
#include "data/text.hpp"
#include "data/transforms.hpp"
