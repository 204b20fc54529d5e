/*
 * rxtest.c: the suite that runs inside a real Xen 4.17 dom0 (see run).
 *
 * The same source is built twice: against lightcore's headers and linked to
 * lightcore's libxenlight.so.4.17 (rx-ours), and against Debian's headers
 * and Debian's libxenlight (rx-debian). Both run the same checks in one
 * boot, so a difference between the two libraries shows up side by side.
 * rx-debian run with LD_LIBRARY_PATH pointing at lightcore is the ABI probe.
 *
 * Usage: rxtest TAG [PART...]   PARTs: info guests childproc devices
 *                                (default: all)
 *
 * Every check prints one line, "PASS TAG NAME" or "FAIL TAG NAME: WHY";
 * everything else printed starts with "# ". The host script counts the
 * PASS/FAIL lines. Guests are created with Debian's xl (domain building is
 * not this library's business); their domids are never assumed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#define XL "/usr/lib/xen-4.17/bin/xl"
#define GUEST_CFG "/rx/guest.cfg"
#define CONSOLE_LOG_DIR "/var/log/xen/console"
#define GUEST_MARKER "RXGUEST-UP"

static const char *tag;
static int npass, nfail;
static int boot_retries;
/* Times a guest that did not boot is created again (see wait_booted). */
#define MAX_BOOT_RETRIES 2
static libxl_ctx *ctx;
static struct xs_handle *xsh;

