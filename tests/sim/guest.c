/*
 * guest.c: simulated guests. `xensim guest DOMID --policy P` is the guest
 * kernel's xenstore side: it speaks the wire protocol over the domain's
 * ring, watches control/shutdown and obeys, ignores, acknowledges only, or
 * crashes; watches cpu/ and takes vcpus down or up as cpu/N/availability
 * says (vcpu 0 stays up, as Linux's); it also writes guest-owned nodes on
 * request (`guest-write`); and it runs the frontend drivers of its devices
 * (frontend.c) unless told not to (`--frontends off`, `guest-frontends`).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "drivers.h"
#include "xensim.h"

#include <xen/xen.h>
#include <xen/sched.h>

enum policy { POL_OBEY, POL_IGNORE, POL_ACK_ONLY, POL_CRASH };

static int parse_policy(const char *s)
{
    if (!strcmp(s, "obey")) return POL_OBEY;
    if (!strcmp(s, "ignore")) return POL_IGNORE;
    if (!strcmp(s, "ack-only")) return POL_ACK_ONLY;
    if (!strcmp(s, "crash")) return POL_CRASH;
    return -1;
}

int cli_parse_reason(const char *s)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash",
                                         "watchdog", "soft_reset" };
    if (!strcmp(s, "halt"))
        return SHUTDOWN_poweroff;
    for (int i = 0; i < 6; i++)
        if (!strcmp(s, names[i]))
            return i;
    char *end;
    long v = strtol(s, &end, 0);
    return *s && !*end && v >= 0 && v <= 255 ? (int)v : -1;
}

const char *cli_reason_name(uint32_t reason)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend", "crash",
                                         "watchdog", "soft_reset" };
    return reason < 6 ? names[reason] : "unknown";
}

struct guest {
    uint32_t domid;
    int evfd, cmdfd;
    struct xsc c;
    int policy;
    int ack_delay_ms;
    struct frontends *fe;
};

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

/* Attach as the domain's guest once the toolstack introduced it. */
static int guest_attach(uint32_t domid, int timeout_ms)
{
    uint64_t deadline = cli_now_us() + (uint64_t)timeout_ms * 1000;
    for (;;) {
        struct xensim_dominfo di;
        int r = xensim_domain_info(domid, &di);
        if (r < 0)
            return r;
        if (di.introduced && di.ring_maps)
            return xensim_guest_attach(domid);
        if (cli_now_us() >= deadline)
            return -ETIMEDOUT;
        sleep_ms(2);
    }
}

/* React to control/shutdown as the guest's policy says. Returns true when
 * the guest has gone (shut down or crashed). */
static bool on_shutdown_request(struct guest *g)
{
    char *val = NULL;
    int e = xsc_read(&g->c, 0, "control/shutdown", &val);
    if (e || !val || !*val) {
        free(val);
        return false;
    }
    int reason = cli_parse_reason(val);
    free(val);
    switch (g->policy) {
    case POL_IGNORE:
        return false;
    case POL_CRASH:
        xensim_domain_shutdown(g->domid, SHUTDOWN_crash);
        return true;
    case POL_ACK_ONLY:
        xsc_write(&g->c, 0, "control/shutdown", "", 0);
        return false;
    default:
        xsc_write(&g->c, 0, "control/shutdown", "", 0);   /* acknowledge */
        if (reason < 0 || reason == SHUTDOWN_crash)
            return false;       /* as Linux: unknown requests are ignored */
        if (g->ack_delay_ms)
            sleep_ms(g->ack_delay_ms);
        xensim_domain_shutdown(g->domid, (uint32_t)reason);
        return true;
    }
}

