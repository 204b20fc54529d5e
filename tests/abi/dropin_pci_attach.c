/*
 * dropin_pci_attach.c: the drop-in probe for PCI passthrough to a guest
 * (libxl_device_pci_add, _remove, _destroy, and _list to see them).
 * Built against Debian's headers and library (dropin-pci-attach-debian)
 * and against lightcore's (dropin-pci-attach-ours); run inside
 * tests/sim/fakesysfs on a simulated host with a guest whose frontends
 * act, by tests/integration/ops/test_dropin_pci_attach.c, which compares
 * the three runs.
 *
 *   store DOMID CONFIG   store CONFIG's text as the domain's libxl-json
 *   attach DOMID         the scenario: adds, refusals, removes, destroy
 *   refuse DOMID         a device added twice
 *   multi DOMID          a multi-function device (vfunc_mask all)
 *   hvm DOMID            adds to an HVM guest through its device model
 *                        (tests/integration/ops/test_dropin_pci_hvm.c)
 *   faults DOMID         adds that fail at each step (lightcore only:
 *                        tests/integration/ops/test_pci_faults.c); the
 *                        pci backend is held at Initialised by the test
 *   abort DOMID          an add, then a remove, aborted while they wait
 *                        for the backend (lightcore only, as faults)
 *
 * In faults and abort, "-- before" precedes the state a failed add must
 * leave as it found, "-- after" the state it left.
 *
 * After each call it prints the call, its warning and error lines, its rc
 * and, once the drivers have settled (both ends Connected, or the backend
 * gone), the state the call may change: the pci backend and frontend
 * directories with their permissions in xenstored's order, /libxl/pci,
 * the devices of the stored configuration and of a retrieved one (merged
 * with the backend's), the hypervisor's owner of each
 * device and what the guest was granted of the host's hardware (asked of
 * the simulator's preload, found with dlsym). The fake sysfs's writes are
 * in fakesysfs's dump.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level >= XTL_WARN)              /* debug lines differ */
        probe_log_print(level, errnoval, context, msg);
}

#include "probe_devices.h"

static libxl_ctx *ctx;
static struct xs_handle *xsh;
static int (*pci_owner)(uint16_t seg, uint8_t bus, uint8_t devfn);
static int (*hw_grants)(uint32_t domid, char *buf, size_t size);
static bool backend_held;       /* the test keeps it from connecting */
static bool show_functions;     /* the owners of 06.0-06.2 too */
static bool hvm_guest;          /* no pcifront: pciback rests at 3 or 7 */

/* ------------------------------------------------------------ state */

/* Both ends Connected, or no backend, or a frontend that is gone. */
static bool settled(void *arg)
{
    uint32_t domid = *(uint32_t *)arg;
    char be[128], fe[128], *v;
    int bs, fs;

    snprintf(be, sizeof(be), "/local/domain/0/backend/pci/%u/0/state", domid);
    snprintf(fe, sizeof(fe), "/local/domain/%u/device/pci/0/state", domid);
    v = xs_read(xsh, XBT_NULL, be, NULL);
    bs = v ? atoi(v) : -1;
    free(v);
    v = xs_read(xsh, XBT_NULL, fe, NULL);
    fs = v ? atoi(v) : -1;
    free(v);
    return bs == -1 || fs == -1 || (bs == 4 && fs == 4) ||
           (backend_held && bs == 3 && fs == 3) ||
           (hvm_guest && (bs == 3 || bs == 7));
}

static void settle(uint32_t domid)
{
    char fe[64];
    const char *paths[] = { "/local/domain/0/backend", fe };

    snprintf(fe, sizeof(fe), "/local/domain/%u/device", domid);
    probe_xs_settle(xsh, paths, 2, settled, &domid, 10000);
}

