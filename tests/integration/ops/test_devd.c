/*
 * test_devd.c: libxl_device_events_handler, the driver domain's side of
 * devices (`xl devd`), on a simulated host with a driver domain.
 *
 * The host: domain 1 ("drv") is a driver domain: it has no guest process;
 * instead `xensim xenbus 1 SOCKET` is its /dev/xen/xenbus, so a program
 * given XENSTORED_PATH=SOCKET talks to xenstored as domain 1 (its
 * permissions, its relative paths), and `xensim backend-serve 1` makes
 * the simulated backend drivers serve /local/domain/1/backend, as the
 * driver domain's kernel would. Domain 2 ("vm") is a guest running its
 * frontends. The toolstack is Debian's xl in dom0 (block-attach with
 * backend=drv), the same for both runs; what differs is the library the
 * driver domain's `xl devd -F` runs on (Debian's, then lightcore's, each
 * in a private mount namespace). The hotplug script logs its arguments
 * and environment and does what `block` does for a device it need not
 * set up; the runs must log the same, leave the same backend tree while
 * the disk is connected, and the same trees once it is detached.
 *
 * Then lightcore alone, in this process (acting as domain 1 through the
 * same socket): the handler is aborted (libxl 4.17's never ends, abort or
 * not), and what a guest writes in its frontend directory chooses no
 * script, argument or removed path.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "libxl.h"
#include "libxl_json.h"
#include "libxl_lightcore.h"
#include "dropin.h"
#include "privdirs.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xlboth.h"

/* Under ASan, the lightcore children check for leaks before they leave
 * (they _exit, which skips LeakSanitizer's own check). */
#if defined(__SANITIZE_ADDRESS__)
#define DEVD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DEVD_ASAN 1
#endif
#endif
#ifdef DEVD_ASAN
int __lsan_do_recoverable_leak_check(void);
#endif

#define BE "/local/domain/1/backend/vbd/2/51728"
#define VIF "/local/domain/1/backend/vif/2/0"

