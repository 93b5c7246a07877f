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
    void *p = MAP_FAILED;
    int e = posix_fallocate(fd, 0, (off_t)bytes);
    if (e == 0)
        p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    else
        errno = e;
    e = errno;
    close(fd);
    errno = e;
    return p == MAP_FAILED ? NULL : p;
}
