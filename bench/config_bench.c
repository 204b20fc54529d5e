/*
 * config_bench.c: reading every domain's stored configuration, lightcore
 * against Debian's libxenlight 4.17, side by side in one run on one
 * simulated host with 1,000 domains (xensim create-bulk, with libxl's
 * xenstore nodes) whose configurations the bench stores itself, through
 * Debian's library, in a private /var/lib/xen (its own mount namespace).
 *
 *   - the loop `xl list -l` makes: libxl_list_domain, then
 *     libxl_retrieve_domain_configuration for each domain (1,000 succeed;
 *     dom0 has nothing stored): time per loop, and the hypercalls each
 *     library made per domain (the simulator's counters);
 *   - Debian's xl itself, `xl list -l`, on each library (output to a pipe
 *     and counted): wall-clock time per run.
 *
 * Built once against Debian's headers and library; each measurement runs
 * in a child process, with Debian's library or with LD_LIBRARY_PATH at
 * lightcore's build (an ABI drop-in, same soname). The libraries take
 * turns, and the rows give medians of the runs. Target: lightcore at least
 * 3x faster (issue 16).
 *
 * Usage: config_bench [--quick] [--domains N]   (needs root: the mount
 * namespace; LIGHTCORE_LIBDIR in the environment overrides the compiled-in
 * library directory)
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>

#include "bench_stats.h"
#include "simhost.h"

#ifndef LIGHTCORE_LIBDIR
#define LIGHTCORE_LIBDIR "build"
#endif
#define DEBIAN_XL "/usr/lib/xen-4.17/bin/xl"
#define TARGET 3.0

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ child side */

/* One loop as xl list -l makes it: "loop_ns", "ok", "failed". */
static int child_loop(libxl_ctx *ctx)
{
    int n = 0, ok = 0, failed = 0;
    uint64_t t0 = now_ns();
    libxl_dominfo *list = libxl_list_domain(ctx, &n);
    if (!list) return 1;
    for (int i = 0; i < n; i++) {
        libxl_domain_config dc;
        libxl_domain_config_init(&dc);
        if (libxl_retrieve_domain_configuration(ctx, list[i].domid, &dc, NULL))
            failed++;
        else if (dc.c_info.name && dc.b_info.max_vcpus == 1)
            ok++;
        else
            failed++;
        libxl_domain_config_dispose(&dc);
    }
    libxl_dominfo_list_free(list, n);
    printf("loop_ns %llu\nok %d\nfailed %d\n",
           (unsigned long long)(now_ns() - t0), ok, failed);
    return 0;
}

static int child_main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    libxl_ctx *ctx;
    Dl_info dli;
    int rc = 1;

    if (dladdr((void *)libxl_ctx_alloc, &dli) && dli.dli_fname)
        printf("lib %s\n", dli.dli_fname);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg))
        return 1;
    if (argc == 2 && !strcmp(argv[1], "loop"))
        rc = child_loop(ctx);
    fflush(stdout);
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)lg);
    return rc;
}

/* ----------------------------------------------------------- parent side */

enum { LIB_XEN, LIB_LIGHTCORE };
static const char *self;

static const char *lightcore_dir(void)
{
    const char *dir = getenv("LIGHTCORE_LIBDIR");
    return dir ? dir : LIGHTCORE_LIBDIR;
}

static void use_lib(int lib)
{
    if (lib == LIB_LIGHTCORE) setenv("LD_LIBRARY_PATH", lightcore_dir(), 1);
    else unsetenv("LD_LIBRARY_PATH");
}

/* Runs argv with lib; its standard output into buf (NUL-terminated,
 * truncated to size, the full length in *len); its wall-clock time in ns,
 * or -1 if it failed. */
