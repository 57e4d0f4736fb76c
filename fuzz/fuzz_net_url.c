/* libFuzzer target for the net layer's checks of worker input (src/net/policy.c): URLs
 * against an allow-list, methods and header lines. The input is one flag byte, then the URL,
 * a header line and a method separated by NUL bytes. Checks the invariants that hold for any
 * input: a known error with a message, an accepted URL whose host is allowed and (unless
 * private destinations are) not a refused IP literal, and no accepted header or header list
 * carrying CR or LF. Build: docs/internals/net.md. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "net/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool crlf(const char *s) { return strpbrk(s, "\r\n") != NULL; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  unsigned flags = data[0];
  /* A private, NUL-terminated copy of exactly the input, so reads past it are caught. */
  char *buf = malloc(size);
  if (!buf) return 0;
  memcpy(buf, data + 1, size - 1);
  buf[size - 1] = 0;
  const char *url = buf, *header = "", *method = "GET";
  char *nul = memchr(buf, 0, size - 1);
  if (nul && nul + 1 < buf + size - 1) {
    header = nul + 1;
    char *nul2 = memchr(nul + 1, 0, (size_t)(buf + size - 1 - (nul + 1)));
    if (nul2 && nul2 + 1 < buf + size - 1) method = nul2 + 1;
  }
  static const char *const lists[][3] = {
      {"*", NULL, NULL},
      {"example.com", "*.example.org", "[2001:db8::1]"},
      {"127.0.0.1", "localhost", "*.internal"},
  };
  const char *const *allow = lists[flags % 3];
  size_t n_allow = 0;
  while (n_allow < 3 && allow[n_allow]) n_allow++;
  const dw__net_header_rule rules[] = {{"*", "Authorization", "Bearer x"},
                                       {"example.com", "X-Key", "k"}};
  dw__net_policy p = {.allow_hosts = allow, .n_allow = n_allow,
                      .allow_private = (flags & 4) != 0, .inject = rules,
                      .n_inject = (flags & 8) ? 2 : 0};

  char why[256] = "";
  dw__net_target t;
  int rc = dw__net_target_parse(&p, url, &t, why, sizeof why);
  if (rc == 0) {
    bool allowed = false;
    for (size_t i = 0; i < n_allow; i++) allowed |= dw__net_host_matches(allow[i], &t);
    if (!allowed) abort();
    if (t.family && !p.allow_private && dw__net_addr_refusal(t.family, t.addr)) abort();
    if (!t.host[0] || crlf(t.host)) abort();
    /* The header list built for an accepted URL never carries a line break. */
    const char *const hs[] = {header, "X-Fixed: 1", NULL};
    struct curl_slist *list = NULL;
    int hrc = dw__net_build_headers(&p, &t, hs, (flags & 16) != 0, &list, why, sizeof why);
    if (hrc == 0) {
      for (struct curl_slist *l = list; l; l = l->next)
        if (crlf(l->data)) abort();
    } else if (hrc != DW_E_BAD_REQUEST && hrc != DW_E_TOO_LARGE && hrc != DW_E_NOMEM) {
      abort();
    }
    curl_slist_free_all(list);
    dw__net_target_free(&t);
  } else if (rc != DW_E_BAD_REQUEST && rc != DW_E_OUTBOUND_BLOCKED && rc != DW_E_TOO_LARGE &&
             rc != DW_E_NOMEM) {
    abort();
  } else if (!why[0]) {
    abort(); /* an error always says why */
  }
  int hrc = dw__net_check_header(header, why, sizeof why);
  if (hrc == 0 && crlf(header)) abort();
  int mrc = dw__net_check_method(method, why, sizeof why);
  if (mrc == 0) {
    for (const char *c = method; *c; c++)
      if (!dw__net_is_tchar((unsigned char)*c)) abort();
  }
  free(buf);
  return 0;
}
