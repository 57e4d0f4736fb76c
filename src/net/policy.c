/* The checks made before any I/O: the URL and its host against the policy, the method, the
 * headers. Every input here comes from a worker, so every one is hostile. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "net/policy.h"
#include "util/util.h"

void dw__net_why(char *why, size_t why_len, const char *fmt, ...) {
  if (!why || why_len == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, why_len, fmt, ap);
  va_end(ap);
}

bool dw__net_is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_hex(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* WHATWG's "ends in a number": a last label that the URL standard would read as IPv4 but
 * that curl did not normalise into one (256.1.1.1, 1.2.3.4.5, 0x7f.1. ...). Refused rather
 * than handed to a resolver that may read it some other way. */
static bool ends_in_number(const char *host) {
  const char *last = strrchr(host, '.');
  last = last ? last + 1 : host;
  if (last[0] == '0' && last[1] == 'x') {
    for (const char *c = last + 2; *c; c++)
      if (!is_hex((unsigned char)*c)) return false;
    return true;
  }
  for (const char *c = last; *c; c++)
    if (*c < '0' || *c > '9') return false;
  return *last != 0;
}

/* WHATWG's IPv4 parser: 1 to 4 parts, each decimal, 0x-hex or 0-octal, the last filling
 * the remaining bytes ("0x7f.1" is 127.0.0.1). Used for the spellings curl leaves alone. */
static bool ipv4_whatwg(const char *host, unsigned char out[4]) {
  uint64_t part[4];
  int n = 0;
  const char *c = host;
  for (;;) {
    if (n == 4) return false;
    int base = 10;
    if (c[0] == '0' && c[1] == 'x') base = 16, c += 2;
    else if (c[0] == '0' && c[1] && c[1] != '.') base = 8, c++;
    uint64_t v = 0;
    const char *start = c;
    for (; *c && *c != '.'; c++) {
      int d = (*c >= '0' && *c <= '9') ? *c - '0' : is_hex((unsigned char)*c) ? *c - 'a' + 10 : 99;
      if (d >= base) return false;
      v = v * (uint64_t)base + (uint64_t)d;
      if (v > 0xFFFFFFFFu) return false;
    }
    if (c == start && base != 16) return false;
    part[n++] = v;
    if (!*c) break;
    c++;
  }
  uint64_t ip = part[n - 1];
  if (ip >= (1ull << (8 * (5 - n)))) return false;
  for (int i = 0; i < n - 1; i++) {
    if (part[i] > 255) return false;
    ip |= part[i] << (8 * (3 - i));
  }
  for (int i = 0; i < 4; i++) out[i] = (unsigned char)(ip >> (8 * (3 - i)));
  return true;
}

/* A DNS name as WHATWG URLs leave it: ASCII letters, digits, '-', '_', labels of 1..63. */
static bool valid_name(const char *host) {
  size_t label = 0;
  for (const char *c = host; *c; c++) {
    unsigned char ch = (unsigned char)*c;
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
      return false;
    if (++label > 63) return false;
  }
  return label > 0;
}

/* Normalises curl's host into t: lower case, one trailing dot dropped, IP literals parsed. */
static int set_host(dw__net_target *t, const char *raw, char *why, size_t why_len) {
  size_t n = strlen(raw);
  if (n == 0) {
    dw__net_why(why, why_len, "the URL has no host");
    return DW_E_BAD_REQUEST;
  }
  if (raw[0] == '[') {
    char inner[64];
    if (n < 3 || raw[n - 1] != ']' || n - 2 >= sizeof inner) goto bad;
    memcpy(inner, raw + 1, n - 2);
    inner[n - 2] = 0;
    if (inet_pton(AF_INET6, inner, t->addr) != 1) goto bad;
    t->family = AF_INET6;
    inet_ntop(AF_INET6, t->addr, t->host, sizeof t->host);
    return 0;
  }
  if (n > DW__NET_MAX_HOST + 1) {
    dw__net_why(why, why_len, "the URL's host is longer than %u bytes", DW__NET_MAX_HOST);
    return DW_E_BAD_REQUEST;
  }
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)raw[i];
    t->host[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
  }
  t->host[n] = 0;
  if (t->host[n - 1] == '.') t->host[--n] = 0;
  if (n == 0 || n > DW__NET_MAX_HOST) goto bad;
  if (inet_pton(AF_INET, t->host, t->addr) == 1) {
    t->family = AF_INET;
    return 0;
  }
  if (!valid_name(t->host)) {
    dw__net_why(why, why_len,
                "the URL's host is not a valid ASCII host name (internationalised names "
                "must be given in punycode)");
    return DW_E_BAD_REQUEST;
  }
  if (ends_in_number(t->host)) {
    if (ipv4_whatwg(t->host, t->addr)) {
      t->family = AF_INET;
      inet_ntop(AF_INET, t->addr, t->host, sizeof t->host);
      return 0;
    }
    dw__net_why(why, why_len, "the URL's host '%s' is not a valid IPv4 address", t->host);
    return DW_E_BAD_REQUEST;
  }
  return 0;
