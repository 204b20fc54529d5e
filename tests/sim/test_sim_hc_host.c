/*
 * test_sim_hc_host.c: the simulated hypervisor's answers about the host as
 * a whole (hc_host.c), asked through Debian's libxenctrl and libxenhypfs
 * as a toolstack would: memory against the domains', the console ring
 * (incremental and clearing reads, wrapping), debug keys, the scheduler,
 * PCI devices' nodes and the runtime parameters of /params.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenctrl.h>
#include <xenhypfs.h>

#include "simhost.h"
#include "testmain.h"
#include "xensim.h"

static simhost *host;
static xc_interface *xch;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    xch = xc_interface_open(NULL, NULL, 0);
    ck_assert_ptr_nonnull(xch);
}

static void teardown(void)
{
    xc_interface_close(xch);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

TEST(free_pages_are_what_no_domain_holds, 60)
{
    xc_physinfo_t p;

    ck_assert_int_eq(xc_physinfo(xch, &p), 0);
    /* 64 GiB, the hypervisor's 64 MiB and dom0's 1 GiB */
    ck_assert_uint_eq(p.total_pages, 64ull << 18);
    ck_assert_uint_eq(p.free_pages, p.total_pages - (64ull << 8) - (1ull << 18));
    ck_assert_uint_eq(p.scrub_pages, 0);
    uint64_t before = p.free_pages;
    int d = simhost_create_domain("vm", 256, 1, NULL);
    ck_assert_int_ge(d, 1);
    ck_assert_int_eq(xc_physinfo(xch, &p), 0);
    ck_assert_uint_eq(before - p.free_pages, 256ull << 8);
    ck_assert_int_eq(simhost_destroy_domain(d), 0);
    ck_assert_int_eq(simhost_wait_gone(d, 10000), 0);
    ck_assert_int_eq(xc_physinfo(xch, &p), 0);
    ck_assert_uint_eq(p.free_pages, before);

    int id = -1;
    ck_assert_int_eq(xc_sched_id(xch, &id), 0);
    ck_assert_int_eq(id, XEN_SCHEDULER_CREDIT2);
}

