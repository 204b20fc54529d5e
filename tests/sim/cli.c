/*
 * cli.c: `xensim`, the control program of the simulated Xen host: command
 * dispatch, and the hypervisor-side domain commands (shutdown, crash,
 * pause, unpause, destroy, list, info, counters, hvm-param).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drivers.h"
#include "xensim.h"

#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/hvm/params.h>

static const char *prog = "xensim";

int cli_usage(const char *synopsis)
{
    fprintf(stderr, "usage: %s %s\n", prog, synopsis);
    return 2;
}

static int domid_arg(int argc, char **argv, const char *syn, uint32_t *domid)
{
    char *end;
    if (argc < 2)
        return cli_usage(syn);
    unsigned long v = strtoul(argv[1], &end, 0);
    if (*end || !*argv[1])
        return cli_usage(syn);
    *domid = (uint32_t)v;
    return 0;
}

static int report(const char *what, int rc)
{
    if (rc < 0) {
        fprintf(stderr, "%s %s: %s\n", prog, what, strerror(-rc));
        return 1;
    }
    return 0;
}

static int cmd_shutdown(int argc, char **argv)
{
    static const char *syn = "shutdown DOMID [poweroff|reboot|suspend|crash|watchdog|soft_reset|N]";
    uint32_t domid;
    int r = domid_arg(argc, argv, syn, &domid);
    if (r)
        return r;
    int reason = argc > 2 ? cli_parse_reason(argv[2]) : SHUTDOWN_poweroff;
    if (reason < 0 || argc > 3)
        return cli_usage(syn);
    return report("shutdown", xensim_domain_shutdown(domid, (uint32_t)reason));
}

static int cmd_simple(int argc, char **argv)
{
    uint32_t domid;
    char syn[64];
    snprintf(syn, sizeof(syn), "%s DOMID", argv[0]);
    int r = domid_arg(argc, argv, syn, &domid);
    if (r || argc != 2)
        return r ? r : cli_usage(syn);
    const char *c = argv[0];
    if (!strcmp(c, "crash"))
        return report(c, xensim_domain_shutdown(domid, SHUTDOWN_crash));
    if (!strcmp(c, "pause"))
        return report(c, xensim_domain_pause(domid));
    if (!strcmp(c, "unpause"))
        return report(c, xensim_domain_unpause(domid));
    return report(c, xensim_domain_destroy(domid));
}

static const char *state_of(const struct xensim_dominfo *d)
{
    if (d->dying)
        return "dying";
    if (d->shutdown)
        return d->reason == SHUTDOWN_crash ? "crashed" : "shutdown";
    if (d->paused)
        return "paused";
    return "running";
}

/* One line per domain: DOMID NAME MEM_KB MAX_KB VCPUS STATE REASON CPU_NS
 * INTRODUCED GUEST_PID */
static int cmd_list(int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return cli_usage("list");
    int id = xensim_domain_next(0);
    if (id == -ENOENT)
        return report("list", id);
    for (; id >= 0; id = xensim_domain_next((uint32_t)id + 1)) {
        struct xensim_dominfo d;
        if (xensim_domain_info((uint32_t)id, &d) < 0)
            continue;
        printf("%u %s %llu %llu %u %s %s %llu %d %d\n", d.domid,
               d.name[0] ? d.name : "-", (unsigned long long)d.mem_kb,
               (unsigned long long)d.max_kb, d.vcpus, state_of(&d),
               d.shutdown ? cli_reason_name(d.reason) : "-",
               (unsigned long long)d.cpu_ns, d.introduced, (int)d.guest_pid);
    }
    return 0;
}

static int cmd_info(int argc, char **argv)
{
    uint32_t domid;
    int r = domid_arg(argc, argv, "info DOMID", &domid);
    if (r)
        return r;
    struct xensim_dominfo d;
    if ((r = xensim_domain_info(domid, &d)) < 0)
        return report("info", r);
    printf("domid=%u\nname=%s\nmem_kb=%llu\nmax_kb=%llu\nvcpus=%u\nstate=%s\n"
           "reason=%s\ncpu_ns=%llu\nintroduced=%d\nring_maps=%u\nguest_pid=%d\n"
           "hvm=%d\n",
           d.domid, d.name, (unsigned long long)d.mem_kb, (unsigned long long)d.max_kb,
           d.vcpus, state_of(&d), d.shutdown ? cli_reason_name(d.reason) : "-",
           (unsigned long long)d.cpu_ns, d.introduced, d.ring_maps, (int)d.guest_pid,
           d.hvm);
    return 0;
}

/* Wait until a domain has gone (destroyed and released by xenstored). */
static int cmd_wait_gone(int argc, char **argv)
{
    uint32_t domid;
    int r = domid_arg(argc, argv, "wait-gone DOMID [TIMEOUT_MS]", &domid);
    if (r)
        return r;
    int timeout = argc > 2 ? atoi(argv[2]) : 10000;
    uint64_t deadline = cli_now_us() + (uint64_t)timeout * 1000;
    struct xensim_dominfo d;
    while (xensim_domain_info(domid, &d) == 0) {
        if (cli_now_us() >= deadline) {
            fprintf(stderr, "%s wait-gone: domain %u still there\n", prog, domid);
            return 1;
        }
        struct timespec ts = { 0, 1000000 };
        nanosleep(&ts, NULL);
    }
    return 0;
}

/* Read (print) or set an HVM parameter of a domain, as the guest would:
 * "callback-irq" (HVM_PARAM_CALLBACK_IRQ) or a number. Setting the callback
 * IRQ nonzero is what an HVM guest's PV drivers do when they come up. */
