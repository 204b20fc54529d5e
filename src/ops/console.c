/*
 * ops/console.c: reaching a guest's consoles from dom0 (issue 18): the
 * pty path of a PV or serial console from xenstore, the primary console
 * chosen by domain type (or the stub domain's), and replacing the calling
 * process with Debian's xenconsole or a vncviewer, with libxl 4.17's argv,
 * results and log lines. No state; every xenstore value read here may have
 * been written by a guest or its device model and is read bounded.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/gc.h"
#include "base/log.h"
#include "ops/domain_type.h"
#include "xs/paths.h"

#include "libxl.h"
#include "libxl_utils.h"

/* Where Debian's xen-utils-4.17 keeps the console client libxl runs. */
#define PRIVATE_BINDIR "/usr/lib/xen-4.17/bin"

/* The console of a stub domain that carries its guest's serial line. */
#define STUBDOM_SERIAL_CONSOLE 3

/* Longest value read from the nodes here (xenstored's own limit). */
#define NODE_MAX 4096

/* ----------------------------------------------------------- tty paths */

/* The xenstore node holding the pty of console cons_num of domid, or
 * NULL for a type that has none there (vuart, unknown). */
static const char *tty_node(libxl__gc *gc, uint32_t domid, int cons_num,
                            libxl_console_type type)
{
    switch (type) {
    case LIBXL_CONSOLE_TYPE_SERIAL:
        return GCSPRINTF("/local/domain/%u/serial/%d/tty", domid, cons_num);
    case LIBXL_CONSOLE_TYPE_PV:
        if (cons_num == 0)
            return GCSPRINTF("/local/domain/%u/console/tty", domid);
        return GCSPRINTF("/local/domain/%u/device/console/%d/tty", domid,
                         cons_num);
    default:
        return NULL;
    }
}

int libxl_console_get_tty(libxl_ctx *ctx, uint32_t domid, int cons_num,
                          libxl_console_type type, char **path)
{
    GC_INIT(ctx);
    const char *node = tty_node(gc, domid, cons_num, type);
    const char *tty;

    if (!node) {
        /* libxl's line, with its trailing newline */
        LOGD(ctx, ERROR, domid, "Failed to get tty path\n");
        return ERROR_INVAL;
    }
    tty = libxl__xs_read_checked(gc, XBT_NULL, node, NODE_MAX);
    if (!tty || !*tty) {
        LOGED(ctx, ERROR, domid, "Unable to read console tty path `%s'",
              node);
        return ERROR_FAIL;
    }
    *path = strdup(tty);
    if (!*path) {
        LOGD(ctx, ERROR, domid, "cannot copy the console tty path");
        return ERROR_NOMEM;
    }
    return 0;
}

/*
 * The console a user means by a domain's console: its stub domain's
 * serial-carrying PV console if it has one, else the first serial line of
 * an HVM guest or the first PV console of a PV or PVH one. ERROR_INVAL
 * (logged by libxl__domain_type) when the domain's type cannot be told.
 */
static int primary_console(libxl_ctx *ctx, uint32_t domid_vm,
                           uint32_t *domid, int *cons_num,
                           libxl_console_type *type)
{
    GC_INIT(ctx);
    int stub = libxl_get_stubdom_id(ctx, (int)domid_vm);

    if (stub) {
        *domid = (uint32_t)stub;
        *cons_num = STUBDOM_SERIAL_CONSOLE;
        *type = LIBXL_CONSOLE_TYPE_PV;
        return 0;
    }
    switch (libxl__domain_type(gc, domid_vm)) {
    case LIBXL_DOMAIN_TYPE_HVM:
        *type = LIBXL_CONSOLE_TYPE_SERIAL;
        break;
    case LIBXL_DOMAIN_TYPE_PV:
    case LIBXL_DOMAIN_TYPE_PVH:
        *type = LIBXL_CONSOLE_TYPE_PV;
        break;
    default:
        return ERROR_INVAL;
    }
    *domid = domid_vm;
    *cons_num = 0;
    return 0;
}

int libxl_primary_console_get_tty(libxl_ctx *ctx, uint32_t domid_vm,
                                  char **path)
{
    uint32_t domid;
    int cons_num, rc;
    libxl_console_type type;

    rc = primary_console(ctx, domid_vm, &domid, &cons_num, &type);
    if (rc) return rc;
    return libxl_console_get_tty(ctx, domid, cons_num, type, path);
}

/* ---------------------------------------------------------- xenconsole */

/*
 * Replaces the process with xenconsole DOMID --num N --type T
 * [--start-notify-fd FD]; returns (ERROR_FAIL) only if that cannot be
 * done, silently for a type xenconsole has no name for, as libxl.
 */
