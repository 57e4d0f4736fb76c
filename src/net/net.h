/* net: the outbound HTTP client that a sandbox's fetch() egress goes through.
 *
 * Asynchronous (libcurl's multi interface), driven from the single thread of an event loop:
 * dw__net_start() queues a request, dw__net_poll() moves every request on and calls the done
 * callbacks. Every input (URL, method, headers, body, the server's reply) is hostile; the
 * policy says where a request may go and what the host adds to it. See src/net/README.md and
 * docs/internals/net.md.
 *
 * Threads: a dw__net is used by one thread at a time; different ones may be used at once.
 */
#ifndef DW_NET_H
#define DW_NET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "dynworker.h"

/* Caps on what a request may carry and a response may bring back. Past a cap the request is
 * refused (DW_E_TOO_LARGE at start) or fails (DW_E_TOO_LARGE in the callback); nothing is
 * ever cut short silently. */
#define DW__NET_MAX_URL (16u * 1024)                /* bytes of a request URL */
#define DW__NET_MAX_HOST 253u                       /* bytes of a host name (DNS) */
#define DW__NET_MAX_METHOD 32u                      /* bytes of a method */
#define DW__NET_MAX_REQ_HEADERS 128u                /* request headers, after injection */
#define DW__NET_MAX_REQ_HEADER_BYTES (64u * 1024)   /* their bytes, "Name: value" each */
#define DW__NET_MAX_REQ_BODY ((size_t)64 << 20)     /* bytes of a request body */
#define DW__NET_MAX_RES_HEADERS 256u                /* response headers */
#define DW__NET_MAX_RES_HEADER_BYTES (128u * 1024)  /* their bytes, status line included */
#define DW__NET_DEFAULT_MAX_RESPONSE ((size_t)32 << 20)
#define DW__NET_DEFAULT_TIMEOUT_MS 30000u
#define DW__NET_MAX_IN_FLIGHT 1024u                 /* requests in flight per dw__net */

/* One per event loop: a curl multi handle and the requests in flight on it. */
typedef struct dw__net dw__net;

/* A header the host adds to requests whose host matches `host` (same patterns as
 * allow_hosts). It replaces any header of the same name (case-insensitive) that the worker
 * sent. The worker never sees it: it is not part of the response. */
typedef struct {
  const char *host;
  const char *name;
  const char *value;
} dw__net_header_rule;

/* Where requests may go. Borrowed for the duration of dw__net_start() only. */
typedef struct {
  /* Host patterns: "example.com" (exactly that host), "*.example.com" (any subdomain, not
   * the apex), "*" (any host), or an IP literal ("203.0.113.7", "[2001:db8::1]" or
   * "2001:db8::1") that matches that address however the URL spells it. Case-insensitive, a
   * trailing dot ignored. None: every request is refused. Ports are not restricted. */
  const char *const *allow_hosts;
  size_t n_allow;
  /* Allow destinations that are not globally routable (loopback, private, link-local, the
   * cloud metadata address, ...). Off: they are refused whatever the allow-list says, both
   * as literals in the URL and as the address a host name resolves to. */
  bool allow_private;
  const dw__net_header_rule *inject;
  size_t n_inject;
  size_t max_response_bytes; /* body bytes; 0: DW__NET_DEFAULT_MAX_RESPONSE */
  uint32_t timeout_ms;       /* the whole request, DNS to last byte; 0: default 30000 */
} dw__net_policy;

/* A request; every pointer is borrowed for the duration of dw__net_start() only (the body
 * and headers are copied). */
typedef struct {
  const char *method;               /* a token ("GET", "POST", ...); NULL: "GET" */
  const char *url;                  /* absolute http: or https: URL, no credentials */
  const char *const *headers;       /* "Name: value" lines, NULL-terminated; may be NULL */
  const void *body;
  size_t body_len;
} dw__net_request;

