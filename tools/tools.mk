# tools.mk: the command-line tools. lightxl links the shared library the
# way an outside toolstack would (-lxenlight), with an rpath to build/.
LIGHTXL := $(BUILD)/lightxl
TOOLS += $(LIGHTXL)

$(LIGHTXL): tools/lightxl.c $(SHLIB) $(BUILD)/libxenlight.so
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog
