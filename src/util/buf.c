/* Bounded growable buffers and small string helpers. */
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include "util.h"

void dw__buf_init(dw_buf *b, size_t max) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

void dw__buf_free(dw_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void dw__buf_reset(dw_buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = 0;
}

static int grow(dw_buf *b, size_t extra) {
  if (extra > b->max || b->len > b->max - extra) return DW_E_TOO_LARGE;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  if (cap > b->max + 1) cap = b->max + 1;
  if (cap < need) cap = need;
  char *p = realloc(b->data, cap);
  if (!p) return DW_E_NOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int dw__buf_append(dw_buf *b, const void *p, size_t n) {
  int rc = grow(b, n);
  if (rc) return rc;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return 0;
}

int dw__buf_puts(dw_buf *b, const char *s) { return dw__buf_append(b, s, strlen(s)); }
int dw__buf_putc(dw_buf *b, char c) { return dw__buf_append(b, &c, 1); }

int dw__buf_printf(dw_buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return DW_E_INTERNAL;
  if ((size_t)n < sizeof small) return dw__buf_append(b, small, (size_t)n);
  int rc = grow(b, (size_t)n);
  if (rc) return rc;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  unsigned min;
  if ((c & 0xE0) == 0xC0) len = 2, min = 0x80, c &= 0x1F;
  else if ((c & 0xF0) == 0xE0) len = 3, min = 0x800, c &= 0x0F;
  else if ((c & 0xF8) == 0xF0) len = 4, min = 0x10000, c &= 0x07;
  else return 0;
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    c = (c << 6) | (s[i] & 0x3F);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  return len;
}

bool dw__utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t l = utf8_seq(p + i, n - i);
    if (!l) return false;
    i += l;
  }
  return true;
}

int dw__buf_json_str(dw_buf *b, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)s;
  int rc = dw__buf_putc(b, '"');
  size_t i = 0;
  while (!rc && i < n) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      rc = dw__buf_append(b, e, 2);
      i++;
    } else if (c < 0x20) {
      char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
      const char *sh = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
      rc = sh ? dw__buf_append(b, sh, 2) : dw__buf_append(b, e, 6);
      i++;
    } else if (c < 0x80) {
      rc = dw__buf_putc(b, (char)c);
      i++;
    } else {
      size_t l = utf8_seq(p + i, n - i);
      if (l) rc = dw__buf_append(b, p + i, l), i += l;
      else rc = dw__buf_append(b, "\xEF\xBF\xBD", 3), i++;
    }
  }
  if (!rc) rc = dw__buf_putc(b, '"');
  return rc;
}

char *dw__buf_steal(dw_buf *b, size_t *len) {
  char *p = b->data;
  if (len) *len = b->len;
  if (!p) p = calloc(1, 1);
  b->data = NULL;
  b->len = b->cap = 0;
  return p;
}

char *dw__strdup(const char *s) { return s ? dw__strndup(s, strlen(s)) : NULL; }

char *dw__strndup(const char *s, size_t n) {
  char *p = malloc(n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

void *dw__memdup(const void *p, size_t n) {
  void *q = malloc(n ? n : 1);
  if (q && n) memcpy(q, p, n);
  return q;
}

uint64_t dw__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void dw__sleep_ns(uint64_t ns) {
  struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u), .tv_nsec = (long)(ns % 1000000000u)};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
  }
}

double dw__epoch_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1e3 + (double)(ts.tv_nsec / 1000000);
}

/* The pinned /proc/self/statm of this process, or -1. Process-wide on purpose: it describes
 * the process, and a contained executor can no longer open /proc once its root is empty. */
static _Atomic int statm_fd = -1;

int dw__statm_pin(void) {
  int fd = atomic_load(&statm_fd);
  if (fd >= 0) return fd;
  fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  int expected = -1;
  if (!atomic_compare_exchange_strong(&statm_fd, &expected, fd)) {
    close(fd);
    fd = expected;
  }
  return fd;
}

int dw__statm_pinned(void) { return atomic_load(&statm_fd); }

static bool read_statm(unsigned long *size, unsigned long *resident) {
  char buf[128];
  int pinned = atomic_load(&statm_fd);
  int fd = pinned >= 0 ? pinned : open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (fd != pinned) close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  return sscanf(buf, "%lu %lu", size, resident) == 2;
}

size_t dw__rss_bytes(void) {
  unsigned long size = 0, resident = 0;
  if (!read_statm(&size, &resident)) return 0;
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

size_t dw__vm_bytes(void) {
  unsigned long size = 0, resident = 0;
  if (!read_statm(&size, &resident)) return 0;
  return (size_t)size * (size_t)sysconf(_SC_PAGESIZE);
}

uint64_t dw__thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int dw__read_file(const char *path, size_t max, char **out, size_t *len) {
  int rc = 0;
  dw_buf b;
  dw__buf_init(&b, max);
  FILE *f = fopen(path, "rb");
  if (!f) return DW_E_IO;
  char chunk[65536];
  size_t n;
  while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0) rc = dw__buf_append(&b, chunk, n);
  if (!rc && ferror(f)) rc = DW_E_IO;
  int saved = errno;
  fclose(f);
  errno = saved;
  if (rc) {
    dw__buf_free(&b);
    return rc;
  }
  *out = dw__buf_steal(&b, len);
  return *out ? 0 : DW_E_NOMEM;
}

int dw__base64_decode(const char *s, size_t len, void **out, size_t *n) {
  *out = NULL;
  *n = 0;
  while (len && s[len - 1] == '=') len--;
  if (len % 4 == 1) return DW_E_BAD_REQUEST;
  unsigned char *p = malloc(len / 4 * 3 + 3);
  if (!p) return DW_E_NOMEM;
  size_t o = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; i++) {
    char ch = s[i];
    int v = ch >= 'A' && ch <= 'Z' ? ch - 'A' : ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
            : ch >= '0' && ch <= '9' ? ch - '0' + 52 : ch == '+' ? 62 : ch == '/' ? 63 : -1;
    if (v < 0) {
      free(p);
      return DW_E_BAD_REQUEST;
    }
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      p[o++] = (unsigned char)(acc >> bits);
    }
  }
  *out = p;
  *n = o;
  return 0;
}
