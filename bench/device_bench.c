/*
 * device_bench.c: adding and removing disks, lightcore against Debian's
 * libxenlight 4.17, side by side in one run on one simulated host (with
 * dom0's backend drivers and guests whose frontends connect), with a
 * trivial hotplug script (a /bin/sh script that writes physical-device
 * and hotplug-status with xenstore-write), so that what is measured is
 * the library and not `block` (issue 17, "Speed"):
 *
 *   1. add+remove of xvdb on a guest with its stored configuration, N
 *      cycles per run: the library's own CPU time per cycle (getrusage
 *      RUSAGE_SELF of the measuring process; the scripts run in its
 *      children and are shown apart), the xenstore requests it sent per
 *      cycle (counted at the client by bench/xscount.so, preloaded, which
 *      follows the wire messages on every socket connected to
 *      $XENSTORED_PATH and leaves the scripts' processes alone), and the
 *      wall time per cycle. Target: lightcore's CPU time and requests at
 *      most half of libxl's.
 *   2. 16 adds to 16 domains started together from 4 threads on one ctx
 *      (4 synchronous adds per thread), against the same 16 adds one after
 *      another: wall time. Target: lightcore's parallel run at least 1.5x
 *      faster than its sequential run. Beside it, the machine's ceiling
 *      (16 runs of a script like the hotplug script, from 4 threads and
 *      one after another), nproc and the load average, and Debian's
 *      library's figures.
 *
 * Built once against Debian's headers and library; each measurement runs
 * in a child process, with Debian's library or with LD_LIBRARY_PATH at
 * lightcore's build (an ABI drop-in, same soname). The libraries take
 * turns, and the rows give medians of the runs. The configurations are
 * stored by Debian's library in a private /var/lib/xen (a mount namespace
 * of the bench's own).
 *
 * Usage: device_bench [--quick] [--cycles N] [--reps N]   (needs root: the
 * mount namespace; LIGHTCORE_LIBDIR and XSCOUNT_LIB in the environment
 * override the compiled-in paths; XSCOUNT_TRACE_DIR=DIR writes each
 * library's xenstore requests to DIR/LIB.cycles.log and DIR/LIB.adds.log)
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#ifndef XSCOUNT_LIB
#define XSCOUNT_LIB "build/bench/xscount.so"
#endif
#define CPU_TARGET  2.0     /* libxl's / lightcore's, at least */
#define PAR_TARGET  1.5     /* lightcore sequential / parallel, at least */
#define NPAR        16      /* domains of the parallel row */
#define NTHREADS    4

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double tv_ns(const struct timeval *tv)
{
    return (double)tv->tv_sec * 1e9 + (double)tv->tv_usec * 1e3;
}

/* ------------------------------------------------------------ child side */

static libxl_ctx *ctx;
static const char *image, *script;

/* xscount.so's counters, when it is preloaded (else 0). */
static unsigned long long xs_total(void)
{
    unsigned long long (*fn)(void) =
        (unsigned long long (*)(void))dlsym(RTLD_DEFAULT, "xscount_total");
    return fn ? fn() : 0;
}

static unsigned long long xs_of_type(unsigned type)
{
    unsigned long long (*fn)(unsigned) =
        (unsigned long long (*)(unsigned))dlsym(RTLD_DEFAULT,
                                                "xscount_of_type");
    return fn ? fn(type) : 0;
}

static void disk_of(libxl_device_disk *d, const char *vdev)
{
    libxl_device_disk_init(d);
    d->vdev = strdup(vdev);
    d->pdev_path = strdup(image);
    d->script = strdup(script);
    d->format = LIBXL_DISK_FORMAT_RAW;
    d->backend = LIBXL_DISK_BACKEND_PHY;
    d->readwrite = 1;
}

