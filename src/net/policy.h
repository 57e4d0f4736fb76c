/* net/policy.h: what the net layer decides before any I/O (internal to src/net, its tests
 * and its fuzz target). */
#ifndef DW_NET_POLICY_H
#define DW_NET_POLICY_H

#include <curl/curl.h>
#include "net/net.h"

/* A parsed, checked request URL. */
typedef struct {
  CURLU *url;                       /* owned: exactly what curl will connect to */
  char host[DW__NET_MAX_HOST + 2];  /* lower case, no trailing dot; IPv6 without brackets
                                       (+2: room for the dot while it is dropped) */
  int family;                       /* AF_INET / AF_INET6 for an IP literal, 0 for a name */
  unsigned char addr[16];           /* the literal's address, network order */
} dw__net_target;

/* Parses `url` with curl's own parser (so the host checked is the host curl uses) and
 * applies the policy: caps, scheme, credentials, host syntax, allow-list, IP literals.
 * Returns 0 (t->url owned by t: dw__net_target_free) or a negative dw_err with a message in
 * `why`; on error *t needs no freeing. */
int dw__net_target_parse(const dw__net_policy *p, const char *url, dw__net_target *t,
                         char *why, size_t why_len);
void dw__net_target_free(dw__net_target *t);

/* Whether an allow_hosts / inject pattern matches the target's host. */
bool dw__net_host_matches(const char *pattern, const dw__net_target *t);

/* Builds the header list curl sends: the worker's headers (validated; the ones the runtime
 * sets itself, such as Host and Content-Length, dropped as fetch does), minus those an inject
 * rule for this host replaces, plus the injected ones, plus removals of curl's own defaults
 * (Expect; Content-Type when `posts` and none was given). Returns 0 and an owned list in
 * *out (curl_slist_free_all; NULL possible only when empty), or DW_E_BAD_REQUEST,
 * DW_E_TOO_LARGE or DW_E_NOMEM with a message in `why`. */
int dw__net_build_headers(const dw__net_policy *p, const dw__net_target *t,
                          const char *const *headers, bool posts, struct curl_slist **out,
                          char *why, size_t why_len);

/* An RFC 9110 token character (methods, header names). */
bool dw__net_is_tchar(unsigned char c);

/* snprintf into `why` when it is not NULL. */
void dw__net_why(char *why, size_t why_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
