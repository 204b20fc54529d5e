/*
 * domwatch.c: what dom0 runs for a domain a toolstack built (made by
 * XEN_DOMCTL_createdomain, through libxenguest), once xenstored has
 * introduced it (a child of the `xensim host` supervisor, logging to
 * $XENSIM_HOST_DIR/domwatch.log):
 *  - xenconsoled's part: a pseudo-terminal for the domain's console,
 *    named in /local/domain/N/console/tty (which libxl waits for);
 *  - the domain's simulated guest OS (`xensim guest`, guest.c), started
 *    with the policy its kernel command line asks for:
 *    `xensim.policy=obey|ignore|ack-only|crash` (default obey) and
 *    `xensim.frontends=on|off` (default on), read from the domain's memory
 *    (start_info for PV, hvm_start_info for PVH: xensim_domain_cmdline);
 *    a PVH guest's PV drivers count as up from then on (its
 *    HVM_PARAM_CALLBACK_IRQ is set), so libxl's shutdown goes through
 *    xenstore as for PV.
 * Domains made by `xensim create` are left alone (the CLI starts theirs).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "xensim.h"
#include "xsclient.h"

#define MAX_TRACKED 4096u

struct tracked {
    uint32_t domid;
    int pty;                   /* master side, -1 once the domain is gone */
    bool tty_written;
};

static struct tracked doms[MAX_TRACKED];
static unsigned nr_doms;

static struct tracked *find(uint32_t domid)
{
    for (unsigned i = 0; i < nr_doms; i++)
        if (doms[i].domid == domid)
            return &doms[i];
    return NULL;
}

/* The value of key (e.g. "xensim.policy") in a command line, or def. */
static void cmdline_value(const char *line, const char *key, char *out, size_t size,
                          const char *def)
{
    size_t klen = strlen(key);
    snprintf(out, size, "%s", def);
    for (const char *p = line; *p; ) {
        while (*p == ' ')
            p++;
        const char *end = p + strcspn(p, " ");
        if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
            size_t n = (size_t)(end - p) - klen - 1;
            if (n < size) {
                memcpy(out, p + klen + 1, n);
                out[n] = 0;
            }
        }
        p = end;
    }
}

/* A console pty for the domain, as xenconsoled. */
static int open_console(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0) {
        if (m >= 0)
            close(m);
        return -1;
    }
    return m;
}

/* As xenconsoled: once the toolstack has published the console's ring
 * (console/ring-ref and console/port, written after the domain was
 * introduced), name the pty in console/tty. */
static void publish_tty(struct xsc *c, struct tracked *t)
{
    if (t->pty < 0 || t->tty_written)
        return;
    char path[64], *v = NULL;
    snprintf(path, sizeof(path), "/local/domain/%u/console/ring-ref", t->domid);
    if (xsc_read(c, 0, path, &v))
        return;
    free(v);
    snprintf(path, sizeof(path), "/local/domain/%u/console/port", t->domid);
    if (xsc_read(c, 0, path, &v))
        return;
    free(v);
    const char *name = ptsname(t->pty);
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", t->domid);
    if (name && !xsc_write(c, 0, path, name, strlen(name))) {
        t->tty_written = true;
        fprintf(stderr, "domain %u: console/tty %s\n", t->domid, name);
    }
}

