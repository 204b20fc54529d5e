/*
 * fakeusb.c: a fake USB sysfs for the PVUSB tests (these machines have no
 * USB devices and no usbback). Run inside a private mount namespace, as
 * root: mounts a tmpfs over /sys/bus, builds /sys/bus/usb with a few
 * devices and drivers, prints "ready" and serves the drivers' bind and
 * unbind files (FIFOs) and its control FIFO until told to quit (protocol
 * and tree in fakeusb.h). Deterministic: a library's write is applied
 * before the writer goes on (see realtime), and a "sync" command applies
 * whatever was written before it, so a test that syncs after each call
 * sees the state the kernel would have left.
 *
 * The tree (as the libraries read it):
 *   devices/usb1       busnum 1, devnum 1, bDeviceClass 09 (a root hub)
 *   devices/1-1        busnum 1, devnum 2, class 00, 0781:5567; interfaces
 *                      1-1:1.0 (usb-storage) and 1-1:1.1 (usbhid)
 *   devices/2-1.3      busnum 2, devnum 5, class 00, 046d:c52b; interface
 *                      2-1.3:1.0 (usbhid)
 *   drivers/usb-storage, drivers/usbhid, drivers/usbback (unless reset
 *   without it): bind, unbind, and a link per bound interface.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakeusb.h"

#define BUS "/sys/bus"

static const char *const drivers_all[] = { "usb-storage", "usbhid",
                                           "usbback" };
#define NDRIVERS 3

static const struct {
    const char *name, *busnum, *devnum, *class, *vendor, *product;
} devices[] = {
    { "usb1", "1", "1", "09", "1d6b", "0002" },
    { "1-1", "1", "2", "00", "0781", "5567" },
    { "2-1.3", "2", "5", "00", "046d", "c52b" },
};

static const struct { const char *name, *driver; } interfaces[] = {
    { "1-1:1.0", "usb-storage" },
    { "1-1:1.1", "usbhid" },
    { "2-1.3:1.0", "usbhid" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The FIFOs served: each driver's bind and unbind, then the control. */
typedef struct {
    int fd;
    int driver;                        /* index in drivers_all, -1: ctl */
    bool bind;
    char buf[256];
    size_t len;
} fifo;

static fifo fifos[2 * NDRIVERS + 1];
static int nfifos;
static bool have_usbback;
static int ctl = -1;                   /* the control FIFO, kept open */

