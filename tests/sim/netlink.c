/*
 * netlink.c: the network interfaces the simulated netback makes for its
 * vifs (vifD.N), over rtnetlink: a dummy link, or a veth pair where the
 * kernel has no dummy driver. Only ever inside a private network
 * namespace: netlink_check_private() refuses any other.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "drivers.h"

/* Only loopback interfaces: a namespace just made by unshare -n. */
static bool only_loopback(void)
{
    struct if_nameindex *all = if_nameindex();
    if (!all)
        return false;
    bool only = true;
    for (struct if_nameindex *i = all; i->if_index; i++)
        if (strcmp(i->if_name, "lo"))
            only = false;
    if_freenameindex(all);
    return only;
}

int netlink_check_private(const char *want)
{
    char self[64], init[64];
    ssize_t n = readlink("/proc/self/ns/net", self, sizeof(self) - 1);
    if (n <= 0)
        return errno ? errno : EIO;
    self[n] = 0;
    if (!strncmp(want, "net:[", 5))
        return strcmp(want, self) ? EPERM : 0;     /* the caller's namespace */
    n = readlink("/proc/1/ns/net", init, sizeof(init) - 1);
    if (n > 0) {
        init[n] = 0;
        return strcmp(init, self) ? 0 : EPERM;     /* not the machine's */
    }
    /* init's is out of sight: a namespace with nothing but loopback is
     * a new one, never the machine's */
    return only_loopback() ? 0 : EPERM;
}

struct req {
    struct nlmsghdr n;
    struct ifinfomsg i;
    char attrs[512];
};

static struct rtattr *put(struct req *r, unsigned short type, const void *data, size_t len)
{
    size_t at = NLMSG_ALIGN(r->n.nlmsg_len);
    if (at + RTA_SPACE(len) > sizeof(*r))
        return NULL;
    struct rtattr *a = (struct rtattr *)((char *)r + at);
    a->rta_type = type;
    a->rta_len = (unsigned short)RTA_LENGTH(len);
    if (len)
        memcpy(RTA_DATA(a), data, len);
    r->n.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
    return a;
}

static void end_nest(struct req *r, struct rtattr *nest)
{
    nest->rta_len = (unsigned short)((char *)r + r->n.nlmsg_len - (char *)nest);
}

/* Send one request and read its acknowledgement: 0 or the kernel's errno. */
static int talk(struct req *r)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return errno;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    int e = 0;
    if (sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        e = errno;
    char buf[4096];
    while (!e) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            break;
        }
        struct nlmsghdr *h = (struct nlmsghdr *)buf;
        if (!NLMSG_OK(h, (unsigned)n)) {
            e = EIO;
            break;
        }
        if (h->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *err = NLMSG_DATA(h);
            e = -err->error;
            break;
        }
    }
    close(fd);
    return e;
}

static void start(struct req *r, uint16_t type, uint16_t flags)
{
    memset(r, 0, sizeof(*r));
    r->n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
    r->n.nlmsg_type = type;
    r->n.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
    r->n.nlmsg_seq = 1;
    r->i.ifi_family = AF_UNSPEC;
}

static int add_kind(const char *ifname, const char *kind)
{
    struct req r;
    start(&r, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
    if (!put(&r, IFLA_IFNAME, ifname, strlen(ifname) + 1))
        return E2BIG;
    struct rtattr *info = put(&r, IFLA_LINKINFO, NULL, 0);
    if (!info || !put(&r, IFLA_INFO_KIND, kind, strlen(kind)))
        return E2BIG;
    if (!strcmp(kind, "veth")) {
        /* the peer: no attributes, the kernel names it */
        struct rtattr *data = put(&r, IFLA_INFO_DATA, NULL, 0);
        struct ifinfomsg peer = { .ifi_family = AF_UNSPEC };
        struct rtattr *p = data ? put(&r, VETH_INFO_PEER, &peer, sizeof(peer)) : NULL;
        if (!p)
            return E2BIG;
        end_nest(&r, p);
        end_nest(&r, data);
    }
    end_nest(&r, info);
    return talk(&r);
}

int netlink_add(const char *ifname)
{
    if (!*ifname || strlen(ifname) >= IFNAMSIZ)
        return ENAMETOOLONG;
    int e = add_kind(ifname, "dummy");
    if (e == EOPNOTSUPP || e == ENOENT || e == EINVAL)
        e = add_kind(ifname, "veth");
    return e;
}

int netlink_del(const char *ifname)
{
    unsigned idx = if_nametoindex(ifname);
    if (!idx)
        return ENODEV;
    struct req r;
    start(&r, RTM_DELLINK, 0);
    r.i.ifi_index = (int)idx;
    return talk(&r);
}