static double run_with(int lib, char *const argv[], char *buf, size_t size,
                       size_t *len, double *cpu)
{
    int pfd[2];
    char chunk[65536];
    *len = 0;
    if (pipe(pfd)) return -1;
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid == 0) {
        use_lib(lib);
        /* xl is not linked with the simulator: it gets it preloaded */
        if (strcmp(argv[0], self)) putenv((char *)simhost_preload_env());
        dup2(pfd[1], 1);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) dup2(null, 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    for (;;) {
        ssize_t r = read(pfd[0], chunk, sizeof(chunk));
        if (r <= 0) break;
        size_t room = *len < size - 1 ? size - 1 - *len : 0;
        memcpy(buf + *len, chunk, (size_t)r < room ? (size_t)r : room);
        *len += (size_t)r;
    }
    close(pfd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    double ns = (double)(now_ns() - t0);
    *cpu = ((double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec) * 1e9 +
           ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) * 1e3;
    buf[*len < size ? *len : size - 1] = '\0';
    return WIFEXITED(status) && !WEXITSTATUS(status) ? ns : -1;
}

static pid_t xenstored;

/* xenstored's CPU time so far, ns (0 if unknown). */
static double xenstored_cpu(void)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)xenstored);
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');   /* the name may hold spaces */
    unsigned long long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                     &utime, &stime) != 2)
        return 0;
    return (double)(utime + stime) * 1e9 / (double)sysconf(_SC_CLK_TCK);
}

/* The value of "key N" in the child's output, or -1. */
static double key_of(const char *out, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (!strncmp(p, key, kl) && p[kl] == ' ')
            return atof(p + kl + 1);
    return -1;
}

/* The hypercalls the guests' toolstack made since the last reset (not
 * xenstored's): the sum of the simulator's "hypercall.*" counters. */
static double hypercalls(void)
{
    char *out = NULL;
    double total = 0;
    if (simhost_cli(&out, "counters", NULL) == 0)
        for (char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
            if (!strncmp(p, "hypercall.", 10))
                total += atof(strchr(p, ' ') ? strchr(p, ' ') + 1 : "0");
    free(out);
    return total;
}

/* One loop child with lib: its time (ns, -1 if it failed or did not read
 * every domain's configuration), hypercalls, and CPU time (ns: the child's
 * and xenstored's, during the whole run). */
static double loop_once(int lib, int ndomains, double *calls, double *cpu)
{
    static char out[4096];
    char *argv[] = { (char *)self, "--child", "loop", NULL };
    size_t len;
    simhost_counters_reset();
    double xs0 = xenstored_cpu();
    double wall = run_with(lib, argv, out, sizeof(out), &len, cpu);
    *cpu += xenstored_cpu() - xs0;
    *calls = hypercalls();
    const char *lib_line = strstr(out, "lib ");
    bool ours = lib_line && !strncmp(lib_line + 4, lightcore_dir(),
                                     strlen(lightcore_dir()));
    if (wall < 0 || ours != (lib == LIB_LIGHTCORE)) {
        fprintf(stderr, "config_bench: the %s run failed or loaded another "
                "library:\n%s", lib == LIB_XEN ? "libxl" : "lightcore", out);
        return -1;
    }
    if (key_of(out, "ok") != ndomains) {
        fprintf(stderr, "config_bench: the %s run read %g configurations of "
                "%d:\n%s", lib == LIB_XEN ? "libxl" : "lightcore",
                key_of(out, "ok"), ndomains, out);
        return -1;
    }
    return key_of(out, "loop_ns");
}

/* `xl list -l` with lib: wall time (ns; -1 if it failed), how many
 * domains it printed, and CPU time (xl's and xenstored's, ns). */
static double xl_once(int lib, int *printed, double *cpu)
{
    static char out[1 << 22];
    char *argv[] = { DEBIAN_XL, "list", "-l", NULL };
    size_t len;
    double xs0 = xenstored_cpu();
    double wall = run_with(lib, argv, out, sizeof(out), &len, cpu);
    *cpu += xenstored_cpu() - xs0;
    *printed = 0;
    for (const char *p = out; (p = strstr(p, "\"domid\": ")); p++)
        (*printed)++;
    return wall;
}

/* A private /var/lib/xen: a new mount namespace with a temporary directory
 * mounted there; false (said why) if that cannot be done. */
static bool private_lib_dir(char *dir)
{
    if (unshare(CLONE_NEWNS) ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
        perror("config_bench: a private mount namespace (needs root)");
        return false;
    }
    mkdir("/var/lib/xen", 0755);
    mkdir("/var/run/xen", 0755);
    if (!mkdtemp(dir) || mount(dir, "/var/lib/xen", NULL, MS_BIND, NULL)) {
        perror("config_bench: mounting a private /var/lib/xen");
        return false;
    }
    return true;
}

/* Store a configuration for each of the n domains from first, through
 * Debian's library (this process is linked with it). */
static bool store_configs(int first, int n)
{
    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    libxl_ctx *ctx;
    char json[1024];
    bool ok = true;

    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg))
        return false;
    for (int i = 0; i < n && ok; i++) {
        int len = snprintf(json, sizeof(json),
            "{\"c_info\": {\"type\": \"pv\", \"name\": \"bulk%d\"},"
            " \"b_info\": {\"max_vcpus\": 1, \"avail_vcpus\": [0],"
            " \"max_memkb\": 65536, \"target_memkb\": 65536,"
            " \"cmdline\": \"root=/dev/xvda1 ro console=hvc0\","
            " \"type.pv\": {\"kernel\": \"/boot/vmlinuz-%d\"}},"
            " \"on_poweroff\": \"destroy\", \"on_reboot\": \"restart\","
            " \"on_crash\": \"destroy\"}", i, i);
        ok = libxl_userdata_store(ctx, (uint32_t)(first + i), "libxl-json",
                                  (const uint8_t *)json, len + 1) == 0;
    }
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)lg);
    return ok;
}

