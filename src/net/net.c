/* The outbound HTTP client: requests on one curl multi handle, driven by dw__net_poll.
 *
 * Each request is a `req` on one of two lists: `active` (its easy handle is in the multi
 * handle) or `done` (finished, its callback not yet called). Callbacks run only from
 * dw__net_poll, after every finished transfer has left the multi handle, so a callback may
 * start or cancel requests freely: cancel unlinks from either list. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "net/policy.h"
#include "util/util.h"

typedef struct req req;

struct dw__net {
  CURLM *multi;
  req *active; /* doubly linked, in start order (newest first) */
  req *done;   /* finished, callback pending; singly linked in completion order */
  req *done_tail;
  size_t n_in_flight; /* active + done */
  uint64_t next_id;
  bool in_callback;   /* freeing from inside a callback is our caller's bug */
};

struct req {
  req *prev, *next;
  uint64_t id;
  bool active;
  CURL *easy;
  dw__net_target target;
  struct curl_slist *headers;
  void *body; /* our copy of the request body */
  dw__net_done cb;
  void *user;
  bool allow_private;
  uint32_t timeout_ms;
  size_t max_body;
  /* the response */
  dw_buf status_text;
  dw_buf res_headers; /* "name: value\0" after one another */
  size_t n_res_headers;
  bool body_started; /* header lines after this are trailers: ignored */
  dw_buf res_body;
  /* the outcome */
  bool refused;    /* the guard refused at least one address */
  int fail;        /* set by our own callbacks when they stop the transfer */
  int err;
  char msg[320];
  char errbuf[CURL_ERROR_SIZE];
};

/* curl_global_init is the one piece of process-wide state (libcurl's own); done once. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;
static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

dw__net *dw__net_new(void) {
  pthread_once(&global_once, global_init);
  if (global_rc != CURLE_OK) return NULL;
  dw__net *n = calloc(1, sizeof *n);
  if (!n) return NULL;
  n->next_id = 1;
  n->multi = curl_multi_init();
  if (!n->multi) {
    free(n);
    return NULL;
  }
  /* Caps on sockets: more requests than this wait in curl's queue. */
  curl_multi_setopt(n->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 128L);
  curl_multi_setopt(n->multi, CURLMOPT_MAXCONNECTS, 64L);
  return n;
}

static void req_free(req *q) {
  if (q->easy) curl_easy_cleanup(q->easy);
  dw__net_target_free(&q->target);
  curl_slist_free_all(q->headers);
  free(q->body);
  dw__buf_free(&q->status_text);
  dw__buf_free(&q->res_headers);
  dw__buf_free(&q->res_body);
  free(q);
}

static void unlink_active(dw__net *n, req *q) {
  if (q->prev) q->prev->next = q->next;
  else n->active = q->next;
  if (q->next) q->next->prev = q->prev;
  q->prev = q->next = NULL;
  curl_multi_remove_handle(n->multi, q->easy);
  q->active = false;
}

void dw__net_free(dw__net *n) {
  if (!n) return;
  if (n->in_callback) DW_BUG("dw__net_free called from inside a done callback");
  while (n->active) {
    req *q = n->active;
    unlink_active(n, q);
    req_free(q);
  }
  while (n->done) {
    req *q = n->done;
    n->done = q->next;
    req_free(q);
  }
  curl_multi_cleanup(n->multi);
  free(n);
}

size_t dw__net_in_flight(const dw__net *n) { return n ? n->n_in_flight : 0; }

/* ---- curl callbacks: they only record; no user code runs inside curl. ---- */

/* Whether the guard refuses a destination address; records the first refusal's reason. */
static bool refused(req *q, int family, const void *ip) {
  if (q->allow_private) return false;
  const char *no = dw__net_addr_refusal(family, ip);
  if (!no) return false;
  if (!q->refused) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (ip) inet_ntop(family, ip, text, sizeof text);
    if (strcmp(text, q->target.host) == 0)
      dw__net_why(q->msg, sizeof q->msg, "refused: %s is %s", text, no);
    else
      dw__net_why(q->msg, sizeof q->msg, "refused: %s resolves to %s, which is %s",
                  q->target.host, text, no);
  }
  q->refused = true;
  return true;
}

/* The SSRF guard on the address curl is about to connect to, after DNS: a name that resolves
 * to a private address (localhost, a rebinding domain) is refused here, before a packet is
 * sent to it. */