static int disk_add(uint32_t domid)
{
    libxl_device_disk d;
    disk_of(&d, "xvdb");
    int rc = libxl_device_disk_add(ctx, domid, &d, NULL);
    libxl_device_disk_dispose(&d);
    if (rc) fprintf(stderr, "device_bench: add to %u: rc %d\n", domid, rc);
    return rc;
}

static int disk_remove(uint32_t domid)
{
    libxl_device_disk d;
    disk_of(&d, "xvdb");
    int rc = libxl_device_disk_remove(ctx, domid, &d, NULL);
    libxl_device_disk_dispose(&d);
    if (rc) fprintf(stderr, "device_bench: remove from %u: rc %d\n", domid, rc);
    return rc;
}

enum { XS_TYPES = 32 };

/* "cycles DOMID N": one add+remove to warm up, then N measured. */
static int child_cycles(uint32_t domid, int n)
{
    struct rusage s0, s1, c0, c1;
    unsigned long long t0[XS_TYPES];

    if (disk_add(domid) || disk_remove(domid)) return 1;
    for (unsigned t = 0; t < XS_TYPES; t++) t0[t] = xs_of_type(t);
    unsigned long long x0 = xs_total();
    getrusage(RUSAGE_SELF, &s0);
    getrusage(RUSAGE_CHILDREN, &c0);
    uint64_t w0 = now_ns();
    for (int i = 0; i < n; i++)
        if (disk_add(domid) || disk_remove(domid)) return 1;
    uint64_t w1 = now_ns();
    getrusage(RUSAGE_SELF, &s1);
    getrusage(RUSAGE_CHILDREN, &c1);
    printf("wall_ns %llu\n", (unsigned long long)(w1 - w0));
    printf("cpu_ns %.0f\n", tv_ns(&s1.ru_utime) + tv_ns(&s1.ru_stime) -
                            tv_ns(&s0.ru_utime) - tv_ns(&s0.ru_stime));
    printf("children_ns %.0f\n", tv_ns(&c1.ru_utime) + tv_ns(&c1.ru_stime) -
                                 tv_ns(&c0.ru_utime) - tv_ns(&c0.ru_stime));
    printf("xs %llu\n", xs_total() - x0);
    for (unsigned t = 0; t < XS_TYPES; t++)
        printf("xs_type%u %llu\n", t, xs_of_type(t) - t0[t]);
    return 0;
}

static uint32_t par_domids[NPAR];
static int par_failed;

static void *adder(void *arg)
{
    int first = (int)(intptr_t)arg;
    for (int i = first; i < NPAR; i += NTHREADS)
        if (disk_add(par_domids[i])) __atomic_store_n(&par_failed, 1,
                                                      __ATOMIC_SEQ_CST);
    return NULL;
}

/* "adds par|seq DOMID...": the NPAR adds, timed; then the disks removed. */
static int child_adds(bool parallel)
{
    pthread_t th[NTHREADS];
    uint64_t t0 = now_ns();
    if (parallel) {
        for (int i = 0; i < NTHREADS; i++)
            if (pthread_create(&th[i], NULL, adder, (void *)(intptr_t)i))
                return 1;
        for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    } else {
        for (int i = 0; i < NPAR; i++)
            if (disk_add(par_domids[i])) par_failed = 1;
    }
    uint64_t t1 = now_ns();
    for (int i = 0; i < NPAR; i++)
        if (disk_remove(par_domids[i])) par_failed = 1;
    printf("wall_ns %llu\n", (unsigned long long)(t1 - t0));
    return par_failed;
}

static int child_main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    Dl_info dli;
    int rc = 1;

    if (argc < 4) return 2;
    image = argv[1];
    script = argv[2];
    if (dladdr((void *)libxl_ctx_alloc, &dli) && dli.dli_fname)
        printf("lib %s\n", dli.dli_fname);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg))
        return 1;
    if (!strcmp(argv[3], "cycles") && argc == 6) {
        rc = child_cycles((uint32_t)atoi(argv[4]), atoi(argv[5]));
    } else if (!strcmp(argv[3], "adds") && argc == 5 + NPAR) {
        for (int i = 0; i < NPAR; i++)
            par_domids[i] = (uint32_t)atoi(argv[5 + i]);
        rc = child_adds(!strcmp(argv[4], "par"));
    }
    fflush(stdout);
    libxl_ctx_free(ctx);
    xtl_logger_destroy((xentoollog_logger *)lg);
    return rc;
}

