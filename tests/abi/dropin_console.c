/*
 * dropin_console.c: the drop-in probe of the console calls, the VNC viewer,
 * QEMU's human monitor and the domid history (libxl_console_get_tty,
 * _primary_console_get_tty, _console_exec, _primary_console_exec,
 * _vncviewer_exec, _qemu_monitor_command, _clear_domid_history, and the
 * record libxl_domain_destroy leaves). Built against Debian's headers and
 * library (dropin-console-debian) and against lightcore's
 * (dropin-console-ours); tests/integration/ops/test_dropin_console.c runs
 * it and compares what each run prints.
 *
 * Commands (one per run):
 *   tty DOMID NUM TYPE       libxl_console_get_tty (TYPE: a number)
 *   primary DOMID            libxl_primary_console_get_tty
 *   exec DOMID NUM TYPE FD   libxl_console_exec (replaces the probe)
 *   pexec DOMID FD           libxl_primary_console_exec (the same)
 *   vnc DOMID AUTOPASS       libxl_vncviewer_exec (the same)
 *   monitor DOMID [CMD]      libxl_qemu_monitor_command (no CMD: a NULL
 *                            output pointer)
 *   destroy DOMID            libxl_domain_destroy
 *   clear                    libxl_clear_domid_history
 * Each prints its rc, and what it got; error log lines are printed too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level < XTL_ERROR) return;       /* debug and info lines differ */
    probe_log_print(level, errnoval, context, msg);
}

int main(int argc, char **argv)
{
    libxl_ctx *ctx;
    char *out = (char *)"untouched";
    int rc;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) return 2;
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 1;
    uint32_t domid = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 0;
    const char *cmd = argv[1];

    if (!strcmp(cmd, "tty") && argc == 5) {
        rc = libxl_console_get_tty(ctx, domid, atoi(argv[3]),
                                   (libxl_console_type)atoi(argv[4]), &out);
        printf("tty rc=%d path=%s\n", rc, out);
    } else if (!strcmp(cmd, "primary") && argc == 3) {
        rc = libxl_primary_console_get_tty(ctx, domid, &out);
        printf("primary rc=%d path=%s\n", rc, out);
    } else if (!strcmp(cmd, "exec") && argc == 6) {
        printf("exec\n");
        rc = libxl_console_exec(ctx, domid, atoi(argv[3]),
                                (libxl_console_type)atoi(argv[4]),
                                atoi(argv[5]));
        printf("exec returned rc=%d\n", rc);
    } else if (!strcmp(cmd, "pexec") && argc == 4) {
        printf("pexec\n");
        rc = libxl_primary_console_exec(ctx, domid, atoi(argv[3]));
        printf("pexec returned rc=%d\n", rc);
    } else if (!strcmp(cmd, "vnc") && argc == 4) {
        printf("vnc\n");
        rc = libxl_vncviewer_exec(ctx, domid, atoi(argv[3]));
        printf("vnc returned rc=%d\n", rc);
    } else if (!strcmp(cmd, "monitor") && (argc == 3 || argc == 4)) {
        rc = libxl_qemu_monitor_command(ctx, domid, argc == 4 ? argv[3] : "",
                                        argc == 4 ? &out : NULL, NULL);
        printf("monitor rc=%d output=[%s]\n", rc, rc ? "-" : out);
    } else if (!strcmp(cmd, "destroy") && argc == 3) {
        rc = libxl_domain_destroy(ctx, domid, NULL);
        printf("destroy rc=%d\n", rc);
    } else if (!strcmp(cmd, "clear") && argc == 2) {
        rc = libxl_clear_domid_history(ctx);
        printf("clear rc=%d\n", rc);
    } else {
        return 2;
    }
    if (strcmp(out, "untouched") && !rc)
        free(out);
    libxl_ctx_free(ctx);
    return 0;
}
