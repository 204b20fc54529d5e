/*
 * test_dropin_pci_hvm.c: PCI passthrough to an HVM guest whose device
 * model is upstream QEMU (/libxl/1/dm-version "qemu_xen"), as a drop-in
 * for Debian's libxenlight 4.17. The device model is a scripted QMP
 * server on the guest's socket (/var/run/xen/qmp-libxl-1 in each run's
 * private directories) that answers as QEMU 7.2 would: device_add of a
 * xen-pci-passthrough device accepted (refused for 00:03.0, as QEMU
 * refuses a device it cannot use), query-pci listing the devices added
 * at the slot asked for or the next free one, device_del taking one away
 * at once. Debian's run, Debian's
 * binary on lightcore (ABI) and ours (API) must print the same (rc,
 * error lines, the backend tree, the stored configuration, the owners
 * and grants, the fake sysfs) and the server must have received the same
 * commands with the same arguments.
 *
 * Needs root (mount namespaces, FUSE); otherwise each test says it
 * skipped.
 */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "pcienv.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xensim.h"

#define PROBE_DEBIAN "tests/dropin-pci-attach-debian"
#define PROBE_OURS   "tests/dropin-pci-attach-ours"

static const char spec_text[] =
    "driver pciback\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:03.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:04.0 0x1af4 0x1000 0x020000 pciback\n"
    "irq 0000:00:02.0 11\n"
    "bar 0000:00:02.0 0 febc0000 febdffff 40200\n"
    "bar 0000:00:02.0 2 c000 c01f 40101\n"
    "bar 0000:00:03.0 0 fea00000 fea00fff 40200\n"
    "irq 0000:00:04.0 10\n"
    "bar 0000:00:04.0 4 800000000 800003fff 14220c\n"
    "slot 0000:00:02.0\n"
    "slot 0000:00:03.0\n"
    "slot 0000:00:04.0\n";

static void setup(void)
{
    pcienv_setup("dropin-pci-hvm", "hvm");
}

static void teardown(void)
{
    pcienv_teardown();
}

TEST_FIXTURE(setup, teardown);

/* ------------------------------------------------ the scripted QEMU */

static bool get_line(int fd, char *buf, size_t size)
{
    size_t n = 0;

    while (n + 1 < size) {
        ssize_t r = read(fd, buf + n, 1);
        if (r <= 0)
            return false;
        if (buf[n++] == '\n')
            break;
    }
    buf[n] = '\0';
    return true;
}

static void put(int fd, const char *text)
{
    size_t len = strlen(text);

    if (write(fd, text, len) != (ssize_t)len)
        _exit(3);
}

/* The answer to the command in line: {"id": ITS ID, rest. */
static void answer(int fd, const char *line, const char *rest)
{
    char out[4096];
    const char *p = strstr(line, "\"id\":");
    long long id = p ? strtoll(p + 5, NULL, 10) : -1;

    snprintf(out, sizeof(out), "{\"return\": %s, \"id\": %lld}\r\n", rest,
             id);
    put(fd, out);
}

/* The string value of "key":"..." in line (at most size - 1 bytes), or
 * false. */
static bool string_arg(const char *line, const char *key, char *buf,
                       size_t size)
{
    char pat[64];
    const char *p;
    size_t n = 0;

    snprintf(pat, sizeof(pat), "\"%s\":\"", key);
    if (!(p = strstr(line, pat)))
        return false;
    p += strlen(pat);
    while (p[n] && p[n] != '"' && n + 1 < size)
        n++;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return true;
}

/* QEMU 7.2 as far as PCI passthrough asks it: the devices added are
 * listed by query-pci (slot 2 is the emulated nic's); device_add of
 * 00:03.0 is refused. Every line received goes to log. */
