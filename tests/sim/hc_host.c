/*
 * hc_host.c: the simulated hypervisor's answers about the host as a whole:
 * sysctl physinfo, cputopoinfo, numainfo, pcitopoinfo, sched_id,
 * readconsole and debug_keys, memory_op's memory-sharing counts (from
 * hc_mem.c), and the hypervisor file system (hypfs_op)
 * with the runtime parameters it holds; plus the control calls of
 * xensim.h that drive them (console lines, parameters, PCI devices).
 * Its state is struct sim_state's host part, under the table lock, set up
 * at first use: the console ring then holds the boot messages.
 */
#define __XEN_TOOLS__ 1
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/hypfs.h>
#include <xen/sysctl.h>

#include "sim.h"

/* 64 GiB of RAM (unless xensim_host_set_memory_kb said otherwise), of
 * which the hypervisor keeps 64 MiB for itself. */
#define SIM_HOST_PAGES  (64ull << 18)
#define SIM_XEN_PAGES   (64ull << 8)

/* Lock held. */
static uint64_t host_pages_locked(const struct sim_state *s)
{
    return s->host.total_pages ? s->host.total_pages : SIM_HOST_PAGES;
}

/* The host's cpus and nodes are hc_cpupool.c's ($XENSIM_CPUS, _NODES). */
static uint32_t host_cpus(void)
{
    struct sim_state *s = sim_state();
    return s ? sim_nr_cpus(s) : 1;
}

/* ------------------------------------------------------------ console ring */

/* Append text to the ring as printk does: "(XEN) " starts every line. The
 * oldest characters are overwritten once the ring is full. Lock held. */
static void console_put_locked(struct sim_state *s, const char *text)
{
    struct sim_host_info *h = &s->host;
    static const char prefix[] = "(XEN) ";
    bool line_start = h->conring_p == 0 ||
                      h->conring[(h->conring_p - 1) % SIM_CONRING_SIZE] == '\n';

    for (const char *c = text; *c; c++) {
        if (line_start)
            for (const char *p = prefix; *p; p++)
                h->conring[h->conring_p++ % SIM_CONRING_SIZE] = *p;
        h->conring[h->conring_p++ % SIM_CONRING_SIZE] = *c;
        line_start = *c == '\n';
    }
    if (h->conring_p - h->conring_c > SIM_CONRING_SIZE)
        h->conring_c = h->conring_p - SIM_CONRING_SIZE;
}

static void console_printf_locked(struct sim_state *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void console_printf_locked(struct sim_state *s, const char *fmt, ...)
{
    char line[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    console_put_locked(s, line);
}

/* What a Debian 4.17 hypervisor prints as it boots, in short. */
static void console_boot_locked(struct sim_state *s)
{
    s->host.conring_c = s->host.conring_p = 0;
    console_printf_locked(s, "Xen version 4.17.7-sim (lightcore@tests) "
                          "(xensim) debug=n Simulated\n");
    console_printf_locked(s, "Latest ChangeSet: \n");
    console_printf_locked(s, "build-id: 78656e73696d00000000000000000000"
                          "00000000\n");
    console_printf_locked(s, "Command line: dom0_mem=1024M,max:1024M\n");
    console_printf_locked(s, "System RAM: %lluMB (%llukB)\n",
                          SIM_HOST_PAGES / 256, SIM_HOST_PAGES * 4);
    console_printf_locked(s, "Using scheduler: SMP Credit Scheduler rev2 "
                          "(credit2)\n");
    console_printf_locked(s, "Brought up %u CPUs\n", host_cpus());
    console_printf_locked(s, "*** LOADING DOMAIN 0 ***\n");
    console_printf_locked(s, "Dom0 has maximum %u VCPUs\n", host_cpus());
    console_printf_locked(s, "Scrubbing Free RAM in background\n");
    console_printf_locked(s, "Std. Loglevel: Errors and warnings\n");
    console_printf_locked(s, "Guest Loglevel: Nothing (Rate-limited: Errors "
                          "and warnings)\n");
    console_printf_locked(s, "Freed 640kB init memory\n");
}

/* ------------------------------------------------------------ PCI devices */

/* The devices dom0 sees are the ones the hypervisor knows: sysfs's list,
 * with each one's NUMA node (none, on a host without NUMA information). */
static void pci_boot_locked(struct sim_state *s)
{
    struct sim_host_info *h = &s->host;
    DIR *dir = opendir("/sys/bus/pci/devices");
    struct dirent *e;

    h->nr_pci = 0;
    if (!dir)
        return;
    while ((e = readdir(dir)) && h->nr_pci < SIM_NR_PCI) {
        unsigned seg, bus, dev, fn;
        char path[320];
        int node = -1;
        FILE *f;

        if (sscanf(e->d_name, "%x:%x:%x.%u", &seg, &bus, &dev, &fn) != 4)
            continue;
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node",
                 e->d_name);
        f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%d", &node) != 1)
                node = -1;
            fclose(f);
        }
        struct sim_pci_dev *d = &h->pci[h->nr_pci++];
        d->seg = (uint16_t)seg;
        d->bus = (uint8_t)bus;
        d->devfn = (uint8_t)(((dev & 0x1f) << 3) | (fn & 7));
        d->node = node == 0 ? 0 : XEN_INVALID_NODE_ID;   /* one node */
    }
    closedir(dir);
}

