/*
 * subop/qmp.h: a client of QEMU's machine protocol (QMP) over a unix
 * socket, as a reusable asynchronous sub-operation: connect (retrying
 * while the socket is not there yet), greeting, capabilities handshake,
 * then one command at a time with its reply, abortable and bounded by a
 * timeout, called with the ctx lock held. It speaks the protocol and
 * nothing more: it knows no command's meaning and no device model.
 */
#ifndef LIGHTCORE_SUBOP_QMP_H
#define LIGHTCORE_SUBOP_QMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "ao/ao.h"
#include "child/child.h"

/* Where libxl 4.17 has a domain's device model listen for QMP:
 * /var/run/xen/qmp-libxl-DOMID (from gc). */
char *libxl__qmp_socket_path(libxl__gc *gc, uint32_t domid);

/* The defaults of the fields left 0 (see below). */
#define LIBXL__QMP_DEFAULT_MAX_MESSAGE (1024 * 1024)  /* bytes: libxl's */
#define LIBXL__QMP_CONNECT_RETRY_MS    100

/*
 * One QMP connection, used for one command after another.
 *
 * Connecting. The caller fills in the public fields (after
 * libxl__qmp_init) and calls libxl__qmp_send(qmp, cmd, args, payload_fd).
 * If qmp is not connected, _send first connects to path: a socket that
 * does not exist yet or refuses the connection (ENOENT, ECONNREFUSED,
 * EAGAIN: the device model is still starting, or a stale socket file is
 * left) is tried again every LIBXL__QMP_CONNECT_RETRY_MS ms, no attempt
 * starting later than connect_timeout_ms after _send (0: one attempt).
 * Then it waits for the server's greeting (recording QEMU's version) and
 * negotiates capabilities (`qmp_capabilities`, no optional capability).
 *
 * A command goes out as one line,
 *     {"execute":CMD,"id":N,"arguments":ARGS}\r\n
 * ("arguments" only if args is not NULL; ids count up per connection from
 * 0x786c7100, as libxl's do), and its reply is the message whose "id" is
 * N. Asynchronous events (messages with "event") are skipped wherever
 * they come. While qmp is connected and no command is under way nothing
 * is read (events wait in the socket until the next command).
 *
 * _send returns
 *  - 0: callback(egc, qmp, rc, response) follows exactly once, from the
 *    event loop (never from inside _send):
 *     - rc 0: QEMU answered {"return": VALUE}; response is VALUE (NULL
 *       when VALUE is JSON null);
 *     - rc ERROR_QMP_GENERIC_ERROR, ERROR_QMP_COMMAND_NOT_FOUND,
 *       ERROR_QMP_DEVICE_NOT_ACTIVE, ERROR_QMP_DEVICE_NOT_FOUND: QEMU
 *       answered {"error": {"class": CLASS, "desc": DESC}} with CLASS
 *       GenericError, CommandNotFound, DeviceNotActive or DeviceNotFound
 *       (ignoring case, as libxl matches them); ERROR_UNKNOWN_QMP_ERROR
 *       for any other class. DESC is logged (ERROR), as libxl does;
 *       response is the "error" object, for a caller that wants to look.
 *      After these two, qmp is still connected: the callback may _send
 *      the next command (or do so later, from another callback of the
 *      same ao), or libxl__qmp_close. response and everything in it is
 *      valid during the callback only (json_object_get what you keep).
 *     - any other rc, response NULL, and qmp is already closed (Idle):
 *       the callback may free it or reuse it (the next _send connects
 *       again); closing it again is a no-op:
 *       ERROR_ABORTED: ao was aborted;
 *       ERROR_TIMEDOUT (logged): no reply timeout_ms after _send
 *         (connecting and the handshake count);
 *       ERROR_FAIL (logged): the socket could not be connected to in
 *         time, or reading or writing it failed;
 *       ERROR_PROTOCOL_ERROR_QMP (logged): the server went away (end of
 *         file, a reset connection: QEMU exited or was killed) or broke
 *         the protocol: a line that is not one JSON object, a message of
 *         no known kind, a second greeting, a reply without an integer
 *         "id", with an id other than the one awaited, or before the
 *         command was sent in full, a malformed error, the capabilities
 *         refused;
 *       ERROR_BUFFERFULL (logged): a message longer than max_message;
 *       ERROR_NOMEM.
 *    command_sent says whether the whole command reached the socket:
 *    after an abort or a timeout with command_sent set, QEMU may or may
 *    not have executed it.
 *  - an error, with no callback and nothing registered or sent:
 *    ERROR_INVAL (logged) for a missing cmd / path / callback, a path too
 *    long for a unix socket, args that are not a JSON object, timeout_ms
 *    <= 0, or a command already under way; ERROR_ABORTED if ao is
 *    already aborting; ERROR_FAIL (logged) if no socket could be made or
 *    the first connect(2) failed with no retry allowed (an error retrying
 *    cannot cure, or connect_timeout_ms 0: then logged in libxl's words,
 *    "Failed to connect to QMP socket PATH"); ERROR_NOMEM. A qmp that was
 *    connected stays connected (close it).
 *
 * cmd and args are serialised inside _send: they need only last until it
 * returns (args stays the caller's: its reference count is unchanged).
 *
 * payload_fd: -1, or an fd passed to QEMU with the command (SCM_RIGHTS,
 * with its first byte), for `add-fd` or `getfd`. It stays the caller's,
 * who must keep it open until the callback (and close it then).
 *
 * Lifetime: the connection is a socket (close-on-exec and on the
 * careful-fd list: no child inherits it) and malloc'ed buffers, released
 * by libxl__qmp_close, which may be called at any time (from any callback
 * too), stops whatever is under way with no callback, and is idempotent.
 * Close qmp before freeing it or completing its operation (unless its
 * last callback had a "closed" result). One qmp serves one ao.
 *
 * QEMU's monitor serves one client at a time: a second connection is
 * accepted only when the first has gone (until then it waits for its
 * greeting, up to its timeout). libxl 4.17 also serialises its own users
 * of a domain's socket with a lock file (the "qmp-socket-lock" userdata);
 * that lock is the caller's business, not taken here.
 *
 * Bounds on what the server sends: a message is at most max_message
 * bytes (lines end with "\n", a "\r" before it is dropped, blank lines
 * are ignored); its JSON is parsed by json-c's strict mode, at most
 * LIBXL__QMP_MAX_DEPTH deep, with nothing after the value; fds the server
 * sends are never received (the kernel discards them); log lines carry at
 * most 200 bytes of what it sent, control characters as '?', and only
 * the first few events of a command are logged. However fast the server
 * sends, reading pauses (back to the event loop) after
 * LIBXL__QMP_READ_BURST bytes, so a flood cannot hold up the timeout or
 * the rest of the application.
 *
 * Example: two commands on one connection, inside an operation.
 *
 *     typedef struct { libxl__ao *ao; libxl__qmp qmp; } st;
 *     static void cpus_listed(libxl__egc *, libxl__qmp *, int,
 *                             struct json_object *);
 *     static void cpu_added(libxl__egc *, libxl__qmp *, int,
 *                           struct json_object *);
 *     ... in the initiator:
 *         libxl__qmp_init(&s->qmp);
 *         s->qmp.ao = ao;
 *         s->qmp.path = libxl__qmp_socket_path(libxl__ao_gc(ao), domid);
 *         s->qmp.connect_timeout_ms = 5000;
 *         s->qmp.timeout_ms = 10000;
 *         s->qmp.callback = cpus_listed;
 *         rc = libxl__qmp_send(&s->qmp, "query-hotpluggable-cpus", NULL, -1);
 *         if (rc) return AO_CREATE_FAIL(rc);
 *         return AO_INPROGRESS;
 *     static void cpus_listed(libxl__egc *egc, libxl__qmp *qmp, int rc,
 *                             struct json_object *response)
 *     {
 *         st *s = CONTAINER_OF(qmp, st, qmp);
 *         if (rc) goto out;
 *         ... read response (an array), build args (json_object_new_*) ...
 *         qmp->callback = cpu_added;
 *         rc = libxl__qmp_send(qmp, "device_add", args, -1);
 *         json_object_put(args);
 *         if (!rc) return;
 *     out:
 *         libxl__qmp_close(qmp);
 *         libxl__ao_complete(egc, s->ao, rc);
 *     }
 */
