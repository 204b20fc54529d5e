/*
 * xscount.c: an LD_PRELOAD library for the benches that counts the
 * xenstore requests a process sends, the same way whichever library (and
 * whichever xenstore client inside it) sends them.
 *
 * It wraps connect() and remembers the sockets connected to xenstored's
 * unix socket ($XENSTORED_PATH); on those sockets, write(), writev(),
 * send(), sendto() and sendmsg() are followed as a byte stream and every
 * wire message is counted once its 16-byte header (type, req_id, tx_id,
 * len) has gone out, however the writes split it. close() forgets a socket.
 *
 * Only the process that loaded it counts: at load it records its pid and
 * takes itself out of LD_PRELOAD in the environment, so the hotplug
 * scripts the library runs (and their xenstore-write) are neither counted
 * nor preloaded.
 *
 * With $XSCOUNT_LOG set, each message is also appended to that file as a
 * line (type number, then the start of its payload, NULs shown as " ").
 *
 * The counts are read by the measured program through dlsym(RTLD_DEFAULT,
 * "xscount_total") and "xscount_of_type"; absent when not preloaded.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_FDS   4096
#define MAX_TYPES 64
#define HDR_LEN   16

struct stream {
    int tracked;
    unsigned have;             /* header bytes seen of the current message */
    unsigned char hdr[HDR_LEN];
    uint32_t body_left;        /* payload bytes still to come */
    uint32_t type;             /* of the current message */
    unsigned kept;             /* payload bytes kept for the log */
    char body[120];
};

static struct stream streams[MAX_FDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long total, by_type[MAX_TYPES];
static pid_t owner;
static FILE *log_file;         /* $XSCOUNT_LOG: one line per message */

static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_writev)(int, const struct iovec *, int);
static ssize_t (*real_send)(int, const void *, size_t, int);
static ssize_t (*real_sendto)(int, const void *, size_t, int,
                              const struct sockaddr *, socklen_t);
static ssize_t (*real_sendmsg)(int, const struct msghdr *, int);
static int (*real_close)(int);

/* Drop this library's path from LD_PRELOAD (the variable goes if nothing
 * else is left in it). */
static void unpreload_self(void)
{
    Dl_info info;
    const char *old = getenv("LD_PRELOAD");
    if (!old || !dladdr((void *)unpreload_self, &info) || !info.dli_fname)
        return;
    const char *base = strrchr(info.dli_fname, '/');
    base = base ? base + 1 : info.dli_fname;
    size_t size = strlen(old) + 1, used = 0;
    char *copy = strdup(old), *kept = calloc(1, size), *save = NULL;
    if (!copy || !kept) goto out;
    for (char *tok = strtok_r(copy, ": ", &save); tok;
         tok = strtok_r(NULL, ": ", &save)) {
        const char *tb = strrchr(tok, '/');
        if (!strcmp(tb ? tb + 1 : tok, base)) continue;
        used += (size_t)snprintf(kept + used, size - used, "%s%s",
                                 used ? ":" : "", tok);
    }
    if (used) setenv("LD_PRELOAD", kept, 1);
    else unsetenv("LD_PRELOAD");
out:
    free(copy);
    free(kept);
}

__attribute__((constructor)) static void xscount_init(void)
{
    real_connect = (int (*)(int, const struct sockaddr *, socklen_t))
        dlsym(RTLD_NEXT, "connect");
    real_write = (ssize_t (*)(int, const void *, size_t))
        dlsym(RTLD_NEXT, "write");
    real_writev = (ssize_t (*)(int, const struct iovec *, int))
        dlsym(RTLD_NEXT, "writev");
    real_send = (ssize_t (*)(int, const void *, size_t, int))
        dlsym(RTLD_NEXT, "send");
    real_sendto = (ssize_t (*)(int, const void *, size_t, int,
                               const struct sockaddr *, socklen_t))
        dlsym(RTLD_NEXT, "sendto");
    real_sendmsg = (ssize_t (*)(int, const struct msghdr *, int))
        dlsym(RTLD_NEXT, "sendmsg");
    real_close = (int (*)(int))dlsym(RTLD_NEXT, "close");
    owner = getpid();
    const char *log_path = getenv("XSCOUNT_LOG");
    if (log_path && *log_path) log_file = fopen(log_path, "a");
    unsetenv("XSCOUNT_LOG");
    unpreload_self();
}

unsigned long long xscount_total(void);
unsigned long long xscount_of_type(unsigned type);