static struct sim_pci_dev *pci_find_locked(struct sim_state *s, uint16_t seg,
                                           uint8_t bus, uint8_t devfn)
{
    for (uint32_t i = 0; i < s->host.nr_pci; i++) {
        struct sim_pci_dev *d = &s->host.pci[i];
        if (d->seg == seg && d->bus == bus && d->devfn == devfn)
            return d;
    }
    return NULL;
}

/* ------------------------------------------------------------ set-up */

/* Takes the table lock, setting the host part up the first time. */
static void host_lock(struct sim_state *s)
{
    sim_lock(s);
    if (s->host.booted)
        return;
    console_boot_locked(s);
    pci_boot_locked(s);
    /* A release build's defaults (Xen's NDEBUG thresholds). */
    snprintf(s->host.loglvl, sizeof(s->host.loglvl), "warning/warning");
    snprintf(s->host.guest_loglvl, sizeof(s->host.guest_loglvl),
             "none/warning");
    snprintf(s->host.conswitch, sizeof(s->host.conswitch), "a");
    s->host.global_pages = 1;
    s->host.booted = 1;
}

/* ------------------------------------------------------------ memory */

/* Pages the domains hold (dying ones too, until they are freed). */
static uint64_t used_pages_locked(struct sim_state *s)
{
    uint64_t used = 0;
    for (uint32_t i = 0; i < s->next_domid && i < SIM_NR_DOMIDS; i++)
        if (sim_domain_present_locked(s, i))
            used += s->doms[i].mem_kb / 4;
    return used;
}

/* Free pages: what neither the hypervisor nor a domain holds. A freed
 * domain's pages are scrubbed at once, so none wait to be (scrub_pages). */
static uint64_t free_pages_locked(struct sim_state *s)
{
    uint64_t used = SIM_XEN_PAGES + used_pages_locked(s);
    return host_pages_locked(s) > used ? host_pages_locked(s) - used : 0;
}

/* ------------------------------------------------------------ sysctl */

static long physinfo(struct sim_state *s, struct xen_sysctl_physinfo *p)
{
    uint64_t free_pages, total_pages;

    sim_lock(s);
    free_pages = free_pages_locked(s);
    total_pages = host_pages_locked(s);
    sim_unlock(s);
    memset(p, 0, sizeof(*p));
    p->threads_per_core = 1;
    p->nr_cpus = host_cpus();
    p->nr_nodes = sim_nr_nodes(s);
    p->cores_per_socket = p->nr_cpus / p->nr_nodes;  /* a socket a node */
    p->max_cpu_id = p->nr_cpus - 1;
    p->max_node_id = 63;        /* as Xen: MAX_NUMNODES - 1, not the last node */
    p->cpu_khz = 2000000;
    /* Debian's build has no shadow paging: no PHYSCAP_shadow (real Xen,
     * tests/realxen/rxfacts.c) */
    p->capabilities = XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_pv |
                      XEN_SYSCTL_PHYSCAP_hap |
                      XEN_SYSCTL_PHYSCAP_gnttab_v1 | XEN_SYSCTL_PHYSCAP_gnttab_v2;
    p->total_pages = total_pages;
    p->free_pages = free_pages;
    p->scrub_pages = 0;
    p->outstanding_pages = 0;
    p->max_mfn = total_pages - 1;
    return 0;
}

