/*
 * drivers.h: the simulated host's device drivers: dom0's backends
 * (backend.c, a child process of the `xensim host` supervisor), the
 * network interfaces the simulated netback makes (netlink.c) and the
 * guests' frontends (frontend.c, run by `xensim guest`). README.md,
 * "Devices", says what each does.
 */
#ifndef XENSIM_DRIVERS_H
#define XENSIM_DRIVERS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "xsclient.h"

/* ---- backend.c */

/* What a backend does, per frontend domain and kind (`backend-policy`). */
enum backend_policy {
    BEPOL_OBEY,          /* as the real driver */
    BEPOL_NO_INITWAIT,   /* never leaves Initialising (never probed) */
    BEPOL_NO_CONNECT,    /* reaches InitWait, never Connected */
    BEPOL_NO_CLOSE,      /* never reaches Closed (nor lets the device go) */
    BEPOL_COUNT
};
int backend_policy_parse(const char *s);       /* enum value or -1 */

/* Fork the backend drivers, connected to xenstored's socket sock; their
 * log goes to host_dir/backend.log; mask is the signal mask they run
 * with. They die with the caller. Returns the child's pid or -1. */
pid_t backend_spawn(const char *sock, const char *host_dir, const sigset_t *mask);
int cmd_backend_policy(int argc, char **argv);
int cmd_backend_serve(int argc, char **argv);

/* ---- netlink.c */

/* Set (not "0") at host start: the simulated netback creates vifD.N. */
#define NETBACK_LINKS_ENV "XENSIM_NETBACK_LINKS"
/* 0 when this process may make links, given the variable's value want:
 * "net:[N]" (as readlink /proc/self/ns/net) must name this process's
 * network namespace; any other value means one that is not init's (when
 * init's cannot be seen: one with only loopback interfaces). Links are
 * never made in the machine's own namespace. Else EPERM or errno. */
int netlink_check_private(const char *want);
int netlink_add(const char *ifname);           /* 0 or errno */
int netlink_del(const char *ifname);           /* 0 or errno (ENODEV: none) */

/* ---- frontend.c */

struct frontends;
/* The guest's frontend drivers over its ring connection c (not owned). */
struct frontends *frontends_new(struct xsc *c, uint32_t domid, bool enabled);
void frontends_free(struct frontends *f);
/* Register the watch on device/ (its events carry frontends' tokens). */
int  frontends_start(struct frontends *f);
bool frontends_token(const char *token);       /* one of ours? */
void frontends_event(struct frontends *f, const char *path, const char *token);
/* Off: devices are left alone (new ones stay Initialising); on again:
 * every device is looked at. */
void frontends_enable(struct frontends *f, bool on);

#endif