/* A command datagram: "OP\0REPLY-NAME\0ARG\0VALUE..." */
static void on_command(struct guest *g)
{
    char buf[XENSTORE_PAYLOAD_MAX + 512];
    ssize_t n = recv(g->cmdfd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
    if (n <= 0)
        return;
    buf[n] = 0;
    const char *op = buf;
    const char *reply = op + strlen(op) + 1;
    if (reply >= buf + n)
        return;
    const char *arg = reply + strlen(reply) + 1;
    if (arg > buf + n)
        return;
    const char *val = arg + strlen(arg) + 1;
    size_t vlen = val <= buf + n ? (size_t)(buf + n - val) : 0;
    int e = 0;
    if (!strcmp(op, "write"))
        e = xsc_write(&g->c, 0, arg, val, vlen);
    else if (!strcmp(op, "rm"))
        e = xsc_rm(&g->c, 0, arg);
    else if (!strcmp(op, "frontends")) {
        if (!strcmp(arg, "on") || !strcmp(arg, "off"))
            frontends_enable(g->fe, !strcmp(arg, "on"));
        else
            e = EINVAL;
    } else if (!strcmp(op, "policy")) {
        int p = parse_policy(arg);
        if (p < 0)
            e = EINVAL;
        else
            g->policy = p;
    } else
        e = ENOSYS;
    struct sockaddr_un a;
    unsigned alen;
    if (xensim_named_address(reply, &a, &alen) == 0) {
        char r[16];
        int rl = snprintf(r, sizeof(r), "%d", e);
        sendto(g->cmdfd, r, (size_t)rl, MSG_DONTWAIT, (struct sockaddr *)&a, alen);
    }
    if (!strcmp(op, "policy") && !e && g->policy != POL_IGNORE)
        on_shutdown_request(g);      /* a pending request meets the new policy */
}

/* cpu/N/availability changed: take vcpu N down or up, as Linux does (its
 * vcpu 0 stays up). Other paths under cpu/ are ignored. */
static void on_cpu_event(struct guest *g, const char *path)
{
    const char *rel = strstr(path, "cpu/");
    unsigned vcpu;
    int used = 0;
    char *val = NULL;

    if (!rel || sscanf(rel, "cpu/%u/availability%n", &vcpu, &used) != 1 ||
        rel[used] || vcpu == 0)
        return;
    char node[48];
    snprintf(node, sizeof(node), "cpu/%u/availability", vcpu);
    if (xsc_read(&g->c, 0, node, &val) == 0) {
        if (!strcmp(val, "online"))
            xensim_vcpu_set_online(g->domid, vcpu, true);
        else if (!strcmp(val, "offline"))
            xensim_vcpu_set_online(g->domid, vcpu, false);
    }
    free(val);
}

static bool guest_should_exit(struct guest *g)
{
    struct xensim_dominfo di;
    if (!xensim_host_alive() || xensim_domain_info(g->domid, &di) < 0)
        return true;
    if (di.dying || di.shutdown)
        return true;
    pid_t xs;
    return xensim_host_get_pids(&xs, NULL) == 0 && xs > 0 && !cli_pid_running(xs);
}

/* One watch event, to whichever part of the guest it is for; true when
 * the guest has gone. */
static bool on_event(struct guest *g, const char *path, const char *token)
{
    if (!strcmp(token, "shutdown"))
        return on_shutdown_request(g);
    if (!strcmp(token, "cpu"))
        on_cpu_event(g, path);
    else if (frontends_token(token))
        frontends_event(g->fe, path, token);
    return false;
}

static int guest_run(uint32_t domid, int policy, int ack_delay_ms, bool frontends,
                     int ready_fd)
{
    struct guest g = { .domid = domid, .policy = policy, .ack_delay_ms = ack_delay_ms };
    g.evfd = guest_attach(domid, 10000);
    if (g.evfd < 0) {
        fprintf(stderr, "xensim guest %u: %s\n", domid, strerror(-g.evfd));
        return 1;
    }
    char name[32];
    snprintf(name, sizeof(name), "g%u", domid);
    struct sockaddr_un a;
    unsigned alen;
    g.cmdfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (g.cmdfd < 0 || xensim_named_address(name, &a, &alen) < 0 ||
        bind(g.cmdfd, (struct sockaddr *)&a, alen) < 0) {
        fprintf(stderr, "xensim guest %u: command socket: %s\n", domid, strerror(errno));
        xensim_guest_detach(domid, g.evfd);
        return 1;
    }
    xsc_open_ring(&g.c, domid, g.evfd);
    int e = xsc_watch(&g.c, "control/shutdown", "shutdown");
    if (e) {
        fprintf(stderr, "xensim guest %u: watch: %s\n", domid, strerror(e));
        xensim_guest_detach(domid, g.evfd);
        return 1;
    }
    e = xsc_watch(&g.c, "cpu", "cpu");
    if (e)
        fprintf(stderr, "xensim guest %u: watch cpu: %s\n", domid, strerror(e));
    g.fe = frontends_new(&g.c, domid, frontends);
    if (!g.fe || (e = frontends_start(g.fe)))
        fprintf(stderr, "xensim guest %u: frontends: %s\n", domid,
                strerror(g.fe ? e : ENOMEM));
    if (ready_fd >= 0) {
        if (write(ready_fd, "R", 1) < 0)
            return 1;
        close(ready_fd);
    }
    bool gone = false;
    while (!gone && !guest_should_exit(&g)) {
        struct pollfd p[2] = { { .fd = g.evfd, .events = POLLIN },
                               { .fd = g.cmdfd, .events = POLLIN } };
        poll(p, 2, 100);
        if (p[0].revents & POLLIN)
            xensim_guest_wait(domid, g.evfd, 0);
        /* Outside a request, whatever xenstored sends is a watch event. */
        char *path, *token;
        while (!gone && xsc_event(&g.c, &path, &token, 0) == 0) {
            gone = on_event(&g, path, token);
            free(path);
        }
        if (!gone && (p[1].revents & POLLIN))
            on_command(&g);
        while (!gone && g.c.ring->rsp_prod != g.c.ring->rsp_cons &&
               xsc_event(&g.c, &path, &token, 1000) == 0) {
            gone = on_event(&g, path, token);
            free(path);
        }
    }
    frontends_free(g.fe);
    close(g.cmdfd);
    xsc_close(&g.c);
    xensim_guest_detach(domid, g.evfd);
    return 0;
}

pid_t guest_spawn(uint32_t domid, const char *policy_s, int ack_delay_ms)
{
    return guest_spawn_frontends(domid, policy_s, ack_delay_ms, true);
}

pid_t guest_spawn_frontends(uint32_t domid, const char *policy_s, int ack_delay_ms,
                            bool frontends)
{
    int policy = parse_policy(policy_s);
    if (policy < 0)
        return -1;
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t mid = fork();
    if (mid < 0)
        return -1;
    if (mid == 0) {
        close(pfd[0]);
        setsid();
        pid_t pid = fork();
        if (pid != 0)
            _exit(pid < 0);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(null, 0);
        dup2(null, 1);
        const char *dir = getenv("XENSIM_HOST_DIR");
        char log[4096];
        int lf = -1;
        if (dir && *dir) {
            snprintf(log, sizeof(log), "%s/guest-%u.log", dir, domid);
            lf = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        }
        dup2(lf >= 0 ? lf : null, 2);
        _exit(guest_run(domid, policy, ack_delay_ms, frontends, pfd[1]));
    }
    close(pfd[1]);
    waitpid(mid, NULL, 0);
    char c;
    ssize_t r;
    struct pollfd p = { .fd = pfd[0], .events = POLLIN };
    r = poll(&p, 1, 15000) == 1 ? read(pfd[0], &c, 1) : 0;
    close(pfd[0]);
    if (r != 1)
        return -1;
    struct xensim_dominfo di;
    return xensim_domain_info(domid, &di) == 0 ? di.guest_pid : -1;
}

int cmd_guest(int argc, char **argv)
{
    static const char *syn = "guest DOMID [--policy obey|ignore|ack-only|crash] "
                             "[--ack-delay MS] [--frontends on|off] [--daemon]";
    if (argc < 2)
        return cli_usage(syn);
    uint32_t domid = (uint32_t)strtoul(argv[1], NULL, 0);
    const char *policy = "obey";
    int delay = 0;
    bool daemon = false, frontends = true;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--daemon"))
            daemon = true;
        else if (!strcmp(argv[i], "--frontends") && i + 1 < argc &&
                 (!strcmp(argv[i + 1], "on") || !strcmp(argv[i + 1], "off")))
            frontends = !strcmp(argv[++i], "on");
        else if (!strcmp(argv[i], "--policy") && i + 1 < argc)
            policy = argv[++i];
        else if (!strcmp(argv[i], "--ack-delay") && i + 1 < argc)
            delay = atoi(argv[++i]);
        else
            return cli_usage(syn);
    }
    if (parse_policy(policy) < 0)
        return cli_usage(syn);
    if (daemon) {
        pid_t pid = guest_spawn_frontends(domid, policy, delay, frontends);
        if (pid < 0)
            return 1;
        printf("%d\n", (int)pid);
        return 0;
    }
    return guest_run(domid, parse_policy(policy), delay, frontends, -1);
}

