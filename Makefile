# lightcore: a libxl 4.17-compatible event and child-process core.
#
# Targets:
#   make               library (build/libxenlight.so.4.17 + static archive), tools
#   make demo          the main job: lightxl against a simulated Xen host
#   make check         build everything and run every test suite
#   make check-asan    the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make check-tsan    the same under ThreadSanitizer
#   make check-one T=NAME   one test by name (tests/run-one; -asan, -tsan too)
#   make check-slow    the slower suite: Debian's compiled-in deadlines (tests/slow/slow.mk)
#   make fuzz          every from_json fuzzed, lightcore and Debian's libxl (tests/types/jsondiff.mk)
#   make bench         lightcore and Debian's libxl side by side (bench/bench.mk)
#   make install PREFIX=/usr/local   (library and headers in their own directories)
#
# Each area of the tree may add a fragment (*.mk) that extends TEST_PROGS and
# declares its own rules; see the "Fragments" section below.

BUILD    ?= build
PREFIX   ?= /usr/local
PYTHON   ?= python3
CC       ?= gcc
# WERROR=1 turns warnings into errors (CI sets it).
WERROR   ?=

XEN_LIBS  := -lxenctrl -lxenstore -lxenevtchn -lxentoollog -lxentoolcore -lxenhypfs -lxenguest
JSON_LIBS := -ljson-c -lyajl
UUID_LIBS := -luuid
YAJL_LIBS := -lyajl
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lm -lrt -lpthread)

WARNFLAGS   := -Wall -Wextra $(if $(filter 1,$(WERROR)),-Werror)
# Flags for code that must never carry a sanitizer (the simulator preload
# library, which is also LD_PRELOADed into Debian's xenstored).
BASE_CFLAGS := -std=gnu11 -g -O2 -fno-omit-frame-pointer -D_GNU_SOURCE $(WARNFLAGS)
# SANFLAGS is set by the check-asan / check-tsan variants.
SANFLAGS    ?=
CFLAGS      := $(BASE_CFLAGS) $(SANFLAGS)
CPPFLAGS    := -Iinclude -Isrc
# Every object also records the headers it read (build/obj/**/*.d).
DEPFLAGS    := -MMD -MP
LDFLAGS     := $(SANFLAGS)

SONAME    := libxenlight.so.4.17
SHLIB     := $(BUILD)/$(SONAME)
STATICLIB := $(BUILD)/liblightcore.a

# Generated type code (see gentypes.py).
GEN_HEADERS := include/_libxl_types.h include/_libxl_types_json.h
GEN_SOURCES := src/types/_libxl_types.c

