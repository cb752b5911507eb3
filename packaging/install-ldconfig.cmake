# SPDX-License-Identifier: Apache-2.0
# Install step: refresh the dynamic loader's cache when the library went
# into a directory it searches, so that programs linked with -lcodebook run
# at once.  Not under DESTDIR (a staging tree: the package's own triggers do
# it) and not as non-root (ldconfig cannot write its cache); a library
# outside the loader's directories gets a note on how to find it instead.
# Set by the caller (CMakeLists.txt): CB_INST_LIBDIR CB_SONAME.
if(NOT "$ENV{DESTDIR}" STREQUAL "")
  return()
endif()
if(IS_ABSOLUTE "${CB_INST_LIBDIR}")
  set(libdir "${CB_INST_LIBDIR}")
else()
  set(libdir "${CMAKE_INSTALL_PREFIX}/${CB_INST_LIBDIR}")
endif()
find_program(CB_LDCONFIG ldconfig PATHS /sbin /usr/sbin)
if(NOT CB_LDCONFIG)
  return()
endif()
# the directories ldconfig scans: "DIR: (from FILE:LINE)" lines of -v, with
# -N -X so that nothing is written
execute_process(COMMAND "${CB_LDCONFIG}" -N -X -v OUTPUT_VARIABLE scan ERROR_QUIET)
string(REGEX MATCHALL "(^|\n)/[^:\n]*:" dirs "${scan}")
get_filename_component(real "${libdir}" REALPATH)
set(searched FALSE)
foreach(d IN LISTS dirs)
  string(REGEX REPLACE "^\n?(.*):$" "\\1" d "${d}")
  if(EXISTS "${d}")
    get_filename_component(rd "${d}" REALPATH)
    if(rd STREQUAL real)
      set(searched TRUE)
    endif()
  endif()
endforeach()
if(NOT searched)
  message(STATUS "Note: ${libdir} is not searched by the dynamic loader: link programs "
    "with -Wl,-rpath,${libdir} or run them with LD_LIBRARY_PATH=${libdir}")
  return()
endif()
execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
if(NOT uid STREQUAL "0")
  message(STATUS "Note: not root, so ldconfig was not run: run `sudo ldconfig` before "
    "starting programs linked with -lcodebook (${CB_SONAME})")
  return()
endif()
execute_process(COMMAND "${CB_LDCONFIG}" RESULT_VARIABLE rc)
if(rc EQUAL 0)
  message(STATUS "Ran ldconfig: ${CB_SONAME} in ${libdir} is found by the loader")
else()
  message(WARNING "ldconfig failed (${rc}): run it by hand")
endif()