static simhost *host;
static char dir[] = "/tmp/devd.XXXXXX";
static char sock[PATH_MAX], script[PATH_MAX], slog[PATH_MAX];
static char image[PATH_MAX], config[PATH_MAX], spec[PATH_MAX * 3];
static char preload[PATH_MAX * 2 + 32], libpath[PATH_MAX + 32];
static char sockenv[PATH_MAX + 32];
static pid_t proxy;

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = calloc(1, 65536);
    size_t n = 0;

    ck_assert_ptr_nonnull(buf);
    if (f) {
        n = fread(buf, 1, 65535, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

/* `xensim xenbus DOMID SOCK`, back once it listens. */
static void start_proxy(int domid)
{
    char id[16];
    int p[2];
    char line[16] = "";
    struct pollfd pf;

    snprintf(id, sizeof(id), "%d", domid);
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    proxy = fork();
    ck_assert_int_ge(proxy, 0);
    if (!proxy) {
        dup2(p[1], 1);
        execl(simhost_cli_path(), "xensim", "xenbus", id, sock, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
    ck_assert_int_eq(poll(&pf, 1, 10000), 1);
    ck_assert_int_gt(read(p[0], line, sizeof(line) - 1), 0);
    close(p[0]);
    ck_assert_str_eq(line, "ready\n");
}

static void setup(void)
{
    char shared[PATH_MAX], build[PATH_MAX], *out;
    const char *store[] = { "store", "2", config, NULL };

    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    xlboth_init(simhost_preload_env(), dir);
    xlboth_shared = true;
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    ck_assert_ptr_nonnull(realpath(subproc_build_path("."), build));
    snprintf(libpath, sizeof(libpath), "LD_LIBRARY_PATH=%s", build);
    ck_assert_int_eq(simhost_create_domain("drv", 64, 1, NULL), 1);
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 2);
    ck_assert_int_eq(simhost_cli(NULL, "backend-serve", "1", NULL), 0);

    snprintf(sock, sizeof(sock), "%s/xenbus-1", dir);
    snprintf(sockenv, sizeof(sockenv), "XENSTORED_PATH=%s", sock);
    snprintf(image, sizeof(image), "%s/image", dir);
    snprintf(script, sizeof(script), "%s/block-test", dir);
    snprintf(slog, sizeof(slog), "%s/script.log", dir);
    snprintf(config, sizeof(config), "%s/config.json", dir);
    write_file(image, "", 0600);
    ck_assert_int_eq(truncate(image, 1 << 20), 0);
    /* the script: what it was given, then what `block` does */
    {
        char text[PATH_MAX * 2 + 512];
        snprintf(text, sizeof(text),
                 "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
                 "echo \"$0 $* script=$script XENBUS_TYPE=$XENBUS_TYPE"
                 " XENBUS_PATH=$XENBUS_PATH"
                 " XENBUS_BASE_PATH=$XENBUS_BASE_PATH"
                 " vif=$vif netdev=$netdev"
                 " domid=$(xenstore-read domid)\" >> %s\n"
                 "case \"$1\" in\n"
                 "add) xenstore-write \"$XENBUS_PATH/physical-device\" 7:0 \\\n"
                 "    \"$XENBUS_PATH/hotplug-status\" connected;;\n"
                 "online) xenstore-write \"$XENBUS_PATH/hotplug-status\""
                 " connected;;\n"
                 "esac\n", slog);
        write_file(script, text, 0755);
    }
    write_file(config,
               "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm\"},"
               "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
               "\"target_memkb\":65536,\"type.pv\":{}}}", 0644);
    snprintf(spec, sizeof(spec), "format=raw,vdev=xvdb,access=rw,"
             "backend=drv,script=%s,target=%s", script, image);
    snprintf(shared, sizeof(shared), "%s/shared", dir);
    out = dropin_run_private("tests/dropin-disk-debian", store, preload,
                             false, shared);
    ck_assert_str_eq(out, "store rc=0\n");
    free(out);
    start_proxy(1);
}

static void stop_proxy(void)
{
    int st;

    if (proxy > 0) {
        kill(proxy, SIGTERM);
        waitpid(proxy, &st, 0);
    }
    proxy = 0;
}

static void teardown(void)
{
    char cmd[PATH_MAX + 16];

    stop_proxy();
    ck_assert_int_eq(simhost_stop(host), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------------------ helpers */

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits (as dom0) until path holds want (NULL: until it is gone). */
static bool wait_value(const char *path, const char *want, int ms)
{
    struct xs_handle *xs = xs_open(0);
    long long deadline = now_ms() + ms;
    bool ok = false;

    ck_assert_ptr_nonnull(xs);
    ck_assert(xs_watch(xs, path, "w"));
    for (;;) {
        unsigned len;
        char *v = xs_read(xs, XBT_NULL, path, &len), **ev;
        struct pollfd pf = { .fd = xs_fileno(xs), .events = POLLIN };
        long long left = deadline - now_ms();

        ok = want ? v && !strcmp(v, want) : !v;
        free(v);
        if (ok || left <= 0) break;
        if (poll(&pf, 1, (int)left) > 0) {
            while ((ev = xs_check_watch(xs))) free(ev);
        }
    }
    xs_close(xs);
    return ok;
}

/* `xenstore-ls -p path` as dom0 (the status line when it fails). */
static char *tree(const char *path)
{
    const char *argv[] = { "xenstore-ls", "-p", path, NULL };
    char *out = NULL, *err = NULL;
    int st = subproc_run(&out, &err, argv, NULL, 10000);

    if (st) {
        free(out);
        ck_assert_int_ge(asprintf(&out, "exit %d", st), 0);
    }
    free(err);
    return out;
}

/* Debian's `xl devd -F` in domain 1, on one library; its log to log. */
static pid_t start_devd(bool lightcore, const char *log)
{
    char pdir[PATH_MAX];
    const char *env[] = { preload, sockenv,
                          "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0",
                          lightcore ? libpath : NULL, NULL };
    const char *argv[32];
    int n;
    pid_t pid;

    snprintf(pdir, sizeof(pdir), "%s/devd-%s", dir,
             lightcore ? "lightcore" : "debian");
    n = subproc_private_xen_dirs(argv, pdir, env);
    argv[n++] = DEBIAN_XL;
    argv[n++] = "-vvv";
    argv[n++] = "devd";
    argv[n++] = "-F";
    argv[n] = NULL;
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (!pid) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static void stop(pid_t pid)
{
    int st;

    ck_assert_int_eq(kill(pid, SIGTERM), 0);
    ck_assert_int_eq(waitpid(pid, &st, 0), pid);
}

/* The error lines of a devd log, sources masked. */
static char *error_lines(const char *log)
{
    char *text = read_file(log), *masked, *out, *w;

    masked = xlboth_mask_sources(text);
    out = calloc(1, strlen(masked) + 1);
    ck_assert_ptr_nonnull(out);
    w = out;
    for (char *line = masked, *next; *line; line = next) {
        char *end = strchr(line, '\n');
        next = end ? end + 1 : line + strlen(line);
        if (memmem(line, (size_t)(next - line), "libxl: error:", 13)) {
            memcpy(w, line, (size_t)(next - line));
            w += next - line;
        }
    }
    *w = '\0';
    free(text);
    free(masked);
    return out;
}

typedef struct {
    char *attached, *detached_drv, *detached_vm, *script_log, *errors;
    char *nic_attached, *nic_detached;
    int attach_status, detach_status, nic_attach_status, nic_detach_status;
} devd_run;

static char nicscript[PATH_MAX + 16];

static devd_run run_devd(bool lightcore)
{
    char log[PATH_MAX];
    const char *attach[] = { "block-attach", "vm", spec, NULL };
    const char *detach[] = { "block-detach", "vm", "xvdb", NULL };
    const char *nic_attach[] = { "network-attach", "vm", "backend=drv",
                                 "mac=00:16:3e:00:00:01", nicscript, NULL };
    const char *nic_detach[] = { "network-detach", "vm", "0", NULL };
    devd_run r;
    xl_run x;
    pid_t devd;

    snprintf(nicscript, sizeof(nicscript), "script=%s", script);

    unlink(slog);
    snprintf(log, sizeof(log), "%s/devd-%s.log", dir,
             lightcore ? "lightcore" : "debian");
    devd = start_devd(lightcore, log);
    x = xlboth_run(false, attach);          /* the toolstack: dom0 */
    r.attach_status = x.status;
    xl_run_free(&x);
    if (!wait_value(BE "/state", "4", 20000)) {
        char *l = read_file(log);
        fprintf(stderr, "devd log:\n%s\n", l);
        free(l);
        ck_abort_msg("the driver domain's backend never connected");
    }
    r.attached = tree("/local/domain/1/backend");
    x = xlboth_run(false, detach);
    r.detach_status = x.status;
    if (x.status) fprintf(stderr, "block-detach: %s\n", x.err);
    xl_run_free(&x);
    r.detached_drv = tree("/local/domain/1");
    r.detached_vm = tree("/local/domain/2/device");
    /* a nic */
    x = xlboth_run(false, nic_attach);
    r.nic_attach_status = x.status;
    xl_run_free(&x);
    ck_assert(wait_value(VIF "/state", "4", 20000));
    r.nic_attached = tree(VIF);
    x = xlboth_run(false, nic_detach);
    r.nic_detach_status = x.status;
    xl_run_free(&x);
    r.nic_detached = tree("/local/domain/1/backend");
    stop(devd);
    r.script_log = read_file(slog);
    r.errors = error_lines(log);
    return r;
}

static void devd_run_free(devd_run *r)
{
    free(r->attached);
    free(r->detached_drv);
    free(r->detached_vm);
    free(r->script_log);
    free(r->errors);
    free(r->nic_attached);
    free(r->nic_detached);
}

/* What the script logs for the disk's add and remove. */
static void disk_log(char *want, size_t size)
{
    snprintf(want, size,
             "%s add script=%s XENBUS_TYPE=vbd XENBUS_PATH=backend/vbd/2/51728"
             " XENBUS_BASE_PATH=backend vif= netdev= domid=1\n"
             "%s remove script=%s XENBUS_TYPE=vbd"
             " XENBUS_PATH=backend/vbd/2/51728 XENBUS_BASE_PATH=backend"
             " vif= netdev= domid=1\n", script, script, script, script);
}

/* ------------------------------------------------------------ tests */

TEST(xl_devd_runs_the_same_on_lightcore, 240)
{
    devd_run deb = run_devd(false), ours = run_devd(true);
    char want[PATH_MAX * 10];
    size_t n;

    /* what Debian's library did, so that the comparison is not vacuous */
    ck_assert_int_eq(deb.attach_status, 0);
    ck_assert_int_eq(deb.detach_status, 0);
    ck_assert_int_eq(deb.nic_attach_status, 0);
    ck_assert_int_eq(deb.nic_detach_status, 0);
    disk_log(want, sizeof(want));
    n = strlen(want);
    snprintf(want + n, sizeof(want) - n,
             "%s online type_if=vif script=%s XENBUS_TYPE=vif"
             " XENBUS_PATH=backend/vif/2/0 XENBUS_BASE_PATH=backend"
             " vif=vif2.0 netdev= domid=1\n"
             "%s offline type_if=vif script=%s XENBUS_TYPE=vif"
             " XENBUS_PATH=backend/vif/2/0 XENBUS_BASE_PATH=backend"
             " vif=vif2.0 netdev= domid=1\n", script, script, script, script);
    ck_assert_str_eq(deb.script_log, want);
    ck_assert_ptr_nonnull(strstr(deb.nic_attached,
                                 "hotplug-status = \"connected\""));
    ck_assert_ptr_null(strstr(deb.nic_detached, "vif"));
    ck_assert_ptr_nonnull(strstr(deb.attached, "physical-device = \"7:0\""));
    ck_assert_ptr_null(strstr(deb.detached_drv, "51728"));
    /* its one complaint, once the guest's last device has gone (disk,
     * then nic): the driver domain may not remove libxl/GUEST under its
     * home, which dom0 owns */
    ck_assert_str_eq(deb.errors, "libxl: error: SRC: xenstore rm failed:"
                     " `libxl/2': Permission denied\n"
                     "libxl: error: SRC: xenstore rm failed:"
                     " `libxl/2': Permission denied\n");
    /* and lightcore's the same */
    ck_assert_int_eq(ours.attach_status, 0);
    ck_assert_int_eq(ours.detach_status, 0);
    ck_assert_str_eq(ours.script_log, deb.script_log);
    ck_assert_str_eq(ours.attached, deb.attached);
    ck_assert_str_eq(ours.detached_drv, deb.detached_drv);
    ck_assert_str_eq(ours.detached_vm, deb.detached_vm);
    ck_assert_str_eq(ours.errors, deb.errors);
    ck_assert_int_eq(ours.nic_attach_status, 0);
    ck_assert_int_eq(ours.nic_detach_status, 0);
    ck_assert_str_eq(ours.nic_attached, deb.nic_attached);
    ck_assert_str_eq(ours.nic_detached, deb.nic_detached);
    devd_run_free(&deb);
    devd_run_free(&ours);
}

/* ----------------------------------------- lightcore, in a child of ours */

/*
 * The handler on lightcore in a child of this test (which must itself
 * stay dom0 for the toolstack's commands): the child's environment names
 * the driver domain's socket, so its ctx, its hotplug scripts and the
 * library's lazily opened connections are all domain 1's. It starts the
 * handler (completion as an event), runs the event loop on a thread, and
 * when told (a byte on its command pipe) aborts it and reports.
 */
typedef struct {
    pid_t pid;
    int cmd, res;
} devd_child;

typedef struct {
    libxl_ctx *ctx;
    libxl_event *ev;
    int rc;
} waiter;

static void *wait_completion(void *arg)
{
    waiter *w = arg;

    w->rc = libxl_event_wait(w->ctx, &w->ev, LIBXL_EVENTMASK_ALL, NULL,
                             NULL);
    return NULL;
}

static void child_main(int cmd, int res)
{
    libxl_asyncop_how how = { .callback = NULL, .u.for_event = 7 };
    xentoollog_logger *lg = (xentoollog_logger *)
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    waiter w = { 0 };
    pthread_t t;
    char c;
    int rc, abort1, abort2;

    setenv("XENSTORED_PATH", sock, 1);
    if (!lg || libxl_ctx_alloc(&w.ctx, LIBXL_VERSION, 0, lg)) _exit(2);
    rc = libxl_device_events_handler(w.ctx, &how);
    if (rc) {
        dprintf(res, "start rc=%d\n", rc);
        _exit(1);
    }
    if (pthread_create(&t, NULL, wait_completion, &w)) _exit(3);
    dprintf(res, "started\n");
    if (read(cmd, &c, 1) != 1) _exit(4);
    abort1 = libxl_ao_abort(w.ctx, &how);
    pthread_join(t, NULL);
    abort2 = libxl_ao_abort(w.ctx, &how);
    dprintf(res, "abort=%d wait=%d type=%d rc=%d for_user=%d again=%d",
            abort1, w.rc, w.ev ? (int)w.ev->type : -1,
            w.ev ? w.ev->u.operation_complete.rc : -1,
            w.ev ? (int)w.ev->for_user : -1, abort2);
    if (w.ev) libxl_event_free(w.ctx, w.ev);
    dprintf(res, " free=%d\n", libxl_ctx_free(w.ctx));
    xtl_logger_destroy(lg);
#ifdef DEVD_ASAN
    if (__lsan_do_recoverable_leak_check()) _exit(6);
#endif
    _exit(0);
}

static char *read_line(int fd)
{
    char *buf = calloc(1, 512);
    size_t n = 0;
    struct pollfd pf = { .fd = fd, .events = POLLIN };

    ck_assert_ptr_nonnull(buf);
    while (n < 511 && (n == 0 || buf[n - 1] != '\n')) {
        ssize_t r;
        ck_assert_int_eq(poll(&pf, 1, 30000), 1);
        r = read(fd, buf + n, 1);
        if (r <= 0) break;
        n++;
    }
    return buf;
}

static devd_child start_lightcore_devd(void)
{
    int cmd[2], res[2];
    devd_child c;
    char *line;

    ck_assert_int_eq(pipe2(cmd, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(res, O_CLOEXEC), 0);
    c.pid = fork();
    ck_assert_int_ge(c.pid, 0);
    if (!c.pid) {
        close(cmd[1]);
        close(res[0]);
        child_main(cmd[0], res[1]);
    }
    close(cmd[0]);
    close(res[1]);
    c.cmd = cmd[1];
    c.res = res[0];
    line = read_line(c.res);
    ck_assert_str_eq(line, "started\n");
    free(line);
    return c;
}

/* Aborts the child's handler: what it reported. */
static char *abort_lightcore_devd(devd_child *c)
{
    char *line;
    int st;

    ck_assert_int_eq(write(c->cmd, "a", 1), 1);
    line = read_line(c->res);
    ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
    ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    close(c->cmd);
    close(c->res);
    return line;
}

static void attach_and_connect(void)
{
    const char *attach[] = { "block-attach", "vm", spec, NULL };
    xl_run x = xlboth_run(false, attach);

    if (x.status) fprintf(stderr, "block-attach: %s%s\n", x.out, x.err);
    ck_assert_int_eq(x.status, 0);
    xl_run_free(&x);
    ck_assert(wait_value(BE "/state", "4", 20000));
}

static void detach(void)
{
    const char *args[] = { "block-detach", "vm", "xvdb", NULL };
    xl_run x = xlboth_run(false, args);

    if (x.status) fprintf(stderr, "block-detach: %s%s\n", x.out, x.err);
    ck_assert_int_eq(x.status, 0);
    xl_run_free(&x);
    ck_assert(wait_value(BE, NULL, 1000));
}

/* libxl 4.17's handler never completes (an abort reaches only a device
 * wait under way); lightcore's ends with ERROR_ABORTED, leaving the
 * devices as they are. (A handler started later takes on only devices
 * that are in InitWait, as libxl's: not this connected one.) */
TEST(events_handler_aborts, 120)
{
    char want[128], *report, *log;
    devd_child c;

    unlink(slog);
    c = start_lightcore_devd();
    attach_and_connect();
    report = abort_lightcore_devd(&c);
    snprintf(want, sizeof(want), "abort=0 wait=0 type=%d rc=%d for_user=7"
             " again=%d free=0\n", LIBXL_EVENT_TYPE_OPERATION_COMPLETE,
             ERROR_ABORTED, ERROR_NOTFOUND);
    ck_assert_str_eq(report, want);
    free(report);
    /* the abort tore nothing down: the device stays connected, its
     * script ran "add" only */
    ck_assert(wait_value(BE "/state", "4", 1000));
    log = read_file(slog);
    ck_assert_ptr_nonnull(strstr(log, " add script="));
    ck_assert_ptr_null(strstr(log, " remove script="));
    free(log);
}

/* What the guest writes in its frontend directory (a `backend` naming
 * another device, a script) and what it tries to write in the driver
 * domain's backend directory (refused by xenstored) choose nothing: the
 * script and its arguments are the toolstack's, the path removed is the
 * device's own, and a decoy backend the guest named is left alone. */
TEST(events_handler_ignores_the_guest, 120)
{
#define DECOY "/local/domain/1/backend/vbd/2/99"
    struct xs_handle *xs = xs_open(0);
    char want[PATH_MAX * 5], *log, *v, *report;
    devd_child c;
    unsigned len;

    ck_assert_ptr_nonnull(xs);
    /* a backend the toolstack made, that no handler took on */
    ck_assert(xs_write(xs, XBT_NULL, DECOY "/script", "/bin/false", 10));
    unlink(slog);
    c = start_lightcore_devd();
    attach_and_connect();
    ck_assert_int_eq(simhost_guest_write(2, "device/vbd/51728/backend",
                                         DECOY), 0);
    ck_assert_int_eq(simhost_guest_write(2, "device/vbd/51728/script",
                                         "/bin/false"), 0);
    ck_assert_int_ne(simhost_guest_write(2, BE "/script", "/bin/false"), 0);
    ck_assert_int_ne(simhost_guest_write(2, DECOY "/state", "6"), 0);
    detach();
    report = abort_lightcore_devd(&c);
    free(report);
    disk_log(want, sizeof(want));
    log = read_file(slog);
    ck_assert_str_eq(log, want);
    free(log);
    v = xs_read(xs, XBT_NULL, DECOY "/script", &len);
    ck_assert_ptr_nonnull(v);
    ck_assert_str_eq(v, "/bin/false");
    free(v);
    xs_close(xs);
}

/* Seed 004: the driver domain restarts as another domain; the toolstack's
 * records rebuild its backend, the guest's frontend follows it and
 * connects again, and the stored configuration names the new domain. */
TEST(driver_domain_restart_reconnects, 180)
{
    struct xs_handle *xs = xs_open(0);
    xentoollog_logger *lg = (xentoollog_logger *)
        xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    char shared[PATH_MAX], be[128], id[16], want[PATH_MAX * 5], *v, *log;
    libxl_domain_config cfg;
    libxl_device_disk *disks;
    libxl_device_nic nic;
    libxl_ctx *ctx;
    uint8_t *data;
    devd_child c;
    int n, newid, len;
    unsigned vlen;

    ck_assert_ptr_nonnull(xs);
    ck_assert_ptr_nonnull(lg);
    snprintf(shared, sizeof(shared), "%s/shared", dir);
    ck_assert(privdirs_enter(shared));
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    unlink(slog);
    c = start_lightcore_devd();
    attach_and_connect();
    /* and a nic, by backend domid, added by lightcore */
    libxl_device_nic_init(&nic);
    nic.backend_domid = 1;
    nic.script = strdup(script);
    ck_assert_int_eq(libxl_device_nic_add(ctx, 2, &nic, NULL), 0);
    libxl_device_nic_dispose(&nic);
    ck_assert(wait_value(VIF "/state", "4", 20000));
    free(abort_lightcore_devd(&c));

    /* the driver domain goes (its xenbus, its home, the domain) and
     * comes back as another domain */
    stop_proxy();
    ck_assert(xs_rm(xs, XBT_NULL, "/local/domain/1"));
    ck_assert_int_eq(simhost_destroy_domain(1), 0);
    newid = simhost_create_domain("drv", 64, 1, NULL);
    ck_assert_int_gt(newid, 2);
    snprintf(id, sizeof(id), "%d", newid);
    ck_assert_int_eq(simhost_cli(NULL, "backend-serve", id, NULL), 0);
    snprintf(sock, sizeof(sock), "%s/xenbus-%d", dir, newid);
    start_proxy(newid);
    c = start_lightcore_devd();

    /* bad calls first: nothing moves */
    ck_assert_int_eq(libxl_lightcore_backend_domain_restarted(ctx, 1, 1, &n),
                     ERROR_INVAL);
    ck_assert_int_eq(libxl_lightcore_backend_domain_restarted(ctx, 1, 999,
                                                              &n),
                     ERROR_INVAL);
    ck_assert_int_eq(libxl_lightcore_backend_domain_restarted(ctx, 0, newid,
                                                              &n),
                     ERROR_INVAL);
    ck_assert_int_eq(n, 0);
    ck_assert_int_eq(libxl_lightcore_backend_domain_restarted(ctx, 1, newid,
                                                              &n), 0);
    ck_assert_int_eq(n, 2);
    snprintf(be, sizeof(be), "/local/domain/%d/backend/vif/2/0/state", newid);
    ck_assert(wait_value(be, "4", 20000));
    ck_assert(wait_value("/local/domain/2/device/vif/0/state", "4", 20000));
    snprintf(be, sizeof(be), "/local/domain/%d/backend/vbd/2/51728", newid);
    ck_assert(wait_value(strcat(strcpy(want, be), "/state"), "4", 20000));
    ck_assert(wait_value("/local/domain/2/device/vbd/51728/state", "4",
                         20000));
    v = xs_read(xs, XBT_NULL, "/local/domain/2/device/vbd/51728/backend",
                &vlen);
    ck_assert_str_eq(v, be);
    free(v);
    v = xs_read(xs, XBT_NULL, "/local/domain/2/device/vbd/51728/backend-id",
                &vlen);
    ck_assert_str_eq(v, id);
    free(v);
    v = xs_read(xs, XBT_NULL, "/libxl/2/device/vbd/51728/backend", &vlen);
    ck_assert_str_eq(v, be);
    free(v);
    /* the new driver domain's handler ran the scripts again, as itself */
    log = read_file(slog);
    snprintf(want, sizeof(want),
             "%s add script=%s XENBUS_TYPE=vbd XENBUS_PATH=backend/vbd/2/51728"
             " XENBUS_BASE_PATH=backend vif= netdev= domid=%d\n",
             script, script, newid);
    ck_assert_ptr_nonnull(strstr(log, want));
    snprintf(want, sizeof(want),
             "%s online type_if=vif script=%s XENBUS_TYPE=vif"
             " XENBUS_PATH=backend/vif/2/0 XENBUS_BASE_PATH=backend"
             " vif=vif2.0 netdev= domid=%d\n", script, script, newid);
    ck_assert_ptr_nonnull(strstr(log, want));
    free(log);
    /* the stored configuration */
    ck_assert_int_eq(libxl_userdata_retrieve(ctx, 2, "libxl-json", &data,
                                             &len), 0);
    libxl_domain_config_init(&cfg);
    ck_assert_int_eq(libxl_domain_config_from_json(ctx, &cfg,
                                                   (const char *)data), 0);
    free(data);
    /* the disk's backend is a name (xl's backend=drv), which the new
     * domain has: unchanged; the nic's is a domid: the new one */
    ck_assert_int_eq(cfg.num_disks, 1);
    ck_assert_str_eq(cfg.disks[0].backend_domname, "drv");
    ck_assert_int_eq(cfg.num_nics, 1);
    ck_assert_int_eq((int)cfg.nics[0].backend_domid, newid);
    libxl_domain_config_dispose(&cfg);
    /* the limit (README, "Beyond libxl"): in libxl 4.17's types a device
     * belongs to its frontend domain only; the driver domain has none */
    disks = libxl_device_disk_list(ctx, (uint32_t)newid, &n);
    ck_assert_ptr_null(disks);
    ck_assert_int_eq(n, 0);

    free(abort_lightcore_devd(&c));
    xs_close(xs);
    ck_assert_int_eq(libxl_ctx_free(ctx), 0);
    xtl_logger_destroy(lg);
}