static void die(const char *what)
{
    fprintf(stderr, "fakeusb: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f)) die(path);
}

static void dir(const char *path)
{
    if (mkdir(path, 0755) && errno != EEXIST) die(path);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st; (void)flag;
    /* the control FIFOs stay: a client may be opening them */
    if (!ftw->level || !strcmp(path, FAKEUSB_CTL) ||
        !strcmp(path, FAKEUSB_REPLY))
        return 0;
    return remove(path);
}

static void bind_link(const char *intf, const char *driver)
{
    char path[512], target[512];

    snprintf(path, sizeof(path), FAKEUSB_ROOT "/devices/%s/driver", intf);
    snprintf(target, sizeof(target), "../../drivers/%s", driver);
    if (symlink(target, path)) die(path);
    snprintf(path, sizeof(path), FAKEUSB_ROOT "/drivers/%s/%s", driver, intf);
    snprintf(target, sizeof(target), "../../devices/%s", intf);
    if (symlink(target, path)) die(path);
}

/* The tree at start (usbback or not), and the FIFOs opened. */
static void build(bool usbback)
{
    char path[512];

    for (int i = 0; i < nfifos; i++)
        if (fifos[i].fd != ctl) close(fifos[i].fd);
    nfifos = 0;
    nftw(BUS, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    have_usbback = usbback;
    dir(FAKEUSB_ROOT);
    dir(FAKEUSB_ROOT "/devices");
    dir(FAKEUSB_ROOT "/drivers");
    for (size_t i = 0; i < N(devices); i++) {
        snprintf(path, sizeof(path), FAKEUSB_ROOT "/devices/%s",
                 devices[i].name);
        dir(path);
#define FILE_OF(key, value)                                                 \
        snprintf(path, sizeof(path), FAKEUSB_ROOT "/devices/%s/" key,       \
                 devices[i].name);                                          \
        put(path, value)
        FILE_OF("busnum", devices[i].busnum);
        FILE_OF("devnum", devices[i].devnum);
        FILE_OF("bDeviceClass", devices[i].class);
        FILE_OF("idVendor", devices[i].vendor);
        FILE_OF("idProduct", devices[i].product);
#undef FILE_OF
    }
    for (int d = 0; d < NDRIVERS; d++) {
        if (!usbback && !strcmp(drivers_all[d], "usbback")) continue;
        snprintf(path, sizeof(path), FAKEUSB_ROOT "/drivers/%s",
                 drivers_all[d]);
        dir(path);
        for (int b = 0; b < 2; b++) {
            fifo *f = &fifos[nfifos++];
            snprintf(path, sizeof(path), FAKEUSB_ROOT "/drivers/%s/%s",
                     drivers_all[d], b ? "bind" : "unbind");
            if (mkfifo(path, 0200)) die(path);
            f->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
            if (f->fd < 0) die(path);
            f->driver = d;
            f->bind = b;
            f->len = 0;
        }
    }
    for (size_t i = 0; i < N(interfaces); i++) {
        snprintf(path, sizeof(path), FAKEUSB_ROOT "/devices/%s",
                 interfaces[i].name);
        dir(path);
        bind_link(interfaces[i].name, interfaces[i].driver);
    }
    if (ctl < 0) {
        if (mkfifo(FAKEUSB_CTL, 0600) || mkfifo(FAKEUSB_REPLY, 0600))
            die("control fifos");
        ctl = open(FAKEUSB_CTL, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (ctl < 0) die(FAKEUSB_CTL);
    }
    fifos[nfifos].fd = ctl;
    fifos[nfifos].driver = -1;
    fifos[nfifos].len = 0;
    nfifos++;
}

/* One name written to driver d's bind (or unbind) file. */
static void apply(int d, bool bind, const char *intf)
{
    const char *driver = drivers_all[d];
    char path[512], target[512];
    ssize_t n;

    snprintf(path, sizeof(path), FAKEUSB_ROOT "/devices/%s/driver", intf);
    n = readlink(path, target, sizeof(target) - 1);
    target[n > 0 ? n : 0] = 0;
    if (bind) {
        if (n > 0) {
            fprintf(stderr, "fakeusb: bind %s to %s: bound already (%s)\n",
                    intf, driver, target);
            return;
        }
        bind_link(intf, driver);
        return;
    }
    if (n <= 0 || strcmp(strrchr(target, '/') ? strrchr(target, '/') + 1
                                              : target, driver)) {
        fprintf(stderr, "fakeusb: unbind %s from %s: not bound there\n",
                intf, driver);
        return;
    }
    unlink(path);
    snprintf(path, sizeof(path), FAKEUSB_ROOT "/drivers/%s/%s", driver, intf);
    unlink(path);
}

/* Takes what is waiting in f into its buffer. */
static void take(fifo *f)
{
    for (;;) {
        ssize_t n = read(f->fd, f->buf + f->len, sizeof(f->buf) - 1 - f->len);
        if (n <= 0) break;
        f->len += (size_t)n;
    }
    f->buf[f->len] = 0;
}

/* Applies each whole interface name in f's buffer (writes may arrive run
 * together: names are matched, longest first). */
static void apply_all(fifo *f)
{
    while (f->len) {
        size_t best = 0;
        int which = -1;
        for (size_t i = 0; i < N(interfaces); i++) {
            size_t l = strlen(interfaces[i].name);
            if (l <= f->len && l > best &&
                !strncmp(f->buf, interfaces[i].name, l)) {
                best = l;
                which = (int)i;
            }
        }
        if (which < 0) {
            fprintf(stderr, "fakeusb: %s %s: no such interface: %s\n",
                    drivers_all[f->driver], f->bind ? "bind" : "unbind",
                    f->buf);
            f->len = 0;
            break;
        }
        apply(f->driver, f->bind, interfaces[which].name);
        memmove(f->buf, f->buf + best, f->len - best + 1);
        f->len -= best;
    }
}

/*
 * Everything written so far, in the order it was written. FIFOs do not
 * keep the order of writes made to different files; the libraries unbind
 * an interface from one driver before they bind it to another (to usbback
 * on add, back to its driver on remove). So the bind files are read
 * first, then the unbind files (every unbind written before a bind that
 * was read is in them), and the unbinds are applied before the binds.
 * (A bind followed by an unbind of the same interface, which libxl only
 * writes when it undoes a failed assignment, would be seen reversed.)
 */
static void drain_all(void)
{
    for (int pass = 1; pass >= 0; pass--)
        for (int i = 0; i < nfifos; i++)
            if (fifos[i].driver >= 0 && fifos[i].bind == pass)
                take(&fifos[i]);
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i < nfifos; i++)
            if (fifos[i].driver >= 0 && fifos[i].bind == pass)
                apply_all(&fifos[i]);
}

static void answer(void)
{
    int fd = open(FAKEUSB_REPLY, O_WRONLY | O_CLOEXEC);
    if (fd < 0) die(FAKEUSB_REPLY);
    if (write(fd, "ok\n", 3) != 3) die("reply");
    close(fd);
}

/* Commands on the control FIFO; false to quit. */
static bool control(fifo *f)
{
    char cmd[64];
    ssize_t n = read(f->fd, cmd, sizeof(cmd) - 1);

    if (n <= 0) return true;
    cmd[n] = 0;
    for (char *line = strtok(cmd, "\n"); line; line = strtok(NULL, "\n")) {
        if (!strcmp(line, "sync")) {
            drain_all();
        } else if (!strcmp(line, "reset") || !strcmp(line, "reset-nousbback")) {
            build(!strcmp(line, "reset"));
        } else if (!strcmp(line, "quit")) {
            answer();
            return false;
        } else {
            fprintf(stderr, "fakeusb: unknown command %s\n", line);
        }
        answer();
    }
    return true;
}

/*
 * With FAKEUSB_CPU=N: the emulator runs on cpu N at a real-time priority.
 * A writer pinned to the same cpu (the tests pin the libraries' processes
 * there) is then preempted by the emulator as its write() wakes it, and
 * resumes only once the name is applied: the write is as synchronous as
 * the kernel's, so a library that looks at the driver's directory right
 * after writing sees what the kernel would show. Without it (or when the
 * priority is refused) writes are applied as soon as the emulator runs.
 */
static void realtime(void)
{
    const char *cpu = getenv("FAKEUSB_CPU");
    struct sched_param sp = { .sched_priority = 10 };
    cpu_set_t set;

    if (!cpu) return;
    CPU_ZERO(&set);
    CPU_SET(atoi(cpu), &set);
    if (sched_setaffinity(0, sizeof(set), &set) ||
        sched_setscheduler(0, SCHED_FIFO, &sp))
        fprintf(stderr, "fakeusb: cannot run at real-time priority on cpu"
                " %s: %s (writes are applied a little later)\n", cpu,
                strerror(errno));
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    realtime();
    if (mount("fakeusb", BUS, "tmpfs", 0, "size=4m,mode=0755"))
        die("mount tmpfs on " BUS);
    build(true);
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        struct pollfd p[2 * NDRIVERS + 1];
        for (int i = 0; i < nfifos; i++)
            p[i] = (struct pollfd){ .fd = fifos[i].fd, .events = POLLIN };
        if (poll(p, (nfds_t)nfifos, -1) < 0) {
            if (errno == EINTR) continue;
            die("poll");
        }
        /* the drivers first: a command comes after the writes before it */
        drain_all();
        for (int i = 0; i < nfifos; i++)
            if (fifos[i].driver < 0 && (p[i].revents & POLLIN) &&
                !control(&fifos[i]))
                return 0;
    }
}