/* ------------------------------------------------------------ reporting */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("# %s: ", tag);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static int check(int ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int check(int ok, const char *name, const char *fmt, ...)
{
    if (ok) {
        npass++;
        printf("PASS %s %s\n", tag, name);
    } else {
        va_list ap;
        nfail++;
        printf("FAIL %s %s: ", tag, name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
    }
    fflush(stdout);
    return ok;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------ running commands */

/*
 * Run /bin/sh -c CMD, collect stdout+stderr into out (NUL-terminated,
 * truncated to outsz), kill it after timeout_s. Returns the exit status
 * (0..255), or -1 on a timeout or a signal.
 */
static int run_cmd(char *out, size_t outsz, int timeout_s, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int run_cmd(char *out, size_t outsz, int timeout_s, const char *fmt, ...)
{
    char cmd[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        /* The ABI run points LD_LIBRARY_PATH at lightcore; xl must keep
         * Debian's libxenlight (its libxlutil needs symbols lightcore
         * does not implement). */
        unsetenv("LD_LIBRARY_PATH");
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    size_t used = 0;
    char sink[512];
    double deadline = now_s() + timeout_s;
    int timed_out = 0;
    for (;;) {
        int left_ms = (int)((deadline - now_s()) * 1000);
        if (left_ms <= 0) { timed_out = 1; break; }
        struct pollfd p = { .fd = pfd[0], .events = POLLIN };
        int r = poll(&p, 1, left_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { timed_out = 1; break; }
        char *dst = out && used + 1 < outsz ? out + used : sink;
        size_t room = out && used + 1 < outsz ? outsz - 1 - used : sizeof sink;
        ssize_t n = read(pfd[0], dst, room);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (dst != sink) used += n;
    }
    close(pfd[0]);
    if (out && outsz) out[used] = 0;
    if (timed_out) kill(pid, SIGKILL);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (timed_out) {
        note("command timed out after %d s: %s", timeout_s, cmd);
        return -1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Value of "KEY : VALUE" in xl info output (static buffer). */
static const char *xl_info_field(const char *text, const char *key)
{
    static char val[1024];
    size_t klen = strlen(key);
    for (const char *line = text; line && *line;) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (len > klen && !strncmp(line, key, klen) &&
            (line[klen] == ' ' || line[klen] == ':')) {
            const char *c = memchr(line, ':', len);
            if (c) {
                c++;
                while (*c == ' ') c++;
                size_t vlen = len - (c - line);
                if (vlen >= sizeof val) vlen = sizeof val - 1;
                memcpy(val, c, vlen);
                val[vlen] = 0;
                return val;
            }
        }
        line = eol ? eol + 1 : NULL;
    }
    return NULL;
}

/* ------------------------------------------------------------ events */

/*
 * The application's own SIGCHLD self-pipe (childproc part, mainloop mode):
 * when it is open, wait_event polls it next to the library's fds and calls
 * app_sigchld_ready after draining it, from the loop, never from the
 * handler.
 */
static int app_sigchld_pipe[2] = { -1, -1 };
static void (*app_sigchld_ready)(void);

struct ev_want {
    libxl_event_type type;
    libxl_ev_user user;
};

static int ev_pred(const libxl_event *ev, void *u)
{
    const struct ev_want *w = u;
    return ev->type == w->type && ev->for_user == w->user;
}

/*
 * Wait up to timeout_s for an event of this type with this for_user,
 * running the library's event loop through beforepoll/afterpoll (so a
 * missing event is a failure, not a hang). Returns 0 and the event, or
 * ERROR_TIMEDOUT, or another library error.
 */
static int wait_event(libxl_event **ev_r, libxl_event_type type,
                      libxl_ev_user user, double timeout_s)
{
    struct ev_want w = { type, user };
    double deadline = now_s() + timeout_s;
    for (;;) {
        int rc = libxl_event_check(ctx, ev_r, LIBXL_EVENTMASK_ALL, ev_pred, &w);
        if (rc != ERROR_NOT_READY) return rc;
        double left = deadline - now_s();
        if (left <= 0) return ERROR_TIMEDOUT;
        struct pollfd fds[64];
        int nfds = 63; /* one slot left for the application's SIGCHLD pipe */
        int tmo = (int)(left * 1000) + 1;
        struct timeval tv;
        gettimeofday(&tv, NULL);
        rc = libxl_osevent_beforepoll(ctx, &nfds, fds, &tmo, tv);
        if (rc) return rc;
        if (tmo < 0 || tmo > 500) tmo = 500; /* recheck the deadline */
        int npoll = nfds;
        if (app_sigchld_pipe[0] >= 0)
            fds[npoll++] = (struct pollfd){ .fd = app_sigchld_pipe[0], .events = POLLIN };
        if (poll(fds, npoll, tmo) < 0 && errno != EINTR) return ERROR_FAIL;
        gettimeofday(&tv, NULL);
        libxl_osevent_afterpoll(ctx, nfds, fds, tv);
        if (npoll > nfds && (fds[nfds].revents & POLLIN)) {
            char buf[64];
            while (read(app_sigchld_pipe[0], buf, sizeof buf) > 0)
                ;
            if (app_sigchld_ready) app_sigchld_ready();
        }
    }
}

/* Is any event with this for_user queued (without waiting)? */
static libxl_event *poll_any(libxl_ev_user user, double for_s)
{
    libxl_event *ev = NULL;
    for (int t = LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN;
         t <= LIBXL_EVENT_TYPE_DOMAIN_CREATE_CONSOLE_AVAILABLE; t++) {
        if (!wait_event(&ev, t, user, t == LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN ? for_s : 0))
            return ev;
    }
    return NULL;
}

/* ------------------------------------------------------------ domains */

static int xs_exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int xs_exists(const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    unsigned int len;
    char *v = xs_read(xsh, XBT_NULL, path, &len);
    free(v);
    return v != NULL;
}

/*
 * xl list's state column for a dominfo, with r/b blanked (they flicker):
 * r b p s, then the shutdown reason's letter from "-rscwS" (poweroff,
 * reboot, suspend, crash, watchdog, soft_reset), then d.
 */
static void state_flags(const libxl_dominfo *d, char s[7])
{
    static const char letters[] = "-rscwS";
    int reason = d->shutdown ? (int)d->shutdown_reason : 0;
    snprintf(s, 7, "--%c%c%c%c", d->paused ? 'p' : '-', d->shutdown ? 's' : '-',
             reason >= 0 && reason < (int)sizeof letters - 1 ? letters[reason] : '?',
             d->dying ? 'd' : '-');
}

/* xl list's line for domid: name and state (r/b blanked); 0 if found. */
static int xl_list_entry(uint32_t domid, char *name, size_t namesz, char state[7],
                         unsigned long *mem_mib, int *vcpus)
{
    static char out[16384];
    if (run_cmd(out, sizeof out, 30, XL " list") != 0) return -1;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char n[128], st[16];
        unsigned id, v;
        unsigned long mem;
        double t;
        if (sscanf(line, "%127s %u %lu %u %15s %lf", n, &id, &mem, &v, st, &t) != 6)
            continue;
        if (id != domid) continue;
        snprintf(name, namesz, "%s", n);
        memcpy(state, "------", 7);
        if (strlen(st) == 6) memcpy(state + 2, st + 2, 4);
        if (mem_mib) *mem_mib = mem;
        if (vcpus) *vcpus = v;
        return 0;
    }
    return 1;
}

/* Poll until the predicate on domain_info holds (or timeout). */
static int wait_dominfo(uint32_t domid, int want_paused, double timeout_s)
{
    double deadline = now_s() + timeout_s;
    for (;;) {
        libxl_dominfo d;
        libxl_dominfo_init(&d);
        int rc = libxl_domain_info(ctx, &d, domid);
        int paused = d.paused;
        libxl_dominfo_dispose(&d);
        if (!rc && paused == want_paused) return 0;
        if (now_s() > deadline) return rc ? rc : -1;
        usleep(100000);
    }
}

/* ------------------------------------------------------------ part: info */

static int compare_with_xl_list(int verbose);

static void part_info(void)
{
    static char out[16384];
    int rc = run_cmd(out, sizeof out, 60, XL " info");
    if (!check(rc == 0, "info.xl_info_runs", "xl info exited %d: %.300s", rc, out))
        return;

    const libxl_version_info *v = libxl_get_version_info(ctx);
    if (!check(v != NULL, "info.get_version_info", "NULL"))
        return;
    char buf[256];
    struct { const char *key; const char *ours; } s[] = {
        { "xen_extra", v->xen_version_extra },
        { "xen_caps", v->capabilities },
        { "xen_changeset", v->changeset },
        { "xen_commandline", v->commandline },
        { "cc_compiler", v->compiler },
        { "cc_compile_by", v->compile_by },
        { "cc_compile_domain", v->compile_domain },
        { "cc_compile_date", v->compile_date },
        { "build_id", v->build_id },
    };
    int mism = 0;
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++) {
        const char *xl = xl_info_field(out, s[i].key);
        const char *ours = s[i].ours ? s[i].ours : "";
        if (!xl || strcmp(xl, ours)) {
            mism++;
            note("version_info %s: library '%s', xl info '%s'", s[i].key, ours,
                 xl ? xl : "(absent)");
        }
    }
    struct { const char *key; long ours; } n[] = {
        { "xen_major", v->xen_version_major },
        { "xen_minor", v->xen_version_minor },
        { "xen_pagesize", v->pagesize },
    };
    for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
        const char *xl = xl_info_field(out, n[i].key);
        if (!xl || strtol(xl, NULL, 0) != n[i].ours) {
            mism++;
            note("version_info %s: library %ld, xl info '%s'", n[i].key, n[i].ours,
                 xl ? xl : "(absent)");
        }
    }
    snprintf(buf, sizeof buf, "virt_start=0x%" PRIx64, (uint64_t)v->virt_start);
    const char *pp = xl_info_field(out, "platform_params");
    if (!pp || strcmp(pp, buf)) {
        mism++;
        note("version_info platform_params: library '%s', xl info '%s'", buf,
             pp ? pp : "(absent)");
    }
    note("hypervisor %d.%d%s caps '%s' changeset '%s'", v->xen_version_major,
         v->xen_version_minor, v->xen_version_extra, v->capabilities, v->changeset);
    check(mism == 0, "info.version_info_matches_xl_info", "%d fields differ", mism);

    /* list_domain against xl list, for every domain. */
    int nb = 0;
    libxl_dominfo *list = libxl_list_domain(ctx, &nb);
    if (!check(list && nb >= 1, "info.list_domain", "list=%p nb=%d", (void *)list, nb))
        return;
    check(list[0].domid == 0, "info.list_domain_dom0_first", "first domid %u",
          list[0].domid);
    int ascending = 1;
    for (int i = 1; i < nb; i++)
        if (list[i].domid <= list[i - 1].domid) ascending = 0;
    check(ascending, "info.list_domain_ascending", "domids not ascending");

    check(compare_with_xl_list(1), "info.list_domain_matches_xl_list",
          "differences (see the notes above)");
    if (list[0].domid == 0)
        check(list[0].domain_type == LIBXL_DOMAIN_TYPE_PV, "info.dom0_is_pv",
              "dom0 type %s", libxl_domain_type_to_string(list[0].domain_type));

    uint32_t absent = list[nb - 1].domid + 1000;
    libxl_dominfo_list_free(list, nb);
    rc = libxl_domain_info(ctx, NULL, absent);
    check(rc == ERROR_DOMAIN_NOTFOUND, "info.domain_info_absent_notfound",
          "domain_info(%u) = %d", absent, rc);
}

/*
 * libxl_list_domain and libxl_domain_info against xl list: the same
 * domains, names, memory, vcpus and p/s/c/d state flags (r and b are left
 * out: they change from one moment to the next). Returns 1 if all agree.
 */
static int compare_with_xl_list(int verbose)
{
    static char out[16384];
    int nb = 0;
    libxl_dominfo *list = libxl_list_domain(ctx, &nb);
    if (!list) {
        note("list_domain failed");
        return 0;
    }
    int rc = run_cmd(out, sizeof out, 30, XL " list");
    int xl_count = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char n[128], st[16];
        unsigned id, vc;
        unsigned long mem;
        double t;
        if (sscanf(line, "%127s %u %lu %u %15s %lf", n, &id, &mem, &vc, st, &t) == 6)
            xl_count++;
    }
    int mism = 0;
    if (rc != 0 || xl_count != nb) {
        mism++;
        note("library %d domains, xl list %d (rc %d)", nb, xl_count, rc);
    }
    for (int i = 0; i < nb; i++) {
        const libxl_dominfo *d = &list[i];
        char xname[128], xstate[7], ostate[7];
        unsigned long mem;
        int vcpus;
        if (xl_list_entry(d->domid, xname, sizeof xname, xstate, &mem, &vcpus)) {
            mism++;
            note("domain %u: not in xl list", d->domid);
            continue;
        }
        char *name = libxl_domid_to_name(ctx, d->domid);
        state_flags(d, ostate);
        unsigned long omem = (unsigned long)((d->current_memkb + d->outstanding_memkb) / 1024);
        int bad = !name || strcmp(name, xname) || omem != mem ||
                  (int)d->vcpu_online != vcpus || strcmp(ostate, xstate);
        if (verbose || bad)
            note("domain %u: library name=%s mem=%lu vcpus=%u state=%s; xl list name=%s "
                 "mem=%lu vcpus=%d state=%s", d->domid, name ? name : "(null)", omem,
                 d->vcpu_online, ostate, xname, mem, vcpus, xstate);
        mism += bad;
        free(name);

        libxl_dominfo one;
        libxl_dominfo_init(&one);
        rc = libxl_domain_info(ctx, &one, d->domid);
        if (rc || one.domid != d->domid || one.max_memkb != d->max_memkb ||
            one.vcpu_max_id != d->vcpu_max_id || libxl_uuid_compare(&one.uuid, &d->uuid) ||
            one.domain_type != d->domain_type) {
            mism++;
            note("domain %u: domain_info rc %d differs from list_domain", d->domid, rc);
        }
        libxl_dominfo_dispose(&one);
    }
    libxl_dominfo_list_free(list, nb);
    return mism == 0;
}

/* ------------------------------------------------------------ part: guests */

struct guest {
    const char *role;  /* destroy, poweroff, reboot, crash */
    const char *mode;  /* guest init's rxmode= */
    const char *type;  /* pv or pvh */
    int retries;       /* boots that failed and were tried again */
    char name[64];
    uint32_t domid;
    int up;
    libxl_evgen_domain_death *evg;
    libxl_ev_user user;
};

static int create_guest(struct guest *g)
{
    static char out[8192];
    snprintf(g->name, sizeof g->name, "rx-%s-%s", tag, g->role);
    double t0 = now_s();
    /* A crashing guest gets xen_legacy_crash: its kernel then reports the
     * panic to the hypervisor at once (shutdown reason crash). Without it a
     * PVH kernel goes on to the native emergency restart, which under TCG
     * sometimes ends in a triple fault, and Xen turns that into reason
     * reboot: a coin toss about the guest kernel, not about the library. */
    const char *crash_opt = !strcmp(g->mode, "crash") ? " xen_legacy_crash" : "";
    /* pci=noearly: the guests have no PCI, and the kernel's early PCI
     * scans are hundreds of port accesses that Xen intercepts, each a
     * chance for the TCG triple fault that wait_booted retries (one was
     * seen right after such a read). */
    int rc = run_cmd(out, sizeof out, 180,
                     XL " create -e -q " GUEST_CFG " 'name=\"%s\"' 'type=\"%s\"' "
                     "'extra=\"console=hvc0 quiet pci=noearly rxmode=%s%s\"'", g->name,
                     g->type, g->mode, crash_opt);
    if (!check(rc == 0, "guest.xl_create", "%s: xl create exited %d: %.500s", g->name, rc, out))
        return -1;
    rc = libxl_name_to_domid(ctx, g->name, &g->domid);
    if (!check(rc == 0, "guest.name_to_domid", "%s: rc %d", g->name, rc))
        return -1;
    note("created %s (%s) as domain %u in %.1f s", g->name, g->type, g->domid,
         now_s() - t0);
    return 0;
}

/* After a failed boot or an unexpected shutdown: what the hypervisor's own
 * log says about the domain (a triple fault, a domain_crash), as notes. */
static void note_xen_log(struct guest *g)
{
    static char out[16384];
    run_cmd(out, sizeof out, 30,
            XL " dmesg | grep -avE 'save:|restore:' | grep -aE -A 7 "
            "'(d%uv[0-9]+ |Dom%u |Domain %u )' | tail -n 24", g->domid, g->domid, g->domid);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        note("%s (domain %u) xl dmesg: %s", g->name, g->domid, line);
}

/* Wait for the guest kernel's control/feature-poweroff and the init marker. */
static int wait_booted(struct guest *g, double t0, double timeout_s)
{
    char log[256];
    snprintf(log, sizeof log, CONSOLE_LOG_DIR "/guest-%s.log", g->name);
    int feature = 0, marker = 0;
    double deadline = now_s() + timeout_s;
    while (now_s() < deadline) {
        if (!feature)
            feature = xs_exists("/local/domain/%u/control/feature-poweroff", g->domid);
        if (!marker) {
            FILE *f = fopen(log, "r");
            char line[512];
            while (f && fgets(line, sizeof line, f))
                if (strstr(line, GUEST_MARKER)) {
                    marker = 1;
                    line[strcspn(line, "\r\n")] = 0;
                    note("%s (domain %u) console: %s", g->name, g->domid, line);
                }
            if (f) fclose(f);
        }
        if (feature && marker) break;
        libxl_dominfo di;
        libxl_dominfo_init(&di);
        int down = libxl_domain_info(ctx, &di, g->domid) != 0 ||
                   (di.shutdown && !marker);
        libxl_dominfo_dispose(&di);
        if (down) {
            note("%s (domain %u) stopped before its init ran", g->name, g->domid);
            break;
        }
        usleep(200000);
    }
    if (!(feature && marker) && g->retries < MAX_BOOT_RETRIES) {
        /* Under TCG a PVH guest kernel now and then triple-faults early
         * in its boot (Xen: "Triple fault - invoking HVM shutdown action"),
         * on the instruction after one that Xen intercepted (seen: an I/O
         * port read, rdtsc), about one boot in eight here. That is the
         * emulator, not the library: create the guest again, within what
         * is left of the deadline (but at least a minute for the boot). */
        static char out[4096];
        note("RETRY: %s (domain %u) did not boot; destroying and creating it again",
             g->name, g->domid);
        note_xen_log(g);
        run_cmd(out, sizeof out, 60, XL " destroy %u", g->domid);
        g->retries++;
        boot_retries++;
        double left = deadline - now_s();
        if (create_guest(g) == 0)
            return wait_booted(g, t0, left > 60 ? left : 60);
    }
    check(feature && marker, "guest.boots", "%s (domain %u): feature-poweroff %d, "
          "marker %d after %.0f s", g->name, g->domid, feature, marker, timeout_s);
    if (!(feature && marker)) return -1;
    note("%s (domain %u) booted %.1f s after the first creation started", g->name,
         g->domid, now_s() - t0);

    /* What the library reports about a real booted guest. */
    libxl_dominfo d;
    libxl_dominfo_init(&d);
    int rc = libxl_domain_info(ctx, &d, g->domid);
    /* libxl 4.17 reports a PVH guest as HVM: the hypervisor's domain info
     * has only the hvm_guest flag, and libxl_domain_info goes by it. */
    libxl_domain_type want = !strcmp(g->type, "pvh") ? LIBXL_DOMAIN_TYPE_HVM
                                                      : LIBXL_DOMAIN_TYPE_PV;
    check(rc == 0 && d.domain_type == want, "guest.domain_info_type", "%s: rc %d type %s",
          g->name, rc, libxl_domain_type_to_string(d.domain_type));
    check(rc == 0 && d.max_memkb >= 128 * 1024 && d.current_memkb > 0 &&
          d.current_memkb <= d.max_memkb && d.vcpu_online == 1 && d.vcpu_max_id == 0 &&
          !d.paused && (!d.shutdown || !strcmp(g->mode, "crash")) && !d.dying &&
          d.cpu_time > 0,
          "guest.domain_info_fields", "%s: rc %d", g->name, rc);
    char *json = rc ? NULL : libxl_dominfo_to_json(ctx, &d);
    for (char *line = json ? strtok(json, "\n") : NULL; line; line = strtok(NULL, "\n"))
        note("%s dominfo: %s", g->name, line);
    free(json);
    libxl_dominfo_dispose(&d);
    return 0;
}

static int enable_death(struct guest *g)
{
    int rc = libxl_evenable_domain_death(ctx, g->domid, g->user, &g->evg);
    check(rc == 0, "death.evenable", "%s: rc %d", g->name, rc);
    return rc;
}

/* Expect a DOMAIN_SHUTDOWN with this reason; returns 0 if it came. */
static int expect_shutdown(struct guest *g, libxl_shutdown_reason want,
                           const char *name, double timeout_s)
{
    libxl_event *ev = NULL;
    double t0 = now_s();
    int rc = wait_event(&ev, LIBXL_EVENT_TYPE_DOMAIN_SHUTDOWN, g->user, timeout_s);
    int ok = !rc && ev->domid == g->domid &&
             ev->u.domain_shutdown.shutdown_reason == want;
    check(ok, name, "%s (domain %u): rc %d domid %d reason %s (want %s)", g->name,
          g->domid, rc, ev ? (int)ev->domid : -1,
          ev ? libxl_shutdown_reason_to_string(ev->u.domain_shutdown.shutdown_reason) : "-",
          libxl_shutdown_reason_to_string(want));
    if (ok)
        note("%s (domain %u): DOMAIN_SHUTDOWN reason %s, waited %.2f s", g->name, g->domid,
             libxl_shutdown_reason_to_string(want), now_s() - t0);
    if (ev) libxl_event_free(ctx, ev);
    return ok ? 0 : -1;
}

static int expect_death(struct guest *g, const char *name, double timeout_s)
{
    libxl_event *ev = NULL;
    double t0 = now_s();
    int rc = wait_event(&ev, LIBXL_EVENT_TYPE_DOMAIN_DEATH, g->user, timeout_s);
    int ok = !rc && ev->domid == g->domid;
    check(ok, name, "%s (domain %u): rc %d domid %d", g->name, g->domid, rc,
          ev ? (int)ev->domid : -1);
    if (ok)
        note("%s (domain %u): DOMAIN_DEATH, waited %.2f s", g->name, g->domid,
             now_s() - t0);
    if (ev) libxl_event_free(ctx, ev);
    return ok ? 0 : -1;
}

/* No event at all for this guest right now (a short look). */
static void expect_quiet(struct guest *g, const char *name)
{
    libxl_event *ev = poll_any(g->user, 1.0);
    check(ev == NULL, name, "%s: unexpected %s event", g->name,
          ev ? libxl_event_type_to_string(ev->type) : "");
    if (ev) libxl_event_free(ctx, ev);
}

/* The domain is gone from the hypervisor within timeout_s. */
static void expect_gone(struct guest *g, const char *name, double timeout_s)
{
    double t0 = now_s(), deadline = t0 + timeout_s;
    int rc, dying_seen = 0;
    for (;;) {
        libxl_dominfo d;
        libxl_dominfo_init(&d);
        rc = libxl_domain_info(ctx, &d, g->domid);
        dying_seen |= !rc && d.dying;
        libxl_dominfo_dispose(&d);
        if (rc || now_s() >= deadline) break;
        usleep(20000);
    }
    note("%s (domain %u): gone from the hypervisor %.2f s later (dying seen: %s)",
         g->name, g->domid, now_s() - t0, dying_seen ? "yes" : "no");
    check(rc == ERROR_DOMAIN_NOTFOUND, name, "%s (domain %u): domain_info = %d",
          g->name, g->domid, rc);
}

/* xl list agrees that the guest is (not) paused / shut down. */
static void expect_xl_state(struct guest *g, const char *name, char flag, int want)
{
    char xname[128], xstate[7];
    int rc = xl_list_entry(g->domid, xname, sizeof xname, xstate, NULL, NULL);
    int pos = flag == 'p' ? 2 : flag == 's' ? 3 : flag == 'd' ? 5 : 4; /* 4: reason */
    int has = !rc && xstate[pos] == flag;
    check(!rc && has == want, name, "%s (domain %u): xl list rc %d state %s, want %s%c",
          g->name, g->domid, rc, rc ? "-" : xstate, want ? "" : "no ", flag);
}

static int cb_count, cb_rc;
static void op_callback(libxl_ctx *c, int rc, void *for_callback)
{
    (void)c;
    (void)for_callback;
    cb_count++;
    cb_rc = rc;
}

/* Wait for an op callback (running the loop) up to timeout_s. */
static int wait_callback(int before, double timeout_s)
{
    double deadline = now_s() + timeout_s;
    while (cb_count == before && now_s() < deadline) {
        libxl_event *ev = NULL;
        /* Runs the loop; no event carries this for_user. */
        wait_event(&ev, LIBXL_EVENT_TYPE_OPERATION_COMPLETE, 0x7fff0000, 0.2);
        if (ev) libxl_event_free(ctx, ev);
    }
    return cb_count > before ? cb_rc : ERROR_TIMEDOUT;
}

enum style { SYNC, CALLBACK, EVENT };
static const char *style_name[] = { "sync", "callback", "event" };

/*
 * Run a lightcore/libxl asynchronous domain op in one completion style and
 * return its final result.
 */
static int do_op_1(int (*op)(libxl_ctx *, uint32_t, const libxl_asyncop_how *),
                   uint32_t domid, enum style st, double timeout_s);
static int do_op_named(const char *opname,
                       int (*op)(libxl_ctx *, uint32_t, const libxl_asyncop_how *),
                       uint32_t domid, enum style st, double timeout_s)
{
    double t0 = now_s();
    int rc = do_op_1(op, domid, st, timeout_s);
    libxl_dominfo d;
    libxl_dominfo_init(&d);
    int irc = libxl_domain_info(ctx, &d, domid);
    note("%s(%u) %s: rc %d after %.2f s; then domain_info %d%s%s%s", opname, domid,
         style_name[st], rc, now_s() - t0, irc, !irc && d.paused ? " paused" : "",
         !irc && d.shutdown ? " shutdown" : "", !irc && d.dying ? " dying" : "");
    libxl_dominfo_dispose(&d);
    return rc;
}
#define do_op(op, domid, st, tmo) do_op_named(&(#op)[3], op, domid, st, tmo)

static int do_op_1(int (*op)(libxl_ctx *, uint32_t, const libxl_asyncop_how *),
                   uint32_t domid, enum style st, double timeout_s)
{
    static libxl_ev_user next_user = 0x5000;
    libxl_asyncop_how how;
    memset(&how, 0, sizeof how);
    int rc;
    switch (st) {
    case SYNC:
        return op(ctx, domid, NULL);
    case CALLBACK: {
        int before = cb_count;
        how.callback = op_callback;
        rc = op(ctx, domid, &how);
        if (rc) return rc;
        return wait_callback(before, timeout_s);
    }
    case EVENT: {
        libxl_event *ev = NULL;
        how.u.for_event = ++next_user;
        rc = op(ctx, domid, &how);
        if (rc) return rc;
        rc = wait_event(&ev, LIBXL_EVENT_TYPE_OPERATION_COMPLETE, how.u.for_event,
                        timeout_s);
        if (rc) return rc;
        rc = ev->u.operation_complete.rc;
        libxl_event_free(ctx, ev);
        return rc;
    }
    }
    return ERROR_INVAL;
}

/* Wrappers with the ao_how signature (the headers may define macros). */
static int op_pause(libxl_ctx *c, uint32_t d, const libxl_asyncop_how *h)
{ return libxl_domain_pause(c, d, h); }
static int op_unpause(libxl_ctx *c, uint32_t d, const libxl_asyncop_how *h)
{ return libxl_domain_unpause(c, d, h); }
static int op_shutdown(libxl_ctx *c, uint32_t d, const libxl_asyncop_how *h)
{ return libxl_domain_shutdown(c, d, h); }
static int op_reboot(libxl_ctx *c, uint32_t d, const libxl_asyncop_how *h)
{ return libxl_domain_reboot(c, d, h); }
static int op_destroy(libxl_ctx *c, uint32_t d, const libxl_asyncop_how *h)
{ return libxl_domain_destroy(c, d, h); }

static void test_pause_unpause(struct guest *g)
{
    char name[96];
    for (enum style st = SYNC; st <= EVENT; st++) {
        int rc = do_op(op_pause, g->domid, st, 30);
        snprintf(name, sizeof name, "ops.pause_%s", style_name[st]);
        check(rc == 0 && wait_dominfo(g->domid, 1, 5) == 0, name,
              "%s (domain %u): rc %d", g->name, g->domid, rc);
        snprintf(name, sizeof name, "ops.pause_%s_xl_list_shows_p", style_name[st]);
        expect_xl_state(g, name, 'p', 1);
        rc = do_op(op_unpause, g->domid, st, 30);
        snprintf(name, sizeof name, "ops.unpause_%s", style_name[st]);
        check(rc == 0 && wait_dominfo(g->domid, 0, 5) == 0, name,
              "%s (domain %u): rc %d", g->name, g->domid, rc);
        snprintf(name, sizeof name, "ops.unpause_%s_xl_list_no_p", style_name[st]);
        expect_xl_state(g, name, 'p', 0);
    }
    /* Unpausing a running domain fails (the hypervisor refuses). */
    int rc = do_op(op_unpause, g->domid, SYNC, 30);
    check(rc == ERROR_FAIL, "ops.unpause_running_fails", "%s: rc %d", g->name, rc);
    expect_quiet(g, "death.no_event_for_pause_unpause");
}

static void part_guests(void)
{
    struct guest gs[] = {
        { .role = "xldestroy", .mode = "idle", .type = "pv", .user = 0x1001 },
        { .role = "poweroff", .mode = "idle", .type = "pv", .user = 0x1002 },
        { .role = "reboot", .mode = "idle", .type = "pvh", .user = 0x1003 },
        { .role = "crash", .mode = "crash", .type = "pvh", .user = 0x1004 },
        { .role = "xlshutdown", .mode = "idle", .type = "pv", .user = 0x1005 },
    };
    const int ng = sizeof gs / sizeof gs[0];
    double t0 = now_s();

    /* Create them all first: their boots overlap. */
    for (int i = 0; i < ng; i++)
        if (create_guest(&gs[i]) == 0) gs[i].up = 1;
    /* One deadline for all boots, so the part stays bounded. */
    for (int i = 0; i < ng; i++) {
        double left = t0 + 240 - now_s();
        if (gs[i].up && wait_booted(&gs[i], t0, left > 5 ? left : 5)) gs[i].up = 0;
    }
    note("guests created and booted in %.1f s", now_s() - t0);

    /* xl list and the library agree with guests running (retried: a guest
     * may change state between the two looks). */
    int agree = 0;
    for (int i = 0; i < 3 && !agree; i++) {
        if (i) sleep(2);
        agree = compare_with_xl_list(0);
    }
    check(agree, "guest.list_domain_matches_xl_list", "differences (see the notes)");

    /* Death watches on every guest (the crash guest may already be down). */
    for (int i = 0; i < ng; i++)
        if (gs[i].up && enable_death(&gs[i])) gs[i].up = 0;

    /* 1. xl destroy of a running guest: DEATH only. Pause/unpause first. */
    struct guest *g = &gs[0];
    if (g->up) {
        expect_quiet(g, "death.no_event_while_running");
        test_pause_unpause(g);
        static char out[4096];
        int rc = run_cmd(out, sizeof out, 60, XL " destroy %u", g->domid);
        check(rc == 0, "guest.xl_destroy", "%s: exit %d: %s", g->name, rc, out);
        note("%s (domain %u): xl destroy done", g->name, g->domid);
        expect_death(g, "death.xl_destroy_gives_death", 30);
        expect_quiet(g, "death.nothing_after_death");
        expect_gone(g, "death.xl_destroy_domain_gone", 15);
        /* Operations on the domain that is gone. */
        rc = do_op(op_pause, g->domid, SYNC, 30);
        check(rc == ERROR_FAIL, "ops.pause_gone_domain_fails", "%s: rc %d", g->name, rc);
        rc = do_op(op_destroy, g->domid, SYNC, 30);
        check(rc == ERROR_DOMAIN_NOTFOUND, "ops.destroy_gone_domain_notfound", "%s: rc %d",
              g->name, rc);
    }

    /* 1b. Debian's xl shuts the guest down behind the library's back (the
     * guest kernel answers xl's request): one SHUTDOWN (poweroff) and
     * nothing more until xl destroys it; then one DEATH. */
    g = &gs[4];
    if (g->up) {
        static char out[4096];
        expect_quiet(g, "xlshutdown.no_event_while_running");
        double ts = now_s();
        int rc = run_cmd(out, sizeof out, 60, XL " shutdown %u", g->domid);
        check(rc == 0, "xlshutdown.xl_shutdown", "%s: exit %d: %s", g->name, rc, out);
        note("%s (domain %u): xl shutdown returned %d after %.2f s", g->name, g->domid, rc,
             now_s() - ts);
        if (!expect_shutdown(g, LIBXL_SHUTDOWN_REASON_POWEROFF,
                             "xlshutdown.gives_one_shutdown_poweroff", 90)) {
            expect_xl_state(g, "xlshutdown.xl_list_shows_s", 's', 1);
            expect_quiet(g, "xlshutdown.no_second_event_while_shut_down");
        }
        rc = run_cmd(out, sizeof out, 60, XL " destroy %u", g->domid);
        check(rc == 0, "xlshutdown.xl_destroy", "%s: exit %d: %s", g->name, rc, out);
        expect_death(g, "xlshutdown.xl_destroy_gives_one_death", 30);
        expect_quiet(g, "xlshutdown.nothing_after_death");
        expect_gone(g, "xlshutdown.domain_gone", 15);
    }

    /* 2. PV shutdown request answered by the guest kernel; then destroy. */
    g = &gs[1];
    if (g->up) {
        double ts = now_s();
        int rc = do_op(op_shutdown, g->domid, SYNC, 90);
        check(rc == 0, "ops.shutdown_sync_acknowledged", "%s: rc %d", g->name, rc);
        note("%s (domain %u): shutdown call returned %d after %.2f s", g->name, g->domid,
             rc, now_s() - ts);
        if (!expect_shutdown(g, LIBXL_SHUTDOWN_REASON_POWEROFF,
                             "death.pv_poweroff_gives_shutdown", 90)) {
            expect_xl_state(g, "death.pv_poweroff_xl_list_shows_s", 's', 1);
            expect_quiet(g, "death.no_death_while_shut_down");
            /* Xen pauses a shut-down domain like any other (the
             * controller's pause count is independent of shutdown). */
            rc = do_op(op_pause, g->domid, SYNC, 30);
            check(rc == 0 && wait_dominfo(g->domid, 1, 5) == 0, "ops.pause_shut_down_domain",
                  "%s: rc %d", g->name, rc);
            expect_xl_state(g, "ops.pause_shut_down_domain_xl_list_shows_p", 'p', 1);
            rc = do_op(op_unpause, g->domid, EVENT, 30);
            check(rc == 0 && wait_dominfo(g->domid, 0, 5) == 0,
                  "ops.unpause_shut_down_domain", "%s: rc %d", g->name, rc);
            expect_quiet(g, "death.no_event_for_pausing_shut_down_domain");
        }
        rc = do_op(op_destroy, g->domid, SYNC, 60);
        check(rc == 0, "ops.destroy_sync", "%s: rc %d", g->name, rc);
        expect_death(g, "death.destroy_after_shutdown_gives_death", 30);
        expect_gone(g, "ops.destroy_sync_domain_gone", 15);
        char *n = libxl_domid_to_name(ctx, g->domid);
        check(n == NULL, "ops.destroy_sync_xenstore_cleaned", "name still %s", n);
        free(n);
    }

    /* 3. PV reboot request (callback style); destroy (event style). */
    g = &gs[2];
    if (g->up) {
        double ts = now_s();
        int rc = do_op(op_reboot, g->domid, CALLBACK, 90);
        check(rc == 0, "ops.reboot_callback_acknowledged", "%s: rc %d", g->name, rc);
        note("%s (domain %u): reboot completed with %d after %.2f s", g->name, g->domid,
             rc, now_s() - ts);
        expect_shutdown(g, LIBXL_SHUTDOWN_REASON_REBOOT, "death.pv_reboot_gives_shutdown", 90);
        rc = do_op(op_destroy, g->domid, EVENT, 60);
        check(rc == 0, "ops.destroy_event", "%s: rc %d", g->name, rc);
        expect_death(g, "death.destroy_event_gives_death", 30);
        expect_gone(g, "ops.destroy_event_domain_gone", 15);
    }

    /* 4. The guest crashed itself (hypervisor shutdown, reason crash). */
    g = &gs[3];
    if (g->up) {
        if (!expect_shutdown(g, LIBXL_SHUTDOWN_REASON_CRASH, "death.crash_gives_shutdown", 90))
            expect_xl_state(g, "death.crash_xl_list_shows_c", 'c', 1);
        else
            note_xen_log(g);
        int rc = do_op(op_destroy, g->domid, CALLBACK, 60);
        check(rc == 0, "ops.destroy_callback", "%s: rc %d", g->name, rc);
        expect_death(g, "death.destroy_callback_gives_death", 30);
        expect_gone(g, "ops.destroy_callback_domain_gone", 15);
    }

    for (int i = 0; i < ng; i++)
        if (gs[i].evg) libxl_evdisable_domain_death(ctx, gs[i].evg);

    /* Leave nothing behind for the next library's run. */
    for (int i = 0; i < ng; i++)
        if (gs[i].domid && libxl_domain_info(ctx, NULL, gs[i].domid) == 0) {
            note("cleaning up %s (domain %u) with xl destroy", gs[i].name, gs[i].domid);
            run_cmd(NULL, 0, 60, XL " destroy %u", gs[i].domid);
        }
    note("guest part took %.1f s; guest boot retries: %d", now_s() - t0, boot_retries);
}

/* ------------------------------------------------------------ part: childproc */

/*
 * The child-process modes in a real dom0. lightcore's public API has no
 * operation that runs a child (Debian's libxenlight forks one for
 * libxl_domain_destroy, so with it the library's own children are covered
 * too), so what is checked is the contract an application sees in each
 * mode, on a ctx of its own with a real guest: the mode is accepted and
 * leaves SIGCHLD as documented; death events and asynchronous operations
 * (pause, unpause, destroy) complete while the application's own children
 * exit; every one of those children's statuses reaches the application
 * exactly once, by the path the mode promises; libxl_childproc_reaped
 * refuses a pid that is not the library's; freeing the ctx gives back the
 * SIGCHLD disposition the application had.
 */

enum cp_mode { CP_LIBXL, CP_ALWAYS, CP_SELECTIVE, CP_MAINLOOP_REAPED, CP_MAINLOOP_OCCURRED };
static const char *const cp_mode_name[] = {
    "libxl", "libxl_always", "selective_reap", "mainloop_reaped", "mainloop_occurred",
};

#define APP_KIDS 6
struct app_kid {
    pid_t pid;
    int code;      /* the exit status it was told to give */
    int seen;      /* statuses that reached the application */
    int bad;       /* statuses that were not a clean exit with code */
    int via_cb;    /* of which through reaped_callback */
};
static struct app_kid kids[APP_KIDS];
static enum cp_mode cp_mode;
static libxl_ctx *cp_ctx;
static int cp_unknown_refused, cp_unknown_other, cp_lib_accepted, cp_lib_refused;
static int cp_cb_foreign;

static struct app_kid *find_kid(pid_t pid)
{
    for (int i = 0; i < APP_KIDS; i++)
        if (kids[i].pid == pid) return &kids[i];
    return NULL;
}

static void kid_status(struct app_kid *k, int status, int via_cb)
{
    k->seen++;
    k->via_cb += via_cb;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != k->code) k->bad++;
}

/* Children that sleep for a while and exit with a known status; their
 * exits are spread over the operations that follow. */
static void spawn_kids(void)
{
    static const int delay_ms[APP_KIDS] = { 0, 60, 200, 450, 800, 1300 };
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < APP_KIDS; i++) {
        kids[i] = (struct app_kid){ .code = 40 + i };
        pid_t pid = fork();
        if (pid == 0) {
            struct timespec ts = { delay_ms[i] / 1000, (delay_ms[i] % 1000) * 1000000L };
            while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
            _exit(40 + i);
        }
        kids[i].pid = pid;
    }
}

/* The application's SIGCHLD handler (mainloop modes): only a byte down
 * the self-pipe. */
static void app_sigchld_handler(int sig)
{
    (void)sig;
    int e = errno;
    if (write(app_sigchld_pipe[1], "c", 1) < 0) { /* full: a wakeup is pending */ }
    errno = e;
}

/* Called by wait_event when the application's SIGCHLD pipe was readable. */
static void app_sigchld_mainloop(void)
{
    if (cp_mode == CP_MAINLOOP_OCCURRED) {
        /* The library reaps its own; the application reaps its own. */
        libxl_childproc_sigchld_occurred(cp_ctx);
        for (int i = 0; i < APP_KIDS; i++) {
            int status;
            if (kids[i].pid > 0 && !kids[i].seen &&
                waitpid(kids[i].pid, &status, WNOHANG) == kids[i].pid)
                kid_status(&kids[i], status, 0);
        }
        return;
    }
    /* The application reaps everything and hands each status to the ctx. */
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0) break;
        int rc = libxl_childproc_reaped(cp_ctx, pid, status);
        struct app_kid *k = find_kid(pid);
        if (k) {
            kid_status(k, status, 0);
            if (rc == ERROR_UNKNOWN_CHILD) cp_unknown_refused++;
            else {
                cp_unknown_other++;
                note("childproc_reaped(own child %d) = %d", (int)pid, rc);
            }
        } else if (rc == 0) {
            cp_lib_accepted++;
        } else {
            cp_lib_refused++;
            note("childproc_reaped(pid %d, not the application's) = %d", (int)pid, rc);
        }
    }
}

