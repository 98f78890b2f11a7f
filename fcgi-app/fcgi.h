/* fcgi.h: the FastCGI boundary: reads each request, has the router answer it, writes the answer,
 * counts and logs it. */
#ifndef FROSTBYTE_FCGI_H
#define FROSTBYTE_FCGI_H

/* The accept loop on the listening socket spawn-fcgi hands over as fd 0: runs until shutdown is
 * requested. Returns 0 on a clean stop. threads 0: one request at a time, on this thread (the api
 * and chat pools); threads N: N accept threads and group commit (group.h; the write pool). */
int fcgi_serve(int threads);

#endif
