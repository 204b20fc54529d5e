/*
 * dropin_ops.c: the ABI drop-in probe for asynchronous operations and the
 * domain operations (libxl_ao_abort, libxl_domain_pause / _unpause /
 * _shutdown / _reboot / _destroy). Compiled against Debian's Xen 4.17
 * headers and linked against Debian's libxenlight; run once as it is and
 * once with LD_LIBRARY_PATH pointing at lightcore's build, each time on
 * fresh domains of the same simulated host. It prints what it observes
 * without domids, so the two runs must print the same text.
 *
 * Usage: dropin_ops PLAIN ACKONLY DOOMED [HVM HVMPV]   (domids; DOOMED has
 *        a disk recorded the way libxl records one, and is destroyed; HVM
 *        is an HVM guest whose PV drivers are not up, HVMPV one whose are,
 *        with an ack-only guest)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <xenstore.h>

static libxl_ctx *ctx;
static int callbacks, cb_rc;

static void on_complete(libxl_ctx *c, int rc, void *u)
{
    (void)c;
    if (u != (void *)0x77) printf("  wrong for_callback\n");
    callbacks++;
    cb_rc = rc;
}

static const libxl_asyncop_how cb_how = { .callback = on_complete,
                                          .u.for_callback = (void *)0x77 };

/* Start with a callback; report the call's rc and any callback made
 * before it returned. */
#define ASYNC(label, call) do {                                            \
        callbacks = 0; cb_rc = 999;                                        \
        int rc_ = (call);                                                  \
        printf("%s: rc=%d callbacks_in_call=%d cb_rc=%d\n", label, rc_,    \
               callbacks, callbacks ? cb_rc : 0);                          \
    } while (0)

static const char *paused(uint32_t d)
{
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    int rc = libxl_domain_info(ctx, &info, d);
    const char *s = rc ? "info-failed" : info.paused ? "paused" : "running";
    libxl_dominfo_dispose(&info);
    return s;
}

static void exists(struct xs_handle *xs, const char *label, const char *path)
{
    unsigned n;
    char **l = xs_directory(xs, XBT_NULL, path, &n);
    printf("  %s %s\n", label, l ? "present" : "absent");
    free(l);
}

int main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *lg =
        xtl_createlogger_stdiostream(stderr, XTL_CRITICAL, 0);
    struct xs_handle *xs = xs_open(0);
    char p[160], *vm;
    int rc;

    if ((argc != 4 && argc != 6) || !xs) return 2;
    uint32_t plain = (uint32_t)atoi(argv[1]);
    uint32_t ack = (uint32_t)atoi(argv[2]);
    uint32_t doomed = (uint32_t)atoi(argv[3]);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)lg))
        return 1;

#ifdef LIBXL_HAVE_AO_ABORT
    printf("have ao_abort\n");