static int cp_reaped_callback(pid_t pid, int status, void *user)
{
    (void)user;
    struct app_kid *k = find_kid(pid);
    if (!k) {
        cp_cb_foreign++;
        return ERROR_UNKNOWN_CHILD;
    }
    kid_status(k, status, 1);
    return 0;
}

/* Run the ctx's loop (and, in mainloop modes, the application's SIGCHLD
 * handling) for about secs. */
static void pump_loop(double secs)
{
    libxl_event *ev = NULL;
    wait_event(&ev, LIBXL_EVENT_TYPE_OPERATION_COMPLETE, 0x7ffe0000, secs);
    if (ev) libxl_event_free(ctx, ev);
}

static int same_disposition(const struct sigaction *a, const struct sigaction *b)
{
    return a->sa_handler == b->sa_handler;
}

static const char *disposition_name(const struct sigaction *sa)
{
    return sa->sa_handler == SIG_DFL ? "SIG_DFL" : sa->sa_handler == SIG_IGN ? "SIG_IGN"
           : sa->sa_handler == app_sigchld_handler ? "the application's handler"
                                                    : "another handler";
}

static void childproc_mode(struct guest *g, enum cp_mode m, xentoollog_logger *lg)
{
    static libxl_childproc_hooks hooks;
    char name[128];
    const char *mn = cp_mode_name[m];
#define CPNAME(what) (snprintf(name, sizeof name, "childproc.%s." what, mn), name)
    int mainloop = m == CP_MAINLOOP_REAPED || m == CP_MAINLOOP_OCCURRED;
    double t0 = now_s();

    cp_mode = m;
    cp_unknown_refused = cp_unknown_other = cp_lib_accepted = cp_lib_refused = 0;
    cp_cb_foreign = 0;
    memset(kids, 0, sizeof kids);

    struct sigaction before, after_setmode, after_free, app_sa;
    sigaction(SIGCHLD, NULL, &before);
    if (mainloop) {
        if (pipe2(app_sigchld_pipe, O_CLOEXEC | O_NONBLOCK)) {
            check(0, CPNAME("app_pipe"), "%s", strerror(errno));
            return;
        }
        memset(&app_sa, 0, sizeof app_sa);
        app_sa.sa_handler = app_sigchld_handler;
        app_sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
        sigemptyset(&app_sa.sa_mask);
        sigaction(SIGCHLD, &app_sa, &before);
        app_sigchld_ready = app_sigchld_mainloop;
    }

    libxl_ctx *main_ctx = ctx;
    int rc = libxl_ctx_alloc(&cp_ctx, LIBXL_VERSION, 0, lg);
    if (!check(rc == 0 && cp_ctx, CPNAME("ctx_alloc"), "rc %d", rc)) goto out_restore;
    hooks = (libxl_childproc_hooks){ .chldowner = libxl_sigchld_owner_libxl };
    switch (m) {
    case CP_LIBXL:
        hooks.reaped_callback = cp_reaped_callback;
        break;
    case CP_ALWAYS:
        hooks.chldowner = libxl_sigchld_owner_libxl_always;
        hooks.reaped_callback = cp_reaped_callback;
        break;
    case CP_SELECTIVE:
        hooks.chldowner = libxl_sigchld_owner_libxl_always_selective_reap;
        hooks.reaped_callback = cp_reaped_callback; /* must stay unused */
        break;
    case CP_MAINLOOP_REAPED:
    case CP_MAINLOOP_OCCURRED:
        hooks.chldowner = libxl_sigchld_owner_mainloop;
        hooks.reaped_callback = cp_reaped_callback; /* must stay unused */
        break;
    }
    libxl_childproc_setmode(cp_ctx, &hooks, NULL);
    /* From here on the shared helpers (wait_event, do_op, expect_*) work
     * on this mode's ctx. */
    ctx = cp_ctx;

    /* SIGCHLD as the mode promises right after setmode: the always modes
     * hold a handler from now on; the default mode has no child yet, so
     * it has none; mainloop leaves the application's in place. */
    sigaction(SIGCHLD, NULL, &after_setmode);
    int disp_ok;
    if (m == CP_ALWAYS || m == CP_SELECTIVE)
        disp_ok = after_setmode.sa_handler != SIG_DFL && after_setmode.sa_handler != SIG_IGN;
    else
        disp_ok = same_disposition(&after_setmode, mainloop ? &app_sa : &before);
    check(disp_ok, CPNAME("setmode_sigchld_disposition"), "SIGCHLD is %s",
          disposition_name(&after_setmode));

    /* libxl_childproc_reaped is for the mainloop mode only (libxl 4.17
     * asserts on it in any other mode). */
    if (mainloop) {
        rc = libxl_childproc_reaped(cp_ctx, getpid(), 0);
        check(rc == ERROR_UNKNOWN_CHILD, CPNAME("reaped_foreign_pid_unknown_child"),
              "childproc_reaped(own pid) = %d", rc);
    }

    if (enable_death(g)) goto out_free;
    expect_quiet(g, CPNAME("no_event_while_running"));

    /* The application's children exit while the operations run. */
    spawn_kids();
    rc = do_op(op_pause, g->domid, EVENT, 30);
    check(rc == 0 && wait_dominfo(g->domid, 1, 5) == 0, CPNAME("pause_event"), "%s: rc %d",
          g->name, rc);
    rc = do_op(op_unpause, g->domid, CALLBACK, 30);
    check(rc == 0 && wait_dominfo(g->domid, 0, 5) == 0, CPNAME("unpause_callback"),
          "%s: rc %d", g->name, rc);
    rc = do_op(op_destroy, g->domid, EVENT, 60);
    check(rc == 0, CPNAME("destroy_event"), "%s: rc %d", g->name, rc);
    expect_death(g, CPNAME("destroy_gives_death"), 30);
    expect_quiet(g, CPNAME("nothing_after_death"));
    expect_gone(g, CPNAME("domain_gone"), 15);

    /* Collect the application's children: each status exactly once. The
     * last exits 1.3 s after it started; allow 20 s. */
    double deadline = now_s() + 20;
    int pending;
    do {
        pump_loop(0.1);
        pending = 0;
        for (int i = 0; i < APP_KIDS; i++) {
            struct app_kid *k = &kids[i];
            if (k->pid <= 0 || k->seen) continue;
            if (m == CP_LIBXL || m == CP_SELECTIVE) {
                /* The application may reap its own (in the default mode
                 * the library may have got there first, through
                 * reaped_callback: pump_loop ran it). */
                int status;
                pid_t r = waitpid(k->pid, &status, WNOHANG);
                if (r == k->pid) kid_status(k, status, 0);
                else if (r < 0 && errno == ECHILD && !k->seen) {
                    k->seen = -1; /* reaped by someone, and not told */
                    continue;
                }
            }
            pending += !k->seen;
        }
    } while (pending && now_s() < deadline);

    int lost = 0, twice = 0, bad = 0, viacb = 0;
    for (int i = 0; i < APP_KIDS; i++) {
        lost += kids[i].seen <= 0;
        twice += kids[i].seen > 1;
        bad += kids[i].bad;
        viacb += kids[i].via_cb;
        if (kids[i].seen != 1)
            note("own child %d (exit %d): status seen %d times", (int)kids[i].pid,
                 kids[i].code, kids[i].seen);
    }
    note("childproc %s: %d own children, %d statuses through reaped_callback, "
         "%d library children handed back by the application", mn, APP_KIDS, viacb,
         cp_lib_accepted);
    check(lost == 0 && twice == 0 && bad == 0, CPNAME("own_children_each_status_once"),
          "%d lost, %d seen more than once, %d with a wrong status", lost, twice, bad);
    switch (m) {
    case CP_LIBXL:
        break; /* either path is allowed */
    case CP_ALWAYS:
        check(viacb == APP_KIDS, CPNAME("own_children_through_reaped_callback"),
              "%d of %d", viacb, APP_KIDS);
        break;
    case CP_SELECTIVE:
    case CP_MAINLOOP_REAPED:
    case CP_MAINLOOP_OCCURRED:
        check(viacb == 0, CPNAME("own_children_not_reaped_by_library"),
              "%d statuses went to reaped_callback", viacb);
        break;
    }
    if (m == CP_MAINLOOP_REAPED) {
        check(cp_unknown_refused == APP_KIDS && cp_unknown_other == 0,
              CPNAME("reaped_own_children_unknown_child"),
              "%d refused with ERROR_UNKNOWN_CHILD, %d other results", cp_unknown_refused,
              cp_unknown_other);
        check(cp_lib_refused == 0, CPNAME("reaped_library_children_accepted"),
              "%d of the library's children refused", cp_lib_refused);
    }
    check(cp_cb_foreign == 0, CPNAME("no_foreign_status_in_reaped_callback"),
          "%d statuses of children that are not the application's", cp_cb_foreign);

out_free:
    if (g->evg) libxl_evdisable_domain_death(cp_ctx, g->evg);
    g->evg = NULL;
    ctx = main_ctx;
    rc = libxl_ctx_free(cp_ctx);
    check(rc == 0, CPNAME("ctx_free"), "rc %d", rc);
    cp_ctx = NULL;
    sigaction(SIGCHLD, NULL, &after_free);
    check(same_disposition(&after_free, mainloop ? &app_sa : &before),
          CPNAME("ctx_free_restores_sigchld"), "SIGCHLD is %s", disposition_name(&after_free));
out_restore:
    ctx = main_ctx;
    if (mainloop) {
        sigaction(SIGCHLD, &before, NULL);
        app_sigchld_ready = NULL;
        close(app_sigchld_pipe[0]);
        close(app_sigchld_pipe[1]);
        app_sigchld_pipe[0] = app_sigchld_pipe[1] = -1;
    }
    /* Nothing of this mode's may be left for the next. */
    for (int i = 0; i < APP_KIDS; i++)
        if (kids[i].pid > 0 && kids[i].seen == 0) {
            kill(kids[i].pid, SIGKILL);
            waitpid(kids[i].pid, NULL, 0);
        }
    note("childproc %s took %.1f s", mn, now_s() - t0);
#undef CPNAME
}