/* A response; everything is borrowed for the duration of the done callback only. */
typedef struct {
  int status;                       /* 100..999 */
  const char *status_text;          /* the reason phrase; "" when the server sent none */
  const char *const *headers;       /* "name: value" (name lower-cased), in order, NULL-ended */
  size_t nheaders;
  const void *body;                 /* body_len bytes, NUL-terminated for convenience */
  size_t body_len;
  const char *url;                  /* the URL requested (redirects are never followed) */
} dw__net_response;

/* Called exactly once per started request (never after cancel or free), from dw__net_poll.
 * `err` is 0 or a negative dw_err; `message` says why when err != 0 (NULL otherwise);
 * `res` is set only when err == 0. The callback may start and cancel requests on the same
 * dw__net, but must not free or poll it (DW_BUG). */
typedef void (*dw__net_done)(void *user, int err, const char *message,
                             const dw__net_response *res);

/* A new client. Returns NULL when out of memory or when libcurl cannot be initialised. */
dw__net *dw__net_new(void);

/* Frees the client and cancels every request in flight; their callbacks are not called.
 * Must not be called from inside a done callback (DW_BUG). NULL is a no-op. */
void dw__net_free(dw__net *n);

/* Starts a request under policy `p`. Returns 0 and sets *id_out (may be NULL): `cb` will be
 * called exactly once, later, from dw__net_poll. Or returns a negative dw_err and never
 * calls `cb` (libuv's rule): DW_E_BAD_REQUEST (malformed URL, method or header, a scheme
 * other than http/https, credentials in the URL, an invalid policy), DW_E_OUTBOUND_BLOCKED
 * (host not allowed, or an IP literal that is not globally routable while !allow_private),
 * DW_E_TOO_LARGE (URL, headers or body past their caps), DW_E_OVERLOADED (too many requests
 * in flight), DW_E_NOMEM. `why` gets a message when it is not NULL. Does not block. */
int dw__net_start(dw__net *n, const dw__net_policy *p, const dw__net_request *r,
                  dw__net_done cb, void *user, uint64_t *id_out, char *why, size_t why_len);

/* Cancels a request: its callback will not be called. Unknown or finished ids are ignored.
 * Safe from inside a done callback. */
void dw__net_cancel(dw__net *n, uint64_t id);

/* Runs the transfers: waits up to `timeout_ms` for network activity (returns at once when
 * nothing is in flight), then calls the done callbacks of the requests that finished. Not
 * from inside a done callback (DW_BUG).
 * Returns the number of requests still in flight, or a negative dw_err when libcurl fails.
 * Errors a request can meet in flight: DW_E_OUTBOUND_BLOCKED (the host resolved only to
 * refused addresses), DW_E_TOO_LARGE (body or headers past their caps), DW_E_IO (timeout,
 * connection or protocol failure), DW_E_NOMEM. */
int dw__net_poll(dw__net *n, uint32_t timeout_ms);

/* Requests started and not yet called back or cancelled. */
size_t dw__net_in_flight(const dw__net *n);

/* What dw__net_start checks about a URL before any I/O: syntax and caps, scheme, no
 * credentials, the allow-list, and IP literals against allow_private. Returns 0 or the error
 * dw__net_start would return, with a message in `why` (when not NULL). Does not block. */
int dw__net_check_url(const dw__net_policy *p, const char *url, char *why, size_t why_len);

/* The request-side validators, exposed for tests and fuzzing. Each returns 0 or
 * DW_E_BAD_REQUEST with a message in `why` (when not NULL). */
int dw__net_check_method(const char *method, char *why, size_t why_len);
int dw__net_check_header(const char *line, char *why, size_t why_len); /* "Name: value" */

/* Why a connection to an address is refused when private destinations are not allowed: a
 * phrase completing "<address> is ..." ("a loopback address"; static storage), or NULL when
 * the address is globally routable. `family` is AF_INET (4 bytes at `addr`, network order)
 * or AF_INET6 (16 bytes); any other family is refused. IPv4-mapped (::ffff:0:0/96), NAT64
 * (64:ff9b::/96) and 6to4 (2002::/16) addresses are judged by the IPv4 address they embed. */
const char *dw__net_addr_refusal(int family, const void *addr);

#endif
