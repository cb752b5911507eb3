# SPDX-License-Identifier: Apache-2.0
# Install step: the files that record installed paths (codebook.pc, the
# systemd units, the environment file), written for the prefix of this
# installation: `cmake --install --prefix P` may name another prefix than
# the configured one.  Each directory is GNUInstallDirs' own, made absolute
# against the install-time CMAKE_INSTALL_PREFIX the way
# CMAKE_INSTALL_FULL_<dir> is against the configured one.
# Set by the caller (CMakeLists.txt): CB_SRC CB_BIN CB_VERSION and
# CB_INST_<dir> for BINDIR LIBDIR INCLUDEDIR DATADIR SYSCONFDIR, and
# CB_INST_UNITDIR (the systemd unit directory, empty: none).
set(prefix "${CMAKE_INSTALL_PREFIX}")
string(REGEX REPLACE "/+$" "" prefix_trim "${prefix}")
foreach(d BINDIR LIBDIR INCLUDEDIR DATADIR SYSCONFDIR UNITDIR)
  set(rel "${CB_INST_${d}}")
  if(rel STREQUAL "" OR IS_ABSOLUTE "${rel}")
    set(full "${rel}")
  elseif(d STREQUAL "SYSCONFDIR" AND prefix_trim MATCHES "^(/usr)?$")
    set(full "/${rel}")                           # /usr -> /etc, as GNUInstallDirs
  elseif(d STREQUAL "SYSCONFDIR" AND prefix_trim MATCHES "^/opt/(.*)")
    set(full "/${rel}/opt/${CMAKE_MATCH_1}")
  else()
    set(full "${prefix_trim}/${rel}")
  endif()
  set(CB_FULL_${d} "${full}")
  # in codebook.pc, relative to ${prefix} when under it (--define-variable=prefix= relocates)
  if(full MATCHES "^${prefix_trim}/(.*)")
    set(CB_PC_${d} "\${prefix}/${CMAKE_MATCH_1}")
  else()
    set(CB_PC_${d} "${full}")
  endif()
endforeach()
set(CB_PC_PREFIX "${prefix}")

configure_file("${CB_SRC}/codebook.pc.in" "${CB_BIN}/install/codebook.pc" @ONLY)
file(INSTALL "${CB_BIN}/install/codebook.pc" DESTINATION "${CB_FULL_LIBDIR}/pkgconfig")

configure_file("${CB_SRC}/packaging/systemd/codebook.default" "${CB_BIN}/install/codebook" @ONLY)
file(INSTALL "${CB_BIN}/install/codebook" DESTINATION "${CB_FULL_SYSCONFDIR}/default")
if(NOT CB_FULL_UNITDIR STREQUAL "")
  foreach(unit codebook.service codebook-worker.service)
    configure_file("${CB_SRC}/packaging/systemd/${unit}.in" "${CB_BIN}/install/${unit}" @ONLY)
    file(INSTALL "${CB_BIN}/install/${unit}" DESTINATION "${CB_FULL_UNITDIR}")
  endforeach()
endif()
