# tests/slow/slow.mk: the slower suite (included by the top Makefile), run
# by `make check-slow` and by CI after `make check`: lightcore beside
# Debian's libxenlight where Debian's library waits its compiled-in
# deadlines (10 s for a backend, 40 s for a hotplug script, 10 + 10 s for
# a removal), so not in `make check`. Each tests/slow/test_*.c is a Check
# program built as the integration tests are (the simulated host's fixture
# linked in); `build/tests/slow/test_X NAME` runs one test.
SLOW_SRCS  := $(sort $(wildcard tests/slow/test_*.c))
SLOW_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(SLOW_SRCS))

# dropin-faults: the probe of a disk add or remove that goes wrong
# (tests/abi/dropin_faults.c), built against Debian's headers and library;
# the slow tests run it there and on lightcore (ABI).
DROPIN_FAULTS_DEBIAN := $(BUILD)/tests/dropin-faults-debian

$(DROPIN_FAULTS_DEBIAN): tests/abi/dropin_faults.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(BUILD)/tests/slow/%: tests/slow/%.c $(STATICLIB) $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) \
		$(TEST_COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) -Itests/sim $(TEST_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ \
	    -o $@ $< $(TEST_COMMON_OBJS) \
	    $(SIM_FIXTURE_OBJS) $(LDFLAGS) -Wl,--no-as-needed $(SIM_PRELOAD) -Wl,--as-needed \
	    -Wl,-rpath,$(abspath $(dir $(SIM_PRELOAD))) $(STATICLIB) $(LIB_LIBS) $(CHECK_LIBS)

-include $(addsuffix .d,$(SLOW_TESTS))

.PHONY: check-slow
check-slow: deps
	$(MAKE) all $(SLOW_TESTS) $(DROPIN_FAULTS_DEBIAN) sim
	BUILD_DIR=$(BUILD) SAN_PRELOAD="$(SAN_PRELOAD)" tests/run-tests $(SLOW_TESTS)
