/* ipc: the frame codec shared by the supervisor and the executor (see ipc.h and
 * docs/internals/ipc.md). The header decoder is the first thing every byte from a possibly
 * compromised executor meets, so it checks everything it can before a length is trusted. */
#include <errno.h>
#include <string.h>
#include <poll.h>
#include <sys/uio.h>
#include <unistd.h>
#include "executor/ipc.h"
#include "util/util.h"

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void dw__ipc_header_put(uint8_t out[DW_IPC_HEADER], uint8_t type, uint32_t json_len,
                        uint32_t bin_len) {
  out[0] = type;
  out[1] = out[2] = out[3] = 0;
  put_u32(out + 4, json_len);
  put_u32(out + 8, bin_len);
}

int dw__ipc_header_get(const uint8_t in[DW_IPC_HEADER], dw__ipc_header *h) {
  h->type = in[0];
  h->json_len = get_u32(in + 4);
  h->bin_len = get_u32(in + 8);
  if (h->type < DW_IPC_HELLO || h->type > DW_IPC_RETIRE) return DW_E_BAD_REQUEST;
  if (in[1] || in[2] || in[3]) return DW_E_BAD_REQUEST;
  if (h->json_len == 0) return DW_E_BAD_REQUEST; /* every message is a JSON object */
  if (h->json_len > DW_IPC_MAX_JSON || h->bin_len > DW_IPC_MAX_BIN) return DW_E_TOO_LARGE;
  return 0;
}

static int read_all(int fd, void *p, size_t n) {
  uint8_t *c = p;
  while (n) {
    ssize_t r = read(fd, c, n);
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) errno = ECONNRESET;
    if (r <= 0) return DW_E_IO;
    c += r;
    n -= (size_t)r;
  }
  return 0;
}

int dw__ipc_write(int fd, uint8_t type, const char *json, size_t json_len, const void *bin,
                  size_t bin_len) {
  if (json_len == 0 || json_len > DW_IPC_MAX_JSON || bin_len > DW_IPC_MAX_BIN)
    return DW_E_TOO_LARGE;
  uint8_t hdr[DW_IPC_HEADER];
  dw__ipc_header_put(hdr, type, (uint32_t)json_len, (uint32_t)bin_len);
  /* One writev for the whole frame (usually one system call), then the rest, if short. */
  struct iovec iov[3] = {{hdr, sizeof hdr}, {(void *)json, json_len}, {(void *)bin, bin_len}};
  int n = bin_len ? 3 : 2;
  size_t total = sizeof hdr + json_len + bin_len, done = 0;
  while (done < total) {
    ssize_t w = writev(fd, iov, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      /* A non-blocking descriptor (the executor's): wait until it takes more. */
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      poll(&p, 1, -1);
      continue;
    }
    if (w <= 0) return DW_E_IO;
    done += (size_t)w;
    for (size_t left = (size_t)w; left && n;) {
      if (left >= iov[0].iov_len) {
        left -= iov[0].iov_len;
        memmove(iov, iov + 1, (size_t)--n * sizeof *iov);
      } else {
        iov[0].iov_base = (char *)iov[0].iov_base + left;
        iov[0].iov_len -= left;
        left = 0;
      }
    }
  }
  return 0;
}

int dw__ipc_read(int fd, uint8_t *type, char **json, size_t *json_len, void **bin,
                 size_t *bin_len) {
  *json = NULL;
  *bin = NULL;
  *json_len = *bin_len = 0;
  uint8_t hdr[DW_IPC_HEADER];
  dw__ipc_header h;
  int rc = read_all(fd, hdr, sizeof hdr);
  if (!rc) rc = dw__ipc_header_get(hdr, &h);
  if (rc) return rc;
  char *j = malloc((size_t)h.json_len + 1);
  void *b = h.bin_len ? malloc(h.bin_len) : NULL;
  if (!j || (h.bin_len && !b)) {
    rc = DW_E_NOMEM;
    goto out;
  }
  rc = read_all(fd, j, h.json_len);
  if (!rc && h.bin_len) rc = read_all(fd, b, h.bin_len);
  if (rc) goto out;
  j[h.json_len] = 0;
  *type = h.type;
  *json = j;
  *json_len = h.json_len;
  *bin = b;
  *bin_len = h.bin_len;
  j = NULL;
  b = NULL;
out:
  free(j);
  free(b);
  return rc;
}