bad:
  dw__net_why(why, why_len, "the URL's host is not valid");
  return DW_E_BAD_REQUEST;
}

bool dw__net_host_matches(const char *pattern, const dw__net_target *t) {
  if (!pattern) return false;
  size_t n = strnlen(pattern, DW__NET_MAX_HOST + 3);
  if (n == 0 || n > DW__NET_MAX_HOST + 2) return false;
  if (n == 1 && pattern[0] == '*') return true;
  char pat[DW__NET_MAX_HOST + 3];
  memcpy(pat, pattern, n + 1);
  if (pat[n - 1] == '.') pat[--n] = 0;
  if (n >= 2 && pat[0] == '[' && pat[n - 1] == ']') {
    pat[n - 1] = 0;
    memmove(pat, pat + 1, n - 1);
    n -= 2;
  }
  unsigned char a[16];
  if (inet_pton(AF_INET6, pat, a) == 1) return t->family == AF_INET6 && !memcmp(a, t->addr, 16);
  if (inet_pton(AF_INET, pat, a) == 1) return t->family == AF_INET && !memcmp(a, t->addr, 4);
  if (t->family) return false; /* a name pattern never matches an IP literal */
  if (n >= 3 && pat[0] == '*' && pat[1] == '.') {
    size_t sl = n - 1, hl = strlen(t->host); /* the suffix keeps its dot: ".example.com" */
    return hl > sl && strcasecmp(t->host + hl - sl, pat + 1) == 0;
  }
  return strcasecmp(pat, t->host) == 0;
}

/* Reads one URL part; NULL when absent. */
static char *part(CURLU *u, CURLUPart what) {
  char *s = NULL;
  if (curl_url_get(u, what, &s, 0) != CURLUE_OK) return NULL;
  return s;
}

int dw__net_target_parse(const dw__net_policy *p, const char *url, dw__net_target *t,
                         char *why, size_t why_len) {
  int rc = DW_E_BAD_REQUEST;
  char *scheme = NULL, *user = NULL, *pass = NULL, *opts = NULL, *zone = NULL, *host = NULL;
  memset(t, 0, sizeof *t);
  if (!p || !url) {
    dw__net_why(why, why_len, "no URL");
    goto out;
  }
  if (strnlen(url, DW__NET_MAX_URL + 1) > DW__NET_MAX_URL) {
    dw__net_why(why, why_len, "the URL is longer than %u bytes", DW__NET_MAX_URL);
    rc = DW_E_TOO_LARGE;
    goto out;
  }
  t->url = curl_url();
  if (!t->url) {
    rc = DW_E_NOMEM;
    dw__net_why(why, why_len, "out of memory");
    goto out;
  }
  CURLUcode uc = curl_url_set(t->url, CURLUPART_URL, url, 0);
  if (uc != CURLUE_OK) {
    rc = uc == CURLUE_OUT_OF_MEMORY ? DW_E_NOMEM : DW_E_BAD_REQUEST;
    dw__net_why(why, why_len, "malformed URL: %s", curl_url_strerror(uc));
    goto out;
  }
  scheme = part(t->url, CURLUPART_SCHEME);
  if (!scheme || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
    dw__net_why(why, why_len, "only http: and https: URLs can be fetched, not %s:",
                scheme ? scheme : "(none)");
    goto out;
  }
  user = part(t->url, CURLUPART_USER);
  pass = part(t->url, CURLUPART_PASSWORD);
  opts = part(t->url, CURLUPART_OPTIONS);
  if (user || pass || opts) {
    dw__net_why(why, why_len, "a URL with credentials cannot be fetched (send an "
                              "Authorization header instead)");
    goto out;
  }
  zone = part(t->url, CURLUPART_ZONEID);
  if (zone) {
    dw__net_why(why, why_len, "an IPv6 zone id in a URL cannot be fetched");
    goto out;
  }
  host = part(t->url, CURLUPART_HOST);
  if (!host) {
    dw__net_why(why, why_len, "the URL has no host");
    goto out;
  }
  rc = set_host(t, host, why, why_len);
  if (rc) goto out;
  rc = DW_E_OUTBOUND_BLOCKED;
  bool allowed = false;
  for (size_t i = 0; p->allow_hosts && i < p->n_allow && !allowed; i++)
    allowed = dw__net_host_matches(p->allow_hosts[i], t);
  if (!allowed) {
    dw__net_why(why, why_len, "refused: %s is not in the sandbox's allowed hosts", t->host);
    goto out;
  }
  if (t->family && !p->allow_private) {
    const char *no = dw__net_addr_refusal(t->family, t->addr);
    if (no) {
      dw__net_why(why, why_len, "refused: %s is %s", t->host, no);
      goto out;
    }
  }
  rc = 0;
out:
  curl_free(scheme);
  curl_free(user);
  curl_free(pass);
  curl_free(opts);
  curl_free(zone);
  curl_free(host);
  if (rc) dw__net_target_free(t);
  return rc;
}

