/*
 * xsclient.h: a small xenstore wire-protocol client for the simulator's
 * CLI and guests, over xenstored's unix socket (dom0, pipelining allowed)
 * or over a domain's 1 KiB ring page (a guest, chunked, with events).
 */
#ifndef XENSIM_XSCLIENT_H
#define XENSIM_XSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

struct xs_msg {
    struct xsd_sockmsg hdr;
    char *body;                 /* hdr.len bytes + a NUL; caller frees */
};

struct xsc_event {
    struct xsc_event *next;
    char *path, *token;
};

struct xsc {
    int fd;                      /* socket, or -1 on a ring */
    uint32_t domid;              /* ring: the guest's domain */
    int evfd;                    /* ring: the guest's event socket */
    struct xenstore_domain_interface *ring;
    uint32_t next_req;
    int timeout_ms;              /* per call; default 10 s */
    struct xsc_event *events, **events_tail;
};

int  xsc_open_socket(struct xsc *c, const char *path);
/* Guest side of domid's ring; evfd from xensim_guest_attach(). */
void xsc_open_ring(struct xsc *c, uint32_t domid, int evfd);
void xsc_close(struct xsc *c);

/* Queue one request without waiting (pipelining); 0 or errno. */
int  xsc_send(struct xsc *c, uint32_t type, uint32_t tx, const void *p, size_t len,
              uint32_t *req_id);
/* Next message from xenstored (reply or watch event); 0 or errno. */
int  xsc_recv(struct xsc *c, struct xs_msg *m, int timeout_ms);
/* Request and wait for its reply (watch events are queued). Returns 0 or
 * the errno xenstored answered; *reply (if asked) is NUL-terminated. */
int  xsc_call(struct xsc *c, uint32_t type, uint32_t tx, const void *p, size_t len,
              char **reply, uint32_t *rlen);
/* Wait for a watch event (queued or new); 0, ETIMEDOUT or errno. */
int  xsc_event(struct xsc *c, char **path, char **token, int timeout_ms);

/* Convenience. */
int  xsc_write(struct xsc *c, uint32_t tx, const char *path, const void *v, size_t len);
int  xsc_read(struct xsc *c, uint32_t tx, const char *path, char **value);
int  xsc_rm(struct xsc *c, uint32_t tx, const char *path);
int  xsc_watch(struct xsc *c, const char *path, const char *token);
/* Build a payload of NUL-separated strings; returns its length. */
size_t xsc_strings(char *buf, size_t size, const char *const *v, int n);
/* Map xenstored's error name ("ENOENT") to an errno value. */
int  xsc_errno(const char *name);

#endif
