# bench/bench.mk: benchmark programs (included by the top Makefile; not part
# of `make check`). `make bench` builds and runs them.
#   death_bench      against lightcore (this tree's static library)
#   death_bench_xen  the same source against Debian's libxenlight 4.17
# Both link the simulated host's fixture and preload library.

BENCH_DIR   := $(BUILD)/bench
BENCH_PROGS := $(BENCH_DIR)/death_bench $(BENCH_DIR)/death_bench_xen
BENCH_LINK   = $(SIM_FIXTURE_OBJS) -Wl,--no-as-needed $(SIM_PRELOAD) -Wl,--as-needed \
	-Wl,-rpath,$(abspath $(dir $(SIM_PRELOAD)))

.PHONY: bench bench-build
bench: bench-build
	$(BENCH_DIR)/death_bench

$(BENCH_DIR):
	mkdir -p $@

$(BENCH_DIR)/death_bench: bench/death_bench.c bench/bench_stats.h $(STATICLIB) $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) | $(BENCH_DIR)
	$(CC) $(CPPFLAGS) -Itests/sim $(CFLAGS) -o $@ $< $(BENCH_LINK) $(LDFLAGS) \
	    $(STATICLIB) $(LIB_LIBS)

# Debian's headers and library only: no -Iinclude, no lightcore.
$(BENCH_DIR)/death_bench_xen: bench/death_bench.c bench/bench_stats.h $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) | $(BENCH_DIR)
	$(CC) -I/usr/include -Itests/sim $(BASE_CFLAGS) -DBENCH_IS_XEN \
	    -DBENCH_LABEL='"libxl 4.17"' -o $@ $< $(BENCH_LINK) \
	    -l:libxenlight.so.4.17 -lxenctrl -lxenstore -lxentoollog

# ---- ops_bench (asynchronous operations; src/ao/ao.c, src/ops/domain_ops.c) ----
# One binary built against Debian's headers and library; it runs every
# measurement twice, with Debian's library and with lightcore's shared
# library (LD_LIBRARY_PATH, same soname), and prints them side by side.
BENCH_PROGS += $(BENCH_DIR)/ops_bench

.PHONY: bench-ops
bench: bench-ops
bench-ops: $(BENCH_DIR)/ops_bench $(SHLIB)
	$(BENCH_DIR)/ops_bench

$(BENCH_DIR)/ops_bench: bench/ops_bench.c bench/bench_stats.h $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) | $(BENCH_DIR)
	$(CC) -I/usr/include -Itests/sim $(BASE_CFLAGS) \
	    -DLIGHTCORE_LIBDIR='"$(abspath $(BUILD))"' -o $@ $< $(BENCH_LINK) \
	    -l:libxenlight.so.4.17 -lxenctrl -lxenstore -lxentoollog -lpthread

# ---- ABI drop-in probe for asynchronous operations (tests/abi/dropin_ops.c)
# Lives here for now because tests/abi has no fragment of its own. Built
# against Debian's headers and library; test_ao_dropin runs it with both
# libraries. Under sanitizers our shared library needs its runtime
# preloaded into the (uninstrumented) probe.
DROPIN_OPS := $(BUILD)/abi/dropin_ops
CHECK_EXTRA_DEPS += $(DROPIN_OPS)
SAN_RUNTIME := $(if $(findstring address,$(SANFLAGS)),$(shell $(CC) -print-file-name=libasan.so),$(if $(findstring thread,$(SANFLAGS)),$(shell $(CC) -print-file-name=libtsan.so)))

$(DROPIN_OPS): tests/abi/dropin_ops.c $(SIM_PRELOAD)
	mkdir -p $(dir $@)
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< \
	    -Wl,--no-as-needed $(SIM_PRELOAD) -Wl,--as-needed \
	    -Wl,-rpath,$(abspath $(dir $(SIM_PRELOAD))) \
	    -l:libxenlight.so.4.17 -lxenstore -lxentoollog

$(BUILD)/tests/integration/ops/test_ao_dropin: $(DROPIN_OPS) $(SHLIB)
$(BUILD)/tests/integration/ops/test_ao_dropin: TEST_CFLAGS += -DDROPIN_OPS='"$(abspath $(DROPIN_OPS))"' \
	-DLIGHTCORE_LIBDIR='"$(abspath $(BUILD))"' \
	$(if $(SAN_RUNTIME),-DSAN_RUNTIME='"$(SAN_RUNTIME)"')