void dw__net_target_free(dw__net_target *t) {
  curl_url_cleanup(t->url);
  t->url = NULL;
}

int dw__net_check_url(const dw__net_policy *p, const char *url, char *why, size_t why_len) {
  dw__net_target t;
  int rc = dw__net_target_parse(p, url, &t, why, why_len);
  if (rc == 0) dw__net_target_free(&t);
  return rc;
}

int dw__net_check_method(const char *method, char *why, size_t why_len) {
  if (!method) {
    dw__net_why(why, why_len, "no method");
    return DW_E_BAD_REQUEST;
  }
  size_t n = strnlen(method, DW__NET_MAX_METHOD + 1);
  if (n == 0 || n > DW__NET_MAX_METHOD) {
    dw__net_why(why, why_len, "a method is 1 to %u characters", DW__NET_MAX_METHOD);
    return DW_E_BAD_REQUEST;
  }
  for (size_t i = 0; i < n; i++) {
    if (!dw__net_is_tchar((unsigned char)method[i])) {
      dw__net_why(why, why_len, "the method contains a character that is not allowed");
      return DW_E_BAD_REQUEST;
    }
  }
  /* Forbidden methods of the Fetch standard: CONNECT would turn the host into a tunnel. */
  if (!strcasecmp(method, "CONNECT") || !strcasecmp(method, "TRACE") ||
      !strcasecmp(method, "TRACK")) {
    dw__net_why(why, why_len, "the method %s is not allowed", method);
    return DW_E_BAD_REQUEST;
  }
  return 0;
}

/* Splits "Name: value" into the name and the value without surrounding blanks. */
static int split_header(const char *line, const char **name, size_t *nlen, const char **val,
                        size_t *vlen, char *why, size_t why_len) {
  if (!line) {
    dw__net_why(why, why_len, "a NULL header");
    return DW_E_BAD_REQUEST;
  }
  size_t len = strnlen(line, DW__NET_MAX_REQ_HEADER_BYTES + 1);
  if (len > DW__NET_MAX_REQ_HEADER_BYTES) {
    dw__net_why(why, why_len, "a request header is longer than %u bytes",
                DW__NET_MAX_REQ_HEADER_BYTES);
    return DW_E_TOO_LARGE;
  }
  size_t i = 0;
  while (i < len && dw__net_is_tchar((unsigned char)line[i])) i++;
  if (i == 0 || i > 256 || line[i] != ':') {
    dw__net_why(why, why_len, "a header name must be a token of 1 to 256 characters "
                              "followed by ':'");
    return DW_E_BAD_REQUEST;
  }
  *name = line;
  *nlen = i;
  i++;
  while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
  size_t end = len;
  for (size_t k = i; k < len; k++) {
    if (line[k] == '\r' || line[k] == '\n') {
      dw__net_why(why, why_len, "the value of header '%.*s' contains CR or LF", (int)*nlen,
                  line);
      return DW_E_BAD_REQUEST;
    }
  }
  while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t')) end--;
  *val = line + i;
  *vlen = end - i;
  return 0;
}

int dw__net_check_header(const char *line, char *why, size_t why_len) {
  const char *name, *val;
  size_t nlen, vlen;
  return split_header(line, &name, &nlen, &val, &vlen, why, why_len);
}

static bool name_is(const char *name, size_t nlen, const char *lit) {
  return strlen(lit) == nlen && strncasecmp(name, lit, nlen) == 0;
}

/* Headers that frame the message or manage the connection: the runtime (curl) sets them,
 * and a worker's copy would let it desynchronise the message or address another virtual
 * host on the same connection. Dropped, as the Fetch standard drops forbidden headers. */
static bool runtime_header(const char *name, size_t nlen) {
  static const char *const names[] = {"host", "content-length", "transfer-encoding",
                                      "connection", "keep-alive", "proxy-connection",
                                      "upgrade", "te", "trailer", "expect", "http2-settings"};
  for (size_t i = 0; i < DW_ARRAY_LEN(names); i++)
    if (name_is(name, nlen, names[i])) return true;
  return false;
}

typedef struct {
  struct curl_slist *list;
  size_t count, bytes;
} hlist;

