# unit.mk: extra flags for unit tests that drive the library's hooks from a
# real event library (included by the top Makefile).
GLIB_CFLAGS := $(shell pkg-config --cflags glib-2.0 2>/dev/null)
GLIB_LIBS   := $(shell pkg-config --libs glib-2.0 2>/dev/null)
$(BUILD)/tests/unit/ev/test_osevent_glib: TEST_CFLAGS += $(GLIB_CFLAGS)
$(BUILD)/tests/unit/ev/test_osevent_glib: CHECK_LIBS += $(GLIB_LIBS)
# The second event library (libev: no pkg-config file on Debian 12).
LIBEV_LIBS  := -lev
$(BUILD)/tests/unit/ev/test_osevent_libev: CHECK_LIBS += $(LIBEV_LIBS)
# An integration test that counts and refuses the library's own encoded
# xenstore requests (its pipelined transactions) wraps their encoder.
$(BUILD)/tests/integration/ops/test_device_faults: LDFLAGS += -Wl,--wrap=libxl__xswire_put_tx
