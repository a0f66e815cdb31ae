// Whether this process sees a CUDA device, asked once. Internal to cuda/.
#pragma once

namespace xgrad::cuda {

// Throws xgrad::Error "<op>: no CUDA device is available (cudaGetDeviceCount: <reason>)"
// when none is present.
void require_device(const char* op);

// Devices this process sees; 0 where none (or no driver).
int detected_devices();

// Streaming multiprocessors of the current device (for sizing grids); requires a device.
int multiprocessor_count();

}  // namespace xgrad::cuda