/* Appends "Name: value" ("Name;" for an empty value: curl's spelling of it). */
static int add(hlist *h, const char *name, size_t nlen, const char *val, size_t vlen,
               char *why, size_t why_len) {
  if (h->count + 1 > DW__NET_MAX_REQ_HEADERS) {
    dw__net_why(why, why_len, "more than %u request headers", DW__NET_MAX_REQ_HEADERS);
    return DW_E_TOO_LARGE;
  }
  if (h->bytes + nlen + vlen + 2 > DW__NET_MAX_REQ_HEADER_BYTES) {
    dw__net_why(why, why_len, "the request headers are larger than %u bytes",
                DW__NET_MAX_REQ_HEADER_BYTES);
    return DW_E_TOO_LARGE;
  }
  dw_buf b;
  dw__buf_init(&b, nlen + vlen + 3);
  int rc = dw__buf_append(&b, name, nlen);
  if (!rc) rc = vlen ? dw__buf_append(&b, ": ", 2) : dw__buf_putc(&b, ';');
  if (!rc) rc = dw__buf_append(&b, val, vlen);
  struct curl_slist *l = rc ? NULL : curl_slist_append(h->list, b.data);
  dw__buf_free(&b);
  if (!l) {
    dw__net_why(why, why_len, "out of memory");
    return DW_E_NOMEM;
  }
  h->list = l;
  h->count++;
  h->bytes += nlen + vlen + 2;
  return 0;
}

/* Adds a removal of one of curl's own headers ("Expect:"); not counted against the caps. */
static int add_removal(hlist *h, const char *line, char *why, size_t why_len) {
  struct curl_slist *l = curl_slist_append(h->list, line);
  if (!l) {
    dw__net_why(why, why_len, "out of memory");
    return DW_E_NOMEM;
  }
  h->list = l;
  return 0;
}

/* The host's own rules are checked like a worker's headers: a bad rule is a bad policy. */
static bool valid_rule(const dw__net_header_rule *r) {
  if (!r->host || !r->name || !r->value) return false;
  size_t nl = strnlen(r->name, 257);
  if (nl == 0 || nl > 256) return false;
  for (size_t i = 0; i < nl; i++)
    if (!dw__net_is_tchar((unsigned char)r->name[i])) return false;
  return strnlen(r->value, DW__NET_MAX_REQ_HEADER_BYTES + 1) <= DW__NET_MAX_REQ_HEADER_BYTES &&
         !strpbrk(r->value, "\r\n");
}

int dw__net_build_headers(const dw__net_policy *p, const dw__net_target *t,
                          const char *const *headers, bool posts, struct curl_slist **out,
                          char *why, size_t why_len) {
  int rc = 0;
  hlist h = {0};
  bool content_type = false;
  const char *name, *val;
  size_t nlen, vlen;
  *out = NULL;
  for (size_t i = 0; i < p->n_inject; i++) {
    if (!valid_rule(&p->inject[i])) {
      dw__net_why(why, why_len, "the sandbox's header rule %zu is invalid", i);
      rc = DW_E_BAD_REQUEST;
      goto out;
    }
  }
  for (size_t i = 0; headers && headers[i]; i++) {
    if (i >= DW__NET_MAX_REQ_HEADERS) {
      dw__net_why(why, why_len, "more than %u request headers", DW__NET_MAX_REQ_HEADERS);
      rc = DW_E_TOO_LARGE;
      goto out;
    }
    rc = split_header(headers[i], &name, &nlen, &val, &vlen, why, why_len);
    if (rc) goto out;
    if (runtime_header(name, nlen)) continue;
    bool replaced = false;
    for (size_t k = 0; k < p->n_inject && !replaced; k++)
      replaced = name_is(name, nlen, p->inject[k].name) &&
                 dw__net_host_matches(p->inject[k].host, t);
    if (replaced) continue;
    content_type |= name_is(name, nlen, "content-type");
    rc = add(&h, name, nlen, val, vlen, why, why_len);
    if (rc) goto out;
  }
  for (size_t k = 0; k < p->n_inject; k++) {
    const dw__net_header_rule *r = &p->inject[k];
    if (!dw__net_host_matches(r->host, t)) continue;
    const char *v = r->value;
    while (*v == ' ' || *v == '\t') v++;
    size_t vl = strlen(v);
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
    content_type |= name_is(r->name, strlen(r->name), "content-type");
    rc = add(&h, r->name, strlen(r->name), v, vl, why, why_len);
    if (rc) goto out;
  }
  /* curl's defaults that fetch does not send: a 100-continue wait on large bodies, and a
   * form content type on every body. */
  rc = add_removal(&h, "Expect:", why, why_len);
  if (!rc && posts && !content_type) rc = add_removal(&h, "Content-Type:", why, why_len);
  if (rc) goto out;
  *out = h.list;
  h.list = NULL;
out:
  curl_slist_free_all(h.list);
  return rc;
}
