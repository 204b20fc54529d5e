/*
 * test_ao_dropin.c: the ABI drop-in check for asynchronous operations and
 * the domain operations. Runs tests/abi/dropin_ops (built against Debian's
 * headers and library) on one simulated host twice, each time on fresh
 * domains: with Debian's libxenlight, then with lightcore's
 * (LD_LIBRARY_PATH). The two outputs must be identical. The domains include
 * HVM guests with and without PV drivers (shutdown's ERROR_NOPARAVIRT).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenstore.h>

#include "simhost.h"
#include "testmain.h"

#ifndef DROPIN_OPS
#error DROPIN_OPS (path of the probe) must be defined
#endif
#ifndef LIGHTCORE_LIBDIR
#error LIGHTCORE_LIBDIR must be defined
#endif

/* A disk recorded as libxl records one (frontend, backend, libxl entry). */
static void add_disk(struct xs_handle *xs, int d)
{
    char p[160], v[160];
    snprintf(v, sizeof(v), "/local/domain/0/backend/vbd/%d/51712", d);
    snprintf(p, sizeof(p), "/local/domain/%d/device/vbd/51712/backend", d);
    ck_assert(xs_write(xs, XBT_NULL, p, v, strlen(v)));
    snprintf(p, sizeof(p), "%s/frontend-id", v);
    ck_assert(xs_write(xs, XBT_NULL, p, "1", 1));
    snprintf(p, sizeof(p), "/libxl/%d/device/vbd/51712/backend", d);
    ck_assert(xs_write(xs, XBT_NULL, p, v, strlen(v)));
    snprintf(p, sizeof(p), "/libxl/%d/device/vbd/51712/frontend", d);
    snprintf(v, sizeof(v), "/local/domain/%d/device/vbd/51712", d);
    ck_assert(xs_write(xs, XBT_NULL, p, v, strlen(v)));
}

/* Run the probe on fresh domains; its stdout, malloc'ed. */
static char *run_probe(bool lightcore)
{
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    int plain = simhost_create_domain("plain", 64, 1, NULL);
    int ack = simhost_create_domain("ack", 64, 1, "ack-only");
    int doomed = simhost_create_domain("doomed", 64, 1, NULL);
    int hvm = simhost_create_hvm_domain("hvm", "hvm", NULL);
    int hvmpv = simhost_create_hvm_domain("hvmpv", "hvm", "ack-only");
    ck_assert(plain > 0 && ack > 0 && doomed > 0 && hvm > 0 && hvmpv > 0);
    ck_assert_int_eq(simhost_set_callback_irq(hvmpv, 1), 0);
    add_disk(xs, doomed);
    xs_close(xs);

    char a1[16], a2[16], a3[16], a4[16], a5[16];
    snprintf(a1, sizeof(a1), "%d", plain);
    snprintf(a2, sizeof(a2), "%d", ack);
    snprintf(a3, sizeof(a3), "%d", doomed);
    snprintf(a4, sizeof(a4), "%d", hvm);
    snprintf(a5, sizeof(a5), "%d", hvmpv);
    int pfd[2];
    ck_assert_int_eq(pipe(pfd), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        if (lightcore) {
            setenv("LD_LIBRARY_PATH", LIGHTCORE_LIBDIR, 1);
#ifdef SAN_RUNTIME
            /* our library is instrumented: its runtime must come first */
            setenv("LD_PRELOAD", SAN_RUNTIME, 1);
            setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
#endif
        } else {
            unsetenv("LD_LIBRARY_PATH");
        }
        execl(DROPIN_OPS, DROPIN_OPS, a1, a2, a3, a4, a5, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(pfd[0], buf + len, cap - 1 - len)) > 0) len += (size_t)r;
    buf[len] = 0;
    close(pfd[0]);
    int status;
    waitpid(pid, &status, 0);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "dropin_ops (%s) failed: status %d",
                  lightcore ? "lightcore" : "libxl", status);
    return buf;
}

TEST(same_results_as_libxl, 120)
{
    mkdir("/var/run/xen", 0755);   /* libxl's destroy needs its run dir */
    simhost *h = simhost_start();
    ck_assert_ptr_nonnull(h);
    char *xen = run_probe(false);
    char *ours = run_probe(true);
    if (getenv("DROPIN_SHOW")) fprintf(stderr, "%s", xen);
    if (strcmp(xen, ours))
        fprintf(stderr, "--- libxl:\n%s--- lightcore:\n%s", xen, ours);
    ck_assert_str_eq(ours, xen);
    ck_assert_ptr_nonnull(strstr(xen, "destroy: 0"));
    ck_assert_ptr_nonnull(strstr(xen, "shutdown hvm without pv drivers: -10"));
    ck_assert_ptr_nonnull(strstr(xen, "reboot hvm with pv drivers: 0"));
    free(xen);
    free(ours);
    ck_assert_int_eq(simhost_stop(h), 0);
}
