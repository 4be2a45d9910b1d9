/* sha256.h -- SHA-256 (FIPS 180-4), for token hashes without libcrypto */
#ifndef TINKR_SHA256_H
#define TINKR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32

struct sha256 {
	uint32_t	 h[8];
	uint64_t	 total;		/* bytes */
	unsigned char	 block[64];
	size_t		 used;
};

/* sha256.c */
void	 sha256_init(struct sha256 *);
void	 sha256_update(struct sha256 *, const void *, size_t);
void	 sha256_final(struct sha256 *, unsigned char[SHA256_LEN]);
void	 sha256_hex(const void *, size_t, char[2 * SHA256_LEN + 1]);

#endif
