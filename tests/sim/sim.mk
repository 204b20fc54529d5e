# tests/sim/sim.mk: the simulated Xen host (included by the top Makefile).
# Builds the preload library, the xensim CLI, the test fixture object and
# the simulator's own test programs. Never built with sanitizers: the
# library is also LD_PRELOADed into Debian's xenstored.

SIM_DIR          := $(BUILD)/sim
SIM_PRELOAD      := $(SIM_DIR)/libxensim.so
SIM_CLI          := $(SIM_DIR)/xensim
SIM_FIXTURE_OBJS := $(SIM_DIR)/simhost.o
# The fake /sys/bus/pci (a FUSE file system in a private mount namespace)
SIM_FAKESYSFS    := $(SIM_DIR)/fakesysfs
# A tiny PV and PVH guest kernel (ELF with Xen's notes)
SIM_KERNEL       := $(SIM_DIR)/minikernel

SIM_CFLAGS   := $(BASE_CFLAGS) -Itests/sim
SIM_LIB_SRCS := state evtchn gnttab hypercall dummy hc_vcpu hc_mem hc_host hc_cpupool hc_absent hc_pci hc_physdev \
                guestmem hc_domctl_create hc_memop
SIM_CLI_SRCS := cli toolstack host guest xsclient memcli hostcmd xbdev backend frontend netlink xenbus domwatch
SIM_HEADERS  := $(wildcard tests/sim/*.h)
SIM_TESTS    := $(SIM_DIR)/test_sim_host $(SIM_DIR)/test_sim_libxl \
                $(SIM_DIR)/test_sim_hc_host $(SIM_DIR)/test_sim_devices \
                $(SIM_DIR)/test_sim_hc_pci $(SIM_DIR)/test_sim_realfacts \
                $(SIM_DIR)/test_sim_build

TEST_PROGS       += $(SIM_TESTS)
CHECK_EXTRA_DEPS += sim

.PHONY: sim
sim: $(SIM_PRELOAD) $(SIM_CLI) $(SIM_FIXTURE_OBJS) $(SIM_TESTS) $(SIM_FAKESYSFS) $(SIM_KERNEL)

# The guest kernel image the domain builders load (tests/sim/kernel): made
# here from assembly, never downloaded; it never runs.
$(SIM_KERNEL): tests/sim/kernel/minikernel.S tests/sim/kernel/minikernel.lds | $(SIM_DIR)
	$(CC) -c tests/sim/kernel/minikernel.S -o $(SIM_DIR)/minikernel.o
	$(LD) -nostdlib -T tests/sim/kernel/minikernel.lds -z max-page-size=4096 \
	    -o $@ $(SIM_DIR)/minikernel.o

$(SIM_FAKESYSFS): tests/sim/fakesysfs.c | $(SIM_DIR)
	$(CC) $(SIM_CFLAGS) -o $@ $<

$(SIM_DIR):
	mkdir -p $@

$(SIM_DIR)/lib_%.o: tests/sim/%.c $(SIM_HEADERS) | $(SIM_DIR)
	$(CC) $(SIM_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(SIM_DIR)/cli_%.o: tests/sim/%.c $(SIM_HEADERS) | $(SIM_DIR)
	$(CC) $(SIM_CFLAGS) -c $< -o $@

$(SIM_PRELOAD): $(patsubst %,$(SIM_DIR)/lib_%.o,$(SIM_LIB_SRCS))
	$(CC) -shared -Wl,-soname,libxensim.so -Wl,-z,defs -o $@ $^ -lpthread

$(SIM_CLI): $(patsubst %,$(SIM_DIR)/cli_%.o,$(SIM_CLI_SRCS)) $(SIM_PRELOAD)
	$(CC) -o $@ $(filter %.o,$^) -L$(SIM_DIR) -lxensim -Wl,-rpath,'$$ORIGIN'

# The fixture runs the CLI (by absolute path) to start and drive hosts.
$(SIM_FIXTURE_OBJS): tests/sim/simhost.c $(SIM_HEADERS) | $(SIM_DIR) $(SIM_CLI)
	$(CC) $(SIM_CFLAGS) -DSIMHOST_CLI='"$(abspath $(SIM_CLI))"' -c $< -o $@

# The simulator's own tests: Check programs, the preload linked first.
# They share tests/common/testmain.c (and nothing else of tests/common:
# test_sim_libxl is built against Debian's headers, not ours).
SIM_TESTMAIN := tests/common/testmain.c tests/common/testmain.h
SIM_TEST_LINK = -Wl,--no-as-needed $(SIM_PRELOAD) -Wl,--as-needed \
	-Wl,-rpath,$(abspath $(SIM_DIR))

$(SIM_DIR)/test_sim_host: tests/sim/test_sim_host.c $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) $(SIM_HEADERS) $(SIM_TESTMAIN)
	$(CC) $(SIM_CFLAGS) -Itests/common $(shell pkg-config --cflags check 2>/dev/null) -o $@ $< \
	    $(filter %.c,$(SIM_TESTMAIN)) $(SIM_FIXTURE_OBJS) $(SIM_TEST_LINK) -lxenctrl -lxenstore $(CHECK_LIBS)

# Linked against Debian's real libxenlight and its headers (not ours).
$(SIM_DIR)/test_sim_libxl: tests/sim/test_sim_libxl.c $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) $(SIM_HEADERS) $(SIM_TESTMAIN)
	$(CC) $(SIM_CFLAGS) -Itests/common $(shell pkg-config --cflags check 2>/dev/null) -o $@ $< \
	    $(filter %.c,$(SIM_TESTMAIN)) $(SIM_FIXTURE_OBJS) $(SIM_TEST_LINK) \
	    -l:libxenlight.so.4.17 -lxenctrl -lxentoollog $(CHECK_LIBS)

# The device drivers (backend.c, frontend.c) under Debian's libxenlight.
$(SIM_DIR)/test_sim_devices: tests/sim/test_sim_devices.c $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) $(SIM_HEADERS) $(SIM_TESTMAIN)
	$(CC) $(SIM_CFLAGS) -Itests/common $(shell pkg-config --cflags check 2>/dev/null) -o $@ $< \
	    $(filter %.c,$(SIM_TESTMAIN)) $(SIM_FIXTURE_OBJS) $(SIM_TEST_LINK) \
	    -l:libxenlight.so.4.17 -lxenstore -lxenctrl -lxentoollog $(CHECK_LIBS)

# The host-wide hypercalls (hc_host.c), through libxenctrl and libxenhypfs.
$(SIM_DIR)/test_sim_hc_host: tests/sim/test_sim_hc_host.c $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) $(SIM_HEADERS) $(SIM_TESTMAIN)
	$(CC) $(SIM_CFLAGS) -Itests/common $(shell pkg-config --cflags check 2>/dev/null) -o $@ $< \
	    $(filter %.c,$(SIM_TESTMAIN)) $(SIM_FIXTURE_OBJS) $(SIM_TEST_LINK) -lxenctrl -lxenhypfs $(CHECK_LIBS)

# Device assignment (hc_pci.c), through libxenctrl.
$(SIM_DIR)/test_sim_hc_pci: tests/sim/test_sim_hc_pci.c $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) $(SIM_HEADERS) $(SIM_TESTMAIN)
	$(CC) $(SIM_CFLAGS) -Itests/common $(shell pkg-config --cflags check 2>/dev/null) -o $@ $< \
	    $(filter %.c,$(SIM_TESTMAIN)) $(SIM_FIXTURE_OBJS) $(SIM_TEST_LINK) -lxenctrl $(CHECK_LIBS)

# tests/realxen/rxfacts (the facts make check-xen checks on real Xen) run on
# the simulated host: it must pass there as well.
$(SIM_DIR)/test_sim_realfacts: tests/sim/test_sim_realfacts.c $(BUILD)/realxen/rxfacts $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) $(SIM_HEADERS) $(SIM_TESTMAIN)
	$(CC) $(SIM_CFLAGS) -Itests/common $(shell pkg-config --cflags check 2>/dev/null) \
	    -DRXFACTS_PATH='"$(abspath $(BUILD)/realxen/rxfacts)"' \
	    -DSIM_PRELOAD_PATH='"$(abspath $(SIM_PRELOAD))"' -o $@ $< \
	    $(filter %.c,$(SIM_TESTMAIN)) $(SIM_FIXTURE_OBJS) $(SIM_TEST_LINK) $(CHECK_LIBS)

# Domains made and built by Debian's libxenlight from the tiny kernel.
$(SIM_DIR)/test_sim_build: tests/sim/test_sim_build.c $(SIM_KERNEL) $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) $(SIM_HEADERS) $(SIM_TESTMAIN)
	$(CC) $(SIM_CFLAGS) -Itests/common $(shell pkg-config --cflags check 2>/dev/null) \
	    -DSIM_KERNEL_PATH='"$(abspath $(SIM_KERNEL))"' -o $@ $< \
	    $(filter %.c,$(SIM_TESTMAIN)) $(SIM_FIXTURE_OBJS) $(SIM_TEST_LINK) \
	    -l:libxenlight.so.4.17 -lxenctrl -lxenstore -lxentoollog $(CHECK_LIBS)
