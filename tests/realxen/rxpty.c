/*
 * rxpty.c: a lightcore-only probe for the real-Xen suite (see run, suite).
 *
 * lightcore's pty helper (libxl__pty_run: a helper child opens the pty and
 * passes its fds back over a socket, then the program runs on the pty) is
 * internal, so rxtest.c, which is built against both libraries' public
 * API, cannot reach it. This program is built against lightcore's internal
 * headers and linked statically to liblightcore.a; the suite runs it in
 * dom0 after rx-ours, once as it is and once with LIGHTCORE_CHILD_NOPIDFD=1
 * (children through SIGCHLD instead of pidfds).
 *
 * The ctx first opens what a toolstack has open in a real dom0 (privcmd,
 * the event channel device, xenstore, a death watch on dom0), then runs
 * this same program on a pty ("rxpty child"), synchronously and as an
 * event-style operation. The child reports whether fds 0-2 are its
 * terminal, the line it read, and every other fd it holds: each one,
 * unless this process already held it without close-on-exec before it
 * allocated the ctx (the caller's own inheritable fds), would be a library
 * fd that leaked through the helper or the exec. Afterwards the parent
 * must hold no pty fd and no socket it did not hold before the run (the
 * pty master and the helper's socket are gone again).
 *
 * Usage: rxpty TAG [PART...]   (prints PASS/FAIL lines like rxtest; the
 * parts the suite passes are ignored)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/log.h"
#include "ctx.h"
#include "ops/ops.h"
#include "subop/xswait.h"

static const char *tag;
static int npass, nfail;
/* fds above 2 this process held without close-on-exec at start. */
static char inheritable[1024];

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

/* The open fds of this process as "N:target N:target ..." (the directory
 * stream's own fd left out). */
static void list_fds(char *buf, size_t size, int *count_above_2)
{
    DIR *d = opendir("/proc/self/fd");
    size_t used = 0;
    buf[0] = 0;
    if (count_above_2) *count_above_2 = 0;
    if (!d) {
        snprintf(buf, size, "(cannot open /proc/self/fd: %s)", strerror(errno));
        return;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        int fd = atoi(e->d_name);
        if (fd == dirfd(d)) continue;
        char path[64], target[PATH_MAX];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        if (count_above_2 && fd > 2) (*count_above_2)++;
        int w = snprintf(buf + used, size - used, "%s%d:%s", used ? " " : "", fd, target);
        if (w < 0 || (size_t)w >= size - used) break;
        used += w;
    }
    closedir(d);
}

/* Is " N:" in the fd list (a list from list_fds, or " N:" per fd)? */
static int has_fd(const char *list, int fd)
{
    char key[24];
    snprintf(key, sizeof key, " %d:", fd);
    size_t klen = strlen(key);
    if (!strncmp(list, key + 1, klen - 1)) return 1;
    return strstr(list, key) != NULL;
}

/* The fds in the child's report (after "fds=") above 2 that this process
 * did not hand down itself; their descriptions go to leaks. */
static int count_leaks(const char *out, char *leaks, size_t size)
{
    const char *p = out ? strstr(out, "fds=") : NULL;
    int n = 0;
    size_t used = 0;
    leaks[0] = 0;
    if (!p) return -1;
    p += 4;
    while (*p && *p != '\n' && *p != '\r') {
        char *end;
        long fd = strtol(p, &end, 10);
        const char *next = end;
        while (*next && *next != ' ' && *next != '\n' && *next != '\r') next++;
        if (end != p && fd > 2 && !has_fd(inheritable, (int)fd)) {
            n++;
            int w = snprintf(leaks + used, size - used, "%s%.*s", used ? " " : "",
                             (int)(next - p), p);
            if (w > 0 && (size_t)w < size - used) used += w;
        }
        p = *next == ' ' ? next + 1 : next;
    }
    return n;
}

/* New pty or socket fds in after that before did not have. */
static int count_new_pty_fds(const char *before, const char *after, char *what, size_t size)
{
    int n = 0;
    size_t used = 0;
    what[0] = 0;
    for (const char *p = after; *p;) {
        char *end;
        long fd = strtol(p, &end, 10);
        const char *next = strchr(p, ' ');
        if (!next) next = p + strlen(p);
        int is_pty = strstr(end, ":/dev/pts/") == end || strstr(end, ":/dev/ptmx") == end ||
                     strstr(end, ":socket:") == end;
        if (end != p && is_pty && !has_fd(before, (int)fd)) {
            n++;
            int w = snprintf(what + used, size - used, "%s%.*s", used ? " " : "",
                             (int)(next - p), p);
            if (w > 0 && (size_t)w < size - used) used += w;
        }
        p = *next ? next + 1 : next;
    }
    return n;
}

/* "rxpty child": what runs on the pty. */
static int child_main(void)
{
    char line[128] = "";
    char fds[4096];
    int extra;
    const char *tty = ttyname(0);
    int ttys = isatty(0) + isatty(1) + isatty(2);
    if (!fgets(line, sizeof line, stdin)) line[0] = 0;
    line[strcspn(line, "\r\n")] = 0;
    list_fds(fds, sizeof fds, &extra);
    printf("RXPTY-CHILD ttys=%d tty=%s line=<%s> above2=%d fds=%s\n", ttys,
           tty ? tty : "(none)", line, extra, fds);
    fflush(stdout);
    return ttys == 3 ? 0 : 3;
}

