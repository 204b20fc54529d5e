# tests/types/jsondiff.mk: the JSON differential test and the JSON fuzzers
# (included by the top Makefile). tests/types/gen_jsondiff.py writes the
# per-type half of the test program from libxl_types.idl; the program is
# built twice from the same sources, against Debian's headers and
# libxenlight 4.17 (no -Iinclude) and against lightcore, and
# tests/types/jsondiff-check compares the two (make check runs it as
# types-jsondiff-check). `make fuzz` is the long fuzz run (tests/types/fuzz-run).

JD_DIR     := $(BUILD)/tests/types
JD_GEN_C   := $(JD_DIR)/jsondiff_types.c
JD_CASES   := $(JD_DIR)/jsondiff_cases
JD_SRCS    := tests/types/jsondiff_main.c tests/types/jsondiff_rt.c
JD_HDRS    := tests/types/jsondiff.h
JD_DEBIAN  := $(JD_DIR)/jsondiff-debian
JD_OURS    := $(JD_DIR)/jsondiff-ours
JD_CHECK   := $(BUILD)/tests/types-jsondiff-check

$(JD_GEN_C) $(JD_CASES) &: tests/types/gen_jsondiff.py libxl_types.idl idl.py
	@mkdir -p $(JD_DIR)
	$(PYTHON) tests/types/gen_jsondiff.py libxl_types.idl $(JD_GEN_C) $(JD_CASES)

$(JD_DEBIAN): $(JD_SRCS) $(JD_HDRS) $(JD_GEN_C)
	$(CC) -I/usr/include -Itests/types -DJD_DEBIAN $(CFLAGS) -o $@ $(JD_SRCS) $(JD_GEN_C) \
	    $(LDFLAGS) -lxenlight -lxentoollog -lyajl

$(JD_OURS): $(JD_SRCS) $(JD_HDRS) $(JD_GEN_C) $(STATICLIB) $(GEN_HEADERS)
	$(CC) $(CPPFLAGS) -Itests/types $(CFLAGS) -o $@ $(JD_SRCS) $(JD_GEN_C) \
	    $(LDFLAGS) $(STATICLIB) $(LIB_LIBS)

$(JD_CHECK): tests/types/jsondiff-check $(JD_DEBIAN) $(JD_OURS) $(JD_CASES) | $(BUILD)/tests
	printf '#!/bin/sh\nexec %s %s %s %s\n' "$(abspath tests/types/jsondiff-check)" \
	    "$(abspath $(JD_DEBIAN))" "$(abspath $(JD_OURS))" "$(abspath $(JD_CASES))" > $@
	chmod +x $@

TEST_PROGS += $(JD_CHECK)

# ---- make fuzz: a build of its own (clang, ASan + UBSan, libFuzzer's
# coverage when clang has it) in build/fuzz; see tests/types/fuzz-run.
FUZZ_RUNS        ?= 100000
FUZZ_DEBIAN_RUNS ?= 1000
FUZZ_SAN         := -fsanitize=address,undefined -fno-sanitize-recover=undefined
HAVE_LIBFUZZER    = $(shell printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { (void)d; return (int)n * 0; }\n' | \
		      clang -fsanitize=fuzzer -x c - -o /dev/null 2>/dev/null && echo 1)

.PHONY: fuzz fuzz-build
fuzz: deps
	$(MAKE) BUILD=build/fuzz CC=clang \
	    SANFLAGS="$(FUZZ_SAN) $(if $(HAVE_LIBFUZZER),-fsanitize=fuzzer-no-link)" \
	    fuzz-build $(if $(HAVE_LIBFUZZER),build/fuzz/tests/types/jsonfuzz)
	tests/types/fuzz-run build/fuzz/tests/types $(FUZZ_RUNS) $(FUZZ_DEBIAN_RUNS)

fuzz-build: $(JD_DEBIAN) $(JD_OURS)

$(JD_DIR)/jsonfuzz: tests/types/jsonfuzz.c tests/types/jsondiff_rt.c $(JD_HDRS) $(JD_GEN_C) \
		$(STATICLIB) $(GEN_HEADERS)
	$(CC) $(CPPFLAGS) -Itests/types $(CFLAGS) -fsanitize=fuzzer -o $@ tests/types/jsonfuzz.c \
	    tests/types/jsondiff_rt.c $(JD_GEN_C) $(LDFLAGS) $(STATICLIB) $(LIB_LIBS)
