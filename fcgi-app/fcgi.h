/* fcgi.h: the FastCGI boundary: reads each request, has the router answer it, writes the answer,
 * counts and logs it. */
#ifndef FROSTBYTE_FCGI_H
#define FROSTBYTE_FCGI_H

/* The accept loop on the listening socket spawn-fcgi hands over as fd 0: runs until shutdown is
 * requested. Returns 0 on a clean stop. */
int fcgi_serve(void);

#endif