static curl_socket_t on_open(void *ud, curlsocktype purpose, struct curl_sockaddr *a) {
  req *q = ud;
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  struct sockaddr_storage ss;
  memset(&ss, 0, sizeof ss);
  memcpy(&ss, &a->addr, DW_MIN((size_t)a->addrlen, sizeof ss));
  const void *ip = NULL;
  if (a->family == AF_INET) ip = &((struct sockaddr_in *)&ss)->sin_addr;
  else if (a->family == AF_INET6) ip = &((struct sockaddr_in6 *)&ss)->sin6_addr;
  if (refused(q, a->family, ip)) return CURL_SOCKET_BAD;
  return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

/* The guard again on the connection the request is about to be sent on, new or reused: a
 * connection opened for a request that allowed private destinations is in the same pool as
 * the others, and reusing one never passes through on_open. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port,
                     int local_port) {
  req *q = ud;
  unsigned char a[16];
  int family = strchr(primary_ip, ':') ? AF_INET6 : AF_INET;
  if (inet_pton(family, primary_ip, a) != 1) family = AF_UNSPEC;
  if (refused(q, family, family == AF_UNSPEC ? NULL : a)) return CURL_PREREQFUNC_ABORT;
  return CURL_PREREQFUNC_OK;
}

static size_t stop(req *q, int err, const char *msg) {
  if (!q->fail) {
    q->fail = err;
    dw__net_why(q->msg, sizeof q->msg, "%s", msg);
  }
  return 0; /* fewer bytes than given: curl ends the transfer with CURLE_WRITE_ERROR */
}

static size_t on_header(char *line, size_t size, size_t nitems, void *ud) {
  req *q = ud;
  size_t n = size * nitems, len = n;
  if (q->body_started) return n;
  while (len && (line[len - 1] == '\n' || line[len - 1] == '\r')) len--;
  if (memchr(line, 0, len)) return stop(q, DW_E_IO, "the response has a NUL byte in a header");
  if (len >= 5 && memcmp(line, "HTTP/", 5) == 0) {
    /* A status line starts a new header block (after 1xx responses): keep only the last. */
    dw__buf_reset(&q->res_headers);
    dw__buf_reset(&q->status_text);
    q->n_res_headers = 0;
    const char *sp = memchr(line, ' ', len);
    const char *reason = sp ? memchr(sp + 1, ' ', len - (size_t)(sp + 1 - line)) : NULL;
    if (reason) {
      reason++;
      size_t rl = len - (size_t)(reason - line);
      while (rl && (reason[rl - 1] == ' ' || reason[rl - 1] == '\t')) rl--;
      if (dw__buf_append(&q->status_text, reason, rl) != 0)
        return stop(q, DW_E_TOO_LARGE, "the response's status line is too long");
    }
    return n;
  }
  if (len == 0) return n;
  int rc = 0;
  if (line[0] == ' ' || line[0] == '\t') {
    /* obs-fold: a continuation of the previous header's value (RFC 9112 5.2) */
    if (q->n_res_headers == 0) return n;
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
    q->res_headers.len--; /* over the previous header's NUL */
    rc = dw__buf_putc(&q->res_headers, ' ');
    if (!rc) rc = dw__buf_append(&q->res_headers, line + i, len - i);
    if (!rc) rc = dw__buf_putc(&q->res_headers, 0);
  } else {
    const char *colon = memchr(line, ':', len);
    if (!colon) return n; /* not a header: ignored as curl does */
    bool token = colon > line;
    for (const char *c = line; c < colon && token; c++)
      token = dw__net_is_tchar((unsigned char)*c);
    if (!token || memchr(line, '\r', len))
      return stop(q, DW_E_IO, "the response has a malformed header");
    if (q->n_res_headers >= DW__NET_MAX_RES_HEADERS)
      return stop(q, DW_E_TOO_LARGE, "the response has more than 256 headers");
    for (const char *c = line; c < colon && !rc; c++)
      rc = dw__buf_putc(&q->res_headers, (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c));
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t')) v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
    if (!rc) rc = dw__buf_append(&q->res_headers, ": ", 2);
    if (!rc) rc = dw__buf_append(&q->res_headers, v, (size_t)(end - v));
    if (!rc) rc = dw__buf_putc(&q->res_headers, 0);
    q->n_res_headers++;
  }
  if (rc == DW_E_TOO_LARGE)
    return stop(q, rc, "the response headers are larger than 131072 bytes");
  if (rc) return stop(q, rc, "out of memory");
  return n;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
  req *q = ud;
  size_t n = size * nmemb;
  q->body_started = true;
  int rc = dw__buf_append(&q->res_body, data, n);
  if (rc == DW_E_TOO_LARGE) {
    char m[96];
    snprintf(m, sizeof m, "the response body is larger than %zu bytes", q->max_body);
    return stop(q, rc, m);
  }
  if (rc) return stop(q, rc, "out of memory");
  return n;
}