static void stored(uint32_t domid)
{
    uint8_t *data = NULL;
    int len = 0;
    libxl_domain_config c;

    if (libxl_userdata_retrieve(ctx, domid, "libxl-json", &data, &len) ||
        !len) {
        printf("  stored: none\n");
        free(data);
        return;
    }
    libxl_domain_config_init(&c);
    if (libxl_domain_config_from_json(ctx, &c, (const char *)data)) {
        printf("  stored: unparsable\n");
    } else {
        printf("  stored pcidevs %d\n", c.num_pcidevs);
        for (int i = 0; i < c.num_pcidevs; i++) {
            char *j = libxl_device_pci_to_json(ctx, &c.pcidevs[i]);
            printf("  stored %s\n", j ? j : "(null)");
            free(j);
        }
    }
    libxl_domain_config_dispose(&c);
    free(data);
    /* what a retrieved configuration keeps: the devices the backend has */
    libxl_domain_config_init(&c);
    int rc = libxl_retrieve_domain_configuration(ctx, domid, &c, NULL);
    printf("  retrieved rc %d pcidevs %d:", rc, c.num_pcidevs);
    for (int i = 0; i < c.num_pcidevs; i++)
        printf(" %02x.%x", c.pcidevs[i].dev, c.pcidevs[i].func);
    printf("\n");
    libxl_domain_config_dispose(&c);
}

static void state(uint32_t domid)
{
    char buf[8192], *v;

    settle(domid);
    probe_device_trees(xsh, domid);
    v = xs_read(xsh, XBT_NULL, "/libxl/pci", NULL);
    if (v)
        probe_xs_dump(xsh, "/libxl/pci", 0);
    else
        printf("/libxl/pci: none\n");
    free(v);
    stored(domid);
    for (unsigned dev = 2; pci_owner && dev <= 5; dev++)
        printf("  owner 00:%02x.0 %d\n", dev, pci_owner(0, 0,
                                                       (uint8_t)(dev << 3)));
    for (unsigned fn = 0; pci_owner && show_functions && fn < 3; fn++)
        printf("  owner 00:06.%u %d\n", fn, pci_owner(0, 0,
                                                     (uint8_t)(6 << 3 | fn)));
    if (hw_grants && !hw_grants(domid, buf, sizeof(buf)))
        printf("  granted:\n%s", buf);
}

/* ------------------------------------------------------------ calls */

enum op { ADD, REMOVE, DESTROY };

static int call(enum op op, uint32_t domid, unsigned slot, const char *name,
                bool permissive, unsigned vdevfn, bool show)
{
    static const char *const names[] = { "add", "remove", "destroy" };
    libxl_device_pci pci;
    int rc;

    libxl_device_pci_init(&pci);
    if (name) {
        pci.name = strdup(name);
    } else {
        pci.bus = 0;
        pci.dev = (uint8_t)slot;
    }
    pci.permissive = permissive;
    pci.vdevfn = vdevfn;
    printf("== %s %u %s%s%02x.0%s\n", names[op], domid, name ? name : "",
           name ? " " : "", name ? 0 : slot, permissive ? " permissive" : "");
    fflush(stdout);
    rc = op == ADD ? libxl_device_pci_add(ctx, domid, &pci, NULL)
        : op == REMOVE ? libxl_device_pci_remove(ctx, domid, &pci, NULL)
        : libxl_device_pci_destroy(ctx, domid, &pci, NULL);
    printf("  rc %d\n", rc);
    char *j = libxl_device_pci_to_json(ctx, &pci);
    printf("  caller's %s\n", j ? j : "(null)");     /* libxl copies it */
    free(j);
    libxl_device_pci_dispose(&pci);
    if (show)
        state(domid);
    return rc;
}

static void list(uint32_t domid)
{
    int num = -1;
    libxl_device_pci *l = libxl_device_pci_list(ctx, domid, &num);

    printf("== list %u: %s num %d\n", domid, l ? "list" : "NULL", num);
    for (int i = 0; i < num; i++) {
        char *j = libxl_device_pci_to_json(ctx, &l[i]);
        printf("  %s\n", j ? j : "(null)");
        free(j);
    }
    libxl_device_pci_list_free(l, num);
}