static void take_up(struct xsc *c, uint32_t domid)
{
    if (nr_doms >= MAX_TRACKED || !xensim_host_alive())
        return;
    struct tracked *t = &doms[nr_doms++];
    t->domid = domid;
    t->pty = open_console();
    t->tty_written = false;
    char path[64];
    snprintf(path, sizeof(path), "/local/domain/%u/console", domid);
    if (t->pty < 0 || xsc_watch(c, path, "c"))
        fprintf(stderr, "domain %u: no console\n", domid);
    char line[1100], policy[32], frontends[8];
    int rc = xensim_domain_cmdline(domid, line, sizeof(line));
    if (rc) {
        fprintf(stderr, "domain %u: no command line (%s): default policy\n", domid,
                strerror(-rc));
        line[0] = 0;
    }
    cmdline_value(line, "xensim.policy", policy, sizeof(policy), "obey");
    cmdline_value(line, "xensim.frontends", frontends, sizeof(frontends), "on");
    xensim_domain_set_introduced(domid);
    struct xensim_dominfo di;
    if (xensim_domain_info(domid, &di) == 0 && di.hvm) {
        /* a PVH kernel's PV drivers are up (HVM_PARAM_CALLBACK_IRQ set) */
        uint64_t irq = 1;
        xensim_domain_hvm_param(domid, 0, &irq, true);
    }
    pid_t pid = guest_spawn_frontends(domid, policy, 0, strcmp(frontends, "off") != 0);
    fprintf(stderr, "domain %u: guest %s (policy %s, frontends %s)\n", domid,
            pid > 0 ? "started" : "failed", policy, frontends);
}

/* Look at every domain: take up built ones xenstored has introduced (it
 * maps their ring when it does), let go of those gone. */
static void scan(struct xsc *c)
{
    /* cheap when there are none (hosts with thousands of CLI-made
     * domains introduce them one by one) */
    bool none = xensim_built_domains() <= 0;
    for (unsigned i = 0; i < nr_doms; i++) {
        struct xensim_dominfo di;
        if (doms[i].pty >= 0 &&
            (none || xensim_domain_info(doms[i].domid, &di) || di.dying)) {
            close(doms[i].pty);
            doms[i].pty = -1;
        }
    }
    for (int id = none ? -1 : xensim_domain_next(1); id > 0;
         id = xensim_domain_next((uint32_t)id + 1)) {
        struct xensim_dominfo di;
        if (xensim_domain_info((uint32_t)id, &di) == 0 && di.built && !di.dying &&
            di.ring_maps > 0 && !find((uint32_t)id))
            take_up(c, (uint32_t)id);
    }
    for (unsigned i = 0; i < nr_doms; i++)
        publish_tty(c, &doms[i]);
}

static int domwatch_run(const char *sock, int ready_fd)
{
    struct xsc c;
    if (xsc_open_socket(&c, sock)) {
        fprintf(stderr, "domwatch: cannot connect to %s\n", sock);
        return 1;
    }
    c.timeout_ms = 10000;
    if (xsc_watch(&c, "@introduceDomain", "i") || xsc_watch(&c, "@releaseDomain", "r")) {
        fprintf(stderr, "domwatch: cannot watch\n");
        return 1;
    }
    if (write(ready_fd, "r", 1) != 1)
        return 1;
    close(ready_fd);
    for (;;) {
        char *path = NULL, *token = NULL;
        int rc = xsc_event(&c, &path, &token, 60000);
        if (!rc)
            free(path);          /* the token is in the same allocation */
        if (rc && rc != ETIMEDOUT) {
            fprintf(stderr, "domwatch: xenstored gone (%s)\n", strerror(rc));
            return 0;
        }
        if (!xensim_host_alive())
            return 0;
        scan(&c);
    }
}

pid_t domwatch_spawn(const char *sock, const char *host_dir, const sigset_t *mask)
{
    pid_t parent = getpid();
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid != 0) {
        close(ready[1]);
        char ch;
        struct pollfd p = { .fd = ready[0], .events = POLLIN };
        bool ok = pid > 0 && poll(&p, 1, 10000) == 1 && read(ready[0], &ch, 1) == 1;
        close(ready[0]);
        if (pid > 0 && !ok) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            errno = EIO;
            return -1;
        }
        return pid;
    }
    close_range(3, (unsigned)ready[1] - 1, 0);
    close_range((unsigned)ready[1] + 1, ~0U, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    sigprocmask(SIG_SETMASK, mask, NULL);
    signal(SIGTERM, SIG_DFL);
    char log[4096];
    snprintf(log, sizeof(log), "%s/domwatch.log", host_dir);
    int lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
    }
    if (lf >= 0)
        dup2(lf, 2);
    setvbuf(stderr, NULL, _IOLBF, 0);
    _exit(domwatch_run(sock, ready[1]));
}