unsigned long long xscount_total(void)
{
    pthread_mutex_lock(&lock);
    unsigned long long n = total;
    pthread_mutex_unlock(&lock);
    return n;
}

unsigned long long xscount_of_type(unsigned type)
{
    pthread_mutex_lock(&lock);
    unsigned long long n = type < MAX_TYPES ? by_type[type] : 0;
    pthread_mutex_unlock(&lock);
    return n;
}

static int counting(int fd)
{
    return fd >= 0 && fd < MAX_FDS && getpid() == owner;
}

static void log_message(struct stream *s)
{
    if (!log_file) return;
    for (unsigned i = 0; i < s->kept; i++)
        if (s->body[i] == '\0' || s->body[i] == '\n') s->body[i] = ' ';
    fprintf(log_file, "%u %.*s\n", s->type, (int)s->kept, s->body);
    fflush(log_file);
}

/* n bytes that went out on fd. Called with the lock held. */
static void feed(struct stream *s, const unsigned char *p, size_t n)
{
    while (n) {
        if (s->body_left) {
            size_t take = n < s->body_left ? n : s->body_left;
            for (size_t i = 0; i < take && s->kept < sizeof(s->body); i++)
                s->body[s->kept++] = (char)p[i];
            s->body_left -= (uint32_t)take;
            p += take;
            n -= take;
            if (!s->body_left) log_message(s);
            continue;
        }
        size_t take = HDR_LEN - s->have;
        if (take > n) take = n;
        memcpy(s->hdr + s->have, p, take);
        s->have += (unsigned)take;
        p += take;
        n -= take;
        if (s->have == HDR_LEN) {
            uint32_t type, len;
            memcpy(&type, s->hdr, 4);
            memcpy(&len, s->hdr + 12, 4);
            total++;
            by_type[type < MAX_TYPES ? type : MAX_TYPES - 1]++;
            s->body_left = len;
            s->have = 0;
            s->type = type;
            s->kept = 0;
            if (!len) log_message(s);
        }
    }
}

static void sent(int fd, const struct iovec *iov, int iovcnt, ssize_t r)
{
    if (r <= 0 || !counting(fd)) return;
    pthread_mutex_lock(&lock);
    struct stream *s = &streams[fd];
    if (s->tracked) {
        size_t left = (size_t)r;
        for (int i = 0; i < iovcnt && left; i++) {
            size_t n = iov[i].iov_len < left ? iov[i].iov_len : left;
            feed(s, iov[i].iov_base, n);
            left -= n;
        }
    }
    pthread_mutex_unlock(&lock);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
    int r = real_connect(fd, addr, len), saved = errno;
    const char *path = getenv("XENSTORED_PATH");
    if (counting(fd) && addr && addr->sa_family == AF_UNIX && path &&
        (r == 0 || saved == EINPROGRESS)) {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)addr;
        if (!strncmp(sun->sun_path, path, sizeof(sun->sun_path))) {
            pthread_mutex_lock(&lock);
            memset(&streams[fd], 0, sizeof(streams[fd]));
            streams[fd].tracked = 1;
            pthread_mutex_unlock(&lock);
        }
    }
    errno = saved;
    return r;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    ssize_t r = real_write(fd, buf, n);
    int saved = errno;
    struct iovec iov = { (void *)buf, n };
    sent(fd, &iov, 1, r);
    errno = saved;
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    ssize_t r = real_writev(fd, iov, iovcnt);
    int saved = errno;
    sent(fd, iov, iovcnt, r);
    errno = saved;
    return r;
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    ssize_t r = real_send(fd, buf, n, flags);
    int saved = errno;
    struct iovec iov = { (void *)buf, n };
    sent(fd, &iov, 1, r);
    errno = saved;
    return r;
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags,
               const struct sockaddr *to, socklen_t tolen)
{
    ssize_t r = real_sendto(fd, buf, n, flags, to, tolen);
    int saved = errno;
    struct iovec iov = { (void *)buf, n };
    sent(fd, &iov, 1, r);
    errno = saved;
    return r;
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    ssize_t r = real_sendmsg(fd, msg, flags);
    int saved = errno;
    sent(fd, msg->msg_iov, (int)msg->msg_iovlen, r);
    errno = saved;
    return r;
}

int close(int fd)
{
    if (counting(fd)) {
        pthread_mutex_lock(&lock);
        streams[fd].tracked = 0;
        pthread_mutex_unlock(&lock);
    }
    return real_close(fd);
}