/* Every cpu a core of its node's socket (as physinfo says). */
static long cputopoinfo(struct xen_sysctl_cputopoinfo *t)
{
    struct sim_state *s = sim_state();
    uint32_t have = host_cpus(), nodes = s ? sim_nr_nodes(s) : 1;
    xen_sysctl_cputopo_t *buf = t->cputopo.p;

    if (buf)
        for (uint32_t i = 0; i < have && i < t->num_cpus; i++) {
            buf[i].node = s ? sim_cpu_node(s, i) : 0;
            buf[i].socket = buf[i].node;
            buf[i].core = i - buf[i].node * (have / nodes);
        }
    t->num_cpus = have;
    return 0;
}

/* The memory physinfo reports, split evenly between the nodes (one by
 * default); what is in use is taken from node 0; distances 10 and 20. As
 * Xen: with buffers, as many nodes as both sides have (the distance
 * matrix that wide), and num_nodes says how many. */
static long numainfo(struct sim_state *s, struct xen_sysctl_numainfo *ni)
{
    xen_sysctl_meminfo_t *mem = ni->meminfo.p;
    uint32_t *dist = ni->distance.p;
    uint32_t nodes = sim_nr_nodes(s), n = nodes;

    if (mem || dist) {
        uint64_t free_pages, total_pages;
        if (n > ni->num_nodes)
            n = ni->num_nodes;
        sim_lock(s);
        free_pages = free_pages_locked(s);
        total_pages = host_pages_locked(s);
        sim_unlock(s);
        uint64_t per = total_pages / nodes;
        uint64_t used = total_pages - free_pages;
        for (uint32_t i = 0; i < n; i++) {
            if (mem) {
                uint64_t take = i == 0 ? used : 0;
                mem[i].memsize = per * SIM_PAGE;
                mem[i].memfree = (per > take ? per - take : 0) * SIM_PAGE;
            }
            if (dist)
                for (uint32_t j = 0; j < n; j++)
                    dist[i * n + j] = i == j ? 10 : 20;
        }
    }
    ni->num_nodes = n;
    return 0;
}

/* As Xen: each device's node, XEN_INVALID_DEV for one it does not know. */
static long pcitopoinfo(struct sim_state *s, struct xen_sysctl_pcitopoinfo *ti)
{
    const physdev_pci_device_t *devs = ti->devs.p;
    uint32_t *nodes = ti->nodes.p;

    if (!devs || !nodes)
        return -EINVAL;
    host_lock(s);
    for (uint32_t i = 0; i < ti->num_devs; i++) {
        struct sim_pci_dev *d = pci_find_locked(s, devs[i].seg, devs[i].bus,
                                                devs[i].devfn);
        nodes[i] = d ? d->node : XEN_INVALID_DEV;
    }
    sim_unlock(s);
    return 0;
}

/* Xen's read_console_ring: from index (if incremental and still in the
 * ring) or the oldest character, at most count characters; clear drops
 * what was read. */
static long readconsole(struct sim_state *s, struct xen_sysctl_readconsole *op)
{
    char *out = op->buffer.p;
    uint32_t c, p, sofar = 0;

    host_lock(s);
    c = s->host.conring_c;
    p = s->host.conring_p;
    if (op->incremental &&
        (c <= p ? c < op->index && op->index <= p
                : c < op->index || op->index <= p))
        c = op->index;
    while (c != p && sofar < op->count) {
        if (!out) {
            sim_unlock(s);
            return -EFAULT;
        }
        out[sofar++] = s->host.conring[c % SIM_CONRING_SIZE];
        c++;
    }
    if (op->clear)
        s->host.conring_c = p - c > SIM_CONRING_SIZE ? p - SIM_CONRING_SIZE : c;
    sim_unlock(s);
    op->count = sofar;
    op->index = c;
    return 0;
}

/* The keys Debian's 4.17 build answers on x86 (as `h` lists them on real
 * Xen under qemu64 with AMD-V, tests/realxen); each only prints its name,
 * except 'h', which lists them all. */