static void part_childproc(xentoollog_logger *lg)
{
    struct guest gs[] = {
        { .role = "cp-libxl", .mode = "idle", .type = "pv", .user = 0x2001 },
        { .role = "cp-always", .mode = "idle", .type = "pv", .user = 0x2002 },
        { .role = "cp-selective", .mode = "idle", .type = "pv", .user = 0x2003 },
        { .role = "cp-mlreaped", .mode = "idle", .type = "pv", .user = 0x2004 },
        { .role = "cp-mloccurred", .mode = "idle", .type = "pv", .user = 0x2005 },
    };
    const int ng = sizeof gs / sizeof gs[0];
    double t0 = now_s();
    for (int i = 0; i < ng; i++)
        if (create_guest(&gs[i]) == 0) gs[i].up = 1;
    for (int i = 0; i < ng; i++) {
        double left = t0 + 240 - now_s();
        if (gs[i].up && wait_booted(&gs[i], t0, left > 5 ? left : 5)) gs[i].up = 0;
    }
    note("childproc guests created and booted in %.1f s", now_s() - t0);

    for (int i = 0; i < ng; i++)
        if (gs[i].up) childproc_mode(&gs[i], (enum cp_mode)i, lg);

    for (int i = 0; i < ng; i++)
        if (gs[i].domid && libxl_domain_info(ctx, NULL, gs[i].domid) == 0) {
            note("cleaning up %s (domain %u) with xl destroy", gs[i].name, gs[i].domid);
            run_cmd(NULL, 0, 60, XL " destroy %u", gs[i].domid);
        }
    note("childproc part took %.1f s", now_s() - t0);
}