#define LIBXL__QMP_MAX_DEPTH 64
#define LIBXL__QMP_READ_BURST (256 * 1024)

typedef struct libxl__qmp libxl__qmp;
typedef void libxl__qmp_callback(libxl__egc *egc, libxl__qmp *qmp, int rc,
                                 struct json_object *response);

enum libxl__qmp_state {
    LIBXL__QMP_IDLE,                  /* not connected */
    LIBXL__QMP_CONNECTING,            /* (re)trying connect(2) */
    LIBXL__QMP_GREETING,              /* connected, awaiting the greeting */
    LIBXL__QMP_CAPABILITIES,          /* qmp_capabilities sent or queued */
    LIBXL__QMP_COMMAND,               /* the command sent or queued */
    LIBXL__QMP_READY,                 /* connected, no command under way */
};

struct libxl__qmp {
    /* set by the caller before _send */
    libxl__ao *ao;
    const char *what;                 /* for log messages, e.g. "QMP" */
    const char *path;                 /* the socket; valid while in use */
    int connect_timeout_ms;           /* retrying connect(2); 0: once */
    int timeout_ms;                   /* from each _send to its reply */
    size_t max_message;               /* 0: the default (1 MiB) */
    libxl__qmp_callback *callback;
    /* results, valid from the greeting on (-1 until then) */
    int qemu_major, qemu_minor, qemu_micro;
    /* results of the current (or last) command */
    bool command_sent;                /* the whole command was written */
    unsigned connect_attempts;        /* connect(2) calls for it */
    unsigned events_skipped;          /* events read meanwhile */
    /* private */
    enum libxl__qmp_state state;
    libxl__carefd *sock;
    libxl__ev_fd sockreg;
    libxl__ao_time deadline;          /* timeout_ms, and the abort */
    libxl__ev_time retry;             /* the next connect attempt */
    libxl__ev_time resume;            /* reading again, after a pause */
    uint64_t connect_until_ns;        /* CLOCK_MONOTONIC */
    int64_t next_id, caps_id, cmd_id;
    char *cmd_line;                   /* the command, until it is sent */
    int payload_fd;
    char *tx;                         /* being written: tx[tx_off..len) */
    size_t tx_len, tx_off;
    bool tx_payload;                  /* payload_fd goes with tx[0] */
    char *rx;                         /* read, not yet parsed */
    size_t rx_size, rx_used, rx_scanned;
    struct json_tokener *tok;
};

/* Idle, every field set (ao NULL, qemu version -1). */
void libxl__qmp_init(libxl__qmp *qmp);
int libxl__qmp_send(libxl__qmp *qmp, const char *cmd,
                    struct json_object *args, int payload_fd);
/* Disconnect and release everything; no callback (Idle again). */
void libxl__qmp_close(libxl__qmp *qmp);
/* A command is under way (a callback will follow). */
static inline bool libxl__qmp_inuse(const libxl__qmp *qmp)
{ return qmp->state != LIBXL__QMP_IDLE && qmp->state != LIBXL__QMP_READY; }
/* Connected, between commands. */
static inline bool libxl__qmp_connected(const libxl__qmp *qmp)
{ return qmp->state == LIBXL__QMP_READY; }

#endif /* LIGHTCORE_SUBOP_QMP_H */
