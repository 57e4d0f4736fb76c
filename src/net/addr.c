/* The SSRF guard's address classifier: which destinations are not globally routable.
 *
 * Threat: a worker makes the host connect to something only the host can reach (its own
 * loopback services, the private network, the cloud metadata endpoint that hands out
 * credentials). The tables follow IANA's IPv4 and IPv6 special-purpose address registries;
 * when in doubt an address is refused, because a refused public address costs a worker one
 * request while an allowed private one can cost the host its credentials. */
#include <string.h>
#include <sys/socket.h>
#include "net/net.h"
#include "util/util.h"

typedef struct {
  uint32_t net; /* host order */
  unsigned bits;
  const char *why;
} v4_range;

/* First match wins: the single addresses come before the ranges that hold them. */
static const v4_range v4_ranges[] = {
    {0xA9FEA9FEu, 32, "the cloud metadata address"},                  /* 169.254.169.254 */
    {0xA83F8110u, 32, "a cloud platform address (Azure WireServer)"}, /* 168.63.129.16 */
    {0xFFFFFFFFu, 32, "the broadcast address"},
    {0x00000000u, 8, "a 'this network' address (0.0.0.0/8)"},
    {0x0A000000u, 8, "a private address (10.0.0.0/8)"},
    {0x64400000u, 10, "a shared address (carrier-grade NAT, 100.64.0.0/10)"},
    {0x7F000000u, 8, "a loopback address"},
    {0xA9FE0000u, 16, "a link-local address (169.254.0.0/16)"},
    {0xAC100000u, 12, "a private address (172.16.0.0/12)"},
    {0xC0000000u, 24, "an IETF protocol address (192.0.0.0/24)"},
    {0xC0000200u, 24, "a documentation address (192.0.2.0/24)"},
    {0xC0586300u, 24, "a 6to4 relay anycast address (192.88.99.0/24)"},
    {0xC0A80000u, 16, "a private address (192.168.0.0/16)"},
    {0xC6120000u, 15, "a benchmarking address (198.18.0.0/15)"},
    {0xC6336400u, 24, "a documentation address (198.51.100.0/24)"},
    {0xCB007100u, 24, "a documentation address (203.0.113.0/24)"},
    {0xE0000000u, 4, "a multicast address"},
    {0xF0000000u, 4, "a reserved address (240.0.0.0/4)"},
};

static const char *v4_refusal(const unsigned char *a) {
  uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
  for (size_t i = 0; i < DW_ARRAY_LEN(v4_ranges); i++) {
    const v4_range *r = &v4_ranges[i];
    uint32_t mask = r->bits == 0 ? 0 : 0xFFFFFFFFu << (32 - r->bits);
    if ((x & mask) == r->net) return r->why;
  }
  return NULL;
}

typedef struct {
  unsigned char net[16];
  unsigned bits;
  const char *why;
} v6_range;

/* Ranges inside 2000::/3 (global unicast) that are not globally routable; everything
 * outside 2000::/3 is refused anyway, with a specific reason where there is one. */
static const v6_range v6_special[] = {
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "a documentation address (2001:db8::/32)"},
    {{0x20, 0x01}, 32, "a Teredo address (2001::/32)"},
    {{0x20, 0x01}, 23, "an IETF protocol address (2001::/23)"},
    {{0x3f, 0xff}, 20, "a documentation address (3fff::/20)"},
};

static const v6_range v6_outside[] = {
    {{0}, 128, "the unspecified address"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "a loopback address"},
    {{0xfc}, 7, "a unique local address (fc00::/7)"},
    {{0xfe, 0x80}, 10, "a link-local address (fe80::/10)"},
    {{0xfe, 0xc0}, 10, "a site-local address (fec0::/10)"},
    {{0xff}, 8, "a multicast address"},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "a local-use NAT64 address (64:ff9b:1::/48)"},
    {{0x01}, 64, "a discard-only address (100::/64)"},
    {{0}, 96, "an IPv4-compatible address (deprecated, ::/96)"},
};

static bool v6_in(const unsigned char *a, const v6_range *r) {
  unsigned full = r->bits / 8, rest = r->bits % 8;
  if (memcmp(a, r->net, full) != 0) return false;
  if (rest == 0) return true;
  unsigned char mask = (unsigned char)(0xFFu << (8 - rest));
  return (a[full] & mask) == (r->net[full] & mask);
}

static const unsigned char mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const unsigned char nat64_prefix[12] = {0x00, 0x64, 0xff, 0x9b};

static const char *v6_refusal(const unsigned char *a) {
  /* Addresses that carry an IPv4 address reach that address: judge it. */
  if (memcmp(a, mapped_prefix, 12) == 0 || memcmp(a, nat64_prefix, 12) == 0)
    return v4_refusal(a + 12);
  if (a[0] == 0x20 && a[1] == 0x02) return v4_refusal(a + 2); /* 6to4 */
  if ((a[0] & 0xE0) != 0x20) {
    for (size_t i = 0; i < DW_ARRAY_LEN(v6_outside); i++)
      if (v6_in(a, &v6_outside[i])) return v6_outside[i].why;
    return "not a global unicast address (outside 2000::/3)";
  }
  for (size_t i = 0; i < DW_ARRAY_LEN(v6_special); i++)
    if (v6_in(a, &v6_special[i])) return v6_special[i].why;
  return NULL;
}

const char *dw__net_addr_refusal(int family, const void *addr) {
  if (family == AF_INET) return v4_refusal(addr);
  if (family == AF_INET6) return v6_refusal(addr);
  return "not an IP address";
}
