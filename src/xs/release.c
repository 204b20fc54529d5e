/*
 * xs/release.c: the ctx's shared @releaseDomain watch and its users
 * (contract in xs/release.h). It owns CTX_XS_RELEASE(ctx); it knows
 * nothing of what its users do with the event.
 */
#include "xs/release.h"

void libxl__xs_release_init(libxl__xs_release *r)
{
    r->callback = NULL;
}

static void release_fired(libxl__egc *egc, libxl__ev_xswatch *w,
                          const char *watch_path, const char *event_path)
{
    libxl__xs_release_state *st = CTX_XS_RELEASE(egc->ctx);
    libxl__xs_release *r;
    (void)w; (void)watch_path; (void)event_path;

    /* A callback may deregister any user, the next one included:
     * deregistering st->iter moves it on. Users registered meanwhile are
     * at the tail and hear this event too (a spurious one is allowed). */
    st->iter = XEN_TAILQ_FIRST(&st->users);
    while ((r = st->iter)) {
        st->iter = XEN_TAILQ_NEXT(r, entry);
        r->callback(egc, r);
    }
}

int libxl__xs_release_register(libxl_ctx *ctx, libxl__xs_release *r,
                               libxl__xs_release_callback *cb)
{
    libxl__xs_release_state *st = CTX_XS_RELEASE(ctx);

    if (!libxl__ev_xswatch_isregistered(&st->watch)) {
        int rc = libxl__ev_xswatch_register(ctx, &st->watch, release_fired,
                                            "@releaseDomain");
        if (rc) return rc;
    }
    r->callback = cb;
    XEN_TAILQ_INSERT_TAIL(&st->users, r, entry);
    return 0;
}

void libxl__xs_release_deregister(libxl_ctx *ctx, libxl__xs_release *r)
{
    libxl__xs_release_state *st = CTX_XS_RELEASE(ctx);

    if (!r->callback) return;
    if (st->iter == r) st->iter = XEN_TAILQ_NEXT(r, entry);
    XEN_TAILQ_REMOVE(&st->users, r, entry);
    r->callback = NULL;
    if (XEN_TAILQ_EMPTY(&st->users) && !st->keep)
        libxl__ev_xswatch_deregister(ctx, &st->watch);
}

void libxl__xs_release_keep(libxl_ctx *ctx)
{
    CTX_XS_RELEASE(ctx)->keep = true;
}

static void release_init(libxl_ctx *ctx)
{
    libxl__xs_release_state *st = CTX_XS_RELEASE(ctx);

    libxl__ev_xswatch_init(&st->watch);
    XEN_TAILQ_INIT(&st->users);
    st->iter = NULL;
    st->keep = false;
}

/* Every user has deregistered by now (the layers above are disposed
 * first); a kept watch goes here. */
static void release_dispose(libxl_ctx *ctx)
{
    libxl__ev_xswatch_deregister(ctx, &CTX_XS_RELEASE(ctx)->watch);
}

const libxl__module libxl__module_xs_release = {
    .name = "xs_release", .init = release_init, .dispose = release_dispose,
};