static int run_once(libxl_ctx *ctx, const char *self, int event_style)
{
    char *const argv[] = { "rxpty", "child", NULL };
    const char *style = event_style ? "event" : "sync";
    char before[4096], after[4096], name[64];
    char *out = NULL;
    int status = -1, rc;

    list_fds(before, sizeof before, NULL);
    if (event_style) {
        libxl_asyncop_how how = { .callback = NULL, .u.for_event = 0x7a7a };
        rc = libxl__pty_run(ctx, self, argv, "ping\n", 30000, &out, &status, &how);
        if (!rc) {
            libxl_event *ev = NULL;
            /* Bounded by the run's own 30 s timeout (ERROR_TIMEDOUT). */
            rc = libxl_event_wait(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL);
            if (!rc) {
                if (ev->type != LIBXL_EVENT_TYPE_OPERATION_COMPLETE || ev->for_user != 0x7a7a)
                    rc = ERROR_FAIL;
                else
                    rc = ev->u.operation_complete.rc;
                libxl_event_free(ctx, ev);
            }
        }
    } else {
        rc = libxl__pty_run(ctx, self, argv, "ping\n", 30000, &out, &status, NULL);
    }
    list_fds(after, sizeof after, NULL);

    printf("# %s: pty_run %s: rc %d status %#x output: %s", tag, style, rc, (unsigned)status,
           out ? out : "(none)\n");
    if (out && (!*out || out[strlen(out) - 1] != '\n')) printf("\n");
    snprintf(name, sizeof name, "pty.run_%s_completes", style);
    check(rc == 0 && WIFEXITED(status), name, "rc %d status %#x", rc, (unsigned)status);
    snprintf(name, sizeof name, "pty.run_%s_program_on_the_pty", style);
    check(out && strstr(out, "ttys=3 tty=/dev/pts/"), name, "output: %s", out ? out : "");
    snprintf(name, sizeof name, "pty.run_%s_input_reaches_program", style);
    check(out && strstr(out, "line=<ping>"), name, "output: %s", out ? out : "");
    char leaks[2048], left[2048];
    int nleaks = count_leaks(out, leaks, sizeof leaks);
    snprintf(name, sizeof name, "pty.run_%s_no_fd_leaks_into_child", style);
    check(nleaks == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, name,
          "%d fds the library let through: %s", nleaks, nleaks < 0 ? "(no report)" : leaks);
    int nleft = count_new_pty_fds(before, after, left, sizeof left);
    if (strcmp(before, after))
        printf("# %s: pty_run %s: parent fds before %s; after %s\n", tag, style, before, after);
    snprintf(name, sizeof name, "pty.run_%s_no_pty_or_socket_left_in_parent", style);
    check(nleft == 0, name, "left open: %s", left);
    free(out);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "child")) return child_main();
    if (argc < 2) { /* further arguments (the suite's parts) are ignored */
        fprintf(stderr, "usage: %s TAG\n", argv[0]);
        return 2;
    }
    tag = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);
    char start_fds[4096];
    list_fds(start_fds, sizeof start_fds, NULL);
    size_t iused = 0;
    for (const char *p = start_fds; *p;) {
        char *end;
        long fd = strtol(p, &end, 10);
        int fl = end != p && fd > 2 ? fcntl((int)fd, F_GETFD) : -1;
        if (fl >= 0 && !(fl & FD_CLOEXEC)) {
            int w = snprintf(inheritable + iused, sizeof inheritable - iused, " %ld:", fd);
            if (w > 0 && (size_t)w < sizeof inheritable - iused) iused += w;
        }
        const char *next = strchr(p, ' ');
        p = next ? next + 1 : p + strlen(p);
    }
    printf("# %s: inheritable fds of the caller:%s\n", tag, iused ? inheritable : " none");

    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (!check(n > 0, "pty.self_path", "%s", strerror(errno))) return 1;
    self[n] = 0;

    xentoollog_logger_stdiostream *lg = xtl_createlogger_stdiostream(stderr, XTL_WARN, 0);
    libxl_ctx *ctx = NULL;
    int rc = libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg);
    if (!check(rc == 0 && ctx, "pty.ctx_alloc", "rc %d", rc)) return 1;

    /* What a toolstack holds open in dom0 while it works. */
    libxl_dominfo d;
    libxl_dominfo_init(&d);
    rc = libxl_domain_info(ctx, &d, 0);
    libxl_dominfo_dispose(&d);
    check(rc == 0, "pty.domain_info_dom0", "rc %d", rc);
    libxl_evgen_domain_death *evg = NULL;
    rc = libxl_evenable_domain_death(ctx, 0, 0x7a00, &evg);
    check(rc == 0, "pty.death_watch_on_dom0", "rc %d", rc);
    char fds[4096];
    list_fds(fds, sizeof fds, NULL);
    printf("# %s: parent fds: %s\n", tag, fds);

    run_once(ctx, self, 0);
    run_once(ctx, self, 1);

    if (evg) libxl_evdisable_domain_death(ctx, evg);
    rc = libxl_ctx_free(ctx);
    check(rc == 0, "pty.ctx_free", "rc %d", rc);
    xtl_logger_destroy((xentoollog_logger *)lg);
    printf("# %s: %d passed, %d failed\n", tag, npass, nfail);
    return nfail ? 1 : 0;
}
