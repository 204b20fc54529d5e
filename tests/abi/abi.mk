# abi.mk: the drop-in probes (included by the top Makefile).
# dropin-debian: Debian's headers and Debian's libxenlight. Run as it is, and
#   with LD_LIBRARY_PATH=$(BUILD) so it binds to lightcore instead (ABI).
# dropin-ours: the same source compiled against lightcore's headers (API).
DROPIN_DEBIAN := $(BUILD)/tests/dropin-debian
DROPIN_OURS   := $(BUILD)/tests/dropin-ours

$(DROPIN_DEBIAN): tests/abi/dropin.c | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog

$(DROPIN_OURS): tests/abi/dropin.c $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog

CHECK_EXTRA_DEPS += $(DROPIN_DEBIAN) $(DROPIN_OURS)

# dropin-utils: the probe of libxl_utils.h's helpers and the builtin types'
# (tests/abi/dropin_utils.c), built the same two ways.
DROPIN_UTILS_DEBIAN := $(BUILD)/tests/dropin-utils-debian
DROPIN_UTILS_OURS   := $(BUILD)/tests/dropin-utils-ours

$(DROPIN_UTILS_DEBIAN): tests/abi/dropin_utils.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog -lyajl

$(DROPIN_UTILS_OURS): tests/abi/dropin_utils.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lyajl

CHECK_EXTRA_DEPS += $(DROPIN_UTILS_DEBIAN) $(DROPIN_UTILS_OURS)

# dropin-vcpu: the probe of vcpus, affinities and scheduling
# (tests/abi/dropin_vcpu.c), built the same two ways; it reads the
# hypervisor's state through Debian's libxenctrl directly.
DROPIN_VCPU_DEBIAN := $(BUILD)/tests/dropin-vcpu-debian
DROPIN_VCPU_OURS   := $(BUILD)/tests/dropin-vcpu-ours

$(DROPIN_VCPU_DEBIAN): tests/abi/dropin_vcpu.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxenctrl -lxenstore -lxentoollog

$(DROPIN_VCPU_OURS): tests/abi/dropin_vcpu.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxenctrl -lxenstore -lxentoollog

CHECK_EXTRA_DEPS += $(DROPIN_VCPU_DEBIAN) $(DROPIN_VCPU_OURS)

# dropin-mem: the probe of memory settings, triggers, sysrq, rename,
# preserve and the VM questions (tests/abi/dropin_mem.c), built the same
# two ways; it reads the host's state through libxenctrl and libxenstore.
DROPIN_MEM_DEBIAN := $(BUILD)/tests/dropin-mem-debian
DROPIN_MEM_OURS   := $(BUILD)/tests/dropin-mem-ours

$(DROPIN_MEM_DEBIAN): tests/abi/dropin_mem.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenctrl -lxenstore

$(DROPIN_MEM_OURS): tests/abi/dropin_mem.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenctrl \
	    -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_MEM_DEBIAN) $(DROPIN_MEM_OURS)
# dropin-host: the probe of the host information and control calls
# (tests/abi/dropin_host.c), built the same two ways. It reads the
# simulator's counters through dlsym and /params through libxenhypfs.
DROPIN_HOST_DEBIAN := $(BUILD)/tests/dropin-host-debian
DROPIN_HOST_OURS   := $(BUILD)/tests/dropin-host-ours

$(DROPIN_HOST_DEBIAN): tests/abi/dropin_host.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog -lxenhypfs -ldl

$(DROPIN_HOST_OURS): tests/abi/dropin_host.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenhypfs -ldl

CHECK_EXTRA_DEPS += $(DROPIN_HOST_DEBIAN) $(DROPIN_HOST_OURS)

# dropin-userdata: the probe of the stored configuration (userdata files and
# libxl_retrieve_domain_configuration; tests/abi/dropin_userdata.c), built
# the same two ways.
DROPIN_USERDATA_DEBIAN := $(BUILD)/tests/dropin-userdata-debian
DROPIN_USERDATA_OURS   := $(BUILD)/tests/dropin-userdata-ours

$(DROPIN_USERDATA_DEBIAN): tests/abi/dropin_userdata.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog

$(DROPIN_USERDATA_OURS): tests/abi/dropin_userdata.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog

CHECK_EXTRA_DEPS += $(DROPIN_USERDATA_DEBIAN) $(DROPIN_USERDATA_OURS)

# dropin-cpupool: the probe of cpupools, FLASK, PSR and tmem
# (tests/abi/dropin_cpupool.c), built the same two ways; it reads the host's
# state with libxenctrl and libxenstore too.
DROPIN_CPUPOOL_DEBIAN := $(BUILD)/tests/dropin-cpupool-debian
DROPIN_CPUPOOL_OURS   := $(BUILD)/tests/dropin-cpupool-ours