static int cmd_hvm_param(int argc, char **argv)
{
    static const char *syn = "hvm-param DOMID callback-irq|INDEX [VALUE]";
    uint32_t domid;
    int r = domid_arg(argc, argv, syn, &domid);
    if (r)
        return r;
    if (argc < 3 || argc > 4)
        return cli_usage(syn);
    char *end;
    uint32_t index = !strcmp(argv[2], "callback-irq")
        ? HVM_PARAM_CALLBACK_IRQ : (uint32_t)strtoul(argv[2], &end, 0);
    uint64_t value = 0;
    if (argc == 4) {
        value = strtoull(argv[3], &end, 0);
        if (*end || !*argv[3])
            return cli_usage(syn);
        return report("hvm-param", xensim_domain_hvm_param(domid, index, &value, true));
    }
    if ((r = xensim_domain_hvm_param(domid, index, &value, false)) < 0)
        return report("hvm-param", r);
    printf("%llu\n", (unsigned long long)value);
    return 0;
}

/* Set the host's relinquish delay (see xensim_set_relinquish_ms). */
static int cmd_relinquish_delay(int argc, char **argv)
{
    if (argc != 2)
        return cli_usage("relinquish-delay MS");
    return report("relinquish-delay",
                  xensim_set_relinquish_ms((uint32_t)strtoul(argv[1], NULL, 10)));
}

/* "NAME VALUE" per non-zero counter, or one value. */
static int cmd_counters(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--reset")) {
        xensim_counters_reset();
        return 0;
    }
    if (argc == 2) {
        uint64_t v = 0;
        xensim_counter_get(argv[1], &v);
        printf("%llu\n", (unsigned long long)v);
        return 0;
    }
    if (argc != 1)
        return cli_usage("counters [--reset | NAME]");
    int probe = xensim_domain_next(0);
    if (probe < 0)
        return report("counters", probe);
    unsigned cur = 0;
    const char *name;
    uint64_t v;
    while (xensim_counter_iter(&cur, &name, &v))
        printf("%s %llu\n", name, (unsigned long long)v);
    return 0;
}

static void help(void)
{
    printf("usage: %s COMMAND ...\n"
           "host [--daemon]            start a private host, print its environment\n"
           "host-stop                  stop the host named by $XENSIM_HOST_PID/DIR\n"
           "create NAME [options]      create and introduce a domain, print its domid\n"
           "create-bulk COUNT [opts]   many domains, pipelined (--nodes none by default)\n"
           "shutdown DOMID [REASON]    the guest shuts down (default poweroff)\n"
           "crash DOMID                the guest crashes\n"
           "pause|unpause DOMID        as the control software\n"
           "destroy DOMID              the hypervisor destroys the domain\n"
           "request-shutdown DOMID R   write control/shutdown as a toolstack\n"
           "list | info DOMID          domains (see cli.c for the columns)\n"
           "wait-gone DOMID [MS]       wait until the domain has disappeared\n"
           "counters [--reset|NAME]    hypercall counters\n"
           "relinquish-delay MS        destroyed domains stay dying MS after release\n"
           "hvm-param DOMID P [VALUE]  read / set (as the guest) an HVM parameter\n"
           "guest DOMID [--policy P] [--ack-delay MS] [--daemon]\n"
           "guest-write DOMID PATH VALUE|--size N   write over the ring as the guest\n"
           "guest-rm DOMID PATH        remove over the ring as the guest\n"
           "guest-policy DOMID P       change a running guest's policy\n"
           "guest-frontends DOMID on|off  a running guest's frontend drivers\n"
           "backend-policy DOMID KIND|* [P]  dom0's backends for that domain: obey,\n"
           "                           no-initwait, no-connect, no-close (prints it)\n"
           "console | console-reset    the hypervisor's console ring / back to boot\n"
           "console-write TEXT...      the hypervisor prints a line\n"
           "param NAME                 a runtime parameter's value (/params/NAME)\n"
           "pci [SBDF NODE|none|forget]  PCI devices the hypervisor knows\n"
           "host-memory MB             the host's RAM (0: 64 GiB)\n", prog);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        help();
        return argc < 2 ? 2 : 0;
    }
    static const struct { const char *name; int (*fn)(int, char **); } cmds[] = {
        { "host", cmd_host }, { "host-stop", cmd_host_stop },
        { "create", cmd_create }, { "create-bulk", cmd_create_bulk },
        { "shutdown", cmd_shutdown }, { "crash", cmd_simple },
        { "pause", cmd_simple }, { "unpause", cmd_simple },
        { "destroy", cmd_simple }, { "request-shutdown", cmd_request_shutdown },
        { "list", cmd_list }, { "info", cmd_info }, { "wait-gone", cmd_wait_gone },
        { "counters", cmd_counters }, { "guest", cmd_guest },
        { "guest-write", cmd_guest_write }, { "guest-rm", cmd_guest_write },
        { "guest-policy", cmd_guest_policy },
        { "guest-frontends", cmd_guest_frontends },
        { "backend-policy", cmd_backend_policy },
        { "backend-serve", cmd_backend_serve }, { "xenbus", cmd_xenbus },
        { "relinquish-delay", cmd_relinquish_delay },
        { "hvm-param", cmd_hvm_param },
        { "balloon", cmd_balloon }, { "mem", cmd_mem }, { "acpi", cmd_acpi },
        { "console", cmd_console }, { "console-write", cmd_console },
        { "console-reset", cmd_console }, { "param", cmd_param },
        { "pci", cmd_pci }, { "host-memory", cmd_host_memory },
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "%s: unknown command %s\n", prog, argv[1]);
    return 2;
}
