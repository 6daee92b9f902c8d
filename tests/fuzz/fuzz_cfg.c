/*
 * fuzz_cfg - util/cfg, the main.cf parser: the input is a main.cf. It is
 * read as logical lines with cfg_read_logical(), loaded with cfg_load()
 * (from a file in the target's temporary directory), and every value is
 * expanded with cfg_expand() against the loaded file, as postconf and
 * param do ($name, ${name?...}, ${{a} == {b}?...}).
 */
#include <stdint.h>
#include <string.h>

#include "cfg.h"
#include "fuzz.h"
#include "msg.h"
#include "vbuf.h"

static const char *
lookup(const char *name, void *ctx)
{
	return (cfg_get(ctx, name));
}

/* logical_lines - cfg_read_logical() over the input */

static void
logical_lines(const uint8_t *data, size_t size)
{
	struct vbuf line = VBUF_INIT;
	FILE *fp = fuzz_memfile(data, size);
	int lineno = 0, first = 0;

	while (cfg_read_logical(fp, &line, &lineno, &first, "main.cf"))
		if (first < 1 || first > lineno)
			msg_panic("fuzz_cfg: line %d of %d", first, lineno);
	fclose(fp);
	vbuf_free(&line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vbuf path = VBUF_INIT;
	struct vbuf why = VBUF_INIT;
	struct vbuf out = VBUF_INIT;
	struct cfg *c;

	if (path.len == 0) {
		fuzz_msg_init("fuzz_cfg");
		vbuf_printf(&path, "%s/main.cf", fuzz_tmpdir("fuzz_cfg"));
	}
	logical_lines(data, size);
	fuzz_write(vbuf_str(&path), data, size);
	c = cfg_create();
	if (cfg_load(c, vbuf_str(&path), &why) == 0) {
		for (size_t i = 0; i < cfg_count(c); i++) {
			const char *name = cfg_name_at(c, i);
			vbuf_reset(&out);
			vbuf_reset(&why);
			(void)cfg_line(c, name);
			(void)cfg_expand(&out, cfg_get(c, name), lookup, c,
			    &why);
		}
	}
	cfg_free(c);
	vbuf_free(&why);
	vbuf_free(&out);
	return (0);
}
