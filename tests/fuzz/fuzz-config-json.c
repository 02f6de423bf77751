/* fuzz-config-json.c - the Hugging Face config.json parser
 * (tb_model_config_parse) on arbitrary text: no crash or over-read, an
 * accepted config has every size positive, a refusal says why on one line. */
#include "fuzz.h"
#include "tb-model-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tb_model_config c;
    char err[512] = "";
    int rc = tb_model_config_parse_json((const char *)data, size, "config.json", &c, err, sizeof err);
    if (rc == 0) {
        if (c.hidden <= 0 || c.ffn <= 0 || c.layers <= 0 || c.heads <= 0 || c.kv_heads <= 0 || c.head_dim <= 0 ||
            c.vocab <= 0 || c.max_ctx <= 0 || !(c.norm_eps > 0) || !(c.rope_theta > 0) ||
            (c.act != TB_FFN_SILU && c.act != TB_FFN_RELU2) || (c.subln != 0 && c.subln != 1) ||
            (c.tied != 0 && c.tied != 1))
            abort();
    } else if (!err[0] || strchr(err, '\n')) {
        abort();
    }
    return 0;
}
