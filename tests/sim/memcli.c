/*
 * memcli.c: the xensim commands of hc_mem.c's state: `balloon` (the guest's
 * balloon driver reaching its memory target, or a size given), `mem` (a
 * domain's tot_pages, max_pages, PoD target and the triggers it got) and
 * `acpi` (whether its OS obeys the ACPI power button).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xensim.h"
#include "xsclient.h"

#define __XEN_TOOLS__ 1
#include <xen/xen.h>
#include <xen/domctl.h>

static int domid_of(const char *s, uint32_t *domid)
{
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    if (*end || !*s || v > UINT32_MAX)
        return -1;
    *domid = (uint32_t)v;
    return 0;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "xensim %s: %s\n", what, strerror(-rc));
    return 1;
}

/* The guest's memory/target (what its balloon driver reads), in KiB. */
static int read_target(uint32_t domid, uint64_t *kb)
{
    struct xsc c;
    char path[64], *v = NULL, *end;
    int e = cli_connect(&c);
    if (e)
        return -e;
    snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
    e = xsc_read(&c, 0, path, &v);
    xsc_close(&c);
    if (e)
        return -e;
    /* a driver ignores a target it cannot read */
    *kb = strtoull(v, &end, 10);
    e = (*end || !*v || *v == '-') ? -EINVAL : 0;
    free(v);
    return e;
}

int cmd_balloon(int argc, char **argv)
{
    static const char *syn = "balloon DOMID [KB]   (no KB: its memory/target)";
    uint32_t domid;
    uint64_t kb = 0;
    int rc;
    if ((argc != 2 && argc != 3) || domid_of(argv[1], &domid))
        return cli_usage(syn);
    if (argc == 3) {
        char *end;
        kb = strtoull(argv[2], &end, 10);
        if (*end || !*argv[2])
            return cli_usage(syn);
    } else if ((rc = read_target(domid, &kb)) < 0)
        return fail("balloon (memory/target)", rc);
    rc = xensim_domain_balloon(domid, kb);
    return rc < 0 ? fail("balloon", rc) : 0;
}

int cmd_mem(int argc, char **argv)
{
    uint32_t domid;
    struct xensim_memstate m;
    if (argc != 2 || domid_of(argv[1], &domid))
        return cli_usage("mem DOMID");
    int rc = xensim_domain_mem_state(domid, &m);
    if (rc < 0)
        return fail("mem", rc);
    printf("tot_kb=%llu\nmax_kb=%llu\npod_target_pages=%llu\n"
           "trigger_power=%u\ntrigger_sleep=%u\ntrigger_nmi=%u\nacpi=%s\n",
           (unsigned long long)m.tot_pages * 4,
           (unsigned long long)m.max_pages * 4,
           (unsigned long long)m.pod_target_pages,
           m.triggers[XEN_DOMCTL_SENDTRIGGER_POWER],
           m.triggers[XEN_DOMCTL_SENDTRIGGER_SLEEP],
           m.triggers[XEN_DOMCTL_SENDTRIGGER_NMI],
           m.acpi_ignore ? "ignore" : "obey");
    return 0;
}

int cmd_acpi(int argc, char **argv)
{
    uint32_t domid;
    if (argc != 3 || domid_of(argv[1], &domid) ||
        (strcmp(argv[2], "obey") && strcmp(argv[2], "ignore")))
        return cli_usage("acpi DOMID obey|ignore");
    int rc = xensim_domain_set_acpi_ignore(domid, !strcmp(argv[2], "ignore"));
    return rc < 0 ? fail("acpi", rc) : 0;
}