/* ---- starting ---- */

/* Whether the request goes out with a body (curl's POSTFIELDS): Fetch sends Content-Length: 0
 * for a POST or PUT without one. HEAD never has one. */
static bool posts_body(const char *method, const dw__net_request *r) {
  if (strcasecmp(method, "HEAD") == 0) return false;
  return r->body_len > 0 || !strcasecmp(method, "POST") || !strcasecmp(method, "PUT");
}

static int method_setup(req *q, const char *method, const dw__net_request *r) {
  CURL *e = q->easy;
  bool head = strcasecmp(method, "HEAD") == 0;
  bool posts = posts_body(method, r);
  CURLcode c = CURLE_OK;
  if (posts) {
    q->body = malloc(r->body_len ? r->body_len : 1);
    if (!q->body) return DW_E_NOMEM;
    if (r->body_len) memcpy(q->body, r->body, r->body_len);
    c = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
    if (!c) c = curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->body);
  } else if (head) {
    c = curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else {
    c = curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  }
  if (!c && strcmp(method, posts ? "POST" : head ? "HEAD" : "GET") != 0)
    c = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  if (c == CURLE_OUT_OF_MEMORY) return DW_E_NOMEM;
  return c ? DW_E_INTERNAL : 0;
}

/* The options every request gets. Nothing here takes a value from the request except the
 * parsed URL: no input reaches CURLOPT_CONNECT_TO, CURLOPT_RESOLVE, a proxy or a file. */
static int easy_setup(req *q, const dw__net_policy *p) {
  CURL *e = q->easy;
  CURLcode c = CURLE_OK;
#define SET(opt, val) do { if (!c) c = curl_easy_setopt(e, opt, val); } while (0)
  SET(CURLOPT_CURLU, q->target.url);
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_FOLLOWLOCATION, 0L); /* fetch() follows redirects itself, checking each hop */
  SET(CURLOPT_PROXY, "");          /* never a proxy from http_proxy & co. */
  SET(CURLOPT_NOPROXY, "*");
  SET(CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
  SET(CURLOPT_HSTS_CTRL, 0L);
  /* Alt-Svc (which could move a later request to another host) stays off: curl enables it
   * only with CURLOPT_ALTSVC / CURLOPT_ALTSVC_CTRL, and 7.88 rejects ALTSVC_CTRL 0. */
  SET(CURLOPT_NOSIGNAL, 1L);
  SET(CURLOPT_HTTP_CONTENT_DECODING, 0L); /* the body as sent: no decompression bombs */
  SET(CURLOPT_TIMEOUT_MS, (long)q->timeout_ms);
  SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)DW_MIN(q->max_body, (size_t)INT64_MAX));
  SET(CURLOPT_HTTPHEADER, q->headers);
  SET(CURLOPT_HEADERFUNCTION, on_header);
  SET(CURLOPT_HEADERDATA, q);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, q);
  SET(CURLOPT_OPENSOCKETFUNCTION, on_open);
  SET(CURLOPT_OPENSOCKETDATA, q);
  SET(CURLOPT_PREREQFUNCTION, on_prereq);
  SET(CURLOPT_PREREQDATA, q);
  SET(CURLOPT_ERRORBUFFER, q->errbuf);
  SET(CURLOPT_PRIVATE, q);
#undef SET
  (void)p;
  if (c == CURLE_OUT_OF_MEMORY) return DW_E_NOMEM;
  return c ? DW_E_INTERNAL : 0;
}

