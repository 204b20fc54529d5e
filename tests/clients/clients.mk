# clients.mk: Debian's own clients of libxenlight (xl, libxlutil, libvirt's
# libxl driver, libvirtd) against lightcore (included by the top Makefile).
# Debian's packages are downloaded once into DEBIAN_PKG_CACHE, shared by
# the builds of every variant (check-asan's and check-tsan's too), and
# removed by `make clean`.
DEBIAN_PKG_CACHE ?= build/debian-pkgs
export DEBIAN_PKG_CACHE

# Scripts make check runs after the test programs, each with its own
# "N passed, N failed" line (tests/run-tests adds them up).
CHECK_SCRIPTS += tests/clients/run tests/clients/libvirtd