/* ------------------------------------------------------------ part: devices */

/*
 * Devices on a real guest (issue 17): a file-backed disk and a nic on the
 * bridge xenbr0 (dom0-init makes it) are attached to a running PV guest
 * whose init loads the frontends (guest-init, rxmode=devices) and reports
 * on its console what it sees. Debian's hotplug scripts (block,
 * vif-bridge) run unchanged in dom0, started by the library under test.
 */

/* Wait up to timeout_s for a line of g's console log that contains want;
 * the last such line goes to line. 0 if found. */
static int wait_console(const struct guest *g, const char *want, char *line,
                        size_t linesz, double timeout_s)
{
    char log[256];
    snprintf(log, sizeof log, CONSOLE_LOG_DIR "/guest-%s.log", g->name);
    double deadline = now_s() + timeout_s;
    for (;;) {
        FILE *f = fopen(log, "r");
        char buf[512];
        int found = 0;
        while (f && fgets(buf, sizeof buf, f))
            if (strstr(buf, want)) {
                found = 1;
                buf[strcspn(buf, "\r\n")] = 0;
                snprintf(line, linesz, "%s", buf);
            }
        if (f) fclose(f);
        if (found) return 0;
        if (now_s() >= deadline) return -1;
        usleep(100000);
    }
}