/* ----------------------------------------------------------- parent side */

enum { LIB_XEN, LIB_LIGHTCORE };
static const char *const lib_names[] = { "libxl", "lightcore" };
static const char *self;
static char image_path[256], script_path[256];

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* Runs this program as a child with lib and args (after "--child IMAGE
 * SCRIPT"); its standard output into out (NUL-terminated, truncated to
 * size). 0, or -1 if it failed or loaded the wrong library (said why). */
static int run_child(int lib, char **args, char *out, size_t size)
{
    char *argv[8 + NPAR];
    int pfd[2], k = 0;
    size_t len = 0;

    argv[k++] = (char *)self;
    argv[k++] = "--child";
    argv[k++] = image_path;
    argv[k++] = script_path;
    for (int i = 0; args[i] && k < (int)(sizeof(argv) / sizeof(*argv)) - 1; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    if (pipe(pfd)) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (lib == LIB_LIGHTCORE)
            setenv("LD_LIBRARY_PATH", env_or("LIGHTCORE_LIBDIR",
                                             LIGHTCORE_LIBDIR), 1);
        else
            unsetenv("LD_LIBRARY_PATH");
        setenv("LD_PRELOAD", env_or("XSCOUNT_LIB", XSCOUNT_LIB), 1);
        if (getenv("XSCOUNT_TRACE_DIR")) {   /* each request, to a file */
            char log[512];
            snprintf(log, sizeof(log), "%s/%s.%s.log",
                     getenv("XSCOUNT_TRACE_DIR"), lib_names[lib], args[0]);
            setenv("XSCOUNT_LOG", log, 1);
        }
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(pfd[1]);
    for (;;) {
        ssize_t r = read(pfd[0], out + len, size - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
        if (len == size - 1) break;
    }
    out[len] = '\0';
    close(pfd[0]);
    int status;
    waitpid(pid, &status, 0);
    const char *dir = env_or("LIGHTCORE_LIBDIR", LIGHTCORE_LIBDIR);
    const char *lib_line = strstr(out, "lib ");
    bool ours = lib_line && !strncmp(lib_line + 4, dir, strlen(dir));
    if (!WIFEXITED(status) || WEXITSTATUS(status) ||
        ours != (lib == LIB_LIGHTCORE)) {
        fprintf(stderr, "device_bench: the %s run failed or loaded another "
                "library:\n%s", lib_names[lib], out);
        return -1;
    }
    return 0;
}

/* The value of "key N" in a child's output, or -1. */
static double key_of(const char *out, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p)
        if (!strncmp(p, key, kl) && p[kl] == ' ')
            return atof(p + kl + 1);
    return -1;
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
    char *p = strrchr(buf, ')');
    unsigned long long utime = 0, stime = 0;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                     "%llu %llu", &utime, &stime) != 2)
        return 0;
    return (double)(utime + stime) * 1e9 / (double)sysconf(_SC_CLK_TCK);
}

/* A private /var/lib/xen: a new mount namespace with dir mounted there. */
static bool private_lib_dir(char *dir)
{
    if (unshare(CLONE_NEWNS) ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
        perror("device_bench: a private mount namespace (needs root)");
        return false;
    }
    mkdir("/var/lib/xen", 0755);
    mkdir("/var/run/xen", 0755);
    if (!mkdtemp(dir) || mount(dir, "/var/lib/xen", NULL, MS_BIND, NULL)) {
        perror("device_bench: mounting a private /var/lib/xen");
        return false;
    }
    return true;
}

