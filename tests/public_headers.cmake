# A user's view of the include path (test_public_headers): with only the include directories the
# xgrad target gives its users, every public header compiles on its own, and no internal header
# is reachable. Run by CTest: cmake -DCXX=... -DINCLUDES=... -DROOT=... -DOUT=... -P this file.
file(MAKE_DIRECTORY ${OUT})
set(flags -std=c++20 -fsyntax-only)
foreach(dir ${INCLUDES})
  list(APPEND flags -I${dir})
endforeach()

file(GLOB_RECURSE public RELATIVE ${ROOT}/include ${ROOT}/include/xgrad/*.hpp)
list(LENGTH public count)
if(count LESS 40)
  message(FATAL_ERROR "only ${count} public headers under ${ROOT}/include/xgrad")
endif()
foreach(header ${public})
  string(MAKE_C_IDENTIFIER ${header} name)
  file(WRITE ${OUT}/${name}.cpp "#include <${header}>\n#include <${header}>\nint main() {}\n")
  execute_process(COMMAND ${CXX} ${flags} ${OUT}/${name}.cpp RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "public header <${header}> does not compile on its own:\n${err}")
  endif()
endforeach()
message(STATUS "${count} public headers compile on their own")

# Internal headers: present in the source tree, absent from a user's include path.
foreach(header autograd/op.hpp autograd/impl.hpp autograd/kernels.hpp autograd/cpu/cpu.hpp
               cuda/check.hpp cuda/kernels.hpp plot/plot_axes.hpp distributed/work.hpp)
  if(NOT EXISTS ${ROOT}/${header})
    message(FATAL_ERROR "${header}: not in the source tree; update this list")
  endif()
  string(MAKE_C_IDENTIFIER ${header} name)
  file(WRITE ${OUT}/internal_${name}.cpp "#include \"${header}\"\nint main() {}\n")
  execute_process(COMMAND ${CXX} ${flags} ${OUT}/internal_${name}.cpp RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
  if(rc EQUAL 0 OR NOT err MATCHES "No such file or directory")
    message(FATAL_ERROR "internal header ${header} is reachable from a user's include path:\n${err}")
  endif()
endforeach()
message(STATUS "internal headers unreachable")