static const char *const key_desc[128] = {
    ['%'] = "trap to xendbg",
    ['*'] = "print all diagnostics",
    ['+'] = "increase log level threshold",
    ['-'] = "decrease log level threshold",
    ['0'] = "dump Dom0 registers",
    ['A'] = "toggle alternative key handling",
    ['G'] = "toggle host/guest log level adjustment",
    ['H'] = "dump heap info",
    ['I'] = "dump HVM irq info",
    ['M'] = "dump MSI state",
    ['N'] = "trigger an NMI",
    ['Q'] = "dump PCI devices",
    ['R'] = "reboot machine",
    ['a'] = "dump timer queues",
    ['c'] = "dump ACPI Cx structures",
    ['d'] = "dump registers",
    ['e'] = "dump evtchn info",
    ['g'] = "print grant table usage",
    ['h'] = "show this message",
    ['i'] = "dump interrupt bindings",
    ['m'] = "memory info",
    ['n'] = "NMI statistics",
    ['q'] = "dump domain (and guest debug) info",
    ['r'] = "dump run queues",
    ['s'] = "dump softtsc stats",
    ['t'] = "display multi-cpu clock info",
    ['u'] = "dump NUMA info",
    ['v'] = "dump AMD-V VMCBs",
    ['w'] = "synchronously dump console ring buffer (dmesg)",
    ['x'] = "print livepatch info",
    ['z'] = "dump IOAPIC info",
};

static long debug_keys(struct sim_state *s, struct xen_sysctl_debug_keys *dk)
{
    const char *keys = dk->keys.p;

    if (dk->nr_keys && !keys)
        return -EFAULT;
    host_lock(s);
    for (uint32_t i = 0; i < dk->nr_keys; i++) {
        unsigned char k = (unsigned char)keys[i];
        if (k >= 128 || !key_desc[k])
            continue;            /* no handler: ignored, as by Xen */
        if (k != 'h') {
            console_printf_locked(s, "'%c' pressed -> %s\n", k, key_desc[k]);
            continue;
        }
        console_printf_locked(s, "'h' pressed -> showing installed handlers\n");
        for (unsigned j = 0; j < 128; j++)
            if (key_desc[j])
                console_printf_locked(s, " key '%c' (ascii '%02x') => %s\n",
                                      isprint((int)j) ? (int)j : ' ', j,
                                      key_desc[j]);
    }
    sim_unlock(s);
    return 0;
}

long sim_hc_host_sysctl(struct sim_state *s, struct xen_sysctl *sc)
{
    switch (sc->cmd) {
    case XEN_SYSCTL_physinfo:
        return physinfo(s, &sc->u.physinfo);
    case XEN_SYSCTL_cputopoinfo:
        return cputopoinfo(&sc->u.cputopoinfo);
    case XEN_SYSCTL_numainfo:
        return numainfo(s, &sc->u.numainfo);
    case XEN_SYSCTL_pcitopoinfo:
        return pcitopoinfo(s, &sc->u.pcitopoinfo);
    case XEN_SYSCTL_sched_id:
        /* the scheduler the host booted with, pool 0's (hc_vcpu.c) */
        sim_lock(s);
        sc->u.sched_id.sched_id = sim_domain_sched_locked(s, 0);
        sim_unlock(s);
        return 0;
    case XEN_SYSCTL_readconsole:
        return readconsole(s, &sc->u.readconsole);
    case XEN_SYSCTL_debug_keys:
        return debug_keys(s, &sc->u.debug_keys);
    default:
        return -ENOSYS;
    }
}

/* Memory sharing's host-wide counts: Debian's build has no memory
 * sharing, and Xen 4.17 then answers 0 for both (not ENOSYS). */
long sim_hc_host_sharing(struct sim_state *s, uint64_t cmd)
{
    (void)s;
    (void)cmd;
    return 0;
}

/* ------------------------------------------------------------ hypfs */

enum param_kind { PARAM_LOGLVL, PARAM_STRING, PARAM_BOOL };

/* The runtime parameters modelled, under /params. */
static const struct param {
    const char *name;
    enum param_kind kind;
    size_t offset;           /* in struct sim_host_info */
    uint32_t max_write;      /* the entry's max_write_len */
} params[] = {
    { "loglvl", PARAM_LOGLVL, offsetof(struct sim_host_info, loglvl), 16 },
    { "guest_loglvl", PARAM_LOGLVL,
      offsetof(struct sim_host_info, guest_loglvl), 16 },
    { "conswitch", PARAM_STRING, offsetof(struct sim_host_info, conswitch), 3 },
    { "global-pages", PARAM_BOOL, offsetof(struct sim_host_info, global_pages),
      1 },
};

#define MAX_PARAM_SIZE 128u      /* Xen's bound on a custom parameter */