/* 02.0, 03.0 (named nic3) and 04.0 are assignable; 05.0 is e1000e's */
static void attach(uint32_t domid)
{
    state(domid);
    call(ADD, domid, 5, NULL, false, 0, true);      /* not assignable */
    call(ADD, domid, 0, "nosuch", false, 0, false); /* no such name */
    call(ADD, domid, 2, NULL, true, 0, true);       /* the first: backend */
    call(ADD, domid, 0, "nic3", false, 0, true);    /* by name, reconfigure */
    call(ADD, domid, 4, NULL, false, 0x28, true);   /* a virtual slot */
    list(domid);
    call(REMOVE, domid, 5, NULL, false, 0, false);  /* not attached */
    call(REMOVE, domid, 2, NULL, false, 0, true);   /* the first: shifted */
    list(domid);
    call(DESTROY, domid, 0, "nic3", false, 0, true);
    call(REMOVE, domid, 4, NULL, false, 0, true);   /* the last: all gone */
    call(REMOVE, domid, 4, NULL, false, 0, false);  /* none left */
    list(domid);
    call(ADD, 999, 2, NULL, false, 0, false);       /* no such domain */
    call(REMOVE, 999, 2, NULL, false, 0, false);
    call(DESTROY, 999, 2, NULL, false, 0, false);   /* forced on */
    state(domid);
}

/* A device the guest has, asked for again: refused (libxl then drops
 * its /libxl/pci domid node, lightcore keeps it). */
static void refuse(uint32_t domid)
{
    call(ADD, domid, 2, NULL, false, 0, false);
    call(ADD, domid, 2, NULL, false, 0, true);
    list(domid);
}

/* An HVM guest whose device model is upstream QEMU (a scripted QMP
 * server): 02.0 where QEMU places it, 04.0 at virtual slot 5 and
 * permissive, 03.0 refused by QEMU; then 04.0 and 02.0 removed. */
static void hvm(uint32_t domid)
{
    hvm_guest = true;
    state(domid);
    call(ADD, domid, 2, NULL, false, 0, true);
    call(ADD, domid, 4, NULL, true, 5 << 3, true);
    call(ADD, domid, 3, NULL, false, 0, true);
    list(domid);
    call(REMOVE, domid, 4, NULL, false, 0, true);
    call(REMOVE, domid, 2, NULL, false, 0, true);
    list(domid);
}

/* The three functions of 00:06 (a multi-function device, all set aside)
 * added as one at virtual slot 7 (vfunc_mask all), listed, removed. */
static void multi(uint32_t domid)
{
    libxl_device_pci pci;
    int rc;

    show_functions = true;
    for (int op = 0; op < 2; op++) {
        libxl_device_pci_init(&pci);
        pci.dev = 6;
        pci.vfunc_mask = LIBXL_PCI_FUNC_ALL;
        pci.vdevfn = 7 << 3;
        printf("== %s %u 06.* at slot 7\n", op ? "remove" : "add", domid);
        fflush(stdout);
        rc = op ? libxl_device_pci_remove(ctx, domid, &pci, NULL)
                : libxl_device_pci_add(ctx, domid, &pci, NULL);
        printf("  rc %d\n", rc);
        char *j = libxl_device_pci_to_json(ctx, &pci);
        printf("  caller's %s\n", j ? j : "(null)");
        free(j);
        libxl_device_pci_dispose(&pci);
        state(domid);
        list(domid);
    }
}

/* 02.0 and 05.0 are sound; 03.0's interrupt is none dom0 has (mapping
 * it fails after its memory was granted); 04.0 is another domain's in
 * the hypervisor (assigning it fails after its grants). The backend never
 * connects: a second device waits for it until the deadline. */
