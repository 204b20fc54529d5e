# realxen.mk: `make check-xen`, the suite on a real Xen 4.17 hypervisor
# booted under qemu-system-x86_64 (TCG), with a dom0 built at test time
# from Debian packages. See tests/realxen/run. Included by the top Makefile.
#
# rx-ours:   tests/realxen/rxtest.c against lightcore's headers, linked to
#            lightcore's libxenlight.so.4.17 (found in dom0 through its
#            rpath, /opt/lightcore/lib);
# rx-debian: the same source against Debian's headers and libxenlight;
# rxpty:     the lightcore-only pty probe (tests/realxen/rxpty.c), against
#            lightcore's internal headers, linked to liblightcore.a;
# rxfacts:   the hypervisor facts tests/sim models (tests/realxen/rxfacts.c),
#            against Debian's headers and libraries only.
REALXEN_DIR    := $(BUILD)/realxen
RX_OURS        := $(REALXEN_DIR)/rx-ours
RX_DEBIAN      := $(REALXEN_DIR)/rx-debian
RX_PTY         := $(REALXEN_DIR)/rxpty
RX_FACTS       := $(REALXEN_DIR)/rxfacts
RX_GUEST_LIBS  := -lxenstore -lxentoollog

.PHONY: check-xen realxen-progs

$(REALXEN_DIR):
	mkdir -p $@

$(RX_OURS): tests/realxen/rxtest.c $(SHLIB) | $(REALXEN_DIR)
	$(CC) $(CPPFLAGS) $(BASE_CFLAGS) -o $@ $< -L$(BUILD) \
	    -Wl,-rpath,/opt/lightcore/lib -lxenlight $(RX_GUEST_LIBS)

$(RX_DEBIAN): tests/realxen/rxtest.c | $(REALXEN_DIR)
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight $(RX_GUEST_LIBS)

$(RX_PTY): tests/realxen/rxpty.c $(STATICLIB) | $(REALXEN_DIR)
	$(CC) $(CPPFLAGS) $(BASE_CFLAGS) -o $@ $< $(STATICLIB) $(LIB_LIBS)

$(RX_FACTS): tests/realxen/rxfacts.c | $(REALXEN_DIR)
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxenctrl \
	    -lxencall -lxenhypfs $(RX_GUEST_LIBS)

realxen-progs: $(RX_OURS) $(RX_DEBIAN) $(RX_PTY) $(RX_FACTS)

check-xen: deps
	$(MAKE) lib realxen-progs
	BUILD=$(BUILD) RX_SHLIB=$(SHLIB) RX_OURS=$(RX_OURS) RX_DEBIAN=$(RX_DEBIAN) \
	    RX_PTY=$(RX_PTY) RX_FACTS=$(RX_FACTS) tests/realxen/run