/* Store the minimal configuration of a PV guest for each domain, through
 * Debian's library (this process is linked with it). */
static bool store_configs(const int *domids, int n)
{
    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    libxl_ctx *c;
    char json[512];
    bool ok = true;

    if (libxl_ctx_alloc(&c, LIBXL_VERSION, 0, (xentoollog_logger *)lg))
        return false;
    for (int i = 0; i < n && ok; i++) {
        int len = snprintf(json, sizeof(json),
            "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm%d\"},"
            "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
            "\"target_memkb\":65536,\"type.pv\":{}}}", domids[i]);
        ok = libxl_userdata_store(c, (uint32_t)domids[i], "libxl-json",
                                  (const uint8_t *)json, len + 1) == 0;
    }
    libxl_ctx_free(c);
    xtl_logger_destroy((xentoollog_logger *)lg);
    return ok;
}

static bool write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    ok = !fclose(f) && ok;
    return ok && !chmod(path, mode);
}

static void remove_dir(const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd)) fprintf(stderr, "device_bench: could not remove %s\n", dir);
}

/* The machine's ceiling for the parallel row: NPAR runs of a script like
 * the hotplug script (a shell that runs xenstore-write), from NTHREADS
 * threads and one after another; their wall times. */
static char ceiling_cmd[300];

static void *ceiling_worker(void *arg)
{
    int first = (int)(intptr_t)arg;
    for (int i = first; i < NPAR; i += NTHREADS)
        if (system(ceiling_cmd)) fprintf(stderr, "device_bench: ceiling run "
                                         "failed\n");
    return NULL;
}

static void ceiling(double *seq, double *par)
{
    pthread_t th[NTHREADS];
    uint64_t t0 = now_ns();
    for (int i = 0; i < NPAR; i++)
        if (system(ceiling_cmd)) fprintf(stderr, "device_bench: ceiling run "
                                         "failed\n");
    *seq = (double)(now_ns() - t0);
    t0 = now_ns();
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, ceiling_worker, (void *)(intptr_t)i);
    for (int i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
    *par = (double)(now_ns() - t0);
}

static const char *const xs_names[] = {
    "control", "directory", "read", "get_perms", "watch", "unwatch",
    "transaction_start", "transaction_end", "introduce", "release",
    "get_domain_path", "write", "mkdir", "rm", "set_perms", "watch_event",
    "error", "is_domain_introduced", "resume", "set_target", "reset_watches",
    "directory_part",
};