static void remove_dir(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "config_bench: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
    bool quick = false, perf = false;
    int ndomains = 1000;
    char dir[] = "/tmp/config-bench.XXXXXX";
    static char exe[4096];

    if (argc > 1 && !strcmp(argv[1], "--child"))
        return child_main(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = true;
        else if (!strcmp(argv[i], "--perf")) perf = true;
        else if (!strcmp(argv[i], "--domains") && i + 1 < argc)
            ndomains = atoi(argv[++i]);
    }
    ssize_t r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (r <= 0) return 1;
    exe[r] = 0;
    self = exe;
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (!private_lib_dir(dir)) return 1;
    simhost *h = simhost_start();
    if (!h) return 1;
    xenstored = simhost_xenstored_pid(h);

    char n[16], *out = NULL;
    int first = -1, last = -1, rc = 1;
    snprintf(n, sizeof(n), "%d", ndomains);
    uint64_t t0 = now_ns();
    if (simhost_cli(&out, "create-bulk", n, "--nodes", "full", NULL) ||
        sscanf(out, "first=%d last=%d", &first, &last) != 2) {
        fprintf(stderr, "config_bench: create-bulk failed\n");
        goto out;
    }
    uint64_t t1 = now_ns();
    if (!store_configs(first, ndomains)) {
        fprintf(stderr, "config_bench: storing the configurations failed\n");
        goto out;
    }
    printf("config_bench: %d domains (create-bulk %.1f s), their configurations "
           "stored by libxl 4.17 (%.1f s)\n", ndomains,
           (double)(t1 - t0) / 1e9, (double)(now_ns() - t1) / 1e9);

    enum { MAXREPS = 9 };
    int reps = quick ? 1 : 3, xreps = quick ? 1 : 3;
    double lx[MAXREPS], ll[MAXREPS], cx = 0, cl = 0, calls;
    double xx[MAXREPS], xlc[MAXREPS];
    double ux[MAXREPS], ul[MAXREPS], uxx[MAXREPS], uxl[MAXREPS];
    int px = 0, pl = 0;

    if (perf) {   /* each xl list -l run's time, for a closer look */
        for (int i = 0; i < 5; i++) {
            double ca, cb, k;
            double a = xl_once(LIB_XEN, &px, &ca), b = xl_once(LIB_LIGHTCORE, &pl, &cb);
            printf("xl list -l: libxl %.0f ms (cpu %.0f), lightcore %.0f ms "
                   "(cpu %.0f)\n", a / 1e6, ca / 1e6, b / 1e6, cb / 1e6);
            a = loop_once(LIB_XEN, ndomains, &k, &ca);
            b = loop_once(LIB_LIGHTCORE, ndomains, &k, &cb);
            printf("loop:       libxl %.0f ms (cpu %.0f), lightcore %.0f ms "
                   "(cpu %.0f)\n", a / 1e6, ca / 1e6, b / 1e6, cb / 1e6);
        }
        rc = 0;
        goto out;
    }
    /* Turns: libxl, lightcore, libxl, ... so both meet the same host. */
    for (int i = 0; i < reps; i++) {
        lx[i] = loop_once(LIB_XEN, ndomains, &calls, &ux[i]);
        cx = calls;
        ll[i] = loop_once(LIB_LIGHTCORE, ndomains, &calls, &ul[i]);
        cl = calls;
        if (lx[i] < 0 || ll[i] < 0) goto out;
    }
    for (int i = 0; i < xreps; i++) {
        xx[i] = xl_once(LIB_XEN, &px, &uxx[i]);
        xlc[i] = xl_once(LIB_LIGHTCORE, &pl, &uxl[i]);
        if (xx[i] < 0 || xlc[i] < 0 || px != ndomains || pl != ndomains) {
            fprintf(stderr, "config_bench: xl list -l printed %d (libxl) and "
                    "%d (lightcore) domains of %d\n", px, pl, ndomains);
            goto out;
        }
    }
    double mx = median(lx, reps), ml = median(ll, reps);
    double mxx = median(xx, xreps), mxl = median(xlc, xreps);
    double mux = median(ux, reps), mul = median(ul, reps);
    double muxx = median(uxx, xreps), muxl = median(uxl, xreps);

    printf("%-44s %12s %12s %8s   %s\n", "stored configurations, 1 domain = 1 "
           "config", "libxl 4.17", "lightcore", "speedup", "target");
    printf("%-44s %12.1f %12.1f %7.1fx   >= %.0fx %s\n",
           "list + retrieve_domain_configuration, ms", mx / 1e6, ml / 1e6,
           mx / ml, TARGET, mx / ml >= TARGET ? "ok" : "MISSED");
    printf("%-44s %12.1f %12.1f %8s   (median of %d turns each)\n",
           "  per domain, us", mx / 1e3 / ndomains, ml / 1e3 / ndomains, "",
           reps);
    printf("%-44s %12.1f %12.1f %8s   %s\n", "  hypercalls per domain",
           cx / ndomains, cl / ndomains, "",
           cl <= cx ? "no more than libxl's: ok" : "MORE THAN LIBXL'S");
    printf("%-44s %12.1f %12.1f %7.1fx   (the library's and xenstored's)\n",
           "  CPU time, ms", mux / 1e6, mul / 1e6, mux / mul);
    printf("%-44s %12.1f %12.1f %7.1fx   >= %.0fx %s\n",
           "Debian's xl list -l (whole run), ms", mxx / 1e6, mxl / 1e6,
           mxx / mxl, TARGET, mxx / mxl >= TARGET ? "ok" : "MISSED");
    printf("%-44s %12.1f %12.1f %7.1fx   (xl's and xenstored's)\n",
           "  CPU time, ms", muxx / 1e6, muxl / 1e6, muxx / muxl);
    rc = 0;   /* a missed target is reported above, not an error */
out:
    free(out);
    simhost_stop(h);
    umount2("/var/lib/xen", MNT_DETACH);
    remove_dir(dir);
    return rc;
}
