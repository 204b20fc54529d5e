/*
 * dropin_pci.c: the drop-in probe for PCI passthrough's host side
 * (libxl_device_pci_assignable_add / _remove / _list). Built against
 * Debian's headers and library (dropin-pci-debian) and against
 * lightcore's (dropin-pci-ours); run inside tests/sim/fakesysfs (a fake
 * /sys/bus/pci in a private mount namespace) on the simulated host, by
 * tests/integration/ops/test_dropin_pci.c, which sets the starting state
 * up alike before each run and compares the three outputs.
 *
 * For each call it prints the call, its log lines (without the
 * FILE:LINE:FUNC prefix), its rc, the device as the call left it (a
 * remove by name fills the address in), then the state that call may
 * change: each fake device's driver, pciback's slots, every node under
 * /libxl/pci, and the hypervisor's owner of each device (asked of the
 * simulator's preload, xensim_pci_owner, found with dlsym).
 *
 * Arguments: the scenario (basic, guest, nopciback, noiommu, rebind), or
 * "pcilist DOMID..." for libxl_device_pci_list of each domain (its result
 * as JSON and its log lines; needs no fake sysfs).
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenstore.h>

#include <libxl.h>
#include <libxl_utils.h>

/* ------------------------------------------------------------ logger */

#include "probe_logger.h"

static int logging;

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (logging)
        probe_log_print(level, errnoval, context, msg);
}

/* ------------------------------------------------------------ state */

static libxl_ctx *ctx;
static struct xs_handle *xsh;
static int (*pci_owner)(uint16_t seg, uint8_t bus, uint8_t devfn);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every node under path, sorted, one line each. */
static void print_xs_tree(const char *path)
{
    unsigned int n = 0, len;
    char **names = xs_directory(xsh, XBT_NULL, path, &n);
    char *value = xs_read(xsh, XBT_NULL, path, &len);

    if (value)
        printf("  xs %s = \"%s\"\n", path, value);
    free(value);
    if (!names)
        return;
    qsort(names, n, sizeof(*names), cmp_str);
    for (unsigned int i = 0; i < n; i++) {
        char child[1024];
        snprintf(child, sizeof(child), "%s/%s", path, names[i]);
        print_xs_tree(child);
    }
    free(names);
}

static void print_state(void)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;
    char buf[4096];

    while (d && (e = readdir(d))) {
        char link[PATH_MAX];
        unsigned seg, bus, dev, fn;
        if (e->d_name[0] == '.')
            continue;
        snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver",
                 e->d_name);
        ssize_t n = readlink(link, buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        printf("  sysfs %s driver %s", e->d_name, n > 0 ? buf : "-");
        if (pci_owner && sscanf(e->d_name, "%x:%x:%x.%x", &seg, &bus, &dev,
                                &fn) == 4) {
            int o = pci_owner((uint16_t)seg, (uint8_t)bus,
                              (uint8_t)(dev << 3 | fn));
            if (o == 0x7ff1)
                printf(" owner io");
            else
                printf(" owner %d", o);
        }
        printf("\n");
    }
    if (d)
        closedir(d);
    FILE *f = fopen("/sys/bus/pci/drivers/pciback/slots", "r");
    printf("  slots:");
    while (f && fgets(buf, sizeof(buf), f)) {
        buf[strcspn(buf, "\n")] = '\0';
        printf(" %s", buf);
    }
    printf("%s\n", f ? "" : " (no pciback)");
    if (f)
        fclose(f);
    print_xs_tree("/libxl/pci");
}

/* ------------------------------------------------------------ calls */

static void set_bdf(libxl_device_pci *pci, unsigned seg, unsigned bus,
                    unsigned dev, unsigned fn)
{
    libxl_device_pci_init(pci);
    pci->domain = (int)seg;
    pci->bus = (uint8_t)bus;
    pci->dev = (uint8_t)dev;
    pci->func = (uint8_t)fn;
}

static void print_pci(const libxl_device_pci *pci)
{
    printf("  pci %04x:%02x:%02x.%x name %s\n", (unsigned)pci->domain,
           pci->bus, pci->dev, pci->func, pci->name ? pci->name : "(null)");
}

static void list(void)
{
    int num = -1;

    printf("== list\n");
    fflush(stdout);
    logging = 1;
    libxl_device_pci *l = libxl_device_pci_assignable_list(ctx, &num);
    logging = 0;
    printf("  %s num %d\n", l ? "list" : "NULL", num);
    for (int i = 0; i < num; i++)
        print_pci(&l[i]);
    libxl_device_pci_assignable_list_free(l, num);
}