# ---- child_bench (child processes; src/child/childproc.c) ----
# Spawn-and-reap throughput: the pidfd path, the SIGCHLD fallback and a
# bare posix_spawn+waitpid loop, in one run. Needs no simulated host.
BENCH_PROGS += $(BENCH_DIR)/child_bench

.PHONY: bench-child
bench: bench-child
bench-child: $(BENCH_DIR)/child_bench
	$(BENCH_DIR)/child_bench

$(BENCH_DIR)/child_bench: bench/child_bench.c $(STATICLIB) | $(BENCH_DIR)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) $(STATICLIB) $(LIB_LIBS)

# ---- json_bench (a domain_config's JSON round trip; src/types/) ----
# Built twice, like death_bench: against lightcore and against Debian's
# headers and library (json_bench_xen); the lightcore build runs both.
# It needs libxl_domain_config in libxl_types.idl, so it joins the bench
# once that type is there.
ifneq ($(shell grep -c '"domain_config"' libxl_types.idl),0)
BENCH_PROGS += $(BENCH_DIR)/json_bench $(BENCH_DIR)/json_bench_xen

.PHONY: bench-json
bench: bench-json
bench-json: $(BENCH_DIR)/json_bench $(BENCH_DIR)/json_bench_xen
	$(BENCH_DIR)/json_bench
endif

$(BENCH_DIR)/json_bench: bench/json_bench.c bench/bench_stats.h $(STATICLIB) $(GEN_HEADERS) | $(BENCH_DIR)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) $(STATICLIB) $(LIB_LIBS)

$(BENCH_DIR)/json_bench_xen: bench/json_bench.c bench/bench_stats.h | $(BENCH_DIR)
	$(CC) -I/usr/include $(BASE_CFLAGS) -DBENCH_IS_XEN -o $@ $< \
	    -l:libxenlight.so.4.17 -lxentoollog

# ---- config_bench (the stored configuration; src/ops/retrieve_config.c) ----
# xl list -l's loop (list, then libxl_retrieve_domain_configuration for each)
# over 1,000 domains with stored configurations, and Debian's xl list -l
# itself, on Debian's library and on lightcore's (LD_LIBRARY_PATH), turn
# about. Built against Debian's headers and library, like ops_bench.
BENCH_PROGS += $(BENCH_DIR)/config_bench

.PHONY: bench-config
bench: bench-config
bench-config: $(BENCH_DIR)/config_bench $(SHLIB)
	$(BENCH_DIR)/config_bench

$(BENCH_DIR)/config_bench: bench/config_bench.c bench/bench_stats.h $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) | $(BENCH_DIR)
	$(CC) -I/usr/include -Itests/sim $(BASE_CFLAGS) \
	    -DLIGHTCORE_LIBDIR='"$(abspath $(BUILD))"' -o $@ $< $(BENCH_LINK) \
	    -l:libxenlight.so.4.17 -lxenctrl -lxenstore -lxentoollog

# ---- device_bench (disk add+remove; src/ops/device_*.c, issue 17) ----
# Per add+remove of a disk with a trivial hotplug script: the library's CPU
# time and the xenstore requests it sends (counted at the client by
# xscount.so, preloaded into the measuring process only), and 16 adds to
# 16 domains from 4 threads against one after another. Built against
# Debian's headers and library, like config_bench; lightcore through
# LD_LIBRARY_PATH.
BENCH_PROGS += $(BENCH_DIR)/device_bench $(BENCH_DIR)/xscount.so

.PHONY: bench-device
bench: bench-device
bench-device: $(BENCH_DIR)/device_bench $(BENCH_DIR)/xscount.so $(SHLIB)
	$(BENCH_DIR)/device_bench

$(BENCH_DIR)/xscount.so: bench/xscount.c | $(BENCH_DIR)
	$(CC) $(BASE_CFLAGS) -fPIC -shared -o $@ $< -ldl -lpthread

$(BENCH_DIR)/device_bench: bench/device_bench.c bench/bench_stats.h $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) | $(BENCH_DIR)
	$(CC) -I/usr/include -Itests/sim $(BASE_CFLAGS) \
	    -DLIGHTCORE_LIBDIR='"$(abspath $(BUILD))"' \
	    -DXSCOUNT_LIB='"$(abspath $(BENCH_DIR))/xscount.so"' -o $@ $< $(BENCH_LINK) \
	    -l:libxenlight.so.4.17 -lxenctrl -lxenstore -lxentoollog -lpthread

# Last: make expands a rule's prerequisites where the rule is read, so this
# line must come after every BENCH_PROGS += above.
bench-build: $(BENCH_PROGS) $(SHLIB)
