#include "util/tmp_map.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

void *tmp_map(size_t bytes)
{
    const char *dir = getenv("TMPDIR");
    int fd = open(dir && *dir ? dir : "/var/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0)
        return NULL;
    int e = posix_fallocate(fd, 0, (off_t)bytes); /* an error number, not -1 and errno */
    void *p = e ? MAP_FAILED : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED && !e)
        e = errno;
    close(fd);
    if (p == MAP_FAILED) {
        errno = e;
        return NULL;
    }
    return p;
}