static const struct param *find_param(const char *path)
{
    if (strncmp(path, "/params/", 8))
        return NULL;
    for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
        if (!strcmp(path + 8, params[i].name))
            return &params[i];
    return NULL;
}

static bool is_dir(const char *path)
{
    return !strcmp(path, "/") || !strcmp(path, "/params") ||
           !strcmp(path, "/params/");
}

/* Xen's log level names, by prefix; an unknown one is "warning". */
static int parse_level(const char **sp)
{
    static const struct { const char *name; int lvl; } lv[] = {
        { "none", 0 }, { "error", 1 }, { "warning", 2 }, { "info", 3 },
        { "debug", 4 }, { "all", 4 },
    };
    for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
        if (!strncmp(*sp, lv[i].name, strlen(lv[i].name))) {
            *sp += strlen(lv[i].name);
            return lv[i].lvl;
        }
    return 2;
}

/* loglvl=<always>[/<rate-limited>]: stored as "lower/upper" whatever
 * happens; -EINVAL if something follows. */
static int set_loglvl(char *var, const char *s)
{
    static const char *const names[] = { "none", "error", "warning", "info",
                                         "all" };
    int lower = parse_level(&s), upper = lower;

    if (*s == '/') {
        s++;
        upper = parse_level(&s);
    }
    if (upper < lower)
        upper = lower;
    snprintf(var, 16, "%s/%s", names[lower], names[upper]);
    return *s ? -EINVAL : 0;
}

static long hypfs_read(struct sim_state *s, const char *path, void *buf,
                       uint64_t len)
{
    struct xen_hypfs_direntry e = { .encoding = XEN_HYPFS_ENC_PLAIN };
    const struct param *p = find_param(path);
    char value[MAX_PARAM_SIZE] = "";

    if (!p && !is_dir(path))
        return -ENOENT;
    if (len < sizeof(e))
        return -EINVAL;
    host_lock(s);
    if (!p) {
        e.type = XEN_HYPFS_TYPE_DIR;
    } else if (p->kind == PARAM_BOOL) {
        e.type = XEN_HYPFS_TYPE_BOOL;
        value[0] = (char)*((uint8_t *)&s->host + p->offset);
        e.content_len = 1;
        e.max_write_len = 1;
    } else {
        e.type = XEN_HYPFS_TYPE_STRING;
        snprintf(value, sizeof(value), "%s", (char *)&s->host + p->offset);
        e.content_len = (uint32_t)strlen(value) + 1;
        e.max_write_len = p->max_write;
    }
    sim_unlock(s);
    if (!buf)
        return -EFAULT;
    memcpy(buf, &e, sizeof(e));
    if (len < sizeof(e) + e.content_len)
        return -ENOBUFS;
    memcpy((char *)buf + sizeof(e), value, e.content_len);
    return 0;
}

static long hypfs_write(struct sim_state *s, const char *path, const void *buf,
                        uint64_t len)
{
    const struct param *p = find_param(path);
    const char *in = buf;
    long rc = 0;

    if (!p)
        return is_dir(path) ? -EACCES : -ENOENT;
    if (len && !buf)
        return -EFAULT;
    host_lock(s);
    char *var = (char *)&s->host + p->offset;
    switch (p->kind) {
    case PARAM_BOOL:
        if (len != 1)
            rc = -EDOM;
        else
            *(uint8_t *)var = in[0] ? 1 : 0;
        break;
    case PARAM_STRING:
        if (len > p->max_write)
            rc = -ENOSPC;
        else if (!len || memchr(in, 0, len) != in + len - 1)
            rc = -EINVAL;
        else
            memcpy(var, in, len);
        break;
    case PARAM_LOGLVL:
        if (len > MAX_PARAM_SIZE)
            rc = -ENOSPC;
        else if (!len || memchr(in, 0, len) != in + len - 1)
            rc = -EDOM;
        else
            rc = set_loglvl(var, in);
        break;
    }
    sim_unlock(s);
    return rc;
}

