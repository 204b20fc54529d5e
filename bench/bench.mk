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
bench-build: $(BENCH_PROGS)
bench: bench-build
	$(BENCH_DIR)/death_bench

$(BENCH_DIR):
	mkdir -p $@

$(BENCH_DIR)/death_bench: bench/death_bench.c $(STATICLIB) $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) | $(BENCH_DIR)
	$(CC) $(CPPFLAGS) -Itests/sim $(CFLAGS) -o $@ $< $(BENCH_LINK) $(LDFLAGS) \
	    $(STATICLIB) $(LIB_LIBS)

# Debian's headers and library only: no -Iinclude, no lightcore.
$(BENCH_DIR)/death_bench_xen: bench/death_bench.c $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) | $(BENCH_DIR)
	$(CC) -I/usr/include -Itests/sim $(BASE_CFLAGS) -DBENCH_IS_XEN \
	    -DBENCH_LABEL='"libxl 4.17"' -o $@ $< $(BENCH_LINK) \
	    -l:libxenlight.so.4.17 -lxenctrl -lxenstore -lxentoollog