int dw__net_start(dw__net *n, const dw__net_policy *p, const dw__net_request *r,
                  dw__net_done cb, void *user, uint64_t *id_out, char *why, size_t why_len) {
  int rc = DW_E_BAD_REQUEST;
  req *q = NULL;
  if (!n || !p || !r || !cb) {
    dw__net_why(why, why_len, "dw__net_start: missing argument");
    goto out;
  }
  if (n->n_in_flight >= DW__NET_MAX_IN_FLIGHT) {
    dw__net_why(why, why_len, "more than %u requests in flight", DW__NET_MAX_IN_FLIGHT);
    rc = DW_E_OVERLOADED;
    goto out;
  }
  const char *method = r->method ? r->method : "GET";
  rc = dw__net_check_method(method, why, why_len);
  if (rc) goto out;
  if (r->body_len > DW__NET_MAX_REQ_BODY || (r->body_len && !r->body)) {
    rc = r->body_len > DW__NET_MAX_REQ_BODY ? DW_E_TOO_LARGE : DW_E_BAD_REQUEST;
    dw__net_why(why, why_len, "the request body is larger than %zu bytes or missing",
                DW__NET_MAX_REQ_BODY);
    goto out;
  }
  rc = DW_E_NOMEM;
  q = calloc(1, sizeof *q);
  if (!q) goto nomem;
  q->cb = cb;
  q->user = user;
  q->allow_private = p->allow_private;
  q->timeout_ms = p->timeout_ms ? p->timeout_ms : DW__NET_DEFAULT_TIMEOUT_MS;
  q->max_body = p->max_response_bytes ? p->max_response_bytes : DW__NET_DEFAULT_MAX_RESPONSE;
  dw__buf_init(&q->status_text, 1024);
  dw__buf_init(&q->res_headers, DW__NET_MAX_RES_HEADER_BYTES);
  dw__buf_init(&q->res_body, q->max_body);
  rc = dw__net_target_parse(p, r->url, &q->target, why, why_len);
  if (rc) goto out;
  rc = dw__net_build_headers(p, &q->target, r->headers, posts_body(method, r), &q->headers,
                             why, why_len);
  if (rc) goto out;
  rc = DW_E_NOMEM;
  q->easy = curl_easy_init();
  if (!q->easy) goto nomem;
  rc = method_setup(q, method, r);
  if (!rc) rc = easy_setup(q, p);
  if (rc == DW_E_NOMEM) goto nomem;
  if (rc) {
    dw__net_why(why, why_len, "libcurl refused an option (built without HTTP?)");
    goto out;
  }
  CURLMcode mc = curl_multi_add_handle(n->multi, q->easy);
  if (mc != CURLM_OK) {
    rc = mc == CURLM_OUT_OF_MEMORY ? DW_E_NOMEM : DW_E_INTERNAL;
    dw__net_why(why, why_len, "curl: %s", curl_multi_strerror(mc));
    goto out;
  }
  q->id = n->next_id++;
  q->active = true;
  q->next = n->active;
  if (n->active) n->active->prev = q;
  n->active = q;
  n->n_in_flight++;
  if (id_out) *id_out = q->id;
  q = NULL;
  rc = 0;
  goto out;
nomem:
  dw__net_why(why, why_len, "out of memory");
out:
  if (q) req_free(q);
  return rc;
}

void dw__net_cancel(dw__net *n, uint64_t id) {
  if (!n || id == 0) return;
  for (req *q = n->active; q; q = q->next) {
    if (q->id != id) continue;
    unlink_active(n, q);
    req_free(q);
    n->n_in_flight--;
    return;
  }
  for (req **pp = &n->done; *pp; pp = &(*pp)->next) {
    req *q = *pp;
    if (q->id != id) continue;
    *pp = q->next;
    if (n->done_tail == q) {
      n->done_tail = NULL;
      for (req *t = n->done; t; t = t->next) n->done_tail = t;
    }
    req_free(q);
    n->n_in_flight--;
    return;
  }
}

/* ---- finishing ---- */