int libxl_console_exec(libxl_ctx *ctx, uint32_t domid, int cons_num,
                       libxl_console_type type, int notify_fd)
{
    GC_INIT(ctx);
    const char *prog = PRIVATE_BINDIR "/xenconsole";
    const char *kind;

    switch (type) {
    case LIBXL_CONSOLE_TYPE_PV:     kind = "pv"; break;
    case LIBXL_CONSOLE_TYPE_SERIAL: kind = "serial"; break;
    case LIBXL_CONSOLE_TYPE_VUART:  kind = "vuart"; break;
    default:                        return ERROR_FAIL;
    }
    /* (libxl prints the domid as a signed number) */
    const char *domid_s = GCSPRINTF("%d", (int)domid);
    const char *num_s = GCSPRINTF("%d", cons_num);

    if (notify_fd != -1)
        execl(prog, prog, domid_s, "--num", num_s, "--type", kind,
              "--start-notify-fd", GCSPRINTF("%d", notify_fd), (char *)NULL);
    else
        execl(prog, prog, domid_s, "--num", num_s, "--type", kind,
              (char *)NULL);
    return ERROR_FAIL;
}

int libxl_primary_console_exec(libxl_ctx *ctx, uint32_t domid_vm,
                               int notify_fd)
{
    uint32_t domid;
    int cons_num, rc;
    libxl_console_type type;

    rc = primary_console(ctx, domid_vm, &domid, &cons_num, &type);
    if (rc) return rc;
    return libxl_console_exec(ctx, domid, cons_num, type, notify_fd);
}

/* ----------------------------------------------------------- vncviewer */

/* glibc's atoi, without its undefined overflow: strtol's value cut to
 * an int's width (two's complement). */
static int atoi_wrapping(const char *s)
{
    return (int)(unsigned int)(unsigned long)strtol(s, NULL, 10);
}

/*
 * An unlinked temporary file holding pass, positioned at its start, for
 * the viewer's standard input; -1 (logged) on failure.
 */
static int password_file(libxl_ctx *ctx, uint32_t domid, const char *pass)
{
    char name[] = "/tmp/vncautopass.XXXXXX";
    int fd = mkstemp(name);

    if (fd < 0) {
        LOGED(ctx, ERROR, domid, "mkstemp %s failed", name);
        return -1;
    }
    if (unlink(name)) {
        LOGED(ctx, ERROR, domid, "unlink %s failed", name);
        goto fail;
    }
    if (libxl_write_exactly(ctx, fd, pass, (ssize_t)strlen(pass), name,
                            "vnc password"))
        goto fail;
    if (lseek(fd, 0, SEEK_SET)) {
        LOGED(ctx, ERROR, domid, "rewind %s (autopass) failed", name);
        goto fail;
    }
    return fd;

fail:
    /* (libxl leaves it open; nothing else will use it here) */
    close(fd);
    return -1;
}

/*
 * Replaces the process with `vncviewer HOST:DISPLAY [-autopass]` (the
 * program from $VNCVIEWER, else vncviewer from PATH): HOST from
 * console/vnc-listen (localhost without it), DISPLAY from console/vnc-port
 * less 5900, and with autopass the password of console/vnc-pass on its
 * standard input. Returns ERROR_FAIL (logged) if it cannot be set up; an
 * exec that fails ends the process, as libxl's does.
 */
int libxl_vncviewer_exec(libxl_ctx *ctx, uint32_t domid, int autopass)
{
    GC_INIT(ctx);
    const char *dir = GCSPRINTF("/local/domain/%d/console", (int)domid);
    const char *port_s, *listen, *pass = NULL, *prog;
    int pass_fd = -1;
    char *argv[4] = { NULL };

    port_s = libxl__xs_read_checked(gc, XBT_NULL,
                                    GCSPRINTF("%s/vnc-port", dir), NODE_MAX);
    if (!port_s) {
        LOGD(ctx, ERROR, domid, "Cannot get vnc-port");
        return ERROR_FAIL;
    }
    /* the display number, as libxl's int arithmetic gives it */
    int display = (int)((unsigned int)atoi_wrapping(port_s) - 5900u);

    listen = libxl__xs_read_checked(gc, XBT_NULL,
                                    GCSPRINTF("%s/vnc-listen", dir), NODE_MAX);
    if (autopass)
        pass = libxl__xs_read_checked(gc, XBT_NULL,
                                      GCSPRINTF("%s/vnc-pass", dir), NODE_MAX);
    if (!listen)
        listen = "localhost";
    prog = getenv("VNCVIEWER");
    if (!prog)
        prog = "vncviewer";

    argv[0] = (char *)prog;
    argv[1] = GCSPRINTF("%s:%d", listen, display);
    if (pass) {
        pass_fd = password_file(ctx, domid, pass);
        if (pass_fd < 0)
            return ERROR_FAIL;
        argv[2] = (char *)"-autopass";
        if (pass_fd != STDIN_FILENO) {
            dup2(pass_fd, STDIN_FILENO);
            close(pass_fd);
        }
    }
    signal(SIGPIPE, SIG_DFL);        /* what a program may expect to get */
    execvp(prog, argv);
    fprintf(stderr, "libxl: cannot execute %s: %s\n", prog, strerror(errno));
    _exit(-1);
}