/* The xenstore value at path (malloc'ed, or NULL). */
static char *xs_get(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xs_get(const char *fmt, ...)
{
    char path[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    unsigned int len;
    return xs_read(xsh, XBT_NULL, path, &len);
}

/*
 * The real drivers' and scripts' nodes (the facts tests/sim's backends and
 * frontends model): xenstore-ls -p of path, with the guest's domid as "D"
 * (in paths, permissions and frontend-id) and the values the guest picks
 * (ring references, event channels) as "N"; each line is noted and
 * appended to /tmp/rx-devtree-TAG, which the suite compares between the
 * libraries.
 */
static void note_xs_tree(const char *what, const char *path, uint32_t domid)
{
    static char out[8192];
    char id[16], file[96];
    snprintf(id, sizeof id, "%u", domid);
    snprintf(file, sizeof file, "/tmp/rx-devtree-%s", tag);
    size_t idlen = strlen(id);
    FILE *f = fopen(file, "a");
    run_cmd(out, sizeof out, 30, "xenstore-ls -p %s", path);
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        char norm[512];
        size_t o = 0;
        int guest_value = !strncmp(line, "frontend-id =", 13);
        int masked = strstr(line, "ring-ref =") || !strncmp(line, "event-channel", 13);
        for (const char *c = line; *c && o + 2 < sizeof norm;) {
            int at_id = !strncmp(c, id, idlen) && !isdigit((unsigned char)c[idlen]) &&
                        c > line && !isdigit((unsigned char)c[-1]) &&
                        (c[-1] == '/' || c[-1] == 'n' || c[-1] == 'r' ||
                         (c[-1] == '"' && guest_value));
            if (at_id) {
                norm[o++] = 'D';
                c += idlen;
            } else if (masked && *c == '"' && strchr(c + 1, '"')) {
                memcpy(norm + o, "\"N\"", 3);
                o += 3;
                c = strchr(c + 1, '"') + 1;
                masked = 0;
            } else {
                norm[o++] = *c++;
            }
        }
        norm[o] = 0;
        /* xenstore-ls pads with dots to a column: not a fact. */
        char *dots = strstr(norm, "  . ");
        if (!dots) dots = strstr(norm, " . ");
        char *perm = strrchr(norm, '(');
        if (dots && perm && perm > dots) memmove(dots + 1, perm, strlen(perm) + 1);
        note("%s: %s", what, norm);
        if (f) fprintf(f, "%s: %s\n", what, norm);
    }
    if (f) fclose(f);
}

/* Poll until a file exists (want 1) or is gone (want 0). */
static int wait_file(int want, double timeout_s, const char *path)
{
    double deadline = now_s() + timeout_s;
    for (;;) {
        if ((access(path, F_OK) == 0) == want) return 0;
        if (now_s() >= deadline) return -1;
        usleep(50000);
    }
}

/* How many loop devices have this file as their backing file. */
static int loops_backing(const char *file)
{
    int n = 0;
    for (int i = 0; i < 256; i++) {
        char p[96], buf[512];
        snprintf(p, sizeof p, "/sys/block/loop%d/loop/backing_file", i);
        FILE *f = fopen(p, "r");
        if (!f) continue;
        if (fgets(buf, sizeof buf, f)) {
            buf[strcspn(buf, "\n")] = 0;
            if (!strcmp(buf, file)) n++;
        }
        fclose(f);
    }
    return n;
}

/* A device operation with the ao_how signature, and its argument. */
typedef int (*devop_fn)(libxl_ctx *, uint32_t, void *, const libxl_asyncop_how *);
static int devop_disk_add(libxl_ctx *c, uint32_t d, void *dev, const libxl_asyncop_how *h)
{ return libxl_device_disk_add(c, d, dev, h); }
static int devop_disk_remove(libxl_ctx *c, uint32_t d, void *dev,
                             const libxl_asyncop_how *h)
{ return libxl_device_disk_remove(c, d, dev, h); }
static int devop_nic_add(libxl_ctx *c, uint32_t d, void *dev, const libxl_asyncop_how *h)
{ return libxl_device_nic_add(c, d, dev, h); }
static int devop_nic_remove(libxl_ctx *c, uint32_t d, void *dev,
                            const libxl_asyncop_how *h)
{ return libxl_device_nic_remove(c, d, dev, h); }

/* Run a device operation in one completion style; its final rc, and the
 * time it took in *took. */
static int dev_op(const char *what, devop_fn fn, uint32_t domid, void *dev, enum style st,
                  double timeout_s, double *took)
{
    static libxl_ev_user next_user = 0x6000;
    libxl_asyncop_how how;
    memset(&how, 0, sizeof how);
    double t0 = now_s();
    int rc;
    switch (st) {
    case SYNC:
        rc = fn(ctx, domid, dev, NULL);
        break;
    case CALLBACK: {
        int before = cb_count;
        how.callback = op_callback;
        rc = fn(ctx, domid, dev, &how);
        if (!rc) rc = wait_callback(before, timeout_s);
        break;
    }
    default: {
        libxl_event *ev = NULL;
        how.u.for_event = ++next_user;
        rc = fn(ctx, domid, dev, &how);
        if (!rc)
            rc = wait_event(&ev, LIBXL_EVENT_TYPE_OPERATION_COMPLETE, how.u.for_event,
                            timeout_s);
        if (!rc) rc = ev->u.operation_complete.rc;
        if (ev) libxl_event_free(ctx, ev);
        break;
    }
    }
    *took = now_s() - t0;
    note("%s(%u) %s: rc %d after %.2f s", what, domid, style_name[st], rc, *took);
    return rc;
}

static void devices_disk(struct guest *g)
{
    const int devid = 51728; /* xvdb */
    char img[128], token[96], want[160], line[512], be[128], fe[128], lx[128];
    /* The same path for every library, so the backends' trees compare. */
    snprintf(img, sizeof img, "/tmp/rx-disk.img");
    snprintf(token, sizeof token, "%s-%d-%ld", tag, (int)getpid(), (long)time(NULL));
    snprintf(be, sizeof be, "/local/domain/0/backend/vbd/%u/%d", g->domid, devid);
    snprintf(fe, sizeof fe, "/local/domain/%u/device/vbd/%d", g->domid, devid);
    snprintf(lx, sizeof lx, "/libxl/%u/device/vbd/%d", g->domid, devid);

    /* The image: 16 MiB, sparse, its first line the token. */
    int fd = open(img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    char head[512];
    memset(head, 0, sizeof head);
    snprintf(head, sizeof head, "RXDISK:%s\n", token);
    int ok = fd >= 0 && ftruncate(fd, 16 << 20) == 0 &&
             pwrite(fd, head, sizeof head, 0) == (ssize_t)sizeof head;
    if (fd >= 0) close(fd);
    if (!check(ok, "devices.disk_image", "%s: %s", img, strerror(errno)))
        return;

    libxl_device_disk disk;
    libxl_device_disk_init(&disk);
    disk.pdev_path = strdup(img);
    disk.vdev = strdup("xvdb");
    disk.format = LIBXL_DISK_FORMAT_RAW;
    disk.readwrite = 1;
    double took;
    int rc = dev_op("disk_add", devop_disk_add, g->domid, &disk, SYNC, 120, &took);
    if (!check(rc == 0, "devices.disk_add", "%s (domain %u): rc %d", g->name, g->domid, rc)) {
        libxl_device_disk_dispose(&disk);
        return;
    }
    note("disk_add on real Xen: %.2f s (the block script, under TCG)", took);
    char *hs = xs_get("%s/hotplug-status", be), *node = xs_get("%s/node", be);
    char *pdev = xs_get("%s/physical-device", be);
    check(hs && !strcmp(hs, "connected") && node && !strncmp(node, "/dev/loop", 9) && pdev,
          "devices.disk_block_script_ran", "hotplug-status %s node %s physical-device %s",
          hs ? hs : "-", node ? node : "-", pdev ? pdev : "-");
    note("disk backend: node %s physical-device %s", node ? node : "-", pdev ? pdev : "-");
    free(hs);
    free(node);
    free(pdev);
    check(loops_backing(img) == 1, "devices.disk_one_loop_device", "%d loop devices on %s",
          loops_backing(img), img);

    int n = 0;
    libxl_device_disk *list = libxl_device_disk_list(ctx, g->domid, &n);
    check(n == 1 && list && list[0].vdev && !strcmp(list[0].vdev, "xvdb") &&
          list[0].pdev_path && !strcmp(list[0].pdev_path, img),
          "devices.disk_list_shows_it", "%d disks", n);
    libxl_device_disk_list_free(list, n);

    /* The guest reads the token from the disk and writes it back. */
    snprintf(want, sizeof want, "RXGUEST-DISK-WRITTEN xvdb token=%s ", token);
    double tw = now_s();
    rc = wait_console(g, want, line, sizeof line, 60);
    check(rc == 0 && strstr(line, " rc=0"), "devices.disk_guest_wrote",
          "%s: no \"%s\" on the console after 60 s (last: %s)", g->name, want,
          rc ? "-" : line);
    note("guest: %s (%.1f s after the add returned)", rc ? "-" : line, now_s() - tw);
    note_xs_tree("vbd backend", be, g->domid);
    note_xs_tree("vbd frontend", fe, g->domid);

    rc = dev_op("disk_remove", devop_disk_remove, g->domid, &disk, EVENT, 120, &took);
    check(rc == 0, "devices.disk_remove", "%s (domain %u): rc %d", g->name, g->domid, rc);
    note("disk_remove on real Xen: %.2f s", took);
    check(!xs_exists("%s", be) && !xs_exists("%s", fe) && !xs_exists("%s", lx),
          "devices.disk_nodes_gone", "backend %d frontend %d libxl %d", xs_exists("%s", be),
          xs_exists("%s", fe), xs_exists("%s", lx));
    check(loops_backing(img) == 0, "devices.disk_no_loop_left", "%d loop devices on %s",
          loops_backing(img), img);
    static char out[4096];
    rc = run_cmd(out, sizeof out, 30, "losetup -a");
    check(rc == 0 && !strstr(out, img), "devices.disk_losetup_clean", "losetup -a: %d: %s",
          rc, out);
    rc = wait_console(g, "RXGUEST-DISK-GONE xvdb", line, sizeof line, 30);
    check(rc == 0, "devices.disk_guest_saw_it_go", "%s: no RXGUEST-DISK-GONE", g->name);
    list = libxl_device_disk_list(ctx, g->domid, &n);
    check(n == 0, "devices.disk_list_empty", "%d disks", n);
    libxl_device_disk_list_free(list, n);

    /* The guest's write is in the file. */
    char got[512], expect[160];
    snprintf(expect, sizeof expect, "RXGUEST-WROTE:%s\n", token);
    fd = open(img, O_RDONLY | O_CLOEXEC);
    ssize_t r = fd >= 0 ? pread(fd, got, sizeof got, 512) : -1;
    if (fd >= 0) close(fd);
    int same = r == (ssize_t)sizeof got && !memcmp(got, expect, strlen(expect));
    for (size_t i = strlen(expect); same && i < sizeof got; i++)
        same = got[i] == 0;
    check(same, "devices.disk_data_in_file", "%s at 512: read %zd bytes, \"%.40s\"", img, r,
          r > 0 ? got : "");
    libxl_device_disk_dispose(&disk);
    unlink(img);
}

static void devices_nic(struct guest *g)
{
    char line[512], want[160], vif[32], brif[96], mac[24];
    libxl_device_nic nic;
    libxl_device_nic_init(&nic);
    nic.bridge = strdup("xenbr0");
    /* A locally chosen mac, the same for every library (each run has a
     * guest of its own; xl's steps in the suite use another). */
    const uint8_t m[6] = { 0x00, 0x16, 0x3e, 0x52, 0x58, 0x10 };
    memcpy(nic.mac, m, 6);
    snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
             m[5]);
    double took;
    int rc = dev_op("nic_add", devop_nic_add, g->domid, &nic, CALLBACK, 120, &took);
    if (!check(rc == 0, "devices.nic_add", "%s (domain %u): rc %d", g->name, g->domid, rc)) {
        libxl_device_nic_dispose(&nic);
        return;
    }
    note("nic_add on real Xen: %.2f s (vif-bridge, under TCG)", took);

    int n = 0, devid = -1;
    libxl_device_nic *list = libxl_device_nic_list(ctx, g->domid, &n);
    for (int i = 0; i < n; i++)
        if (!memcmp(list[i].mac, m, 6)) devid = list[i].devid;
    check(n == 1 && devid >= 0 && list[0].bridge && !strcmp(list[0].bridge, "xenbr0"),
          "devices.nic_list_shows_it", "%d nics, devid %d", n, devid);
    libxl_device_nic_list_free(list, n);
    if (devid < 0) devid = 0;
    snprintf(vif, sizeof vif, "vif%u.%d", g->domid, devid);
    snprintf(brif, sizeof brif, "/sys/class/net/xenbr0/brif/%s", vif);
    char be[128];
    snprintf(be, sizeof be, "/local/domain/0/backend/vif/%u/%d", g->domid, devid);
    char *hs = xs_get("%s/hotplug-status", be);
    check(hs && !strcmp(hs, "connected"), "devices.nic_vif_bridge_ran", "hotplug-status %s",
          hs ? hs : "-");
    free(hs);
    check(access(brif, F_OK) == 0, "devices.nic_vif_in_bridge", "no %s", brif);

    snprintf(want, sizeof want, "RXGUEST-NIC eth0 mac=%s ", mac);
    double tw = now_s();
    rc = wait_console(g, want, line, sizeof line, 60);
    check(rc == 0 && strstr(line, " carrier=1 operstate=up"), "devices.nic_guest_link_up",
          "%s: %s", g->name, rc ? "no report after 60 s" : line);
    note("guest: %s (%.1f s after the add returned)", rc ? "-" : line, now_s() - tw);
    note_xs_tree("vif backend", be, g->domid);
    char fe[128];
    snprintf(fe, sizeof fe, "/local/domain/%u/device/vif/%d", g->domid, devid);
    note_xs_tree("vif frontend", fe, g->domid);

    rc = dev_op("nic_remove", devop_nic_remove, g->domid, &nic, SYNC, 120, &took);
    check(rc == 0, "devices.nic_remove", "%s (domain %u): rc %d", g->name, g->domid, rc);
    note("nic_remove on real Xen: %.2f s", took);
    check(access(brif, F_OK) != 0, "devices.nic_vif_out_of_bridge", "%s still there", brif);
    char sysvif[96];
    snprintf(sysvif, sizeof sysvif, "/sys/class/net/%s", vif);
    double tg = now_s();
    rc = wait_file(0, 15, sysvif);
    check(rc == 0, "devices.nic_vif_gone", "%s still there after 15 s", sysvif);
    if (!rc) note("%s gone %.2f s after the remove returned", vif, now_s() - tg);
    check(!xs_exists("%s", be) && !xs_exists("%s", fe) &&
          !xs_exists("/libxl/%u/device/vif/%d", g->domid, devid),
          "devices.nic_nodes_gone", "backend %d frontend %d libxl %d", xs_exists("%s", be),
          xs_exists("%s", fe), xs_exists("/libxl/%u/device/vif/%d", g->domid, devid));
    rc = wait_console(g, "RXGUEST-NIC-GONE eth0", line, sizeof line, 30);
    check(rc == 0, "devices.nic_guest_saw_it_go", "%s: no RXGUEST-NIC-GONE", g->name);
    list = libxl_device_nic_list(ctx, g->domid, &n);
    check(n == 0, "devices.nic_list_empty", "%d nics", n);
    libxl_device_nic_list_free(list, n);
    libxl_device_nic_dispose(&nic);
}

static void part_devices(void)
{
    struct guest g = { .role = "devices", .mode = "devices", .type = "pv", .user = 0x3001 };
    double t0 = now_s();
    char tree[96];
    snprintf(tree, sizeof tree, "/tmp/rx-devtree-%s", tag);
    unlink(tree);
    if (create_guest(&g) == 0 && wait_booted(&g, t0, 180) == 0) {
        note("devices guest booted in %.1f s", now_s() - t0);
        devices_disk(&g);
        devices_nic(&g);
    }
    if (g.domid && libxl_domain_info(ctx, NULL, g.domid) == 0)
        run_cmd(NULL, 0, 60, XL " destroy %u", g.domid);
    note("devices part took %.1f s", now_s() - t0);
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s TAG [info] [guests] [childproc] [devices]\n", argv[0]);
        return 2;
    }
    tag = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);

    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_WARN, 0);
    int rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg);
    if (!check(rc == 0 && ctx, "ctx_alloc", "rc %d", rc))
        return 1;
    xsh = xs_open(0);
    if (!check(xsh != NULL, "xs_open", "%s", strerror(errno)))
        return 1;

    int all = argc == 2;
    for (int i = 2; i <= argc; i++) {
        const char *part = i < argc ? argv[i] : NULL;
        if (all ? i == 2 : part && !strcmp(part, "info")) part_info();
        if (all ? i == 2 : part && !strcmp(part, "guests")) part_guests();
        if (all ? i == 2 : part && !strcmp(part, "childproc"))
            part_childproc((xentoollog_logger *)lg);
        if (all ? i == 2 : part && !strcmp(part, "devices")) part_devices();
    }

    rc = libxl_ctx_free(ctx);
    check(rc == 0, "ctx_free", "rc %d", rc);
    xs_close(xsh);
    xtl_logger_destroy((xentoollog_logger *)lg);
    printf("# %s: %d passed, %d failed\n", tag, npass, nfail);
    return nfail ? 1 : 0;
}