/* The outcome of a finished transfer, from curl's code and what our callbacks recorded. */
static void outcome(req *q, CURLcode c) {
  if (c == CURLE_OK && !q->fail) {
    q->err = 0;
    return;
  }
  if (q->fail) {
    q->err = q->fail; /* q->msg already says why */
    return;
  }
  if (q->refused && (c == CURLE_COULDNT_CONNECT || c == CURLE_ABORTED_BY_CALLBACK)) {
    q->err = DW_E_OUTBOUND_BLOCKED; /* every address tried was refused; q->msg says why */
    return;
  }
  switch (c) {
  case CURLE_COULDNT_CONNECT:
    q->err = DW_E_IO;
    dw__net_why(q->msg, sizeof q->msg, "could not connect to %s: %s", q->target.host,
                q->errbuf[0] ? q->errbuf : curl_easy_strerror(c));
    return;
  case CURLE_OPERATION_TIMEDOUT:
    q->err = DW_E_IO;
    dw__net_why(q->msg, sizeof q->msg, "the request to %s timed out after %u ms",
                q->target.host, (unsigned)q->timeout_ms);
    return;
  case CURLE_FILESIZE_EXCEEDED:
    q->err = DW_E_TOO_LARGE;
    dw__net_why(q->msg, sizeof q->msg, "the response body is larger than %zu bytes",
                q->max_body);
    return;
  case CURLE_OUT_OF_MEMORY:
    q->err = DW_E_NOMEM;
    dw__net_why(q->msg, sizeof q->msg, "out of memory");
    return;
  case CURLE_COULDNT_RESOLVE_HOST:
    q->err = DW_E_IO;
    dw__net_why(q->msg, sizeof q->msg, "could not resolve host %s", q->target.host);
    return;
  default:
    q->err = DW_E_IO;
    dw__net_why(q->msg, sizeof q->msg, "the request to %s failed: %s", q->target.host,
                q->errbuf[0] ? q->errbuf : curl_easy_strerror(c));
    return;
  }
}

/* Moves every finished transfer out of the multi handle onto the done list. */
static void collect(dw__net *n) {
  CURLMsg *m;
  int left;
  while ((m = curl_multi_info_read(n->multi, &left))) {
    if (m->msg != CURLMSG_DONE) continue;
    char *priv = NULL;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
    req *q = (req *)priv;
    CURLcode c = m->data.result; /* m is invalid once the handle leaves the multi */
    if (!q || !q->active) DW_BUG("a finished transfer that is not an active request");
    unlink_active(n, q);
    outcome(q, c);
    if (n->done_tail) n->done_tail->next = q;
    else n->done = q;
    n->done_tail = q;
  }
}

static void call_back(dw__net *n, req *q) {
  const char **hv = NULL;
  if (q->err == 0) {
    hv = calloc(q->n_res_headers + 1, sizeof *hv);
    if (!hv) {
      q->err = DW_E_NOMEM;
      dw__net_why(q->msg, sizeof q->msg, "out of memory");
    }
  }
  n->in_callback = true;
  if (q->err) {
    q->cb(q->user, q->err, q->msg, NULL);
  } else {
    const char *p = q->res_headers.data;
    for (size_t i = 0; i < q->n_res_headers; i++, p += strlen(p) + 1) hv[i] = p;
    long status = 0;
    char *url = NULL;
    curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(q->easy, CURLINFO_EFFECTIVE_URL, &url);
    dw__net_response res = {
        .status = (int)status,
        .status_text = q->status_text.data ? q->status_text.data : "",
        .headers = hv,
        .nheaders = q->n_res_headers,
        .body = q->res_body.data ? q->res_body.data : "",
        .body_len = q->res_body.len,
        .url = url ? url : "",
    };
    q->cb(q->user, 0, NULL, &res);
  }
  n->in_callback = false;
  free(hv);
}

int dw__net_poll(dw__net *n, uint32_t timeout_ms) {
  if (!n) return DW_E_BAD_REQUEST;
  if (n->in_callback) DW_BUG("dw__net_poll called from inside a done callback");
  int running = 0;
  CURLMcode mc = CURLM_OK;
  if (n->active) {
    mc = curl_multi_perform(n->multi, &running);
    if (mc == CURLM_OK) collect(n);
    if (mc == CURLM_OK && !n->done && n->active) {
      mc = curl_multi_poll(n->multi, NULL, 0, (int)DW_MIN(timeout_ms, (uint32_t)INT32_MAX),
                           NULL);
      if (mc == CURLM_OK) mc = curl_multi_perform(n->multi, &running);
      if (mc == CURLM_OK) collect(n);
    }
  }
  /* Callbacks last: each one may start or cancel requests, including pending ones. */
  while (n->done) {
    req *q = n->done;
    n->done = q->next;
    if (!n->done) n->done_tail = NULL;
    q->next = NULL;
    n->n_in_flight--;
    call_back(n, q);
    req_free(q);
  }
  if (mc != CURLM_OK) return mc == CURLM_OUT_OF_MEMORY ? DW_E_NOMEM : DW_E_INTERNAL;
  return (int)n->n_in_flight;
}
