/* ws.c: the RFC 6455 handshake, a pure incremental frame parser, UTF-8 */
#ifndef WS_H
#define WS_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

enum { WS_CONT = 0, WS_TEXT = 1, WS_BINARY = 2, WS_CLOSE = 8, WS_PING = 9, WS_PONG = 10 };
enum { WS_EV_MORE, WS_EV_DATA, WS_EV_CONTROL, WS_EV_ERROR };
struct ws {
	uint64_t left;                  /* payload bytes of the current data frame still to come */
	uint64_t msglen;                /* bytes of the current message so far */
	uint64_t max;                   /* message limit */
	unsigned char mask[4];
	unsigned char maskpos;
	unsigned char msgop;            /* WS_TEXT/WS_BINARY while a message is open, else 0 */
	unsigned char fin;              /* FIN of the current data frame */
	unsigned char inframe;          /* between a data frame's header and its last byte */
	uint32_t utf8;                  /* UTF-8 validator state */
};
struct ws_event {
	int type;
	int opcode;                     /* message opcode for DATA, frame opcode for CONTROL */
	int last;                       /* DATA: this chunk ends the message */
	int code;                       /* ERROR: the close code to send */
	unsigned char *data;
	size_t len;
};
int    ws_handshake(const struct http_req *req, char *out, size_t cap, size_t *outlen);
size_t ws_parse(struct ws *w, unsigned char *buf, size_t len, struct ws_event *ev);
size_t ws_header(unsigned char out[10], int opcode, size_t len);
int    ws_close_code_valid(unsigned code);
uint32_t utf8_step(uint32_t state, const unsigned char *s, size_t n);
size_t utf8_cut(const char *s, size_t n, size_t max);    /* every string we cut is cut with this */
#define UTF8_ACCEPT 0
#define UTF8_REJECT 1

#endif
