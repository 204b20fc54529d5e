/*
 * dummy.c: libxendevicemodel, which xc_interface_open opens but the
 * simulated host never needs: a dummy handle, and ENOSYS (logged with
 * $XENSIM_DEBUG) for every operation. (libxenforeignmemory: guestmem.c.)
 */
#include <errno.h>
#include <stdlib.h>

#include "sim.h"

/* The real headers are not included: every operation shares one shape. */
struct dummy_handle {
    int magic;
};

static void *dummy_open(const char *what)
{
    if (!sim_state())
        return NULL;
    struct dummy_handle *h = calloc(1, sizeof(*h));
    if (h)
        h->magic = 0x53494d;
    sim_log("%s_open: dummy handle", what);
    return h;
}

#define DUMMY_OPEN(lib) \
    EXPORT void *lib##_open(void *logger, unsigned flags) \
    { (void)logger; (void)flags; return dummy_open(#lib); } \
    EXPORT int lib##_close(void *h) { free(h); return 0; }

#define UNSIMULATED_INT(fn) \
    EXPORT int fn(void *h, ...) \
    { (void)h; sim_log(#fn ": not simulated"); sim_count(CTR_ENOSYS); \
      errno = ENOSYS; return -1; }

DUMMY_OPEN(xendevicemodel)
UNSIMULATED_INT(xendevicemodel_create_ioreq_server)
UNSIMULATED_INT(xendevicemodel_destroy_ioreq_server)
UNSIMULATED_INT(xendevicemodel_get_ioreq_server_info)
UNSIMULATED_INT(xendevicemodel_inject_event)
UNSIMULATED_INT(xendevicemodel_inject_msi)
UNSIMULATED_INT(xendevicemodel_map_io_range_to_ioreq_server)
UNSIMULATED_INT(xendevicemodel_map_mem_type_to_ioreq_server)
UNSIMULATED_INT(xendevicemodel_map_pcidev_to_ioreq_server)
UNSIMULATED_INT(xendevicemodel_modified_memory)
UNSIMULATED_INT(xendevicemodel_modified_memory_bulk)
UNSIMULATED_INT(xendevicemodel_nr_vcpus)
UNSIMULATED_INT(xendevicemodel_pin_memory_cacheattr)
UNSIMULATED_INT(xendevicemodel_relocate_memory)
UNSIMULATED_INT(xendevicemodel_restrict)
UNSIMULATED_INT(xendevicemodel_set_ioreq_server_state)
UNSIMULATED_INT(xendevicemodel_set_irq_level)
UNSIMULATED_INT(xendevicemodel_set_isa_irq_level)
UNSIMULATED_INT(xendevicemodel_set_mem_type)
UNSIMULATED_INT(xendevicemodel_set_pci_intx_level)
UNSIMULATED_INT(xendevicemodel_set_pci_link_route)
UNSIMULATED_INT(xendevicemodel_shutdown)
UNSIMULATED_INT(xendevicemodel_track_dirty_vram)
UNSIMULATED_INT(xendevicemodel_unmap_io_range_from_ioreq_server)
UNSIMULATED_INT(xendevicemodel_unmap_pcidev_from_ioreq_server)