int main(int argc, char **argv)
{
    bool quick = false;
    int cycles = 20, reps = 5;
    char dir[] = "/tmp/device-bench-xen.XXXXXX";
    char work[] = "/tmp/device-bench.XXXXXX";
    static char exe[4096];

    if (argc > 1 && !strcmp(argv[1], "--child"))
        return child_main(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = true;
        else if (!strcmp(argv[i], "--cycles") && i + 1 < argc)
            cycles = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
    }
    if (quick) cycles = 3, reps = 1;
    if (cycles < 1) cycles = 1;
    if (reps < 1) reps = 1;
    if (reps > 15) reps = 15;
    ssize_t r = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (r <= 0) return 1;
    exe[r] = 0;
    self = exe;
    setvbuf(stdout, NULL, _IOLBF, 0);

    if (!mkdtemp(work)) return 1;
    snprintf(image_path, sizeof(image_path), "%s/image", work);
    snprintf(script_path, sizeof(script_path), "%s/block-trivial", work);
    /* what `block` does for a device it need not set up, and no lock */
    if (!write_file(image_path, "", 0600) || truncate(image_path, 1 << 20) ||
        !write_file(script_path,
                    "#!/bin/sh\n"
                    "if [ \"$1\" = add ]; then\n"
                    "  xenstore-write \"$XENBUS_PATH/physical-device\" 7:0 \\\n"
                    "    \"$XENBUS_PATH/hotplug-status\" connected\n"
                    "fi\n", 0755)) {
        remove_dir(work);
        return 1;
    }
    snprintf(ceiling_cmd, sizeof(ceiling_cmd),
             "XENBUS_PATH=/bench-ceiling /bin/sh -c 'xenstore-write "
             "\"$XENBUS_PATH/physical-device\" 7:0 \"$XENBUS_PATH/"
             "hotplug-status\" connected'");

    int rc = 1;
    simhost *h = NULL;
    if (!private_lib_dir(dir)) goto out_work;
    h = simhost_start();
    if (!h) goto out;
    xenstored = simhost_xenstored_pid(h);

    /* ---- 1: add+remove cycles on one guest */
    int vm = simhost_create_domain("vm", 64, 1, "obey");
    if (vm < 0 || !store_configs(&vm, 1)) {
        fprintf(stderr, "device_bench: the guest could not be set up\n");
        goto out;
    }
    printf("device_bench: %d add+remove cycles of xvdb per run, %d run%s per "
           "library, turn about (trivial hotplug script)\n", cycles, reps,
           reps > 1 ? "s" : "");
    enum { MAXREPS = 15 };
    double cpu[2][MAXREPS], kids[2][MAXREPS], xs[2][MAXREPS],
           wall[2][MAXREPS], xsd[2][MAXREPS];
    double types[2][XS_TYPES] = { { 0 } };
    char dom[16], ncyc[16], *cargs[] = { "cycles", dom, ncyc, NULL };
    static char out[1 << 16];
    snprintf(dom, sizeof(dom), "%d", vm);
    snprintf(ncyc, sizeof(ncyc), "%d", cycles);
    for (int i = 0; i < reps; i++) {
        for (int lib = 0; lib < 2; lib++) {
            double x0 = xenstored_cpu();
            if (run_child(lib, cargs, out, sizeof(out))) goto out;
            xsd[lib][i] = (xenstored_cpu() - x0) / cycles;
            cpu[lib][i] = key_of(out, "cpu_ns") / cycles;
            kids[lib][i] = key_of(out, "children_ns") / cycles;
            xs[lib][i] = key_of(out, "xs") / cycles;
            wall[lib][i] = key_of(out, "wall_ns") / cycles;
            for (unsigned t = 0; t < XS_TYPES; t++) {
                char key[16];
                snprintf(key, sizeof(key), "xs_type%u", t);
                types[lib][t] += key_of(out, key) / cycles / reps;
            }
        }
    }
    double mc[2], mk[2], mx[2], mw[2], md[2];
    for (int lib = 0; lib < 2; lib++) {
        mc[lib] = median(cpu[lib], reps);
        mk[lib] = median(kids[lib], reps);
        mx[lib] = median(xs[lib], reps);
        mw[lib] = median(wall[lib], reps);
        md[lib] = median(xsd[lib], reps);
    }
    printf("%-46s %11s %11s %8s   %s\n", "disk add+remove, per cycle",
           "libxl 4.17", "lightcore", "ratio", "target");
    printf("%-46s %11.2f %11.2f %7.2fx   >= %.0fx %s\n",
           "library CPU time (its process), ms", mc[0] / 1e6, mc[1] / 1e6,
           mc[0] / mc[1], CPU_TARGET,
           mc[0] / mc[1] >= CPU_TARGET ? "ok" : "MISSED");
    printf("%-46s %11.1f %11.1f %7.2fx   >= %.0fx %s\n",
           "xenstore requests sent by the library", mx[0], mx[1],
           mx[0] / mx[1], CPU_TARGET,
           mx[0] / mx[1] >= CPU_TARGET ? "ok" : "MISSED");
    printf("%-46s %11.2f %11.2f %7.2fx   (information)\n",
           "wall time, ms", mw[0] / 1e6, mw[1] / 1e6, mw[0] / mw[1]);
    printf("%-46s %11.2f %11.2f %8s   (not the library's)\n",
           "  the scripts' CPU time (children), ms", mk[0] / 1e6, mk[1] / 1e6,
           "");
    printf("%-46s %11.2f %11.2f %8s   (information)\n",
           "  xenstored's CPU time, ms", md[0] / 1e6, md[1] / 1e6, "");
    printf("  requests by type (mean per cycle):");
    for (unsigned t = 0; t < XS_TYPES; t++)
        if (types[0][t] >= 0.05 || types[1][t] >= 0.05)
            printf(" %s %.1f/%.1f",
                   t < sizeof(xs_names) / sizeof(*xs_names) ? xs_names[t]
                                                             : "other",
                   types[0][t], types[1][t]);
    printf("   (libxl/lightcore)\n");

    /* ---- 2: 16 adds to 16 domains, 4 threads against one after another */
    int doms[NPAR];
    char dstr[NPAR][16], *aargs[3 + NPAR];
    for (int i = 0; i < NPAR; i++) {
        char name[16];
        snprintf(name, sizeof(name), "par%d", i);
        doms[i] = simhost_create_domain(name, 64, 1, "obey");
        if (doms[i] < 0) {
            fprintf(stderr, "device_bench: creating %s failed\n", name);
            goto out;
        }
        snprintf(dstr[i], sizeof(dstr[i]), "%d", doms[i]);
        aargs[2 + i] = dstr[i];
    }
    if (!store_configs(doms, NPAR)) {
        fprintf(stderr, "device_bench: storing the configurations failed\n");
        goto out;
    }
    aargs[0] = "adds";
    aargs[2 + NPAR] = NULL;
    double seq[2][MAXREPS], par[2][MAXREPS], cs[MAXREPS], cp[MAXREPS];
    for (int i = 0; i < reps; i++) {
        for (int lib = 0; lib < 2; lib++) {
            aargs[1] = "seq";
            if (run_child(lib, aargs, out, sizeof(out))) goto out;
            seq[lib][i] = key_of(out, "wall_ns");
            aargs[1] = "par";
            if (run_child(lib, aargs, out, sizeof(out))) goto out;
            par[lib][i] = key_of(out, "wall_ns");
        }
        ceiling(&cs[i], &cp[i]);
    }
    double ms[2], mp[2], mcs = median(cs, reps), mcp = median(cp, reps);
    for (int lib = 0; lib < 2; lib++) {
        ms[lib] = median(seq[lib], reps);
        mp[lib] = median(par[lib], reps);
    }
    double load[3] = { 0, 0, 0 };
    getloadavg(load, 3);
    printf("%-46s %11s %11s %8s   %s\n", "16 disk adds to 16 domains, ms",
           "libxl 4.17", "lightcore", "ceiling", "");
    printf("%-46s %11.1f %11.1f %8.1f\n", "  one after another", ms[0] / 1e6,
           ms[1] / 1e6, mcs / 1e6);
    printf("%-46s %11.1f %11.1f %8.1f\n", "  4 threads on one ctx", mp[0] / 1e6,
           mp[1] / 1e6, mcp / 1e6);
    printf("%-46s %10.2fx %10.2fx %7.2fx   >= %.1fx (lightcore) %s\n",
           "  speedup of the threads", ms[0] / mp[0], ms[1] / mp[1],
           mcs / mcp, PAR_TARGET,
           ms[1] / mp[1] >= PAR_TARGET ? "ok" : "MISSED");
    printf("  (ceiling: 16 runs of the script's work, sh + xenstore-write, "
           "4 threads vs one after another; nproc %ld, load %.1f %.1f %.1f; "
           "medians of %d turns)\n", sysconf(_SC_NPROCESSORS_ONLN), load[0],
           load[1], load[2], reps);
    rc = 0;   /* a missed target is reported above, not an error */
out:
    if (h) simhost_stop(h);
    umount2("/var/lib/xen", MNT_DETACH);
    remove_dir(dir);
out_work:
    remove_dir(work);
    return rc;
}
