#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

static int load(const char *text, struct config *cfg, char *err, size_t errlen)
{
    FILE *f = tmpfile();
    int rc;

    if (!f) {
        perror("tmpfile");
        return -2;
    }
    fputs(text, f);
    rewind(f);
    rc = config_load(f, cfg, err, errlen);
    fclose(f);
    return rc;
}

int main(void)
{
    struct config cfg = {0};
    char err[128] = "";

    assert(load("# web server\nport 8080\nworkers 4\n\nroot /srv/www\n", &cfg, err,
                sizeof(err)) == 0);
    assert(cfg.port == 8080);
    assert(cfg.workers == 4);
    assert(strcmp(cfg.root, "/srv/www") == 0);

    assert(load("port 80\n\ncolour blue\n", &cfg, err, sizeof(err)) == -1);
    assert(strcmp(err, "3: unknown key 'colour'") == 0);
    assert(load("workers many\n", &cfg, err, sizeof(err)) == -1);
    assert(strcmp(err, "1: bad workers 'many'") == 0);
    assert(load("# only a key\nport\n", &cfg, err, sizeof(err)) == -1);
    assert(strcmp(err, "2: expected 'key value'") == 0);

    printf("config: all passed\n");
    return 0;
}
