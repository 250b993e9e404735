/* base64.c: Base64 (RFC 4648) */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

size_t base64_encode(const unsigned char *in, size_t n, char *out);   /* out: 4*ceil(n/3)+1 */
long   base64_decode(const char *in, size_t n, unsigned char *out, size_t cap);
size_t base64url_encode(const unsigned char *in, size_t n, char *out);   /* no padding: ceil(4n/3)+1 */
int    base64_sextet(char c);                                               /* a digit's value, or -1 */

#endif