/* Reads at most n characters from *index (incremental). */
static char *read_ring(unsigned n, uint32_t *index, int clear)
{
    char *buf = calloc(1, n + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_int_eq(xc_readconsolering(xch, buf, &n, clear, 1, index), 0);
    buf[n] = '\0';
    return buf;
}

TEST(console_ring_reads_as_xen_does, 60)
{
    uint32_t index = 0;
    char *all, *part, *rest;

    ck_assert_int_eq(xensim_console_reset(), 0);
    all = read_ring(16384, &index, 0);
    ck_assert_ptr_nonnull(strstr(all, "(XEN) Xen version 4.17.7-sim"));
    ck_assert_uint_eq(index, strlen(all));

    /* In pieces: each read goes on where the last one stopped. */
    index = 0;
    part = read_ring(10, &index, 0);
    ck_assert_uint_eq(index, 10);
    rest = read_ring(16384, &index, 0);
    ck_assert_uint_eq(strlen(part) + strlen(rest), strlen(all));
    ck_assert(!strncmp(all, part, 10) && !strcmp(all + 10, rest));
    free(part);
    free(rest);

    /* New lines; a read from the end sees only them. */
    ck_assert_int_eq(xensim_console_write("one\ntwo "), 0);
    ck_assert_int_eq(xensim_console_write("halves\n"), 0);
    rest = read_ring(16384, &index, 0);
    ck_assert_str_eq(rest, "(XEN) one\n(XEN) two halves\n");
    free(rest);

    /* Debug keys print; keys without a handler are ignored. */
    ck_assert_int_eq(xc_send_debug_keys(xch, "\x01yt"), 0);
    rest = read_ring(16384, &index, 0);
    ck_assert_str_eq(rest, "(XEN) 't' pressed -> display multi-cpu clock info\n");
    free(rest);

    /* A clearing read empties the ring: an index from before it is
     * stale, and reading starts at the (empty) rest. */
    index = 0;
    free(read_ring(16384, &index, 1));
    char buf[64];
    ck_assert_int_eq(xensim_console_read(buf, sizeof(buf), NULL), 0);
    uint32_t old = 5;
    rest = read_ring(16384, &old, 0);
    ck_assert_str_eq(rest, "");
    free(rest);
    free(all);
}

TEST(console_ring_keeps_the_newest_16k, 60)
{
    char line[128];
    uint32_t index = 0;

    for (int i = 0; i < 400; i++) {
        snprintf(line, sizeof(line), "line %03d of a console that overflows its "
                 "ring\n", i);
        ck_assert_int_eq(xensim_console_write(line), 0);
    }
    char *all = read_ring(65536, &index, 0);
    ck_assert_uint_eq(strlen(all), 16384);
    ck_assert_ptr_null(strstr(all, "Xen version"));
    ck_assert_ptr_nonnull(strstr(all, "(XEN) line 399 of a console that "
                                 "overflows its ring\n"));
    free(all);
}

TEST(pci_devices_have_nodes_or_are_unknown, 60)
{
    physdev_pci_device_t devs[3] = {
        { .seg = 0x7777, .bus = 1, .devfn = 8 },
        { .seg = 0x7777, .bus = 2, .devfn = 9 },
        { .seg = 0x7777, .bus = 3, .devfn = 10 },
    };
    uint32_t nodes[3] = { 1, 1, 1 };

    ck_assert_int_eq(xensim_pci_set(0x7777, 1, 8, 0), 0);
    ck_assert_int_eq(xensim_pci_set(0x7777, 2, 9, -1), 0);
    ck_assert_int_eq(xc_pcitopoinfo(xch, 3, devs, nodes), 0);
    ck_assert_uint_eq(nodes[0], 0);
    ck_assert_uint_eq(nodes[1], XEN_INVALID_NODE_ID);
    ck_assert_uint_eq(nodes[2], XEN_INVALID_DEV);
    ck_assert_int_eq(xensim_pci_set(0x7777, 1, 8, XENSIM_PCI_FORGET), 0);
    ck_assert_int_eq(xc_pcitopoinfo(xch, 1, devs, nodes), 0);
    ck_assert_uint_eq(nodes[0], XEN_INVALID_DEV);
    ck_assert_int_eq(xensim_pci_set(0x7777, 1, 8, XENSIM_PCI_FORGET), -ENOENT);
}

TEST(hypfs_holds_the_runtime_parameters, 60)
{
    xenhypfs_handle *h = xenhypfs_open(NULL, 0);
    char v[64], *s;

    ck_assert_ptr_nonnull(h);
    s = xenhypfs_read(h, "/params/loglvl");
    ck_assert_str_eq(s, "warning/warning");
    free(s);
    s = xenhypfs_read(h, "/params/guest_loglvl");
    ck_assert_str_eq(s, "none/warning");
    free(s);
    /* as Xen's parser: levels by prefix, upper never below lower, and
     * what is left over refused (the value set all the same) */
    ck_assert_int_eq(xenhypfs_write(h, "/params/loglvl", "info/error"), 0);
    ck_assert_int_eq(xensim_param_get("loglvl", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "info/info");
    errno = 0;
    ck_assert_int_lt(xenhypfs_write(h, "/params/loglvl", "debugx"), 0);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(xensim_param_get("loglvl", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "all/all");
    /* a string longer than its buffer; a boolean; an unknown name */
    ck_assert_int_lt(xenhypfs_write(h, "/params/conswitch", "abc"), 0);
    ck_assert_int_eq(errno, ENOSPC);
    ck_assert_int_eq(xenhypfs_write(h, "/params/global-pages", "off"), 0);
    ck_assert_int_eq(xensim_param_get("global-pages", v, sizeof(v)), 0);
    ck_assert_str_eq(v, "0");
    ck_assert_int_lt(xenhypfs_write(h, "/params/nosuch", "1"), 0);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_lt(xenhypfs_write(h, "/params", "1"), 0);
    ck_assert_int_eq(errno, EACCES);
    ck_assert_int_eq(xensim_param_get("nosuch", v, sizeof(v)), -ENOENT);
    xenhypfs_close(h);
}