/* Ask the running guest of domid to do something; its errno or -1. */
static int ask_guest(uint32_t domid, const char *op, const char *arg,
                     const char *val, size_t vlen)
{
    char me[48], gname[32];
    snprintf(me, sizeof(me), "c%d-%u", (int)getpid(), domid);
    snprintf(gname, sizeof(gname), "g%u", domid);
    struct sockaddr_un a, g;
    unsigned alen, glen;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || xensim_named_address(me, &a, &alen) < 0 ||
        xensim_named_address(gname, &g, &glen) < 0 ||
        bind(fd, (struct sockaddr *)&a, alen) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t ol = strlen(op) + 1, ml = strlen(me) + 1, al = strlen(arg) + 1;
    char *msg = malloc(ol + ml + al + vlen);
    if (!msg) {
        close(fd);
        return -1;
    }
    memcpy(msg, op, ol);
    memcpy(msg + ol, me, ml);
    memcpy(msg + ol + ml, arg, al);
    if (vlen)
        memcpy(msg + ol + ml + al, val, vlen);
    ssize_t s = sendto(fd, msg, ol + ml + al + vlen, 0, (struct sockaddr *)&g, glen);
    free(msg);
    int result = -1;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (s >= 0 && poll(&p, 1, 20000) == 1) {
        char r[16] = { 0 };
        if (recv(fd, r, sizeof(r) - 1, 0) > 0)
            result = atoi(r);
    }
    close(fd);
    return result;
}

