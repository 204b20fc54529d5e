/*
 * test_osevent_glib.c: the osevent hooks driven by a real event library,
 * GLib's main loop (which libvirt's loop is built on): fds through
 * g_unix_fd_add, timeouts through g_timeout_add, cancellation through
 * timeout_modify({0,0}).
 *
 * Built with GLib's flags by tests/unit/unit.mk.
 */

#include <glib.h>
#include <glib-unix.h>
#include <sys/socket.h>

#include "ev/ev_testutil.h"
#include "ev/ev_private.h"
#include "testmain.h"

static xentoollog_logger *lg;
static libxl_ctx *ctx;

/* ------------------------------------------------ hooks over GLib */

typedef struct { int fd; guint id; void *for_libxl; } gfd;
static int fd_registrations;      /* registered through the hooks now */
typedef struct { guint id; void *for_libxl; } gto;

static gboolean gfd_ready(gint fd, GIOCondition cond, gpointer data)
{
    gfd *g = data;
    libxl_osevent_occurred_fd(ctx, g->for_libxl, fd, 0, (short)cond);
    return G_SOURCE_CONTINUE;
}

static guint gfd_add(gfd *g, short events)
{
    GIOCondition c = 0;
    if (events & POLLIN) c |= G_IO_IN;
    if (events & POLLOUT) c |= G_IO_OUT;
    if (events & POLLPRI) c |= G_IO_PRI;
    if (!c) return 0;
    return g_unix_fd_add(g->fd, c | G_IO_ERR | G_IO_HUP, gfd_ready, g);
}

static int h_fd_register(void *user, int fd, void **for_app, short events,
                         void *for_libxl)
{
    (void)user;
    gfd *g = g_new0(gfd, 1);
    g->fd = fd;
    g->for_libxl = for_libxl;
    g->id = gfd_add(g, events);
    *for_app = g;
    fd_registrations++;
    return 0;
}
static int h_fd_modify(void *user, int fd, void **for_app, short events)
{
    (void)user; (void)fd;
    gfd *g = *for_app;
    if (g->id) g_source_remove(g->id);
    g->id = gfd_add(g, events);
    return 0;
}
static void h_fd_deregister(void *user, int fd, void *for_app)
{
    (void)user; (void)fd;
    gfd *g = for_app;
    if (g->id) g_source_remove(g->id);
    g_free(g);
    fd_registrations--;
}
static gboolean gto_fire(gpointer data)
{
    gto *g = data;
    void *tok = g->for_libxl;
    g_free(g);   /* the registration ends as it occurs */
    libxl_osevent_occurred_timeout(ctx, tok);
    return G_SOURCE_REMOVE;
}
static int h_to_register(void *user, void **for_app, struct timeval abs,
                         void *for_libxl)
{
    (void)user;
    gto *g = g_new0(gto, 1);
    gint64 us = (gint64)abs.tv_sec * 1000000 + abs.tv_usec - g_get_real_time();
    g->for_libxl = for_libxl;
    g->id = g_timeout_add(us <= 0 ? 0 : (guint)((us + 999) / 1000), gto_fire, g);
    *for_app = g;
    return 0;
}
static int h_to_modify(void *user, void **for_app, struct timeval abs)
{
    (void)user; (void)abs;
    gto *g = *for_app;
    g_source_remove(g->id);
    g->id = g_timeout_add(0, gto_fire, g);
    return 0;
}
static const libxl_osevent_hooks ghooks = {
    .fd_register = h_fd_register, .fd_modify = h_fd_modify,
    .fd_deregister = h_fd_deregister, .timeout_register = h_to_register,
    .timeout_modify = h_to_modify,
};

static gboolean give_up(gpointer data)
{
    (void)data;
    ck_abort_msg("GLib loop: nothing happened within 10 s");
    return G_SOURCE_REMOVE;
}

/* Iterate GLib's loop until *flag. */
static void run_until(int *flag)
{
    guint guard = g_timeout_add(10000, give_up, NULL);
    while (!*flag) g_main_context_iteration(NULL, TRUE);
    g_source_remove(guard);
}

static void setup(void)
{
    lg = testlog_new();
    ctx = t_ctx(lg);
    libxl_osevent_register_hooks(ctx, &ghooks, NULL);
}
static void teardown(void)
{
    libxl_ctx_free(ctx);
    /* run what is left (cancelled timeouts: late occurred calls must be
     * harmless, but not after free, so drain them before) */
    xtl_logger_destroy(lg);
}

TEST_FIXTURE(setup, teardown);

/* Run what GLib has ready, without blocking. */
static void loop_drain(void)
{
    while (g_main_context_iteration(NULL, FALSE)) ;
}

#include "ev/loop_scenarios.h"