# The library's layers, lowest first (src/LAYERS says the rule;
# scripts/check-layers enforces it).
LAYERS   := $(shell sed -e 's/\#.*//' src/LAYERS)
LIB_SRCS := $(sort $(filter-out $(GEN_SOURCES),$(wildcard src/*.c $(LAYERS:%=src/%/*.c))) \
	    $(GEN_SOURCES))
LIB_OBJS := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIB_HDRS := $(wildcard src/*.h $(LAYERS:%=src/%/*.h))
LIB_LIBS := $(XEN_LIBS) $(JSON_LIBS) $(YAJL_LIBS) $(UUID_LIBS) -lpthread

# Test programs mirror the library's layers: each tests/unit/LAYER/test_*.c
# (tests/unit/test_*.c for the composition root, src/ctx.c) and each
# tests/integration/LAYER/test_*.c is one Check program, built at the same
# place under $(BUILD)/tests/, and they run lowest layer first, the root's
# last. Fragments append further programs to TEST_PROGS.
UNIT_SRCS   := $(foreach l,$(LAYERS),$(sort $(wildcard tests/unit/$(l)/test_*.c))) \
	       $(sort $(wildcard tests/unit/test_*.c))
INTEG_SRCS  := $(foreach l,$(LAYERS),$(sort $(wildcard tests/integration/$(l)/test_*.c)))
UNIT_TESTS  := $(patsubst tests/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
INTEG_TESTS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(INTEG_SRCS))
# A test folder is named after the layer it tests; an integration test has
# no root of its own (it would not be built).
TEST_FOLDERS := $(sort $(patsubst %/,%,$(dir $(wildcard tests/unit/*/* tests/integration/*/*))))
ifneq ($(filter-out $(LAYERS:%=tests/unit/%) $(LAYERS:%=tests/integration/%),$(TEST_FOLDERS)),)
$(error test folders not named after a layer of src/LAYERS: $(filter-out $(LAYERS:%=tests/unit/%) $(LAYERS:%=tests/integration/%),$(TEST_FOLDERS)))
endif
ifneq ($(wildcard tests/integration/*.c),)
$(error integration tests belong in tests/integration/LAYER/: $(wildcard tests/integration/*.c))
endif
# The shared main's own test comes first: tests/common/test_testmain.c.
HARNESS_TEST := $(BUILD)/tests/common/test_testmain
TEST_PROGS  := $(HARNESS_TEST) $(UNIT_TESTS) $(INTEG_TESTS)
TOOLS       :=
CHECK_SCRIPTS :=

.PHONY: all lib tools check check-asan check-tsan check-one check-one-asan check-one-tsan \
	test-list install clean deps distclean demo
all: lib tools

# ---------------------------------------------------------------- fragments
# Each fragment may use BUILD, CC, CFLAGS, BASE_CFLAGS, CPPFLAGS, LDFLAGS,
# STATICLIB, LIB_LIBS, CHECK_LIBS and append to TEST_PROGS, TOOLS and
# CHECK_SCRIPTS (test scripts make check runs after the programs).
-include gen.mk
-include tests/unit/unit.mk
-include tests/abi/abi.mk
-include tests/types/jsondiff.mk
-include tests/realxen/realxen.mk
-include tests/sim/sim.mk
-include tools/tools.mk
-include bench/bench.mk
-include tests/clients/clients.mk
-include tests/slow/slow.mk

# ---------------------------------------------------------------- deps
# Install missing Debian packages (no-op when everything is present).
deps:
	@scripts/install-deps

# ---------------------------------------------------------------- library
lib: $(BUILD)/api-rules.ok $(BUILD)/layers.ok $(SHLIB) $(BUILD)/libxenlight.so $(STATICLIB)

# The build fails if a file of a layer includes a header of a higher one.
$(BUILD)/layers.ok: scripts/check-layers src/LAYERS $(LIB_SRCS) $(LIB_HDRS) | $(BUILD)/obj
	scripts/check-layers src
	touch $@

# The build fails if a public function that takes libxl_asyncop_how or
# drives the event loop lacks LIBXL_EXTERNAL_CALLERS_ONLY.
$(BUILD)/api-rules.ok: scripts/check-api-rules $(GEN_HEADERS) $(wildcard include/*.h) | $(BUILD)/obj
	scripts/check-api-rules -Iinclude include/libxl.h
	touch $@

# Objects mirror the source tree; the generated header comes first because
# every object may read it before its .d file exists.
$(BUILD)/obj/%.o: src/%.c $(GEN_HEADERS) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -fPIC -fvisibility=hidden \
	    -include src/base/export.h -c $< -o $@

-include $(LIB_OBJS:.o=.d)

$(SHLIB): $(LIB_OBJS) src/libxenlight.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/libxenlight.map \
	    -Wl,-z,defs -o $@ $(LIB_OBJS) $(LDFLAGS) $(LIB_LIBS)

$(BUILD)/libxenlight.so: $(SHLIB)
	ln -sf $(SONAME) $@

$(STATICLIB): $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

# ---------------------------------------------------------------- tests
TEST_CFLAGS := $(CFLAGS) $(shell pkg-config --cflags check 2>/dev/null)

# Every test program is its test file linked with the objects of
# tests/common (the shared main, testmain.c, and helpers), compiled once
# per build; the layers' test helpers are named with their layer
# ("ev/ev_testutil.h" is tests/unit/ev/ev_testutil.h). One source per
# compilation, so each .d file records all the headers its object or
# program read. The common objects have flags of their own: a program's
# target-specific flags (unit.mk, bench.mk) must not reach them.
TEST_COMMON_SRCS   := $(filter-out tests/common/test_%.c,$(wildcard tests/common/*.c))
TEST_COMMON_OBJS   := $(patsubst tests/common/%.c,$(BUILD)/tests/common/%.o,$(TEST_COMMON_SRCS))
TEST_CPPFLAGS      := $(CPPFLAGS) -Itests/common -Itests/unit
TEST_COMMON_CFLAGS := $(TEST_CFLAGS)

$(TEST_COMMON_OBJS): $(BUILD)/tests/common/%.o: tests/common/%.c $(GEN_HEADERS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(TEST_COMMON_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/tests/unit/%: tests/unit/%.c $(STATICLIB) $(TEST_COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) $(TEST_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ \
	    -o $@ $< $(TEST_COMMON_OBJS) $(LDFLAGS) $(STATICLIB) $(LIB_LIBS) $(CHECK_LIBS)

# Integration programs also link the simulated host's fixture and preload
# library (placed first, so it interposes on libxencall and friends).
$(BUILD)/tests/integration/%: tests/integration/%.c $(STATICLIB) $(SIM_FIXTURE_OBJS) $(SIM_PRELOAD) \
		$(TEST_COMMON_OBJS)
	@mkdir -p $(@D)
	$(CC) $(TEST_CPPFLAGS) -Itests/sim $(TEST_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ \
	    -o $@ $< $(TEST_COMMON_OBJS) \
	    $(SIM_FIXTURE_OBJS) $(LDFLAGS) -Wl,--no-as-needed $(SIM_PRELOAD) -Wl,--as-needed \
	    -Wl,-rpath,$(abspath $(dir $(SIM_PRELOAD))) $(STATICLIB) $(LIB_LIBS) $(CHECK_LIBS)

# The registry and main() tested alone, without the library.
$(HARNESS_TEST): tests/common/test_testmain.c $(BUILD)/tests/common/testmain.o
	@mkdir -p $(@D)
	$(CC) -Itests/common $(TEST_CFLAGS) $(DEPFLAGS) -MF $@.d -MT $@ \
	    -o $@ $< $(BUILD)/tests/common/testmain.o $(LDFLAGS) $(CHECK_LIBS)

# The headers each test program and common object read (written by its
# compilation).
-include $(addsuffix .d,$(HARNESS_TEST) $(UNIT_TESTS) $(INTEG_TESTS)) \
	 $(TEST_COMMON_OBJS:.o=.d)

tools: $(TOOLS)

# The README's main job: lightxl against a private simulated Xen host.
demo: deps
	BUILD=$(BUILD) tools/demo

check: deps
	$(MAKE) all $(TEST_PROGS) $(CHECK_EXTRA_DEPS) test-list
	BUILD_DIR=$(BUILD) SAN_PRELOAD="$(SAN_PRELOAD)" tests/run-tests tests/static/run tests/static/surface $(TEST_PROGS) \
	    $(CHECK_SCRIPTS) tests/sim/run-unprivileged

# One test by name (several: T="NAME NAME:I ..."), wherever it is; see
# tests/run-one.
check-one: deps
	$(if $(strip $(T)),,$(error usage: make check-one T=NAME (tests/run-one --list lists the names)))
	$(MAKE) all $(TEST_PROGS) $(CHECK_EXTRA_DEPS) test-list
	BUILD_DIR=$(BUILD) SAN_PRELOAD="$(SAN_PRELOAD)" tests/run-one $(T)

# The test programs, one a line, for tests/run-one (its test_* programs
# are the ones built with tests/common/testmain.c).
test-list: | $(BUILD)/tests
	@printf '%s\n' $(TEST_PROGS) > $(BUILD)/tests/test-programs

# SAN_PRELOAD: the sanitizer runtime, preloaded when a test runs a program
# that is not instrumented (Debian's binaries) on the instrumented library.
ASAN_MAKE = $(MAKE) BUILD=build/asan SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	    SAN_PRELOAD="$$($(CC) -print-file-name=libasan.so)"
TSAN_MAKE = $(MAKE) BUILD=build/tsan SANFLAGS="-fsanitize=thread" \
	    SAN_PRELOAD="$$($(CC) -print-file-name=libtsan.so)"

check-asan: deps
	$(ASAN_MAKE) check

check-tsan: deps
	$(TSAN_MAKE) check

check-one-asan: deps
	$(ASAN_MAKE) check-one

check-one-tsan: deps
	$(TSAN_MAKE) check-one

# ---------------------------------------------------------------- install
LIBDIR_INST := $(PREFIX)/lib/lightcore
INCDIR_INST := $(PREFIX)/include/lightcore
PCDIR_INST  := $(PREFIX)/lib/lightcore/pkgconfig

install: lib
	install -d $(DESTDIR)$(LIBDIR_INST) $(DESTDIR)$(INCDIR_INST) $(DESTDIR)$(PCDIR_INST)
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR_INST)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR_INST)/libxenlight.so
	install -m 644 $(STATICLIB) $(DESTDIR)$(LIBDIR_INST)/
	install -m 644 include/*.h $(DESTDIR)$(INCDIR_INST)/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR_INST)|g' \
	    -e 's|@INCDIR@|$(INCDIR_INST)|g' xenlight.pc.in > $(DESTDIR)$(PCDIR_INST)/xenlight.pc

clean:
	rm -rf build $(GEN_HEADERS) $(GEN_SOURCES)

distclean: clean