/* hypfs_op(cmd, path, path length, buffer, buffer length). */
long sim_hc_hypfs_op(struct sim_state *s, const uint64_t a[6])
{
    const char *upath = (const char *)(uintptr_t)a[1];
    char path[XEN_HYPFS_MAX_PATHLEN];
    void *buf = (void *)(uintptr_t)a[3];

    if (a[0] == XEN_HYPFS_OP_get_version)
        return a[1] || a[2] || a[3] || a[4] ? -EINVAL : XEN_HYPFS_VERSION;
    if (a[0] != XEN_HYPFS_OP_read && a[0] != XEN_HYPFS_OP_write_contents)
        return -EOPNOTSUPP;
    if (!a[2] || a[2] > sizeof(path))
        return -EINVAL;
    if (!upath)
        return -EFAULT;
    memcpy(path, upath, a[2]);
    if (path[a[2] - 1])
        return -EINVAL;
    if (a[0] == XEN_HYPFS_OP_read)
        return hypfs_read(s, path, buf, a[4]);
    return hypfs_write(s, path, buf, a[4]);
}

/* ------------------------------------------------------------ control API */

EXPORT int xensim_console_write(const char *text)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -ENOENT;
    host_lock(s);
    console_put_locked(s, text);
    sim_unlock(s);
    return 0;
}

EXPORT int xensim_console_reset(void)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -ENOENT;
    host_lock(s);
    console_boot_locked(s);
    sim_unlock(s);
    return 0;
}

EXPORT int xensim_console_read(char *buf, size_t size, uint32_t *cleared)
{
    struct sim_state *s = sim_state();
    uint32_t n = 0;
    if (!s)
        return -ENOENT;
    if (!size)
        return -EINVAL;
    host_lock(s);
    for (uint32_t c = s->host.conring_c; c != s->host.conring_p && n + 1 < size;
         c++)
        buf[n++] = s->host.conring[c % SIM_CONRING_SIZE];
    if (cleared)
        *cleared = s->host.conring_c;
    sim_unlock(s);
    buf[n] = '\0';
    return (int)n;
}

EXPORT int xensim_host_set_memory_kb(uint64_t kb)
{
    struct sim_state *s = sim_state();
    if (!s)
        return -ENOENT;
    sim_lock(s);
    s->host.total_pages = kb / 4;
    sim_unlock(s);
    return 0;
}

EXPORT int xensim_param_get(const char *name, char *buf, size_t size)
{
    struct sim_state *s = sim_state();
    char path[160];
    if (!s)
        return -ENOENT;
    snprintf(path, sizeof(path), "/params/%s", name);
    const struct param *p = find_param(path);
    if (!p)
        return -ENOENT;
    host_lock(s);
    if (p->kind == PARAM_BOOL)
        snprintf(buf, size, "%u", *((uint8_t *)&s->host + p->offset));
    else
        snprintf(buf, size, "%s", (char *)&s->host + p->offset);
    sim_unlock(s);
    return 0;
}

EXPORT int xensim_pci_set(uint16_t seg, uint8_t bus, uint8_t devfn,
                          int32_t node)
{
    struct sim_state *s = sim_state();
    int rc = 0;
    if (!s)
        return -ENOENT;
    host_lock(s);
    struct sim_pci_dev *d = pci_find_locked(s, seg, bus, devfn);
    if (node == XENSIM_PCI_FORGET) {
        if (d)
            *d = s->host.pci[--s->host.nr_pci];
        else
            rc = -ENOENT;
    } else {
        if (!d && s->host.nr_pci < SIM_NR_PCI) {
            d = &s->host.pci[s->host.nr_pci++];
            d->seg = seg;
            d->bus = bus;
            d->devfn = devfn;
        }
        if (d)
            d->node = node < 0 ? XEN_INVALID_NODE_ID : (uint32_t)node;
        else
            rc = -ENOSPC;
    }
    sim_unlock(s);
    return rc;
}

bool sim_pci_known_lock(struct sim_state *s, uint32_t sbdf)
{
    host_lock(s);
    return pci_find_locked(s, (uint16_t)(sbdf >> 16), (uint8_t)(sbdf >> 8),
                           (uint8_t)sbdf) != NULL;
}

EXPORT int xensim_pci_get(unsigned i, uint16_t *seg, uint8_t *bus,
                          uint8_t *devfn, int32_t *node)
{
    struct sim_state *s = sim_state();
    int rc = 0;
    if (!s)
        return -ENOENT;
    host_lock(s);
    if (i >= s->host.nr_pci) {
        rc = -ENOENT;
    } else {
        const struct sim_pci_dev *d = &s->host.pci[i];
        *seg = d->seg;
        *bus = d->bus;
        *devfn = d->devfn;
        *node = d->node == XEN_INVALID_NODE_ID ? -1 : (int32_t)d->node;
    }
    sim_unlock(s);
    return rc;
}