static void serve(int lfd, const char *log_path)
{
    char line[4096], ids[8][64];
    unsigned slots[8], n = 0, next = 3;
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                   0644);

    if (log < 0)
        _exit(2);
    for (;;) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0)
            _exit(2);
        put(fd, "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": "
                "2, \"major\": 7}, \"package\": \"\"}, \"capabilities\": "
                "[\"oob\"]}}\r\n");
        while (get_line(fd, line, sizeof(line))) {
            char id[64], addr[16], host[32], out[2048];
            put(log, line);
            if (strstr(line, "\"device_add\"")) {
                if (string_arg(line, "hostaddr", host, sizeof(host)) &&
                    !strcmp(host, "0000:00:03.0")) {
                    const char *p = strstr(line, "\"id\":");
                    snprintf(out, sizeof(out), "{\"error\": {\"class\": "
                             "\"GenericError\", \"desc\": \"xen_pt_realize: "
                             "Error: Failed to register PCI device\"}, "
                             "\"id\": %lld}\r\n",
                             p ? strtoll(p + 5, NULL, 10) : -1);
                    put(fd, out);
                    continue;
                }
                if (n < 8 && string_arg(line, "id", id, sizeof(id)) &&
                    !strncmp(id, "pci-pt-", 7)) {
                    unsigned slot = next;
                    if (string_arg(line, "addr", addr, sizeof(addr)))
                        slot = (unsigned)strtoul(addr, NULL, 16);
                    else
                        next++;
                    snprintf(ids[n], sizeof(ids[n]), "%s", id);
                    slots[n++] = slot;
                }
                answer(fd, line, "{}");
            } else if (strstr(line, "\"device_del\"")) {
                /* gone at once (QEMU waits for the guest to let go) */
                if (string_arg(line, "id", id, sizeof(id)))
                    for (unsigned i = 0; i < n; i++)
                        if (!strcmp(ids[i], id)) {
                            memmove(&ids[i], &ids[i + 1],
                                    (n - i - 1) * sizeof(ids[0]));
                            memmove(&slots[i], &slots[i + 1],
                                    (n - i - 1) * sizeof(slots[0]));
                            n--;
                            break;
                        }
                answer(fd, line, "{}");
            } else if (strstr(line, "\"query-pci\"")) {
                size_t len = (size_t)snprintf(out, sizeof(out),
                    "[{\"bus\": 0, \"devices\": [{\"qdev_id\": \"\", "
                    "\"slot\": 2, \"function\": 0, \"class_info\": "
                    "{\"class\": 512}}");
                for (unsigned i = 0; i < n && len < sizeof(out) - 256; i++)
                    len += (size_t)snprintf(out + len, sizeof(out) - len,
                        ", {\"qdev_id\": \"%s\", \"slot\": %u, "
                        "\"function\": 0}", ids[i], slots[i]);
                snprintf(out + len, sizeof(out) - len, "]}]");
                answer(fd, line, out);
            } else {
                answer(fd, line, "{}");
            }
        }
        close(fd);
    }
}

static pid_t qemu_start(const char *sock, const char *log)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    pid_t pid;

    ck_assert_int_ge(lfd, 0);
    ck_assert_uint_lt(strlen(sock), sizeof(a.sun_path));
    strcpy(a.sun_path, sock);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(lfd, 4), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGPIPE, SIG_IGN);
        serve(lfd, log);
    }
    close(lfd);
    return pid;
}

/* ------------------------------------------------------------ the runs */

static const char *const way_names[] = { "debian", "abi", "api" };

/* One way on a host of its own: what the probe printed, the fake sysfs
 * at the end, then what the scripted QEMU received. */
static char *run_way(int way)
{
    simhost *host = simhost_start();
    char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], sock[PATH_MAX + 32],
         log[PATH_MAX + 32], *out, *sys, *qmp, *all;
    const char *prog = way == 2 ? PROBE_OURS : PROBE_DEBIAN;
    const char *const args[] = { "hvm", "1", NULL };
    struct xs_handle *xs;

    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    ck_assert_int_eq(simhost_create_hvm_domain("vm", "hvm", NULL), 1);
    for (unsigned dev = 2; dev <= 4; dev++) {
        ck_assert_int_eq(xensim_pci_set(0, 0, (uint8_t)(dev << 3), -1), 0);
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, (uint8_t)(dev << 3),
                                              0x7ff1), 0);
    }
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    ck_assert(xs_write(xs, XBT_NULL, "/libxl/1/dm-version", "qemu_xen", 8));
    ck_assert(xs_write(xs, XBT_NULL, "/libxl/1/type", "hvm", 3));
    xs_close(xs);
    pcienv_write_file(pcienv_spec, spec_text);
    snprintf(dir, sizeof(dir), "%s/%s", pcienv_base, way_names[way]);
    pcienv_store_config(prog, preload, way != 0, dir);
    snprintf(sock, sizeof(sock), "%s/run/qmp-libxl-1", dir);
    snprintf(log, sizeof(log), "%s/qmp.log", dir);
    pid_t qemu = qemu_start(sock, log);
    out = dropin_run_wrapped(prog, args, preload, way != 0, dir,
                             pcienv_wrapper);
    kill(qemu, SIGTERM);
    ck_assert_int_eq(waitpid(qemu, NULL, 0), qemu);
    sys = pcienv_read_file(pcienv_spec);
    qmp = pcienv_read_file(log);
    ck_assert_int_gt(asprintf(&all, "%s--- fake sysfs at the end\n%s"
                              "--- QMP received\n%s", out, sys, qmp), 0);
    free(out);
    free(sys);
    free(qmp);
    ck_assert_int_eq(simhost_stop(host), 0);
    return all;
}

TEST(pci_hvm_same_on_debian_and_lightcore, 240)
{
    if (pcienv_skip())
        return;
    char *out[3];

    for (int w = 0; w < 3; w++)
        out[w] = run_way(w);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what the run went through (so the comparison is not vacuous) */
    ck_assert_ptr_nonnull(strstr(out[0], "\"execute\":\"device_add\""));
    ck_assert_ptr_nonnull(strstr(out[0], "\"execute\":\"query-pci\""));
    ck_assert_ptr_nonnull(strstr(out[0], "\"hostaddr\":\"0000:00:04.0\","
                                         "\"addr\":\"5.0\","
                                         "\"permissive\":true"));
    ck_assert_ptr_nonnull(strstr(out[0], "Failed to register PCI device"));
    ck_assert_ptr_nonnull(strstr(out[0], "\"execute\":\"device_del\","));
    ck_assert_ptr_nonnull(strstr(out[0], "== list 1: NULL num 0\n"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}
