/* model-resolve.c - what a --model item names, for every command that
 * takes one (run e2e, ppl): a built-in config, a key=value spec, or a
 * checkpoint directory holding config.json. */
#include "tb-model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int tb_model_resolve(const char *item, tb_model_config *cfg, char *dir, size_t dirlen, char *err, int errlen)
{
    struct stat st;
    dir[0] = 0;
    const tb_model_config *b = tb_model_config_find(item);
    if (b) {
        *cfg = *b;
        return 0;
    }
    if (strchr(item, '=')) {
        if (tb_model_config_parse(item, cfg, err, errlen) < 0)
            return -EINVAL;
        if (!cfg->name[0])
            snprintf(cfg->name, sizeof cfg->name, "custom-h%lld-l%lld", (long long)cfg->hidden,
                     (long long)cfg->layers);
        return 0;
    }
    if (stat(item, &st) == 0 && S_ISDIR(st.st_mode)) {
        char path[4096];
        snprintf(path, sizeof path, "%s/config.json", item);
        if (tb_model_config_from_json(path, cfg, err, errlen) < 0)
            return -EINVAL;
        snprintf(dir, dirlen, "%s", item);
        return 0;
    }
    snprintf(err, (size_t)errlen,
             "--model %s: not a built-in model (see `tritbench list models`), a key=value spec or a checkpoint "
             "directory",
             item);
    return -EINVAL;
}