$(DROPIN_CPUPOOL_DEBIAN): tests/abi/dropin_cpupool.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenctrl -lxenstore

$(DROPIN_CPUPOOL_OURS): tests/abi/dropin_cpupool.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenctrl \
	    -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_CPUPOOL_DEBIAN) $(DROPIN_CPUPOOL_OURS)

# dropin-disk: the probe of the disk calls (tests/abi/dropin_disk.c), built
# the same two ways; it reads the device directories with libxenstore.
DROPIN_DISK_DEBIAN := $(BUILD)/tests/dropin-disk-debian
DROPIN_DISK_OURS   := $(BUILD)/tests/dropin-disk-ours

$(DROPIN_DISK_DEBIAN): tests/abi/dropin_disk.c tests/abi/probe_logger.h tests/abi/probe_devices.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(DROPIN_DISK_OURS): tests/abi/dropin_disk.c tests/abi/probe_logger.h tests/abi/probe_devices.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_DISK_DEBIAN) $(DROPIN_DISK_OURS)
# dropin-pci: the probe of PCI passthrough's host side (assignable add,
# remove, list; tests/abi/dropin_pci.c), built the same two ways; it runs
# inside tests/sim/fakesysfs and reads xenstore with libxenstore.
DROPIN_PCI_DEBIAN := $(BUILD)/tests/dropin-pci-debian
DROPIN_PCI_OURS   := $(BUILD)/tests/dropin-pci-ours

$(DROPIN_PCI_DEBIAN): tests/abi/dropin_pci.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(DROPIN_PCI_OURS): tests/abi/dropin_pci.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_PCI_DEBIAN) $(DROPIN_PCI_OURS)

# dropin-nic: the probe of the nic calls (tests/abi/dropin_nic.c), built
# the same two ways; it reads the device directories with libxenstore.
DROPIN_NIC_DEBIAN := $(BUILD)/tests/dropin-nic-debian
DROPIN_NIC_OURS   := $(BUILD)/tests/dropin-nic-ours

$(DROPIN_NIC_DEBIAN): tests/abi/dropin_nic.c tests/abi/probe_logger.h tests/abi/probe_devices.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(DROPIN_NIC_OURS): tests/abi/dropin_nic.c tests/abi/probe_logger.h tests/abi/probe_devices.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_NIC_DEBIAN) $(DROPIN_NIC_OURS)
# dropin-vdev: the probe of the simpler device kinds (vkb, vfb, vtpm,
# channels, p9, pvcallsif; tests/abi/dropin_vdev.c), built the same two
# ways; it writes and dumps xenstore through libxenstore.
DROPIN_VDEV_DEBIAN := $(BUILD)/tests/dropin-vdev-debian
DROPIN_VDEV_OURS   := $(BUILD)/tests/dropin-vdev-ours

$(DROPIN_VDEV_DEBIAN): tests/abi/dropin_vdev.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog -lxenstore

$(DROPIN_VDEV_OURS): tests/abi/dropin_vdev.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_VDEV_DEBIAN) $(DROPIN_VDEV_OURS)
# dropin-vdispl-vsnd: the probe of virtual displays and sound cards
# (tests/abi/dropin_vdispl_vsnd.c), built the same two ways; it reads the
# devices' xenstore trees through libxenstore. -rdynamic: the sanitizer's
# runtime, preloaded under make check-asan, finds the probe's
# __asan_default_options.
DROPIN_VDISPL_VSND_DEBIAN := $(BUILD)/tests/dropin-vdispl-vsnd-debian
DROPIN_VDISPL_VSND_OURS   := $(BUILD)/tests/dropin-vdispl-vsnd-ours

$(DROPIN_VDISPL_VSND_DEBIAN): tests/abi/dropin_vdispl_vsnd.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -rdynamic -o $@ $< -lxenlight \
	    -lxentoollog -lxenstore

$(DROPIN_VDISPL_VSND_OURS): tests/abi/dropin_vdispl_vsnd.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -rdynamic -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_VDISPL_VSND_DEBIAN) $(DROPIN_VDISPL_VSND_OURS)
# dropin-usb: the probe of PVUSB controllers and devices
# (tests/abi/dropin_usb.c), built the same two ways; it reads xenstore with
# libxenstore and the fake USB sysfs of fakeusb (tests/abi/fakeusb.c, the
# emulator the test runs in its private mount namespace).
DROPIN_USB_DEBIAN := $(BUILD)/tests/dropin-usb-debian
DROPIN_USB_OURS   := $(BUILD)/tests/dropin-usb-ours
FAKEUSB           := $(BUILD)/tests/fakeusb