#endif
    printf("abort(NULL) none: %d\n", libxl_ao_abort(ctx, NULL));
    printf("abort(how) none: %d\n", libxl_ao_abort(ctx, &cb_how));

    printf("pause missing: %d\n", libxl_domain_pause(ctx, 7777, NULL));
    ASYNC("pause missing async", libxl_domain_pause(ctx, 7777, &cb_how));
    printf("unpause missing: %d\n", libxl_domain_unpause(ctx, 7777, NULL));
    ASYNC("unpause missing async", libxl_domain_unpause(ctx, 7777, &cb_how));
    printf("unpause not paused: %d\n", libxl_domain_unpause(ctx, plain, NULL));

    rc = libxl_domain_pause(ctx, plain, NULL);
    printf("pause: %d %s\n", rc, paused(plain));
    ASYNC("pause async", libxl_domain_pause(ctx, plain, &cb_how));
    printf("  now %s\n", paused(plain));
    rc = libxl_domain_unpause(ctx, plain, NULL);
    printf("unpause: %d %s\n", rc, paused(plain));
    ASYNC("unpause async", libxl_domain_unpause(ctx, plain, &cb_how));
    printf("  now %s\n", paused(plain));

    libxl_asyncop_how ev_how = { .u.for_event = 0x4242 };
    printf("pause event-style: %d\n", libxl_domain_pause(ctx, plain, &ev_how));
    libxl_event *ev = NULL;
    rc = libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL);
    printf("  event_check=%d", rc);
    if (!rc) {
        printf(" type=%s for_user=%#lx domid_matches=%d rc=%d",
               libxl_event_type_to_string(ev->type),
               (unsigned long)ev->for_user, ev->domid == plain,
               ev->u.operation_complete.rc);
        libxl_event_free(ctx, ev);
    }
    printf("\n");
    rc = libxl_domain_unpause(ctx, plain, NULL);
    printf("unpause: %d %s\n", rc, paused(plain));

    printf("shutdown missing: %d\n", libxl_domain_shutdown(ctx, 7777, NULL));
    ASYNC("reboot missing async", libxl_domain_reboot(ctx, 7777, &cb_how));
    printf("reboot ack-only guest: %d\n", libxl_domain_reboot(ctx, ack, NULL));
    snprintf(p, sizeof(p), "/local/domain/%u/control/shutdown", ack);
    char *v = xs_read(xs, XBT_NULL, p, NULL);
    printf("  control/shutdown='%s'\n", v ? v : "(absent)");
    free(v);
    printf("shutdown ack-only guest: %d\n", libxl_domain_shutdown(ctx, ack, NULL));

    if (argc == 6) {
        uint32_t hvm = (uint32_t)atoi(argv[4]);
        uint32_t hvmpv = (uint32_t)atoi(argv[5]);
        printf("shutdown hvm without pv drivers: %d\n",
               libxl_domain_shutdown(ctx, hvm, NULL));
        ASYNC("reboot hvm without pv drivers async",
              libxl_domain_reboot(ctx, hvm, &cb_how));
        ev_how.u.for_event = 0x4343;
        printf("shutdown hvm without pv drivers event-style: %d\n",
               libxl_domain_shutdown(ctx, hvm, &ev_how));
        ev = NULL;
        rc = libxl_event_check(ctx, &ev, LIBXL_EVENTMASK_ALL, NULL, NULL);
        printf("  event_check=%d\n", rc);
        if (!rc) libxl_event_free(ctx, ev);
        snprintf(p, sizeof(p), "/local/domain/%u/control/shutdown", hvm);
        v = xs_read(xs, XBT_NULL, p, NULL);
        printf("  control/shutdown='%s'\n", v ? v : "(absent)");
        free(v);
        static const char *const types[] = { "bogus", "invalid", "pv", "PVH",
                                             NULL };
        snprintf(p, sizeof(p), "/libxl/%u/type", hvm);
        for (int i = 0; i < 5; i++) {
            /* the guest is deaf: a request written is left in place */
            if (types[i]) xs_write(xs, XBT_NULL, p, types[i], strlen(types[i]));
            else xs_rm(xs, XBT_NULL, p);
            ASYNC(types[i] ? types[i] : "(no type)",
                  libxl_domain_shutdown(ctx, hvm, &cb_how));
            if (!libxl_ao_abort(ctx, &cb_how)) printf("  aborted\n");
        }
        xs_write(xs, XBT_NULL, p, "hvm", 3);
        printf("reboot hvm with pv drivers: %d\n",
               libxl_domain_reboot(ctx, hvmpv, NULL));
        snprintf(p, sizeof(p), "/local/domain/%u/control/shutdown", hvmpv);
        v = xs_read(xs, XBT_NULL, p, NULL);
        printf("  control/shutdown='%s'\n", v ? v : "(absent)");
        free(v);
    }

    printf("destroy missing: %d\n", libxl_domain_destroy(ctx, 7777, NULL));
    ASYNC("destroy missing async", libxl_domain_destroy(ctx, 7777, &cb_how));

    snprintf(p, sizeof(p), "/local/domain/%u/vm", doomed);
    vm = xs_read(xs, XBT_NULL, p, NULL);
    printf("destroy: %d\n", libxl_domain_destroy(ctx, doomed, NULL));
    snprintf(p, sizeof(p), "/local/domain/%u", doomed);
    exists(xs, "/local/domain/N", p);
    snprintf(p, sizeof(p), "/libxl/%u", doomed);
    exists(xs, "/libxl/N", p);
    snprintf(p, sizeof(p), "/local/domain/0/backend/vbd/%u/51712", doomed);
    exists(xs, "backend", p);
    exists(xs, "/vm/UUID", vm ? vm : "/vm/none");
    free(vm);
    libxl_dominfo info;
    libxl_dominfo_init(&info);
    rc = libxl_domain_info(ctx, &info, doomed);
    printf("  afterwards: %s\n", rc == ERROR_DOMAIN_NOTFOUND ? "gone-or-dying"
           : rc ? "info-failed" : info.dying ? "gone-or-dying" : "alive");
    libxl_dominfo_dispose(&info);

    printf("ctx_free: %d\n", libxl_ctx_free(ctx));
    xs_close(xs);
    xtl_logger_destroy((xentoollog_logger *)lg);
    return 0;
}