/* add or remove of dev (a BDF, or NULL with name set: by name) */
static void call(int add, unsigned dev, unsigned fn, const char *name,
                 int rebind, int by_name)
{
    libxl_device_pci pci;
    int rc;

    set_bdf(&pci, 0, 0, by_name ? 0 : dev, by_name ? 0 : fn);
    if (name)
        pci.name = strdup(name);
    printf("== %s %s 0000:00:%02x.%u name %s rebind %d\n",
           add ? "add" : "remove", by_name ? "by-name" : "bdf",
           by_name ? 0 : dev, by_name ? 0 : fn, name ? name : "(null)",
           rebind);
    fflush(stdout);
    logging = 1;
    rc = add ? libxl_device_pci_assignable_add(ctx, &pci, rebind)
             : libxl_device_pci_assignable_remove(ctx, &pci, rebind);
    logging = 0;
    printf("  rc %d\n", rc);
    print_pci(&pci);
    print_state();
    libxl_device_pci_dispose(&pci);
}

#define ADD(d, f, name, rebind)    call(1, d, f, name, rebind, 0)
#define REMOVE(d, f, rebind)       call(0, d, f, NULL, rebind, 0)
#define REMOVE_NAMED(name, rebind) call(0, 0, 0, name, rebind, 1)

/* ------------------------------------------------------------ scenarios */

/* devices 02.0 (e1000e), 03.0 (no driver), 04.0 (pciback, slot, never
 * quarantined), 05.0 (e1000e) */
static void basic(void)
{
    char long_name[80];

    memset(long_name, 'n', 65);
    long_name[65] = '\0';
    list();
    ADD(2, 0, NULL, 1);
    list();
    ADD(2, 0, NULL, 1);                /* already assignable */
    ADD(3, 0, "nic3", 1);              /* no driver, nothing saved */
    list();
    ADD(5, 0, "a b", 1);               /* names: printable, no space */
    ADD(5, 0, long_name, 1);
    long_name[64] = '\0';
    ADD(5, 0, long_name, 0);           /* 64 is fine; no driver saved */
    ADD(9, 0, NULL, 1);                /* no such device */
    list();
    REMOVE_NAMED("nosuch", 1);
    REMOVE_NAMED("nic3", 1);           /* nothing to rebind */
    REMOVE(2, 0, 1);                   /* back to e1000e */
    REMOVE(2, 0, 1);                   /* not quarantined any more */
    REMOVE(5, 0, 1);                   /* rebind asked, nothing saved */
    REMOVE(4, 0, 0);                   /* bound, never quarantined */
    ADD(4, 0, NULL, 1);                /* already bound: quarantined only */
    REMOVE(4, 0, 0);
    ADD(3, 0, NULL, 0);
    REMOVE(3, 0, 0);
    list();
}

/* 02.0 is pciback's and a guest's (its domid node, the hypervisor's
 * owner): not listed, neither added nor removed */
static void guest(void)
{
    list();
    ADD(2, 0, NULL, 1);
    REMOVE(2, 0, 1);
    list();
}

/* no pciback driver at all */
static void nopciback(void)
{
    list();
    ADD(2, 0, NULL, 1);
    REMOVE(2, 0, 1);
}

/* no IOMMU: the sysfs part is done, the quarantine fails */
static void noiommu(void)
{
    ADD(2, 0, "eth", 1);
    list();
    REMOVE(2, 0, 1);
    REMOVE_NAMED("eth", 1);
}

/* libxl_device_pci_list of each domain given */
static void pci_lists(int n, char *domids[])
{
    for (int i = 0; i < n; i++) {
        int num = -1;
        printf("== pci_list %s\n", domids[i]);
        fflush(stdout);
        logging = 1;
        libxl_device_pci *l = libxl_device_pci_list(ctx,
                                                    (uint32_t)atoi(domids[i]),
                                                    &num);
        logging = 0;
        printf("  %s num %d\n", l ? "list" : "NULL", num);
        for (int j = 0; j < num; j++) {
            char *json = libxl_device_pci_to_json(ctx, &l[j]);
            printf("  %s\n", json ? json : "(no json)");
            free(json);
        }
        libxl_device_pci_list_free(l, num);
    }
}

/* give 02.0 back to the driver remembered for it (the test chose it) */
static void rebind(void)
{
    REMOVE(2, 0, 1);
}

int main(int argc, char *argv[])
{
    if (argc > 2 && !strcmp(argv[1], "pcilist")) {
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) {
            fprintf(stderr, "no ctx\n");
            return 1;
        }
        pci_lists(argc - 2, argv + 2);
        libxl_ctx_free(ctx);
        printf("done\n");
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s basic|guest|nopciback|noiommu|rebind\n",
                argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    pci_owner = (int (*)(uint16_t, uint8_t, uint8_t))
        dlsym(RTLD_DEFAULT, "xensim_pci_owner");
    xsh = xs_open(0);
    if (!xsh || libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) {
        fprintf(stderr, "no ctx or xenstore\n");
        return 1;
    }
    if (!strcmp(argv[1], "basic"))
        basic();
    else if (!strcmp(argv[1], "guest"))
        guest();
    else if (!strcmp(argv[1], "nopciback"))
        nopciback();
    else if (!strcmp(argv[1], "noiommu"))
        noiommu();
    else if (!strcmp(argv[1], "rebind"))
        rebind();
    else
        return 2;
    libxl_ctx_free(ctx);
    xs_close(xsh);
    printf("done\n");
    return 0;
}