$(DROPIN_USB_DEBIAN): tests/abi/dropin_usb.c tests/abi/probe_logger.h tests/abi/fakeusb.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(DROPIN_USB_OURS): tests/abi/dropin_usb.c tests/abi/probe_logger.h tests/abi/fakeusb.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

$(FAKEUSB): tests/abi/fakeusb.c tests/abi/fakeusb.h | $(BUILD)/tests
	$(CC) $(BASE_CFLAGS) -o $@ $<

CHECK_EXTRA_DEPS += $(DROPIN_USB_DEBIAN) $(DROPIN_USB_OURS) $(FAKEUSB)

# dropin-pci-attach: the probe of PCI passthrough to a guest (add, remove,
# destroy; tests/abi/dropin_pci_attach.c), built the same two ways; it
# runs inside tests/sim/fakesysfs and reads xenstore with libxenstore.
DROPIN_PCI_ATTACH_DEBIAN := $(BUILD)/tests/dropin-pci-attach-debian
DROPIN_PCI_ATTACH_OURS   := $(BUILD)/tests/dropin-pci-attach-ours

$(DROPIN_PCI_ATTACH_DEBIAN): tests/abi/dropin_pci_attach.c tests/abi/probe_logger.h tests/abi/probe_devices.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(DROPIN_PCI_ATTACH_OURS): tests/abi/dropin_pci_attach.c tests/abi/probe_logger.h tests/abi/probe_devices.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_PCI_ATTACH_DEBIAN) $(DROPIN_PCI_ATTACH_OURS)

# dropin-cdrom: the probe of libxl_cdrom_insert (tests/abi/dropin_cdrom.c),
# built the same two ways; it reads xenstore with libxenstore.
DROPIN_CDROM_DEBIAN := $(BUILD)/tests/dropin-cdrom-debian
DROPIN_CDROM_OURS   := $(BUILD)/tests/dropin-cdrom-ours

$(DROPIN_CDROM_DEBIAN): tests/abi/dropin_cdrom.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(DROPIN_CDROM_OURS): tests/abi/dropin_cdrom.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_CDROM_DEBIAN) $(DROPIN_CDROM_OURS)

# dropin-destroy: the probe of libxl_domain_destroy on a guest with devices,
# userdata and a device model (tests/abi/dropin_destroy.c), built the same
# two ways; it reads xenstore with libxenstore.
DROPIN_DESTROY_DEBIAN := $(BUILD)/tests/dropin-destroy-debian
DROPIN_DESTROY_OURS   := $(BUILD)/tests/dropin-destroy-ours

$(DROPIN_DESTROY_DEBIAN): tests/abi/dropin_destroy.c tests/abi/probe_logger.h tests/abi/probe_devices.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog \
	    -lxenstore

$(DROPIN_DESTROY_OURS): tests/abi/dropin_destroy.c tests/abi/probe_logger.h tests/abi/probe_devices.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog -lxenstore

CHECK_EXTRA_DEPS += $(DROPIN_DESTROY_DEBIAN) $(DROPIN_DESTROY_OURS)

# dropin-console: the probe of the console calls, the VNC viewer, QEMU's
# human monitor and the domid history (tests/abi/dropin_console.c), built
# the same two ways.
DROPIN_CONSOLE_DEBIAN := $(BUILD)/tests/dropin-console-debian
DROPIN_CONSOLE_OURS   := $(BUILD)/tests/dropin-console-ours

$(DROPIN_CONSOLE_DEBIAN): tests/abi/dropin_console.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog

$(DROPIN_CONSOLE_OURS): tests/abi/dropin_console.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog

CHECK_EXTRA_DEPS += $(DROPIN_CONSOLE_DEBIAN) $(DROPIN_CONSOLE_OURS)

# dropin-needmem: the probe of libxl_domain_need_memory, its two old forms
# and the configuration defaults they show (tests/abi/dropin_needmem.c),
# built the same two ways.
DROPIN_NEEDMEM_DEBIAN := $(BUILD)/tests/dropin-needmem-debian
DROPIN_NEEDMEM_OURS   := $(BUILD)/tests/dropin-needmem-ours

$(DROPIN_NEEDMEM_DEBIAN): tests/abi/dropin_needmem.c tests/abi/probe_logger.h | $(BUILD)/tests
	$(CC) -I/usr/include $(BASE_CFLAGS) -o $@ $< -lxenlight -lxentoollog

$(DROPIN_NEEDMEM_OURS): tests/abi/dropin_needmem.c tests/abi/probe_logger.h $(SHLIB) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LDFLAGS) -L$(BUILD) \
	    -Wl,-rpath,$(abspath $(BUILD)) -lxenlight -lxentoollog

CHECK_EXTRA_DEPS += $(DROPIN_NEEDMEM_DEBIAN) $(DROPIN_NEEDMEM_OURS)