static void faults(uint32_t domid)
{
    backend_held = true;
    printf("-- before\n");
    state(domid);
    call(ADD, domid, 3, NULL, false, 0, false);
    printf("-- after\n");
    state(domid);
    call(ADD, domid, 4, NULL, true, 0, false);
    printf("-- after\n");
    state(domid);
    call(ADD, domid, 2, NULL, false, 0, false);     /* the backend made */
    printf("-- before\n");
    state(domid);
    call(ADD, domid, 5, NULL, false, 0, false);     /* waits in vain */
    printf("-- after\n");
    state(domid);
}

/* op (ADD or REMOVE) of 00:SLOT.0 started asynchronously, aborted at
 * once, and its completion. */
static void aborted(enum op op, uint32_t domid, unsigned slot)
{
    libxl_asyncop_how how = { .callback = NULL };
    libxl_device_pci pci;
    libxl_event *ev = NULL;
    int rc;

    how.u.for_event = 42;
    libxl_device_pci_init(&pci);
    pci.dev = (uint8_t)slot;
    printf("== %s %u %02x.0 asynchronously\n", op == ADD ? "add" : "remove",
           domid, slot);
    rc = op == ADD ? libxl_device_pci_add(ctx, domid, &pci, &how)
                   : libxl_device_pci_remove(ctx, domid, &pci, &how);
    printf("  rc %d\n", rc);
    rc = libxl_ao_abort(ctx, &how);
    printf("  abort rc %d\n", rc);
    rc = libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL);
    printf("  event wait rc %d", rc);
    if (!rc && ev)
        printf(" type %d for_user %llu rc %d", (int)ev->type,
               (unsigned long long)ev->for_user,
               ev->type == LIBXL_EVENT_TYPE_OPERATION_COMPLETE
               ? ev->u.operation_complete.rc : 0);
    printf("\n");
    libxl_event_free(ctx, ev);
    libxl_device_pci_dispose(&pci);
}

/* An add, then a remove, that wait for the backend (held at Initialised),
 * aborted. */
static void abort_wait(uint32_t domid)
{
    backend_held = true;
    call(ADD, domid, 2, NULL, false, 0, false);
    printf("-- before\n");
    state(domid);
    aborted(ADD, domid, 5);
    printf("-- after\n");
    state(domid);
    aborted(REMOVE, domid, 2);
    state(domid);
}

/* ------------------------------------------------------------ main */

int main(int argc, char *argv[])
{
    int rc = 0;

    if (argc < 3) {
        fprintf(stderr, "usage: %s store|attach|refuse|multi|hvm|faults|"
                "abort DOMID ...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pci_owner = (int (*)(uint16_t, uint8_t, uint8_t))
        dlsym(RTLD_DEFAULT, "xensim_pci_owner");
    hw_grants = (int (*)(uint32_t, char *, size_t))
        dlsym(RTLD_DEFAULT, "xensim_hw_grants");
    xsh = xs_open(0);
    if (!xsh || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) {
        fprintf(stderr, "no ctx or xenstore\n");
        return 1;
    }
    uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
    if (!strcmp(argv[1], "store") && argc == 4) {
        rc = probe_store_config(ctx, domid, argv[3]);
    } else if (!strcmp(argv[1], "attach") && argc == 3) {
        attach(domid);
    } else if (!strcmp(argv[1], "refuse") && argc == 3) {
        refuse(domid);
    } else if (!strcmp(argv[1], "hvm") && argc == 3) {
        hvm(domid);
    } else if (!strcmp(argv[1], "multi") && argc == 3) {
        multi(domid);
    } else if (!strcmp(argv[1], "faults") && argc == 3) {
        faults(domid);
    } else if (!strcmp(argv[1], "abort") && argc == 3) {
        abort_wait(domid);
    } else {
        rc = 2;
    }
    libxl_ctx_free(ctx);
    xs_close(xsh);
    printf("done\n");
    return rc;
}
