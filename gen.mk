# gen.mk: the generated type code (gentypes.py over libxl_types.idl) and
# the helper programs of the type tests that compare lightcore with
# Debian's libxenlight 4.17 (included by the top Makefile).

$(GEN_HEADERS) $(GEN_SOURCES) &: libxl_types.idl idl.py gentypes.py
	$(PYTHON) gentypes.py libxl_types.idl include/_libxl_types.h include/_libxl_types_json.h \
	    src/types/_libxl_types.c

# tests/types/typedump.c prints struct layouts ("layout") and to_json text
# ("json") for a fixed set of values. It is built twice from the same
# source: against Debian's headers and system library, and against ours.
# The Debian build must not see include/ (so no $(CPPFLAGS)).
TYPEDUMP_DEBIAN := $(BUILD)/tests/typedump-debian
TYPEDUMP_OURS   := $(BUILD)/tests/typedump-ours

# Its per-type part is generated from the IDL, so every type is covered.
TYPEDUMP_TYPES := $(BUILD)/tests/typedump_types.h

$(TYPEDUMP_TYPES): tests/types/gen-typedump.py libxl_types.idl idl.py | $(BUILD)/tests
	$(PYTHON) tests/types/gen-typedump.py libxl_types.idl $@

$(TYPEDUMP_DEBIAN): tests/types/typedump.c $(TYPEDUMP_TYPES) | $(BUILD)/tests
	$(CC) -I/usr/include -I$(BUILD)/tests $(CFLAGS) -o $@ $< $(LDFLAGS) -lxenlight -lxentoollog -lyajl

$(TYPEDUMP_OURS): tests/types/typedump.c $(TYPEDUMP_TYPES) $(STATICLIB) $(GEN_HEADERS) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -I$(BUILD)/tests $(CFLAGS) -o $@ $< $(LDFLAGS) $(STATICLIB) $(LIB_LIBS)

# Each check is a one-line wrapper so run-tests can run it without arguments.
$(BUILD)/tests/types-layout-check $(BUILD)/tests/types-json-check \
		$(BUILD)/tests/types-init-check: \
		$(BUILD)/tests/types-%-check: tests/types/compare-outputs \
		$(TYPEDUMP_DEBIAN) $(TYPEDUMP_OURS) | $(BUILD)/tests
	printf '#!/bin/sh\nexec %s %s %s %s %s\n' "$(abspath tests/types/compare-outputs)" \
	    types-$* $* "$(abspath $(TYPEDUMP_DEBIAN))" "$(abspath $(TYPEDUMP_OURS))" > $@
	chmod +x $@

TEST_PROGS += $(BUILD)/tests/types-layout-check $(BUILD)/tests/types-json-check \
	      $(BUILD)/tests/types-init-check

# tests/types/builtindump.c prints the builtin types' gen_json text ("gen"),
# what their parsers make of fixed texts ("parse") and what xl's cpuid=
# settings make ("cpuid"), built the same two ways; the Debian build reads
# Debian's libxl_json.h and xenctrl.h.
BUILTINDUMP_DEBIAN := $(BUILD)/tests/builtindump-debian
BUILTINDUMP_OURS   := $(BUILD)/tests/builtindump-ours

$(BUILTINDUMP_DEBIAN): tests/types/builtindump.c | $(BUILD)/tests
	$(CC) -I/usr/include $(CFLAGS) -o $@ $< $(LDFLAGS) -lxenlight -lxentoollog -lyajl

$(BUILTINDUMP_OURS): tests/types/builtindump.c $(STATICLIB) $(GEN_HEADERS) | $(BUILD)/tests
	$(CC) -DLC_OURS $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) $(STATICLIB) $(LIB_LIBS)

$(BUILD)/tests/types-builtin-gen-check $(BUILD)/tests/types-builtin-parse-check \
		$(BUILD)/tests/types-builtin-cpuid-check: \
		$(BUILD)/tests/types-builtin-%-check: tests/types/compare-outputs \
		$(BUILTINDUMP_DEBIAN) $(BUILTINDUMP_OURS) | $(BUILD)/tests
	printf '#!/bin/sh\nexec %s %s %s %s %s\n' "$(abspath tests/types/compare-outputs)" \
	    types-builtin-$* $* "$(abspath $(BUILTINDUMP_DEBIAN))" "$(abspath $(BUILTINDUMP_OURS))" > $@
	chmod +x $@

TEST_PROGS += $(BUILD)/tests/types-builtin-gen-check $(BUILD)/tests/types-builtin-parse-check \
	      $(BUILD)/tests/types-builtin-cpuid-check

# The ABI check: the Debian build bound to lightcore's library prints the
# same JSON as with Debian's (gen_json into the program's own yajl handle
# included).
$(BUILD)/tests/types-abi-json-check: tests/types/compare-outputs \
		tests/types/typedump-on-lightcore $(TYPEDUMP_DEBIAN) $(SHLIB) | $(BUILD)/tests
	printf '#!/bin/sh\nexec %s %s %s %s\n' "$(abspath tests/types/typedump-on-lightcore)" \
	    "$(abspath $(BUILD))" "$(abspath $(TYPEDUMP_DEBIAN))" '"$$1"' > $@.run
	chmod +x $@.run
	printf '#!/bin/sh\nexec %s %s %s %s %s\n' "$(abspath tests/types/compare-outputs)" \
	    types-abi-json json "$(abspath $(TYPEDUMP_DEBIAN))" "$(abspath $@.run)" > $@
	chmod +x $@

TEST_PROGS += $(BUILD)/tests/types-abi-json-check

# The functions each type exports, against the IDL's options and Debian's
# library.
$(BUILD)/tests/types-functions-check: tests/types/check-functions $(SHLIB) | $(BUILD)/tests
	printf '#!/bin/sh\nexec %s %s %s %s\n' "$(abspath tests/types/check-functions)" \
	    "$(abspath libxl_types.idl)" /usr/lib/x86_64-linux-gnu/libxenlight.so.4.17 \
	    "$(abspath $(SHLIB))" > $@
	chmod +x $@

TEST_PROGS += $(BUILD)/tests/types-functions-check
