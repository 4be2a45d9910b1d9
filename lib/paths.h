/* paths.h -- where the socket, its lock, the pidfile and the state live */
#ifndef TINKR_PATHS_H
#define TINKR_PATHS_H

#include <stddef.h>

/* paths.c */
int	paths_socket(const char *, char *, size_t, char *, size_t);
int	paths_check_dir(const char *, int, char *, size_t);
int	paths_sibling(const char *, const char *, char *, size_t);
int	paths_state_dir(char *, size_t, char *, size_t);

#endif