/* No guest process: be the guest just for this one request. */
static int direct_guest(uint32_t domid, const char *op, const char *arg,
                        const char *val, size_t vlen)
{
    int fd = guest_attach(domid, 10000);
    if (fd < 0)
        return -1;
    struct xsc c;
    xsc_open_ring(&c, domid, fd);
    int e = !strcmp(op, "write") ? xsc_write(&c, 0, arg, val, vlen) : xsc_rm(&c, 0, arg);
    xsc_close(&c);
    xensim_guest_detach(domid, fd);
    return e;
}

int cmd_guest_write(int argc, char **argv)
{
    static const char *syn = "guest-write DOMID PATH (VALUE | --size N) | "
                             "guest-rm DOMID PATH";
    bool rm = !strcmp(argv[0], "guest-rm");
    if (argc < (rm ? 3 : 4))
        return cli_usage(syn);
    uint32_t domid = (uint32_t)strtoul(argv[1], NULL, 0);
    const char *path = argv[2];
    char *val = NULL;
    size_t vlen = 0;
    if (!rm && !strcmp(argv[3], "--size") && argc == 5) {
        vlen = strtoul(argv[4], NULL, 0);
        val = malloc(vlen + 1);
        for (size_t i = 0; val && i < vlen; i++)
            val[i] = (char)('a' + i % 26);     /* a recognisable pattern */
    } else if (!rm) {
        vlen = strlen(argv[3]);
        val = strdup(argv[3]);
    }
    if (!rm && !val)
        return 1;
    const char *op = rm ? "rm" : "write";
    int e = ask_guest(domid, op, path, val ? val : "", vlen);
    if (e < 0)
        e = direct_guest(domid, op, path, val ? val : "", vlen);
    free(val);
    if (e) {
        fprintf(stderr, "xensim %s: %s\n", argv[0], e < 0 ? "no guest" : strerror(e));
        return 1;
    }
    return 0;
}

int cmd_guest_policy(int argc, char **argv)
{
    if (argc != 3 || parse_policy(argv[2]) < 0)
        return cli_usage("guest-policy DOMID obey|ignore|ack-only|crash");
    int e = ask_guest((uint32_t)strtoul(argv[1], NULL, 0), "policy", argv[2], "", 0);
    if (e) {
        fprintf(stderr, "xensim guest-policy: %s\n", e < 0 ? "no guest" : strerror(e));
        return 1;
    }
    return 0;
}

int cmd_guest_frontends(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "on") && strcmp(argv[2], "off")))
        return cli_usage("guest-frontends DOMID on|off");
    int e = ask_guest((uint32_t)strtoul(argv[1], NULL, 0), "frontends", argv[2], "", 0);
    if (e) {
        fprintf(stderr, "xensim guest-frontends: %s\n", e < 0 ? "no guest" : strerror(e));
        return 1;
    }
    return 0;
}
